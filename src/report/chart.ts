/**
 * A Mermaid `xychart-beta` chart as a fenced markdown block: a title, category labels on the x
 * axis and one or more series of numbers. Generic (the sticky comment's metric history uses it;
 * a canary chart can too) and safe for any text: every label and the title pass through
 * {@link mermaidText}, which keeps a small set of characters that mean nothing to Mermaid or to
 * markdown, so a version or metric name can neither end the code block, nor a quoted string,
 * nor add a Mermaid statement, a link or HTML. The exact names belong in the table shown beside
 * the chart (the accessible fallback), escaped for markdown there.
 */

export interface XyChart {
  title: string
  /** One label a point, in order (the x axis). */
  labels: readonly string[]
  /** The y axis's name. */
  yLabel?: string
  /** One value a label per series; a series of another length is refused. */
  series: ReadonlyArray<{ kind: 'line' | 'bar'; values: readonly number[] }>
}

/** Longest label kept, in characters; longer ones are cut and end in `...`. */
export const MAX_LABEL = 32

/**
 * Text Mermaid shows as it is inside a quoted string: ASCII letters and digits, space and
 * `. _ + / : ( ) =`; every other character (quotes, backticks, `]`, `,`, `;`, `#`, `%`,
 * `<`, `>`, `&`, line breaks, anything outside ASCII) becomes `_`, and a run of `-` one `-`
 * (no `-->`). Never empty.
 */
export function mermaidText(text: string, max = MAX_LABEL): string {
  const safe = [...text]
    .map(char => (/^[A-Za-z0-9 ._+/:()=-]$/.test(char) ? char : '_'))
    .join('')
    .replace(/-+/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
  const cut = [...safe].length > max ? `${[...safe].slice(0, max - 3).join('')}...` : safe
  return cut === '' ? '_' : cut
}

/**
 * Whether a value can be a point: finite and below 1e15 in size. Values come from audit records
 * anyone who can push a tag can write; 1e300 would stretch the axis past a finite range and be
 * printed with an exponent Mermaid does not read. Such a value stays in the table beside.
 */
export function chartable(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) < 1e15
}

/** A number as Mermaid reads it: finite, at most 6 significant digits, no exponent surprises. */
function mermaidNumber(value: number): string {
  const rounded = Number(value.toPrecision(6))
  const text = String(rounded)
  // 1e-7 or 1e+25: written out, as a plain decimal.
  return /e/i.test(text) ? rounded.toFixed(20).replace(/\.?0+$/, '') : text
}

/**
 * The chart as a ```` ```mermaid ```` block. Throws on a series whose length differs from the
 * labels' or that holds a value that is not finite: a chart never shows made-up points.
 */
export function mermaidXyChart(chart: XyChart): string {
  if (chart.labels.length === 0) throw new Error('a chart needs at least one point')
  const values = chart.series.flatMap(series => {
    if (series.values.length !== chart.labels.length) {
      throw new Error(
        `a series has ${series.values.length} values for ${chart.labels.length} labels`
      )
    }
    return series.values
  })
  if (values.some(value => !chartable(value))) {
    throw new Error('a chart shows finite numbers only')
  }
  const [low, high] = yRange(values)
  const quoted = (text: string) => `"${mermaidText(text)}"`
  const lines = [
    '```mermaid',
    'xychart-beta',
    `    title ${quoted(chart.title)}`,
    `    x-axis [${chart.labels.map(quoted).join(', ')}]`,
    `    y-axis ${chart.yLabel === undefined ? '' : `${quoted(chart.yLabel)} `}${mermaidNumber(low)} --> ${mermaidNumber(high)}`,
    ...chart.series.map(
      series => `    ${series.kind} [${series.values.map(mermaidNumber).join(', ')}]`
    ),
    '```'
  ]
  return lines.join('\n')
}

/** The y axis's range: the values with 5% room each side; a flat series gets room around it. */
function yRange(values: readonly number[]): [number, number] {
  const min = Math.min(...values)
  const max = Math.max(...values)
  const spread = max - min
  const room = spread > 0 ? spread * 0.05 : Math.abs(min) * 0.05 || 1
  return [min - room, max + room]
}
