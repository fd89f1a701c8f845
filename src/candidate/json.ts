/**
 * A small JSON parser that keeps the position of every value, so errors in
 * `metrics.json` and `schema.json` can name a line and column.
 *
 * It is strict RFC 8259 JSON with two deliberate differences:
 * - with `allowNonFinite`, the bare tokens `NaN`, `Infinity` and `-Infinity`
 *   (what Python's `json.dump` writes for non-finite floats) are numbers, so a
 *   bad metric is reported as a bad metric rather than as a syntax error;
 * - a key given twice in one object is an error: `JSON.parse` silently keeps
 *   the last one, which would let a file say two things at once.
 */

/** 1-based line and column (UTF-16 code units, as editors count), plus the 0-based offset. */
export interface JsonPosition {
  offset: number
  line: number
  column: number
}

export interface JsonEntry {
  key: string
  keyPos: JsonPosition
  value: JsonNode
}

export type JsonNode =
  | { kind: 'object'; pos: JsonPosition; entries: JsonEntry[] }
  | { kind: 'array'; pos: JsonPosition; items: JsonNode[] }
  | { kind: 'string'; pos: JsonPosition; value: string }
  /** `raw` is the token as written: `0.93`, `1e999`, `NaN`, `-Infinity`. */
  | { kind: 'number'; pos: JsonPosition; value: number; raw: string }
  | { kind: 'boolean'; pos: JsonPosition; value: boolean }
  | { kind: 'null'; pos: JsonPosition }

export class JsonSyntaxError extends Error {
  readonly position: JsonPosition

  constructor(message: string, position: JsonPosition) {
    super(message)
    this.name = 'JsonSyntaxError'
    this.position = position
  }
}

export interface ParseJsonOptions {
  /** Accept Python's `NaN`, `Infinity` and `-Infinity` tokens as numbers. */
  allowNonFinite?: boolean
}

/** Deeper nesting than this is refused instead of overflowing the stack. */
const MAX_DEPTH = 256

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
// Raw control characters end a run on purpose: JSON requires them escaped.
// eslint-disable-next-line no-control-regex
const PLAIN_STRING_RUN = /[^"\\\u0000-\u001f]+/y
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t'
}

/** Parse `text` (a leading byte-order mark is ignored) into a tree of positioned nodes. */
export function parseJson(text: string, options: ParseJsonOptions = {}): JsonNode {
  return new Parser(text, options.allowNonFinite ?? false).parseDocument()
}

/** The plain JavaScript value of a node (non-finite numbers stay NaN / ±Infinity). */
export function toPlain(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const entry of node.entries) {
        Object.defineProperty(out, entry.key, {
          value: toPlain(entry.value),
          enumerable: true,
          writable: true,
          configurable: true
        })
      }
      return out
    }
    case 'array':
      return node.items.map(toPlain)
    case 'null':
      return null
    default:
      return node.value
  }
}

/** The node at a path of keys and indexes, or undefined. */
export function nodeAt(root: JsonNode, path: ReadonlyArray<PropertyKey>): JsonNode | undefined {
  let node: JsonNode | undefined = root
  for (const segment of path) {
    if (node?.kind === 'object') {
      node = node.entries.find(entry => entry.key === String(segment))?.value
    } else if (node?.kind === 'array' && typeof segment === 'number') {
      node = node.items[segment]
    } else {
      return undefined
    }
  }
  return node
}

class Parser {
  private index = 0
  private readonly lineStarts: number[] = [0]

