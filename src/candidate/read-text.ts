import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { InvalidInputError } from '../errors.js'
import { SAFE_READ_FLAGS } from '../scan/reader.js'
import { describeFsError, type FileDigest } from './hash.js'

/** Metadata files (metrics.json, MLmodel, schema.json, model.yaml, checksums) larger than this are refused. */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024

export interface TextFile {
  text: string
  /** Digest of exactly the bytes parsed, so the recorded hash is of what was read. */
  digest: FileDigest
}

/**
 * Read a small UTF-8 metadata file whole (a leading BOM dropped), hashing the same bytes. Refuses
 * files over MAX_METADATA_BYTES, non-regular files and invalid UTF-8.
 */
export async function readTextFile(openPath: string, displayPath: string): Promise<TextFile> {
  let handle
  try {
    handle = await open(openPath, SAFE_READ_FLAGS)
  } catch (error) {
    throw new InvalidInputError(`Cannot read ${displayPath}: ${describeFsError(error)}`, {
      locations: [{ file: displayPath }],
      cause: error
    })
  }
  let bytes: Buffer
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) {
      throw new InvalidInputError(`${displayPath} is not a regular file`, {
        locations: [{ file: displayPath }]
      })
    }
    if (stat.size > MAX_METADATA_BYTES) {
      throw new InvalidInputError(
        `${displayPath} is ${stat.size} bytes; metadata files over ${MAX_METADATA_BYTES} bytes are refused`,
        { locations: [{ file: displayPath }] }
      )
    }
    bytes = await handle.readFile()
    if (bytes.length !== stat.size) {
      throw new InvalidInputError(`${displayPath} changed while it was being read`, {
        locations: [{ file: displayPath }]
      })
    }
  } catch (error) {
    if (error instanceof InvalidInputError) throw error
    throw new InvalidInputError(`Cannot read ${displayPath}: ${describeFsError(error)}`, {
      locations: [{ file: displayPath }],
      cause: error
    })
  } finally {
    await handle.close()
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (error) {
    throw new InvalidInputError(`${displayPath} is not valid UTF-8 text`, {
      locations: [{ file: displayPath }],
      cause: error
    })
  }
  return {
    text,
    digest: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length }
  }
}
