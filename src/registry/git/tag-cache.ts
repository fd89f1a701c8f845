/**
 * A cache of parsed tag objects, keyed by tag object id, kept in the
 * repository's git directory, so that reading the registry costs one cheap
 * `git for-each-ref` (object id, object type, ref name: fields git answers
 * without opening a tag object; a bare `git for-each-ref` prints the same)
 * and one file read, instead of git inflating every tag object every time.
 *
 * Never stale: a tag object is content-addressed and immutable, so an entry
 * keyed by its id stays true; a moved, re-created or fetched tag has another
 * id and misses. Misses are read with ONE `git cat-file --batch --buffer` for
 * just those objects, parsed as git writes them (tag-objects.ts; tag-records.ts
 * parses them exactly as `for-each-ref` would) and handed to the caller's sink
 * in the listing's order as they come; the file is then rewritten atomically (temp file + rename) with
 * exactly the tags listed, so deleted tags leave it too. A cache file that is
 * missing, damaged (checksum, structure), of another format or byte order,
 * unreadable or unwritable is ignored: the read goes to the objects, never to
 * a wrong answer, never to a crash. Anything unexpected from `cat-file` falls
 * back to the one-process full read (`FOR_EACH_REF_ARGS`), whose answer (or
 * error) is the reference.
 *
 * Pipelined: the file holds the listing it was written for. While git lists
 * the tags, this process reads the file and feeds that listing's records to
 * the caller's sink (yielding now and then, so git's output is drained as it
 * comes); when git's listing is the same text (the steady state) the sink's
 * result is the answer, since records are a function of the listing and of
 * immutable objects. Otherwise it is dropped and the live listing is used.
 *
 * File layout (format 1), N annotated tags in the listing's order:
 *   `modelgate-tag-cache 1 <le|be> <N> <string table bytes> <listing bytes> <crc32 hex>\n`
 *   tagger times   N float64 (NaN: no tagger date), in the writer's byte order
 *   fields         N × 5 uint32: target type, target id, tagger name, tagger
 *                  e-mail (indexes into the string table), message length
 *   string table   JSON array of the distinct strings (commits, taggers repeat)
 *   listing        the `TAG_LIST_ARGS` listing, UTF-8
 *   messages       every message back to back, UTF-8
 * The crc32 covers everything after the header line. Loading is the read, a
 * checksum, two small copies, a small JSON.parse and the listing's decode: no
 * per-tag parsing; a message is decoded from the file's bytes only when read
 * (status reads its holders', history all). Measured at 10,000 tags (a 4.6 MB
 * file, 3.7 MB of it messages), CPU to load: JSON with the messages inline
 * ~8 ms, NDJSON ~9 ms, a JSON index without the messages ~3 ms; this layout
 * ~2.5 ms, plus ~2.5 ms to read the file.
 *
 * Where: a runner wrapped by `withTagCache(git, { cwd })` carries its
 * repository's location; the git directory is found by reading `.git` (a
 * directory, or a `gitdir: <path>` file as in linked worktrees and
 * submodules) from `cwd` upwards, without a git process, and the cache lives
 * in the common git directory, shared by all worktrees of the repository.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { commonDirOf, findGitDir } from './git-dir.js'
import type { GitRunner } from './runner.js'
import { gitOk } from './runner.js'
import type { ReadTagObject } from './tag-objects.js'
import { CAT_FILE_ARGS, CatFileBatchReader } from './tag-objects.js'
import type { TagRecord } from './tag-records.js'
import { FOR_EACH_REF_ARGS, parseForEachRef } from './tag-records.js'

export { findGitDir } from './git-dir.js'
export { CAT_FILE_ARGS, parseCatFileBatch } from './tag-objects.js'

/**
 * The steady-state read: no field here opens a tag object (`%(objecttype)`
 * reads an object's header only; a bare `git for-each-ref` prints it too).
 */
