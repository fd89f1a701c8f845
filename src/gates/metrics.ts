/** Reading one metric from one side, failing closed: anything but a finite number is a problem. */

/** The metrics of one side: valid numbers, and what was present but unusable. */
export interface MetricSource {
  metrics: Record<string, number>
  /** Why each unusable metric is unusable: `is NaN`, `is a string ("n/a")`, `is null`. */
  invalidMetrics?: Record<string, string>
}

export type MetricReading = { ok: true; value: number } | { ok: false; problem: string }

/**
 * The value of `name`, or why there is none: `is missing`, or the reason the candidate
 * reader gave (`is NaN`). A listed invalid reason wins over a value, and a value that is
 * not a finite number (a reader bug, a registry returning NaN) is caught here as well.
 * Own properties only, so a metric named `constructor` is not found on the prototype.
 */
export function readMetric(source: MetricSource, name: string): MetricReading {
  const invalid = source.invalidMetrics
  if (invalid && Object.hasOwn(invalid, name)) {
    return { ok: false, problem: invalid[name] ?? 'is not a number' }
  }
  if (!Object.hasOwn(source.metrics, name)) return { ok: false, problem: 'is missing' }
  const value: unknown = source.metrics[name]
  if (typeof value !== 'number') {
    return { ok: false, problem: value === null ? 'is null' : `is a ${typeof value}` }
  }
  if (Number.isNaN(value)) return { ok: false, problem: 'is NaN' }
  if (!Number.isFinite(value)) return { ok: false, problem: 'is infinite' }
  return { ok: true, value }
}
