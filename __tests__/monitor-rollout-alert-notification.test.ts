// A canary breaching triggers that all say `action: alert` is not aborted: a person must act, so
// each run that finds it says so, as a watched stage's alert-only breach does (docs/rollout.md).
import { rolloutNotifications } from '../src/commands/monitor-notifications.js'
import { notificationFor } from '../src/notify/webhook.js'
import type { TriggerEvaluation } from '../src/monitor/evaluate.js'
import type { RolloutDriveResult } from '../src/report/monitor-rollout.js'

const at = new Date('2026-12-03T10:00:00Z')
const since = new Date('2026-12-03T09:00:00Z')
const context = { actor: 'github-actions (workflow "monitor", schedule)', now: () => at }

function breached(name: string): TriggerEvaluation {
  return {
    query: 'error_ratio{version="$version"}',
    action: 'alert',
    range: { start: since.getTime(), end: at.getTime() },
    stepMs: 60_000,
    queries: 1,
    verdict: { trigger: name, status: 'breach', summary: `${name}: 0.08 > 0.05` }
  } as TriggerEvaluation
}

function alerted(overrides: Partial<RolloutDriveResult> = {}): RolloutDriveResult {
  return {
    stage: 'canary',
    type: 'canary',
    version: 'v1.2.0',
    champion: 'v1.1.0',
    percent: 10,
    phase: 'running',
    since,
    window: {
      watched: { start: since.getTime(), end: at.getTime() },
      baseline: { start: since.getTime() - 3_600_000, end: since.getTime() },
      ended: false
    },
    verdict: 'breach',
    triggers: [breached('error rate <!channel>')],
    action: { kind: 'alert', detail: 'every breached trigger says action: alert' },
    queries: 1,
    source: 'prometheus',
    ...overrides
  }
}

describe('a rollout breach that only alerts', () => {
  it('is told as a warning naming the version, its share and the breached trigger', () => {
    const events = rolloutNotifications(context, 'churn-model', [alerted()])
    expect(events).toHaveLength(1)
    const [event] = events
    expect(event).toMatchObject({
      action: 'rollout-alert',
      stage: 'canary',
      version: 'v1.2.0',
      rollout: { type: 'canary', step: 'alert', percent: 10, champion: 'v1.1.0' }
    })
    const payload = notificationFor(event!)
    expect(payload.modelgate.severity).toBe('warning')
    expect(payload.text).toContain('breached in *canary* at 10% (alert only, not aborted)')
    expect(payload.text).toContain('error rate &lt;!channel&gt;')
    expect(payload.text).not.toContain('<!channel>')
  })

  it('a shadow names no share', () => {
    const [event] = rolloutNotifications(context, 'churn-model', [
      alerted({ stage: 'shadow', type: 'shadow', percent: 0 })
    ])
    expect(notificationFor(event!).text).toContain('breached in *shadow* (alert only, not aborted)')
  })
})
