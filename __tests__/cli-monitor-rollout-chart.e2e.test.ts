// Issue 15, "Chart", through the bundled CLI (dist/cli/index.js): `modelgate monitor` on a canary
// compared with its champion, against a real Prometheus loaded with dated series, prints in its
// markdown report a Mermaid xychart-beta of the candidate and the champion over the whole
// rollout and a table (time, share with the step boundaries, candidate, champion) whose numbers
// are the series fed to Prometheus. The CLI's clock is shifted to those dates
// (helpers/shifted-clock.mjs), as in cli-monitor-rollout.e2e.test.ts.
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, writePolicy } from './helpers/model-checkout.js'
import { cliAt } from './helpers/monitored-registry.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer
} from './helpers/prometheus.js'
import { ERRORS_AGAINST_CHAMPION, canaryStage } from './helpers/rollout-policy.js'

const MINUTE = 60
const T0 = BASE_SECONDS
const MODEL = 'chart'

/** The candidate's error ratio at minute m of the rollout, and the champion's. */
const candidate = (m: number) => Number((0.02 + m / 10_000).toFixed(4))
const champion = (m: number) => Number((0.015 + m / 20_000).toFixed(5))

function policy(url: string) {
  return `model: ${MODEL}
path: models/${MODEL}
metrics:
  accuracy: { goal: maximize }
stages:
  staging:
    from: [candidate]
${canaryStage({
  from: 'staging',
  source: `{ prometheus: { url: "${url}", timeout: 2s } }`,
  triggers: ERRORS_AGAINST_CHAMPION
})}  production:
    from: [canary]
`
}

/** The lines of each mermaid block in `markdown`. */
function mermaidBlocks(markdown: string): string[][] {
  const blocks: string[][] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```mermaid') continue
    const end = lines.indexOf('```', i + 1)
    expect(end).toBeGreaterThan(i)
    blocks.push(lines.slice(i + 1, end))
    i = end
  }
  return blocks
}

const numbers = (line: string | undefined) =>
  (/\[(.*)\]/.exec(line ?? '')?.[1] ?? '').split(', ').map(Number)

describe('modelgate monitor charts a canary against its champion (bundled CLI, real Prometheus)', () => {
  let prometheus: PrometheusServer
  let sandbox: Sandbox
  let clone: Clone
  const cli = (seconds: number, ...args: string[]) => cliAt(clone.dir, seconds, args)
  const ok = async (seconds: number, ...args: string[]) => {
    const run = await cli(seconds, ...args)
    expect(run.stderr).toBe('')
    // 1: passed with warnings (the forced promotion).
    expect([0, 1]).toContain(run.exitCode)
    return run
  }

  beforeAll(async () => {
    const series = (version: string, shape: (m: number) => number) => ({
      name: 'error_ratio',
      labels: { model: MODEL, version },
      samples: samplesEvery(T0, MINUTE, 180, shape)
    })
    prometheus = await startPrometheus([series('v1.1.0', candidate), series('v1.0.0', champion)])
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, policy(prometheus.url), MODEL)
    await commitModel(clone, { accuracy: 0.9 }, { model: MODEL, message: 'v1.0.0' })
    await ok(T0 - 40 * MINUTE, 'register', MODEL, '--version', 'v1.0.0')
    const force = ['--force', '--reason', 'the first champion']
    await ok(
      T0 - 35 * MINUTE,
      'promote',
      MODEL,
      '--to',
      'production',
      '--version',
      'v1.0.0',
      ...force
    )
    await commitModel(clone, { accuracy: 0.91 }, { model: MODEL, message: 'v1.1.0' })
    await ok(T0 - 30 * MINUTE, 'register', MODEL, '--version', 'v1.1.0')
    await ok(T0 - 25 * MINUTE, 'promote', MODEL, '--to', 'staging', '--version', 'v1.1.0')
    await ok(T0, 'rollout', MODEL, '--stage', 'canary', '--start', '--version', 'v1.1.0')
  }, 300_000)
  afterAll(async () => {
    await prometheus?.stop()
    await sandbox?.cleanup()
  })

  it('shows the candidate and the champion over the rollout, the step boundaries marked in the table', async () => {
    // 5% → 10% at T0+31m, then judged at T0+69m (the chart spans the whole rollout, both steps).
    const advance = await cli(T0 + 31 * MINUTE, 'monitor', MODEL, '--stage', 'canary')
    expect(advance.exitCode).toBe(0)
    expect(advance.stdout).toContain('Advanced v1.1.0 from 5% to 10%')
    // Evaluated as of T0+69m exactly (--at), so the chart's span and step are known; a dry run,
    // so the same judgement can be read again as JSON.
    const at = ['--at', new Date((T0 + 69 * MINUTE) * 1000).toISOString(), '--dry-run']
    const run = await cli(T0 + 70 * MINUTE, 'monitor', MODEL, '--stage', 'canary', ...at)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const text = run.stdout
    expect(text).toContain('Would advance v1.1.0 from 10% to 25%')
    const blocks = mermaidBlocks(text)
    expect(blocks).toHaveLength(1)
    const block = blocks[0] as string[]
    expect(block[0]).toBe('xychart-beta')
    expect(block[1]).toBe('    title "error rate"')
    // 69 minutes in at most 24 points: one every 3 minutes, from the rollout's start.
    const minutes = Array.from({ length: 24 }, (_, i) => i * 3)
    const pad = (n: number) => String(n).padStart(2, '0')
    const clock = (m: number) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`
    expect(block[2]).toBe(`    x-axis [${minutes.map(m => `"${clock(m)}"`).join(', ')}]`)
    const lines = block.filter(line => line.startsWith('    line '))
    expect(lines).toHaveLength(2)
    expect(numbers(lines[0])).toEqual(minutes.map(candidate))
    expect(numbers(lines[1])).toEqual(minutes.map(champion))
    // The table: time, share (the advance marked where it happened), candidate, champion.
    expect(text).toContain('| Time (UTC) | Share | v1.1.0 (candidate) | v1.0.0 (champion) |')
    expect(text).toContain(
      `| 2026-01-05 00:00:00 | **5%** ← start 5% at 2026-01-05 00:00:00 | ${candidate(0)} | ${champion(0)} |`
    )
    expect(text).toContain(`| 2026-01-05 00:30:00 | 5% | ${candidate(30)} | ${champion(30)} |`)
    expect(text).toMatch(
      new RegExp(
        `\\| 2026-01-05 00:33:00 \\| \\*\\*10%\\*\\* ← advance 10% at 2026-01-05 00:31:\\d\\d \\| ${candidate(33)} \\| ${champion(33)} \\|`
      )
    )
    expect(text).toContain(`| 2026-01-05 01:09:00 | 10% | ${candidate(69)} | ${champion(69)} |`)
    // The same points in --json, for a machine.
    const json = await cli(T0 + 70 * MINUTE, 'monitor', MODEL, '--stage', 'canary', ...at, '--json')
    const chart = (
      JSON.parse(json.stdout) as {
        rollouts: { chart: { series: { points: { candidate: number; champion: number }[] }[] } }[]
      }
    ).rollouts[0]?.chart
    expect(chart?.series[0]?.points.map(p => [p.candidate, p.champion])).toEqual(
      minutes.map(m => [candidate(m), champion(m)])
    )
  })
})
