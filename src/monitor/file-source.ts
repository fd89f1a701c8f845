import { PromqlPlaceholderError, substitutePlaceholders } from './promql.js'
import { matches, parseSelector } from './selector.js'
import { MAX_SAMPLES, MAX_SERIES, checkSeriesCaps } from './limits.js'
import { MetricQueryError, MetricSourceError } from './types.js'
import type { MetricSource, RangeQuery, Sample, Series } from './types.js'

/**
 * A file of time series as a MetricSource, for teams whose metrics live outside Prometheus.
 * The trigger's query is a series selector (selector.ts), with the same placeholders as PromQL.
 * Samples are used as written (no resampling: `stepMs` is not used), those in `[start, end]`.
 *
 * JSON: `{"series": [{"metric": "error_rate", "labels": {"version": "v1"},
 *   "samples": [["2026-01-05T00:00:00Z", 0.01], [1767571260, "NaN"]]}]}`
 * CSV: a header `time,metric,value[,label…]`, then one sample a line; every column after
 * `value` is a label (an empty cell: the series has no such label).
 * A time is ISO 8601 with a zone, or Unix seconds; a value a number, or "NaN", "+Inf", "-Inf".
 * Any malformed line or entry makes the whole file a source failure, named by line or path:
 * a half-read file is never data.
 */

export interface FileSourceOptions {
  /** The path or URL, for messages. */
  name: string
  /** Reads the file's text; called once, on the first query. Throws MetricSourceError. */
  load: () => Promise<string>
}

export function fileSource(options: FileSourceOptions): MetricSource {
  let parsed: Promise<Series[]> | undefined
  return {
    description: `file ${options.name}`,
    async queryRange(range: RangeQuery): Promise<Series[]> {
      let selector: string
      try {
        selector = substitutePlaceholders(range.query, range.values)
      } catch (error) {
        if (error instanceof PromqlPlaceholderError) {
          throw new MetricQueryError(`the query is refused: ${error.message}`, { cause: error })
        }
        throw error
      }
      const matchers = parseSelector(selector)
      parsed ??= options.load().then(text => parseSeriesFile(options.name, text))
      const all = await parsed
      const found = all
        .filter(series => matches(series.labels, matchers))
        .map(series => ({
          labels: series.labels,
          samples: series.samples.filter(s => s.time >= range.start && s.time <= range.end)
        }))
        .filter(series => series.samples.length > 0)
      return checkSeriesCaps(found, options.name, {
        maxSeries: MAX_SERIES,
        maxSamples: MAX_SAMPLES
      })
    }
  }
}

/** The series of a JSON (by its first character) or CSV file. */
export function parseSeriesFile(name: string, text: string): Series[] {
  const body = text.replace(/^\uFEFF/, '')
  return body.trimStart().startsWith('{') ? parseJson(name, body) : parseCsv(name, body)
}

function parseJson(name: string, text: string): Series[] {
  const bad = (where: string, why: string) =>
    new MetricSourceError(`${where ? `${name} ${where}` : name}: ${why}`)
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new MetricSourceError(`${name} is not valid JSON: ${(error as Error).message}`)
  }
  const list = isRecord(document) ? document.series : undefined
  if (!Array.isArray(list)) throw bad('', 'must be an object with a "series" list')
  const byKey = new Map<string, Series>()
  list.forEach((entry: unknown, i) => {
    const at = `series[${i}]`
    if (!isRecord(entry)) throw bad(at, 'must be an object')
    if (typeof entry.metric !== 'string' || entry.metric === '') {
      throw bad(`${at}.metric`, 'must be a metric name')
    }
    const labels: Record<string, string> = {}
    if (entry.labels !== undefined) {
      if (!isRecord(entry.labels)) throw bad(`${at}.labels`, 'must be an object of strings')
      for (const [key, value] of Object.entries(entry.labels)) {
        if (typeof value !== 'string') throw bad(`${at}.labels.${key}`, 'must be a string')
        labels[key] = value
      }
    }
    labels.__name__ = entry.metric
    if (!Array.isArray(entry.samples)) throw bad(`${at}.samples`, 'must be a list')
    const samples = entry.samples.map((point: unknown, j) => {
      const where = `${at}.samples[${j}]`
      if (!Array.isArray(point) || point.length !== 2) throw bad(where, 'must be [time, value]')
      const time = readTime(point[0])
      if (time === undefined) throw bad(`${where}[0]`, `${show(point[0])} is not a time`)
      const value = readValue(point[1])
      if (value === undefined) throw bad(`${where}[1]`, `${show(point[1])} is not a number`)
      return { time, value }
    })
    addSeries(byKey, labels, samples)
  })
  return finish(byKey)
}

