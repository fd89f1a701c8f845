import type { ScannedImport } from './types.js'
import type { ByteReader } from './reader.js'

/**
 * Reading a pickle stream by its opcodes, never unpickling it: what it would import, and where.
 *
 * Code runs during unpickling only through an object the stream imports (GLOBAL, STACK_GLOBAL,
 * INST, or an EXT code of the copyreg extension registry) and then calls (REDUCE, NEWOBJ, OBJ,
 * INST, BUILD's `__setstate__`). So every import is recorded, with its offset, and judged
 * against the policy by the model-scan gate; the calls need no tracking of their own.
 *
 * STACK_GLOBAL takes its module and name from the stack, so the stack is modelled: strings
 * (every string opcode of protocols 0–5) keep their value, MARKs their place, and the memo
 * (PUT, BINPUT, LONG_BINPUT, MEMOIZE, read back by GET, BINGET, LONG_BINGET) keeps strings and
 * imports, so a module name stored early and fetched late is still read. A STACK_GLOBAL whose
 * operands are anything but two known strings cannot be judged and is a problem (fail closed).
 *
 * Payloads (bytes, long strings, big integers) are skipped unread beyond the first
 * {@link MAX_TRACKED_STRING} bytes of a string; the opcode stream is the only thing parsed.
 * Several pickles one after another are each read (legacy `torch.save` writes five); anything
 * else after a STOP is a problem, as is an unknown opcode, a truncated stream, a stack
 * underflow or a line too long.
 */

/** Strings longer than this are never a module or name worth tracking: kept as "unknown". */
export const MAX_TRACKED_STRING = 1024
/** Text opcodes (GLOBAL's lines, INT, FLOAT, ...) longer than this are refused. */
const MAX_LINE = 64 * 1024
/**
 * Memo entries followed (all of them: MEMOIZE numbers an entry by the memo's size, so every
 * entry counts); a stream that memoises more is refused rather than followed in unbounded memory.
 */
export const MAX_MEMO_ENTRIES = 2_000_000

/** Why a stream could not be read to its end; the scan then fails closed. */
export interface PickleProblem {
  offset: number
  why: string
}

export interface PickleScan {
  /** Each distinct import once, at its first offset, with how often it appears. */
  imports: ScannedImport[]
  /** Present when the stream could not be read through: nothing after `offset` was seen. */
  problem?: PickleProblem
  /** Pickles read (a legacy torch file holds several). */
  pickles: number
}

/** Anything whose value is not tracked: a number, a list, a long string, a call's result. */
const OTHER = Symbol('other')
interface ImportRef {
  module: string
  name: string
}
type Item = string | ImportRef | typeof OTHER

/** An opcode runs past the buffer: `count` bytes from its start are needed to read it. */
class NeedMore {
  constructor(readonly count: number) {}
}

class Malformed extends Error {
  constructor(
    readonly offset: number,
    why: string
  ) {
    super(why)
  }
}

/**
 * Python 2 module names the unpickler maps to Python 3 ones (`fix_imports`, on by default):
 * judged under their Python 3 names, so `__builtin__.eval` is `builtins.eval`.
 */
const PY2_MODULES: Record<string, string> = {
  __builtin__: 'builtins',
  exceptions: 'builtins',
  copy_reg: 'copyreg',
  cPickle: 'pickle',
  commands: 'subprocess',
  urllib2: 'urllib.request',
  httplib: 'http.client',
  SocketServer: 'socketserver',
  Queue: 'queue',
  UserDict: 'collections',
  thread: '_thread',
  dummy_thread: '_dummy_thread'
}

/** Read the pickle stream(s) in `reader` to the end. Never throws for bad data: see `problem`. */
export async function scanPickle(reader: ByteReader): Promise<PickleScan> {
  const seen = new Map<string, ScannedImport>()
  const record = (module: string, name: string, offset: number, via: ScannedImport['via']) => {
    const mapped = PY2_MODULES[module] ?? module
    const key = `${mapped}\u0000${name}`
    const known = seen.get(key)
    if (known) {
      known.count++
      return
    }
    seen.set(key, {
      module: mapped,
      name,
      offset,
      via,
      count: 1,
      ...(mapped === module ? {} : { written: module })
    })
  }
  let pickles = 0
  try {
    do {
      await scanOne(reader, record)
      pickles++
      // Another pickle may follow (legacy torch.save); anything else is not read.
    } while (!(await reader.atEnd()) && reader.buffer[reader.pos] === PROTO)
    if (!(await reader.atEnd())) {
      throw new Malformed(reader.offset, 'data after the end of the pickle (STOP) was not scanned')
    }
    return { imports: [...seen.values()], pickles }
  } catch (error) {
    if (!(error instanceof Malformed)) throw error
    return {
      imports: [...seen.values()],
      pickles,
      problem: { offset: error.offset, why: error.message }
    }
  }
}

