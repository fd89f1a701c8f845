import { createWriteStream } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TextDecoder } from 'node:util'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import yauzl, { type Entry, type ZipFile } from 'yauzl'

/**
 * Reading and extracting a zip archive someone else made (a workflow artifact), fail-closed.
 *
 * yauzl reads the archive's structure (end records, zip64, the central directory, local
 * headers, the data streams); the rules below are ModelGate's, and everything they decide is
 * decided on the central directory and local headers before a byte is written:
 * - an entry whose name is not UTF-8, is absolute, has a drive letter, a `..`, `.` or empty
 *   segment, a backslash or a control character is refused (no zip slip, no Windows escapes);
 * - so is a name Windows cannot hold, on every platform (a candidate must be portable, and the
 *   action runs on Windows runners too): a device name (`CON`, `nul.txt`, `COM1`), a segment
 *   ending in a dot or a space, or one of `<>:"|?*`;
 * - a symbolic link is refused, wherever it points: `@actions/artifact` uploads the file a
 *   link points to, never the link, so a link in an artifact was put there by hand;
 * - anything else that is not a regular file or a directory (by its Unix mode) is refused;
 * - encrypted entries, compression other than stored or deflate, archives spread over several
 *   disks, duplicate names and a file that is also a parent directory are refused;
 * - two paths that differ only in case or in Unicode normalisation (`Model.bin` and `model.bin`,
 *   `café` in NFC and in NFD, a file `a` and an entry `A/b`) are refused as duplicates: Windows
 *   and macOS would write them to one place;
 * - an entry's local header must carry the central directory's name (no two readings of one
 *   archive), and no two entries' records may overlap (no data shared between entries);
 * - the sum of the declared uncompressed sizes must be within the limit.
 *
 * Extraction then trusts none of those claims: each entry is written with `wx` (never over an
 * existing path, never through a link), stops as soon as it inflates beyond its declared size,
 * and must end at exactly that size with the declared CRC-32 (yauzl checks neither the CRC nor,
 * as configured here, the sizes: these checks are ModelGate's, with its messages). A file-system
 * error is a refusal naming the entry, never the temporary path it was written to.
 */

/** An archive or an entry in it is refused; `entry` is the name as stored in the archive. */
export class ZipRefusal extends Error {
  readonly entry: string | undefined

  constructor(message: string, entry?: string) {
    super(message)
    this.name = 'ZipRefusal'
    this.entry = entry
  }
}

export interface ZipEntry {
  /** The name as stored in the archive (for messages). */
  name: string
  /** POSIX path relative to the target directory, no trailing slash. */
  path: string
  kind: 'file' | 'directory'
  /** 0 stored, 8 deflate. */
  method: number
  size: number
  compressedSize: number
  crc32: number
  /** Where the entry's data starts in the file, after its local header. */
  dataStart: number
}

export interface ZipDirectory {
  entries: ZipEntry[]
  /** Sum of the declared uncompressed sizes. */
  totalBytes: number
}

export interface ZipLimits {
  /** Most bytes the entries may expand to, in total. */
  maxBytes: number
  /** Most entries (files and directories). Default {@link DEFAULT_MAX_ZIP_ENTRIES}. */
  maxEntries?: number
}

/** An artifact with more entries than this is refused: inode exhaustion is a denial of service too. */
export const DEFAULT_MAX_ZIP_ENTRIES = 100_000

const HOST_UNIX = 3
const HOST_DARWIN = 19
const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

/** Raw names and no size checks: the names and sizes are vetted here, with these messages. */
const YAUZL_OPTIONS = { autoClose: false, decodeStrings: false, validateEntrySizes: false }

/** Read and vet the central directory and local headers of the zip file at `file`. Writes nothing. */
export async function readZipDirectory(file: string, limits: ZipLimits): Promise<ZipDirectory> {
  const zip = await openZip(file)
  try {
    const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ZIP_ENTRIES
    if (zip.entryCount > maxEntries) {
      throw new ZipRefusal(`has ${zip.entryCount} entries, more than the ${maxEntries} allowed`)
    }
    const entries: ZipEntry[] = []
    const extents: Extent[] = []
    const decoder = new TextDecoder('utf-8', { fatal: true })
    for await (const raw of readEntries(zip)) {
      const { entry, extent } = await vetEntry(zip, raw, decoder)
      entries.push(entry)
      extents.push(extent)
    }
    checkTree(entries)
    checkExtents(extents)
    const totalBytes = entries.reduce((sum, entry) => sum + entry.size, 0)
    if (totalBytes > limits.maxBytes) {
      throw new ZipRefusal(
        `expands to ${totalBytes} bytes, above the limit of ${limits.maxBytes} bytes`
      )
    }
    return { entries, totalBytes }
  } finally {
    zip.close()
  }
}

