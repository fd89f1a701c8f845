import path from 'node:path'
import type { SourceLocation } from '../errors.js'
import { invalid } from './problems.js'
import type { CandidateFile, ChecksumReport } from './types.js'

/** Checksums file names recognised at the top of a candidate directory. */
export const CHECKSUM_FILE_NAMES = ['SHA256SUMS', 'sha256sums.txt', 'checksums.sha256'] as const

export interface ChecksumEntry {
  /** Normalised POSIX path relative to the candidate directory. */
  path: string
  /** Lower-case hex. */
  sha256: string
  /** 1-based line in the checksums file. */
  line: number
}

const GNU_LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/
const BSD_LINE = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/

/**
 * Parse a checksums file in the format `sha256sum` writes:
 *
 *     <64 hex>  path        (text mode)
 *     <64 hex> *path        (binary mode)
 *     SHA256 (path) = <64 hex>   (`sha256sum --tag`)
 *
 * A leading `./` is dropped, blank lines and a trailing CR are ignored, and a
 * line starting with `\` carries GNU's escaped file name (`\\`, `\n`, `\r`).
 * A malformed line, a path listed twice, and a path that is absolute or
 * leaves the directory (`../x`) are errors naming `file:line`. `file` names
 * the checksums file in errors.
 */
export function parseChecksums(text: string, file: string): ChecksumEntry[] {
  const entries: ChecksumEntry[] = []
  const locations: SourceLocation[] = []
  const firstLine = new Map<string, number>()
  const lines = text.split('\n')
  lines.forEach((raw, index) => {
    const line = index + 1
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (content.trim() === '') return
    const problem = (text: string): void => {
      locations.push({ file, line, column: 1, problem: text })
    }
    const escaped = content.startsWith('\\')
    const body = escaped ? content.slice(1) : content
    const match = GNU_LINE.exec(body) ?? BSD_LINE.exec(body)
    if (!match?.[1] || !match[2]) {
      problem('malformed line: expected "<64 hex digits>  <path>" as sha256sum writes')
      return
    }
    const [hash, name] = body.startsWith('SHA256 (') ? [match[2], match[1]] : [match[1], match[2]]
    const unescaped = escaped ? unescape(name) : name
    if (unescaped === undefined) {
      problem('malformed line: bad escape in the file name')
      return
    }
    const normalised = normalise(unescaped)
    if (normalised.kind === 'escapes') {
      problem(`the path ${JSON.stringify(unescaped)} is absolute or leaves the candidate directory`)
      return
    }
    if (normalised.kind === 'bad') {
      problem(`malformed line: ${JSON.stringify(unescaped)} is not a file path`)
      return
    }
    const first = firstLine.get(normalised.path)
    if (first !== undefined) {
      problem(`${normalised.path} is listed twice (first at line ${first})`)
      return
    }
    firstLine.set(normalised.path, line)
    entries.push({ path: normalised.path, sha256: hash.toLowerCase(), line })
  })
  if (locations.length > 0) throw invalid(`Invalid checksums file ${file}`, locations)
  return entries
}

/**
 * Compare listed checksums with the hashed files. Nothing here throws: a
 * missing file or a wrong hash is reported, and the artifact gate fails on it.
 * `checksumsFile` is the checksums file's own relative path, never "unlisted".
 */
export function verifyChecksums(
  checksumsFile: string,
  entries: readonly ChecksumEntry[],
  files: readonly CandidateFile[]
): ChecksumReport {
  const byPath = new Map(files.map(file => [file.path, file]))
  const listed = new Set<string>()
  const report: ChecksumReport = {
    file: checksumsFile,
    verified: [],
    missing: [],
    mismatched: [],
    unlisted: []
  }
  for (const entry of entries) {
    listed.add(entry.path)
    const file = byPath.get(entry.path)
    if (!file) report.missing.push(entry.path)
    else if (file.sha256 === entry.sha256) report.verified.push(entry.path)
    else report.mismatched.push({ path: entry.path, expected: entry.sha256, actual: file.sha256 })
  }
  for (const file of files) {
    if (!listed.has(file.path) && file.path !== checksumsFile) report.unlisted.push(file.path)
  }
  const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  report.verified.sort(order)
  report.missing.sort(order)
  report.mismatched.sort((a, b) => order(a.path, b.path))
  report.unlisted.sort(order)
  return report
}

/** GNU sha256sum's file-name escapes; undefined for an unknown escape. */
function unescape(name: string): string | undefined {
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const char = name[i]
    if (char !== '\\') {
      out += char
      continue
    }
    const next = name[++i]
    if (next === '\\') out += '\\'
    else if (next === 'n') out += '\n'
    else if (next === 'r') out += '\r'
    else return undefined
  }
  return out
}

type Normalised = { kind: 'ok'; path: string } | { kind: 'escapes' } | { kind: 'bad' }

function normalise(name: string): Normalised {
  if (name.includes('\0')) return { kind: 'bad' }
  // Absolute on any platform: /x, \x, C:\x, C:/x.
  if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name)) return { kind: 'escapes' }
  const normalised = path.posix.normalize(name)
  // A `..` segment is refused whichever separator it uses: on Windows `\` is one.
  if (normalised.split(/[\\/]/).includes('..')) return { kind: 'escapes' }
  if (normalised === '.' || normalised.endsWith('/')) return { kind: 'bad' }
  return { kind: 'ok', path: normalised }
}
