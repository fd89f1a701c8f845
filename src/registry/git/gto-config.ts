/**
 * GTO's configuration as GTO 1.10 reads it (gto/config.py): the `.gto` file at
 * the repository root (YAML) and `GTO_*` environment variables, of which
 * ModelGate needs the stage list. GTO refuses the whole configuration, and
 * so every command, with "Wrong config file '<path>'" when the file is not a
 * YAML mapping of its own keys (exact and case-sensitive: `Stages:` is not
 * `stages:`), a value is of the wrong type, a stage is not a valid name, or
 * `GTO_STAGES` is not JSON; ModelGate refuses the same, with the reason.
 *
 * Stage list: `GTO_STAGES` (a JSON list; the variable's name is matched
 * ignoring case) replaces the file's `stages`; `null` in either means "not
 * set". Neither set: any valid stage. `[]`: no stage may be assigned.
 */
import { constants } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import path from 'node:path'
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml'
import { InvalidInputError } from '../../errors.js'
import type { SourceLocation } from '../../errors.js'
import { assertStageName } from './tag-name.js'

export const GTO_CONFIG_FILE = '.gto'
export const GTO_STAGES_VARIABLE = 'GTO_STAGES'

/** What GTO 1.10 says before it stops; ModelGate's messages quote it. */
const gtoRefusal = (file: string) =>
  `GTO 1.10 stops every command on it with "Wrong config file '${file}'"`

type Check = (value: unknown) => string | undefined

const isBool: Check = value =>
  typeof value === 'boolean' ||
  value === 0 ||
  value === 1 ||
  (typeof value === 'string' && /^(0|1|true|false|t|f|yes|no|y|n|on|off)$/i.test(value))
    ? undefined
    : 'must be true or false'
const isString: Check = value => (typeof value === 'string' ? undefined : 'must be a string')
const isOptionalString: Check = value =>
  value === null || typeof value === 'string' ? undefined : 'must be a string'
const isNameList: Check = value => {
  if (value === null) return undefined
  if (!Array.isArray(value) || !value.every(v => typeof v === 'string'))
    return 'must be a list of names'
  for (const name of value) {
    try {
      assertStageName(name as string)
    } catch (error) {
      return (error as Error).message
    }
  }
  return undefined
}
const isEnrichmentList: Check = value =>
  Array.isArray(value) &&
  value.every(
    e =>
      e !== null &&
      typeof e === 'object' &&
      !Array.isArray(e) &&
      typeof (e as Record<string, unknown>).type === 'string' &&
      Object.keys(e).every(k => k === 'type' || k === 'config') &&
      ((e as Record<string, unknown>).config === undefined ||
        ((e as Record<string, unknown>).config !== null &&
          typeof (e as Record<string, unknown>).config === 'object' &&
          !Array.isArray((e as Record<string, unknown>).config)))
  )
    ? undefined
    : 'must be a list of {type, config} entries'

/** GTO 1.10's settings: their exact names in `.gto`, and what each accepts. */
const GTO_KEYS: Readonly<Record<string, Check>> = {
  INDEX: isString,
  CONFIG_FILE_NAME: isOptionalString,
  LOG_LEVEL: isString,
  DEBUG: isBool,
  EMOJIS: isBool,
  types: isNameList,
  stages: isNameList,
  enrichments: isEnrichmentList,
  autoload_enrichments: isBool
}

/**
 * Parses `.gto` text as GTO does; the stage list, or undefined when it sets
 * none. Throws InvalidInputError (exit 2) naming the file, line and key where
 * GTO would refuse the file.
 */
export function parseGtoStages(text: string, file = GTO_CONFIG_FILE): string[] | undefined {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const refuse = (why: string, where: Partial<SourceLocation> = {}, cause?: unknown) =>
    new InvalidInputError(
      `${file}${where.line ? `:${where.line}` : ''}: ${why}; ${gtoRefusal(file)}.`,
      {
        locations: [{ file, ...where }],
        ...(cause === undefined ? {} : { cause })
      }
    )
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {}
    const { line, col } = lines.linePos(offset)
    return { line, column: col }
  }
  const [error] = doc.errors
  if (error) throw refuse(`is not valid YAML (${error.message})`, at(error.pos[0]), error)
  // GTO reads the file with `yaml.load(...) or {}`: an empty or false document sets nothing.
  const config: unknown = doc.toJS()
  if (!config) return undefined
  if (!isMap(doc.contents)) throw refuse('must be a mapping of GTO settings')
  let stages: string[] | undefined
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key
    const where = { ...at(isScalar(pair.key) ? pair.key.range?.[0] : undefined) }
    if (typeof key !== 'string' || !Object.hasOwn(GTO_KEYS, key)) {
      const name = typeof key === 'string' ? key : JSON.stringify(key)
      const lower = typeof key === 'string' ? key.toLowerCase() : ''
      const meant = Object.keys(GTO_KEYS).find(k => k.toLowerCase() === lower)
      throw refuse(
        `unknown key "${name}"${meant ? ` (GTO's keys are exact: "${meant}")` : ''}; GTO knows ${Object.keys(GTO_KEYS).join(', ')}`,
        { ...where, keyPath: name }
      )
    }
    const value = (config as Record<string, unknown>)[key]
    const problem = GTO_KEYS[key]?.(value)
    if (problem) throw refuse(`${key} ${problem}`, { ...where, keyPath: key })
    if (key === 'stages' && Array.isArray(value)) stages = value as string[]
  }
  return stages
}

