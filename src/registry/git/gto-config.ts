/**
 * GTO's `.gto` file (YAML, keys case-insensitive): `stages: [dev, prod]`
 * restricts the stages that may be assigned. Absent file or key: any stage.
 */
import { constants } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import { InvalidInputError } from '../../errors.js'
import { assertStageName } from './tag-name.js'

export const GTO_CONFIG_FILE = '.gto'

/** Parses `.gto` text; the stage list, or undefined when it sets none. */
export function parseGtoStages(text: string, file = GTO_CONFIG_FILE): string[] | undefined {
  let config: unknown
  try {
    config = parse(text)
  } catch (error) {
    throw new InvalidInputError(`${file} is not valid YAML.`, {
      locations: [{ file }],
      cause: error
    })
  }
  if (config === null || config === undefined) return undefined
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidInputError(`${file} must be a mapping.`, { locations: [{ file }] })
  }
  const entry = Object.entries(config).find(([key]) => key.toLowerCase() === 'stages')
  if (!entry || entry[1] === null || entry[1] === undefined) return undefined
  const [key, stages] = entry
  if (!Array.isArray(stages) || !stages.every(s => typeof s === 'string')) {
    throw new InvalidInputError(`${file}: ${key} must be a list of stage names.`, {
      locations: [{ file, keyPath: key }]
    })
  }
  for (const stage of stages) {
    try {
      assertStageName(stage)
    } catch (error) {
      throw new InvalidInputError(`${file}: ${(error as Error).message}`, {
        locations: [{ file, keyPath: key }],
        cause: error
      })
    }
  }
  return stages
}

/** Not following a link when opening; 0 where the platform has no such flag (lstat still checks). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0

/** Longest `.gto` read: a stage list is a few lines; GTO's own config has a handful of keys. */
export const GTO_CONFIG_LIMIT = 64 * 1024

/**
 * Reads `<dir>/.gto` when it exists: a regular file of at most {@link GTO_CONFIG_LIMIT}
 * bytes. A link (to `/dev/zero`, or out of the checkout), a FIFO, a device or a larger file is
 * an error naming it, found before reading: opened without following links and without
 * blocking, then checked on the open descriptor, so it cannot be swapped in between.
 */
export async function readGtoStages(dir: string): Promise<string[] | undefined> {
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
