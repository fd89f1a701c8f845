/**
 * GTO's `.gto` file (YAML, keys case-insensitive): `stages: [dev, prod]`
 * restricts the stages that may be assigned. Absent file or key: any stage.
 */
import { readFile } from 'node:fs/promises'
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

/** Reads `<dir>/.gto` when it exists. */
export async function readGtoStages(dir: string): Promise<string[] | undefined> {
  const file = path.join(dir, GTO_CONFIG_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  return parseGtoStages(text, file)
}
