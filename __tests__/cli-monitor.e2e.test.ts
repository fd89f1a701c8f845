// `modelgate monitor` (issue 14) through the bundled CLI (dist/cli/index.js), on a real git
// registry and a real Prometheus (Debian's prometheus/promtool) loaded with dated series. The
// CLI runs with its clock shifted to those dates (helpers/shifted-clock.mjs), so promotions,
// rollbacks and "now" line up with the data. Each scenario is its own model in one registry.
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { startReceiver } from './helpers/webhook-receiver.js'
import type { Clone } from './helpers/git-sandbox.js'
import {
  MINUTE,
  T1,
  gauge,
  maxTrigger,
  monitoredPolicy,
  registerModelAt,
  stageHolder,
  startMonitoredRegistry,
  type MonitoredRegistry,
  type PrometheusProxy
} from './helpers/monitored-registry.js'
import {
  BASE_SECONDS,
  samplesEvery,
  type PrometheusServer,
  type SeriesSpec
} from './helpers/prometheus.js'

// v1.0.0 enters production at BASE; v1.1.0 replaces it at T1.
const at = (seconds: number) => new Date(seconds * 1000).toISOString()

type Shape = (minute: number) => number
interface VersionData {
  error: Shape
  accuracy?: Shape
  latency?: Shape
}
const steady =
  (value: number): Shape =>
  () =>
    value
const fine: VersionData = { error: steady(0.01), accuracy: steady(0.9), latency: steady(0.2) }

/** The three gauges of one version, one sample a minute for `minutes` from `start`. */
function series(model: string, version: string, start: number, minutes: number, data: VersionData) {
  const labels = { model, version, stage: 'production' }
  const sampled = (name: string, shape: Shape | undefined): SeriesSpec[] =>
    shape ? [gauge(name, labels, start, minutes, shape)] : []
  return [
    ...sampled('error_ratio', data.error),
    ...sampled('model_accuracy', data.accuracy ?? steady(0.9)),
    ...sampled('latency_p95_seconds', data.latency ?? steady(0.2))
  ]
}

/** v1.0.0 fine from 10 minutes before BASE for 5 hours; v1.1.0 from T1 for 3 hours as given. */
function scenario(model: string, v2: VersionData | undefined, v1: VersionData = fine) {
  return [
    ...series(model, 'v1.0.0', BASE_SECONDS - 10 * MINUTE, 300, v1),
    ...(v2 ? series(model, 'v1.1.0', T1, 180, v2) : [])
  ]
}

/** Requests at 10 a second and errors at 0.1 a second (1%), both reset at minute `resetAt`. */
function counters(model: string, version: string, start: number, minutes: number, resetAt: number) {
  const labels = { model, version, stage: 'production' }
  const counter = (perSecond: number) =>
    samplesEvery(start, MINUTE, minutes, m => (m < resetAt ? m : m - resetAt) * perSecond * MINUTE)
  return [
    { name: 'requests_total', type: 'counter' as const, labels, samples: counter(10) },
    { name: 'errors_total', type: 'counter' as const, labels, samples: counter(0.1) }
  ]
}

const policy = (model: string, url: string) =>
  monitoredPolicy({
    model,
    url,
    timeout: '1s',
    triggers: `${maxTrigger('error rate', 'error_ratio', 0.05)}        - name: accuracy
          query: 'avg(model_accuracy{model="$model", version="$version"})'
          relative: { baseline: audit, metric: accuracy, max_decrease_pct: 10 }
        - name: latency
          query: 'max(latency_p95_seconds{model="$model", version="$version"})'
          relative: { baseline: previous_holder, max_increase_pct: 50 }
`
  })