const PROTO = 0x80

type RecordImport = (
  module: string,
  name: string,
  offset: number,
  via: ScannedImport['via']
) => void

/** One pickle, from its first opcode to STOP. */
async function scanOne(reader: ByteReader, record: RecordImport): Promise<void> {
  const stack: Item[] = []
  const marks: number[] = []
  const memo = new Map<number, Item>()
  let at = 0

  const fail = (why: string): never => {
    throw new Malformed(at, why)
  }
  /** Where the opcode being read starts in the buffer, to read it again once more bytes are in. */
  let opStart = 0
  /** Bytes of a payload to move past, unread, once the opcode is done (beyond the buffer). */
  let pendingSkip = 0
  const need = (count: number): void => {
    if (reader.available < count) throw new NeedMore(reader.pos - opStart + count)
  }
  const uint = (size: 1 | 2 | 4 | 8): number => {
    need(size)
    const { buffer, pos } = reader
    reader.pos += size
    if (size === 1) return buffer[pos] as number
    if (size === 2) return buffer.readUInt16LE(pos)
    if (size === 4) return buffer.readUInt32LE(pos)
    const value = buffer.readBigUInt64LE(pos)
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length beyond any real file')
    return Number(value)
  }
  /** Moves past a payload: within the buffer now, beyond it after the opcode (its last read). */
  const skip = (count: number): void => {
    if (count <= reader.available) {
      reader.pos += count
      return
    }
    pendingSkip = count - reader.available
    reader.pos = reader.end
  }
  /** A `\n`-terminated line (the newline dropped). */
  const line = (): Buffer => {
    const index = reader.buffer.indexOf(0x0a, reader.pos)
    if (index !== -1 && index < reader.end) {
      const text = Buffer.from(reader.buffer.subarray(reader.pos, index))
      reader.pos = index + 1
      return text
    }
    if (reader.available >= MAX_LINE) fail(`a text argument longer than ${MAX_LINE} bytes`)
    throw new NeedMore(reader.pos - opStart + reader.available + 1)
  }
  /** A string of `length` bytes: its value when short, else skipped and unknown. */
  const string = (length: number, decode: (bytes: Buffer) => string | undefined): void => {
    if (length > MAX_TRACKED_STRING) {
      skip(length)
      stack.push(OTHER)
      return
    }
    need(length)
    const bytes = reader.buffer.subarray(reader.pos, reader.pos + length)
    reader.pos += length
    stack.push(decode(bytes) ?? OTHER)
  }
  /** Items pushed since the last MARK are the only ones an opcode may take (Python's metastack). */
  const floor = (): number => (marks.length > 0 ? (marks[marks.length - 1] as number) : 0)
  const pop = (count = 1): Item[] => {
    if (stack.length - count < floor()) fail('stack underflow (a malformed stream)')
    return stack.splice(stack.length - count, count)
  }
  const popMark = (): void => {
    const start = marks.pop()
    if (start === undefined) fail('no MARK to pop back to (a malformed stream)')
    stack.length = start as number
  }
  const top = (): Item => {
    if (stack.length <= floor()) fail('stack underflow (a malformed stream)')
    return stack[stack.length - 1] as Item
  }
  /** PUT and GET write the key as text; Python reads it with int(), so `p5` and BINPUT 5 meet. */
  const memoKey = (text: Buffer): number => {
    const digits = text.toString('latin1').trim()
    if (!/^\+?\d+(?:_\d+)*$/.test(digits))
      fail(`a memo key that is not a number (${JSON.stringify(digits.slice(0, 40))})`)
    return Number(digits.replace(/[_+]/g, ''))
  }
  const put = (key: number): void => {
    const item = top()
    if (!memo.has(key) && memo.size >= MAX_MEMO_ENTRIES) {
      fail(`more than ${MAX_MEMO_ENTRIES} memo entries: too many to follow`)
    }
    memo.set(key, item)
  }
  const get = (key: number): void => {
    stack.push(memo.get(key) ?? OTHER)
  }
  const importOf = (module: string, name: string, via: ScannedImport['via']): void => {
    record(module, name, at, via)
    stack.push({ module, name })
  }

  /**
   * One opcode, read from the buffer without waiting: true at STOP. Every read comes before any
   * change to the stack or memo, so an opcode cut by the buffer's end (NeedMore) is read again
   * whole once more bytes are in. Awaiting per opcode cost 30 times the time on dense streams.
   */
  const step = (): boolean => {
    const op = reader.buffer[reader.pos++] as number
    switch (op) {
      case 0x2e: // STOP
        return true
      case 0x28: // MARK
        marks.push(stack.length)
        break
      case 0x30: // POP: the top item, or the last MARK when nothing was pushed since
        if (stack.length > floor()) stack.pop()
        else popMark()
        break
      case 0x31: // POP_MARK
        popMark()
        break
      case 0x32: // DUP
        stack.push(top())
        break
      case 0x46: // FLOAT
      case 0x49: // INT
      case 0x4c: // LONG
        line()
        stack.push(OTHER)
        break
      case 0x4a: // BININT
        skip(4)
        stack.push(OTHER)
        break
      case 0x4b: // BININT1
        skip(1)
        stack.push(OTHER)
        break
      case 0x4d: // BININT2
        skip(2)
        stack.push(OTHER)
        break
      case 0x47: // BINFLOAT
        skip(8)
        stack.push(OTHER)
        break
      case 0x4e: // NONE
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
      case 0x29: // EMPTY_TUPLE
      case 0x5d: // EMPTY_LIST
      case 0x7d: // EMPTY_DICT
      case 0x8f: // EMPTY_SET
      case 0x97: // NEXT_BUFFER
        stack.push(OTHER)
        break
      case 0x50: // PERSID: the loader's persistent_load gets a text id
        line()
        stack.push(OTHER)
        break
      case 0x51: // BINPERSID
        pop()
        stack.push(OTHER)
        break
      case 0x52: // REDUCE
      case 0x81: // NEWOBJ
        pop(2)
        stack.push(OTHER)
        break
      case 0x92: // NEWOBJ_EX
        pop(3)
        stack.push(OTHER)
        break
      case 0x53: // STRING: a quoted Python 2 str literal
        stack.push(decodeQuoted(line().toString('latin1')) ?? OTHER)
        break
      case 0x56: // UNICODE: raw-unicode-escape
        stack.push(decodeRawUnicode(line()) ?? OTHER)
        break
      case 0x54: // BINSTRING
        string(uint(4), bytes => bytes.toString('latin1'))
        break
      case 0x55: // SHORT_BINSTRING
        string(uint(1), bytes => bytes.toString('latin1'))
        break
      case 0x58: // BINUNICODE
        string(uint(4), utf8)
        break
      case 0x8c: // SHORT_BINUNICODE
        string(uint(1), utf8)
        break
      case 0x8d: // BINUNICODE8
        string(uint(8), utf8)
        break
      case 0x42: // BINBYTES
        skip(uint(4))
        stack.push(OTHER)
        break
      case 0x43: // SHORT_BINBYTES
        skip(uint(1))
        stack.push(OTHER)
        break
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        skip(uint(8))
        stack.push(OTHER)
        break
      case 0x8a: // LONG1
        skip(uint(1))
        stack.push(OTHER)
        break
      case 0x8b: // LONG4
        skip(uint(4))
        stack.push(OTHER)
        break
      case 0x61: // APPEND
      case 0x62: // BUILD
        pop()
        top()
        break
      case 0x73: // SETITEM
        pop(2)
        top()
        break
      case 0x65: // APPENDS
      case 0x75: // SETITEMS
      case 0x90: // ADDITEMS
        popMark()
        top()
        break
      case 0x64: // DICT
      case 0x6c: // LIST
      case 0x74: // TUPLE
      case 0x91: // FROZENSET
        popMark()
        stack.push(OTHER)
        break
      case 0x6f: // OBJ: the class is the first item after the mark
        popMark()
        stack.push(OTHER)
        break
      case 0x85: // TUPLE1
        pop(1)
        stack.push(OTHER)
        break
      case 0x86: // TUPLE2
        pop(2)
        stack.push(OTHER)
        break
      case 0x87: // TUPLE3
        pop(3)
        stack.push(OTHER)
        break
      case 0x98: // READONLY_BUFFER
        top()
        break
      case 0x63: {
        // GLOBAL: module and name as two lines
        const module = line().toString('utf8')
        const name = line().toString('utf8')
        importOf(module, name, 'GLOBAL')
        break
      }
      case 0x69: {
        // INST: import and call with the items above the mark
        const module = line().toString('utf8')
        const name = line().toString('utf8')
        popMark()
        importOf(module, name, 'INST')
        break
      }
      case 0x93: {
        // STACK_GLOBAL: module and name from the stack
        const [module, name] = pop(2)
        if (typeof module !== 'string' || typeof name !== 'string') {
          fail(
            'STACK_GLOBAL imports a module or name that is not a plain string in the stream, ' +
              'so what it imports cannot be told without running it'
          )
        }
        importOf(module as string, name as string, 'STACK_GLOBAL')
        break
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: {
        // EXT4: an object from copyreg's extension registry, by number
        const code = uint(op === 0x82 ? 1 : op === 0x83 ? 2 : 4)
        importOf('copyreg', `extension code ${code}`, 'EXT')
        break
      }
      case 0x70: // PUT
        put(memoKey(line()))
        break
      case 0x71: // BINPUT
        put(uint(1))
        break
      case 0x72: // LONG_BINPUT
        put(uint(4))
        break
      case 0x94: // MEMOIZE
        put(memo.size)
        break
      case 0x67: // GET
        get(memoKey(line()))
        break
      case 0x68: // BINGET
        get(uint(1))
        break
      case 0x6a: // LONG_BINGET
        get(uint(4))
        break
      case 0x80: {
        // PROTO
        const protocol = uint(1)
        if (protocol > 5) fail(`pickle protocol ${protocol}, newer than the 5 this scanner reads`)
        break
      }
      case 0x95: // FRAME: a length prefix for the opcodes that follow, which are read as usual
        uint(8)
        break
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`)
    }
    return false
  }

  for (;;) {
    if (pendingSkip > 0) {
      const count = pendingSkip
      pendingSkip = 0
      if (!(await reader.skip(count))) fail('the stream ends inside a value (truncated)')
    }
    if (reader.available < 1 && !(await reader.fill(1))) {
      at = reader.offset
      fail('the stream ends before STOP (truncated)')
    }
    try {
      while (reader.available > 0 && pendingSkip === 0) {
        opStart = reader.pos
        at = reader.offset
        if (step()) return
      }
    } catch (error) {
      if (!(error instanceof NeedMore)) throw error
      reader.pos = opStart
      if (!(await reader.fill(error.count))) {
        fail(
          `the stream ends inside an opcode (truncated at byte ${reader.offset + reader.available})`
        )
      }
    }
  }
}

function utf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8')
  return text.includes('\ufffd') ? undefined : text
}

/** `'os'` or `"os"` with Python 2 escapes; undefined when it is anything harder. */
export function decodeQuoted(text: string): string | undefined {
  const quote = text[0]
  if ((quote !== "'" && quote !== '"') || text.length < 2 || text[text.length - 1] !== quote) {
    return undefined
  }
  const body = text.slice(1, -1)
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const next = body[++i]
    const simple: { [escape: string]: string } = {
      '\\': '\\',
      "'": "'",
      '"': '"',
      n: '\n',
      t: '\t',
      r: '\r'
    }
    if (next !== undefined && simple[next] !== undefined) out += simple[next]
    else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16))
      i += 2
    } else return undefined
  }
  return out
}

/** Python's raw-unicode-escape: `\uXXXX` and `\UXXXXXXXX`, everything else as latin-1. */
export function decodeRawUnicode(bytes: Buffer): string | undefined {
  const text = bytes.toString('latin1')
  let failed = false
  const decoded = text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_all, short, long) => {
    const code = parseInt((short ?? long) as string, 16)
    if (code > 0x10ffff) {
      failed = true
      return ''
    }
    return String.fromCodePoint(code)
  })
  return failed ? undefined : decoded
}
