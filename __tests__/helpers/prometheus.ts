/**
 * A real Prometheus for tests (Debian's `prometheus` 2.42 package; `.ci/run` installs it).
 *
 * The series are written as OpenMetrics text with explicit timestamps, turned into TSDB blocks
 * with `promtool tsdb create-blocks-from openmetrics`, and served by `prometheus` over that data
 * directory on a free 127.0.0.1 port. The config scrapes nothing, so the only data is what the
 * test wrote. Retention is measured from the newest block, not the wall clock, and is set to
 * 100 years anyway, so blocks dated in the past stay and are queryable.
 *
 * One server per test file (start it in `beforeAll`, stop it in `afterAll`): startup is a few
 * hundred milliseconds.
 */
import { spawn, execFile } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** One series: a metric name, its labels, and `[unix seconds, value]` samples. */
export interface SeriesSpec {
  name: string
  /** `counter` names must end in `_total` (OpenMetrics); default `gauge`. */
  type?: 'gauge' | 'counter'
  labels?: Record<string, string>
  samples: [seconds: number, value: number][]
}

export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Everything the server wrote to stderr (warnings and errors only). */
  log: () => string
  stop: () => Promise<void>
}

/** A fixed instant, 2026-01-05T00:00:00Z, so test data does not depend on when the test runs. */
export const BASE_SECONDS = Date.UTC(2026, 0, 5) / 1000

/** OpenMetrics number text: NaN and the infinities as the format spells them. */
function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** An OpenMetrics label value: backslash, double quote and newline escaped. */
function labelValueText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/**
 * The OpenMetrics exposition of `series`: each metric family once, with its TYPE line, and its
 * series together (the format requires both), samples in time order, ending in `# EOF`.
 */
export function openMetricsText(series: SeriesSpec[]): string {
  const families = new Map<string, { type: string; lines: string[] }>()
  for (const spec of series) {
    const type = spec.type ?? 'gauge'
    if (type === 'counter' && !spec.name.endsWith('_total')) {
      throw new Error(`counter ${spec.name} must end in _total (OpenMetrics)`)
    }
    const family = type === 'counter' ? spec.name.slice(0, -'_total'.length) : spec.name
    const entry = families.get(family) ?? { type, lines: [] }
    if (entry.type !== type) throw new Error(`${family} is both a ${entry.type} and a ${type}`)
    families.set(family, entry)
    const labels = Object.entries(spec.labels ?? {})
      .map(([key, value]) => `${key}="${labelValueText(value)}"`)
      .join(',')
    const selector = labels ? `${spec.name}{${labels}}` : spec.name
    const samples = [...spec.samples].sort((a, b) => a[0] - b[0])
    for (const [seconds, value] of samples) {
      entry.lines.push(`${selector} ${numberText(value)} ${seconds}`)
    }
  }
  const text: string[] = []
  for (const [family, { type, lines }] of families) {
    text.push(`# TYPE ${family} ${type}`, ...lines)
  }
  text.push('# EOF', '')
  return text.join('\n')
}

/** A port that was free a moment ago (the kernel picks it; Prometheus binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`prometheus exited with ${child.exitCode} before it was ready:\n${log()}`)
    }
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`prometheus was not ready within 30 s:\n${log()}`)
}

/** Loads `series` into a fresh data directory and starts a Prometheus over it. */
export async function startPrometheus(series: SeriesSpec[]): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-prometheus-'))
  const data = join(dir, 'data')
  const input = join(dir, 'series.om')
  const config = join(dir, 'prometheus.yml')
  try {
    await writeFile(input, openMetricsText(series))
    // No scrape_configs: the server collects nothing of its own, not even itself.
    await writeFile(config, 'global: {}\n')
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, data])
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`promtool could not load the test series: ${String(error)}`, { cause: error })
  }

  // A port taken between freePort and the bind makes prometheus exit; try a few ports.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=100y',
        '--log.level=warn'
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const log = () => stderr
    const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
    try {
      await waitReady(url, child, log)
    } catch (error) {
      lastError = error
      child.kill('SIGKILL')
      await exited
      continue
    }
    return {
      url,
      log,
      stop: async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM')
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(killer)
        }
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
  await rm(dir, { recursive: true, force: true })
  throw lastError
}

/** `count` samples starting at `start` seconds, `every` seconds apart, valued by `value(i)`. */
export function samplesEvery(
  start: number,
  every: number,
  count: number,
  value: (i: number) => number
): [number, number][] {
  return Array.from({ length: count }, (_, i) => [start + i * every, value(i)])
}
