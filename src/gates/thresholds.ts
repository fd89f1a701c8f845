import type { ThresholdRule } from '../policy/schema.js'
import { formatApart, formatNumber, plural } from './format.js'
import { readMetric, type MetricSource } from './metrics.js'
import type { GateResult, MetricCheck } from './types.js'

export interface ThresholdsContext {
  /** `stages.<stage>.thresholds`, in policy order. */
  rules: Record<string, ThresholdRule>
  candidate: MetricSource
  /** Shown next to the candidate for reference only; thresholds never judge the champion. */
  champion?: MetricSource
}

/**
 * Absolute bounds on the candidate's metrics, both inclusive. A metric that is missing or
 * unusable (NaN, infinite, a string, null) fails, named with why. Values are compared exactly:
 * no arithmetic happens, so `0.85 ≥ 0.85` holds without any tolerance. A rule with neither
 * `min` nor `max` still requires the metric to be present and a finite number.
 */
export function thresholdsGate(context: ThresholdsContext): GateResult {
  const entries = Object.entries(context.rules)
  if (entries.length === 0) {
    return { gate: 'thresholds', status: 'skipped', summary: 'no thresholds configured' }
  }
  const checks: MetricCheck[] = []
  const details: string[] = []
  for (const [metric, rule] of entries) {
    const check = checkOne(metric, rule, context)
    checks.push(check)
    // checkOne sets a problem on every failing check.
    if (check.status === 'fail') details.push(`${metric} ${check.problem}`)
  }
  const failed = checks.filter(check => check.status === 'fail').length
  const result: GateResult = {
    gate: 'thresholds',
    status: failed > 0 ? 'fail' : 'pass',
    summary:
      failed > 0
        ? `${failed} of ${plural(entries.length, 'metric')} out of bounds or unusable`
        : // Stryker disable next-line OptionalChaining: entries is not empty here
          `${entries.length === 1 ? `${entries[0]?.[0]} is` : `all ${entries.length} metrics are`} within bounds`,
    checks
  }
  if (details.length > 0) result.details = details
  return result
}

function checkOne(metric: string, rule: ThresholdRule, context: ThresholdsContext): MetricCheck {
  const check: MetricCheck = { metric, rule: describeRule(rule), status: 'fail' }
  const champion = context.champion && readMetric(context.champion, metric)
  if (champion?.ok) check.champion = champion.value
  const reading = readMetric(context.candidate, metric)
  if (!reading.ok) {
    check.problem = reading.problem
    return check
  }
  const value = reading.value
  check.candidate = value
  if (rule.min !== undefined && value < rule.min) {
    const [shown, bound] = formatApart(value, rule.min)
    check.problem = `is ${shown}, below the minimum ${bound}`
  } else if (rule.max !== undefined && value > rule.max) {
    const [shown, bound] = formatApart(value, rule.max)
    check.problem = `is ${shown}, above the maximum ${bound}`
  } else {
    check.status = 'pass'
  }
  return check
}

/** `≥ 0.85`, `≤ 100`, `≥ 0.8 and ≤ 0.9`, or `present` for a rule with no bound. */
export function describeRule(rule: ThresholdRule): string {
  const parts: string[] = []
  if (rule.min !== undefined) parts.push(`≥ ${formatNumber(rule.min)}`)
  if (rule.max !== undefined) parts.push(`≤ ${formatNumber(rule.max)}`)
  return parts.length > 0 ? parts.join(' and ') : 'present'
}
