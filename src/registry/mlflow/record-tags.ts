/**
 * A write's full audit record, kept on the model version as tags that each fit
 * the backend's tag-value limit. Pure.
 *
 * The record's JSON (`JSON.stringify(record)`) is compressed (gzip, level 9)
 * and base64-encoded. The header tag says how it is encoded, the byte length
 * and sha256 of the original JSON (checked after decoding), and holds as much
 * of the encoded data as fits within the limit; whatever does not fit goes into
 * parts, each at most `limit` characters of base64:
 *
 *   modelgate.audit.<entry id>     {"encoding":"gzip+base64","parts":0,"bytes":2233,"sha256":"…","data":"H4sI…"}
 *
 * or, for a record too large for one tag,
 *
 *   modelgate.audit.<entry id>     {"encoding":"gzip+base64","parts":2,"bytes":29927,"sha256":"…","data":"H4sI…"}
 *   modelgate.audit.<entry id>.1   the next 5,000 characters of base64
 *   modelgate.audit.<entry id>.2   the rest
 *
 * (Unity Catalog: `modelgate_audit_<entry id>` and `…_<n>`, see names.ts.)
 * Base64 has no spaces, so no value begins or ends with one (Unity Catalog
 * refuses those).
 *
 * Records written before the encoding existed are read too: a header without
 * `encoding`, `{parts, bytes, sha256}`, and parts `1..parts` that are the JSON
 * itself, cut on code point boundaries.
 *
 * A rollback or an unassignment whose record cannot be kept whole (too large,
 * or no room left among a Unity Catalog version's 50 tags) keeps a summary in
 * the header tag instead, and no parts:
 *
 *   modelgate.audit.<entry id>     {"recordTruncated":true,"why":"…","bytes":29927,"sha256":"…","keys":["schema",…]}
 *
 * Reading never trusts the header: it takes at most MAX_RECORD_TAGS - 1 parts,
 * at most MAX_RECORD_BYTES of JSON, and gunzip stops at the byte length the
 * header gives, so a hostile header or a gzip bomb cannot make it allocate.
 */
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { WrittenRecord } from '../../audit/record.js'
import type { TagKeys } from './names.js'
import { truncateBytes } from './names.js'

export const RECORD_ENCODING = 'gzip+base64'

/**
 * The most tags one record may take, its header included, on either backend:
 * 20 × 1,000 characters of base64 on Unity Catalog (a promotion record of
 * about 280 candidate files), 20 × 5,000 on OSS (about 1,400 files). Unity
 * Catalog allows 50 tags on a model version, and a version may carry the
 * records of several writes.
 */
export const MAX_RECORD_TAGS = 20

export interface RecordHeader {
  /** Absent in records written before the encoding existed (the parts are the JSON). */
  encoding?: typeof RECORD_ENCODING
  /** Tags after the header; 0 when the header holds all the data. */
  parts: number
  /** UTF-8 length of the record's JSON. */
  bytes: number
  /** sha256 of the record's JSON. */
  sha256: string
  /** The first (or only) piece of the encoded data. */
  data?: string
}

/** The tags that keep `record`: the parts, in order, then the header. */
export interface RecordTags {
  header: { key: string; value: string }
  parts: Array<{ key: string; value: string }>
  /** UTF-8 length of the record's JSON. */
  bytes: number
  /** Length of the gzip+base64 data. */
  encodedBytes: number
}

/** What a reader makes of the tags: the record as written, or what is wrong with them. */
export type StoredRecord =
  { ok: true; record: Record<string, unknown> } | { ok: false; damaged: DamagedRecord }

/** Stands in for a record that cannot be read back whole; never mistaken for one. */
export interface DamagedRecord extends Record<string, unknown> {
  damaged: true
  /** What is wrong, for people. */
  problem: string
  /** The header tag's key. */
  tag: string
}

/** The writer never uses more: a gzip+base64 header claiming more parts is damaged. */
const MAX_ENCODED_PARTS = MAX_RECORD_TAGS - 1
/**
 * Parts of the old, uncompressed format: the JSON itself, at most 5,000 bytes a
 * part on OSS (a record of MAX_RECORD_BYTES takes 210), at most 49 on a Unity
 * Catalog version.
 */
const MAX_LEGACY_PARTS = 256
/**
 * The largest record JSON ModelGate writes (UTF-8 bytes); a header claiming
 * more is damaged, and gunzip stops there. 20 tags hold 100,000 characters of
 * base64 (OSS), 75,000 bytes of gzip, which deflate (at most about 1,032 to 1)
 * could inflate to some 77 MB: the writer refuses (a promotion) or summarises
 * (a rollback, an unassignment) a record over this bound instead. A real
 * promotion record that fills 20 OSS tags (about 1,400 files) is about 230 KB
 * of JSON, its checksums compressing about 2 to 1.
 */
