import type { TriggerPolicy } from '../policy/monitor.js'
import { durationMs } from '../policy/monitor.js'
import type { PlaceholderValues } from './promql.js'
import { MetricQueryError, MetricSourceError } from './types.js'
import type { MetricSource, Series } from './types.js'
import { PLACEHOLDER } from '../policy/promql-placeholders.js'
import { triggerVerdict } from './verdict.js'
import type { BaselineInput, TriggerVerdict } from './verdict.js'
import type { TimeRange, WatchWindow } from './window.js'

/**
 * One trigger evaluated against a source: the range query of the watched version and, for a
 * `previous_holder` baseline, the same query for the version before it. At most two queries a
 * trigger. A source failure is an inconclusive verdict that says so: never healthy, never a
 * rollback. A query the source refuses (MetricQueryError) is thrown on: a policy bug. The caller (the monitor command, next) decides what the verdicts do.
 */

export interface TriggerContext {
  /** `$model`, `$version`, `$stage` of the watched version. */
  values: PlaceholderValues
  window: WatchWindow
  /** The promotion's audit record metrics, for `baseline: audit`. */
  auditMetrics?: Record<string, number>
  /** The version that held the stage before the promotion, for `baseline: previous_holder`. */
  previousVersion?: string
  /**
   * A rollout's champion (the holder of the stage it serves or shadows): `$champion` in the
   * query, and the same query for it over the same window for `baseline: champion`.
   */
  champion?: string
}

export interface TriggerEvaluation {
  /** The policy's query, placeholders not substituted (the evidence shows the values apart). */
  query: string
  action: TriggerPolicy['action']
  range: TimeRange
  stepMs: number
  /** Range queries sent for this trigger (the bench counts them). */
  queries: number
  verdict: TriggerVerdict
}

export async function evaluateTrigger(
  source: MetricSource,
  trigger: TriggerPolicy,
  context: TriggerContext
): Promise<TriggerEvaluation> {
  // The policy schema has checked the step; a default keeps this total for typed callers.
  const stepMs = durationMs(trigger.step) ?? 60_000
  const range = context.window.watched
  const evaluation = { query: trigger.query, action: trigger.action, range, stepMs, queries: 0 }
  const ask = async (values: PlaceholderValues, window: TimeRange): Promise<Series[]> => {
    evaluation.queries++
    return source.queryRange({ query: trigger.query, values, ...window, stepMs })
  }
  const champion = context.champion
  if (champion === undefined && needsChampion(trigger)) {
    return { ...evaluation, verdict: noChampion(trigger) }
  }
  const values = champion === undefined ? context.values : { ...context.values, champion }
  try {
    const series = await ask(values, range)
    let baseline: BaselineInput | undefined
    const relative = trigger.relative
    if (relative?.baseline === 'audit') {
      const metric = relative.metric as string
      const metrics = context.auditMetrics ?? {}
      baseline = {
        from: 'audit',
        metric,
        value: Object.hasOwn(metrics, metric) ? metrics[metric] : undefined
      }
    } else if (relative?.baseline === 'previous_holder' && context.previousVersion !== undefined) {
      const previous = { ...values, version: context.previousVersion }
      baseline = { from: 'previous_holder', series: await ask(previous, context.window.baseline) }
    } else if (relative?.baseline === 'champion' && champion !== undefined) {
      // The champion over the same window: both versions see the same hours of traffic.
      baseline = { from: 'champion', series: await ask({ ...values, version: champion }, range) }
    }
    return { ...evaluation, verdict: triggerVerdict(trigger, series, baseline) }
  } catch (error) {
    // A query the source refuses is the policy's bug, not missing data: the caller says where.
    if (!(error instanceof MetricSourceError) || error instanceof MetricQueryError) throw error
    return {
      ...evaluation,
      verdict: {
        trigger: trigger.name,
        status: 'inconclusive',
        reason: 'source-failure',
        summary: `source failure: ${error.message}`,
        failureLimit: trigger.failure_limit,
        minSamples: trigger.min_samples,
        series: []
      }
    }
  }
}

/** The trigger names `$champion` or compares with it. */
function needsChampion(trigger: TriggerPolicy): boolean {
  return (
    trigger.relative?.baseline === 'champion' ||
    [...trigger.query.matchAll(PLACEHOLDER)].some(match => match[1] === 'champion')
  )
}

/** No champion to compare with (the stage it serves holds no version): never healthy. */
function noChampion(trigger: TriggerPolicy): TriggerVerdict {
  return {
    trigger: trigger.name,
    status: 'inconclusive',
    reason: 'no-baseline',
    summary: 'no champion: the stage this rollout is compared with holds no version',
    failureLimit: trigger.failure_limit,
    minSamples: trigger.min_samples,
    series: []
  }
}
