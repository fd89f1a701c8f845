import { COMMENT_LIMIT } from '../report/comment.js'
import {
  apiError,
  field,
  numberField,
  stringField,
  unexpected,
  type GitHubApi,
  type Logger,
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
 * it starts with `>` and is left alone). Should two runs have raced and both created one, the
 * newer ones by the same author are deleted, so a re-run heals back to one.
 */
export function octokitCommentSink(api: GitHubApi, repo: RepoRef, logger?: Logger): CommentSink {
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
      const ours = comments.filter(comment => stringField(comment, 'body')?.startsWith(marker))
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

      const author = stringField(field(existing, 'user'), 'login')
      for (const duplicate of duplicates) {
        if (stringField(field(duplicate, 'user'), 'login') !== author) continue
        const id = numberField(duplicate, 'id')
        if (id === undefined) continue
        logger?.info(`Deleting duplicate ModelGate comment ${id} on #${issueNumber}`)
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
