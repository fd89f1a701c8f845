import type { TriggerPolicy } from '../policy/monitor.js'
import type { Sample, Series } from './types.js'

/**
 * The verdict of one trigger from its samples: healthy, inconclusive or breach, with the
 * evidence. Pure: data in, a decision and its numbers out; the source, the rollback and the
 * report live elsewhere.
 *
 * The rules, each fail-closed:
 * - A sample breaches when it is above `max` or below `min` (both bounds inclusive, as in the
 *   thresholds gate). NaN is never a valid sample. An infinity is a breaching sample when it is
 *   past a bound (a latency quantile of +Inf is above any `max`), otherwise not valid.
 * - A breach is `failure_limit` breaching samples in a row. Invalid samples neither extend nor
 *   end a run, so a NaN between two breaching samples cannot hide a breach; a sample within the
 *   bounds ends the run. A breach needs no `min_samples`: the run itself is the evidence.
 * - Healthy needs `min_samples` valid samples and no breach. Fewer, or no series at all, is no
 *   data: `inconclusive`, or `breach` where the policy says `no_data: breach`.
 * - A relative bound needs its baseline: a finite audit value, or exactly one previous-holder
 *   series with `min_samples` valid samples (their mean). Without it the verdict is
 *   inconclusive whatever `no_data` says: the watched version's data is not what is missing.
 * - Every series the query returned is judged alone; any breach makes the trigger a breach,
 *   and the trigger is healthy only if every series is.
 */

export type VerdictStatus = 'healthy' | 'inconclusive' | 'breach'

/** A stage's verdict: the trigger verdicts combined; in recovery, recovered or recovery-failed. */
export type StageVerdict =
  'healthy' | 'inconclusive' | 'breach' | 'recovered' | 'recovery-failed' | 'not-watched'

/** Why a breach only alerts. */
export type AlertReason =
  'action-alert' | 'cap-reached' | 'no-earlier-holder' | 'target-taken-out' | 'recovery-failed'

/** Why a trigger or series got its status. */
export type VerdictReason =
  | 'within-bounds'
  | 'breached'
  | 'no-series'
  | 'too-few-samples'
  | 'no-baseline'
  /** The source could not answer (evaluate.ts); never healthy, never a rollback. */
  | 'source-failure'

export type TriggerRule = Pick<
  TriggerPolicy,
  'name' | 'max' | 'min' | 'relative' | 'failure_limit' | 'min_samples' | 'no_data' | 'by'
>

/** The baseline a relative bound compares with, as the caller read it. */
export type BaselineInput =
  | { from: 'audit'; metric: string; value: number | undefined }
  /** The previous holder before the promotion, or a rollout's champion over the same window. */
  | { from: 'previous_holder' | 'champion'; series: Series[] }

export interface BaselineEvidence {
  from: 'audit' | 'previous_holder' | 'champion'
  /** The baseline value; absent when there was none usable (see `problem`). */
  value?: number
  /** previous_holder: how many valid samples the mean is of. */
  samples?: number
  problem?: string
}

/** The bounds samples were compared with; for a relative bound, computed from the baseline. */
export interface Bounds {
  min?: number
  max?: number
}

/** A breaching sample and which bound it broke. */
export interface BreachingSample extends Sample {
  bound: 'min' | 'max'
}

export interface SeriesVerdict {
  labels: Record<string, string>
  /** With `by`: the series' value of that label, the segment it stands for. */
  segment?: string
  /** With `by` and a champion baseline: this segment's own bounds and baseline. */
  bounds?: Bounds
  baseline?: BaselineEvidence
  status: VerdictStatus
  reason: VerdictReason
  /** Every sample the source returned, in time order, NaN and infinities included. */
  samples: Sample[]
  /** Samples that were numbers a bound could judge (finite, or an infinity past a bound). */
  valid: number
  /** NaN, and infinities not past a bound. */
  invalid: number
  /** The first run of `failure_limit` or more breaching samples, whole; absent without breach. */
  breachRun?: BreachingSample[]
  /** The longest run of breaching samples, whole (equal to breachRun's length on a breach). */
  longestRun: number
}

export interface TriggerVerdict {
  trigger: string
  status: VerdictStatus
  reason: VerdictReason
  /** One line a reader reads. */
  summary: string
  bounds?: Bounds
  baseline?: BaselineEvidence
  failureLimit: number
  minSamples: number
  series: SeriesVerdict[]
}

