import {
  apiError,
  httpStatus,
  stringField,
  unexpected,
  type GitHubApi,
  type RepoRef
} from './client.js'

/** A file read from the repository at a commit. */
export interface RepoFile {
  path: string
  ref: string
  text: string
  /** The blob SHA: equal SHAs mean equal contents (how to tell the PR changed the policy). */
  sha: string
}

/**
 * The file at `path` on `ref` (a branch, tag or commit SHA), via the contents API: how the
 * policy is read from the base branch of a pull request, never from its head. Undefined when
 * there is no such file at that ref; a directory, a symlink or submodule, or a file over the
 * API's 1 MB inline limit is an error.
 */
export async function readFileAtRef(
  api: GitHubApi,
  repo: RepoRef,
  path: string,
  ref: string
): Promise<RepoFile | undefined> {
  let data: unknown
  try {
    ;({ data } = await api.request('GET /repos/{owner}/{repo}/contents/{path}', {
      ...repo,
      path,
      ref
    }))
  } catch (error) {
    if (httpStatus(error) === 404) return undefined
    throw apiError(error, `reading ${path} at ${ref}`, 'contents: read')
  }
  if (Array.isArray(data)) throw new Error(`${path} at ${ref} is a directory, not a file`)
  const type = stringField(data, 'type')
  if (type !== 'file') throw new Error(`${path} at ${ref} is a ${type ?? 'thing'}, not a file`)
  const sha = stringField(data, 'sha')
  const content = stringField(data, 'content')
  const encoding = stringField(data, 'encoding')
  if (!sha || content === undefined) throw unexpected(`${path} at ${ref}`, data)
  if (encoding !== 'base64') {
    throw new Error(
      `${path} at ${ref} is too large for the contents API (over 1 MB); a policy should be far smaller`
    )
  }
  return { path, ref, sha, text: Buffer.from(content, 'base64').toString('utf8') }
}