export const TAG_LIST_ARGS: readonly string[] = [
  'for-each-ref',
  '--format=%(objectname) %(objecttype) %(refname:lstrip=2)',
  'refs/tags'
]

/** The cache file's name inside the (common) git directory. */
export const TAG_CACHE_FILE = 'modelgate-tag-cache'

const MAGIC = 'modelgate-tag-cache'
const FORMAT = 1

/** Where a repository's tag cache lives. */
export interface TagCacheOptions {
  /** The git directory (what `git rev-parse --git-dir` prints), relative to `cwd` when relative. */
  gitDir?: string
  /** A directory of the work tree, or a bare repository: the git directory is found from here. */
  cwd?: string
}

const LOCATION = Symbol('modelgate.tagCache')
type LocatedRunner = GitRunner & { [LOCATION]?: TagCacheOptions }

/**
 * The same runner, carrying where its repository's tag cache lives, so that
 * `readState(git)` (and the adapter's every read) uses the cache.
 */
export function withTagCache(git: GitRunner, options: TagCacheOptions): GitRunner {
  const runner: LocatedRunner = (args, runOptions) => git(args, runOptions)
  runner[LOCATION] = { ...options }
  return runner
}

/** The tag cache location a runner carries, if any. */
export function tagCacheOf(git: GitRunner): TagCacheOptions | undefined {
  return (git as LocatedRunner)[LOCATION]
}

/** The cache file for these options; undefined when no git directory is found. */
export function tagCachePath(options: TagCacheOptions): string | undefined {
  const base = path.resolve(options.cwd ?? '.')
  const gitDir =
    options.gitDir !== undefined
      ? path.resolve(base, options.gitDir)
      : options.cwd !== undefined
        ? findGitDir(base)
        : undefined
  return gitDir === undefined ? undefined : path.join(commonDirOf(gitDir), TAG_CACHE_FILE)
}

// ---- the file ----------------------------------------------------------------

/** zlib.crc32 (Node ≥ 20.15); without it the cache is not used. */
const crc32Of: ((data: Uint8Array, value?: number) => number) | undefined =
  typeof zlib.crc32 === 'function'
    ? (data: Uint8Array, value = 0) => zlib.crc32(data, value)
    : undefined
const crc32 = crc32Of && ((data: Uint8Array) => crc32Of(data))

/** Numbers are stored in this machine's byte order; a file of the other order is ignored. */
const BYTE_ORDER = os.endianness()

/** Per annotated tag: target type, target id, tagger name, tagger e-mail (string indexes), message length. */
const INTS = 5

/** The listing line of a record: exactly what `TAG_LIST_ARGS` prints for it. */
function listingLine(record: TagRecord): string {
  return `${record.objectId} ${record.objectType} ${record.name}\n`
}

/**
 * The cache file's bytes for these records (every tag, in the listing's
 * order): the listing they make, and an entry per annotated tag.
 */
export function encodeTagCache(records: readonly TagRecord[]): Buffer {
  return Buffer.concat(encodeTagCacheParts(records))
}

/**
 * encodeTagCache's bytes in pieces, header first, to write without copying them together.
 * `listing`: the listing the records were read from, when the caller has it (the same text
 * the records make, not built again).
 */
