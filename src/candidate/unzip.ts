// Over 600 lines of hand-written zip parsing: issue 13 moves the parsing to yauzl and keeps
// only ModelGate's own rules (collisions, links, totals, CRC, the declared size bound) here.
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, writeFile, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'

/**
 * Reading and extracting a zip archive someone else made (a workflow artifact), fail-closed.
 *
 * Everything is decided on the central directory before a byte is written:
 * - an entry whose name is absolute, has a drive letter, a `..`, `.` or empty segment, a
 *   backslash or a control character is refused (no zip slip, no Windows-only escapes);
 * - so is a name Windows cannot hold, on every platform (a candidate must be portable, and the
 *   action runs on Windows runners too): a device name (`CON`, `nul.txt`, `COM1`), a segment
 *   ending in a dot or a space, or one of `<>:"|?*`;
 * - a symbolic link is refused, wherever it points: `@actions/artifact` uploads the file a
 *   link points to, never the link, so a link in an artifact was put there by hand;
 * - anything else that is not a regular file or a directory (by its Unix mode) is refused;
 * - encrypted entries, compression other than stored or deflate, entries spread over several
 *   disks, duplicate names and a file that is also a parent directory are refused;
 * - two paths that differ only in case or in Unicode normalisation (`Model.bin` and `model.bin`,
 *   `café` in NFC and in NFD, a file `a` and an entry `A/b`) are refused as duplicates: Windows
 *   and macOS would write them to one place;
 * - the sum of the declared uncompressed sizes must be within the limit.
 *
 * Extraction then trusts none of those claims: each entry is written with `wx` (never over an
 * existing path, never through a link), stops as soon as it inflates beyond its declared size,
 * and must end at exactly that size with the declared CRC-32. Names are taken from the central
 * directory and must match the local header's (no two readings of one archive). A file-system
 * error is a refusal naming the entry, never the temporary path it was written to.
 * Zip64 archives (over 4 GiB, or over 65,535 entries) are read.
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
  localHeaderOffset: number
  rawName: Buffer
}

export interface ZipDirectory {
  entries: ZipEntry[]
  /** Sum of the declared uncompressed sizes. */
  totalBytes: number
  /** Where the central directory starts: every entry's data must end before it. */
  centralDirectoryOffset: number
}

export interface ZipLimits {
  /** Most bytes the entries may expand to, in total. */
  maxBytes: number
  /** Most entries (files and directories). Default {@link DEFAULT_MAX_ZIP_ENTRIES}. */
  maxEntries?: number
}

/** An artifact with more entries than this is refused: inode exhaustion is a denial of service too. */
export const DEFAULT_MAX_ZIP_ENTRIES = 100_000
/** Largest central directory read into memory (100,000 entries with long names fit well within). */
const MAX_CENTRAL_DIRECTORY_BYTES = 64 * 1024 * 1024

const EOCD_SIGNATURE = 0x06054b50
const EOCD_SIZE = 22
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50
const ZIP64_LOCATOR_SIZE = 20
const ZIP64_EOCD_SIGNATURE = 0x06064b50
const ZIP64_EOCD_SIZE = 56
const CENTRAL_SIGNATURE = 0x02014b50
const CENTRAL_SIZE = 46
const LOCAL_SIGNATURE = 0x04034b50
const LOCAL_SIZE = 30
const ZIP64_EXTRA_ID = 0x0001
const U16_MAX = 0xffff
const U32_MAX = 0xffffffff

const HOST_UNIX = 3
const HOST_DARWIN = 19
const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

/** Read and vet the central directory of the zip file at `file`. Writes nothing. */
export async function readZipDirectory(file: string, limits: ZipLimits): Promise<ZipDirectory> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const end = await readEnd(handle, size)
    const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ZIP_ENTRIES
    if (end.entries > maxEntries) {
      throw new ZipRefusal(`has ${end.entries} entries, more than the ${maxEntries} allowed`)
    }
    if (end.directorySize > MAX_CENTRAL_DIRECTORY_BYTES) {
      throw new ZipRefusal(`has a central directory of ${end.directorySize} bytes; too large`)
    }
    const directory = await readAt(handle, end.directoryOffset, end.directorySize)
    const entries = parseCentralDirectory(directory, end.entries, end.directoryOffset)
    checkTree(entries)
    const totalBytes = entries.reduce((sum, entry) => sum + entry.size, 0)
    if (totalBytes > limits.maxBytes) {
      throw new ZipRefusal(
        `expands to ${totalBytes} bytes, above the limit of ${limits.maxBytes} bytes`
      )
    }
    return { entries, totalBytes, centralDirectoryOffset: end.directoryOffset }
  } finally {
    await handle.close()
  }
}

/**
 * Extract the vetted `zip` from `file` into `into`, a directory that must not exist yet (its
 * parent must). Throws ZipRefusal when the data does not match what the directory declared.
 */
