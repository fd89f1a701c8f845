// A tiny zip writer for tests: real archives, including the ones no honest tool writes
// (`../` names, symbolic links, sizes that lie), so the reader can be tested against them.
// Independent of src/candidate/unzip.ts on purpose: its own CRC-32, its own layout.
import { deflateRawSync, inflateRawSync } from 'node:zlib'

export interface ZipEntrySpec {
  /** Stored as given, byte for byte (UTF-8); a trailing `/` makes a directory. */
  name: string
  /** File content; for a symlink, the link's target. */
  data?: string | Buffer
  /** Default: `directory` when the name ends in `/`, else `file`. */
  kind?: 'file' | 'directory' | 'symlink' | 'fifo'
  /** Default deflate for files with content, store otherwise. */
  method?: 'store' | 'deflate'
  /** Write this uncompressed size in the central directory instead of the true one. */
  declaredSize?: number
  /** Write this name in the local header instead of `name`. */
  localName?: string
}

export interface ZipOptions {
  /** Write zip64 records and extra fields for every entry, as for an archive over 4 GiB. */
  zip64?: boolean
  /**
   * Sizes and CRC in a data descriptor after the data, zeros in the local header, as the
   * streaming writer of `@actions/artifact` (archiver) does. Default true.
   */
  streamed?: boolean
}

const UNIX_MODES = { file: 0o100644, directory: 0o040755, symlink: 0o120777, fifo: 0o010644 }

/** A zip archive of `entries`, in order. */
export function makeZip(entries: readonly ZipEntrySpec[], options: ZipOptions = {}): Buffer {
  const zip64 = options.zip64 ?? false
  const streamed = options.streamed ?? true
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const spec of entries) {
    const kind = spec.kind ?? (spec.name.endsWith('/') ? 'directory' : 'file')
    const raw = Buffer.from(spec.data ?? '')
    const method = spec.method ?? (kind === 'file' && raw.length > 0 ? 'deflate' : 'store')
    const body = method === 'deflate' ? deflateRawSync(raw) : raw
    const crc = crc32(raw)
    const size = spec.declaredSize ?? raw.length
    const name = Buffer.from(spec.name)
    const localName = Buffer.from(spec.localName ?? spec.name)
    const flags = 0x0800 | (streamed ? 0x0008 : 0)
    const methodCode = method === 'deflate' ? 8 : 0

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(zip64 ? 45 : 20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(methodCode, 8)
    local.writeUInt32LE(streamed ? 0 : crc, 14)
    local.writeUInt32LE(streamed ? 0 : body.length, 18)
    local.writeUInt32LE(streamed ? 0 : size, 22)
    local.writeUInt16LE(localName.length, 26)
    local.writeUInt16LE(0, 28)
    parts.push(local, localName, body)
    let descriptor = Buffer.alloc(0)
    if (streamed) {
      descriptor = Buffer.alloc(zip64 ? 24 : 16)
      descriptor.writeUInt32LE(0x08074b50, 0)
      descriptor.writeUInt32LE(crc, 4)
      if (zip64) {
        descriptor.writeBigUInt64LE(BigInt(body.length), 8)
        descriptor.writeBigUInt64LE(BigInt(size), 16)
      } else {
        descriptor.writeUInt32LE(body.length, 8)
        descriptor.writeUInt32LE(size, 12)
      }
      parts.push(descriptor)
    }

    let extra = Buffer.alloc(0)
    if (zip64) {
      extra = Buffer.alloc(28)
      extra.writeUInt16LE(0x0001, 0)
      extra.writeUInt16LE(24, 2)
      extra.writeBigUInt64LE(BigInt(size), 4)
      extra.writeBigUInt64LE(BigInt(body.length), 12)
      extra.writeBigUInt64LE(BigInt(offset), 20)
    }
    const header = Buffer.alloc(46)
    header.writeUInt32LE(0x02014b50, 0)
    header.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4)
    header.writeUInt16LE(zip64 ? 45 : 20, 6)
    header.writeUInt16LE(flags, 8)
    header.writeUInt16LE(methodCode, 10)
    header.writeUInt32LE(crc, 16)
    header.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20)
    header.writeUInt32LE(zip64 ? 0xffffffff : size, 24)
    header.writeUInt16LE(name.length, 28)
    header.writeUInt16LE(extra.length, 30)
    const dosDirectory = kind === 'directory' ? 0x10 : 0
    header.writeUInt32LE(((UNIX_MODES[kind] << 16) | dosDirectory) >>> 0, 38)
    header.writeUInt32LE(zip64 ? 0xffffffff : offset, 42)
    central.push(header, name, extra)
    offset += local.length + localName.length + body.length + descriptor.length
  }

  const directory = Buffer.concat(central)
  const directoryOffset = offset
  const tail: Buffer[] = []
  if (zip64) {
    const record = Buffer.alloc(56)
    record.writeUInt32LE(0x06064b50, 0)
    record.writeBigUInt64LE(44n, 4)
    record.writeUInt16LE(45, 12)
    record.writeUInt16LE(45, 14)
    record.writeBigUInt64LE(BigInt(entries.length), 24)
    record.writeBigUInt64LE(BigInt(entries.length), 32)
    record.writeBigUInt64LE(BigInt(directory.length), 40)
    record.writeBigUInt64LE(BigInt(directoryOffset), 48)
    const locator = Buffer.alloc(20)
    locator.writeUInt32LE(0x07064b50, 0)
    locator.writeBigUInt64LE(BigInt(directoryOffset + directory.length), 8)
    locator.writeUInt32LE(1, 16)
    tail.push(record, locator)
  }
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8)
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10)
  end.writeUInt32LE(zip64 ? 0xffffffff : directory.length, 12)
  end.writeUInt32LE(zip64 ? 0xffffffff : directoryOffset, 16)
  return Buffer.concat([...parts, directory, ...tail, end])
}

let table: Uint32Array | undefined

/** CRC-32 (IEEE), bit by bit through a table: Node 20 before 20.15 has no zlib.crc32. */
export function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * The files of a zip by name, in central-directory order: a small reader for archives an honest
 * writer made (archiver's, in an uploaded artifact), checking each entry's CRC-32 and size.
 * Directories are left out; zip64 is not read.
 */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (end < 0) throw new Error('not a zip: no end of central directory record')
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const files = new Map<string, Buffer>()
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central header at ${at}`)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    const compressedSize = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    at += 46 + nameLength + extraLength + commentLength
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`${name}: no local header`)
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const stored = zip.subarray(start, start + compressedSize)
    if (name.endsWith('/')) continue
    const data = method === 8 ? inflateRawSync(stored) : method === 0 ? Buffer.from(stored) : null
    if (!data) throw new Error(`${name}: compression method ${method} is not read`)
    if (data.length !== size || crc32(data) !== crc)
      throw new Error(`${name}: size or CRC mismatch`)
    files.set(name, data)
  }
  return files
}
