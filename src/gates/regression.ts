import type { MetricGoal, RegressionRule } from '../policy/schema.js'
import { formatApart, formatNumber, formatPercent, plural } from './format.js'
import { readMetric, type MetricSource } from './metrics.js'
import type { GateResult, MetricCheck } from './types.js'

export interface RegressionContext {
  /** `stages.<stage>.regression`, in policy order. */
  rules: Record<string, RegressionRule>
  /** `policy.metrics`: the direction of each metric. */
  goals: Record<string, { goal: MetricGoal }>
  candidate: MetricSource
  /** The version holding the target stage; absent on a first promotion. */
  champion?: MetricSource & { label: string }
  /** The target stage, for messages. */
  stage: string
}

/**
 * Relative tolerance of the comparison. `0.9 - 0.895` is `0.005000000000000004` in binary
 * floating point, which would fail `max_drop: 0.005` by a rounding error; a worsening within
 * `1e-12 × max(|champion|, |candidate|)` of the allowance counts as within it. That is about
 * ten thousand times the rounding error of the subtraction and far below any difference a
 * metric can meaningfully show.
 */
export const RELATIVE_EPSILON = 1e-12

/**
 * The candidate against the champion, metric by metric, in the metric's direction: for
 * `maximize` the worsening is `champion − candidate`, for `minimize` it is
 * `candidate − champion`. `max_drop` bounds it in the metric's units, `max_relative_drop` as a
 * fraction of `|champion|`; with both, both must hold. A rule with neither allows no worsening.
 *
 * A champion of 0 with `max_relative_drop` allows no worsening at all (any fraction of 0 is 0);
 * the gate says so in its details.
 *
 * Fails closed: a candidate or champion value that is missing or unusable fails the metric, as
 * does a metric without a direction. With no champion (first promotion) the gate is `skipped`.
 */
export function regressionGate(context: RegressionContext): GateResult {
  const entries = Object.entries(context.rules)
  if (entries.length === 0) {
    return { gate: 'regression', status: 'skipped', summary: 'no regression limits configured' }
  }
  const champion = context.champion
  if (!champion) {
    return {
      gate: 'regression',
      status: 'skipped',
      summary: `no champion in ${context.stage} yet (first promotion), nothing to compare against`,
      checks: entries.map(([metric, rule]) => skippedCheck(metric, rule, context))
    }
  }

  const checks: MetricCheck[] = []
  const details: string[] = []
  for (const [metric, rule] of entries) {
    const { check, detail, note } = compareOne(metric, rule, context, champion)
    checks.push(check)
    if (detail) details.push(detail)
    if (note) details.push(note)
  }
  const failed = checks.filter(check => check.status === 'fail').length
  const result: GateResult = {
    gate: 'regression',
    status: failed > 0 ? 'fail' : 'pass',
    summary:
      failed > 0
        ? `${failed} of ${plural(entries.length, 'metric')} ${failed === 1 ? 'fails' : 'fail'} against champion ${champion.label}`
        : // Stryker disable next-line OptionalChaining: entries is not empty here
          `${entries.length === 1 ? `${entries[0]?.[0]} is` : `all ${entries.length} metrics are`} within the allowed regression vs champion ${champion.label}`,
    checks
  }
  if (details.length > 0) result.details = details
  return result
}

interface Comparison {
  check: MetricCheck
  /** Why it failed, as a sentence naming the metric. */
  detail?: string
  /** A fact worth knowing even when it passed. */
  note?: string
}