/**
 * The stage list `GTO_STAGES` sets: a list, `undefined` when the variable is
 * absent or `null` (then `.gto` decides). Throws InvalidInputError (exit 2)
 * when GTO would refuse it.
 */
export function parseGtoStagesVariable(
  env: Readonly<Record<string, string | undefined>>
): string[] | undefined {
  // pydantic-settings matches variable names ignoring case.
  const name =
    env[GTO_STAGES_VARIABLE] !== undefined
      ? GTO_STAGES_VARIABLE
      : Object.keys(env).find(k => k.toUpperCase() === GTO_STAGES_VARIABLE)
  const raw = name === undefined ? undefined : env[name]
  if (name === undefined || raw === undefined) return undefined
  const refuse = (why: string, cause?: unknown) =>
    new InvalidInputError(
      `The ${name} environment variable ${why}; ${gtoRefusal(GTO_CONFIG_FILE)}.`,
      { locations: [{ file: `$${name}` }], ...(cause === undefined ? {} : { cause }) }
    )
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (error) {
    throw refuse('is not JSON: write a JSON list such as ["dev", "prod"]', error)
  }
  if (value === null) return undefined
  const problem = isNameList(value)
  if (problem)
    throw refuse(problem.startsWith('must') ? problem : `names an invalid stage: ${problem}`)
  return value as string[]
}

/** Not following a link when opening; 0 where the platform has no such flag (lstat still checks). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0

/** Longest `.gto` read: a stage list is a few lines; GTO's own config has a handful of keys. */
export const GTO_CONFIG_LIMIT = 64 * 1024

/**
 * The stages GTO would let be assigned in the repository at `dir`: `GTO_STAGES`
 * when set, else `.gto`'s `stages`; undefined: any valid stage. The file is
 * checked even when the variable decides, as GTO reads both.
 */
export async function readGtoStages(
  dir: string,
  env: Readonly<Record<string, string | undefined>> = process.env
): Promise<string[] | undefined> {
  const fromFile = await readGtoFileStages(dir)
  return parseGtoStagesVariable(env) ?? fromFile
}

/**
 * Reads `<dir>/.gto` when it exists: a regular file of at most {@link GTO_CONFIG_LIMIT}
 * bytes. A link (to `/dev/zero`, or out of the checkout), a FIFO, a device or a larger file is
 * an error naming it, found before reading: opened without following links and without
 * blocking, then checked on the open descriptor, so it cannot be swapped in between.
 */
async function readGtoFileStages(dir: string): Promise<string[] | undefined> {
  const file = path.join(dir, GTO_CONFIG_FILE)
  const refuse = (why: string, cause?: unknown) =>
    new InvalidInputError(`${file} ${why}; ModelGate reads it only as a small regular file.`, {
      locations: [{ file }],
      ...(cause === undefined ? {} : { cause })
    })
  let info
  try {
    info = await lstat(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw refuse('cannot be read', error)
  }
  if (info.isSymbolicLink()) throw refuse('is a symbolic link')
  let handle
  try {
    handle = await open(file, constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw refuse(code === 'ELOOP' ? 'is a symbolic link' : 'cannot be read', error)
  }
  try {
    const opened = await handle.stat()
    if (!opened.isFile()) throw refuse('is not a regular file')
    if (opened.size > GTO_CONFIG_LIMIT) {
      throw refuse(`is larger than ${GTO_CONFIG_LIMIT / 1024} KiB (${opened.size} bytes)`)
    }
    // One byte more than allowed: a file that grew since the stat is caught too.
    const buffer = Buffer.alloc(GTO_CONFIG_LIMIT + 1)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > GTO_CONFIG_LIMIT) throw refuse(`is larger than ${GTO_CONFIG_LIMIT / 1024} KiB`)
    return parseGtoStages(buffer.subarray(0, bytesRead).toString('utf8'), file)
  } finally {
    await handle.close()
  }
}
