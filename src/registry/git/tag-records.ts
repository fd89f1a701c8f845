/**
 * Tag records: what the state needs of each tag, read two ways with one meaning.
 *
 * - `parseForEachRef`: the one-process read of every tag object through
 *   `git for-each-ref` (every field inside a tag object makes git inflate all of
 *   them: about 4× a bare listing at 10,000 tags).
 * - `parseTagObject`: the same fields from a raw tag object as
 *   `git cat-file --batch` prints it, following git's own rules for
 *   `%(taggername)`, `%(taggeremail)`, `%(taggerdate:unix)`, `%(contents)` and
 *   `%(contents:signature)` (ref-filter.c, gpg-interface.c), so a record read
 *   either way is the same record. The tag cache (tag-cache.ts) stores these.
 */

const FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(taggername)',
  '%(taggeremail)',
  '%(taggerdate:unix)',
  '%(contents)',
  '%(contents:signature)'
] as const

/** NUL after every field: messages may hold any text but NUL. */
export const FOR_EACH_REF_FORMAT = FIELDS.map(field => `${field}%00`).join('')

/** The one full read: every tag with what the state needs. */
export const FOR_EACH_REF_ARGS: readonly string[] = [
  'for-each-ref',
  `--format=${FOR_EACH_REF_FORMAT}`,
  'refs/tags'
]

/** One tag as `for-each-ref` printed it. */
export interface TagRecord {
  /** Without `refs/tags/`. */
  name: string
  /** `tag` for an annotated tag, `commit` for a lightweight one. */
  objectType: string
  objectId: string
  /** The type and id of the object an annotated tag points at. */
  targetType: string
  targetId: string
  taggerName: string
  taggerEmail: string
  /** Unix seconds; undefined when the tag has no tagger. */
  taggerTime: number | undefined
  message: string
}

/** Parses `git for-each-ref --format=FOR_EACH_REF_FORMAT` output. Throws on output it cannot split. */
export function parseForEachRef(stdout: string): TagRecord[] {
  if (stdout === '') return []
  const tokens = stdout.split('\0')
  const width = FIELDS.length
  if ((tokens.length - 1) % width !== 0 || tokens[tokens.length - 1]?.trim() !== '') {
    throw new Error(
      `Cannot read the tags: git for-each-ref printed ${tokens.length - 1} fields, not a multiple of ${width}.`
    )
  }
  const records: TagRecord[] = []
  for (let i = 0; i + width < tokens.length; i += width) {
    const at = (k: number) => tokens[i + k] ?? ''
    const refname = i === 0 ? at(0) : at(0).replace(/^\n/, '')
    const time = at(7) === '' ? undefined : Number(at(7))
    records.push({
      name: refname.startsWith('refs/tags/') ? refname.slice('refs/tags/'.length) : refname,
      objectType: at(1),
      objectId: at(2),
      targetType: at(3),
      targetId: at(4),
      taggerName: at(5),
      taggerEmail: unbracket(at(6)),
      taggerTime: time !== undefined && Number.isFinite(time) ? time : undefined,
      message: withoutSignature(at(8), at(9))
    })
  }
  return records
}

/** What a tag object itself says (everything of a TagRecord but the ref). */
export type TagObjectFields = Pick<
  TagRecord,
  'targetType' | 'targetId' | 'taggerName' | 'taggerEmail' | 'taggerTime' | 'message'
>

/** Lines that start a signature block (git's gpg-interface.c: OpenPGP, X.509, SSH). */
const SIGNATURE_STARTS = [
  '-----BEGIN PGP SIGNATURE-----',
  '-----BEGIN PGP MESSAGE-----',
  '-----BEGIN SIGNED MESSAGE-----',
  '-----BEGIN SSH SIGNATURE-----'
]

const OBJECT_TYPES = new Set(['commit', 'tree', 'blob', 'tag'])

/**
 * Parses a raw tag object (`object`, `type`, `tag`, `tagger` headers, a blank
 * line, the message, a signature block if any) into what `for-each-ref`
 * would print for it. Undefined when git itself would refuse the object
 * (its first lines are not `object <id>`, `type <type>` and `tag <name>`).
 */
