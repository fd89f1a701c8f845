import { MetricSourceError } from './types.js'
import type { Series } from './types.js'

/**
 * What a metric source reads at most, so a runaway query or file cannot exhaust the runner's
 * memory (or end in a misleading "could not be reached: Cannot create a string longer than…"):
 * an answer's bytes, read streaming and abandoned past the cap; a query's series and samples.
 * Each is a MetricSourceError, so inconclusive, naming the source and the cap.
 */

/** Bytes of one answer (a Prometheus response, a series file fetched by URL). */
export const MAX_RESPONSE_BYTES = 50 * 1024 * 1024
/** Series one trigger's query may answer: a trigger's query aggregates, it does not list. */
export const MAX_SERIES = 1_000
/** Samples, over every series, one trigger's query may answer. */
export const MAX_SAMPLES = 1_000_000

/** The body past the byte cap; the caller words it with its source and a hint. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`)
    this.name = 'BodyTooLargeError'
  }
}

/** The response's text, read chunk by chunk; past `limit` bytes the read is cancelled. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {})
    throw new BodyTooLargeError(limit)
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new BodyTooLargeError(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** `50 MB` for a cap in bytes. */
export function megabytes(limit: number): string {
  return `${Math.round((limit / (1024 * 1024)) * 100) / 100} MB`
}

/** The series of one query, or a MetricSourceError when they pass a cap. */
export function checkSeriesCaps(
  series: Series[],
  where: string,
  caps: { maxSeries: number; maxSamples: number }
): Series[] {
  if (series.length > caps.maxSeries) {
    throw new MetricSourceError(
      `${where} answered ${series.length} series, more than the ${caps.maxSeries} one trigger's query may: aggregate the query (e.g. max by () or sum).`
    )
  }
  const samples = series.reduce((sum, s) => sum + s.samples.length, 0)
  if (samples > caps.maxSamples) {
    throw new MetricSourceError(
      `${where} answered ${samples} samples, more than the ${caps.maxSamples} one trigger's query may: a longer step or a shorter watch.`
    )
  }
  return series
}