export async function extractZip(file: string, zip: ZipDirectory, into: string): Promise<void> {
  let handle: FileHandle
  try {
    await mkdir(into)
    handle = await open(file, 'r')
  } catch (error) {
    const failure = systemFailure(error)
    if (failure === undefined) throw error
    throw new ZipRefusal(`could not be extracted (${failure})`)
  }
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
        const start = await dataStart(handle, entry, zip.centralDirectoryOffset)
        await extractEntry(file, start, entry, target, refusal)
      } catch (error) {
        throw classify(error, refusal)
      }
    }
  } finally {
    await handle.close()
  }
}

interface EndRecord {
  entries: number
  directoryOffset: number
  directorySize: number
}

async function readEnd(handle: FileHandle, size: number): Promise<EndRecord> {
  if (size < EOCD_SIZE) throw new ZipRefusal('is not a zip archive (too short)')
  const tailLength = Math.min(size, EOCD_SIZE + U16_MAX)
  const tailStart = size - tailLength
  const tail = await readAt(handle, tailStart, tailLength)
  let at = -1
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (
      tail.readUInt32LE(i) === EOCD_SIGNATURE &&
      i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length
    ) {
      at = i
      break
    }
  }
  if (at < 0) throw new ZipRefusal('is not a zip archive (no end of central directory record)')
  const eocdOffset = tailStart + at
  let disk = tail.readUInt16LE(at + 4)
  let directoryDisk = tail.readUInt16LE(at + 6)
  let entriesHere = tail.readUInt16LE(at + 8)
  let entries = tail.readUInt16LE(at + 10)
  let directorySize = tail.readUInt32LE(at + 12)
  let directoryOffset = tail.readUInt32LE(at + 16)
  let directoryEnd = eocdOffset
  const zip64 =
    entriesHere === U16_MAX ||
    entries === U16_MAX ||
    directorySize === U32_MAX ||
    directoryOffset === U32_MAX
  if (zip64) {
    if (eocdOffset < ZIP64_LOCATOR_SIZE) throw new ZipRefusal('has a damaged zip64 end record')
    const locator = await readAt(handle, eocdOffset - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE)
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) {
      throw new ZipRefusal('has a damaged zip64 end record (no locator)')
    }
    const recordOffset = safeNumber(locator.readBigUInt64LE(8))
    if (recordOffset + ZIP64_EOCD_SIZE > eocdOffset - ZIP64_LOCATOR_SIZE) {
      throw new ZipRefusal('has a damaged zip64 end record (out of bounds)')
    }
    const record = await readAt(handle, recordOffset, ZIP64_EOCD_SIZE)
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
      throw new ZipRefusal('has a damaged zip64 end record')
    }
    disk = record.readUInt32LE(16)
    directoryDisk = record.readUInt32LE(20)
    entriesHere = safeNumber(record.readBigUInt64LE(24))
    entries = safeNumber(record.readBigUInt64LE(32))
    directorySize = safeNumber(record.readBigUInt64LE(40))
    directoryOffset = safeNumber(record.readBigUInt64LE(48))
    directoryEnd = recordOffset
  }
  if (disk !== 0 || directoryDisk !== 0 || entriesHere !== entries) {
    throw new ZipRefusal('spans several disks')
  }
  if (directoryOffset + directorySize > directoryEnd) {
    throw new ZipRefusal('has a central directory that runs past its end record')
  }
  return { entries, directoryOffset, directorySize }
}

