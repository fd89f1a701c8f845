import type { Candidate } from '../candidate/types.js'
import type { AttestationLookup, ProvenanceEvidence } from '../gates/provenance.js'

/** Artifact attestations of one repository, by subject digest (github/attestations.ts reads GitHub's). */
export interface AttestationSource {
  /** Where the attestations are read from (`owner/name`), for the report. */
  readonly repository: string
  /** The bundles attesting `sha256` (lowercase hex); never throws: an error is an answer. */
  bundlesFor(sha256: string): Promise<AttestationLookup>
}

/** Lookups in flight at once. */
const CONCURRENCY = 4

/**
 * Reads the attestations of every distinct digest of the candidate's files (the checksums file
 * included) from `source`. Never throws for GitHub's answers: a failed read is recorded for the
 * gate, which fails closed on it.
 */
export async function collectAttestations(
  source: AttestationSource,
  candidate: Pick<Candidate, 'files'>
): Promise<ProvenanceEvidence> {
  const digests = [...new Set(candidate.files.map(file => file.sha256))]
  const lookups: Record<string, AttestationLookup> = {}
  let next = 0
  const worker = async () => {
    while (next < digests.length) {
      const digest = digests[next++] as string
      lookups[digest] = await source.bundlesFor(digest)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, digests.length) }, worker))
  return { repository: source.repository, lookups }
}