/**
 * Extract the vetted `zip` from `file` into `into`, a directory that must not exist yet (its
 * parent must). Throws ZipRefusal when the data does not match what the directory declared.
 */
export async function extractZip(file: string, zip: ZipDirectory, into: string): Promise<void> {
  try {
    await mkdir(into)
  } catch (error) {
    const failure = systemFailure(error)
    if (failure === undefined) throw error
    throw new ZipRefusal(`could not be extracted (${failure})`)
  }
  const archive = await openZip(file)
  try {
    for (const entry of zip.entries) {
      const refusal = (problem: string): ZipRefusal =>
        new ZipRefusal(`entry ${JSON.stringify(entry.name)} ${problem}`, entry.name)
      const target = path.join(into, ...entry.path.split('/'))
      try {
        if (entry.kind === 'directory') {
          await mkdir(target, { recursive: true })
          continue
        }
        await mkdir(path.dirname(target), { recursive: true })
        await extractEntry(archive, entry, target, refusal)
      } catch (error) {
        throw classify(error, refusal)
      }
    }
  } finally {
    archive.close()
  }
}

/** yauzl's answer for an archive it cannot read, as a refusal; a file-system error as it is. */
async function openZip(file: string): Promise<ZipFile> {
  try {
    return await yauzl.openPromise(file, YAUZL_OPTIONS)
  } catch (error) {
    throw structureRefusal(error)
  }
}

async function* readEntries(zip: ZipFile): AsyncGenerator<Entry> {
  const iterator = zip.eachEntry()
  for (;;) {
    let next: IteratorResult<Entry>
    try {
      next = await iterator.next()
    } catch (error) {
      throw structureRefusal(error)
    }
    if (next.done) return
    yield next.value
  }
}

function structureRefusal(error: unknown): unknown {
  if (systemFailure(error) !== undefined || !(error instanceof Error)) return error
  if (/end of central directory record signature not found/i.test(error.message)) {
    return new ZipRefusal('is not a zip archive (no end of central directory record)')
  }
  if (/multi-disk/i.test(error.message)) return new ZipRefusal('spans several disks')
  if (/unexpected EOF/i.test(error.message)) return new ZipRefusal('is truncated')
  return new ZipRefusal(`is damaged (${error.message})`)
}

/** Bytes of the file an entry's records take: local header, name, extra field, data. */
interface Extent {
  name: string
  start: number
  end: number
}

async function vetEntry(
  zip: ZipFile,
  raw: Entry,
  decoder: TextDecoder
): Promise<{ entry: ZipEntry; extent: Extent }> {
  let name: string
  try {
    name = decoder.decode(raw.fileName)
  } catch {
    throw new ZipRefusal(
      `has an entry whose name is not UTF-8 (${JSON.stringify(raw.fileName.toString('latin1'))})`
    )
  }
  const refuse = (problem: string): never => {
    throw new ZipRefusal(`entry ${JSON.stringify(name)} ${problem}`, name)
  }
  const relative = checkName(name, refuse)
  const kind = entryKind(name, raw.versionMadeBy, raw.externalFileAttributes, refuse)
  const method = raw.compressionMethod
  const size = raw.uncompressedSize
  const compressedSize = raw.compressedSize
  if ((raw.generalPurposeBitFlag & 0x1) !== 0) refuse('is encrypted')
  if (method !== 0 && method !== 8) {
    refuse(`uses compression method ${method}; only stored (0) and deflate (8) are read`)
  }
  if (kind === 'directory' && size !== 0) refuse('is a directory with content')
  if (method === 0 && compressedSize !== size) refuse('is stored with two different sizes')

  let local: { fileDataStart: number; fileName: Buffer }
  try {
    local = await zip.readLocalFileHeaderPromise(raw)
  } catch (error) {
    const refused = structureRefusal(error)
    if (!(refused instanceof ZipRefusal)) throw refused
    refuse(`has a damaged local header (${refused.message})`)
    throw refused
  }
  if (!local.fileName.equals(raw.fileName)) {
    refuse(`is named ${JSON.stringify(local.fileName.toString('utf8'))} in its local header`)
  }
  return {
    entry: {
      name,
      path: relative,
      kind,
      method,
      size,
      compressedSize,
      crc32: raw.crc32,
      dataStart: local.fileDataStart
    },
    extent: {
      name,
      start: raw.relativeOffsetOfLocalHeader,
      end: local.fileDataStart + compressedSize
    }
  }
}

