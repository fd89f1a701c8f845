import { errorMessage } from '../errors.js'
import type { PlaceholderValues } from '../monitor/promql.js'
import type { MetricSource, Series } from '../monitor/types.js'
import { durationMs, type MonitorPolicy, type TriggerPolicy } from '../policy/monitor.js'
import type { Policy } from '../policy/schema.js'
import type { Registry } from '../registry/port.js'
import {
  CHART_POINTS,
  MAX_CHART_SERIES,
  type RolloutChart,
  type RolloutChartSeries,
  type RolloutChartStep
} from '../report/rollout-chart.js'
import { rolloutState } from '../rollout/steps.js'

/**
 * The data of a rollout's chart (report/rollout-chart.ts): each trigger's query over the whole
 * rollout so far, for the candidate and, where the trigger compares with it (`baseline:
 * champion`), for the champion, at the trigger's step or coarser so a series has at most
 * CHART_POINTS points. Reads only; at most two range queries a trigger. Fails open: a source
 * that cannot answer leaves a note in place of the chart, never a failed run or a verdict.
 */

export interface ChartInput {
  triggers: readonly TriggerPolicy[]
  /** `$model`, `$version`, `$stage` of the rollout's version. */
  values: PlaceholderValues
  version: string
  champion?: string
  steps: readonly RolloutChartStep[]
  /** The rollout's start and the evaluation time, Unix milliseconds. */
  start: number
  end: number
}

const MINUTE = 60_000

/** The distance between two points: the trigger's step, or coarser (whole minutes) to fit CHART_POINTS. */
export function chartStepMs(start: number, end: number, triggerStepMs: number): number {
  const span = Math.max(0, end - start)
  const needed = Math.ceil(span / (CHART_POINTS - 1) / MINUTE) * MINUTE
  return Math.max(triggerStepMs, needed)
}

/** The share at `time`: the last step taken at or before it (0 before the start). */
function shareAt(steps: readonly RolloutChartStep[], time: number): number {
  let percent = 0
  for (const step of steps) if (step.at <= time) percent = step.percent
  return percent
}

