import { createWriteStream } from 'node:fs'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import type { ModelScan, ScannedStream } from './types.js'
import { SAFE_READ_FLAGS } from './reader.js'
import { scanPickle } from './pickle.js'
import { ByteReader, fileSource, streamSource } from './reader.js'

/**
 * The model-file scan: every candidate file is sniffed by its first bytes (and, for pickles
 * that carry no magic, its name), and what can hold code is read by opcode, never loaded:
 *
 * - a pickle (`\x80` + protocol 2–5, a `.pkl`/`.pickle`/`.joblib`/`.sav`/`.dill` name, or a
 *   protocol 0/1 stream opening with an import) — plain pickle, uncompressed joblib, legacy
 *   `torch.save`;
 * - a zip (PyTorch's `torch.save` format, `.npz`, `.mar`, a zip in a zip): every entry, sniffed
 *   the same way; in a PyTorch archive (one holding a `data.pkl`) the tensor storages under
 *   `data/` are raw numbers and are skipped; a zip inside a zip is copied to a temporary file
 *   (yauzl needs random access) and read, up to {@link MAX_DEPTH} levels;
 * - a NumPy `.npy` whose dtype holds objects (the array is a pickle after the header);
 * - gzip and zlib streams (joblib's `compress=` with gzip or zlib) are inflated in a stream and
 *   sniffed again; bz2, xz, lz4 (and lzma for pickle-named files) cannot be read here and fail
 *   closed, asking for another compression or none.
 *
 * Anything else (safetensors, ONNX, a numeric `.npy`, text) holds no code and yields no stream.
 * Memory stays flat: a file is read through one reusable buffer, payloads skipped unread.
 */

/** Zips in zips (in gzips) read at most this deep; deeper is refused. */
export const MAX_DEPTH = 4
/** Bytes sniffed at the start of a stream. */
const HEAD = 64

const PICKLE_NAME = /\.(?:pkl|pickle|joblib|sav|dill)$/i

/** Every candidate file's scan; `files` lists what to open (`openPath`) and how to name it (`path`). */
export async function scanModelFiles(
  files: ReadonlyArray<{ path: string; openPath: string }>,
  tempRoot: string = os.tmpdir()
): Promise<ModelScan> {
  const streams: ScannedStream[] = []
  for (const file of files) {
    streams.push(...(await scanFile(file.openPath, file.path, tempRoot)))
  }
  return { files: files.length, streams }
}

/** One file's streams (none when it holds no code). Throws only on a file-system error. */
export async function scanFile(
  openPath: string,
  displayPath: string,
  tempRoot: string = os.tmpdir()
): Promise<ScannedStream[]> {
  const handle = await open(openPath, SAFE_READ_FLAGS)
  try {
    const { size } = await handle.stat()
    const reader = new ByteReader(fileSource(handle, size))
    const out: ScannedStream[] = []
    const place: Place = { path: displayPath, within: [], depth: 0, tempRoot }
    const asFile = async (): Promise<TempFile> => ({ file: openPath, cleanup: async () => {} })
    await scanReader(reader, displayPath, place, out, asFile)
    return out
  } finally {
    await handle.close()
  }
}

interface Place {
  path: string
  within: string[]
  depth: number
  tempRoot: string
}

/** A file yauzl can open, with what removes it when it was a temporary copy. */
interface TempFile {
  file: string
  cleanup(): Promise<void>
}

type Kind = 'pickle' | 'zip' | 'npy' | 'gzip' | 'zlib' | 'none' | { unreadable: string }

