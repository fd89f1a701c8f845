/** What `modelgate digest` prints: the digest alone (for a script), or the facts as JSON. */

/** A candidate directory's content digest (candidate/digest.ts) and how many files it covers. */
export interface DigestResult {
  dir: string
  digest: string
  files: number
}

export function renderDigest(result: DigestResult): { markdown: string; json: string } {
  const { dir, digest, files } = result
  return { markdown: `${digest}\n`, json: JSON.stringify({ dir, digest, files }, null, 2) }
}
