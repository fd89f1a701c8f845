import { z } from 'zod'
import { PLACEHOLDER, placeholderProblems } from './promql-placeholders.js'

/**
 * A stage's `monitor:` block: what is watched after a promotion into the stage, for how
 * long, and which live-metric triggers roll back (or alert). Part of the policy schema
 * (schema.ts); strict like the rest, and the README reference is generated from the
 * descriptions here.
 */

/** A Prometheus-style duration: one or more `<integer><unit>`, largest unit first (`1h30m`). */
export const DURATION_PATTERN = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/
const DURATION_RULE =
  'must be a duration such as 30s, 5m, 1h30m or 14d (units ms, s, m, h, d, w, y)'
const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1
}

/** Milliseconds of a duration text; undefined when it is not one (or is empty). */
export function durationMs(text: string): number | undefined {
  if (text === '' || !DURATION_PATTERN.test(text)) return undefined
  let total = 0
  for (const [, count, unit] of text.matchAll(/(\d+)(ms|[ywdhms])/g)) {
    total += Number(count) * (UNIT_MS[unit as string] as number)
  }
  return total
}

const duration = z
  .string()
  .min(1, DURATION_RULE)
  .regex(DURATION_PATTERN, DURATION_RULE)
  .refine(text => (durationMs(text) ?? 1) > 0, { message: 'must be longer than 0' })

const nonNegative = z.number().min(0)

export const MonitorSource = z
  .strictObject({
    prometheus: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
          .describe('Base URL of the Prometheus server (the HTTP API is under `/api/v1`).'),
        timeout: duration
          .default('30s')
          .describe('How long one query may take before it counts as a source failure.')
      })
      .optional()
      .describe('Read the series from the Prometheus HTTP API (`/api/v1/query_range`).'),
    file: z
      .string()
      .min(1)
      .refine(
        location =>
          /^https?:\/\/[^/\s]+/i.test(location) ||
          (!/^[a-z][a-z0-9+.-]*:/i.test(location) &&
            !location.startsWith('/') &&
            !location.split(/[\\/]/).includes('..')),
        { message: 'must be an http(s) URL or a path inside the repository' }
      )
      .optional()
      .describe(
        'Read the series from a JSON or CSV time-series file: a path inside the repository, or an http(s) URL.'
      )
  })
  .superRefine((source, ctx) => {
    const given = [source.prometheus, source.file].filter(s => s !== undefined).length
    if (given !== 1) {
      const message =
        given === 0 ? 'needs prometheus or file' : 'gives both prometheus and file: choose one'
      ctx.addIssue({ code: 'custom', message })
    }
  })
  .describe('Where the live metrics are read.')

export const RelativeBound = z
  .strictObject({
    baseline: z
      .enum(['audit', 'previous_holder', 'champion'])
      .describe(
        "`audit`: the value of `metric` recorded in the promotion's audit record. `previous_holder`: the mean of the same query for the version that held the stage before, over the same length of time just before the promotion. `champion` (rollout triggers only): the mean of the same query for the champion (the holder of the stage the rollout serves or shadows) over the same window; with `by`, segment by segment."
      ),
    metric: z
      .string()
      .min(1)
      .optional()
      .describe('With `baseline: audit`: the metric of the audit record to compare with.'),
    max_increase_pct: nonNegative
      .optional()
      .describe(
        'Breach when a sample is more than this many percent above the baseline (10 = 10%).'
      ),
    max_decrease_pct: nonNegative
      .optional()
      .describe(
        'Breach when a sample is more than this many percent below the baseline (10 = 10%).'
      )
  })
  .superRefine((bound, ctx) => {
    if (bound.max_increase_pct === undefined && bound.max_decrease_pct === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs max_increase_pct, max_decrease_pct or both' })
    }
    if (bound.baseline === 'audit' && bound.metric === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseline'],
        message: 'audit needs `metric`: which metric of the audit record is the baseline'
      })
    }
    if (bound.baseline !== 'audit' && bound.metric !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['metric'],
        message:
          bound.baseline === 'previous_holder'
            ? 'is only for baseline: audit; previous_holder runs the same query'
            : 'is only for baseline: audit; champion and previous_holder run the same query'
      })
    }
  })
  .describe(
    'A bound relative to a baseline, in percent of the baseline (of its magnitude, so a negative baseline works too).'
  )