function parseCentralDirectory(
  directory: Buffer,
  count: number,
  directoryOffset: number
): ZipEntry[] {
  const entries: ZipEntry[] = []
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let p = 0
  for (let index = 0; index < count; index++) {
    if (p + CENTRAL_SIZE > directory.length || directory.readUInt32LE(p) !== CENTRAL_SIGNATURE) {
      throw new ZipRefusal(`has a damaged central directory (entry ${index + 1} of ${count})`)
    }
    const madeBy = directory.readUInt16LE(p + 4)
    const flags = directory.readUInt16LE(p + 8)
    const method = directory.readUInt16LE(p + 10)
    const crc = directory.readUInt32LE(p + 16)
    let compressedSize = directory.readUInt32LE(p + 20)
    let size = directory.readUInt32LE(p + 24)
    const nameLength = directory.readUInt16LE(p + 28)
    const extraLength = directory.readUInt16LE(p + 30)
    const commentLength = directory.readUInt16LE(p + 32)
    let diskStart = directory.readUInt16LE(p + 34)
    const externalAttributes = directory.readUInt32LE(p + 38)
    let localHeaderOffset = directory.readUInt32LE(p + 42)
    const nameStart = p + CENTRAL_SIZE
    const extraStart = nameStart + nameLength
    const next = extraStart + extraLength + commentLength
    if (next > directory.length) {
      throw new ZipRefusal(`has a damaged central directory (entry ${index + 1} of ${count})`)
    }
    const rawName = Buffer.from(directory.subarray(nameStart, extraStart))
    let name: string
    try {
      name = decoder.decode(rawName)
    } catch {
      throw new ZipRefusal(
        `has an entry whose name is not UTF-8 (${JSON.stringify(rawName.toString('latin1'))})`
      )
    }
    const refuse = (problem: string): never => {
      throw new ZipRefusal(`entry ${JSON.stringify(name)} ${problem}`, name)
    }

    if (
      size === U32_MAX ||
      compressedSize === U32_MAX ||
      localHeaderOffset === U32_MAX ||
      diskStart === U16_MAX
    ) {
      const extra = zip64Extra(directory.subarray(extraStart, extraStart + extraLength))
      if (!extra) refuse('has no zip64 sizes where it needs them')
      const fields = extra as Buffer
      let q = 0
      const take = (): number => {
        if (q + 8 > fields.length) refuse('has a truncated zip64 extra field')
        const value = safeNumber(fields.readBigUInt64LE(q))
        q += 8
        return value
      }
      if (size === U32_MAX) size = take()
      if (compressedSize === U32_MAX) compressedSize = take()
      if (localHeaderOffset === U32_MAX) localHeaderOffset = take()
      if (diskStart === U16_MAX) {
        if (q + 4 > fields.length) refuse('has a truncated zip64 extra field')
        diskStart = fields.readUInt32LE(q)
      }
    }

    const relative = checkName(name, refuse)
    const kind = entryKind(name, madeBy, externalAttributes, refuse)
    if (diskStart !== 0) refuse('lies on another disk')
    if ((flags & 0x1) !== 0) refuse('is encrypted')
    if (method !== 0 && method !== 8) {
      refuse(`uses compression method ${method}; only stored (0) and deflate (8) are read`)
    }
    if (kind === 'directory' && size !== 0) refuse('is a directory with content')
    if (method === 0 && compressedSize !== size) refuse('is stored with two different sizes')
    if (localHeaderOffset + LOCAL_SIZE + compressedSize > directoryOffset) {
      refuse('has data that runs into the central directory')
    }
    entries.push({
      name,
      path: relative,
      kind,
      method,
      size,
      compressedSize,
      crc32: crc,
      localHeaderOffset,
      rawName
    })
    p = next
  }
  return entries
}

function zip64Extra(extra: Buffer): Buffer | undefined {
  let p = 0
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p)
    const length = extra.readUInt16LE(p + 2)
    if (p + 4 + length > extra.length) return undefined
    if (id === ZIP64_EXTRA_ID) return extra.subarray(p + 4, p + 4 + length)
    p += 4 + length
  }
  return undefined
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

async function dataStart(
  handle: FileHandle,
  entry: ZipEntry,
  directoryOffset: number
): Promise<number> {
  const header = await readAt(handle, entry.localHeaderOffset, LOCAL_SIZE)
  const refuse = (problem: string): never => {
    throw new ZipRefusal(`entry ${JSON.stringify(entry.name)} ${problem}`, entry.name)
  }
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) refuse('has a damaged local header')
  const nameLength = header.readUInt16LE(26)
  const extraLength = header.readUInt16LE(28)
  const start = entry.localHeaderOffset + LOCAL_SIZE + nameLength + extraLength
  if (start + entry.compressedSize > directoryOffset) {
    refuse('has data that runs into the central directory')
  }
  const localName = await readAt(handle, entry.localHeaderOffset + LOCAL_SIZE, nameLength)
  if (!localName.equals(entry.rawName)) {
    refuse(`is named ${JSON.stringify(localName.toString('utf8'))} in its local header`)
  }
  return start
}

async function extractEntry(
  file: string,
  start: number,
  entry: ZipEntry,
  target: string,
  refusal: (problem: string) => ZipRefusal
): Promise<void> {
  if (entry.compressedSize === 0 && entry.method === 0) {
    await writeNew(target, entry, refusal)
    return
  }
  const source =
    entry.compressedSize === 0
      ? Readable.from([])
      : createReadStream(file, { start, end: start + entry.compressedSize - 1 })
  const guard = new SizeGuard(entry.size, () =>
    refusal(`expands beyond its declared ${entry.size} bytes`)
  )
  const sink = createWriteStream(target, { flags: 'wx' })
  if (entry.method === 8) await pipeline(source, zlib.createInflateRaw(), guard, sink)
  else await pipeline(source, guard, sink)
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

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  let read = 0
  while (read < length) {
    const { bytesRead } = await handle.read(buffer, read, length - read, position + read)
    if (bytesRead === 0) throw new ZipRefusal('is truncated')
    read += bytesRead
  }
  return buffer
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipRefusal('has an impossible size')
  return Number(value)
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
