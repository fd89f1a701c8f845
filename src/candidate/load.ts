import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError, NotFoundError } from '../errors.js'
import {
  CHECKSUM_FILE_NAMES,
  parseChecksums,
  verifyChecksums,
  type ChecksumEntry
} from './checksums.js'
import { assertCandidateLocation } from './digest.js'
import { DEFAULT_HASH_CONCURRENCY, describeFsError, hashFiles, type FileDigest } from './hash.js'
import { parseMetrics } from './metrics.js'
import { parseModelInfo } from './model-info.js'
import { readTextFile } from './read-text.js'
import { parseDataQuality } from './data-quality.js'
import { scanModelFiles } from '../scan/files.js'
import { parseMlmodelSignature, parseSchemaJson } from './signature.js'
import type { Candidate, CandidateFile, Signature } from './types.js'
import { walkCandidate, type WalkedFile } from './walk.js'

/** File names with a meaning, at the top of the candidate directory. */
export const METRICS_FILE = 'metrics.json'
export const MLMODEL_FILE = 'MLmodel'
export const SCHEMA_FILE = 'schema.json'
export const MODEL_INFO_FILE = 'model.yaml'
export const DATA_QUALITY_FILE = 'data_quality.json'

export interface LoadCandidateOptions {
  /** Files hashed at the same time (default 4). */
  concurrency?: number
  /**
   * The repository or workspace the directory is named in: a directory that is a symlink, or
   * that is written inside `within` but resolves outside it, is refused (digest.ts).
   */
  within?: string
  /** What the directory is, as messages name it (`check --champion`): default `candidate`. */
  role?: 'candidate' | 'champion'
}

/**
 * Read a candidate model directory: its metrics, signature, `model.yaml`, and
 * every file hashed (SHA-256, streamed) and verified against a checksums file
 * when there is one.
 *
 * Throws NotFoundError (exit 3) when the directory or its `metrics.json` does
 * not exist; InvalidInputError (exit 2), naming file and line where it can,
 * for anything malformed or unsafe (see walk.ts for symlinks). Problems in
 * the files themselves (wrong hash, listed file missing, unlisted file) are
 * reported in `checksums`, not thrown: the artifact gate decides.
 *
 * Metadata files are parsed before any large file is hashed, so a bad input
 * fails fast; their recorded hashes are of exactly the bytes parsed.
 */
export async function loadCandidate(
  dir: string,
  options: LoadCandidateOptions = {}
): Promise<Candidate> {
  if (options.within !== undefined) await assertCandidateLocation(dir, options.within)
  const absolute = path.resolve(dir)
  const root = await resolveRoot(dir, options.role)

  const display = (relative: string): string => path.join(dir, relative)
  const walk = await walkCandidate(root, dir)
  const byPath = new Map(walk.files.map(file => [file.path, file]))
  const digests = new Map<string, FileDigest>()
  const notes: string[] = []

  /** Read a top-level metadata file, if present; a directory of that name is an error. */
  const readMetadata = async (name: string): Promise<string | undefined> => {
    const file = byPath.get(name)
    if (!file) {
      if (walk.directories.has(name)) {
        throw new InvalidInputError(`${display(name)} is a directory, not a file`, {
          locations: [{ file: display(name) }]
        })
      }
      return undefined
    }
    const { text, digest } = await readTextFile(file.openPath, display(name))
    digests.set(name, digest)
    return text
  }

  const metricsText = await readMetadata(METRICS_FILE)
  if (metricsText === undefined) {
    throw new NotFoundError(
      `The candidate has no ${METRICS_FILE}: ${display(METRICS_FILE)} does not exist`,
      {
        locations: [{ file: display(METRICS_FILE) }]
      }
    )
  }
  const { metrics, invalidMetrics } = parseMetrics(metricsText, display(METRICS_FILE))

  const signature = await readSignature(readMetadata, display, notes)

  const infoText = await readMetadata(MODEL_INFO_FILE)
  const info =
    infoText === undefined ? undefined : parseModelInfo(infoText, display(MODEL_INFO_FILE))

  const qualityText = await readMetadata(DATA_QUALITY_FILE)
  const dataQuality =
    qualityText === undefined ? undefined : parseDataQuality(qualityText, DATA_QUALITY_FILE)

  const checksumNames = CHECKSUM_FILE_NAMES.filter(
    name => byPath.has(name) || walk.directories.has(name)
  )
  if (checksumNames.length > 1) {
    throw new InvalidInputError(
      `The candidate has ${checksumNames.length} checksums files (${checksumNames.join(', ')}); keep one`,
      { locations: checksumNames.map(name => ({ file: display(name) })) }
    )
  }
  const checksumsFile = checksumNames[0]
  let checksumEntries: ChecksumEntry[] | undefined
  if (checksumsFile !== undefined) {
    const text = await readMetadata(checksumsFile)
    checksumEntries = parseChecksums(text ?? '', display(checksumsFile))
  }

  const files = await hashAll(walk.files, digests, display, options.concurrency)
  const candidate: Candidate = {
    dir: absolute,
    metrics,
    invalidMetrics,
    files,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    scan: await scanAll(walk.files, display)
  }
  if (signature) candidate.signature = signature
  if (info) candidate.info = info
  if (dataQuality) candidate.dataQuality = dataQuality
  if (checksumsFile !== undefined && checksumEntries) {
    candidate.checksums = verifyChecksums(checksumsFile, checksumEntries, files)
  }
  if (notes.length > 0) candidate.notes = notes
  return candidate
}

