// `command: monitor` through the bundled action (dist/index.js) on a scheduled run (issue 14):
// a promoted version whose live error rate crosses the policy's bound in a real Prometheus is
// rolled back, pushed to origin, with the report in the job summary and the evidence in the
// audit record; a later scheduled run writes nothing; other events are refused. Notifications
// carry a severity and go to its webhook (receivers on 127.0.0.1): critical for the rollback,
// warning for an alert-only breach and for monitoring inconclusive too long, info once for a
// watch that ended healthy. The registry is set up with the bundled CLI; both run with their
// clock shifted to the data's dates.
import { gitOk } from '../src/registry/git/runner.js'
import { HERMETIC_GIT, expectNoSecret } from './helpers/action-workspace.js'
import { workflowDispatchEvent, writeEvent } from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import {
  MINUTE,
  T1,
  clockAt,
  gauge,
  maxTrigger,
  monitoredPolicy,
  registerModelAt,
  startMonitoredRegistry,
  trigger,
  type MonitoredRegistry
} from './helpers/monitored-registry.js'
import { BASE_SECONDS } from './helpers/prometheus.js'
import { runAction } from './helpers/run-action.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'

const policy = (url: string, trigger = '', extra = '') =>
  monitoredPolicy({
    model: 'svc',
    url,
    monitorExtra: extra,
    triggers: maxTrigger('error rate', 'error_ratio', 0.05, trigger)
  })

