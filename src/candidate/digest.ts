import { createHash } from 'node:crypto'
import { lstat, realpath } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError } from '../errors.js'
import { describeFsError } from './hash.js'
import type { CandidateFile } from './types.js'
import { isInside } from './walk.js'

/** What a candidate digest starts with: the algorithm, as in OCI and npm digests. */
export const DIGEST_PREFIX = 'sha256:'

/** `sha256:` and 64 lower-case hex digits. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

/**
 * The content digest of a candidate: which files it holds and what is in them, so a directory
 * can be compared with a registered version cheaply.
 *
 * Definition: the SHA-256 of the listing `sha256sum` would print for the candidate's files,
 * `<file sha256 hex>  <relative POSIX path>\n` per file, lines ordered by the paths' UTF-8 bytes
 * (what `LC_ALL=C sort` does), a path holding `\`, a newline or a CR written as GNU sha256sum
 * does (the line starts with `\`; those characters become `\\`, `\n`, `\r`), prefixed
 * `sha256:`. Reproduce it in a shell with
 * `find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum`
 * for a directory without such names or links.
 *
 * It covers every file the candidate walk lists (walk.ts): every regular file below the
 * directory, dotfiles, `metrics.json`, `model.yaml` and checksums files included, and a link
 * to a file inside the directory under the link's own path with the target's content. Empty
 * directories, file modes and times are not part of it.
 */
export function candidateDigest(files: readonly Pick<CandidateFile, 'path' | 'sha256'>[]): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
  const hash = createHash('sha256')
  for (const file of sorted) {
    const escaped = /[\\\n\r]/.test(file.path)
    const name = escaped
      ? file.path.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
      : file.path
    hash.update(`${escaped ? '\\' : ''}${file.sha256}  ${name}\n`, 'utf8')
  }
  return DIGEST_PREFIX + hash.digest('hex')
}

/**
 * Refuses a candidate directory that is itself a symlink, or that lies in `root` (the
 * repository or workspace) as written but resolves outside it through a linked parent: a
 * pull request can replace `model/` with a link to anywhere on the runner. A path written
 * outside `root` (an absolute path the caller chose, such as a downloaded artifact's
 * temporary directory) is the caller's choice and is only refused when it is a link.
 */
export async function assertCandidateLocation(dir: string, root: string): Promise<void> {
  // Relative to the working directory, as loadCandidate reads it.
  const absolute = path.resolve(dir)
  let isLink = false
  try {
    isLink = (await lstat(absolute)).isSymbolicLink()
  } catch {
    return // a missing directory is loadCandidate's to report (exit 3)
  }
  if (isLink) {
    throw new InvalidInputError(
      `Refusing the candidate directory ${dir}: it is a symlink. Name the real directory; ModelGate does not follow a candidate directory that is a link.`,
      { locations: [{ file: dir }] }
    )
  }
  const rootReal = await realpath(root).catch(() => path.resolve(root))
  if (!isInside(path.resolve(root), absolute) && !isInside(rootReal, absolute)) return
  let real: string
  try {
    real = await realpath(absolute)
  } catch (error) {
    throw new InvalidInputError(
      `Cannot resolve the candidate directory ${dir}: ${describeFsError(error)}`,
      {
        locations: [{ file: dir }],
        cause: error
      }
    )
  }
  if (!isInside(rootReal, real)) {
    throw new InvalidInputError(
      `Refusing the candidate directory ${dir}: it resolves to ${real}, outside the repository ${rootReal} (a parent of it is a symlink).`,
      { locations: [{ file: dir }] }
    )
  }
}
