/**
 * The sticky comment's metric history of the target stage: each policy metric over the last
 * holders of the stage (their promotions' audit records, read from the registry alone by
 * commands/stage-trend.ts), as one Mermaid chart a metric (report/chart.ts) and a table beside
 * them, the table being the accessible fallback and holding the exact names.
 */
import { errorMessage } from '../errors.js'
import { formatNumber } from '../gates/format.js'
import { chartable, mermaidXyChart } from './chart.js'
import { escape } from './markdown.js'
import { utcSeconds } from './registry-tables.js'
import { markdownTable } from './terminal-table.js'

/** Most holders the history shows. */
export const TREND_HOLDERS = 20

/** One promotion to the stage, as its audit record keeps it. */
export interface TrendHolder {
  version: string
  at: Date
  forced: boolean
  /** The candidate's metrics the record holds (those the gates used). */
  metrics: Record<string, number>
}

export interface StageTrend {
  stage: string
  /** The policy's metrics, in the policy's order. */
  metrics: readonly string[]
  /** The last promotions to the stage (at most TREND_HOLDERS), oldest first. */
  holders: readonly TrendHolder[]
}

/**
 * The section: a heading, a chart for each metric that at least one holder's record has (points
 * of the holders that have it), and the table. `chart: false` leaves the charts out; `rows` keeps
 * that many of the newest holders in the table. Undefined when there is nothing to show.
 */
export function renderTrend(
  trend: StageTrend | undefined,
  options: { chart?: boolean; rows?: number } = {}
): string | undefined {
  if (!trend || trend.holders.length === 0) return undefined
  const holders = trend.holders.slice(-TREND_HOLDERS)
  const metrics = trend.metrics.filter(metric => holders.some(h => hasMetric(h, metric)))
  if (metrics.length === 0) return undefined
  const count = holders.length
  const heading = `### ${escape(trend.stage)}: the last ${count === 1 ? 'promotion' : `${count} promotions`}`
  const blocks = [
    heading,
    `Each policy metric of the version promoted, as its promotion's audit record in the registry holds it, oldest first. The table is the same data as the chart${metrics.length === 1 ? '' : 's'}.`
  ]
  if (options.chart !== false) {
    for (const metric of metrics) {
      const points = holders.filter(
        h => hasMetric(h, metric) && chartable(h.metrics[metric] as number)
      )
      if (points.length === 0) continue // every value too large to chart: the table has them
      blocks.push(
        mermaidXyChart({
          title: metric,
          labels: points.map(h => h.version),
          yLabel: metric,
          series: [{ kind: 'line', values: points.map(h => h.metrics[metric] as number) }]
        })
      )
    }
  }
  const shown = holders.slice(Math.max(0, count - (options.rows ?? count)))
  const rows = shown.map(holder => [
    `${escape(holder.version)}${holder.forced ? ' (forced)' : ''}`,
    utcSeconds(holder.at),
    ...metrics.map(metric =>
      hasMetric(holder, metric) ? formatNumber(holder.metrics[metric] as number) : '—'
    )
  ])
  blocks.push(
    markdownTable({
      headers: ['Version', 'Promoted (UTC)', ...metrics.map(escape)],
      // Already markdown: kept as it is.
      rows: rows.map(row => row.map(cell => ({ text: cell, markdown: cell })))
    }).trimEnd()
  )
  return blocks.join('\n\n')
}

/** The warning when the registry's history cannot be read for the comment's metric history. */
export function trendUnreadable(error: unknown): string {
  return `The sticky comment shows no metric history: the registry's history could not be read (${errorMessage(error)}).`
}

function hasMetric(holder: TrendHolder, metric: string): boolean {
  const value = holder.metrics[metric]
  return typeof value === 'number' && Number.isFinite(value)
}