function compareOne(
  metric: string,
  rule: RegressionRule,
  context: RegressionContext,
  champion: MetricSource & { label: string }
): Comparison {
  // Stryker disable next-line OptionalChaining: hasOwn has just found the entry
  const goal = Object.hasOwn(context.goals, metric) ? context.goals[metric]?.goal : undefined
  const check: MetricCheck = { metric, rule: describeRegression(rule, goal), status: 'fail' }
  const candidateValue = readMetric(context.candidate, metric)
  const championValue = readMetric(champion, metric)
  if (candidateValue.ok) check.candidate = candidateValue.value
  if (championValue.ok) check.champion = championValue.value

  if (!goal) {
    check.problem = 'no direction under metrics'
    return {
      check,
      detail: `${metric} has no direction (maximize or minimize) under metrics; cannot compare`
    }
  }
  if (!candidateValue.ok || !championValue.ok) {
    const problems: string[] = []
    const sentences: string[] = []
    if (!candidateValue.ok) {
      problems.push(candidateValue.problem)
      sentences.push(`${metric} ${candidateValue.problem}`)
    }
    if (!championValue.ok) {
      problems.push(`champion's value ${championValue.problem}`)
      sentences.push(
        `${metric}: champion ${champion.label}'s value ${championValue.problem}, cannot compare`
      )
    }
    check.problem = problems.join('; ')
    return { check, detail: sentences.join('; ') }
  }

  const candidate = candidateValue.value
  const championNumber = championValue.value
  const worsening = goal === 'maximize' ? championNumber - candidate : candidate - championNumber
  const allowed = allowance(rule, championNumber)
  const epsilon = RELATIVE_EPSILON * Math.max(Math.abs(championNumber), Math.abs(candidate))
  const note =
    rule.max_relative_drop !== undefined && championNumber === 0
      ? `${metric}: the champion's value is 0, so max_relative_drop allows no ${worseningNoun(goal)}`
      : undefined

  if (worsening <= allowed + epsilon) {
    check.status = 'pass'
    return { check, note }
  }
  const verb = goal === 'maximize' ? 'dropped' : 'rose'
  const [shown, limit] = formatApart(worsening, allowed)
  check.problem =
    allowed === 0
      ? `${verb} ${shown}, no ${worseningNoun(goal)} allowed`
      : `${verb} ${shown}, more than the ${limit} allowed`
  const from = `${formatNumber(championNumber)} → ${formatNumber(candidate)}`
  return { check, detail: `${metric} ${check.problem} (${from})`, note }
}

/** The largest worsening the rule allows against this champion value: the tighter of the two limits. */
function allowance(rule: RegressionRule, champion: number): number {
  const limits: number[] = []
  if (rule.max_drop !== undefined) limits.push(rule.max_drop)
  if (rule.max_relative_drop !== undefined) limits.push(rule.max_relative_drop * Math.abs(champion))
  return limits.length > 0 ? Math.min(...limits) : 0
}

function skippedCheck(
  metric: string,
  rule: RegressionRule,
  context: RegressionContext
): MetricCheck {
  // Stryker disable next-line OptionalChaining: hasOwn has just found the entry
  const goal = Object.hasOwn(context.goals, metric) ? context.goals[metric]?.goal : undefined
  const check: MetricCheck = {
    metric,
    rule: describeRegression(rule, goal),
    status: 'skipped',
    problem: 'no champion yet'
  }
  const reading = readMetric(context.candidate, metric)
  if (reading.ok) check.candidate = reading.value
  else check.problem = `no champion yet; the candidate's value ${reading.problem}`
  return check
}

function worseningNoun(goal: MetricGoal): string {
  return goal === 'maximize' ? 'drop' : 'rise'
}

/** `drop ≤ 0.005`, `no drop`, `rise ≤ 10%`, `drop ≤ 0.005 and ≤ 1%`. */
export function describeRegression(rule: RegressionRule, goal: MetricGoal | undefined): string {
  const noun = goal ? worseningNoun(goal) : 'worsening'
  const none =
    rule.max_drop === 0 ||
    rule.max_relative_drop === 0 ||
    (rule.max_drop === undefined && rule.max_relative_drop === undefined)
  if (none) {
    return `no ${noun}`
  }
  const parts: string[] = []
  if (rule.max_drop !== undefined) parts.push(`≤ ${formatNumber(rule.max_drop)}`)
  if (rule.max_relative_drop !== undefined) parts.push(`≤ ${formatPercent(rule.max_relative_drop)}`)
  return `${noun} ${parts.join(' and ')}`
}
