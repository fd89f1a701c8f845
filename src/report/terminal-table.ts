/**
 * One table, two renderings: markdown (a pull request, a job summary, a pipe or a file) and
 * aligned plain-text columns for a terminal, where a 10-column markdown table does not line up.
 * Cells are plain text here; each rendering makes them safe for where it goes.
 */
import { showBidiControls } from './log.js'
import { escape } from './markdown.js'

export interface Table {
  headers: readonly string[]
  /** One entry per header. */
  rows: ReadonlyArray<readonly Cell[]>
}

/**
 * Plain text (escaped for markdown), or text whose markdown is given as it is: a pull request
 * reference `#12` that should stay a link.
 */
export type Cell = string | { text: string; markdown: string }

const textOf = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.text)
const markdownOf = (cell: Cell): string => (typeof cell === 'string' ? escape(cell) : cell.markdown)

/** How the CLI prints a table: `md` (markdown) or `table` (aligned columns). */
export type TableFormat = 'md' | 'table'

export function renderTable(table: Table, format: TableFormat): string {
  return format === 'table' ? terminalTable(table) : markdownTable(table)
}

/** A GitHub markdown table: every cell escaped (user and registry text), left-aligned. */
export function markdownTable(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return (
    [
      line(table.headers),
      line(table.headers.map(() => ':--')),
      ...table.rows.map(row => line(row.map(markdownOf)))
    ].join('\n') + '\n'
  )
}

const GAP = '  '

/**
 * Columns padded to their widest cell, a rule of dashes under the header, no trailing spaces.
 * Line breaks and tabs inside a cell become spaces so a row stays one line and aligned; control characters are
 * dropped on the way out (report/log.ts `forTerminal`).
 */
export function terminalTable(table: Table): string {
  const rows = [table.headers, ...table.rows].map(row => row.map(cell => flat(textOf(cell))))
  const widths = table.headers.map((_, column) =>
    Math.max(...rows.map(row => width(row[column] ?? '')))
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - width(cell)))
      .join(GAP)
      .trimEnd()
  const [header = [], ...body] = rows
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n'
}

function flat(cell: string): string {
  // Bidi controls are shown as `<U+…>` on the way out (forTerminal): measured as shown.
  return showBidiControls(cell).replace(/\r\n|[\r\n\t\u0085\u2028\u2029]/g, ' ')
}

/** Columns a cell takes: code points, zero-width and combining characters take none. */
function width(cell: string): number {
  return [...cell.replace(/[\u200B-\u200D\u2060\uFEFF]|\p{M}/gu, '')].length
}