/**
 * No two entries may share bytes: an honest writer lays entries one after another, and
 * overlapping entries (one deflate stream read as many files) are how the densest zip bombs
 * are built. yauzl already bounds every entry by the end of the file.
 */
function checkExtents(extents: readonly Extent[]): void {
  const sorted = [...extents].sort((a, b) => a.start - b.start)
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1] as Extent
    const after = sorted[i] as Extent
    if (after.start < before.end) {
      throw new ZipRefusal(
        `entry ${JSON.stringify(after.name)} overlaps entry ${JSON.stringify(before.name)} ` +
          'in the archive (two entries sharing bytes)',
        after.name
      )
    }
  }
}

/**
 * Device names Windows reserves in every directory, whatever the extension and the case, and
 * with spaces before the extension (`CON`, `nul.txt`, `Com1 .log`). COM0, LPT0 and the
 * superscript digits are reserved too (Microsoft's "Naming Files, Paths, and Namespaces").
 */
const WINDOWS_DEVICE =
  /^(?:con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]) *(?:\.|$)/i

/**
 * The entry's POSIX path without a trailing slash; refuses any name that could escape or alias,
 * and any name Windows cannot hold, on every platform.
 */
function checkName(name: string, refuse: (problem: string) => never): string {
  if (name === '' || name === '/') refuse('has an empty name')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(name)) {
    refuse('has a backslash or a control character in its name')
  }
  if (name.startsWith('/')) refuse('is an absolute path')
  if (/^[A-Za-z]:/.test(name)) refuse('starts with a drive letter')
  if (/[<>:"|?*]/.test(name)) refuse('has a character Windows forbids in names (one of <>:"|?*)')
  const body = name.endsWith('/') ? name.slice(0, -1) : name
  for (const segment of body.split('/')) {
    if (segment === '..') refuse('escapes the target directory (a ".." segment)')
    if (segment === '' || segment === '.') refuse('has an empty or "." path segment')
    if (segment.endsWith('.') || segment.endsWith(' ')) {
      refuse(
        `has a segment ending in a dot or a space (${JSON.stringify(segment)}), which Windows drops`
      )
    }
    if (WINDOWS_DEVICE.test(segment)) {
      refuse(`has a segment Windows reserves for a device (${JSON.stringify(segment)})`)
    }
  }
  return body
}

function entryKind(
  name: string,
  madeBy: number,
  externalAttributes: number,
  refuse: (problem: string) => never
): 'file' | 'directory' {
  const host = madeBy >>> 8
  const type = host === HOST_UNIX || host === HOST_DARWIN ? (externalAttributes >>> 16) & S_IFMT : 0
  if (type === S_IFLNK) {
    refuse(
      'is a symbolic link; an artifact holds the files links point to, so a link is refused ' +
        'wherever it points'
    )
  }
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    refuse(`is neither a regular file nor a directory (Unix mode ${type.toString(8)})`)
  }
  if (type === S_IFDIR || name.endsWith('/')) return 'directory'
  return 'file'
}

/**
 * Refuse two entries with one path; two paths that a case-insensitive, normalisation-insensitive
 * file system (Windows, macOS) takes for one, counting the directories entries imply (`a` and
 * `A/b`); and a file that another entry needs as a directory (`a` and `a/b`).
 */
function checkTree(entries: readonly ZipEntry[]): void {
  const kinds = new Map<string, 'file' | 'directory'>()
  for (const entry of entries) {
    const seen = kinds.get(entry.path)
    if (seen === 'file' || (seen && entry.kind === 'file')) {
      throw new ZipRefusal(`entry ${JSON.stringify(entry.name)} appears twice`, entry.name)
    }
    kinds.set(entry.path, entry.kind)
  }
  const spellings = new Map<string, { path: string; entry: ZipEntry }>()
  for (const entry of entries) {
    let prefix = ''
    for (const segment of entry.path.split('/')) {
      prefix = prefix === '' ? segment : `${prefix}/${segment}`
      const key = foldName(prefix)
      const seen = spellings.get(key)
      if (!seen) {
        spellings.set(key, { path: prefix, entry })
      } else if (seen.path !== prefix) {
        throw new ZipRefusal(
          `entry ${JSON.stringify(entry.name)} collides with entry ${JSON.stringify(seen.entry.name)} ` +
            `on Windows and macOS: ${JSON.stringify(prefix)} and ${JSON.stringify(seen.path)} ` +
            `differ only ${difference(prefix, seen.path)}`,
          entry.name
        )
      }
    }
  }
  for (const entry of entries) {
    const segments = entry.path.split('/')
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/')
      if (kinds.get(parent) === 'file') {
        throw new ZipRefusal(
          `entry ${JSON.stringify(entry.name)} lies under ${JSON.stringify(parent)}, which is a file`,
          entry.name
        )
      }
    }
  }
}