function parseCsv(name: string, text: string): Series[] {
  const rows = csvRows(name, text)
  const header = rows.shift()
  if (header === undefined || header.cells.length < 3) {
    throw new MetricSourceError(`${name}:1: the header must start with time,metric,value`)
  }
  const columns = header.cells.map(c => c.trim())
  if (columns[0] !== 'time' || columns[1] !== 'metric' || columns[2] !== 'value') {
    throw new MetricSourceError(`${name}:1: the header must start with time,metric,value`)
  }
  const labelNames = columns.slice(3)
  const byKey = new Map<string, Series>()
  for (const { line, cells } of rows) {
    if (cells.length === 1 && cells[0]?.trim() === '') continue
    const bad = (why: string) => new MetricSourceError(`${name}:${line}: ${why}`)
    if (cells.length !== columns.length) {
      throw bad(`has ${cells.length} cells, the header ${columns.length}`)
    }
    const [timeText, metric, valueText] = cells as [string, string, string]
    const time = readTime(/^\d+(\.\d+)?$/.test(timeText.trim()) ? Number(timeText) : timeText)
    if (time === undefined) throw bad(`${show(timeText)} is not a time`)
    const value = readValue(valueText.trim())
    if (value === undefined) throw bad(`${show(valueText)} is not a number`)
    if (metric.trim() === '') throw bad('has no metric name')
    const labels: Record<string, string> = {}
    labelNames.forEach((label, i) => {
      const cell = cells[i + 3] as string
      if (cell !== '') labels[label] = cell
    })
    labels.__name__ = metric.trim()
    addSeries(byKey, labels, [{ time, value }])
  }
  return finish(byKey)
}

/** RFC 4180 rows: quoted cells with "" for a quote, CRLF or LF line ends; the line each starts on. */
function csvRows(name: string, text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = []
  let cells: string[] = []
  let cell = ''
  let line = 1
  let rowLine = 1
  let i = 0
  let quoted = false
  while (i < text.length) {
    const char = text[i] as string
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"'
        i += 2
        continue
      }
      if (char === '"') quoted = false
      else {
        if (char === '\n') line++
        cell += char
      }
      i++
      continue
    }
    if (char === '"' && cell === '') quoted = true
    else if (char === ',') {
      cells.push(cell)
      cell = ''
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++
      cells.push(cell)
      rows.push({ line: rowLine, cells })
      cells = []
      cell = ''
      line++
      rowLine = line
    } else cell += char
    i++
  }
  if (quoted) throw new MetricSourceError(`${name}:${rowLine}: a quoted cell is not closed`)
  if (cell !== '' || cells.length > 0) {
    cells.push(cell)
    rows.push({ line: rowLine, cells })
  }
  return rows
}

function addSeries(byKey: Map<string, Series>, labels: Record<string, string>, samples: Sample[]) {
  const key = JSON.stringify(Object.entries(labels).sort())
  const known = byKey.get(key)
  if (known) known.samples.push(...samples)
  else byKey.set(key, { labels, samples: [...samples] })
}

function finish(byKey: Map<string, Series>): Series[] {
  return [...byKey.values()].map(series => ({
    labels: series.labels,
    samples: series.samples.sort((a, b) => a.time - b.time)
  }))
}

/** Unix seconds (a number) or ISO 8601 with a zone, as Unix milliseconds. */
function readTime(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? Math.round(value * 1000) : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  // A zone is required: a local time would mean something else on every runner.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return undefined
  }
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/** A number, or NaN and the infinities as Prometheus spells them; anything else is undefined. */
function readValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value !== 'string') return undefined
  if (value === 'NaN') return NaN
  if (value === '+Inf' || value === 'Inf') return Infinity
  if (value === '-Inf') return -Infinity
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value)) return undefined
  return Number(value)
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value))
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
