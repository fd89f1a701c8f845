import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { errorMessage } from '../errors.js'
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
