/**
 * The chart of a rollout: each trigger's value for the rollout's version (the candidate) and,
 * where the trigger compares with it, for the champion, from the rollout's start to the
 * evaluation time, as one Mermaid `xychart-beta` chart a series (report/chart.ts: two lines,
 * the candidate first) and a table beside it (time, the traffic share with the step boundaries
 * marked, candidate, champion). The table is the accessible fallback and holds the exact names
 * and every point; the chart shows only points where each of its lines has a finite value.
 * The command reads the series (commands/rollout-chart.ts); the text is worded here.
 */
import { errorMessage } from '../errors.js'
import { formatNumber } from '../gates/format.js'
import type { RolloutStepKind } from '../rollout/step-types.js'
import { chartable, mermaidXyChart } from './chart.js'
import { escape } from './markdown.js'
import { markdownTable } from './terminal-table.js'

/** Most points a series has over the rollout (the command picks its step so). */
export const CHART_POINTS = 24

/** Most series (triggers × segments) charted for one rollout; the rest are counted. */
export const MAX_CHART_SERIES = 6

export interface RolloutChartPoint {
  /** Unix milliseconds. */
  time: number
  /** The version's traffic share at that time (a shadow: 0). */
  percent: number
  /** Undefined where the source has no finite value at that time. */
  candidate?: number
  champion?: number
}

export interface RolloutChartSeries {
  trigger: string
  /** The `by:` label's value (`segment="eu"`), or the series' labels when a query answers several. */
  segment?: string
  /** The trigger compares with the champion (`baseline: champion`): a second line. */
  compared: boolean
  points: RolloutChartPoint[]
}

export interface RolloutChartStep {
  kind: RolloutStepKind
  percent: number
  /** Unix milliseconds. */
  at: number
}

export interface RolloutChart {
  version: string
  /** The rollout's stage, when the chart is shown away from the monitor's report (a pull request). */
  stage?: string
  champion?: string
  /** The rollout's start and the evaluation time, Unix milliseconds. */
  start: number
  end: number
  /** The distance between two points. */
  stepMs: number
  /** The rollout's steps, oldest first: the boundaries marked in the table. */
  steps: RolloutChartStep[]
  series: RolloutChartSeries[]
  /** Series left out beyond MAX_CHART_SERIES. */
  omitted: number
  /** Why there is no chart (the source failed for the chart's queries): a note, never a failure. */
  unavailable?: string
}

const pad = (n: number) => String(n).padStart(2, '0')

/** `04:10`, or `01-05 04:10` when the rollout spans more than a day. */
function timeLabel(time: number, long: boolean): string {
  const d = new Date(time)
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  return long ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}` : hm
}

/** `2026-01-05 04:10:00`. */
function utcText(time: number): string {
  return new Date(time)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')
}

const STEP_TEXT: Record<RolloutStepKind, string> = {
  start: 'start',
  advance: 'advance',
  hold: 'hold',
  abort: 'abort',
  complete: 'complete'
}

/** The share cell: the share, and each step taken since the previous point (a boundary). */
function shareCell(point: RolloutChartPoint, previous: number, steps: RolloutChartStep[]): string {
  const taken = steps.filter(s => s.at > previous && s.at <= point.time)
  if (taken.length === 0) return `${point.percent}%`
  const marks = taken.map(s => `${STEP_TEXT[s.kind]} ${s.percent}% at ${utcText(s.at)}`)
  return `**${point.percent}%** ← ${marks.join(', ')}`
}

const valueCell = (value: number | undefined) => (value === undefined ? '—' : formatNumber(value))

function seriesName(series: RolloutChartSeries): string {
  return series.segment === undefined ? series.trigger : `${series.trigger} ${series.segment}`
}

/**
 * One series: a heading, the chart (unless `chart: false`, or fewer than two points where
 * every line has a value) and the table.
 */
function seriesSection(
  chart: RolloutChart,
  series: RolloutChartSeries,
  options: { chart: boolean }
): string[] {
  const blocks = [`#### ${escape(seriesName(series))}`]
  const long = chart.end - chart.start > 24 * 3600_000
  const both = series.compared && chart.champion !== undefined
  const charted = series.points.filter(
    p =>
      p.candidate !== undefined &&
      chartable(p.candidate) &&
      (!both || (p.champion !== undefined && chartable(p.champion)))
  )
  if (options.chart && charted.length >= 2) {
    const lines = [{ kind: 'line' as const, values: charted.map(p => p.candidate as number) }]
    if (both) lines.push({ kind: 'line', values: charted.map(p => p.champion as number) })
    blocks.push(
      mermaidXyChart({
        title: seriesName(series),
        labels: charted.map(p => timeLabel(p.time, long)),
        series: lines
      })
    )
  }
  const headers = [
    'Time (UTC)',
    'Share',
    `${escape(chart.version)} (candidate)`,
    ...(both ? [`${escape(chart.champion as string)} (champion)`] : [])
  ]
  let previous = Number.NEGATIVE_INFINITY
  const rows = series.points.map(point => {
    const row = [
      utcText(point.time),
      shareCell(point, previous, chart.steps),
      valueCell(point.candidate),
      ...(both ? [valueCell(point.champion)] : [])
    ]
    previous = point.time
    // Already markdown (numbers, times, escaped names): kept as they are.
    return row.map(cell => ({ text: cell, markdown: cell }))
  })
  blocks.push(
    markdownTable({
      // Escaped above.
      headers,
      rows
    }).trimEnd()
  )
  return blocks
}