/** The directory's real path; NotFoundError when it is missing, InvalidInputError when not a directory. */
async function resolveRoot(dir: string, role = 'candidate'): Promise<string> {
  const absolute = path.resolve(dir)
  try {
    const rootStat = await stat(absolute)
    if (!rootStat.isDirectory()) {
      throw new InvalidInputError(`The ${role} ${dir} is not a directory`, {
        locations: [{ file: dir }]
      })
    }
    return await realpath(absolute)
  } catch (error) {
    if (error instanceof InvalidInputError) throw error
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotFoundError(`The ${role} directory ${dir} does not exist`, {
        locations: [{ file: dir }],
        cause: error
      })
    }
    throw new InvalidInputError(
      `Cannot read the ${role} directory ${dir}: ${describeFsError(error)}`,
      {
        locations: [{ file: dir }],
        cause: error
      }
    )
  }
}

/**
 * Every file of a directory, walked and hashed as loadCandidate does (the same list), without
 * reading what any of them means: what a content digest is computed from.
 */
export async function walkAndHash(
  dir: string,
  display: string = dir
): Promise<{ files: CandidateFile[] }> {
  const root = await resolveRoot(dir)
  const walk = await walkCandidate(root, display)
  const files = await hashAll(walk.files, new Map(), relative => path.join(display, relative))
  return { files }
}

async function readSignature(
  readMetadata: (name: string) => Promise<string | undefined>,
  display: (relative: string) => string,
  notes: string[]
): Promise<Signature | undefined> {
  const mlmodelText = await readMetadata(MLMODEL_FILE)
  const schemaText = await readMetadata(SCHEMA_FILE)
  const fromMlmodel =
    mlmodelText === undefined
      ? undefined
      : parseMlmodelSignature(mlmodelText, display(MLMODEL_FILE))
  // schema.json is validated even when MLmodel wins, so a broken file never ships unnoticed.
  const fromSchema =
    schemaText === undefined ? undefined : parseSchemaJson(schemaText, display(SCHEMA_FILE))
  if (fromMlmodel && fromSchema) {
    notes.push(
      `Both ${MLMODEL_FILE} and ${SCHEMA_FILE} describe the signature; ${MLMODEL_FILE} is used.`
    )
    return fromMlmodel
  }
  if (mlmodelText !== undefined && !fromMlmodel && fromSchema) {
    notes.push(`${MLMODEL_FILE} has no signature; the signature comes from ${SCHEMA_FILE}.`)
  }
  return fromMlmodel ?? fromSchema
}

/** The model-file scan of every file (see scan/files.ts); a file-system error names the candidate. */
async function scanAll(walked: readonly WalkedFile[], display: (relative: string) => string) {
  try {
    return await scanModelFiles(walked)
  } catch (error) {
    throw new InvalidInputError(
      `Cannot scan the files of ${display('')}: ${describeFsError(error)}`,
      { cause: error }
    )
  }
}

async function hashAll(
  walked: readonly WalkedFile[],
  known: ReadonlyMap<string, FileDigest>,
  display: (relative: string) => string,
  concurrency = DEFAULT_HASH_CONCURRENCY
): Promise<CandidateFile[]> {
  const todo = walked.filter(file => !known.has(file.path))
  const digests = await hashFiles(
    todo.map(file => ({ file: file.openPath, displayPath: display(file.path) })),
    concurrency
  )
  const computed = new Map(todo.map((file, index) => [file.path, digests[index]]))
  return walked.map(file => {
    const digest = known.get(file.path) ?? computed.get(file.path)
    if (!digest) throw new Error(`internal error: ${file.path} was not hashed`)
    return { path: file.path, size: digest.size, sha256: digest.sha256 }
  })
}
