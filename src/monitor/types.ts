import type { PlaceholderValues } from './promql.js'

/**
 * The monitor's data: what a metric source returns, and the port every source implements.
 */

/** One point of a series. `value` may be NaN or ±Infinity: sources pass those on, never drop them. */
export interface Sample {
  /** Unix time in milliseconds. */
  time: number
  value: number
}

/** One series of a range query: its labels and its samples in time order. */
export interface Series {
  labels: Record<string, string>
  samples: Sample[]
}

/**
 * A range query: `[start, end]` in Unix milliseconds, one sample every `stepMs`. The query is
 * the policy's text; the source substitutes `values` itself (promql.ts), so no caller can
 * forget to escape them.
 */
export interface RangeQuery {
  query: string
  values: PlaceholderValues
  start: number
  end: number
  stepMs: number
}

/**
 * Where live metrics come from (Prometheus, a file of series). `queryRange` answers every
 * series the query matched, an empty list when none did; it throws MetricSourceError when
 * the source could not answer (unreachable, 5xx, timeout, a malformed answer), so a source
 * failure is never mistaken for data or for no data.
 */
export interface MetricSource {
  /** What the source is, for reports: `prometheus http://…`, `file metrics.csv`. */
  readonly description: string
  queryRange(range: RangeQuery): Promise<Series[]>
}

/** The source could not answer; never a healthy (or any) sample. */
export class MetricSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MetricSourceError'
  }
}

/**
 * The source refused the query itself (Prometheus' 400 `bad_data`: a parse error, a misplaced
 * placeholder): the policy's query is wrong, which no later run fixes. Not inconclusive: the
 * monitor command turns it into invalid input (exit 2) naming the trigger and the policy file.
 */
export class MetricQueryError extends MetricSourceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MetricQueryError'
  }
}
