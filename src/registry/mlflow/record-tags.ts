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
 */
import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { TagKeys } from './names.js'

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

/** More parts than any sane record needs: a header claiming more is damaged. */
const MAX_PARTS = 10_000
/** Larger than any record ModelGate writes; bounds what a header can make a reader inflate. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024
const SHA256_RE = /^[0-9a-f]{64}$/
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

export function recordTags(
  keys: TagKeys,
  id: string,
  record: Record<string, unknown>,
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

/** A damaged-record stand-in for a header that should be there and is not. */
export function missingRecord(keys: TagKeys, id: string, where: string): DamagedRecord {
  const tag = keys.auditHeader(id)
  return { damaged: true, problem: `the header tag ${tag} is missing from ${where}`, tag }
}

/** The header, or what is wrong with it (to follow "the header tag <key>"). */
function parseHeader(raw: string): RecordHeader | string {
  const invalid = 'is not a valid header'
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return invalid
  }
  if (typeof value !== 'object' || value === null) return invalid
  const { encoding, parts, bytes, sha256, data } = value as Record<string, unknown>
  if (encoding !== undefined && encoding !== RECORD_ENCODING) {
    return `names an unknown encoding ${JSON.stringify(encoding)} (written by a newer ModelGate?)`
  }
  const encoded = encoding === RECORD_ENCODING
  if (
    typeof parts !== 'number' ||
    !Number.isInteger(parts) ||
    parts < (encoded ? 0 : 1) ||
    parts > MAX_PARTS ||
    typeof bytes !== 'number' ||
    !Number.isInteger(bytes) ||
    bytes < 0 ||
    bytes > MAX_RECORD_BYTES ||
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
