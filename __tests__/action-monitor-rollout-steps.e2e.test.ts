// Issue 15, one scheduled monitor run driving two rollouts at once, through the bundled action
// (dist/index.js, a child process): v1.2.0 in shadow, v1.1.0 as a canary. The run that holds the
// shadow (inconclusive) and aborts the canary (one segment breaching) sets the single step outputs
// to the abort, the most severe step (a serving layer must never miss an abort), names its stage,
// and lists every step in `rollout-steps`. Each step the monitor writes is notified once, routed by
// severity (abort critical, hold warning, advance info); a re-run writes nothing and sends nothing.
// The monitor reads a time-series file; each run's clock is shifted to the data's dates.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { scheduleEvent, writeEvent, type WrittenEvent } from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import { MINUTE } from './helpers/monitored-registry.js'
import { BASE_SECONDS } from './helpers/prometheus.js'
import {
  canaryOnErrorsBySegment,
  errorsBySegmentCsv,
  fraudRolloutPolicy
} from './helpers/rollout-policy.js'
import { registerByAction, scheduledMonitorEnv, setUpByCli } from './helpers/rollout-workspace.js'
import { runAction } from './helpers/run-action.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'

const T0 = BASE_SECONDS

const POLICY = fraudRolloutPolicy(`  shadow:
    from: [staging]
    rollout:
      type: shadow
      shadows: production
      min_step_duration: 30m
      source: { file: metrics.csv }
      triggers:
        - name: agreement
          query: 'prediction_agreement{model="$model", version="$version", champion="$champion"}'
          min: 0.95
${canaryOnErrorsBySegment('staging, shadow')}  production:
    from: [canary]
`)

