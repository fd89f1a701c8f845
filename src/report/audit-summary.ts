/**
 * The job summary's audit section: each record a run made, as JSON in a collapsed block, and
 * where it was uploaded (audit/publish.ts uploads them and hands over what happened).
 */
import type { AuditRecord } from '../audit/record.js'
import { neutraliseCommands } from './log.js'
import { escapeHtml } from './markdown.js'

/** One record and what became of its upload (audit/publish.ts's `PublishedAudit`). */
export interface AuditSummaryEntry {
  record: AuditRecord
  /** The artifact name, when the upload succeeded. */
  artifact?: string
  /** Why the upload failed, when it did. */
  problem?: string
}

/** Longest record shown whole in the job summary (GitHub keeps at most 1 MiB per step). */
const SUMMARY_RECORD_LIMIT = 256 * 1024

/**
 * The job summary's audit section: each record as JSON, in a collapsed block. Every value in
 * the block's title is HTML-escaped (names and versions come from users); the JSON sits in a
 * fence longer than any run of backticks in it, so nothing inside renders.
 */
export function auditSummaryMarkdown(published: readonly AuditSummaryEntry[]): string {
  if (published.length === 0) return ''
  const blocks = published.map(({ record, artifact, problem }) => {
    const where = artifact
      ? `uploaded as artifact \`${artifact}\``
      : `not uploaded as an artifact (${problem ?? 'no artifact service'})`
    const stored = record.written
      ? 'stored in the registry with the change'
      : 'nothing was written to the registry'
    const title = `Audit record: ${record.kind} of ${record.model} ${record.version ?? ''} to ${record.to} (${record.decision}); ${stored}; ${where}`
    const json = summaryJson(record)
    const body =
      json === undefined
        ? `The record is too large for the job summary (over ${SUMMARY_RECORD_LIMIT / 1024} KiB): it is in the artifact${record.written ? ' and the registry' : ''}.`
        : [`${fenceFor(json)}json`, json, fenceFor(json)].join('\n')
    return [`<details><summary>${escapeHtml(title)}</summary>`, '', body, '', '</details>'].join(
      '\n'
    )
  })
  return `\n### Audit\n\n${blocks.join('\n\n')}\n`
}

/** The record as JSON within the limit: whole, else without its file list, else undefined. */
function summaryJson(record: AuditRecord): string | undefined {
  const json = JSON.stringify(record, null, 2)
  if (json.length <= SUMMARY_RECORD_LIMIT) return json
  const files = record.artifact?.files.length ?? 0
  const shorter = JSON.stringify(
    {
      ...record,
      artifact: record.artifact && {
        ...record.artifact,
        files: `${files} files, listed in the artifact and the registry`
      }
    },
    null,
    2
  )
  return shorter.length <= SUMMARY_RECORD_LIMIT ? shorter : undefined
}

/** A code fence longer than any run of backticks in the text (a reason may hold some). */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map(match => match[0].length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/**
 * The warning when a record's upload as a workflow artifact failed (a runner's artifact service
 * refused it): the record is still in the job summary, and in the registry when it was written.
 * A log line, so made unable to act as a workflow command.
 */
export function auditUploadWarning(
  record: Pick<AuditRecord, 'model' | 'version' | 'written'>,
  problem: string
): string {
  return neutraliseCommands(
    `The audit record of ${record.model} ${record.version ?? ''} was not uploaded as an artifact: ${problem}. It is in the job summary${record.written ? ' and the registry' : ''}.`
  )
}

/** The warning when the audit trail (summary, artifacts, notifications) could not be recorded. */
export function auditTrailFailedWarning(problem: string): string {
  return neutraliseCommands(`Recording the audit trail failed: ${problem}`)
}