/** A series' key: the `by` label's value, or its labels when the query answers several series. */
function keyOf(series: Series, trigger: TriggerPolicy, many: boolean): string | undefined {
  if (trigger.by !== undefined) return `${trigger.by}="${series.labels[trigger.by] ?? ''}"`
  if (!many) return undefined
  const labels = Object.entries(series.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}="${value}"`)
  return `{${labels.join(', ')}}`
}

function valueAt(series: Series | undefined, time: number): number | undefined {
  const sample = series?.samples.find(s => s.time === time)
  return sample !== undefined && Number.isFinite(sample.value) ? sample.value : undefined
}

export async function rolloutChart(source: MetricSource, input: ChartInput): Promise<RolloutChart> {
  const chart: RolloutChart = {
    version: input.version,
    ...(input.champion !== undefined ? { champion: input.champion } : {}),
    start: input.start,
    end: input.end,
    stepMs: 0,
    steps: [...input.steps],
    series: [],
    omitted: 0
  }
  // Whole seconds: Prometheus answers at the start plus whole steps, and the points are matched so.
  const start = Math.ceil(input.start / 1000) * 1000
  const values: PlaceholderValues =
    input.champion === undefined ? input.values : { ...input.values, champion: input.champion }
  try {
    for (const trigger of input.triggers) {
      // The policy schema has checked the step; a default keeps this total for typed callers.
      const stepMs = chartStepMs(start, input.end, durationMs(trigger.step) ?? MINUTE)
      chart.stepMs = Math.max(chart.stepMs, stepMs)
      const ask = (version: string) =>
        source.queryRange({
          query: trigger.query,
          values: { ...values, version },
          start,
          end: input.end,
          stepMs
        })
      const compared = trigger.relative?.baseline === 'champion' && input.champion !== undefined
      const candidate = await ask(input.version)
      const champion = compared ? await ask(input.champion as string) : []
      const many = candidate.length > 1
      const championOf = new Map(champion.map(s => [keyOf(s, trigger, champion.length > 1), s]))
      const times: number[] = []
      for (let time = start; time <= input.end; time += stepMs) times.push(time)
      // No data for the candidate at all: one series of empty points, so the table says so.
      const answered: Series[] = candidate.length > 0 ? candidate : [{ labels: {}, samples: [] }]
      for (const series of answered) {
        const key = keyOf(series, trigger, many)
        const theirs = compared ? championOf.get(key) : undefined
        const entry: RolloutChartSeries = {
          trigger: trigger.name,
          ...(key !== undefined ? { segment: key } : {}),
          compared,
          points: times.map(time => {
            const mine = valueAt(series, time)
            const other = valueAt(theirs, time)
            return {
              time,
              percent: shareAt(input.steps, time),
              ...(mine !== undefined ? { candidate: mine } : {}),
              ...(other !== undefined ? { champion: other } : {})
            }
          })
        }
        if (chart.series.length < MAX_CHART_SERIES) chart.series.push(entry)
        else chart.omitted++
      }
    }
  } catch (error) {
    // The chart is an illustration: the verdict was reached without it.
    return { ...chart, series: [], unavailable: errorMessage(error) }
  }
  return chart
}

/**
 * The chart of the canary a promotion follows: when `stage`'s `from` lists a canary stage, the
 * latest rollout of `version` there (its steps from the registry; its triggers over the whole
 * rollout from the canary's source, compared with `champion`, the holder the promotion
 * replaces). Undefined when no canary precedes the stage or `version` had no rollout there.
 * A source that cannot answer leaves the steps without series (`unavailable` says why); a
 * registry that cannot be read throws, for the caller to warn about.
 */
export async function promotedCanaryChart(
  registry: Registry,
  policy: Policy,
  request: {
    stage: string
    version: string
    champion?: string
    at: Date
    sourceFor: (monitor: MonitorPolicy, stage: string) => MetricSource
  }
): Promise<RolloutChart | undefined> {
  const canary = (policy.stages[request.stage]?.from ?? []).find(
    name => policy.stages[name]?.rollout?.type === 'canary'
  )
  const rollout = canary === undefined ? undefined : policy.stages[canary]?.rollout
  if (canary === undefined || !rollout) return undefined
  const state = rolloutState(await registry.rolloutSteps(policy.model, canary))
  if (!state || state.version !== request.version) return undefined
  const steps = state.steps.map(s => ({ kind: s.kind, percent: s.percent, at: s.at.getTime() }))
  const start = state.steps[0]?.at ?? state.since
  // An ended rollout is charted to its last step; a running one to now.
  const ended = state.phase === 'complete' || state.phase === 'aborted'
  const end = ended ? state.last.at.getTime() : request.at.getTime()
  const input: ChartInput = {
    triggers: rollout.triggers ?? [],
    values: { model: policy.model, version: request.version, stage: canary },
    version: request.version,
    ...(request.champion !== undefined ? { champion: request.champion } : {}),
    steps,
    start: start.getTime(),
    end
  }
  if (!rollout.triggers || !rollout.source) {
    return { ...(await rolloutChart(EMPTY_SOURCE, { ...input, triggers: [] })), stage: canary }
  }
  let source: MetricSource
  try {
    source = request.sourceFor(
      { source: rollout.source, triggers: rollout.triggers } as MonitorPolicy,
      canary
    )
  } catch (error) {
    return {
      ...(await rolloutChart(EMPTY_SOURCE, input)),
      stage: canary,
      unavailable: errorMessage(error)
    }
  }
  return { ...(await rolloutChart(source, input)), stage: canary }
}

/** No triggers to ask: the chart holds the steps alone. */
const EMPTY_SOURCE: MetricSource = { description: 'none', queryRange: async () => [] }