function encodeTagCacheParts(records: readonly TagRecord[], listing?: string): Uint8Array[] {
  const crc = crc32Of
  if (!crc) throw new Error('The tag cache needs zlib.crc32 (Node 20.15 or later).')
  const tags = records.filter(r => r.objectType === 'tag')
  const count = tags.length
  const strings: string[] = []
  const stringIndex = new Map<string, number>()
  const intern = (value: string) => {
    let i = stringIndex.get(value)
    if (i === undefined) stringIndex.set(value, (i = strings.push(value) - 1))
    return i
  }
  const times = new Float64Array(count)
  const ints = new Uint32Array(count * INTS)
  // Neighbouring tags mostly share a tagger (and a target type): no look-up for a repeat.
  let last: TagRecord | undefined
  tags.forEach((tag, i) => {
    const k = i * INTS
    times[i] = tag.taggerTime ?? NaN
    ints[k] = last?.targetType === tag.targetType ? (ints[k - INTS] ?? 0) : intern(tag.targetType)
    ints[k + 1] = intern(tag.targetId)
    ints[k + 2] =
      last?.taggerName === tag.taggerName ? (ints[k + 2 - INTS] ?? 0) : intern(tag.taggerName)
    ints[k + 3] =
      last?.taggerEmail === tag.taggerEmail ? (ints[k + 3 - INTS] ?? 0) : intern(tag.taggerEmail)
    last = tag
  })
  const messages = messageBytes(tags, ints)
  const table = Buffer.from(JSON.stringify(strings), 'utf8')
  const listed = Buffer.from(listing ?? records.map(listingLine).join(''), 'utf8')
  const body = [new Uint8Array(times.buffer), new Uint8Array(ints.buffer), table, listed, messages]
  const header = [MAGIC, FORMAT, BYTE_ORDER, count, table.length, listed.length]
  header.push(body.reduce((sum, part) => crc(part, sum), 0).toString(16))
  return [Buffer.from(`${header.join(' ')}\n`, 'latin1'), ...body]
}

/**
 * The messages' UTF-8 bytes back to back, in one buffer (the file is written piece by piece,
 * and 10,000 small pieces are 10,000 writes), each copied once from where it lies (a cached
 * record's bytes, git's output) or encoded; each message's byte length goes to `ints`.
 */
function messageBytes(tags: readonly TagRecord[], ints: Uint32Array): Buffer {
  let total = 0
  tags.forEach((tag, i) => {
    const length =
      tag instanceof CachedTagRecord ? tag.messageLength : Buffer.byteLength(tag.message, 'utf8')
    ints[i * INTS + 4] = length
    total += length
  })
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const tag of tags) {
    at += tag instanceof CachedTagRecord ? tag.copyMessage(out, at) : out.write(tag.message, at)
  }
  return out
}

/** A loaded cache: typed arrays, a string table, the listing; messages stay bytes until read. */
export class TagCache {
  private byId: Map<string, number> | undefined

  private constructor(
    /** The listing this cache was written for. */
    readonly listing: string,
    private readonly times: Float64Array,
    private readonly ints: Uint32Array,
    private readonly strings: readonly string[],
    private readonly bytes: Buffer,
    /** Where each message starts in `bytes`; one more for the end of the last. */
    private readonly starts: Float64Array
  ) {}

  /** Annotated tags in the cache. */
  get size(): number {
    return this.times.length
  }

  /** The records of the cached listing, entry after entry; undefined if they do not pair up. */
  records(): TagRecord[] | undefined {
    const records: TagRecord[] = []
    let next = 0
    eachListed(this.listing, ref => {
      records.push(ref.objectType === 'tag' ? this.record(ref, next++) : lightweight(ref))
    })
    return next === this.size ? records : undefined
  }

  /** A record per listed ref; undefined where an annotated tag's object is not in the cache. */
  lookup(refs: readonly ListedRef[]): Array<TagRecord | undefined> {
    if (!this.byId) {
      const byId = new Map<string, number>()
      let next = 0
      eachListed(this.listing, ref => {
        if (ref.objectType === 'tag') byId.set(ref.objectId, next++)
      })
      this.byId = next === this.size ? byId : new Map()
    }
    const byId = this.byId
    return refs.map(ref => {
      if (ref.objectType !== 'tag') return lightweight(ref)
      const i = byId.get(ref.objectId)
      return i === undefined ? undefined : this.record(ref, i)
    })
  }