describe('a monitor run driving a shadow and a canary at once (bundled action)', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  let schedule: WrittenEvent
  let team: Receiver
  let oncall: Receiver
  let sha: string
  const monitorRun = (seconds: number) =>
    runAction(
      {
        command: 'monitor',
        policy: 'policy.yml',
        'notify-webhook': team.url,
        'notify-webhook-critical': oncall.url
      },
      scheduledMonitorEnv(workspace, schedule, sha, seconds, {
        GITHUB_SERVER_URL: 'https://github.com'
      }),
      clone.dir
    )

  beforeAll(async () => {
    team = await startReceiver('team')
    oncall = await startReceiver('oncall')
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.8, 0.85, 0.9], dispatchAt: 2 })
    clone = workspace.clone
    sha = workspace.commits[2] as string
    // v1.1.0's eu segment errs from T0 + 50m; nothing for the shadow's agreement (inconclusive).
    await writeFile(path.join(clone.dir, 'metrics.csv'), errorsBySegmentCsv())
    await registerByAction(workspace, ['v1.0.0', 'v1.1.0', 'v1.2.0'], { from: T0 - 55 * MINUTE })
    const promote = (seconds: number, version: string, stage: string, ...more: string[]) =>
      setUpByCli(clone, ['promote', 'fraud', '--to', stage, '--version', version, ...more], seconds)
    const start = (seconds: number, version: string, stage: string) =>
      setUpByCli(
        clone,
        ['rollout', 'fraud', '--stage', stage, '--start', '--version', version],
        seconds
      )
    await promote(T0 - 45 * MINUTE, 'v1.0.0', 'production', '--force', '--reason', 'first')
    await promote(T0 - 40 * MINUTE, 'v1.1.0', 'staging')
    await start(T0 - 25 * MINUTE, 'v1.1.0', 'canary')
    await promote(T0 - 20 * MINUTE, 'v1.2.0', 'staging')
    await start(T0 - 15 * MINUTE, 'v1.2.0', 'shadow')
    schedule = await writeEvent(scheduleEvent(sha))
  }, 240_000)
  afterAll(async () => {
    await schedule?.cleanup()
    await workspace?.cleanup()
    await team?.close()
    await oncall?.close()
  })

  it('advances the canary while the shadow waits: the outputs and one info notification', async () => {
    const run = await monitorRun(T0 + 10 * MINUTE)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      'rollout-step': 'advance',
      'rollout-stage': 'canary',
      'traffic-percent': '10',
      version: 'v1.1.0',
      'champion-version': 'v1.0.0'
    })
    expect(JSON.parse(run.outputs['rollout-steps'] ?? '')).toEqual([
      {
        stage: 'canary',
        rollout_step: 'advance',
        traffic_percent: 10,
        version: 'v1.1.0',
        champion_version: 'v1.0.0'
      }
    ])
    expect(oncall.bodies).toEqual([])
    expect(team.bodies).toHaveLength(1)
    expect(team.bodies[0]?.modelgate).toMatchObject({
      schema: 'modelgate.notification/v1',
      severity: 'info',
      action: 'rollout-advance',
      key: 'fraud|canary|v1.1.0|rollout-advance|10',
      model: 'fraud',
      stage: 'canary',
      version: 'v1.1.0',
      actor: 'github-actions (workflow "monitor", schedule)',
      rollout: { type: 'canary', step: 'advance', from: 5, percent: 10, champion: 'v1.0.0' },
      runUrl: `https://github.com/acme/models/actions/runs/${T0 + 10 * MINUTE}`
    })
    expect(team.bodies[0]?.text).toContain(
      ':information_source: *fraud* `v1.1.0` advanced in *canary* from 5% to 10%'
    )
  })

  it('holds the shadow and aborts the canary in one run: the outputs say the abort, rollout-steps both; each step notified by its severity', async () => {
    const told = team.bodies.length
    const run = await monitorRun(T0 + 70 * MINUTE)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(5)
    // The single outputs are the most severe step's, whichever stage the policy lists first.
    expect(run.outputs).toMatchObject({
      'rollout-step': 'abort',
      'rollout-stage': 'canary',
      'traffic-percent': '0',
      version: 'v1.1.0',
      'champion-version': 'v1.0.0'
    })
    expect(JSON.parse(run.outputs['rollout-steps'] ?? '')).toEqual([
      {
        stage: 'shadow',
        rollout_step: 'hold',
        traffic_percent: 0,
        version: 'v1.2.0',
        champion_version: 'v1.0.0'
      },
      {
        stage: 'canary',
        rollout_step: 'abort',
        traffic_percent: 0,
        version: 'v1.1.0',
        champion_version: 'v1.0.0'
      }
    ])
    // The abort pages the on-call channel; the hold goes to the team's.
    expect(oncall.bodies).toHaveLength(1)
    const abort = oncall.bodies[0]
    expect(abort?.modelgate).toMatchObject({
      severity: 'critical',
      action: 'rollout-abort',
      stage: 'canary',
      version: 'v1.1.0',
      rollout: { type: 'canary', step: 'abort', from: 10, percent: 0, champion: 'v1.0.0' },
      monitor: { verdict: 'breach' }
    })
    expect(abort?.modelgate?.reason).toContain('segment="eu"')
    expect(abort?.text).toContain(
      ':rotating_light: *fraud* `v1.1.0` aborted in *canary* at 10%, traffic now 0%: breached error rate by segment'
    )
    expect(team.bodies.slice(told)).toHaveLength(1)
    const hold = team.bodies[told]
    expect(hold?.modelgate).toMatchObject({
      severity: 'warning',
      action: 'rollout-hold',
      stage: 'shadow',
      version: 'v1.2.0',
      rollout: { type: 'shadow', step: 'hold', percent: 0 },
      monitor: { verdict: 'inconclusive' }
    })
    expect(hold?.text).toContain(':warning: *fraud* `v1.2.0` held in *shadow* (inconclusive)')
  })

  it('a re-run writes nothing and sends nothing', async () => {
    const tags = await remoteTags(clone)
    const sent = team.bodies.length + oncall.bodies.length
    const again = await monitorRun(T0 + 72 * MINUTE)
    expect(again.stderr).toBe('')
    // The shadow is held already (inconclusive: a warning, not a failed step); the canary has
    // no running rollout any more.
    expect(again.exitCode).toBe(0)
    expect(again.outputs['rollout-step']).toBe('hold')
    expect(await remoteTags(clone)).toEqual(tags)
    expect(team.bodies.length + oncall.bodies.length).toBe(sent)
  })
})
