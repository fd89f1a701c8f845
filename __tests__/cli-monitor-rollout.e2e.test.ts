// Issue 15, monitor-driven rollouts, through the bundled CLI (dist/cli/index.js) on a git registry
// with a bare origin and a real Prometheus loaded with dated series. The CLI runs with its clock
// shifted to those dates (helpers/shifted-clock.mjs), so steps, min_step_duration and the data
// line up. Each scenario is its own model in one registry; GTO's readers check origin after each.
import { checkedGtoReaders } from './helpers/git-gto-reference.js'
import { hermeticGit, makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { cliAt } from './helpers/monitored-registry.js'
import { commitModel, originTags, writePolicy } from './helpers/model-checkout.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer,
  type SeriesSpec
} from './helpers/prometheus.js'

const MINUTE = 60
/** The canary (or shadow) starts at T0. */
const T0 = BASE_SECONDS
const CANARY_TRIGGERS = `
        - name: error rate
          query: 'max(error_ratio{model="$model", version="$version"})'
          max: 0.05
          failure_limit: 2`

export const SHADOW_TRIGGERS = (url: string) => `
      min_step_duration: 30m
      source: { prometheus: { url: "${url}", timeout: 2s } }
      triggers:
        - name: agreement
          query: 'min(prediction_agreement{model="$model", version="$version", champion="$champion"})'
          min: 0.9
          failure_limit: 2`

export function rolloutPolicy(
  model: string,
  url: string,
  canaryTriggers = CANARY_TRIGGERS,
  shadowTriggers = ''
) {
  return `model: ${model}
path: models/${model}
metrics:
  accuracy: { goal: maximize }
stages:
  staging:
    from: [candidate]
  shadow:
    from: [staging]
    rollout:
      type: shadow
      shadows: production${shadowTriggers}
  canary:
    from: [shadow]
    rollout:
      type: canary
      steps: [5, 10, 25, 50]
      min_step_duration: 30m
      source: { prometheus: { url: "${url}", timeout: 2s } }
      triggers:${canaryTriggers}
  production:
    from: [canary]
`
}

type Shape = (minute: number) => number
const steady =
  (value: number): Shape =>
  () =>
    value

/** One gauge a minute for `minutes` from `start`. */
function gauge(
  name: string,
  labels: Record<string, string>,
  start: number,
  minutes: number,
  shape: Shape
): SeriesSpec {
  return { name, labels, samples: samplesEvery(start, MINUTE, minutes, shape) }
}

export const SEGMENT_TRIGGERS = `
        - name: error rate by segment
          query: 'max by (segment) (error_ratio{model="$model", version="$version"})'
          by: segment
          relative: { baseline: champion, max_increase_pct: 50 }
          failure_limit: 2`

