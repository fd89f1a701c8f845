import { readdir, readlink, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError } from '../errors.js'
import { describeFsError } from './hash.js'

/**
 * Listing a candidate directory.
 *
 * Choices, all fail-closed:
 * - Nothing is skipped, not even `.git` or dotfiles: every byte that ships
 *   with the model is counted toward the size limit and must be covered by
 *   the checksums. A stray `.git` shows up as unlisted files, never as a pass.
 * - A symlink is followed only when its fully resolved target is a regular
 *   file inside the candidate directory; it is then listed under the link's
 *   own path and hashed as the target's content. A link that resolves
 *   outside the directory (even through other links), a dangling link, a
 *   link loop and a link to a directory are refused with InvalidInputError
 *   naming the link and its target. Links to directories are refused so the
 *   walk can never loop or count the same tree twice.
 * - Anything that is neither a regular file nor a directory (FIFO, socket,
 *   device) is refused: reading a FIFO could block forever.
 * Hard links cannot be told apart from ordinary files and are read as such.
 */

export interface WalkedFile {
  /** POSIX path relative to the candidate directory. */
  path: string
  /** Absolute path to open: the file itself, or a vetted symlink's resolved target. */
  openPath: string
  /** For a symlink, what it points to, as written in the link. */
  linkTarget?: string
}

export interface WalkResult {
  /** Every regular file (and vetted file link), sorted by path (code-unit order). */
  files: WalkedFile[]
  /** Every directory below the root, as POSIX relative paths. */
  directories: Set<string>
}

/**
 * Walk `root` (an absolute, already realpath-resolved directory) recursively.
 * `displayRoot` is how messages name the root (the path as the user gave it).
 */
export async function walkCandidate(root: string, displayRoot: string): Promise<WalkResult> {
  const files: WalkedFile[] = []
  const directories = new Set<string>()
  const display = (relative: string): string => path.join(displayRoot, relative)

  const visit = async (relativeDir: string): Promise<void> => {
    const absoluteDir = relativeDir === '' ? root : path.join(root, ...relativeDir.split('/'))
    let entries
    try {
      entries = await readdir(absoluteDir, { withFileTypes: true })
    } catch (error) {
      throw new InvalidInputError(
        `Cannot list ${display(relativeDir) || '.'}: ${describeFsError(error)}`,
        { locations: [{ file: display(relativeDir) }], cause: error }
      )
    }
    for (const entry of entries) {
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`
      const absolute = path.join(absoluteDir, entry.name)
      if (entry.isDirectory()) {
        directories.add(relative)
        await visit(relative)
      } else if (entry.isFile()) {
        files.push({ path: relative, openPath: absolute })
      } else if (entry.isSymbolicLink()) {
        files.push(await vetLink(root, relative, absolute, display(relative)))
      } else {
        throw new InvalidInputError(
          `${display(relative)} is not a regular file or a directory (a FIFO, socket or device); ` +
            'a candidate may hold only files and directories',
          { locations: [{ file: display(relative) }] }
        )
      }
    }
  }

  await visit('')
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { files, directories }
}

/** True when `target` is `root` itself or lies below it (both absolute and resolved). */
export function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target)
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  )
}

async function vetLink(
  root: string,
  relative: string,
  absolute: string,
  displayPath: string
): Promise<WalkedFile> {
  const linkTarget = await readlink(absolute)
  const refuse = (why: string, cause?: unknown): InvalidInputError =>
    new InvalidInputError(
      `Refusing symlink ${displayPath} -> ${linkTarget}: ${why}. ` +
        'ModelGate only follows links to files inside the candidate directory.',
      { locations: [{ file: displayPath }], cause }
    )

  let resolved: string
  try {
    resolved = await realpath(absolute)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    // Say "outside" when it is, even for a dangling target: that is the real problem.
    if (!isInside(root, path.resolve(path.dirname(absolute), linkTarget))) {
      throw refuse('it points outside the candidate directory', error)
    }
    throw refuse(
      code === 'ENOENT'
        ? 'its target does not exist'
        : code === 'ELOOP'
          ? 'it is part of a symlink loop'
          : `it cannot be resolved (${describeFsError(error)})`,
      error
    )
  }
  if (!isInside(root, resolved)) {
    const direct = resolved === path.resolve(path.dirname(absolute), linkTarget)
    throw refuse(
      direct
        ? 'it points outside the candidate directory'
        : `it resolves to ${resolved}, outside the candidate directory`
    )
  }
  const targetStat = await stat(resolved)
  if (targetStat.isDirectory()) throw refuse('it points to a directory')
  if (!targetStat.isFile()) throw refuse('its target is not a regular file')
  return { path: relative, openPath: resolved, linkTarget }
}
