import { substitutePlaceholders, PromqlPlaceholderError } from './promql.js'
import {
  BodyTooLargeError,
  MAX_RESPONSE_BYTES,
  MAX_SAMPLES,
  MAX_SERIES,
  checkSeriesCaps,
  megabytes,
  readBounded
} from './limits.js'
import { MetricQueryError, MetricSourceError } from './types.js'
import type { MetricSource, RangeQuery, Sample, Series } from './types.js'

/**
 * The Prometheus HTTP API as a MetricSource: `POST /api/v1/query_range` (form-encoded, so a
 * long query fits), the answer checked strictly. Anything but a `success` envelope holding a
 * `matrix` of well-formed series is a MetricSourceError: a 5xx, a timeout, `status: error`, a
 * vector or scalar, a value that is not a number's text. "NaN", "+Inf" and "-Inf" are numbers
 * Prometheus spells that way; they are passed on as such for the verdict to refuse.
 */

export interface PrometheusSourceOptions {
  /** Base URL; the API is under `<url>/api/v1`. A path prefix (`http://host/prometheus`) is kept. */
  url: string
  /** How long one request, body included, may take. */
  timeoutMs: number
  fetch: typeof fetch
  /** Caps on one answer (limits.ts); the defaults are for production, a test may lower them. */
  maxBytes?: number
  maxSeries?: number
  maxSamples?: number
}

/** Prometheus refuses a range query of more points per series than this (400 bad_data). */
export const MAX_POINTS = 11_000

/** A number as Prometheus' JSON spells it (Go's strconv.FormatFloat 'f' or 'e', or the words). */
const NUMBER_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/

