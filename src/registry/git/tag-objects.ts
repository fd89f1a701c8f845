/**
 * Reading tag objects from `git cat-file --batch` output as it arrives, chunk
 * by chunk (the tag cache's cold read, tag-cache.ts): each object is parsed
 * while git is still inflating the next ones, and the usual object (ASCII, no
 * NUL, no signature block) is never copied: its message stays in git's output
 * chunk, decoded only when read. Split from tag-cache.ts with issue 11's cold
 * read.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import type { TagObjectFields } from './tag-records.js'
import { parseTagObject } from './tag-records.js'

/** Reads the tag objects named on standard input, one per line. */
export const CAT_FILE_ARGS: readonly string[] = ['cat-file', '--batch', '--buffer']

/**
 * A tag object read by `cat-file`. With `bytes`, its message lies at
 * `bytes[start, end)` (UTF-8) and `fields.message` is ''; without, the
 * message is `fields.message`.
 */
export interface ReadTagObject {
  fields: TagObjectFields
  bytes?: Buffer
  start: number
  end: number
}

const SIGNATURE = Buffer.from('-----BEGIN ', 'latin1')
const SIZE = /^[0-9]+$/
const TAG_WORD = ' tag '

/**
 * The usual header, read in one match: `object`, `type`, `tag`, then one `tagger` line whose
 * name holds no `<` or `>`, whose e-mail holds no `>`, and whose date starts with at most 15
 * digits, then the blank line. For such a line git's rules (tag-records.ts: the name up to
 * the first ` <`, the e-mail from the first `<` to the next `>`, the number after the first
 * `> `) pick exactly these groups; any other header is left to parseTagObject.
 */
const USUAL =
  /object ([0-9a-f]{40}|[0-9a-f]{64})\ntype (commit|tree|blob|tag)\ntag [^\n]*\ntagger ([^<>\n]*) <([^>\n]*)> ([0-9]{1,15})(?![0-9])[^\n]*\n\n/y

/**
 * Parses `git cat-file --batch` output for exactly `ids`, in order, each a tag
 * object, fed in chunks of any size (`push`); `finish` gives them, or
 * undefined on anything else (a missing object, another type, sizes that do
 * not add up, an object that is not valid UTF-8, output left over), so that
 * the caller can fall back. `onObject` hears of each object as it is read.
 * Never throws.
 */
export class CatFileBatchReader {
  /** The objects read so far; kept only without `onObject` (which takes each as it comes). */
  private readonly objects: ReadTagObject[] = []
  private count = 0
  private failed = false
  /**
   * One flat copy of each tagger, e-mail, type and target id: a field cut from a chunk's
   * text would keep that whole text alive as long as the record (10,000 records: every
   * chunk, copied again by each young-generation collection they survive).
   */
  private readonly strings = new Map<string, string>()
  private last: TagObjectFields | undefined
  /** The start of an entry that one chunk did not hold whole (a header, or an object). */
  private pending: Buffer[] = []
  private pendingLength = 0
  /** The whole entry's length, once its header is in; 0 before. */
  private need = 0

  constructor(
    private readonly ids: readonly string[],
    private readonly onObject?: (index: number, object: ReadTagObject) => void
  ) {}

  push(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return
    let pos = 0
    if (this.pendingLength > 0) {
      // Only the entry that straddles the chunks is put together, not the chunk after it.
      if (this.need === 0) {
        const newline = chunk.indexOf(10)
        if (newline < 0) return this.keep(chunk)
        const header = Buffer.concat([...this.pending, chunk.subarray(0, newline + 1)])
        const size = this.entrySize(header, 0, header.length - 1)
        if (size < 0) return void this.fail()
        this.need = header.length + size + 1
      }
      const take = this.need - this.pendingLength
      if (take > chunk.length) return this.keep(chunk)
      const entry = Buffer.concat([...this.pending, chunk.subarray(0, take)], this.need)
      this.pending = []
      this.pendingLength = 0
      this.need = 0
      if (this.parse(entry, 0) !== entry.length) return void this.fail()
      pos = take
    }
    const rest = this.parse(chunk, pos)
    if (!this.failed && rest < chunk.length) this.keep(chunk.subarray(rest))
  }

  /** Every object asked for (`[]` when `onObject` took them), or undefined. */
  finish(): ReadTagObject[] | undefined {
    const complete = this.count === this.ids.length && this.pendingLength === 0
    return !this.failed && complete ? this.objects : undefined
  }

  private flat(value: string): string {
    let copy = this.strings.get(value)
    if (copy === undefined) {
      copy = Buffer.from(value, 'utf8').toString('utf8')
      this.strings.set(copy, copy)
    }
    return copy
  }

  private keep(bytes: Buffer): void {
    this.pending.push(bytes)
    this.pendingLength += bytes.length
  }

  private fail(): number {
    this.failed = true
    this.pending = []
    this.pendingLength = 0
    return 0
  }

