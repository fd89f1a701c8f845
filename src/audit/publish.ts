import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { errorMessage } from '../errors.js'
import { escapeHtml } from '../report/markdown.js'
import { auditArtifactName, type AuditRecord } from './record.js'

/** Where a run's audit records go besides the registry: a workflow artifact per record. */
export interface AuditUploader {
  /** Uploads `files` (absolute paths under `root`) as the artifact `name`. */
  upload(name: string, files: string[], root: string): Promise<void>
}

export interface PublishedAudit {
  record: AuditRecord
  /** The artifact name, when the upload succeeded. */
  artifact?: string
  /** Why the upload failed, when it did. */
  problem?: string
}

/**
 * Uploads each record as `modelgate-audit-<model>-<version>-<run id>` holding `audit.json`.
 * Runs after the registry was written (or the attempt refused): a failed upload is reported,
 * never thrown, since the record is also in the job summary and (when written) the registry.
 */
export async function uploadAuditRecords(
  records: readonly AuditRecord[],
  runId: string,
  uploader: AuditUploader,
  /** `GITHUB_RUN_ATTEMPT`: a re-run of the same run gets its own names. */
  attempt = 1
): Promise<PublishedAudit[]> {
  const published: PublishedAudit[] = []
  const used = new Set<string>()
  for (const record of records) {
    const base = `${auditArtifactName(record, runId)}${attempt > 1 ? `-attempt${attempt}` : ''}`
    let dir: string | undefined
    try {
      dir = await mkdtemp(path.join(tmpdir(), 'modelgate-audit-'))
      const file = path.join(dir, 'audit.json')
      await writeFile(file, `${JSON.stringify(record, null, 2)}\n`)
      const root = dir
      published.push(
        await uploadUnderFreeName(base, used, name => uploader.upload(name, [file], root), record)
      )
    } catch (error) {
      // Writing the file failed: this record is not uploaded; the others still are.
      published.push({ record, problem: errorMessage(error) })
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true })
    }
  }
  return published
}

/** Names tried after `base` when it is taken: two records of one version in one run (a refusal, then a forced promotion), or two jobs of a matrix. */
const MAX_NAME_TRIES = 20

async function uploadUnderFreeName(
  base: string,
  used: Set<string>,
  upload: (name: string) => Promise<void>,
  record: AuditRecord
): Promise<PublishedAudit> {
  let problem = ''
  for (let n = 1; n <= MAX_NAME_TRIES; n++) {
    const name = n === 1 ? base : `${base}-${n}`
    if (used.has(name)) continue
    used.add(name)
    try {
      await upload(name)
      return { record, artifact: name }
    } catch (error) {
      problem = errorMessage(error)
      // Another job of this run took the name: try the next; any other failure is final.
      if (!/\b409\b|already exists|conflict/i.test(problem)) break
    }
  }
  return { record, problem }
}

/** Longest record shown whole in the job summary (GitHub keeps at most 1 MiB per step). */
const SUMMARY_RECORD_LIMIT = 256 * 1024

/**
 * The job summary's audit section: each record as JSON, in a collapsed block. Every value in
 * the block's title is HTML-escaped (names and versions come from users); the JSON sits in a
 * fence longer than any run of backticks in it, so nothing inside renders.
 */
export function auditSummaryMarkdown(published: readonly PublishedAudit[]): string {
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
