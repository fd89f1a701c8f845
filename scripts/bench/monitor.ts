// Bench probe for `modelgate monitor` (issue 14), run by scripts/bench.mjs. Prints JSON:
// - `queries`: range queries one healthy run sends with three triggers (an absolute bound, an
//   audit baseline, a previous-holder baseline), as the run reports them;
// - `monitorSeconds` / `checkSeconds`: medians of interleaved runs of the bundled CLI's healthy
//   `monitor` against a real Prometheus (a git registry, v1.1.0 replacing v1.0.0 in
//   production) and of its `check` on the clinical-classifier example.
// The CLI's clock is shifted to the data's dates (__tests__/helpers/shifted-clock.mjs).
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../../src/registry/git/runner.js'
import { makeSandbox } from '../../__tests__/helpers/git-sandbox.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type SeriesSpec
} from '../../__tests__/helpers/prometheus.js'

const root = process.argv[2] ?? process.cwd()
const runs = Number(process.argv[3] ?? '7')
const CLI = path.join(root, 'dist', 'cli', 'index.js')
const CLOCK = path.join(root, '__tests__', 'helpers', 'shifted-clock.mjs')
const MINUTE = 60
const T1 = BASE_SECONDS + 60 * MINUTE

const MONITOR_POLICY = (url: string) => `model: svc
path: models/svc
metrics:
  accuracy: { goal: maximize }
stages:
  production:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.5 }
    monitor:
      source:
        prometheus: { url: "${url}" }
      watch_for: 14d
      triggers:
        - name: error rate
          query: 'max(error_ratio{model="$model", version="$version"})'
          max: 0.05
        - name: accuracy
          query: 'avg(model_accuracy{model="$model", version="$version"})'
          relative: { baseline: audit, metric: accuracy, max_decrease_pct: 10 }
        - name: latency
          query: 'max(latency_p95_seconds{model="$model", version="$version"})'
          relative: { baseline: previous_holder, max_increase_pct: 50 }
`

const CHECK_POLICY = `model: clinical-classifier
path: model
metrics:
  accuracy: { goal: maximize }
  roc_auc: { goal: maximize }
  latency_p95_ms: { goal: minimize }
stages:
  production:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.85 }
    regression:
      accuracy: { max_drop: 0 }
`

const HERMETIC = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C'
}

function cli(cwd: string, args: string[], at?: number) {
  const clock =
    at === undefined
      ? {}
      : {
          NODE_OPTIONS: `--import=${CLOCK}`,
          SHIFTED_CLOCK_START_MS: String(at * 1000)
        }
  return new Promise<{ exitCode: number; stdout: string; stderr: string; seconds: number }>(
    resolve => {
      const started = process.hrtime.bigint()
      execFile(
        process.execPath,
        [CLI, ...args],
        { cwd, env: { ...HERMETIC, ...clock }, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9
          const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0
          resolve({ exitCode, stdout, stderr, seconds })
        }
      )
    }
  )
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function main() {
  const gauges = (version: string, start: number, minutes: number): SeriesSpec[] =>
    (
      [
        ['error_ratio', 0.01],
        ['model_accuracy', 0.9],
        ['latency_p95_seconds', 0.2]
      ] as const
    ).map(([name, value]) => ({
      name,
      labels: { model: 'svc', version },
      samples: samplesEvery(start, MINUTE, minutes, () => value)
    }))
  const prometheus = await startPrometheus([
    ...gauges('v1.0.0', BASE_SECONDS - 10 * MINUTE, 300),
    ...gauges('v1.1.0', T1, 180)
  ])
  const sandbox = await makeSandbox()
  try {
    const clone = await sandbox.clone('work')
    await mkdir(path.join(clone.dir, 'policies'))
    await mkdir(path.join(clone.dir, 'models/svc'), { recursive: true })
    await writeFile(path.join(clone.dir, 'policies/svc.yml'), MONITOR_POLICY(prometheus.url))
    await writeFile(path.join(clone.dir, 'check-policy.yml'), CHECK_POLICY)
    for (const [version, when] of [
      ['v1.0.0', BASE_SECONDS],
      ['v1.1.0', T1]
    ] as const) {
      await writeFile(path.join(clone.dir, 'models/svc/metrics.json'), '{"accuracy": 0.9}')
      await writeFile(path.join(clone.dir, 'models/svc/weights.txt'), version)
      await gitOk(clone.git, ['add', '-A'])
      await gitOk(clone.git, ['commit', '--quiet', '-m', version])
      await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
      for (const args of [
        ['register', 'svc', '--version', version],
        ['promote', 'svc', '--to', 'production', '--version', version]
      ]) {
        const run = await cli(clone.dir, args, when)
        if (run.exitCode !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}${run.stdout}`)
      }
    }
    const examples = path.join(root, 'examples', 'clinical-classifier')
    const monitorRun = () => cli(clone.dir, ['monitor', 'svc', '--json'], T1 + 45 * MINUTE)
    const checkRun = () =>
      cli(clone.dir, [
        'check',
        '--policy',
        'check-policy.yml',
        '--candidate',
        path.join(examples, 'candidate'),
        '--champion',
        path.join(examples, 'champion'),
        '--stage',
        'production'
      ])
    const first = await monitorRun()
    if (first.exitCode !== 0)
      throw new Error(`monitor was not healthy: ${first.stdout}${first.stderr}`)
    const report = JSON.parse(first.stdout) as { stages: { queries: number }[] }
    const queries = report.stages.reduce((sum, s) => sum + s.queries, 0)
    await checkRun()
    const monitorTimes: number[] = []
    const checkTimes: number[] = []
    for (let i = 0; i < runs; i++) {
      const m = await monitorRun()
      if (m.exitCode !== 0) throw new Error(`monitor run ${i} exited ${m.exitCode}`)
      monitorTimes.push(m.seconds)
      const c = await checkRun()
      if (c.exitCode > 1) throw new Error(`check run ${i} exited ${c.exitCode}: ${c.stderr}`)
      checkTimes.push(c.seconds)
    }
    process.stdout.write(
      JSON.stringify({
        queries,
        monitorSeconds: median(monitorTimes),
        checkSeconds: median(checkTimes)
      })
    )
  } finally {
    await prometheus.stop()
    await sandbox.cleanup()
  }
}

await main()
