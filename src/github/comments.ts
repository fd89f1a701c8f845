import type { Logger } from '../log.js'
import { COMMENT_LIMIT } from '../report/comment.js'
import { commentProblemLine, duplicateCommentLine } from '../report/github-log.js'
import { tokenLogin } from './identity.js'
import {
  apiError,
  field,
  numberField,
  stringField,
  unexpected,
  type GitHubApi,
  type RepoRef
} from './client.js'

export interface StickyCommentResult {
  id: number
  /** The comment's page, when GitHub gave it. */
  url?: string
  /** `created`: there was none; `updated`: edited in place; `unchanged`: already said this. */
  action: 'created' | 'updated' | 'unchanged'
}

/** Where the sticky comment goes: one comment per marker on a pull request. */
export interface CommentSink {
  /**
   * Creates the comment whose body starts with `marker`, or edits the one that exists: never a
   * second. `body` is written as given (or computed from the existing body, e.g. with
   * `addDone`), with the marker put first when it is not there.
   */
  upsert(
    issueNumber: number,
    marker: string,
    body: string | ((existing: string | undefined) => string)
  ): Promise<StickyCommentResult>
}

/**
 * {@link CommentSink} over the REST API. Finds the comment by listing every page of the pull
 * request's comments and taking the oldest whose body starts with the marker (a reply quoting
 * it starts with `>` and is left alone) and that the token's own account wrote: anyone can
 * post the hidden marker, and a PR author's imitation must never receive the official report
 * (they could edit it afterwards). Who the token is comes from {@link tokenLogin}, asked only
 * when a marked comment exists; when it cannot be known, a new comment is posted rather than
 * editing one that may not be ours. Should two runs have raced and both created one, the
 * newer ones are deleted, so a re-run heals back to one.
 */
export function octokitCommentSink(api: GitHubApi, repo: RepoRef, logger?: Logger): CommentSink {
  let identity: Promise<string | undefined> | undefined
  const ownLogin = () => (identity ??= tokenLogin(api, logger))
  return {
    async upsert(issueNumber, marker, body) {
      if (typeof body === 'string') checkedText(body, marker)
      const needs = 'pull-requests: write (or issues: write)'
      let comments: unknown[]
      try {
        comments = await api.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...repo,
          issue_number: issueNumber,
          per_page: 100
        })
      } catch (error) {
        throw apiError(error, `listing the comments of #${issueNumber}`, needs)
      }
      const marked = comments.filter(comment => stringField(comment, 'body')?.startsWith(marker))
      const ours =
        marked.length > 0
          ? ownCommentsOf(marked, await ownLogin(), message =>
              logger?.warning(commentProblemLine(issueNumber, message))
            )
          : []
      const [existing, ...duplicates] = ours
      const text = checkedText(
        typeof body === 'string' ? body : body(stringField(existing, 'body')),
        marker
      )

      if (existing === undefined) {
        try {
          const { data } = await api.request(
            'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
            { ...repo, issue_number: issueNumber, body: text }
          )
          return result(data, 'created')
        } catch (error) {
          throw apiError(error, `commenting on #${issueNumber}`, needs)
        }
      }

      for (const duplicate of duplicates) {
        const id = numberField(duplicate, 'id')
        if (id === undefined) continue
        logger?.info(duplicateCommentLine(id, issueNumber))
        try {
          await api.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
            ...repo,
            comment_id: id
          })
        } catch (error) {
          throw apiError(error, `deleting duplicate comment ${id} on #${issueNumber}`, needs)
        }
      }

      if (stringField(existing, 'body') === text) return result(existing, 'unchanged')
      const id = numberField(existing, 'id')
      if (id === undefined) throw unexpected('a comment', existing)
      try {
        const { data } = await api.request(
          'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
          { ...repo, comment_id: id, body: text }
        )
        return result(data, 'updated')
      } catch (error) {
        throw apiError(error, `updating comment ${id} on #${issueNumber}`, needs)
      }
    }
  }
}

/**
 * The marked comments written by `login` (GitHub logins are case-insensitive); none when the
 * login is unknown. Says what it leaves alone, once per upsert.
 */
function ownCommentsOf(
  marked: unknown[],
  login: string | undefined,
  warn: (message: string) => void
): unknown[] {
  if (login === undefined) {
    warn(
      `${marked.length} comment(s) carry ModelGate's marker, but GitHub did not say which account the token is (GraphQL viewer and GET /user both failed), so none is edited: a new comment is posted instead`
    )
    return []
  }
  const key = login.toLowerCase()
  const ours = marked.filter(
    comment => stringField(field(comment, 'user'), 'login')?.toLowerCase() === key
  )
  const foreign = marked.length - ours.length
  if (foreign > 0) {
    warn(
      `${foreign} comment(s) carry ModelGate's marker but were not written by ${login} (the token's account): left alone, never edited`
    )
  }
  return ours
}

/** The body with the marker first, refused when over GitHub's limit. */
function checkedText(body: string, marker: string): string {
  const text = body.startsWith(marker) ? body : `${marker}\n${body}`
  if (text.length > COMMENT_LIMIT) {
    throw new Error(
      `the comment is ${text.length} characters, over GitHub's limit of ${COMMENT_LIMIT}; render it with renderComment, which shortens`
    )
  }
  return text
}

function result(data: unknown, action: StickyCommentResult['action']): StickyCommentResult {
  const id = numberField(data, 'id')
  if (id === undefined) throw unexpected('a comment', data)
  const url = stringField(data, 'html_url')
  return { id, action, ...(url ? { url } : {}) }
}
