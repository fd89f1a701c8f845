import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError, errorMessage } from '../errors.js'
import pinnedRoot from '../../trust/sigstore-trusted-root.json' with { type: 'json' }
import { createProvenanceVerifier, TrustedRootError, type ProvenanceVerifier } from './verify.js'

/** Where the pinned root lives in this repository (bundled into dist at build time). */
export const PINNED_TRUSTED_ROOT = 'trust/sigstore-trusted-root.json'

/**
 * The verifier over the Sigstore public-good trusted root pinned in this repository (offline:
 * never fetched at run time; see docs/security.md for how it is updated), or over the trusted
 * root in `file` (resolved in `workspace`) when one is named.
 *
 * @throws InvalidInputError naming the file when it cannot be read or is not a trusted root.
 */
export async function loadProvenanceVerifier(
  file: string | undefined,
  workspace: string
): Promise<ProvenanceVerifier> {
  if (file === undefined) return createProvenanceVerifier(pinnedRoot, PINNED_TRUSTED_ROOT)
  const where = path.resolve(workspace, file)
  let json: unknown
  try {
    json = JSON.parse(await readFile(where, 'utf8'))
  } catch (error) {
    throw new InvalidInputError(
      `input "sigstore-trusted-root": cannot read ${file} as JSON: ${errorMessage(error)}`,
      { cause: error }
    )
  }
  try {
    return createProvenanceVerifier(json, file)
  } catch (error) {
    if (error instanceof TrustedRootError) {
      throw new InvalidInputError(`input "sigstore-trusted-root": ${error.message}`, {
        cause: error
      })
    }
    throw error
  }
}
