import type { CandidateFile, ChecksumReport } from '../candidate/types.js'
import type { ArtifactRulesPolicy } from '../policy/schema.js'
import { MIB, formatBytes, formatInteger, formatNumber, formatSize, plural } from './format.js'
import type { GateResult } from './types.js'

export interface ArtifactContext {
  /**
   * `stages.<stage>.artifact`. Absent when the stage sets none: a checksums file that came with
   * the candidate is then still verified, as with `checksums: optional`.
   */
  rules?: Partial<ArtifactRulesPolicy>
  files: Array<Pick<CandidateFile, 'path' | 'size'>>
  totalBytes: number
  /** The candidate reader's verification; absent when there was no checksums file. */
  checksums?: ChecksumReport
}

/** How many hex digits of a SHA-256 the messages show; the full hashes are in the audit record. */
const HASH_PREFIX = 12

/**
 * Integrity of the candidate files.
 *
 * - `require`: each listed path must exist, as a file or as a directory holding files.
 * - `max_size_mb`: total size ≤ the limit, in MiB (1,048,576 bytes), inclusive.
 * - checksums: a listed file that is missing or whose hash differs always fails. With
 *   `checksums: required`, a missing checksums file fails and so does every file it does not
 *   list. With `optional` (the default), no checksums file passes with a note that hashes were
 *   only recorded, and unlisted files are noted as not verified.
 *
 * Fails closed: with no files listed (a registry version, whose files are unknown) every rule
 * fails, as does `max_size_mb` on a total that is not a finite, non-negative number.
 *
 * Problems come first in the details, then the facts behind a pass.
 */
export function artifactGate(context: ArtifactContext): GateResult {
  const rules = context.rules ?? {}
  const checksumsRequired = rules.checksums === 'required'
  const problems: string[] = []
  const notes: string[] = []
  // A candidate always has files (metrics.json at least); none listed means they are unknown,
  // as for a registry version (`files: []`, `totalBytes: 0`), and nothing here can be verified.
  const unknownFiles = context.files.length === 0
  if (unknownFiles) {
    problems.push('no files are known for the candidate, so the artifact rules cannot be verified')
  }

  const present: string[] = []
  for (const wanted of rules.require ?? []) {
    if (exists(normalise(wanted), context.files)) present.push(wanted)
    else problems.push(`required file ${wanted} is missing`)
  }
  if (present.length > 0) {
    notes.push(`required ${present.length === 1 ? 'file' : 'files'} present: ${present.join(', ')}`)
  }

  if (rules.max_size_mb !== undefined) {
    const limit = rules.max_size_mb * MIB
    const size = formatSize(context.totalBytes)
    const limitText = `${formatNumber(rules.max_size_mb)} MiB`
    if (unknownFiles || !Number.isFinite(context.totalBytes) || context.totalBytes < 0) {
      problems.push('total size unknown')
    } else if (context.totalBytes > limit) {
      problems.push(
        `total size ${size} is over the ${limitText} limit (${formatInteger(Math.floor(limit))} bytes)`
      )
    } else {
      notes.push(`total size ${size}, limit ${limitText}`)
    }
  }

  const report = context.checksums
  if (report) {
    const before = problems.length
    for (const path of report.missing)
      problems.push(`${path} is listed in ${report.file} but missing`)
    for (const { path, expected, actual } of report.mismatched) {
      problems.push(
        `${path}: checksum mismatch, ${report.file} says ${short(expected)}, file has ${short(actual)}`
      )
    }
    for (const path of report.unlisted) {
      if (checksumsRequired) problems.push(`${path} is not listed in ${report.file}`)
      else notes.push(`${path} is not listed in ${report.file}, so it is not verified`)
    }
    if (problems.length === before) {
      const verb = report.verified.length === 1 ? 'matches' : 'match'
      notes.push(`${plural(report.verified.length, 'file')} ${verb} ${report.file}`)
    }
  } else if (checksumsRequired) {
    problems.push('no checksums file (the policy sets checksums: required)')
  } else if (!unknownFiles) {
    notes.push('no checksums file; hashes recorded only')
  }

  const failed = problems.length > 0
  let summary: string
  if (failed) {
    summary = `${plural(problems.length, 'problem')} with the candidate files`
  } else {
    summary = `${plural(context.files.length, 'file')}, ${formatBytes(context.totalBytes)}`
    summary += report ? `, checksums verified against ${report.file}` : ', no checksums file'
  }
  // Never empty: the checksums step always adds a problem or a note.
  const details = [...problems, ...notes]
  return { gate: 'artifact', status: failed ? 'fail' : 'pass', summary, details }
}

/** `./model/` → `model`, so policies can write paths either way. */
function normalise(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/\/+$/, '')
}

function exists(path: string, files: ArtifactContext['files']): boolean {
  return files.some(file => file.path === path || file.path.startsWith(`${path}/`))
}

function short(hash: string): string {
  return hash.length > HASH_PREFIX ? `${hash.slice(0, HASH_PREFIX)}…` : hash
}