/**
 * The section of one rollout: a heading, what the lines are, then each series' chart and
 * table. `chart: false` leaves the Mermaid blocks out (the tables stay). Undefined when there
 * is nothing to show.
 */
export function renderRolloutChart(
  chart: RolloutChart | undefined,
  options: { chart?: boolean } = {}
): string | undefined {
  if (!chart) return undefined
  const version = `**${escape(chart.version)}**`
  const heading = `#### Chart: ${version} over the rollout, ${utcText(chart.start)} → ${utcText(chart.end)} UTC`
  if (chart.unavailable !== undefined) {
    return `${heading}\n\nNo chart: ${escape(chart.unavailable)}`
  }
  if (chart.series.length === 0) return undefined
  const champion =
    chart.champion === undefined
      ? 'No champion to compare with.'
      : `Where a trigger compares with the champion, the chart's second line is the champion **${escape(chart.champion)}** over the same times.`
  const blocks = [
    heading,
    `One point every ${formatDuration(chart.stepMs)}. The chart's first line is the candidate ${version}. ${champion} The table beside each chart holds the same numbers and every point (— where the source has no value; those points are left out of the chart); **bold** marks a step of the rollout since the row before.`
  ]
  for (const series of chart.series) {
    blocks.push(...seriesSection(chart, series, { chart: options.chart !== false }))
  }
  if (chart.omitted > 0) {
    blocks.push(
      `${chart.omitted} more ${chart.omitted === 1 ? 'series is' : 'series are'} not charted (at most ${MAX_CHART_SERIES} a rollout).`
    )
  }
  return blocks.join('\n\n')
}

/** `5m`, `1h30m`, `45s`. */
function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('')
  return parts || '0s'
}

/** The chart's data for `--json`: the points, times as ISO text. */
export function rolloutChartJson(chart: RolloutChart): Record<string, unknown> {
  return {
    start: new Date(chart.start).toISOString(),
    end: new Date(chart.end).toISOString(),
    stepMs: chart.stepMs,
    ...(chart.unavailable !== undefined ? { unavailable: chart.unavailable } : {}),
    omitted: chart.omitted,
    series: chart.series.map(series => ({
      trigger: series.trigger,
      ...(series.segment !== undefined ? { segment: series.segment } : {}),
      compared: series.compared,
      points: series.points.map(p => ({
        time: new Date(p.time).toISOString(),
        percent: p.percent,
        candidate: p.candidate ?? null,
        ...(series.compared ? { champion: p.champion ?? null } : {})
      }))
    }))
  }
}

/**
 * The sticky comment's section for a version promoted after a canary: its steps (time, step,
 * share) from the registry, then the chart and tables of its triggers over the rollout.
 * `chart: false` leaves the Mermaid blocks out. Undefined without a chart.
 */
export function renderPromotedRollout(
  chart: RolloutChart | undefined,
  options: { chart?: boolean } = {}
): string | undefined {
  if (!chart) return undefined
  const stage = chart.stage === undefined ? 'the canary' : escape(chart.stage)
  const steps = markdownTable({
    headers: ['Time (UTC)', 'Step', 'Share'],
    rows: chart.steps.map(s => [utcText(s.at), STEP_TEXT[s.kind], `${s.percent}%`])
  }).trimEnd()
  const blocks = [
    `### ${stage}: the rollout of **${escape(chart.version)}**`,
    `The steps as the registry records them, then each trigger of ${stage} over the rollout, read from its metric source now.`,
    steps
  ]
  const series = renderRolloutChart(chart, options)
  if (series !== undefined) blocks.push(series)
  else blocks.push(`No trigger series to chart: ${stage} has no rollout triggers.`)
  return blocks.join('\n\n')
}

/** The warning when the canary's steps cannot be read for the sticky comment's chart. */
export function rolloutChartUnreadable(error: unknown): string {
  return `The sticky comment shows no rollout chart: the canary's steps could not be read (${errorMessage(error)}).`
}