  private record(ref: ListedRef, i: number): TagRecord {
    const k = i * INTS
    const time = this.times[i] ?? NaN
    return new CachedTagRecord(
      ref.name,
      ref.objectId,
      this.strings[this.ints[k] ?? 0] ?? '',
      this.strings[this.ints[k + 1] ?? 0] ?? '',
      this.strings[this.ints[k + 2] ?? 0] ?? '',
      this.strings[this.ints[k + 3] ?? 0] ?? '',
      Number.isNaN(time) ? undefined : time,
      this.bytes,
      this.starts[i] ?? 0,
      this.starts[i + 1] ?? 0
    )
  }

  /** Parses a cache file; undefined unless it is an intact cache of this format and byte order. */
  static decode(bytes: Buffer): TagCache | undefined {
    if (!crc32) return undefined
    const newline = bytes.indexOf(10)
    if (newline < 0 || newline > 160) return undefined
    const header = bytes.toString('latin1', 0, newline).split(' ')
    if (header.length !== 7 || header[0] !== MAGIC || header[1] !== String(FORMAT)) return undefined
    if (header[2] !== BYTE_ORDER) return undefined
    const [count = NaN, stringsLength = NaN, listingLength = NaN] = header.slice(3, 6).map(Number)
    if (![count, stringsLength, listingLength].every(n => Number.isSafeInteger(n) && n >= 0))
      return undefined
    const body = bytes.subarray(newline + 1)
    if (body.length < count * (8 + 4 * INTS) + stringsLength + listingLength) return undefined
    if (crc32(body).toString(16) !== header[6]) return undefined

    let at = newline + 1
    const take = (length: number) => bytes.subarray(at, (at += length))
    const times = new Float64Array(count)
    new Uint8Array(times.buffer).set(take(count * 8))
    const ints = new Uint32Array(count * INTS)
    new Uint8Array(ints.buffer).set(take(count * 4 * INTS))
    let strings: unknown
    try {
      strings = JSON.parse(take(stringsLength).toString('utf8'))
    } catch {
      return undefined
    }
    if (!Array.isArray(strings) || !strings.every(v => typeof v === 'string')) return undefined
    const listing = take(listingLength).toString('utf8')

    const starts = new Float64Array(count + 1)
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < 4; j++) {
        if ((ints[i * INTS + j] ?? Infinity) >= strings.length) return undefined
      }
      starts[i] = at
      at += ints[i * INTS + 4] ?? 0
    }
    starts[count] = at
    if (at !== bytes.length) return undefined
    return new TagCache(listing, times, ints, strings as string[], bytes, starts)
  }
}

/** A record read from the cache; its message is decoded from the file's bytes when first read. */
export class CachedTagRecord implements TagRecord {
  readonly objectType = 'tag'
  #message: string | undefined

  constructor(
    readonly name: string,
    readonly objectId: string,
    readonly targetType: string,
    readonly targetId: string,
    readonly taggerName: string,
    readonly taggerEmail: string,
    readonly taggerTime: number | undefined,
    private readonly bytes: Buffer,
    private readonly start: number,
    private readonly end: number
  ) {}

  get message(): string {
    return (this.#message ??= this.bytes.toString('utf8', this.start, this.end))
  }

  /** The message's length in bytes. */
  get messageLength(): number {
    return this.end - this.start
  }

  /** Copies the message's bytes as stored into `target` at `at`, to store again without decoding. */
  copyMessage(target: Buffer, at: number): number {
    return this.bytes.copy(target, at, this.start, this.end)
  }
}

/** The cache at `file`; undefined when it is absent, unreadable or not an intact cache. */
export function loadTagCache(file: string): TagCache | undefined {
  try {
    return TagCache.decode(readFileSync(file))
  } catch {
    return undefined
  }
}

/** Writes the cache for these records atomically (temp file + rename); false when it could not. */
export async function saveTagCache(
  file: string,
  records: readonly TagRecord[],
  listing?: string
): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temp, encodeTagCacheParts(records, listing), { flag: 'wx' })
    await rename(temp, file)
    return true
  } catch {
    await rm(temp, { force: true }).catch(() => undefined)
    return false
  }
}

