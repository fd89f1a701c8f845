// Pickle streams written opcode by opcode, for the model-file scan's tests: the malicious ones
// no honest pickler writes (memo tricks, imports built on the stack) as well as ordinary ones.
// Independent of src/scan/: opcodes as pickletools documents them.
import { execFileSync } from 'node:child_process'

const ascii = (text: string) => Buffer.from(text, 'latin1')

/** Opcodes with their arguments encoded, to concatenate with `pickle(...)`. */
export const op = {
  proto: (n: number) => Buffer.from([0x80, n]),
  frame: (length: number) => {
    const b = Buffer.alloc(9)
    b[0] = 0x95
    b.writeBigUInt64LE(BigInt(length), 1)
    return b
  },
  stop: ascii('.'),
  mark: ascii('('),
  pop: ascii('0'),
  tuple: ascii('t'),
  tuple1: Buffer.from([0x85]),
  tuple2: Buffer.from([0x86]),
  emptyTuple: ascii(')'),
  emptyDict: ascii('}'),
  emptyList: ascii(']'),
  none: ascii('N'),
  reduce: ascii('R'),
  build: ascii('b'),
  newobj: Buffer.from([0x81]),
  setitem: ascii('s'),
  append: ascii('a'),
  global: (module: string, name: string) => ascii(`c${module}\n${name}\n`),
  inst: (module: string, name: string) => ascii(`i${module}\n${name}\n`),
  obj: ascii('o'),
  stackGlobal: Buffer.from([0x93]),
  memoize: Buffer.from([0x94]),
  put: (key: number) => ascii(`p${key}\n`),
  get: (key: number) => ascii(`g${key}\n`),
  binput: (key: number) => Buffer.from([0x71, key]),
  binget: (key: number) => Buffer.from([0x68, key]),
  longBinget: (key: number) => {
    const b = Buffer.alloc(5)
    b[0] = 0x6a
    b.writeUInt32LE(key, 1)
    return b
  },
  string: (text: string) => ascii(`S'${text}'\n`),
  unicode: (text: string) => ascii(`V${text}\n`),
  shortBinunicode: (text: string) => {
    const bytes = Buffer.from(text, 'utf8')
    return Buffer.concat([Buffer.from([0x8c, bytes.length]), bytes])
  },
  binunicode: (text: string) => {
    const bytes = Buffer.from(text, 'utf8')
    const head = Buffer.alloc(5)
    head[0] = 0x58
    head.writeUInt32LE(bytes.length, 1)
    return Buffer.concat([head, bytes])
  },
  binint1: (n: number) => Buffer.from([0x4b, n]),
  binbytes8: (payload: Buffer) => {
    const head = Buffer.alloc(9)
    head[0] = 0x8e
    head.writeBigUInt64LE(BigInt(payload.length), 1)
    return Buffer.concat([head, payload])
  },
  ext1: (code: number) => Buffer.from([0x82, code]),
  binpersid: Buffer.from([0x51])
}

export function pickle(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts)
}

/** `os.system('echo pwned')` by GLOBAL and REDUCE, protocol 0 (no magic at all). */
export const OS_SYSTEM_P0 = pickle(
  op.global('os', 'system'),
  op.mark,
  op.string('echo pwned'),
  op.tuple,
  op.reduce,
  op.stop
)

/** A protocol 2 numpy float64 array of three zeros, as `ndarray.__reduce__` writes it. */
export const NUMPY_ARRAY_P2 = pickle(
  op.proto(2),
  op.global('numpy.core.multiarray', '_reconstruct'),
  op.binput(0),
  op.global('numpy', 'ndarray'),
  op.binput(1),
  op.binint1(0),
  op.tuple1,
  op.binput(2),
  op.global('_codecs', 'encode'),
  op.binput(3),
  op.binunicode('b'),
  op.binunicode('latin1'),
  op.tuple2,
  op.reduce,
  Buffer.from([0x87]), // TUPLE3: (ndarray, (0,), b'b')
  op.reduce,
  op.binput(4),
  op.mark,
  op.binint1(1),
  op.binint1(3),
  op.tuple1,
  op.global('numpy', 'dtype'),
  op.binunicode('f8'),
  Buffer.from([0x89, 0x88]), // NEWFALSE NEWTRUE
  Buffer.from([0x87]),
  op.reduce,
  op.mark,
  op.binint1(3),
  op.binunicode('<'),
  op.none,
  op.none,
  op.none,
  op.tuple,
  op.build,
  Buffer.from([0x89]),
  op.binget(3),
  op.binunicode('\u0000'.repeat(24)),
  op.binunicode('latin1'),
  op.tuple2,
  op.reduce,
  op.tuple,
  op.build,
  op.stop
)

/** Python 3 from the PATH, or undefined: the tests that need it say so. */
export function python3(): string | undefined {
  for (const name of ['python3', 'python']) {
    try {
      const version = execFileSync(name, ['-c', 'import sys; print(sys.version_info[0])'], {
        encoding: 'utf8'
      })
      if (version.trim() === '3') return name
    } catch {
      // not this one
    }
  }
  return undefined
}

/** Runs a Python 3 script (stdlib only) that writes fixtures into `dir`. */
export function runPython(python: string, dir: string, script: string): void {
  execFileSync(python, ['-c', script], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
}
