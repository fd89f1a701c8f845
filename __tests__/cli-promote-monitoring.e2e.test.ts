// `monitoring: required` (issue 16) through the bundled CLI (dist/cli/index.js): `promote` probes
// the stage's monitor source, a real Prometheus (Debian's prometheus/promtool) loaded with dated
// series, for the version holding the stage. The CLI runs with its clock shifted to those dates
// (helpers/shifted-clock.mjs). Each scenario is its own model in one git registry.
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer,
  type SeriesSpec
} from './helpers/prometheus.js'

const CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/shifted-clock.mjs')
const MINUTE = 60
/** v1.1.0 is promoted an hour after v1.0.0 entered production (at BASE). */
const T1 = BASE_SECONDS + 60 * MINUTE

/** v1.0.0's gauges, one sample a minute from 10 minutes before BASE for 5 hours. */
function holderSeries(model: string, values: { error?: number; latency?: number }): SeriesSpec[] {
  const labels = { model, version: 'v1.0.0', stage: 'production' }
  const gauge = (name: string, value: number | undefined): SeriesSpec[] =>
    value === undefined
      ? []
      : [
          {
            name,
            labels,
            samples: samplesEvery(BASE_SECONDS - 10 * MINUTE, MINUTE, 300, () => value)
          }
        ]
  return [...gauge('error_ratio', values.error), ...gauge('latency_p95_seconds', values.latency)]
}

const policy = (model: string, url: string) => `model: ${model}
path: models/${model}
metrics:
  accuracy: { goal: maximize }
stages:
  production:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.5 }
    monitoring: required
    monitor:
      source:
        prometheus: { url: "${url}", timeout: 1s }
      watch_for: 2h
      triggers:
        - name: error rate
          query: 'max(error_ratio{model="$model", version="$version"})'
          max: 0.05
        - name: latency
          query: 'max(latency_p95_seconds{model="$model", version="$version"})'
          max: 0.5
`

/** A stand-in in front of the real server: passes through, or answers 503. */
function proxy(target: string) {
  let mode: 'pass' | '5xx' = 'pass'
  const server: Server = createServer((req, res) => {
    if (mode === '5xx') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable')
      return
    }
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  return {
    server,
    setMode: (next: typeof mode) => (mode = next),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
}

interface PromoteJson {
  decision: string
  gates: { gate: string; status: string; summary: string; details?: string[] }[]
}

describe('promote with monitoring: required (bundled CLI, real Prometheus, git registry)', () => {
  let prometheus: PrometheusServer
  let sandbox: Sandbox
  let clone: Clone
  const stand = { proxy: undefined as ReturnType<typeof proxy> | undefined }

  const cli = (seconds: number, args: string[]) =>
    bundledCli(clone.dir, args, {
      NODE_OPTIONS: `--import=${CLOCK}`,
      SHIFTED_CLOCK_START_MS: String(seconds * 1000)
    })

  async function register(model: string, version: string, when: number) {
    await mkdir(path.join(clone.dir, 'models', model), { recursive: true })
    await writeFile(path.join(clone.dir, 'models', model, 'metrics.json'), '{"accuracy": 0.9}')
    await writeFile(path.join(clone.dir, 'models', model, 'weights.txt'), version)
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', `${model} ${version}`])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
    expect(await cli(when, ['register', model, '--version', version])).toMatchObject({
      exitCode: 0
    })
  }
  const promote = (model: string, version: string, when: number) =>
    cli(when, ['promote', model, '--to', 'production', '--version', version, '--json'])
  const monitoringGate = (stdout: string) => {
    const parsed = JSON.parse(stdout) as PromoteJson
    return parsed.gates.find(g => g.gate === 'monitoring')
  }
  const holder = async (model: string) => {
    const run = await cli(T1, ['status', model, '--json'])
    const [view] = JSON.parse(run.stdout) as { stages: { stage: string; version: string }[] }[]
    return view?.stages.find(s => s.stage === 'production')?.version
  }

  /** v1.0.0 registered and promoted at BASE (no holder yet: nothing to probe), v1.1.0 registered. */
  async function setUp(model: string, url: string) {
    await writeFile(path.join(clone.dir, 'policies', `${model}.yml`), policy(model, url))
    await register(model, 'v1.0.0', BASE_SECONDS - 20 * MINUTE)
    const first = await promote(model, 'v1.0.0', BASE_SECONDS)
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(monitoringGate(first.stdout)).toMatchObject({
      status: 'pass',
      summary:
        'production is monitored (2 triggers); no version holds it yet, so there is nothing to probe'
    })
    await register(model, 'v1.1.0', T1 - 10 * MINUTE)
  }

  beforeAll(async () => {
    prometheus = await startPrometheus([
      ...holderSeries('live', { error: 0.01, latency: 0.2 }),
      ...holderSeries('down', { error: 0.01, latency: 0.2 }),
      ...holderSeries('nan', { error: 0.01, latency: NaN })
    ])
    stand.proxy = proxy(prometheus.url)
    await new Promise<void>(resolve => stand.proxy?.server.listen(0, '127.0.0.1', resolve))
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await mkdir(path.join(clone.dir, 'policies'))
    for (const model of ['live', 'silent', 'nan']) await setUp(model, prometheus.url)
    await setUp('down', stand.proxy.url())
  }, 240_000)
  afterAll(async () => {
    await new Promise(resolve => stand.proxy?.server.close(resolve))
    await prometheus?.stop()
    await sandbox?.cleanup()
  })

  it("passes when the holder's series exist, and promotes", async () => {
    const run = await promote('live', 'v1.1.0', T1)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const gate = monitoringGate(run.stdout)
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
    expect(monitoringGate(run.stdout)).toMatchObject({
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
    const gate = monitoringGate(run.stdout)
    expect(gate?.summary).toBe(
      `prometheus ${prometheus.url} has no data for v1.0.0 on 1 trigger: latency`
    )
    expect(gate?.details).toContain('latency: 1 series, 0 finite samples')
    expect(await holder('nan')).toBe('v1.0.0')
  })

  it('blocks on a Prometheus 5xx, naming the source; passes once it answers again', async () => {
    const url = stand.proxy?.url() as string
    stand.proxy?.setMode('5xx')
    const run = await promote('down', 'v1.1.0', T1)
    expect(run.exitCode).toBe(2)
    const gate = monitoringGate(run.stdout)
    expect(gate?.status).toBe('fail')
    expect(gate?.summary).toBe(
      `prometheus ${url} could not be probed for v1.0.0 (2 triggers: error rate, latency), so it is not known to receive data`
    )
    expect(gate?.details?.[1]).toMatch(/^error rate: source failure: .*503/)
    expect(await holder('down')).toBe('v1.0.0')
    stand.proxy?.setMode('pass')
    const again = await promote('down', 'v1.1.0', T1)
    expect(again.exitCode).toBe(0)
    expect(monitoringGate(again.stdout)?.status).toBe('pass')
    expect(await holder('down')).toBe('v1.1.0')
  })
})