describe('modelgate monitor (bundled CLI, real Prometheus, git registry)', () => {
  let registry: MonitoredRegistry
  let prometheus: PrometheusServer
  let proxy: PrometheusProxy
  let clone: Clone

  /** The bundled CLI with its clock at `seconds`. */
  const cli = (seconds: number, args: string[]) => registry.cli(seconds, args)
  const monitorAt = (seconds: number, model: string, ...more: string[]) =>
    cli(seconds, ['monitor', model, '--json', ...more])
  const tags = async () => (await gitOk(clone.git, ['tag', '--list'])).trim().split('\n').sort()

  /** Commits the model's metrics and registers them as `version`. */
  const register = (model: string, version: string, accuracy: number, when: number) =>
    registerModelAt(clone, when, model, version, { metrics: JSON.stringify({ accuracy }) })
  async function promote(model: string, version: string, when: number) {
    const run = await cli(when, ['promote', model, '--to', 'production', '--version', version])
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
  }
  /** v1.0.0 promoted at BASE, v1.1.0 at T1 (unless `first` only). */
  async function setUp(
    model: string,
    url = prometheus.url,
    only?: 'first',
    edit: (text: string) => string = text => text
  ) {
    await registry.writePolicy(model, edit(policy(model, url)))
    await register(model, 'v1.0.0', 0.9, BASE_SECONDS - 20 * MINUTE)
    await promote(model, 'v1.0.0', BASE_SECONDS)
    if (only === 'first') return
    await register(model, 'v1.1.0', 0.9, T1 - 10 * MINUTE)
    await promote(model, 'v1.1.0', T1)
  }
  const holder = async (model: string, when: number) =>
    stageHolder((await cli(when, ['status', model, '--json'])).stdout)
  const parsed = (stdout: string) =>
    JSON.parse(stdout) as {
      exitCode: number
      stages: {
        verdict: string
        mode: string
        queries: number
        action: { kind: string; why?: string; restored?: string; written?: boolean }
        triggers: { name: string; verdict: string; reason: string; series: unknown[] }[]
      }[]
    }

  beforeAll(async () => {
    registry = await startMonitoredRegistry(
      [
        ...scenario('healthy', fine),
        ...scenario('breach', { ...fine, error: m => (m < 30 ? 0.01 : 0.1) }),
        ...scenario('short', { ...fine, error: m => (m === 20 || m === 21 ? 0.2 : 0.01) }),
        ...scenario('nodata', undefined),
        ...scenario('nan', {
          error: () => NaN,
          accuracy: () => Infinity,
          latency: () => -Infinity
        }),
        ...scenario(
          'norecovery',
          { ...fine, error: m => (m < 30 ? 0.01 : 0.1) },
          // v1.0.0 was fine before v1.1.0; after the rollback (about T1 + 45 min) it is not.
          { ...fine, error: m => (m > 10 + 60 + 45 ? 0.2 : 0.01) }
        ),
        ...scenario('first', undefined, { ...fine, error: m => (m > 20 ? 0.3 : 0.01) }),
        ...scenario('accdrop', { ...fine, accuracy: m => (m < 10 ? 0.9 : 0.7) }),
        ...scenario('slow', { ...fine, latency: m => (m < 10 ? 0.2 : 0.5) }),
        ...scenario('alertonly', { ...fine, error: m => (m < 30 ? 0.01 : 0.1) }),
        ...scenario('reset', fine),
        // The service restarts 20 minutes in: both counters start again from 0.
        ...counters('reset', 'v1.1.0', T1, 180, 20),
        // v1.2.0 of `breach`, promoted after the automatic rollback, breaches from the start.
        ...series('breach', 'v1.2.0', T1 + 60 * MINUTE, 120, { ...fine, error: steady(0.3) })
      ],
      { proxy: true }
    )
    prometheus = registry.prometheus
    clone = registry.clone
    proxy = registry.proxy as PrometheusProxy
    for (const model of ['healthy', 'breach', 'short', 'nodata', 'nan', 'norecovery']) {
      await setUp(model)
    }
    await setUp('first', prometheus.url, 'first')
    await setUp('accdrop')
    await setUp('slow')
    await setUp('alertonly', prometheus.url, undefined, text =>
      text.replace('max: 0.05', 'max: 0.05\n          action: alert')
    )
    await setUp('reset', prometheus.url, undefined, text =>
      text.replace(
        `'max(error_ratio{model="$model", version="$version"})'`,
        `'sum(rate(errors_total{model="$model", version="$version"}[5m])) / sum(rate(requests_total{model="$model", version="$version"}[5m]))'`
      )
    )
    await registry.writePolicy('healthy-proxy', policy('healthy', proxy.url))
  }, 240_000)
  afterAll(async () => {
    await registry?.stop()
  })

  it('healthy: exit 0, each trigger healthy, at most 6 queries, nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 45 * MINUTE, 'healthy')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.verdict).toBe('healthy')
    expect(stage?.triggers.map(t => t.verdict)).toEqual(['healthy', 'healthy', 'healthy'])
    expect(stage?.queries).toBeLessThanOrEqual(6)
    expect(await tags()).toEqual(before)
    const text = await cli(T1 + 45 * MINUTE, ['monitor', 'healthy'])
    expect(text.stdout).toContain('### production: ✅ healthy')
    expect(text.stdout).toContain('Nothing to do. Nothing written.')
  })

  it('an accuracy drop past the audit baseline rolls back (exit 5)', async () => {
    const run = await monitorAt(T1 + 45 * MINUTE, 'accdrop')
    expect(run.exitCode).toBe(5)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.triggers.map(t => t.verdict)).toEqual(['healthy', 'breach', 'healthy'])
    expect(stage?.action).toMatchObject({ kind: 'rollback', restored: 'v1.0.0', written: true })
    expect(await holder('accdrop', T1 + 46 * MINUTE)).toBe('v1.0.0')
  })

  it('a latency rise past the previous holder rolls back (exit 5)', async () => {
    const run = await monitorAt(T1 + 45 * MINUTE, 'slow')
    expect(run.exitCode).toBe(5)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.triggers.map(t => t.verdict)).toEqual(['healthy', 'healthy', 'breach'])
    expect(await holder('slow', T1 + 46 * MINUTE)).toBe('v1.0.0')
  })

  it('action: alert only alerts (exit 6), nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 45 * MINUTE, 'alertonly')
    expect(run.exitCode).toBe(6)
    expect(parsed(run.stdout).stages[0]?.action).toMatchObject({
      kind: 'alert',
      why: 'action-alert'
    })
    expect(await tags()).toEqual(before)
  })

  it('a counter reset is no breach: rate() over the reset stays healthy (exit 0)', async () => {
    const run = await monitorAt(T1 + 45 * MINUTE, 'reset')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(parsed(run.stdout).stages[0]?.triggers[0]).toMatchObject({ verdict: 'healthy' })
  })

  it('a breach shorter than failure_limit is healthy: exit 0, nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 45 * MINUTE, 'short')
    expect(run.exitCode).toBe(0)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.triggers[0]).toMatchObject({ name: 'error rate', verdict: 'healthy' })
    expect(JSON.stringify(stage?.triggers[0])).toContain('"longestRun":2')
    expect(await tags()).toEqual(before)
  })

  it('no data: inconclusive, exit 1, nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 45 * MINUTE, 'nodata')
    expect(run.exitCode).toBe(1)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.verdict).toBe('inconclusive')
    expect(stage?.triggers[0]).toMatchObject({ verdict: 'inconclusive', reason: 'no-series' })
    expect(await tags()).toEqual(before)
  })

  it('NaN and infinities past no bound: inconclusive, exit 1, nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 45 * MINUTE, 'nan')
    expect(run.exitCode).toBe(1)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.verdict).toBe('inconclusive')
    expect(stage?.triggers.map(t => t.reason)).toEqual([
      'too-few-samples',
      'too-few-samples',
      'too-few-samples'
    ])
    expect(await tags()).toEqual(before)
  })

  it('a 5xx and a timeout from the server: inconclusive, exit 1, nothing written', async () => {
    const proxied = ['--policy', 'policies/healthy-proxy.yml']
    const before = await tags()
    proxy.setMode('pass')
    const passed = await monitorAt(T1 + 45 * MINUTE, 'healthy', ...proxied)
    expect(passed.exitCode).toBe(0)
    proxy.setMode('5xx')
    const failed = await monitorAt(T1 + 45 * MINUTE, 'healthy', ...proxied)
    expect(failed.exitCode).toBe(1)
    expect(parsed(failed.stdout).stages[0]?.triggers.map(t => t.reason)).toEqual([
      'source-failure',
      'source-failure',
      'source-failure'
    ])
    expect(failed.stdout).toContain('HTTP 503')
    proxy.setMode('slow')
    const slow = await monitorAt(T1 + 45 * MINUTE, 'healthy', ...proxied)
    proxy.setMode('pass')
    expect(slow.exitCode).toBe(1)
    expect(slow.stdout).toContain('did not answer within 1 s')
    expect(await tags()).toEqual(before)
  }, 30_000)

  it('a breach rolls back (exit 5): dry run first writes nothing, then the previous holder is restored with the evidence', async () => {
    const when = T1 + 45 * MINUTE
    const before = await tags()
    const dry = await monitorAt(when, 'breach', '--dry-run')
    expect(dry.exitCode).toBe(5)
    expect(parsed(dry.stdout).stages[0]?.action).toMatchObject({
      kind: 'rollback',
      restored: 'v1.0.0',
      written: false
    })
    expect(await tags()).toEqual(before)

    const run = await monitorAt(when, 'breach')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(5)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.verdict).toBe('breach')
    expect(stage?.action).toMatchObject({ kind: 'rollback', restored: 'v1.0.0', written: true })
    expect(await holder('breach', when + 60)).toBe('v1.0.0')

    const history = await cli(when + 60, ['history', 'breach', '--json'])
    const events = JSON.parse(history.stdout) as unknown[]
    const records = JSON.stringify(events)
    expect(records).toContain('"kind":"automatic-rollback"')
    // The evidence: the query, the values substituted, the breaching samples and their times.
    expect(records).toContain('max(error_ratio{model=\\"$model\\", version=\\"$version\\"})')
    expect(records).toContain('"breachRun":[{"time":"2026-01-05T01:3')
    expect(records).toContain('"value":0.1,"bound":"max"')
    expect(records).toMatch(/"baseline":\{"from":"previous_holder","value":0\.(2|19999)/)
    expect(records).toMatch(
      /"reason":"modelgate monitor: breach v1\.1\.0 breached in production: error rate/
    )

    const text = await cli(when + 60, ['history', 'breach'])
    expect(text.stdout).toContain('automatic-rollback')
  })

  it('a re-run after the rollback writes nothing: the restored version is in recovery', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 47 * MINUTE, 'breach')
    const [stage] = parsed(run.stdout).stages
    expect(stage?.mode).toBe('recovery')
    // Two minutes after the rollback: too few samples to say it recovered.
    expect(stage?.verdict).toBe('inconclusive')
    expect(run.exitCode).toBe(1)
    expect(await tags()).toEqual(before)
  })

  it('the restored version recovers: recovered, exit 0, nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(T1 + 58 * MINUTE, 'breach')
    expect(run.exitCode).toBe(0)
    const [stage] = parsed(run.stdout).stages
    expect(stage).toMatchObject({ mode: 'recovery', verdict: 'recovered' })
    expect(await tags()).toEqual(before)
    const text = await cli(T1 + 58 * MINUTE, ['monitor', 'breach'])
    expect(text.stdout).toContain('### production: ✅ recovered')
  })

  it('the cap reached: a second breach within watch_for only alerts (exit 6), nothing written', async () => {
    await register('breach', 'v1.2.0', 0.9, T1 + 55 * MINUTE)
    await promote('breach', 'v1.2.0', T1 + 60 * MINUTE)
    const before = await tags()
    const run = await monitorAt(T1 + 80 * MINUTE, 'breach')
    expect(run.exitCode).toBe(6)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.verdict).toBe('breach')
    expect(stage?.action).toMatchObject({ kind: 'alert', why: 'cap-reached' })
    expect(await tags()).toEqual(before)
    expect(await holder('breach', T1 + 81 * MINUTE)).toBe('v1.2.0')
  })

  it('a rollback whose restored version does not recover escalates: recovery-failed, exit 6', async () => {
    const rolled = await monitorAt(T1 + 45 * MINUTE, 'norecovery')
    expect(rolled.exitCode).toBe(5)
    const before = await tags()
    const run = await monitorAt(T1 + 60 * MINUTE, 'norecovery')
    expect(run.exitCode).toBe(6)
    const [stage] = parsed(run.stdout).stages
    expect(stage).toMatchObject({ mode: 'recovery', verdict: 'recovery-failed' })
    expect(stage?.action).toMatchObject({ kind: 'alert', why: 'recovery-failed' })
    expect(await tags()).toEqual(before)
    expect(await holder('norecovery', T1 + 61 * MINUTE)).toBe('v1.0.0')
  })

  it('no earlier holder: a breach of the first holder only alerts (exit 6), nothing written', async () => {
    const before = await tags()
    const run = await monitorAt(BASE_SECONDS + 40 * MINUTE, 'first')
    expect(run.exitCode).toBe(6)
    const [stage] = parsed(run.stdout).stages
    expect(stage?.verdict).toBe('breach')
    expect(stage?.action).toMatchObject({ kind: 'alert', why: 'no-earlier-holder' })
    expect(await tags()).toEqual(before)
  })

  it('--at evaluates as of a past time; a future --at is refused (exit 2)', async () => {
    // As of T1 + 20 min, v1.1.0 of `short` had 21 samples, one of them breaching: healthy.
    const past = await monitorAt(T1 + 100 * MINUTE, 'short', '--at', at(T1 + 20 * MINUTE))
    expect(past.exitCode).toBe(0)
    expect(JSON.parse(past.stdout)).toMatchObject({ at: at(T1 + 20 * MINUTE) })
    const future = await monitorAt(T1, 'healthy', '--at', at(T1 + 3600))
    expect(future.exitCode).toBe(2)
    expect(future.stderr).toContain('is in the future')
  })

  it('a stage the policy does not define is refused (exit 3)', async () => {
    const run = await monitorAt(T1, 'healthy', '--stage', 'staging')
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('no stage "staging"')
  })

  it('notifies by severity to the webhooks the environment names; a bad one is exit 2', async () => {
    const all = await startReceiver('all')
    const critical = await startReceiver('critical')
    try {
      const env = {
        MODELGATE_NOTIFY_WEBHOOK: all.url,
        MODELGATE_NOTIFY_WEBHOOK_CRITICAL: critical.url
      }
      const notifying = (seconds: number, model: string) =>
        registry.cli(seconds, ['monitor', model, '--json'], env)
      const alerted = await notifying(T1 + 45 * MINUTE, 'alertonly')
      expect([alerted.exitCode, alerted.stderr]).toEqual([6, ''])
      expect(all.bodies.map(b => b.modelgate?.severity)).toEqual(['warning'])
      expect(all.bodies[0]?.modelgate).toMatchObject({ action: 'breach-alert', model: 'alertonly' })
      // norecovery's restored version breached too (above): critical, on every run while it lasts.
      const failed = await notifying(T1 + 61 * MINUTE, 'norecovery')
      expect(failed.exitCode).toBe(6)
      expect(critical.bodies).toHaveLength(1)
      expect(critical.bodies[0]?.modelgate).toMatchObject({
        severity: 'critical',
        action: 'recovery-failed',
        version: 'v1.0.0'
      })
      const dry = await registry.cli(T1 + 61 * MINUTE, ['monitor', 'norecovery', '--dry-run'], env)
      expect(dry.exitCode).toBe(6)
      expect(dry.stdout).toContain(
        'Notification: **critical** (recovery-failed) — not sent on a dry run.'
      )
      expect([all.bodies.length, critical.bodies.length]).toEqual([1, 1])
      for (const run of [alerted, failed, dry]) {
        expect(run.stdout + run.stderr).not.toContain('T0S3CR3T9')
      }
      const bad = await bundledCli(clone.dir, ['monitor', 'alertonly'], {
        MODELGATE_NOTIFY_WEBHOOK_WARNING: 'ftp://hooks.example.com/T0S3CR3T9'
      })
      expect(bad.exitCode).toBe(2)
      expect(bad.stderr).toContain(
        'MODELGATE_NOTIFY_WEBHOOK_WARNING must be an http(s) URL or none'
      )
      expect(bad.stderr).not.toContain('T0S3CR3T9')
    } finally {
      await all.close()
      await critical.close()
    }
  })
})