export const Trigger = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(100)
      .describe('Shown in reports, audit records and notifications; unique in the stage.'),
    query: z
      .string()
      .min(1)
      .describe(
        'PromQL (Prometheus source) or a series selector (file source). `$model`, `$version` and `$stage` are replaced by the watched version; they may only stand inside a double-quoted label matcher value, such as `{version="$version"}`.'
      ),
    max: z.number().optional().describe('Breach when a sample is above this (absolute).'),
    min: z.number().optional().describe('Breach when a sample is below this (absolute).'),
    relative: RelativeBound.optional(),
    by: z
      .string()
      .regex(
        /^[a-zA-Z_][a-zA-Z0-9_]*$/,
        'must be a label name (letters, digits and _, not starting with a digit)'
      )
      .optional()
      .describe(
        'Per-segment rule: the label the query splits its answer by (one series per value, such as `max by (segment) (…)`). Each segment is judged alone, against the same segment of the champion with `baseline: champion`; any segment that breaches is a breach, named in the report.'
      ),
    failure_limit: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe('Consecutive breaching samples that make a breach.'),
    min_samples: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe(
        'Fewest valid samples (not NaN or infinite) for a healthy verdict; fewer is no data.'
      ),
    step: duration.default('1m').describe('Distance between two samples of the range query.'),
    no_data: z
      .enum(['inconclusive', 'breach'])
      .default('inconclusive')
      .describe(
        'What an empty result or too few valid samples mean. Never healthy; `breach` only if you want a silent metric to roll back.'
      ),
    action: z
      .enum(['rollback', 'alert'])
      .default('rollback')
      .describe('What a breach does: roll the stage back, or only alert.')
  })
  .superRefine((trigger, ctx) => {
    const absolute = trigger.max !== undefined || trigger.min !== undefined
    if (absolute && trigger.relative !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['relative'],
        message: 'a trigger has either absolute bounds (max, min) or a relative one, not both'
      })
    } else if (!absolute && trigger.relative === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs a bound: max, min, or relative' })
    } else if (
      trigger.min !== undefined &&
      trigger.max !== undefined &&
      trigger.min > trigger.max
    ) {
      const message = `${trigger.min} is above max ${trigger.max}, so every sample breaches`
      ctx.addIssue({ code: 'custom', path: ['min'], message })
    }
  })
  .describe('One live-metric check of the watched version.')

export const Monitor = z
  .strictObject({
    source: MonitorSource,
    watch_for: duration.describe(
      'How long after a promotion the stage is watched, such as 14d; after that the watch ends.'
    ),
    triggers: z.array(Trigger).min(1).describe('The checks; any breach is a breach of the stage.'),
    max_automatic_rollbacks: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe(
        'Automatic rollbacks of this stage allowed within one `watch_for` (counted back from the evaluation time); past it a breach only alerts. 0: never roll back, always alert.'
      ),
    warn_inconclusive_after: duration
      .default('1h')
      .describe(
        'A watch still inconclusive this long after it started (the promotion, or the automatic rollback in recovery) sends a `warning` notification on each run: monitoring that cannot see needs a person.'
      ),
    runs_every: duration
      .default('1h')
      .describe(
        "How often your workflow runs `monitor` (its cron's interval). Runs keep no state, so a watch's final verdict (`info` for a healthy end) is notified by the run whose evaluation time falls within `runs_every` after the watch ended, and no later run notifies about that watch again."
      )
  })
  .superRefine((monitor, ctx) => {
    const seen = new Set<string>()
    monitor.triggers.forEach((trigger, i) => {
      if (seen.has(trigger.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', i, 'name'],
          message: `"${trigger.name}" names another trigger of this stage already`
        })
      }
      seen.add(trigger.name)
      // Checked here, where the source is known: a file source's selectors follow the same rule.
      for (const message of placeholderProblems(trigger.query)) {
        ctx.addIssue({ code: 'custom', path: ['triggers', i, 'query'], message })
      }
      if ([...trigger.query.matchAll(PLACEHOLDER)].some(m => m[1] === 'champion')) {
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', i, 'query'],
          message:
            '$champion is only for rollout triggers (stages.<stage>.rollout.triggers): a monitor: block watches one version, with no champion'
        })
      }
      if (trigger.relative?.baseline === 'champion') {
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', i, 'relative', 'baseline'],
          message:
            'champion is only for rollout triggers (stages.<stage>.rollout.triggers); a monitor: block compares with audit or previous_holder'
        })
      }
      const step = durationMs(trigger.step)
      const watch = durationMs(monitor.watch_for)
      if (step !== undefined && watch !== undefined && step > watch) {
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', i, 'step'],
          message: `is longer than watch_for (${monitor.watch_for}), so no sample would fall in the watch`
        })
      }
    })
  })
  .describe(
    'Watch the stage after a promotion: live metrics checked against triggers; a breach rolls back or alerts. No data is never healthy.'
  )

export type MonitorPolicy = z.infer<typeof Monitor>
export type TriggerPolicy = z.infer<typeof Trigger>
export type RelativeBoundPolicy = z.infer<typeof RelativeBound>
