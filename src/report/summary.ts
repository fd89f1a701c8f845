/**
 * The job summary's size bound. GitHub drops a step's summary over 1 MiB whole, so a run's
 * writes (the report, then the audit section) share one budget; a write that does not fit is
 * cut at a line, any code fence and `<details>` it leaves open are closed, and a note says
 * where the rest is.
 */
import { neutraliseCommands } from './log.js'

/** GitHub's limit for one step's summary, in bytes. */
export const SUMMARY_LIMIT = 1024 * 1024

/** Kept free below the limit: the note, the closing markup, line ends. */
const MARGIN = 4 * 1024

/** What the first write (the report) leaves for the later ones: two whole audit records. */
const LATER_WRITES = 520 * 1024

export const SUMMARY_SHORTENED_NOTE = [
  '> [!NOTE]',
  "> The job summary is shortened here to stay within GitHub's 1 MiB limit. The full report is the step's `report` output (`report-json` as JSON); each audit record is uploaded as a `modelgate-audit-…` artifact and, when the registry was written, stored in it."
].join('\n')

export interface SummaryBudget {
  /** `markdown` as it fits in what is left: whole, or cut with the note; '' once full. */
  fit(markdown: string): string
}

export function summaryBudget(limit = SUMMARY_LIMIT): SummaryBudget {
  let left = limit - MARGIN
  let writes = 0
  let full = false
  return {
    fit(markdown) {
      if (full) return ''
      const room = writes++ === 0 ? Math.min(left, Math.max(0, left - LATER_WRITES)) : left
      // @actions/core adds a line end to each write.
      const size = Buffer.byteLength(markdown) + 1
      if (size <= room) {
        left -= size
        return markdown
      }
      const shortened = shorten(markdown, room)
      left -= Buffer.byteLength(shortened) + 1
      // After the report, a later write still gets the room kept for it; after that, nothing.
      if (writes > 1) full = true
      return shortened
    }
  }
}

/** The longest run of whole lines within `bytes`, open markup closed, then the note. */
function shorten(markdown: string, bytes: number): string {
  const kept: string[] = []
  let used = 0
  for (const line of markdown.split('\n')) {
    const size = Buffer.byteLength(line) + 1
    if (used + size > bytes) break
    kept.push(line)
    used += size
  }
  return `${[...kept, ...closers(kept)].join('\n')}\n\n${SUMMARY_SHORTENED_NOTE}\n`
}

/** What closes the code fence and the `<details>` blocks left open by `lines`. */
function closers(lines: readonly string[]): string[] {
  let fence: string | undefined
  let details = 0
  for (const line of lines) {
    if (fence !== undefined) {
      if (new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(line)) fence = undefined
      continue
    }
    const opening = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (opening) {
      fence = opening[1]
      continue
    }
    details += (line.match(/<details\b/gi) ?? []).length
    details -= (line.match(/<\/details>/gi) ?? []).length
  }
  const close: string[] = []
  if (fence !== undefined) close.push(fence)
  for (let i = 0; i < details; i++) close.push('', '</details>')
  return close
}

/** The warning when the job summary could not be written (never a failed run). A log line. */
export function summaryFailedWarning(problem: string): string {
  return neutraliseCommands(`The job summary could not be written: ${problem}`)
}
