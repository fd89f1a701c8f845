/**
 * What the end-to-end tests of monitoring share (`modelgate monitor`, `monitoring: required`):
 * a clock shifted to the dates of the Prometheus test data (helpers/shifted-clock.mjs, preloaded
 * into the bundled CLI or action), dated gauge series, a stand-in in front of the real Prometheus
 * that can fail or answer late, a monitored stage's policy YAML, and model versions committed and
 * registered in a git checkout at a given time.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gitOk } from '../../src/registry/git/runner.js'
import { bundledCli } from './cli-bundle.js'
import { makeSandbox, type Clone, type Sandbox } from './git-sandbox.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer,
  type SeriesSpec
} from './prometheus.js'

export const MINUTE = 60
/** An hour after BASE: when the tests' second version comes into the stage. */
export const T1 = BASE_SECONDS + 60 * MINUTE

const SHIFTED_CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shifted-clock.mjs')

/** The environment that starts a bundled CLI's or action's clock at `seconds` (unix). */
export function clockAt(seconds: number): Record<string, string> {
  return {
    NODE_OPTIONS: `--import=${SHIFTED_CLOCK}`,
    SHIFTED_CLOCK_START_MS: String(seconds * 1000)
  }
}

/** The bundled CLI in `cwd` with its clock at `seconds` (and `env` added). */
export function cliAt(
  cwd: string,
  seconds: number,
  args: string[],
  env: Record<string, string> = {}
) {
  return bundledCli(cwd, args, { ...clockAt(seconds), ...env })
}

/** A gauge sampled once a minute for `minutes` from `start`, valued by `value(minute)`. */
export function gauge(
  name: string,
  labels: Record<string, string>,
  start: number,
  minutes: number,
  value: (minute: number) => number
): SeriesSpec {
  return { name, labels, samples: samplesEvery(start, MINUTE, minutes, value) }
}

/** The version holding `stage` in a `status --json` answer; undefined when none does. */
export function stageHolder(statusJson: string, stage = 'production'): string | undefined {
  const [view] = JSON.parse(statusJson) as { stages: { stage: string; version: string }[] }[]
  return view?.stages.find(s => s.stage === stage)?.version
}

/** The `monitoring` gate of a report's JSON (`--json` output or the `report-json` output). */
export function monitoringGateOf(json: string | undefined) {
  const parsed = JSON.parse(json ?? '{}') as {
    gates?: { gate: string; status: string; summary: string; details?: string[] }[]
  }
  return parsed.gates?.find(g => g.gate === 'monitoring')
}

export interface PrometheusProxy {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** pass: forward; 5xx: answer 503; slow: forward after 3 s. */
  setMode(mode: 'pass' | '5xx' | 'slow'): void
  close(): Promise<void>
}

