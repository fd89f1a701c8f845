import type { Logger } from '../log.js'
import { authorlessPullRequestLine } from '../report/github-log.js'
import {
  apiError,
  field,
  numberField,
  stringField,
  unexpected,
  type GitHubApi,
  type RepoRef
} from './client.js'

/** What ModelGate needs of a pull request. */
export interface PullRequestInfo {
  number: number
  /** The author's login: their own reviews never count. */
  author: string
  /** The head commit: approvals and checks are judged on it, the status is set on it. */
  headSha: string
  headRef: string
  /** The base branch: the policy is read from its commit, never from the head. */
  baseRef: string
  baseSha: string
  /** `open` or `closed`. */
  state: string
  merged: boolean
  /** Once merged: the commit the merge produced on the base branch. */
  mergeCommitSha?: string
  title?: string
  /** The pull request's page, for links. */
  url?: string
}

/** A pull request from the REST API (or a webhook payload's `pull_request`); throws on a shape it cannot read. */
export function parsePullRequest(data: unknown): PullRequestInfo {
  const number = numberField(data, 'number')
  const author = stringField(field(data, 'user'), 'login')
  const head = field(data, 'head')
  const base = field(data, 'base')
  const headSha = stringField(head, 'sha')
  const baseSha = stringField(base, 'sha')
  const headRef = stringField(head, 'ref')
  const baseRef = stringField(base, 'ref')
  if (number !== undefined && field(data, 'user') === null) {
    throw new Error(
      `GitHub API: pull request #${number} has no author (user: null, a deleted account), so whose reviews count cannot be judged`
    )
  }
  if (
    number === undefined ||
    !author ||
    !headSha ||
    !baseSha ||
    headRef === undefined ||
    baseRef === undefined
  ) {
    throw unexpected('a pull request (number, user, head and base)', data)
  }
  const mergeCommitSha = stringField(data, 'merge_commit_sha')
  const mergedAt = stringField(data, 'merged_at')
  const title = stringField(data, 'title')
  const url = stringField(data, 'html_url')
  return {
    number,
    author,
    headSha,
    headRef,
    baseRef,
    baseSha,
    state: stringField(data, 'state') ?? 'open',
    merged: field(data, 'merged') === true || Boolean(mergedAt),
    ...(mergeCommitSha ? { mergeCommitSha } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(url ? { url } : {})
  }
}

/** `GET /repos/{owner}/{repo}/pulls/{pull_number}`. */
export async function getPullRequest(
  api: GitHubApi,
  repo: RepoRef,
  number: number
): Promise<PullRequestInfo> {
  try {
    const { data } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...repo,
      pull_number: number
    })
    return parsePullRequest(data)
  } catch (error) {
    throw apiError(error, `reading pull request #${number}`, 'pull-requests: read')
  }
}

/**
 * The merged pull requests a commit on the default branch came from, for `push` events: among
 * the pull requests GitHub associates with the commit, those merged with this commit as their
 * merge commit (a merge, squash or the last commit of a rebase), newest first. Empty when the
 * push was not the merge of a pull request. Only those are read: another pull request that
 * contains the commit never fails the search (GitHub answers `user: null` for one by a deleted
 * account). A merged one without an author cannot be judged: it is skipped, with a warning.
 */
export async function findMergedPullRequests(
  api: GitHubApi,
  repo: RepoRef,
  sha: string,
  logger?: Logger
): Promise<PullRequestInfo[]> {
  let pulls: unknown[]
  try {
    pulls = await api.paginate('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
      ...repo,
      commit_sha: sha,
      per_page: 100
    })
  } catch (error) {
    throw apiError(error, `finding the pull request of commit ${sha}`, 'pull-requests: read')
  }
  const found: PullRequestInfo[] = []
  for (const pull of pulls) {
    const merged = field(pull, 'merged') === true || Boolean(stringField(pull, 'merged_at'))
    const mergeCommit = stringField(pull, 'merge_commit_sha')
    if (!merged || mergeCommit?.toLowerCase() !== sha.toLowerCase()) continue
    if (field(pull, 'user') === null) {
      logger?.warning(authorlessPullRequestLine(numberField(pull, 'number'), sha))
      continue
    }
    found.push(parsePullRequest(pull))
  }
  return found
}

/** The merged pull request into `base` whose merge commit `sha` is, if any. */
export async function findMergedPullRequest(
  api: GitHubApi,
  repo: RepoRef,
  sha: string,
  base?: string,
  logger?: Logger
): Promise<PullRequestInfo | undefined> {
  const merged = await findMergedPullRequests(api, repo, sha, logger)
  return merged.find(pr => base === undefined || pr.baseRef === base)
}