export function parseTagObject(
  raw: string,
  known: { noNul?: boolean; noSignature?: boolean; messageAt?: (offset: number) => void } = {}
): TagObjectFields | undefined {
  // git reads the object as a C string. (`known`: what the caller already checked on a
  // whole batch, so that 10,000 objects are not scanned twice each.)
  const nul = known.noNul ? -1 : raw.indexOf('\0')
  const text = nul < 0 ? raw : raw.slice(0, nul)

  const objectLine = /^object ([0-9a-f]+)\ntype ([a-z]+)\ntag /.exec(text)
  const id = objectLine?.[1]
  if (!objectLine || (id?.length !== 40 && id?.length !== 64)) return undefined
  if (!OBJECT_TYPES.has(objectLine[2] ?? '')) return undefined

  // The header ends at the first empty line; the tagger is its first `tagger ` line.
  let taggerAt = -1
  let pos = 0
  while (pos < text.length && text.charCodeAt(pos) !== 10) {
    if (taggerAt < 0 && text.startsWith('tagger ', pos)) taggerAt = pos + 'tagger '.length
    const eol = text.indexOf('\n', pos)
    pos = eol < 0 ? text.length : eol + 1
  }
  while (text.charCodeAt(pos) === 10) pos++
  // Without NUL or signature the message is the rest of the object: a caller that keeps the
  // object's bytes can take it from there when needed (`message` is then left empty).
  const messageAt = known.noNul && known.noSignature ? known.messageAt : undefined
  messageAt?.(pos)
  const contents = messageAt ? '' : text.slice(pos)

  return {
    targetType: objectLine[2] ?? '',
    targetId: objectLine[1] ?? '',
    taggerName: taggerAt < 0 ? '' : identName(text, taggerAt),
    taggerEmail: taggerAt < 0 ? '' : unbracket(identEmail(text, taggerAt)),
    taggerTime: taggerAt < 0 ? undefined : identTime(text, taggerAt),
    message: known.noSignature ? contents : withoutSignature(contents, signatureOf(text))
  }
}

/** `%(contents)` minus `%(contents:signature)`, as the state keeps messages. */
function withoutSignature(contents: string, signature: string): string {
  return signature && contents.endsWith(signature) ? contents.slice(0, -signature.length) : contents
}

function unbracket(email: string): string {
  return email.startsWith('<') && email.endsWith('>') ? email.slice(1, -1) : email
}

/** ref-filter's copy_name: the line up to the first ` <`, else empty. */
function identName(text: string, at: number): string {
  const eol = text.indexOf('\n', at)
  const line = text.slice(at, eol < 0 ? text.length : eol)
  const end = line.indexOf(' <')
  return end < 0 ? '' : line.slice(0, end)
}

/** ref-filter's copy_email: from the first `<` to the next `>`, both included, else empty. */
function identEmail(text: string, at: number): string {
  const start = text.indexOf('<', at)
  if (start < 0) return ''
  const end = text.indexOf('>', start)
  return end < 0 ? '' : text.slice(start, end + 1)
}

const TIME_MAX = 2n ** 64n - 1n
/** strtoumax: C-locale spaces, a sign, digits. */
const NUMBER = /[ \t\n\v\f\r]*([+-]?)([0-9]*)/y

/**
 * ref-filter's grab_date with the `unix` format: strtoumax after the first
 * `> `; no digits read as 0; undefined (an empty field) when there is no
 * `> ` or the number overflows.
 */
function identTime(text: string, at: number): number | undefined {
  const gt = text.indexOf('> ', at)
  if (gt < 0) return undefined
  NUMBER.lastIndex = gt + 2
  const number = NUMBER.exec(text)
  const sign = number?.[1] ?? ''
  const digits = number?.[2] ?? ''
  if (digits === '') return 0
  if (sign !== '-' && digits.length < 16) return Number(digits)
  let value = BigInt(digits)
  if (value >= TIME_MAX) return undefined
  if (sign === '-' && value !== 0n) value = TIME_MAX + 1n - value
  return value === TIME_MAX ? undefined : Number(value)
}

/** gpg-interface's parse_signature: from the last line that starts a signature block. */
function signatureOf(text: string): string {
  // Every start line begins with this; look only at its occurrences, last first.
  let at = text.lastIndexOf('-----BEGIN ')
  while (at >= 0) {
    if (
      (at === 0 || text.charCodeAt(at - 1) === 10) &&
      SIGNATURE_STARTS.some(s => text.startsWith(s, at))
    )
      return text.slice(at)
    at = at === 0 ? -1 : text.lastIndexOf('-----BEGIN ', at - 1)
  }
  return ''
}