/** A stand-in in front of the Prometheus at `target`, listening on 127.0.0.1. */
export async function startPrometheusProxy(target: string): Promise<PrometheusProxy> {
  let mode: 'pass' | '5xx' | 'slow' = 'pass'
  const server: Server = createServer((req, res) => {
    if (mode === '5xx') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable')
      return
    }
    const forward = () => {
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
    }
    if (mode === 'slow') setTimeout(forward, 3000)
    else forward()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setMode: next => (mode = next),
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}

/** A trigger with an upper bound, as YAML under `triggers:` (`extra`: more of its keys). */
export function trigger(name: string, query: string, max: number, extra = ''): string {
  return `        - name: ${name}
          query: '${query}'
          max: ${max}
${extra}`
}

/** A trigger on `max(<metric>{model="$model", version="$version"})`, as YAML under `triggers:`. */
export function maxTrigger(name: string, metric: string, max: number, extra = ''): string {
  return trigger(name, `max(${metric}{model="$model", version="$version"})`, max, extra)
}

/**
 * A policy with one stage (from candidate, a minimum of one metric) watched by a monitor on the
 * Prometheus at `url` for 2h, with the given triggers (YAML, as `trigger` writes them).
 */
export function monitoredPolicy(options: {
  model: string
  url: string
  triggers: string
  /** The model's directory (default `models/<model>`). */
  path?: string
  /** The metric with a threshold, maximized (default `accuracy`). */
  metric?: string
  /** Its threshold (default 0.5). */
  min?: number
  /** The monitored stage (default `production`). */
  stage?: string
  /** `monitoring: required` when true. */
  required?: boolean
  /** The source's timeout (none when omitted). */
  timeout?: string
  /** YAML after `watch_for` (indented for the monitor block). */
  monitorExtra?: string
  /** YAML after the stages. */
  tail?: string
}): string {
  const metric = options.metric ?? 'accuracy'
  const source = options.timeout
    ? `{ url: "${options.url}", timeout: ${options.timeout} }`
    : `{ url: "${options.url}" }`
  return `model: ${options.model}
path: ${options.path ?? `models/${options.model}`}
metrics:
  ${metric}: { goal: maximize }
stages:
  ${options.stage ?? 'production'}:
    from: [candidate]
    thresholds:
      ${metric}: { min: ${options.min ?? 0.5} }
${options.required ? '    monitoring: required\n' : ''}    monitor:
      source:
        prometheus: ${source}
      watch_for: 2h
${options.monitorExtra ?? ''}      triggers:
${options.triggers}${options.tail ?? ''}`
}

/**
 * Writes `files` (paths relative to the checkout) and commits them with `message`, pushed to
 * origin at `ref`; returns the commit.
 */
export async function commitFiles(
  clone: Clone,
  files: Record<string, string>,
  message: string,
  ref = 'HEAD'
): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(clone.dir, file)), { recursive: true })
    await writeFile(path.join(clone.dir, file), text)
  }
  await gitOk(clone.git, ['add', '-A'])
  await gitOk(clone.git, ['commit', '--quiet', '-m', message])
  await gitOk(clone.git, ['push', '--quiet', 'origin', ref])
  return (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
}

/**
 * Commits `models/<model>/` (`metrics.json` and a `weights.txt` naming the version), pushes it,
 * and registers it as `version` with the bundled CLI at `seconds`, which must succeed.
 */
export async function registerModelAt(
  clone: Clone,
  seconds: number,
  model: string,
  version: string,
  options: { metrics?: string; message?: string } = {}
): Promise<void> {
  await commitFiles(
    clone,
    {
      [`models/${model}/metrics.json`]: options.metrics ?? '{"accuracy": 0.9}',
      [`models/${model}/weights.txt`]: version
    },
    options.message ?? `${model} ${version}`
  )
  expect(await cliAt(clone.dir, seconds, ['register', model, '--version', version])).toMatchObject({
    exitCode: 0
  })
}

export interface MonitoredRegistry {
  /** A real Prometheus holding the series given. */
  prometheus: PrometheusServer
  /** A stand-in in front of it (`startMonitoredRegistry` with `proxy: true`). */
  proxy?: PrometheusProxy
  /** A clone (its origin beside it) with an empty `policies/` directory. */
  clone: Clone
  /** The bundled CLI in the clone with its clock at `seconds`. */
  cli(seconds: number, args: string[], env?: Record<string, string>): ReturnType<typeof bundledCli>
  /** Writes `policies/<name>.yml`. */
  writePolicy(name: string, text: string): Promise<void>
  /** Stops the servers and removes the clone and its origin. */
  stop(): Promise<void>
}

/**
 * A Prometheus loaded with `series` (and a proxy in front of it when asked) and a git registry
 * checkout for the bundled CLI or action to run in. Stop it in `afterAll`.
 */
export async function startMonitoredRegistry(
  series: SeriesSpec[],
  options: { proxy?: boolean } = {}
): Promise<MonitoredRegistry> {
  const prometheus = await startPrometheus(series)
  let proxy: PrometheusProxy | undefined
  let sandbox: Sandbox | undefined
  const stop = async () => {
    await proxy?.close()
    await prometheus.stop()
    await sandbox?.cleanup()
  }
  try {
    if (options.proxy) proxy = await startPrometheusProxy(prometheus.url)
    sandbox = await makeSandbox()
    const clone = await sandbox.clone('work')
    await mkdir(path.join(clone.dir, 'policies'))
    return {
      prometheus,
      proxy,
      clone,
      cli: (seconds, args, env = {}) => cliAt(clone.dir, seconds, args, env),
      writePolicy: (name, text) => writeFile(path.join(clone.dir, 'policies', `${name}.yml`), text),
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