export const MAX_RECORD_BYTES = 1024 * 1024
const SHA256_RE = /^[0-9a-f]{64}$/
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

export function recordTags(
  keys: TagKeys,
  id: string,
  record: WrittenRecord,
  limit: number
): RecordTags {
  const json = JSON.stringify(record)
  const bytes = Buffer.byteLength(json, 'utf8')
  const sha256 = sha256Hex(json)
  const data = gzipSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64')
  const headerWith = (parts: number, piece: string) =>
    JSON.stringify({
      encoding: RECORD_ENCODING,
      parts,
      bytes,
      sha256,
      data: piece
    })
  // The header takes what room its own fields leave; the part count is a field, so settle it first.
  let parts = 0
  let room = 0
  for (;;) {
    room = limit - Buffer.byteLength(headerWith(parts, ''), 'utf8')
    if (room < 0) throw new RangeError(`A tag-value limit of ${limit} bytes cannot hold a header.`)
    const needed = data.length <= room ? 0 : Math.ceil((data.length - room) / limit)
    if (needed <= parts) break
    parts = needed
  }
  const rest = data.slice(room)
  return {
    header: { key: keys.auditHeader(id), value: headerWith(parts, data.slice(0, room)) },
    parts: Array.from({ length: parts }, (_, i) => ({
      key: keys.auditPart(id, i + 1),
      value: rest.slice(i * limit, (i + 1) * limit)
    })),
    bytes,
    encodedBytes: data.length
  }
}

/** What a reader gives back for a record that was kept as a summary (the header tag's value). */
export interface RecordSummary extends Record<string, unknown> {
  recordTruncated: true
  /** Why the whole record was not kept, for people. */
  why: string
  /** UTF-8 length and sha256 of the record's JSON (it is kept in full elsewhere: the job summary, the artifact). */
  bytes: number
  sha256: string
  /** The record's top-level keys (at most 30). */
  keys: string[]
}

/**
 * The header tag of a record kept as a summary (see the top of this file),
 * within `limit`: the keys are dropped, then `why` cut, to fit.
 */
export function recordSummaryTag(
  keys: TagKeys,
  id: string,
  record: WrittenRecord,
  why: string,
  limit: number
): { key: string; value: string; summary: RecordSummary } {
  const json = JSON.stringify(record)
  const base = { recordTruncated: true as const, bytes: Buffer.byteLength(json, 'utf8') }
  const sha256 = sha256Hex(json)
  const names = Object.keys(record)
  const attempts: RecordSummary[] = [
    { ...base, why, sha256, keys: names.slice(0, 30) },
    { ...base, why, sha256, keys: names.slice(0, 5) },
    { ...base, why: truncateBytes(why, 200), sha256, keys: [] },
    { ...base, why: truncateBytes(why, 40), sha256, keys: [] }
  ]
  const summary =
    attempts.find(s => Buffer.byteLength(JSON.stringify(s), 'utf8') <= limit) ??
    (attempts[attempts.length - 1] as RecordSummary)
  return { key: keys.auditHeader(id), value: JSON.stringify(summary), summary }
}

/**
 * The record of write `id` from a version's tags: undefined when there is no
 * header (nothing was stored), else the record, or why it cannot be read back.
 */