export function prometheusSource(options: PrometheusSourceOptions): MetricSource {
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`
  const endpoint = new URL('api/v1/query_range', base).toString()
  return {
    description: `prometheus ${options.url}`,
    async queryRange(range: RangeQuery): Promise<Series[]> {
      let query: string
      try {
        query = substitutePlaceholders(range.query, range.values)
      } catch (error) {
        if (error instanceof PromqlPlaceholderError) {
          throw new MetricQueryError(`the query is refused: ${error.message}`, { cause: error })
        }
        throw error
      }
      if (!(range.stepMs > 0) || !(range.end >= range.start)) {
        throw new MetricSourceError(
          `a range query needs a step above 0 and an end not before its start (start ${range.start}, end ${range.end}, step ${range.stepMs} ms)`
        )
      }
      // A long watch at a short step is asked for in pieces Prometheus accepts, then joined.
      const merged = new Map<string, Series>()
      for (const [start, end] of chunks(range.start, range.end, range.stepMs)) {
        const part = await requestRange(options, endpoint, query, start, end, range.stepMs)
        for (const series of part) {
          const key = JSON.stringify(Object.entries(series.labels).sort())
          const known = merged.get(key)
          if (known) known.samples.push(...series.samples)
          else merged.set(key, series)
        }
      }
      return checkSeriesCaps([...merged.values()], `Prometheus at ${options.url}`, {
        maxSeries: options.maxSeries ?? MAX_SERIES,
        maxSamples: options.maxSamples ?? MAX_SAMPLES
      })
    }
  }
}

/** `[start, end]` cut into pieces of at most MAX_POINTS steps, sharing no point. */
export function chunks(start: number, end: number, stepMs: number): [number, number][] {
  const pieces: [number, number][] = []
  const span = (MAX_POINTS - 1) * stepMs
  let from = start
  while (from <= end) {
    const to = Math.min(end, from + span)
    pieces.push([from, to])
    from = to + stepMs
  }
  return pieces
}

async function requestRange(
  options: PrometheusSourceOptions,
  endpoint: string,
  query: string,
  start: number,
  end: number,
  stepMs: number
): Promise<Series[]> {
  const body = new URLSearchParams({
    query,
    start: `${start / 1000}`,
    end: `${end / 1000}`,
    step: `${stepMs / 1000}`,
    // Prometheus stops its own evaluation at the same time the client gives up. Plain seconds:
    // its duration syntax has no fractions ("2.5s" is a 400), a float is read as seconds.
    timeout: `${options.timeoutMs / 1000}`
  })
  const where = `Prometheus at ${options.url}`
  let status: number
  let text: string
  try {
    const response = await options.fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(options.timeoutMs)
    })
    status = response.status
    text = await readBounded(response, options.maxBytes ?? MAX_RESPONSE_BYTES)
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new MetricSourceError(
        `${where} answered more than ${megabytes(error.limit)}, the cap on one answer: read no further. Narrow the query (aggregate the series, a longer step).`
      )
    }
    // Not `instanceof Error`: the abort is a DOMException, from another realm under some runners.
    const timedOut = errorName(error) === 'TimeoutError'
    throw new MetricSourceError(
      timedOut
        ? `${where} did not answer within ${options.timeoutMs / 1000} s`
        : `${where} could not be reached: ${describeFailure(error)}`,
      { cause: error }
    )
  }
  let envelope: unknown
  try {
    envelope = JSON.parse(text)
  } catch {
    throw new MetricSourceError(
      `${where} answered HTTP ${status} with a body that is not JSON: ${excerpt(text)}`
    )
  }
  const object = isRecord(envelope) ? envelope : {}
  if (object.status !== 'success' || status < 200 || status > 299) {
    const kind = typeof object.errorType === 'string' ? ` (${object.errorType})` : ''
    const message = typeof object.error === 'string' ? `: ${excerpt(object.error)}` : ''
    // A query Prometheus cannot parse or accept: the policy's fault, the same on every run.
    if (status === 400 && object.errorType === 'bad_data') {
      throw new MetricQueryError(`${where} refused the query (HTTP 400, bad_data)${message}`)
    }
    throw new MetricSourceError(`${where} answered HTTP ${status}, an error${kind}${message}`)
  }
  return parseMatrix(object.data, where)
}

/** The series of a `data` object, or a MetricSourceError saying what is wrong with it. */
export function parseMatrix(data: unknown, where: string): Series[] {
  if (!isRecord(data) || data.resultType !== 'matrix' || !Array.isArray(data.result)) {
    const type = isRecord(data) ? JSON.stringify(data.resultType) : 'nothing'
    throw new MetricSourceError(`${where} answered a result of type ${type}, not a range matrix`)
  }
  return data.result.map((entry: unknown, i: number) => {
    const bad = (what: string) =>
      new MetricSourceError(`${where} answered a malformed series (result[${i}]): ${what}`)
    if (!isRecord(entry) || !isRecord(entry.metric)) throw bad('no metric labels')
    const labels: Record<string, string> = {}
    for (const [name, value] of Object.entries(entry.metric)) {
      if (typeof value !== 'string') throw bad(`label ${JSON.stringify(name)} is not a string`)
      labels[name] = value
    }
    if (entry.histograms !== undefined) throw bad('native histograms are not supported')
    if (!Array.isArray(entry.values)) throw bad('no values')
    const samples: Sample[] = entry.values.map((point: unknown, j: number) => {
      if (!Array.isArray(point) || point.length !== 2) throw bad(`values[${j}] is not a pair`)
      const [time, text] = point as unknown[]
      if (typeof time !== 'number' || !Number.isFinite(time)) {
        throw bad(`values[${j}] has no time`)
      }
      if (typeof text !== 'string') throw bad(`values[${j}] is not a number's text`)
      return {
        time: Math.round(time * 1000),
        value: parseValue(text, () => bad(`values[${j}] is ${JSON.stringify(excerpt(text))}`))
      }
    })
    return { labels, samples }
  })
}

function parseValue(text: string, bad: () => Error): number {
  if (text === 'NaN') return NaN
  if (text === '+Inf' || text === 'Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (!NUMBER_TEXT.test(text)) throw bad()
  return Number(text)
}

function errorName(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined
}

/** `fetch failed (connect ECONNREFUSED 127.0.0.1:9)`: undici hides the reason in `cause`. */
function describeFailure(error: unknown): string {
  const message = (value: unknown) =>
    typeof value === 'object' && value !== null && 'message' in value
      ? String(value.message)
      : String(value)
  const cause =
    typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined
  return cause === undefined ? message(error) : `${message(error)} (${message(cause)})`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** At most 200 characters of a server's text, on one line, for an error message. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}
