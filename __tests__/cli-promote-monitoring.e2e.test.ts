// `monitoring: required` (issue 16) through the bundled CLI (dist/cli/index.js): `promote` probes
// the stage's monitor source, a real Prometheus (Debian's prometheus/promtool) loaded with dated
// series, for the version holding the stage. The CLI runs with its clock shifted to those dates
// (helpers/shifted-clock.mjs). Each scenario is its own model in one git registry.
import type { Clone } from './helpers/git-sandbox.js'
import {
  MINUTE,
  T1,
  gauge,
  maxTrigger,
  monitoredPolicy,
  monitoringGateOf,
  registerModelAt,
  stageHolder,
  startMonitoredRegistry,
  type MonitoredRegistry,
  type PrometheusProxy
} from './helpers/monitored-registry.js'
import { BASE_SECONDS, type PrometheusServer, type SeriesSpec } from './helpers/prometheus.js'

// v1.1.0 is promoted at T1, an hour after v1.0.0 entered production (at BASE).

/** v1.0.0's gauges, one sample a minute from 10 minutes before BASE for 5 hours. */
function holderSeries(model: string, values: { error?: number; latency?: number }): SeriesSpec[] {
  const labels = { model, version: 'v1.0.0', stage: 'production' }
  const sampled = (name: string, value: number | undefined): SeriesSpec[] =>
    value === undefined ? [] : [gauge(name, labels, BASE_SECONDS - 10 * MINUTE, 300, () => value)]
  return [
    ...sampled('error_ratio', values.error),
    ...sampled('latency_p95_seconds', values.latency)
  ]
}

const policy = (model: string, url: string) =>
  monitoredPolicy({
    model,
    url,
    required: true,
    timeout: '1s',
    triggers:
      maxTrigger('error rate', 'error_ratio', 0.05) +
      maxTrigger('latency', 'latency_p95_seconds', 0.5)
  })

describe('promote with monitoring: required (bundled CLI, real Prometheus, git registry)', () => {
  let registry: MonitoredRegistry
  let prometheus: PrometheusServer
  let proxy: PrometheusProxy
  let clone: Clone

  const cli = (seconds: number, args: string[]) => registry.cli(seconds, args)

  const promote = (model: string, version: string, when: number) =>
    cli(when, ['promote', model, '--to', 'production', '--version', version, '--json'])
  const holder = async (model: string) =>
    stageHolder((await cli(T1, ['status', model, '--json'])).stdout)

  /** v1.0.0 registered and promoted at BASE (no holder yet: nothing to probe), v1.1.0 registered. */
  async function setUp(model: string, url: string) {
    await registry.writePolicy(model, policy(model, url))
    await registerModelAt(clone, BASE_SECONDS - 20 * MINUTE, model, 'v1.0.0')
    const first = await promote(model, 'v1.0.0', BASE_SECONDS)
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(monitoringGateOf(first.stdout)).toMatchObject({
      status: 'pass',
      summary:
        'production is monitored (2 triggers); no version holds it yet, so there is nothing to probe'
    })
    await registerModelAt(clone, T1 - 10 * MINUTE, model, 'v1.1.0')
  }

  beforeAll(async () => {
    registry = await startMonitoredRegistry(
      [
        ...holderSeries('live', { error: 0.01, latency: 0.2 }),
        ...holderSeries('down', { error: 0.01, latency: 0.2 }),
        ...holderSeries('nan', { error: 0.01, latency: NaN })
      ],
      { proxy: true }
    )
    prometheus = registry.prometheus
    clone = registry.clone
    proxy = registry.proxy as PrometheusProxy
    for (const model of ['live', 'silent', 'nan']) await setUp(model, prometheus.url)
    await setUp('down', proxy.url)
  }, 240_000)
  afterAll(async () => {
    await registry?.stop()
  })

  it("passes when the holder's series exist, and promotes", async () => {
    const run = await promote('live', 'v1.1.0', T1)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const gate = monitoringGateOf(run.stdout)
    expect(gate).toMatchObject({
      gate: 'monitoring',
      status: 'pass',
      summary: `prometheus ${prometheus.url} receives data for v1.0.0 on 2 triggers`
    })
    // The last hour before now (the shifted clock runs on from T1 by some milliseconds).
    expect(gate?.details?.[0]).toMatch(/^looked from 2026-01-05 00:00 UTC to 2026-01-05 01:00 UTC$/)
    // A sample a minute over the hour, both ends included.
    expect(gate?.details?.slice(1)).toEqual([
      'error rate: 1 series, 61 finite samples',
      'latency: 1 series, 61 finite samples'
    ])
    expect(await holder('live')).toBe('v1.1.0')
  })

  it('blocks when the holder has no series, naming the triggers; nothing written', async () => {
    const run = await promote('silent', 'v1.1.0', T1)
    expect(run.exitCode).toBe(2)
    expect(monitoringGateOf(run.stdout)).toMatchObject({
      status: 'fail',
      summary: `prometheus ${prometheus.url} has no data for v1.0.0 on 2 triggers: error rate, latency`
    })
    expect(await holder('silent')).toBe('v1.0.0')
    const text = await cli(T1, ['promote', 'silent', '--to', 'production', '--version', 'v1.1.0'])
    expect(text.exitCode).toBe(2)
    expect(text.stdout).toContain('has no data for v1.0.0 on 2 triggers: error rate, latency')
  })

  it('blocks when a series holds only NaN: that is no data', async () => {
    const run = await promote('nan', 'v1.1.0', T1)
    expect(run.exitCode).toBe(2)
    const gate = monitoringGateOf(run.stdout)
    expect(gate?.summary).toBe(
      `prometheus ${prometheus.url} has no data for v1.0.0 on 1 trigger: latency`
    )
    expect(gate?.details).toContain('latency: 1 series, 0 finite samples')
    expect(await holder('nan')).toBe('v1.0.0')
  })

  it('blocks on a Prometheus 5xx, naming the source; passes once it answers again', async () => {
    const url = proxy.url
    proxy.setMode('5xx')
    const run = await promote('down', 'v1.1.0', T1)
    expect(run.exitCode).toBe(2)
    const gate = monitoringGateOf(run.stdout)
    expect(gate?.status).toBe('fail')
    expect(gate?.summary).toBe(
      `prometheus ${url} could not be probed for v1.0.0 (2 triggers: error rate, latency), so it is not known to receive data`
    )
    expect(gate?.details?.[1]).toMatch(/^error rate: source failure: .*503/)
    expect(await holder('down')).toBe('v1.0.0')
    proxy.setMode('pass')
    const again = await promote('down', 'v1.1.0', T1)
    expect(again.exitCode).toBe(0)
    expect(monitoringGateOf(again.stdout)?.status).toBe('pass')
    expect(await holder('down')).toBe('v1.1.0')
  })
})