/** Judges one trigger's series (and, for a relative bound, its baseline). */
export function triggerVerdict(
  rule: TriggerRule,
  series: Series[],
  baseline?: BaselineInput
): TriggerVerdict {
  const base = {
    trigger: rule.name,
    failureLimit: rule.failure_limit,
    minSamples: rule.min_samples
  }
  if (series.length === 0) {
    return {
      ...base,
      status: noDataStatus(rule),
      reason: 'no-series',
      summary: `no data: the query matched no series (${noDataMeaning(rule)})`,
      series: []
    }
  }
  if (rule.by !== undefined && baseline?.from === 'champion') {
    return segmentedVerdict(rule, rule.by, series, baseline.series)
  }
  const resolved = resolveBounds(rule, baseline)
  if (resolved.bounds === undefined) {
    // Only a relative bound lacks bounds, and it always says why in its baseline evidence.
    const evidence = resolved.baseline as BaselineEvidence
    return {
      ...base,
      status: 'inconclusive',
      reason: 'no-baseline',
      summary: `no baseline: ${evidence.problem}`,
      baseline: evidence,
      // Counted without bounds, for the evidence; nothing is judged.
      series: series.map(s => ({
        ...seriesVerdict(rule, {}, s),
        status: 'inconclusive',
        reason: 'no-baseline'
      }))
    }
  }
  const judged = series.map(s =>
    withSegment(rule, seriesVerdict(rule, resolved.bounds as Bounds, s))
  )
  const result: TriggerVerdict = {
    ...base,
    ...combine(rule, judged),
    bounds: resolved.bounds,
    series: judged
  }
  if (resolved.baseline) result.baseline = resolved.baseline
  return result
}

/** The trigger's status, reason and summary from its series' verdicts. */
function combine(
  rule: TriggerRule,
  judged: SeriesVerdict[]
): Pick<TriggerVerdict, 'status' | 'reason' | 'summary'> {
  const breached = judged.filter(s => s.status === 'breach')
  const inconclusive = judged.filter(s => s.status === 'inconclusive')
  const realBreach = breached.find(s => s.reason === 'breached')
  if (realBreach) {
    const run = realBreach.breachRun as BreachingSample[]
    return {
      status: 'breach',
      reason: 'breached',
      summary: `${run.length} breaching samples in a row (limit ${rule.failure_limit})${seriesCount(breached.length, judged.length)}${segmentsText(rule, breached)}`
    }
  }
  const short = breached.length + inconclusive.length
  if (short > 0) {
    return {
      status: breached.length > 0 ? 'breach' : 'inconclusive',
      reason: 'too-few-samples',
      summary: `no data: fewer than ${rule.min_samples} valid samples${seriesCount(short, judged.length)}${segmentsText(rule, [...breached, ...inconclusive])} (${noDataMeaning(rule)})`
    }
  }
  const longest = Math.max(...judged.map(s => s.longestRun))
  return {
    status: 'healthy',
    reason: 'within-bounds',
    summary: `within bounds; longest breaching run ${longest} (limit ${rule.failure_limit})`
  }
}

function seriesCount(some: number, all: number): string {
  return all > 1 ? ` in ${some} of ${all} series` : ''
}

function noDataStatus(rule: TriggerRule): VerdictStatus {
  return rule.no_data === 'breach' ? 'breach' : 'inconclusive'
}

function noDataMeaning(rule: TriggerRule): string {
  return rule.no_data === 'breach' ? 'no_data: breach' : 'inconclusive'
}

function sortedSamples(samples: Sample[]): Sample[] {
  return [...samples].sort((a, b) => a.time - b.time)
}

/** The series' verdict under absolute bounds. */
export function seriesVerdict(rule: TriggerRule, bounds: Bounds, series: Series): SeriesVerdict {
  const samples = sortedSamples(series.samples)
  let valid = 0
  let run: BreachingSample[] = []
  let longestRun = 0
  let breachRun: BreachingSample[] | undefined
  for (const sample of samples) {
    const judged = judgeSample(sample.value, bounds)
    if (judged === 'invalid') continue
    valid++
    if (judged === 'within') {
      run = []
      continue
    }
    run.push({ ...sample, bound: judged })
    longestRun = Math.max(longestRun, run.length)
    // The first run to reach the limit is the breach; it keeps growing while it lasts.
    if (breachRun === undefined && run.length >= rule.failure_limit) breachRun = run
  }
  const verdict: SeriesVerdict = {
    labels: series.labels,
    status: 'healthy',
    reason: 'within-bounds',
    samples,
    valid,
    invalid: samples.length - valid,
    longestRun
  }
  if (breachRun !== undefined) {
    verdict.status = 'breach'
    verdict.reason = 'breached'
    verdict.breachRun = breachRun
  } else if (valid < rule.min_samples) {
    verdict.status = noDataStatus(rule)
    verdict.reason = 'too-few-samples'
  }
  return verdict
}

/** Whether one value is within the bounds, past one of them, or no usable number. */
export function judgeSample(value: number, bounds: Bounds): 'within' | 'min' | 'max' | 'invalid' {
  if (value > (bounds.max ?? Infinity)) return 'max'
  if (value < (bounds.min ?? -Infinity)) return 'min'
  // NaN fails every comparison above; an infinity that is past no bound is no measurement.
  return Number.isFinite(value) ? 'within' : 'invalid'
}

/**
 * The absolute bounds a rule means: its own `min`/`max`, or the relative bound applied to the
 * baseline: `baseline ± |baseline| × pct / 100`. `bounds` is absent when the baseline is unusable.
 */