// ---- git output ----------------------------------------------------------------

/** One line of the listing. */
export interface ListedRef {
  /** Without `refs/tags/`. */
  name: string
  objectType: string
  objectId: string
}

/** Parses `TAG_LIST_ARGS` output (ref names hold no spaces). Throws on a line it cannot split. */
export function parseTagList(stdout: string): ListedRef[] {
  const refs: ListedRef[] = []
  eachListed(stdout, ref => refs.push({ ...ref }))
  return refs
}

/** Calls `visit` with each line of a listing, in one reused object. */
function eachListed(stdout: string, visit: (ref: Readonly<ListedRef>) => void): void {
  const ref: ListedRef = { name: '', objectType: '', objectId: '' }
  let pos = 0
  while (pos < stdout.length) {
    let eol = stdout.indexOf('\n', pos)
    if (eol < 0) eol = stdout.length
    const a = stdout.indexOf(' ', pos)
    const b = a < 0 || a > eol ? -1 : stdout.indexOf(' ', a + 1)
    if (b < 0 || b > eol) {
      throw new Error(
        `Cannot read the tags: unexpected git for-each-ref line "${stdout.slice(pos, eol)}".`
      )
    }
    ref.name = stdout.slice(b + 1, eol)
    ref.objectType = typeName(stdout, a + 1, b)
    ref.objectId = stdout.slice(pos, a)
    visit(ref)
    pos = eol + 1
  }
}

/** The object type at `start`..`end`, without a new string for the usual two. */
function typeName(text: string, start: number, end: number): string {
  if (end - start === 3 && text.startsWith('tag', start)) return 'tag'
  if (end - start === 6 && text.startsWith('commit', start)) return 'commit'
  return text.slice(start, end)
}

/** A lightweight tag: the state only needs its name and type. */
function lightweight(ref: ListedRef): TagRecord {
  return {
    name: ref.name,
    objectType: ref.objectType,
    objectId: ref.objectId,
    targetType: '',
    targetId: '',
    taggerName: '',
    taggerEmail: '',
    taggerTime: undefined,
    message: ''
  }
}

// ---- the read ------------------------------------------------------------------

/** What the records go to, one at a time, in the listing's order; `finish` gives the result. */
export interface RecordSink<T> {
  add(record: TagRecord): void
  finish(): T
}

/** Records fed between two turns of the event loop while git is still listing. */
const CHUNK = 1000

const nextTurn = () => new Promise<void>(resolve => setImmediate(resolve))

/**
 * Every tag's record, read through the cache (see the top of this file),
 * fed to a new sink; its result. A sink must be pure: one may be fed the
 * cached listing's records before git's listing confirms them, and its
 * result is dropped when the listing differs.
 */
