import { z } from 'zod'
import type { TriggerEvaluation } from '../monitor/evaluate.js'
import type { PlaceholderValues } from '../monitor/promql.js'
import type { Sample } from '../monitor/types.js'

/**
 * What an automatic rollback's audit record holds about the live metrics that caused it: for
 * each trigger its query, the values substituted, the range, the baseline, the verdict and its
 * samples. Bounded, because the record is stored in a registry event (a git tag's message), a
 * job summary and an artifact: a few series per trigger, the breaching run and the latest
 * samples of each, the rest only counted.
 */

/** Series kept per trigger; the rest are counted in `seriesOmitted`. */
export const MAX_EVIDENCE_SERIES = 3
/** Samples of a breaching run kept (its first ones: when it started). */
export const MAX_BREACH_SAMPLES = 20
/** Latest samples kept per series (NaN and infinities included, as the source gave them). */
export const MAX_RECENT_SAMPLES = 20

/** A JSON number, or NaN and the infinities spelled as Prometheus spells them. */
const Value = z.union([z.number(), z.enum(['NaN', '+Inf', '-Inf'])])
const Point = z.object({ time: z.iso.datetime(), value: Value })

const SeriesEvidence = z.object({
  labels: z.record(z.string(), z.string()),
  status: z.enum(['healthy', 'inconclusive', 'breach']),
  samples: z.number().int().describe('How many samples the source returned for the series.'),
  valid: z.number().int(),
  invalid: z.number().int().describe('NaN, and infinities past no bound.'),
  longestRun: z.number().int(),
  breachRun: z
    .array(Point.extend({ bound: z.enum(['min', 'max']) }))
    .optional()
    .describe(`The breaching run, its first ${MAX_BREACH_SAMPLES} samples.`),
  breachRunLength: z.number().int().optional(),
  recent: z.array(Point).describe(`The latest ${MAX_RECENT_SAMPLES} samples.`)
})

const TriggerEvidence = z.object({
  name: z.string(),
  query: z.string().describe('As the policy writes it; `values` are what was substituted.'),
  values: z.object({ model: z.string(), version: z.string(), stage: z.string() }),
  action: z.enum(['rollback', 'alert']),
  range: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  stepSeconds: z.number(),
  verdict: z.enum(['healthy', 'inconclusive', 'breach']),
  reason: z.string(),
  summary: z.string(),
  bounds: z.object({ min: z.number().optional(), max: z.number().optional() }).optional(),
  baseline: z
    .object({
      from: z.enum(['audit', 'previous_holder']),
      value: z.number().optional(),
      samples: z.number().int().optional(),
      problem: z.string().optional()
    })
    .optional(),
  failureLimit: z.number().int(),
  minSamples: z.number().int(),
  series: z.array(SeriesEvidence),
  seriesOmitted: z.number().int().optional()
})

export const MonitorEvidence = z
  .object({
    source: z.string().describe('Where the metrics were read: `prometheus <url>`, `file <path>`.'),
    at: z.iso.datetime().describe('The evaluation time (`--at`, else the run time).'),
    watched: z.object({
      version: z.string(),
      since: z.iso.datetime().describe("The version's promotion into the stage."),
      previous: z.string().optional().describe('The version that held the stage before it.')
    }),
    triggers: z.array(TriggerEvidence)
  })
  .describe(
    'An automatic rollback (`modelgate monitor`): the live metrics that caused it, bounded.'
  )

export type MonitorEvidence = z.infer<typeof MonitorEvidence>

export interface EvidenceInput {
  source: string
  at: Date
  watched: { version: string; since: Date; previous?: string }
  values: PlaceholderValues
  triggers: { name: string; evaluation: TriggerEvaluation }[]
}

/** The bounded evidence of one stage's evaluation. */
export function monitorEvidence(input: EvidenceInput): MonitorEvidence {
  return MonitorEvidence.parse({
    source: input.source,
    at: input.at.toISOString(),
    watched: {
      version: input.watched.version,
      since: input.watched.since.toISOString(),
      ...(input.watched.previous ? { previous: input.watched.previous } : {})
    },
    triggers: input.triggers.map(({ evaluation }) => {
      const { verdict } = evaluation
      const kept = verdict.series.slice(0, MAX_EVIDENCE_SERIES)
      return {
        name: verdict.trigger,
        query: evaluation.query,
        values: input.values,
        action: evaluation.action,
        range: {
          start: new Date(evaluation.range.start).toISOString(),
          end: new Date(evaluation.range.end).toISOString()
        },
        stepSeconds: evaluation.stepMs / 1000,
        verdict: verdict.status,
        reason: verdict.reason,
        summary: verdict.summary,
        ...(verdict.bounds ? { bounds: finiteBounds(verdict.bounds) } : {}),
        ...(verdict.baseline ? { baseline: verdict.baseline } : {}),
        failureLimit: verdict.failureLimit,
        minSamples: verdict.minSamples,
        series: kept.map(series => ({
          labels: series.labels,
          status: series.status,
          samples: series.samples.length,
          valid: series.valid,
          invalid: series.invalid,
          longestRun: series.longestRun,
          ...(series.breachRun
            ? {
                breachRun: series.breachRun
                  .slice(0, MAX_BREACH_SAMPLES)
                  .map(s => ({ ...point(s), bound: s.bound })),
                breachRunLength: series.breachRun.length
              }
            : {}),
          recent: series.samples.slice(-MAX_RECENT_SAMPLES).map(point)
        })),
        ...(verdict.series.length > kept.length
          ? { seriesOmitted: verdict.series.length - kept.length }
          : {})
      }
    })
  })
}

function point(sample: Sample): { time: string; value: number | 'NaN' | '+Inf' | '-Inf' } {
  return { time: new Date(sample.time).toISOString(), value: jsonValue(sample.value) }
}

/** A sample value JSON can hold: NaN and the infinities as words. */
export function jsonValue(value: number): number | 'NaN' | '+Inf' | '-Inf' {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return value
}

function finiteBounds(bounds: { min?: number; max?: number }): { min?: number; max?: number } {
  return {
    ...(bounds.min !== undefined && Number.isFinite(bounds.min) ? { min: bounds.min } : {}),
    ...(bounds.max !== undefined && Number.isFinite(bounds.max) ? { max: bounds.max } : {})
  }
}