  /** A plain object of the usual shape (USUAL), its message left in `buf`; else undefined. */
  private usual(buf: Buffer, text: string, start: number, end: number): ReadTagObject | undefined {
    USUAL.lastIndex = start
    const match = USUAL.exec(text)
    // The blank line must lie inside the object (the entry's closing newline is not one).
    if (!match || USUAL.lastIndex > end) return undefined
    let at = USUAL.lastIndex
    while (at < end && text.charCodeAt(at) === 10) at++
    // Neighbours mostly share type, tagger and e-mail: compared with the last, not looked up.
    const last = this.last
    const type = match[2] ?? ''
    const name = match[3] ?? ''
    const email = match[4] ?? ''
    const fields: TagObjectFields = {
      targetType: last && last.targetType === type ? last.targetType : this.flat(type),
      targetId: this.flat(match[1] ?? ''),
      taggerName: last && last.taggerName === name ? last.taggerName : this.flat(name),
      taggerEmail: last && last.taggerEmail === email ? last.taggerEmail : this.flat(email),
      taggerTime: Number(match[5]),
      message: ''
    }
    this.last = fields
    return {
      fields,
      bytes: buf,
      start: at,
      end
    }
  }

  /** A plain object of another shape, read by parseTagObject; its message left in `buf`. */
  private plainObject(
    buf: Buffer,
    text: string,
    start: number,
    end: number
  ): ReadTagObject | undefined {
    let messageAt = -1
    const fields = parseTagObject(text.slice(start, end), {
      noNul: true,
      noSignature: true,
      messageAt: offset => void (messageAt = offset)
    })
    if (!fields || messageAt < 0) return undefined
    fields.targetType = this.flat(fields.targetType)
    fields.targetId = this.flat(fields.targetId)
    fields.taggerName = this.flat(fields.taggerName)
    fields.taggerEmail = this.flat(fields.taggerEmail)
    return { fields, bytes: buf, start: start + messageAt, end }
  }

  /** The object size in the header at `buf[pos, newline)` for the next id; -1 if it is not one. */
  private entrySize(buf: Buffer, pos: number, newline: number): number {
    const id = this.ids[this.count]
    if (id === undefined) return -1 // more output than objects asked for
    const header = buf.toString('latin1', pos, newline)
    const sizeAt = id.length + TAG_WORD.length
    if (!header.startsWith(id) || !header.startsWith(TAG_WORD, id.length)) return -1
    const size = header.slice(sizeAt)
    return SIZE.test(size) ? Number(size) : -1
  }

  /** Parses the whole entries in `buf` from `pos`; where the first one it does not hold whole starts. */
  private parse(buf: Buffer, pos: number): number {
    // Checked once for the whole buffer, not once per object: ASCII (a byte is a character),
    // no NUL and no signature block, as nearly every ModelGate or GTO tag is.
    let plain: boolean | undefined
    let text: string | undefined
    while (pos < buf.length) {
      // `<id> tag <size>\n<content>\n`
      const newline = buf.indexOf(10, pos)
      if (newline < 0) return pos
      const size = this.entrySize(buf, pos, newline)
      if (size < 0) return this.fail()
      const start = newline + 1
      const end = start + size
      if (end >= buf.length) {
        this.need = end + 1 - pos
        return pos
      }
      if (buf[end] !== 10) return this.fail()
      plain ??= isAscii(buf) && buf.indexOf(0) < 0 && buf.indexOf(SIGNATURE) < 0
      let object: ReadTagObject | undefined
      if (plain) {
        text ??= buf.toString('latin1')
        object = this.usual(buf, text, start, end) ?? this.plainObject(buf, text, start, end)
      } else {
        object = readOther(buf.subarray(start, end), start, end)
      }
      if (!object) return this.fail()
      const index = this.count++
      if (this.onObject) this.onObject(index, object)
      else this.objects.push(object)
      pos = end + 1
    }
    return pos
  }
}

/** An object that is not plain ASCII, or holds NUL or a signature: its message as a string. */
function readOther(bytes: Buffer, start: number, end: number): ReadTagObject | undefined {
  // Invalid UTF-8 would not read back as git for-each-ref's decoded output does: the caller
  // falls back to that read.
  if (!isUtf8(bytes)) return undefined
  const fields = parseTagObject(bytes.toString('utf8'), {
    noNul: bytes.indexOf(0) < 0,
    noSignature: bytes.indexOf(SIGNATURE) < 0
  })
  return fields && { fields, start, end }
}

/**
 * Parses `git cat-file --batch` output for exactly `objectIds`, in order, each
 * a tag object: their fields, in the same order. Undefined on anything else (a
 * missing object, another type, sizes that do not add up), so the caller can
 * fall back.
 */
export function parseCatFileBatch(
  stdout: string,
  objectIds: readonly string[]
): TagObjectFields[] | undefined {
  const reader = new CatFileBatchReader(objectIds)
  reader.push(Buffer.from(stdout, 'utf8'))
  return reader
    .finish()
    ?.map(o =>
      o.bytes ? { ...o.fields, message: o.bytes.toString('utf8', o.start, o.end) } : o.fields
    )
}