export async function readTagsCached<T>(
  git: GitRunner,
  options: TagCacheOptions,
  sink: () => RecordSink<T>
): Promise<T> {
  const file = crc32 ? tagCachePath(options) : undefined
  if (file === undefined) return feed(sink(), parseForEachRef(await gitOk(git, FOR_EACH_REF_ARGS)))

  // git lists the tags while this process reads the cache and builds from it,
  // yielding now and then so that git's output is drained as it comes.
  let listing: string | undefined
  const listed = gitOk(git, TAG_LIST_ARGS).then(stdout => (listing = stdout))
  listed.catch(() => undefined) // awaited below; not an unhandled rejection meanwhile
  const cache = loadTagCache(file)
  let guess: { value: T } | undefined
  const cachedRecords = cache?.records()
  if (cache && cachedRecords) {
    const speculative = sink()
    for (let i = 0; i < cachedRecords.length; i++) {
      const record = cachedRecords[i]
      if (record) speculative.add(record)
      if (i % CHUNK !== CHUNK - 1) continue
      await nextTurn()
      if (listing !== undefined && listing !== cache.listing) break
    }
    if (listing === undefined || listing === cache.listing) guess = { value: speculative.finish() }
  }
  const live = await listed
  if (guess && live === cache?.listing) return guess.value

  const refs = parseTagList(live)
  const records = cache
    ? cache.lookup(refs)
    : refs.map(r => (r.objectType === 'tag' ? undefined : lightweight(r)))
  // Each missing tag object, and the record(s) waiting for it (nearly always one).
  const missing = new Map<string, number | number[]>()
  records.forEach((record, i) => {
    const id = refs[i]?.objectId
    if (record !== undefined || id === undefined) return
    const waiting = missing.get(id)
    if (waiting === undefined) missing.set(id, i)
    else if (typeof waiting === 'number') missing.set(id, [waiting, i])
    else waiting.push(i)
  })
  // Records go to the sink in the listing's order as soon as each is known: while cat-file
  // still writes (it answers in the order asked, which is the listing's), the ones read so far.
  const out = sink()
  let fed = 0
  const feedKnown = () => {
    for (let record = records[fed]; record !== undefined; record = records[++fed]) out.add(record)
  }
  feedKnown()
  if (missing.size > 0) {
    const ids = [...missing.keys()]
    const objects = await readTagObjects(git, ids, (k, object) => {
      const waiting = missing.get(ids[k] ?? '') ?? []
      for (const i of typeof waiting === 'number' ? [waiting] : waiting) {
        const ref = refs[i]
        if (ref) records[i] = recordOf(ref, object)
      }
      feedKnown()
    })
    if (!objects) {
      const all = parseForEachRef(await gitOk(git, FOR_EACH_REF_ARGS))
      await saveTagCache(file, all)
      return feed(sink(), all)
    }
  }
  const complete = records as TagRecord[]
  // The file is written while the answer is finished: the write's I/O overlaps the CPU work.
  const saved =
    missing.size > 0 || cache?.listing !== live
      ? saveTagCache(file, complete, live.endsWith('\n') ? live : undefined)
      : undefined
  feedKnown()
  const answer = out.finish()
  await saved
  return answer
}

/** The record of a listed tag whose object cat-file read. */
function recordOf(ref: ListedRef, object: ReadTagObject): TagRecord {
  const { fields, bytes } = object
  return bytes
    ? new CachedTagRecord(
        ref.name,
        ref.objectId,
        fields.targetType,
        fields.targetId,
        fields.taggerName,
        fields.taggerEmail,
        fields.taggerTime,
        bytes,
        object.start,
        object.end
      )
    : {
        name: ref.name,
        objectType: ref.objectType,
        objectId: ref.objectId,
        targetType: fields.targetType,
        targetId: fields.targetId,
        taggerName: fields.taggerName,
        taggerEmail: fields.taggerEmail,
        taggerTime: fields.taggerTime,
        message: fields.message
      }
}

/**
 * The tag objects `ids` name, in order, read with ONE `git cat-file --batch`
 * (splitting a large read over two processes does not pay: each spawn of this
 * process costs about as much as the half it saves), parsed as git writes them
 * (`onObject` hears of each). Undefined when the answer is not exactly what was
 * asked for.
 */
async function readTagObjects(
  git: GitRunner,
  ids: readonly string[],
  onObject: (index: number, object: ReadTagObject) => void
): Promise<ReadTagObject[] | undefined> {
  const reader = new CatFileBatchReader(ids, onObject)
  let streamed = false
  const result = await git(CAT_FILE_ARGS, {
    input: `${ids.join('\n')}\n`,
    onStdout: chunk => {
      streamed = true
      reader.push(chunk)
    }
  })
  // A runner that does not stream answers with the text.
  if (!streamed && result.stdout !== '') reader.push(Buffer.from(result.stdout, 'utf8'))
  return result.code === 0 ? reader.finish() : undefined
}

function feed<T>(sink: RecordSink<T>, records: readonly TagRecord[]): T {
  for (const record of records) sink.add(record)
  return sink.finish()
}