export function resolveBounds(
  rule: TriggerRule,
  baseline: BaselineInput | undefined
): { bounds?: Bounds; baseline?: BaselineEvidence } {
  const relative = rule.relative
  if (relative === undefined) {
    const bounds: Bounds = {}
    if (rule.min !== undefined) bounds.min = rule.min
    if (rule.max !== undefined) bounds.max = rule.max
    return { bounds }
  }
  const evidence = baselineValue(relative.baseline, rule.min_samples, baseline)
  if (evidence.value === undefined) return { baseline: evidence }
  const value = evidence.value
  const bounds: Bounds = {}
  if (relative.max_decrease_pct !== undefined) {
    bounds.min = value - (Math.abs(value) * relative.max_decrease_pct) / 100
  }
  if (relative.max_increase_pct !== undefined) {
    bounds.max = value + (Math.abs(value) * relative.max_increase_pct) / 100
  }
  return { bounds, baseline: evidence }
}

function baselineValue(
  from: BaselineEvidence['from'],
  minSamples: number,
  input: BaselineInput | undefined
): BaselineEvidence {
  if (input === undefined || input.from !== from) {
    return { from, problem: `the ${from.replace('_', ' ')} baseline was not given` }
  }
  if (input.from === 'audit') {
    if (input.value === undefined) {
      return { from, problem: `the audit record holds no ${input.metric}` }
    }
    if (!Number.isFinite(input.value)) {
      return { from, problem: `the audit record's ${input.metric} is ${input.value}` }
    }
    return { from, value: input.value }
  }
  const whose = from === 'champion' ? 'the champion' : 'the previous holder'
  if (input.series.length !== 1) {
    const problem =
      input.series.length === 0
        ? `the query matched no series for ${whose}`
        : `the query matched ${input.series.length} series for ${whose}, not one`
    return { from, problem }
  }
  const values = (input.series[0] as Series).samples
    .map(s => s.value)
    .filter(v => Number.isFinite(v))
  if (values.length < minSamples) {
    return {
      from,
      samples: values.length,
      problem: `${whose} has ${values.length} valid samples, fewer than ${minSamples}`
    }
  }
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length
  if (!Number.isFinite(mean)) {
    return { from, samples: values.length, problem: `${whose}'s mean overflows` }
  }
  return { from, value: mean, samples: values.length }
}

/** `segment="eu"` for each segment of `series`, when the rule splits by a label. */
function segmentsText(rule: TriggerRule, series: readonly SeriesVerdict[]): string {
  if (rule.by === undefined || series.length === 0) return ''
  const names = series.map(s => `${rule.by}=${JSON.stringify(s.segment ?? '')}`)
  return ` (${names.join(', ')})`
}

function withSegment(rule: TriggerRule, verdict: SeriesVerdict): SeriesVerdict {
  return rule.by === undefined ? verdict : { ...verdict, segment: verdict.labels[rule.by] ?? '' }
}

/**
 * Per-segment comparison with the champion: each segment of the candidate against the mean of
 * the champion's same segment over the same window. A segment without its champion counterpart
 * (or with too few champion samples) is inconclusive; any breaching segment breaches the trigger.
 */
function segmentedVerdict(
  rule: TriggerRule,
  by: string,
  series: Series[],
  champion: Series[]
): TriggerVerdict {
  // Every segment either side reports is judged: a segment the champion serves and the
  // candidate sends nothing for (its pods stopped exporting) is no data, never skipped.
  const sent = new Set(series.map(s => s.labels[by] ?? ''))
  const silent = [...new Set(champion.map(c => c.labels[by] ?? ''))]
    .filter(segment => !sent.has(segment))
    .map(segment => ({ labels: { [by]: segment }, samples: [] }))
  const judged = [...series, ...silent].map(s => {
    const segment = s.labels[by] ?? ''
    const own = champion.filter(c => (c.labels[by] ?? '') === segment)
    const resolved = resolveBounds(rule, { from: 'champion', series: own })
    const evidence = resolved.baseline as BaselineEvidence
    if (resolved.bounds === undefined) {
      const counted = seriesVerdict(rule, {}, s)
      return {
        ...counted,
        segment,
        baseline: evidence,
        status: 'inconclusive' as const,
        reason: 'no-baseline' as const
      }
    }
    return {
      ...seriesVerdict(rule, resolved.bounds, s),
      segment,
      bounds: resolved.bounds,
      baseline: evidence
    }
  })
  const noBaseline = judged.filter(s => s.reason === 'no-baseline')
  const combined = combine(rule, judged)
  const result: TriggerVerdict = {
    trigger: rule.name,
    failureLimit: rule.failure_limit,
    minSamples: rule.min_samples,
    ...combined,
    baseline: { from: 'champion' },
    series: judged
  }
  if (combined.status !== 'breach' && noBaseline.length > 0) {
    const problem = noBaseline.map(
      s => `${by}=${JSON.stringify(s.segment)}: ${s.baseline?.problem ?? 'none'}`
    )
    return {
      ...result,
      status: 'inconclusive',
      reason: 'no-baseline',
      summary: `no champion baseline for ${problem.join('; ')}`
    }
  }
  return result
}