describe('modelgate monitor drives rollouts (bundled CLI, real Prometheus, git registry)', () => {
  let prometheus: PrometheusServer
  let sandbox: Sandbox
  let clone: Clone
  /** Every monitor run notifies here (MODELGATE_NOTIFY_WEBHOOK). */
  let receiver: Receiver
  const cli = (seconds: number, ...args: string[]) =>
    cliAt(
      clone.dir,
      seconds,
      args,
      args[0] === 'monitor' ? { MODELGATE_NOTIFY_WEBHOOK: receiver.url } : {}
    )
  const ok = async (seconds: number, ...args: string[]) => {
    const run = await cli(seconds, ...args)
    expect(run.stderr).toBe('')
    expect([0, 1]).toContain(run.exitCode)
    return run
  }

  /**
   * v1.0.0 forced into production, v1.1.0 registered, promoted to staging, started in shadow
   * (T0 - 5m) and, unless `shadowOnly`, started as a canary at 5% at T0.
   */
  async function setUp(
    model: string,
    options: { shadowOnly?: boolean; triggers?: string; shadowTriggers?: boolean } = {}
  ) {
    const shadow = options.shadowTriggers ? SHADOW_TRIGGERS(prometheus.url) : ''
    await writePolicy(clone, rolloutPolicy(model, prometheus.url, options.triggers, shadow), model)
    await commitModel(clone, { accuracy: 0.9 }, { model, message: `${model} v1.0.0` })
    await ok(T0 - 40 * MINUTE, 'register', model, '--version', 'v1.0.0')
    const forced = [
      ...['promote', model, '--to', 'production', '--version', 'v1.0.0'],
      ...['--force', '--reason', 'the first champion']
    ]
    await ok(T0 - 35 * MINUTE, ...forced)
    await commitModel(clone, { accuracy: 0.91 }, { model, message: `${model} v1.1.0` })
    await ok(T0 - 30 * MINUTE, 'register', model, '--version', 'v1.1.0')
    await ok(T0 - 25 * MINUTE, 'promote', model, '--to', 'staging', '--version', 'v1.1.0')
    const start = ['--start', '--version', 'v1.1.0']
    if (options.shadowOnly) {
      await ok(T0, 'rollout', model, '--stage', 'shadow', ...start)
      return
    }
    await ok(T0 - 5 * MINUTE, 'rollout', model, '--stage', 'shadow', ...start)
    await ok(T0, 'rollout', model, '--stage', 'canary', ...start)
  }

  const monitor = (seconds: number, model: string, ...more: string[]) =>
    cli(seconds, 'monitor', model, '--json', ...more)
  const parsed = (stdout: string) =>
    JSON.parse(stdout) as {
      exitCode: number
      rollouts: {
        stage: string
        version: string
        champion?: string
        verdict: string
        percent: number
        action: { kind: string; to?: number; from?: number; next?: string[]; written?: boolean }
        reason?: string
        triggers: { name: string; verdict: string; summary: string }[]
      }[]
    }

  const gto = (model: string) => checkedGtoReaders(hermeticGit(sandbox.origin), model)

  /**
   * A monitor run that must write, and notify the step once (its severity: abort critical, hold
   * warning, advance and complete info), and the same run a minute later that writes nothing and
   * notifies nothing.
   */
  async function drives(
    seconds: number,
    model: string,
    expected: Record<string, unknown> & { kind: string },
    stage = 'canary'
  ) {
    const before = await originTags(sandbox)
    const told = receiver.bodies.length
    const run = await monitor(seconds, model, '--stage', stage)
    expect(run.stderr).toBe('')
    const report = parsed(run.stdout)
    expect(report.rollouts[0]?.action).toMatchObject({ ...expected, written: true })
    const after = await originTags(sandbox)
    expect(after.length).toBe(before.length + 1)
    const severity = { abort: 'critical', hold: 'warning' }[expected.kind] ?? 'info'
    expect(receiver.bodies.slice(told).map(b => b.modelgate)).toEqual([
      expect.objectContaining({
        action: `rollout-${expected.kind}`,
        severity,
        model,
        stage,
        version: 'v1.1.0',
        actor: 'Test User',
        rollout: expect.objectContaining({ step: expected.kind })
      })
    ])
    const again = await monitor(seconds + MINUTE, model, '--stage', stage)
    expect(again.stderr).toBe('')
    expect(parsed(again.stdout).rollouts[0]?.action).not.toMatchObject({ written: true })
    expect(await originTags(sandbox)).toEqual(after)
    expect(receiver.bodies).toHaveLength(told + 1)
    return { run, again }
  }

  beforeAll(async () => {
    receiver = await startReceiver('team')
    const labels = (model: string, version: string, more: Record<string, string> = {}) => ({
      model,
      version,
      ...more
    })
    const errors = (model: string, version: string, shape: Shape, segments = ['eu', 'us']) =>
      segments.map(segment =>
        gauge('error_ratio', labels(model, version, { segment }), T0 - 60 * MINUTE, 300, m =>
          shape(m - 60)
        )
      )
    const segmentShape =
      (eu: Shape, us: Shape): ((model: string, version: string) => SeriesSpec[]) =>
      (model, version) => [
        gauge('error_ratio', labels(model, version, { segment: 'eu' }), T0, 240, eu),
        gauge('error_ratio', labels(model, version, { segment: 'us' }), T0, 240, us)
      ]
    prometheus = await startPrometheus([
      // A healthy canary, and its champion.
      ...errors('steady', 'v1.1.0', steady(0.01)),
      ...errors('steady', 'v1.0.0', steady(0.01)),
      // A canary whose error rate spikes 40 minutes in.
      ...errors('spike', 'v1.1.0', m => (m < 40 ? 0.01 : 0.2)),
      // No data for the quiet canary at all.
      // Better on average than the champion (0.009 < 0.01), but 0.016 in eu: 60% above it.
      ...segmentShape(steady(0.01), steady(0.01))('segments', 'v1.0.0'),
      ...segmentShape(
        m => (m < 40 ? 0.01 : 0.016),
        m => (m < 40 ? 0.01 : 0.002)
      )('segments', 'v1.1.0'),
      // The candidate's eu pods send nothing; us is healthy. The champion serves both.
      ...segmentShape(steady(0.01), steady(0.01))('silent', 'v1.0.0'),
      gauge('error_ratio', labels('silent', 'v1.1.0', { segment: 'us' }), T0, 240, steady(0.002)),
      // The shadow agrees with the champion on 70% of the mirrored inputs; the good one on 97%.
      gauge(
        'prediction_agreement',
        labels('disagree', 'v1.1.0', { champion: 'v1.0.0' }),
        T0,
        120,
        steady(0.7)
      ),
      gauge(
        'prediction_agreement',
        labels('agree', 'v1.1.0', { champion: 'v1.0.0' }),
        T0,
        120,
        steady(0.97)
      )
    ])
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await setUp('steady')
    await setUp('spike')
    await setUp('quiet')
    await setUp('segments', { triggers: SEGMENT_TRIGGERS })
    await setUp('silent', { triggers: SEGMENT_TRIGGERS })
    await setUp('disagree', { shadowOnly: true, shadowTriggers: true })
    await setUp('agree', { shadowOnly: true, shadowTriggers: true })
  }, 300_000)
  afterAll(async () => {
    await prometheus?.stop()
    await sandbox?.cleanup()
    await receiver?.close()
  })

  it('advances a healthy canary 5 → 10 → 25 → 50, once per min_step_duration; re-runs write nothing', async () => {
    const early = await monitor(T0 + 10 * MINUTE, 'steady', '--stage', 'canary')
    expect(early.stderr).toBe('')
    expect(early.exitCode).toBe(0)
    expect(parsed(early.stdout).rollouts[0]).toMatchObject({
      stage: 'canary',
      version: 'v1.1.0',
      verdict: 'healthy',
      percent: 5,
      action: { kind: 'wait' }
    })
    const first = await drives(T0 + 31 * MINUTE, 'steady', { kind: 'advance', from: 5, to: 10 })
    expect(first.run.exitCode).toBe(0)
    expect(first.again.exitCode).toBe(0)
    await drives(T0 + 62 * MINUTE, 'steady', { kind: 'advance', from: 10, to: 25 })
    await drives(T0 + 93 * MINUTE, 'steady', { kind: 'advance', from: 25, to: 50 })
    const ready = await monitor(T0 + 124 * MINUTE, 'steady', '--stage', 'canary')
    expect(ready.exitCode).toBe(0)
    expect(parsed(ready.stdout).rollouts[0]?.action).toMatchObject({
      kind: 'ready',
      next: ['production']
    })
    const text = await cli(T0 + 124 * MINUTE, 'monitor', 'steady', '--stage', 'canary')
    expect(text.stdout).toContain('ready for promotion to production')
    const steps = await cli(T0 + 125 * MINUTE, 'rollout', 'steady', '--stage', 'canary', '--json')
    const json = JSON.parse(steps.stdout) as { steps: { kind: string; percent: number }[] }
    expect(json.steps.map(s => `${s.kind} ${s.percent}`)).toEqual([
      'start 5',
      'advance 10',
      'advance 25',
      'advance 50'
    ])
    expect(await gto('steady')).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', canary: 'v1.1.0', production: 'v1.0.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', canary: 'v1.1.0', production: 'v1.0.0' }
    })
  })

  it('records the monitor as the actor of the steps it takes', async () => {
    const run = await cli(T0 + 126 * MINUTE, 'rollout', 'steady', '--stage', 'canary', '--json')
    const json = JSON.parse(run.stdout) as { steps: { kind: string; by: string }[] }
    // On the CLI the monitor acts as the git user, as every CLI write does.
    expect(json.steps.filter(s => s.kind === 'advance').map(s => s.by)).toEqual([
      'Test User',
      'Test User',
      'Test User'
    ])
  })

  it('completes the rollout once the version is promoted to the full stage', async () => {
    await ok(T0 + 130 * MINUTE, 'promote', 'steady', '--to', 'production', '--version', 'v1.1.0')
    await drives(T0 + 131 * MINUTE, 'steady', { kind: 'complete' })
    expect(await gto('steady')).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.1.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.1.0' }
    })
  })

  it('aborts a breaching canary (exit 5): traffic 0, the version out of the stage, the evidence in the reason', async () => {
    await drives(T0 + 31 * MINUTE, 'spike', { kind: 'advance', from: 5, to: 10 })
    const { run, again } = await drives(T0 + 45 * MINUTE, 'spike', { kind: 'abort' })
    expect(run.exitCode).toBe(5)
    // The re-run finds no running rollout: nothing to drive, nothing written.
    expect(again.exitCode).toBe(0)
    const report = parsed(run.stdout).rollouts[0]
    expect(report?.reason).toContain('error rate')
    expect(report?.reason).toContain('0.2 at')
    const shown = await cli(T0 + 47 * MINUTE, 'rollout', 'spike', '--stage', 'canary', '--json')
    const json = JSON.parse(shown.stdout) as {
      rollout: { phase: string; trafficPercent: number }
      steps: { kind: string; reason?: string }[]
    }
    expect(json.rollout).toMatchObject({ phase: 'aborted', trafficPercent: 0 })
    expect(json.steps.at(-1)?.reason).toContain(
      'modelgate monitor: spike v1.1.0 breached in canary'
    )
    expect(await gto('spike')).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.0.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.0.0' }
    })
  })

  it('holds an inconclusive canary once its step is due (exit 1); a re-run writes nothing', async () => {
    // Before the step is due only a breach acts: too little data yet is a wait, exit 0.
    const early = await monitor(T0 + 10 * MINUTE, 'quiet', '--stage', 'canary')
    expect(early.exitCode).toBe(0)
    expect(parsed(early.stdout).rollouts[0]?.action).toMatchObject({ kind: 'wait' })
    const { run, again } = await drives(T0 + 31 * MINUTE, 'quiet', { kind: 'hold' })
    expect(run.exitCode).toBe(1)
    expect(again.exitCode).toBe(1)
    expect(parsed(again.stdout).rollouts[0]?.action).toMatchObject({
      kind: 'hold',
      written: false
    })
    const status = await cli(T0 + 33 * MINUTE, 'status', 'quiet', '--format', 'md')
    expect(status.stdout).toContain(`- quiet canary: held canary v1.1.0 at 5%`)
    expect(await gto('quiet')).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', canary: 'v1.1.0', production: 'v1.0.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', canary: 'v1.1.0', production: 'v1.0.0' }
    })
  })

  it('aborts at 10% when one segment breaches against the champion, though the average is better', async () => {
    await drives(T0 + 31 * MINUTE, 'segments', { kind: 'advance', from: 5, to: 10 })
    const { run } = await drives(T0 + 45 * MINUTE, 'segments', { kind: 'abort' })
    expect(run.exitCode).toBe(5)
    const report = parsed(run.stdout).rollouts[0]
    expect(report).toMatchObject({ champion: 'v1.0.0', verdict: 'breach', percent: 10 })
    expect(report?.triggers[0]?.summary).toContain('segment="eu"')
    expect(report?.triggers[0]?.summary).not.toContain('segment="us"')
    expect(report?.reason).toContain('segment="eu"')
    expect(report?.reason).toContain('0.016 at')
    const text = await cli(T0 + 47 * MINUTE, 'rollout', 'segments', '--stage', 'canary')
    expect(text.stdout).toContain('aborted canary v1.1.0 at 0%')
    expect(text.stdout).toContain('segment=')
    expect(await gto('segments')).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.0.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.0.0' }
    })
  })

  it('holds, never advances, a canary that sends nothing for a segment the champion serves', async () => {
    const { run } = await drives(T0 + 31 * MINUTE, 'silent', { kind: 'hold' })
    expect(run.exitCode).toBe(1)
    expect(parsed(run.stdout).rollouts[0]?.triggers?.[0]?.summary).toContain('segment="eu"')
    const status = await cli(T0 + 33 * MINUTE, 'status', 'silent', '--format', 'md')
    expect(status.stdout).toContain(`- silent canary: held canary v1.1.0 at 5%`)
  })

  it('aborts a shadow whose agreement with the champion is too low; it cannot start a canary', async () => {
    const { run } = await drives(T0 + 10 * MINUTE, 'disagree', { kind: 'abort' }, 'shadow')
    expect(run.exitCode).toBe(5)
    const report = parsed(run.stdout).rollouts[0]
    expect(report).toMatchObject({ type: 'shadow', champion: 'v1.0.0', verdict: 'breach' })
    expect(report?.reason).toContain('agreement')
    expect(report?.reason).toContain('0.7 at')
    const start = await cli(
      T0 + 20 * MINUTE,
      'rollout',
      'disagree',
      '--stage',
      'canary',
      '--start',
      '--version',
      'v1.1.0'
    )
    // Judged by the canary's gates, as a promotion into it: the stage order fails.
    expect(start.exitCode).toBe(2)
    expect(start.stdout).toContain(
      '❌ **Stage order** fail: v1.1.0 is not in a stage canary may be entered from (shadow)'
    )
    expect(await gto('disagree')).toEqual({
      show: { staging: 'v1.1.0', production: 'v1.0.0' },
      semver: { staging: 'v1.1.0', production: 'v1.0.0' }
    })
  })

  it('reports an agreeing shadow ready for promotion to canary once its time is up, writing nothing', async () => {
    const before = await originTags(sandbox)
    const early = await monitor(T0 + 10 * MINUTE, 'agree', '--stage', 'shadow')
    expect(early.exitCode).toBe(0)
    expect(parsed(early.stdout).rollouts[0]?.action).toMatchObject({ kind: 'wait' })
    const ready = await monitor(T0 + 31 * MINUTE, 'agree', '--stage', 'shadow')
    expect(ready.exitCode).toBe(0)
    expect(parsed(ready.stdout).rollouts[0]).toMatchObject({
      type: 'shadow',
      champion: 'v1.0.0',
      verdict: 'healthy',
      action: { kind: 'ready', next: ['canary'], starts: ['canary'] }
    })
    expect(await originTags(sandbox)).toEqual(before)
  })

  it('refuses $champion in a monitor: block, naming the file, line and key (exit 2)', async () => {
    const text = rolloutPolicy('strict', prometheus.url).replace(
      '  production:\n    from: [canary]\n',
      `  production:
    from: [canary]
    monitor:
      source: { prometheus: { url: "${prometheus.url}" } }
      watch_for: 1d
      triggers:
        - name: agreement
          query: 'min(prediction_agreement{version="$version", champion="$champion"})'
          min: 0.9
`
    )
    await writePolicy(clone, text, 'strict')
    const run = await cli(T0, 'monitor', 'strict')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('policies/strict.yml:')
    expect(run.stderr).toContain('stages.production.monitor.triggers[0].query')
    expect(run.stderr).toContain('$champion is only for rollout triggers')
  })
})
