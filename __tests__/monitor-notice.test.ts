// Which notification a monitor verdict calls for, its severity, and "once" derived from time
// alone (monitor/notice.ts); and which webhook each severity goes to (notify/route.ts).
import { monitorNotice, type NoticeInput } from '../src/monitor/notice.js'
import { webhookFor, webhookUrls } from '../src/notify/route.js'
import { watchWindow } from '../src/monitor/window.js'

const HOUR = 3600_000
const PROMOTED = Date.UTC(2026, 0, 5, 12)
const WATCH_FOR = 24 * HOUR
const timing = (at: number) => ({ at, warnInconclusiveAfterMs: 2 * HOUR, runsEveryMs: HOUR })

function stage(at: number, overrides: Partial<NoticeInput> = {}): NoticeInput {
  return {
    mode: 'watch',
    verdict: 'healthy',
    action: { kind: 'none' },
    since: new Date(PROMOTED),
    window: watchWindow(PROMOTED, at, WATCH_FOR),
    ...overrides
  }
}

describe('monitorNotice', () => {
  it('an automatic rollback written is critical, whenever it happens; a dry run or nothing written is silent', () => {
    const rollback = {
      kind: 'rollback' as const,
      restored: 'v1',
      written: true,
      dryRun: false,
      report: {
        kind: 'ran' as const,
        model: 'm',
        stage: 'production',
        rolledBack: 'v2',
        restored: 'v1',
        reason: 'breach',
        result: { written: false as const, reason: 'not in stage' as const }
      }
    }
    for (const at of [PROMOTED + HOUR, PROMOTED + WATCH_FOR + 5 * HOUR]) {
      expect(monitorNotice(stage(at, { verdict: 'breach', action: rollback }), timing(at))).toEqual(
        {
          severity: 'critical',
          kind: 'automatic-rollback'
        }
      )
    }
    const at = PROMOTED + HOUR
    const dry = { ...rollback, written: false, dryRun: true }
    expect(monitorNotice(stage(at, { verdict: 'breach', action: dry }), timing(at))).toBeUndefined()
    const none = { ...rollback, written: false }
    expect(
      monitorNotice(stage(at, { verdict: 'breach', action: none }), timing(at))
    ).toBeUndefined()
  })

  it('a breach of alert-only triggers is a warning; one the policy wanted rolled back but could not be is critical', () => {
    const at = PROMOTED + HOUR
    const alert = (
      why: 'action-alert' | 'cap-reached' | 'no-earlier-holder' | 'target-taken-out'
    ) =>
      monitorNotice(
        stage(at, { verdict: 'breach', action: { kind: 'alert', why, detail: 'd' } }),
        timing(at)
      )
    expect(alert('action-alert')).toEqual({ severity: 'warning', kind: 'breach-alert' })
    for (const why of ['cap-reached', 'no-earlier-holder', 'target-taken-out'] as const) {
      expect(alert(why)).toEqual({ severity: 'critical', kind: 'breach-not-rolled-back' })
    }
  })

  it('a failed recovery is critical', () => {
    const at = PROMOTED + HOUR
    const failed = stage(at, {
      mode: 'recovery',
      verdict: 'recovery-failed',
      action: { kind: 'alert', why: 'recovery-failed', detail: 'd' }
    })
    expect(monitorNotice(failed, timing(at))).toEqual({
      severity: 'critical',
      kind: 'recovery-failed'
    })
  })

  it('inconclusive is a warning only past warn_inconclusive_after since the watch started', () => {
    const early = PROMOTED + 2 * HOUR - 1
    expect(monitorNotice(stage(early, { verdict: 'inconclusive' }), timing(early))).toBeUndefined()
    const late = PROMOTED + 2 * HOUR
    expect(monitorNotice(stage(late, { verdict: 'inconclusive' }), timing(late))).toEqual({
      severity: 'warning',
      kind: 'inconclusive'
    })
  })

  it('healthy is silent during the watch; its end is info once: only the run within runs_every after it', () => {
    const during = PROMOTED + 10 * HOUR
    expect(monitorNotice(stage(during), timing(during))).toBeUndefined()
    const end = PROMOTED + WATCH_FOR
    for (const at of [end, end + HOUR - 1]) {
      expect(monitorNotice(stage(at), timing(at))).toEqual({
        severity: 'info',
        kind: 'watch-ended'
      })
      expect(
        monitorNotice(stage(at, { mode: 'recovery', verdict: 'recovered' }), timing(at))
      ).toEqual({ severity: 'info', kind: 'watch-ended' })
    }
    for (const at of [end + HOUR, end + 30 * HOUR]) {
      expect(monitorNotice(stage(at), timing(at))).toBeUndefined()
      // The final verdict is told once, whatever it is.
      expect(monitorNotice(stage(at, { verdict: 'inconclusive' }), timing(at))).toBeUndefined()
    }
  })

  it('nothing watched is silent', () => {
    const at = PROMOTED + HOUR
    expect(
      monitorNotice({ mode: 'idle', verdict: 'not-watched', action: { kind: 'none' } }, timing(at))
    ).toBeUndefined()
  })
})

describe('webhookFor', () => {
  const routes = {
    default: 'https://hooks.example.com/all',
    critical: 'https://pager.example.com/critical',
    info: 'none'
  }

  it('a severity with its own webhook goes there, one without to notify-webhook, none nowhere', () => {
    expect(webhookFor(routes, 'critical')).toEqual({
      url: 'https://pager.example.com/critical',
      input: 'notify-webhook-critical'
    })
    expect(webhookFor(routes, 'warning')).toEqual({
      url: 'https://hooks.example.com/all',
      input: 'notify-webhook'
    })
    expect(webhookFor(routes, 'info')).toBeUndefined()
    expect(webhookFor({ critical: 'https://pager.example.com/c' }, 'warning')).toBeUndefined()
  })

  it('lists every URL to mask, never the word none', () => {
    expect(webhookUrls(routes)).toEqual([
      'https://hooks.example.com/all',
      'https://pager.example.com/critical'
    ])
  })
})