export function readRecordTags(
  keys: TagKeys,
  id: string,
  tags: ReadonlyMap<string, string>
): StoredRecord | undefined {
  const key = keys.auditHeader(id)
  const raw = tags.get(key)
  if (raw === undefined) return undefined
  const damaged = (problem: string): StoredRecord => ({
    ok: false,
    damaged: { damaged: true, problem, tag: key }
  })
  const header = parseHeader(raw)
  if (typeof header === 'string') return damaged(`the header tag ${key} ${header}`)
  if ('recordTruncated' in header) return { ok: true, record: header }
  const chunks: string[] = []
  const missing: number[] = []
  for (let n = 1; n <= header.parts; n++) {
    const part = tags.get(keys.auditPart(id, n))
    if (part === undefined) missing.push(n)
    else chunks.push(part)
  }
  if (missing.length > 0) {
    return damaged(
      `${missing.length} of ${header.parts} parts missing (${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})`
    )
  }
  const stored = (header.data ?? '') + chunks.join('')
  let json = stored
  if (header.encoding === RECORD_ENCODING) {
    if (!BASE64_RE.test(stored)) return damaged('the data is not base64')
    try {
      json = gunzipSync(Buffer.from(stored, 'base64'), {
        maxOutputLength: Math.max(header.bytes, 1)
      }).toString('utf8')
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      return damaged(
        `the data does not decompress to the ${header.bytes} bytes the header describes (${why})`
      )
    }
  }
  if (sha256Hex(json) !== header.sha256) {
    return damaged(
      `the ${header.encoding === RECORD_ENCODING ? 'decoded data does' : 'parts do'} not match the header's sha256 (${Buffer.byteLength(json, 'utf8')} bytes, ${header.bytes} expected)`
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return damaged('the record is not valid JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return damaged('the record is not a JSON object')
  }
  return { ok: true, record: parsed as Record<string, unknown> }
}

/** A record ModelGate keeps on a version, as found among the version's tags. */
export interface KeptRecord {
  /** The history entry id of the write that kept it. */
  id: string
  /** When that write was made, in ms since the epoch (from the id). */
  at: number
  /** Its tags as they are: the parts it has, in order, then the header. */
  tags: Array<{ key: string; value: string }>
}

/** An entry id as the adapter makes them: the time in base 36, `-`, 6 hex digits (as a key part, `-` may be `_`). */
const ENTRY_ID_KEY_RE = /^([0-9a-z]{1,12})[-_]([0-9a-f]{6})$/

/**
 * The records ModelGate wrote among `tags`, oldest first: each header whose
 * key holds an entry id in the adapter's format and whose value is a header
 * (or a summary) ModelGate could have written, with the parts it names that
 * are there. Anything else, a team's tag or a `modelgate…audit…` tag that is
 * not one of these, is left out: what a caller deletes from this list is only
 * ever ModelGate's own.
 */
export function keptRecords(keys: TagKeys, tags: ReadonlyMap<string, string>): KeptRecord[] {
  const prefix = keys.auditHeader('')
  const found: KeptRecord[] = []
  for (const [key, value] of tags) {
    if (!key.startsWith(prefix)) continue
    const match = ENTRY_ID_KEY_RE.exec(key.slice(prefix.length))
    if (!match) continue
    const id = `${match[1]}-${match[2]}`
    const at = Number.parseInt(match[1] as string, 36)
    if (keys.auditHeader(id) !== key || !Number.isSafeInteger(at)) continue
    const header = parseHeader(value)
    if (typeof header === 'string') continue
    const parts: Array<{ key: string; value: string }> = []
    const count = 'recordTruncated' in header ? 0 : header.parts
    for (let n = 1; n <= count; n++) {
      const part = keys.auditPart(id, n)
      const stored = tags.get(part)
      if (stored !== undefined) parts.push({ key: part, value: stored })
    }
    found.push({ id, at, tags: [...parts, { key, value }] })
  }
  return found.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** A damaged-record stand-in for a header that should be there and is not. */
export function missingRecord(keys: TagKeys, id: string, where: string): DamagedRecord {
  const tag = keys.auditHeader(id)
  return { damaged: true, problem: `the header tag ${tag} is missing from ${where}`, tag }
}

/** The header (or a summary), or what is wrong with it (to follow "the header tag <key>"). */
function parseHeader(raw: string): RecordHeader | RecordSummary | string {
  const invalid = 'is not a valid header'
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return invalid
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid
  const fields = value as Record<string, unknown>
  if (fields.recordTruncated === true) return parseSummary(fields) ?? invalid
  const { encoding, parts, bytes, sha256, data } = fields
  if (encoding !== undefined && encoding !== RECORD_ENCODING) {
    return `names an unknown encoding ${JSON.stringify(encoding)} (written by a newer ModelGate?)`
  }
  const encoded = encoding === RECORD_ENCODING
  if (typeof parts === 'number' && parts > (encoded ? MAX_ENCODED_PARTS : MAX_LEGACY_PARTS)) {
    return `claims ${parts} parts, more than ModelGate ever writes (${encoded ? MAX_ENCODED_PARTS : MAX_LEGACY_PARTS})`
  }
  if (typeof bytes === 'number' && bytes > MAX_RECORD_BYTES) {
    return `claims a record of ${bytes} bytes, more than ModelGate ever writes (${MAX_RECORD_BYTES})`
  }
  if (
    typeof parts !== 'number' ||
    !Number.isInteger(parts) ||
    parts < (encoded ? 0 : 1) ||
    typeof bytes !== 'number' ||
    !Number.isInteger(bytes) ||
    bytes < 0 ||
    typeof sha256 !== 'string' ||
    !SHA256_RE.test(sha256) ||
    (encoded ? typeof data !== 'string' : data !== undefined)
  ) {
    return invalid
  }
  return encoded
    ? { encoding: RECORD_ENCODING, parts, bytes, sha256, data: data as string }
    : { parts, bytes, sha256 }
}

function parseSummary(fields: Record<string, unknown>): RecordSummary | undefined {
  const { why, bytes, sha256, keys } = fields
  if (
    typeof why !== 'string' ||
    typeof bytes !== 'number' ||
    !Number.isInteger(bytes) ||
    bytes < 0 ||
    typeof sha256 !== 'string' ||
    !SHA256_RE.test(sha256) ||
    !Array.isArray(keys) ||
    !keys.every(k => typeof k === 'string')
  ) {
    return undefined
  }
  return { recordTruncated: true, why, bytes, sha256, keys: keys as string[] }
}
