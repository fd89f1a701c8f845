/**
 * Finding a repository's git directory without a git process (for the tag
 * cache, tag-cache.ts): as git's discovery does, from a directory upwards.
 * Split from tag-cache.ts with issue 11's cold read.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'

function isDirectory(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() === true
}

function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() === true
}

/** git's is_git_directory, roughly: HEAD, objects/ and refs/. */
function looksLikeGitDir(dir: string): boolean {
  return (
    isFile(path.join(dir, 'HEAD')) &&
    isDirectory(path.join(dir, 'refs')) &&
    (isDirectory(path.join(dir, 'objects')) || isFile(path.join(dir, 'commondir')))
  )
}

/**
 * The git directory of the repository `cwd` belongs to, found as git's
 * discovery does: at each level upwards, `.git` (a directory, or a file
 * `gitdir: <path>`), else the level itself when it is a git directory (bare).
 */
export function findGitDir(cwd: string): string | undefined {
  try {
    let dir = path.resolve(cwd)
    for (;;) {
      const dotGit = path.join(dir, '.git')
      const stat = statSync(dotGit, { throwIfNoEntry: false })
      if (stat?.isDirectory()) return dotGit
      if (stat?.isFile()) {
        const pointer = /^gitdir: *(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]
        return pointer === undefined ? undefined : path.resolve(dir, pointer)
      }
      if (looksLikeGitDir(dir)) return dir
      const parent = path.dirname(dir)
      if (parent === dir) return undefined
      dir = parent
    }
  } catch {
    return undefined
  }
}

/** A linked worktree's git directory names the common one in `commondir`. */
export function commonDirOf(gitDir: string): string {
  try {
    const common = readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()
    return common ? path.resolve(gitDir, common) : gitDir
  } catch {
    return gitDir
  }
}