/** What the first bytes of a stream (and its name) say it is. */
export function sniff(head: Buffer, name: string): Kind {
  const pickleName = PICKLE_NAME.test(name)
  const starts = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte)
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip'
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'npy'
  if (head[0] === 0x80 && (head[1] ?? 0xff) <= 5) return 'pickle'
  if (starts(0x1f, 0x8b)) return 'gzip'
  if (starts(0x42, 0x5a, 0x68) && head[3] !== undefined && head[3] >= 0x31 && head[3] <= 0x39) {
    return { unreadable: 'bz2' }
  }
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return { unreadable: 'xz' }
  if (starts(0x04, 0x22, 0x4d, 0x18)) return { unreadable: 'lz4' }
  if (pickleName) {
    // joblib's zlib output is a bare zlib stream; lzma-alone has no magic beyond its properties.
    if (head[0] === 0x78 && head.length > 1 && ((head[0] << 8) | (head[1] as number)) % 31 === 0) {
      return 'zlib'
    }
    if (starts(0x5d, 0x00, 0x00)) return { unreadable: 'lzma' }
    return 'pickle'
  }
  // Protocol 0 and 1 have no magic: an opening import (`cos\nsystem\n`, `(i…`) or container.
  const text = head.toString('latin1')
  if (/^\(?[ci][A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n/.test(text)) return 'pickle'
  // Protocol 1: EMPTY_DICT or EMPTY_LIST, then BINPUT 0.
  const protocol1 = (head[0] === 0x7d || head[0] === 0x5d) && head[1] === 0x71 && head[2] === 0
  if (/^\((?:d|l)p\d+\n/.test(text) || protocol1) return 'pickle'
  return 'none'
}

async function scanReader(
  reader: ByteReader,
  name: string,
  place: Place,
  out: ScannedStream[],
  asFile: () => Promise<TempFile>
): Promise<void> {
  await reader.fill(HEAD)
  const head = reader.buffer.subarray(reader.pos, reader.end).subarray(0, HEAD)
  const kind = sniff(head, name)
  const stream = (format: string): ScannedStream => ({
    path: place.path,
    ...(place.within.length > 0 ? { within: [...place.within] } : {}),
    format,
    imports: []
  })
  if (kind === 'none') return
  if (typeof kind === 'object') {
    out.push({
      ...stream(`${kind.unreadable}-compressed`),
      problem: {
        offset: 0,
        why: `compressed with ${kind.unreadable}, which the scan cannot read, so it may hold a pickle that was not checked; store it uncompressed or with gzip or zlib`
      }
    })
    return
  }
  if (kind === 'pickle') {
    const scan = await scanPickle(reader)
    out.push({
      ...stream(scan.pickles > 1 ? `${scan.pickles} pickles` : 'pickle'),
      imports: scan.imports,
      ...(scan.problem ? { problem: joblibHint(scan) } : {})
    })
    return
  }
  if (kind === 'npy') {
    await scanNpy(reader, stream, out)
    return
  }
  if (place.depth >= MAX_DEPTH) {
    out.push({
      ...stream(kind),
      problem: { offset: 0, why: `nested more than ${MAX_DEPTH} levels deep, not read` }
    })
    return
  }
  if (kind === 'gzip' || kind === 'zlib') {
    const inflated = Readable.from(drain(reader)).pipe(
      kind === 'gzip' ? zlib.createGunzip() : zlib.createInflate()
    )
    const inner: Place = {
      ...place,
      within: [...place.within, `(${kind})`],
      depth: place.depth + 1
    }
    const innerName = name.replace(/\.(?:gz|z|zlib)$/i, '')
    const innerReader = new ByteReader(streamSource(inflated))
    try {
      await scanReader(innerReader, innerName, inner, out, () => copyToTemp(innerReader, place))
    } catch (error) {
      out.push({
        ...stream(kind),
        problem: { why: `could not be decompressed (${message(error)})` }
      })
    }
    return
  }
  const zipFile = await asFile()
  try {
    await scanZip(zipFile.file, place, out, stream)
  } finally {
    await zipFile.cleanup()
  }
}

/** A joblib pickle with inline numpy arrays stops at the first array's bytes: say why. */
function joblibHint(scan: Awaited<ReturnType<typeof scanPickle>>): { offset: number; why: string } {
  const problem = scan.problem as { offset: number; why: string }
  const wrapper = scan.imports.find(i => i.name === 'NumpyArrayWrapper')
  if (!wrapper || problem.offset < wrapper.offset) return problem
  return {
    offset: problem.offset,
    why: `${problem.why}; joblib writes numpy arrays' raw bytes inside the pickle after each NumpyArrayWrapper, which this scan does not step over`
  }
}

async function scanNpy(
  reader: ByteReader,
  stream: (format: string) => ScannedStream,
  out: ScannedStream[]
): Promise<void> {
  const bad = (why: string) => out.push({ ...stream('npy'), problem: { offset: 0, why } })
  if (!(await reader.fill(10))) return void bad('truncated NumPy header')
  const major = reader.buffer[reader.pos + 6] as number
  const lengthBytes = major === 1 ? 2 : 4
  if (major < 1 || major > 3)
    return void bad(`NumPy format version ${major} is not one the scan reads`)
  const length =
    lengthBytes === 2
      ? reader.buffer.readUInt16LE(reader.pos + 8)
      : reader.buffer.readUInt32LE(reader.pos + 8)
  const start = 8 + lengthBytes
  if (length > 1024 * 1024 || !(await reader.fill(start + length))) {
    return void bad('NumPy header too long or truncated')
  }
  const header = reader.buffer
    .subarray(reader.pos + start, reader.pos + start + length)
    .toString('latin1')
  const descr = /['"]descr['"]\s*:\s*(.*?)\s*,\s*['"](?:fortran_order|shape)['"]/s.exec(header)?.[1]
  if (descr === undefined) return void bad('NumPy header without a readable descr')
  // An object field anywhere in the dtype ('|O', or inside a structured dtype) makes it a pickle.
  if (!/['"][|<>=]?O\d*['"]/.test(descr)) return
  reader.pos += start + length
  const scan = await scanPickle(reader)
  out.push({
    ...stream('npy object array'),
    imports: scan.imports,
    ...(scan.problem ? { problem: scan.problem } : {})
  })
}

async function scanZip(
  file: string,
  place: Place,
  out: ScannedStream[],
  stream: (format: string) => ScannedStream
): Promise<void> {
  let zip: ZipFile
  try {
    zip = await yauzl.openPromise(file, { autoClose: false, decodeStrings: false })
  } catch (error) {
    out.push({
      ...stream('zip'),
      problem: { why: `the zip could not be read (${message(error)})` }
    })
    return
  }
  const raw = await open(file, SAFE_READ_FLAGS)
  try {
    const entries: Entry[] = []
    for await (const entry of zip.eachEntry()) entries.push(entry)
    // Names only name things here (nothing is written), so a name that is not UTF-8 is shown lossily.
    const names = entries.map(entry => entry.fileName.toString('utf8'))
    const torchRoots = new Set(
      names.flatMap(name => {
        const match = /^(.*\/)?data\.pkl$/.exec(name)
        return match ? [match[1] ?? ''] : []
      })
    )
    for (const [index, entry] of entries.entries()) {
      const name = names[index] as string
      if (name.endsWith('/')) continue
      // PyTorch writes each tensor's storage as raw numbers under <root>/data/.
      const storage = /^(.*\/)?data\/[^/]+$/.exec(name)
      if (storage && torchRoots.has(storage[1] ?? '')) continue
      const inner: Place = {
        ...place,
        within: [...place.within, name],
        depth: place.depth + 1
      }
      try {
        const reader = await entryReader(zip, entry, raw)
        await scanReader(reader, name, inner, out, () => copyToTemp(reader, place))
      } catch (error) {
        out.push({
          path: place.path,
          within: inner.within,
          format: 'zip entry',
          imports: [],
          problem: { why: `could not be read (${message(error)})` }
        })
      }
    }
  } catch (error) {
    out.push({
      ...stream('zip'),
      problem: { why: `the zip could not be read (${message(error)})` }
    })
  } finally {
    zip.close()
    await raw.close()
  }
}

/**
 * An entry's bytes: a stored entry (PyTorch stores everything) straight from the zip file by
 * position, so its payloads are skipped unread as in a plain file; any other through yauzl's
 * inflating, size-checked stream.
 */
async function entryReader(zip: ZipFile, entry: Entry, raw: FileHandle): Promise<ByteReader> {
  if (entry.compressionMethod === 0 && (entry.generalPurposeBitFlag & 0x1) === 0) {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry)
    const end = fileDataStart + entry.compressedSize
    if (end > (await raw.stat()).size) throw new Error('the entry runs past the end of the zip')
    return new ByteReader(fileSource(raw, end, fileDataStart))
  }
  const data = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolve(opened)))
  )
  return new ByteReader(streamSource(data))
}

/** The rest of a reader's bytes, as chunks. */
async function* drain(reader: ByteReader): AsyncGenerator<Buffer> {
  while (await reader.fill(1)) {
    yield Buffer.from(reader.buffer.subarray(reader.pos, reader.end))
    reader.pos = reader.end
  }
}

/** A nested zip needs random access: its bytes go to a temporary file, removed once it is read. */
async function copyToTemp(reader: ByteReader, place: Place): Promise<TempFile> {
  const dir = await mkdtemp(path.join(place.tempRoot, 'modelgate-scan-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const file = path.join(dir, 'nested.zip')
    await pipeline(Readable.from(drain(reader)), createWriteStream(file, { flags: 'wx' }))
    return { file, cleanup }
  } catch (error) {
    await cleanup()
    throw error
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
