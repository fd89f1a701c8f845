/**
 * What the model-file scan finds: the streams in a candidate's files that can hold code, and
 * what each imports. The candidate keeps them (candidate/types.ts `Candidate.scan`); the
 * model-scan gate judges them.
 */

/** One object a pickle stream imports (and so may call when loaded), found by the model-file scan. */
export interface ScannedImport {
  /** The module, under its Python 3 name (`__builtin__` is judged as `builtins`). */
  module: string
  /** The name in the module; dotted for a nested attribute (protocol 4). */
  name: string
  /** Byte offset of the first opcode importing it, in the stream scanned. */
  offset: number
  via: 'GLOBAL' | 'STACK_GLOBAL' | 'INST' | 'EXT'
  /** How many times the stream imports it. */
  count: number
  /** The module as the stream wrote it, when that is a Python 2 name mapped to `module`. */
  written?: string
}

/** One stream the scan read: a file, or a member of a file (a zip entry, a decompressed stream). */
export interface ScannedStream {
  /** The candidate file, relative to the candidate directory. */
  path: string
  /** Where inside the file, outermost first: zip entry names, `(zlib)` for a decompressed stream. */
  within?: string[]
  /** What it was read as: `pickle`, `npy object array`, `zip`, ... */
  format: string
  imports: ScannedImport[]
  /** Why the stream could not be read through (fail closed); `offset` where it stopped. */
  problem?: { offset?: number; why: string }
}

/** The model-file scan of every candidate file: streams that can hold code, opened by opcode. */
export interface ModelScan {
  /** Files looked at (all of them; most hold no code and yield no stream). */
  files: number
  streams: ScannedStream[]
}