/**
 * One spelling for the names a case-insensitive, normalisation-insensitive file system takes for
 * one: Unicode's canonical caseless match, with case folding approximated by upper- then
 * lower-casing (which folds more than any file system does: fail closed).
 */
function foldName(name: string): string {
  return name.normalize('NFD').toUpperCase().toLowerCase().normalize('NFD')
}

function difference(a: string, b: string): string {
  if (a.normalize('NFC') === b.normalize('NFC')) return 'in Unicode normalisation (NFC and NFD)'
  if (a.toLowerCase() === b.toLowerCase()) return 'in case'
  return 'in case or Unicode normalisation'
}

async function extractEntry(
  zip: ZipFile,
  entry: ZipEntry,
  target: string,
  refusal: (problem: string) => ZipRefusal
): Promise<void> {
  if (entry.compressedSize === 0) {
    if (entry.method !== 0) throw refusal('is damaged (no data)')
    await writeNew(target, entry, refusal)
    return
  }
  // yauzl 3.4.0's openReadStreamLowLevelPromise calls the wrong method; the callback form works.
  const source = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStreamLowLevel(
      entry.dataStart,
      entry.compressedSize,
      0,
      entry.compressedSize,
      entry.method === 8,
      entry.size,
      (error, stream) => (error ? reject(error) : resolve(stream))
    )
  )
  const guard = new SizeGuard(entry.size, () =>
    refusal(`expands beyond its declared ${entry.size} bytes`)
  )
  const sink = createWriteStream(target, { flags: 'wx' })
  await pipeline(source, guard, sink)
  if (guard.bytes !== entry.size) {
    throw refusal(`holds ${guard.bytes} bytes, not its declared ${entry.size}`)
  }
  if (guard.crc !== entry.crc32) throw refusal('is damaged (CRC-32 mismatch)')
}

async function writeNew(
  target: string,
  entry: ZipEntry,
  refusal: (problem: string) => ZipRefusal
): Promise<void> {
  if (entry.size !== 0 || entry.crc32 !== 0) throw refusal('is damaged (no data)')
  await writeFile(target, '', { flag: 'wx' })
}

/**
 * An error met while extracting one entry, as a refusal naming that entry. A file-system error's
 * message holds the temporary path, so only its code and call are kept.
 */
function classify(error: unknown, refusal: (problem: string) => ZipRefusal): unknown {
  if (error instanceof ZipRefusal) return error
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return refusal(`is damaged (${(error as Error).message})`)
  }
  const failure = systemFailure(error)
  if (failure === undefined) return error
  if (code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR') {
    return refusal(
      `collides with another entry on this file system, which takes two names for one (${failure})`
    )
  }
  return refusal(`could not be extracted (${failure})`)
}

/** `EACCES on mkdir` for a Node file-system error, without its path; undefined for any other. */
function systemFailure(error: unknown): string | undefined {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown }
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return undefined
  return typeof syscall === 'string' ? `${code} on ${syscall}` : code
}

/** Passes bytes through, computing their CRC-32; fails once more than `limit` bytes came. */
class SizeGuard extends Transform {
  bytes = 0
  crc = 0

  constructor(
    private readonly limit: number,
    private readonly over: () => Error
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length
    if (this.bytes > this.limit) {
      callback(this.over())
      return
    }
    this.crc = crc32(chunk, this.crc)
    callback(null, chunk)
  }
}

// zlib.crc32 arrived in Node 20.15 / 22.2; the CLI supports every Node 20.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32
let table: Uint32Array | undefined

/** CRC-32 (IEEE, as zip uses it) of `data`, continuing from `value`. */
export function crc32(data: Uint8Array, value = 0): number {
  if (nativeCrc32) return nativeCrc32(data, value)
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = ~value >>> 0
  for (const byte of data) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return ~crc >>> 0
}