describe('command: monitor (bundled action, real Prometheus, git registry)', () => {
  let registry: MonitoredRegistry
  let clone: Clone
  let all: Receiver
  let critical: Receiver
  const cli = (seconds: number, args: string[]) => registry.cli(seconds, args)
  const action = async (
    seconds: number,
    event: string,
    env: Record<string, string> = {},
    file = 'policies/svc.yml'
  ) => {
    const result = await runAction(
      {
        command: 'monitor',
        policy: file,
        'notify-webhook': all.url,
        'notify-webhook-critical': critical.url
      },
      {
        ...HERMETIC_GIT,
        ...clockAt(seconds),
        GITHUB_EVENT_NAME: event,
        GITHUB_ACTOR: 'octocat',
        GITHUB_WORKFLOW: 'monitor',
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: `${seconds}`,
        ...env
      },
      clone.dir
    )
    expectNoSecret(result, [all.url, critical.url])
    return result
  }
  const originTags = async () =>
    (await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).trim().split('\n').sort()

  beforeAll(async () => {
    const labels = (version: string) => ({ model: 'svc', version })
    registry = await startMonitoredRegistry([
      gauge('error_ratio', labels('v1.0.0'), BASE_SECONDS - 600, 300, () => 0.01),
      gauge('error_ratio', labels('v1.1.0'), T1, 180, m => (m < 30 ? 0.01 : 0.12))
    ])
    clone = registry.clone
    all = await startReceiver('all')
    critical = await startReceiver('critical')
    const { url } = registry.prometheus
    await registry.writePolicy('svc', policy(url))
    await registry.writePolicy('svc-alert', policy(url, '          action: alert\n'))
    await registry.writePolicy(
      'svc-blind',
      policy(
        url,
        trigger('missing', 'max(no_such_metric{version="$version"})', 1),
        '      warn_inconclusive_after: 10m\n'
      )
    )
    for (const [version, when] of [
      ['v1.0.0', BASE_SECONDS],
      ['v1.1.0', T1]
    ] as const) {
      await registerModelAt(clone, when - 60, 'svc', version, { message: version })
      const promoted = await cli(when, [
        'promote',
        'svc',
        '--to',
        'production',
        '--version',
        version
      ])
      expect(promoted.exitCode).toBe(0)
    }
  }, 120_000)
  afterAll(async () => {
    await registry?.stop()
    await all?.close()
    await critical?.close()
  })

  it('other events are refused, and a workflow_dispatch off the default branch too; nothing written', async () => {
    const before = await originTags()
    const push = await action(T1 + 45 * MINUTE, 'push')
    expect(push.exitCode).toBe(2)
    expect(push.stdout).toContain('runs on schedule, workflow_dispatch, repository_dispatch')
    const dispatched = await writeEvent(
      workflowDispatchEvent({
        repo: { owner: 'acme', name: 'models' },
        sha: 'a'.repeat(40),
        ref: 'refs/heads/feature'
      })
    )
    try {
      const off = await action(T1 + 45 * MINUTE, 'workflow_dispatch', dispatched.env)
      expect(off.exitCode).toBe(4)
      expect(off.stdout).toContain('runs on the default branch')
    } finally {
      await dispatched.cleanup()
    }
    expect(await originTags()).toEqual(before)
    expect([all.bodies, critical.bodies]).toEqual([[], []])
  })

  it('a healthy watch still running notifies nobody', async () => {
    const run = await action(T1 + 20 * MINUTE, 'schedule')
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs['report-json'] ?? '{}')).toMatchObject({
      exitCode: 0,
      stages: [{ verdict: 'healthy', action: { kind: 'none' } }]
    })
    expect([all.bodies, critical.bodies]).toEqual([[], []])
  })

  it('an alert-only breach (exit 6) and a watch inconclusive too long send a warning; nothing written', async () => {
    const before = await originTags()
    const alerted = await action(T1 + 45 * MINUTE, 'schedule', {}, 'policies/svc-alert.yml')
    expect(alerted.exitCode).toBe(6)
    expect(alerted.summary).toContain('Notification: **warning** (breach-alert)')
    expect(all.bodies).toHaveLength(1)
    expect(all.bodies[0]).toMatchObject({
      text: expect.stringContaining(
        ':warning: *svc* `v1.1.0` breached in *production* (alert only): breached error rate'
      ),
      modelgate: {
        severity: 'warning',
        action: 'breach-alert',
        key: 'svc|production|v1.1.0|breach-alert',
        model: 'svc',
        version: 'v1.1.0',
        stage: 'production',
        actor: 'github-actions (workflow "monitor", schedule)',
        repository: 'acme/models',
        reason: expect.stringContaining('error rate'),
        monitor: {
          verdict: 'breach',
          detail: 'every breached trigger says action: alert',
          triggers: [{ name: 'error rate', verdict: 'breach' }]
        }
      }
    })
    const blind = await action(T1 + 20 * MINUTE, 'schedule', {}, 'policies/svc-blind.yml')
    expect(blind.exitCode).toBe(0)
    expect(all.bodies).toHaveLength(2)
    expect(all.bodies[1]?.modelgate).toMatchObject({
      severity: 'warning',
      action: 'inconclusive',
      version: 'v1.1.0',
      monitor: {
        verdict: 'inconclusive',
        triggers: [
          { name: 'error rate', verdict: 'healthy' },
          { name: 'missing', verdict: 'inconclusive' }
        ]
      }
    })
    expect(critical.bodies).toEqual([])
    expect(await originTags()).toEqual(before)
    all.bodies.length = 0
  })

  it('a scheduled run rolls the breached version back: exit 5, pushed, summary and record', async () => {
    // Its hand-off to serving fails (asked for, but the run has no token), and 5 and 6 are only
    // warnings here: the step fails all the same, with the rollback's 5 (not the hand-off's 4),
    // and says both.
    const run = await action(T1 + 45 * MINUTE, 'schedule', {
      'INPUT_DISPATCH-EVENT-TYPE': 'modelgate-deploy',
      'INPUT_FAIL-ON-BLOCKED': 'false'
    })
    expect(run.exitCode).toBe(5)
    expect(run.stdout).toMatch(
      /^::error::ModelGate monitor: a breach rolled a stage back or aborted a rollout automatically; see the report\. And the hand-off to serving failed/m
    )
    expect(run.stdout).toContain('::error title=ModelGate hand-off to serving::')
    expect(run.stdout).toContain('svc v1.0.0 at 100%25 of production (rolled back from v1.1.0)')
    expect(run.summary).toContain('### production: ❌ breach')
    expect(run.summary).toContain('**Rolled back automatically** to v1.0.0.')
    // The audit record as the job summary shows it, and the registry's record on origin.
    expect(run.summary).toContain('automatic')
    expect(JSON.parse(run.outputs['report-json'] ?? '{}')).toMatchObject({
      exitCode: 5,
      stages: [{ verdict: 'breach', action: { kind: 'rollback', restored: 'v1.0.0' } }]
    })
    await gitOk(clone.git, ['fetch', '--quiet', '--tags', '--force', 'origin'])
    const status = await cli(T1 + 46 * MINUTE, ['status', 'svc', '--json'])
    expect(status.stdout).toMatch(/"stage": "production",\s+"version": "v1.0.0"/)
    const history = await cli(T1 + 46 * MINUTE, ['history', 'svc', '--json'])
    expect(history.stdout).toContain('"kind": "automatic-rollback"')
    // Nobody chose the moment of a scheduled run: the workflow acts; GitHub's actor (whoever
    // last edited the cron line) is kept apart.
    expect(history.stdout).toContain('"actor": "github-actions (workflow \\"monitor\\", schedule)"')
    expect(history.stdout).toContain('"initialActor": "octocat"')
    expect(history.stdout).toContain('"event": "schedule"')
    // Critical goes to its own webhook, once, with the verdict; nothing to notify-webhook.
    expect(all.bodies).toEqual([])
    expect(critical.bodies).toHaveLength(1)
    expect(critical.bodies[0]).toMatchObject({
      text: expect.stringContaining(
        ':rotating_light: *svc* *production* rolled back automatically to `v1.0.0` (from `v1.1.0`): breached error rate'
      ),
      modelgate: {
        severity: 'critical',
        action: 'automatic-rollback',
        version: 'v1.0.0',
        previous: 'v1.1.0',
        actor: 'github-actions (workflow "monitor", schedule)',
        runUrl: `https://github.com/acme/models/actions/runs/${T1 + 45 * MINUTE}`,
        monitor: { verdict: 'breach', triggers: [{ name: 'error rate', verdict: 'breach' }] }
      }
    })
  })

  it('the next scheduled run writes nothing: the restored version is in recovery', async () => {
    const before = await originTags()
    const run = await action(T1 + 47 * MINUTE, 'schedule')
    // Inconclusive (two minutes of samples) is exit 1 on the CLI; in the action, as any pass
    // with warnings, the step succeeds and the verdict is in the report.
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs['report-json'] ?? '{}')).toMatchObject({
      exitCode: 1,
      stages: [{ mode: 'recovery', verdict: 'inconclusive' }]
    })
    expect(run.summary).toContain('Recovery of **v1.0.0**')
    expect(await originTags()).toEqual(before)
    expect([all.bodies.length, critical.bodies.length]).toEqual([0, 1])
  })

  it('the end of the recovery watch is told once (info), by the run within runs_every after it', async () => {
    // Recovery watched from the rollback (T1+45m) for 2h: it ends at T1+165m.
    const ended = await action(T1 + 170 * MINUTE, 'schedule')
    expect(ended.exitCode).toBe(0)
    expect(JSON.parse(ended.outputs['report-json'] ?? '{}')).toMatchObject({
      stages: [
        {
          mode: 'recovery',
          verdict: 'recovered',
          notification: { severity: 'info', kind: 'watch-ended' }
        }
      ]
    })
    expect(all.bodies).toHaveLength(1)
    expect(all.bodies[0]).toMatchObject({
      text: expect.stringContaining('the watch of *production* ended recovered'),
      modelgate: { severity: 'info', action: 'watch-ended', version: 'v1.0.0' }
    })
    const later = await action(T1 + 226 * MINUTE, 'schedule')
    expect(later.exitCode).toBe(0)
    expect([all.bodies.length, critical.bodies.length]).toEqual([1, 1])
  })
})