  constructor(
    private readonly text: string,
    private readonly allowNonFinite: boolean
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.index = 1
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
      this.lineStarts.push(i + 1)
    }
  }

  parseDocument(): JsonNode {
    this.skipWhitespace()
    if (this.index >= this.text.length)
      throw this.error('the file is empty (expected a JSON value)')
    const node = this.parseValue(0)
    this.skipWhitespace()
    if (this.index < this.text.length) {
      throw this.error(`unexpected ${this.describeHere()} after the end of the JSON value`)
    }
    return node
  }

  private parseValue(depth: number): JsonNode {
    if (depth > MAX_DEPTH) throw this.error(`nested more than ${MAX_DEPTH} levels deep`)
    const pos = this.position(this.index)
    const char = this.text[this.index]
    switch (char) {
      case '{':
        return this.parseObject(pos, depth)
      case '[':
        return this.parseArray(pos, depth)
      case '"':
        return { kind: 'string', pos, value: this.parseString() }
      case 't':
        this.expectWord('true')
        return { kind: 'boolean', pos, value: true }
      case 'f':
        this.expectWord('false')
        return { kind: 'boolean', pos, value: false }
      case 'n':
        this.expectWord('null')
        return { kind: 'null', pos }
      case undefined:
        throw this.error('unexpected end of file (expected a value)')
      default:
        return this.parseNumber(pos)
    }
  }

  private parseObject(pos: JsonPosition, depth: number): JsonNode {
    this.index++ // {
    const entries: JsonEntry[] = []
    const seen = new Map<string, JsonPosition>()
    this.skipWhitespace()
    if (this.text[this.index] === '}') {
      this.index++
      return { kind: 'object', pos, entries }
    }
    for (;;) {
      this.skipWhitespace()
      if (this.text[this.index] !== '"') {
        throw this.error(`expected a string key in double quotes, found ${this.describeHere()}`)
      }
      const keyPos = this.position(this.index)
      const key = this.parseString()
      const first = seen.get(key)
      if (first) {
        throw new JsonSyntaxError(
          `duplicate key ${JSON.stringify(key)} (first given at line ${first.line}, column ${first.column})`,
          keyPos
        )
      }
      seen.set(key, keyPos)
      this.skipWhitespace()
      if (this.text[this.index] !== ':') {
        throw this.error(
          `expected ':' after the key ${JSON.stringify(key)}, found ${this.describeHere()}`
        )
      }
      this.index++
      this.skipWhitespace()
      entries.push({ key, keyPos, value: this.parseValue(depth + 1) })
      this.skipWhitespace()
      const next = this.text[this.index]
      this.index++
      if (next === '}') return { kind: 'object', pos, entries }
      if (next !== ',') {
        this.index--
        throw this.error(`expected ',' or '}' after an object member, found ${this.describeHere()}`)
      }
    }
  }

  private parseArray(pos: JsonPosition, depth: number): JsonNode {
    this.index++ // [
    const items: JsonNode[] = []
    this.skipWhitespace()
    if (this.text[this.index] === ']') {
      this.index++
      return { kind: 'array', pos, items }
    }
    for (;;) {
      this.skipWhitespace()
      items.push(this.parseValue(depth + 1))
      this.skipWhitespace()
      const next = this.text[this.index]
      this.index++
      if (next === ']') return { kind: 'array', pos, items }
      if (next !== ',') {
        this.index--
        throw this.error(`expected ',' or ']' after an array item, found ${this.describeHere()}`)
      }
    }
  }

  private parseString(): string {
    const start = this.index
    this.index++ // opening quote
    let out = ''
    for (;;) {
      PLAIN_STRING_RUN.lastIndex = this.index
      const run = PLAIN_STRING_RUN.exec(this.text)
      if (run) {
        out += run[0]
        this.index += run[0].length
      }
      const char = this.text[this.index]
      if (char === '"') {
        this.index++
        return out
      }
      if (char === undefined) {
        throw new JsonSyntaxError('unterminated string', this.position(start))
      }
      if (char === '\\') {
        const escape = this.text[this.index + 1]
        if (escape === 'u') {
          const hex = this.text.slice(this.index + 2, this.index + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error('invalid \\u escape in a string')
          out += String.fromCharCode(parseInt(hex, 16))
          this.index += 6
          continue
        }
        const replacement = escape === undefined ? undefined : ESCAPES[escape]
        if (replacement === undefined) throw this.error('invalid escape in a string')
        out += replacement
        this.index += 2
        continue
      }
      // A raw control character (a newline, a tab...) inside a string.
      throw this.error(`${this.describeHere()} must be escaped inside a string`)
    }
  }

  private parseNumber(pos: JsonPosition): JsonNode {
    if (this.allowNonFinite) {
      for (const [word, value] of [
        ['NaN', NaN],
        ['Infinity', Infinity],
        ['-Infinity', -Infinity]
      ] as const) {
        if (this.text.startsWith(word, this.index) && !this.isWordChar(this.index + word.length)) {
          this.index += word.length
          return { kind: 'number', pos, value, raw: word }
        }
      }
    }
    NUMBER.lastIndex = this.index
    const match = NUMBER.exec(this.text)
    if (!match || this.isWordChar(this.index + match[0].length)) {
      const char = this.text[this.index] ?? ''
      throw this.error(
        /[0-9-]/.test(char)
          ? 'invalid number (JSON numbers have no leading zeros, a digit on each side of the point)'
          : `unexpected ${this.describeHere()} (expected a value)`
      )
    }
    this.index += match[0].length
    return { kind: 'number', pos, value: Number(match[0]), raw: match[0] }
  }

  private expectWord(word: string): void {
    if (!this.text.startsWith(word, this.index) || this.isWordChar(this.index + word.length)) {
      throw this.error(`unexpected ${this.describeHere()} (expected a value)`)
    }
    this.index += word.length
  }

  private isWordChar(index: number): boolean {
    return /[A-Za-z0-9_.$+-]/.test(this.text[index] ?? '')
  }

  private skipWhitespace(): void {
    for (;;) {
      const char = this.text[this.index]
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') this.index++
      else return
    }
  }

  /** A readable name for the token at the current index. */
  private describeHere(): string {
    const codePoint = this.text.codePointAt(this.index)
    if (codePoint === undefined) return 'the end of the file'
    const word = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.index, this.index + 40))
    if (word) return `'${word[0]}'`
    if (codePoint < 0x20 || codePoint === 0x7f) {
      return `the control character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`
    }
    return `'${String.fromCodePoint(codePoint)}'`
  }

  private error(message: string): JsonSyntaxError {
    return new JsonSyntaxError(message, this.position(this.index))
  }

  private position(offset: number): JsonPosition {
    // Binary search for the last line start at or before offset.
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid
      else high = mid - 1
    }
    return { offset, line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 }
  }
}
