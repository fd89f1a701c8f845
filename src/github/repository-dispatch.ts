import { PermissionError } from '../errors.js'
import { apiError, httpStatus, type GitHubApi, type RepoRef } from './client.js'

/** The permission a workflow's `GITHUB_TOKEN` needs to send a repository_dispatch event. */
export const DISPATCH_PERMISSION = 'contents: write'

/** GitHub's limits on a repository_dispatch event (REST docs, "Create a repository dispatch event"). */
export const DISPATCH_LIMITS = { eventType: 100, topLevelProperties: 10 } as const

/** repository_dispatch events of one repository: the port the hand-off to serving sends through. */
export interface RepositoryDispatch {
  send(eventType: string, clientPayload: Record<string, string | number | null>): Promise<void>
}

/**
 * `POST /repos/{owner}/{repo}/dispatches` (204). GitHub refuses more than 10 top-level
 * properties or an event type over 100 characters (422); they are refused here first, naming
 * the limit. A 403 or 404 is the token lacking `contents: write`: a {@link PermissionError}.
 */
export function octokitRepositoryDispatch(api: GitHubApi, repo: RepoRef): RepositoryDispatch {
  return {
    async send(eventType, clientPayload) {
      const properties = Object.keys(clientPayload).length
      if (properties > DISPATCH_LIMITS.topLevelProperties) {
        throw new Error(
          `a repository_dispatch client_payload has at most ${DISPATCH_LIMITS.topLevelProperties} top-level properties, this one ${properties}`
        )
      }
      if (eventType.length === 0 || eventType.length > DISPATCH_LIMITS.eventType) {
        throw new Error(
          `a repository_dispatch event_type has 1 to ${DISPATCH_LIMITS.eventType} characters, this one ${eventType.length}`
        )
      }
      const doing = `sending the repository_dispatch event ${eventType}`
      try {
        await api.request('POST /repos/{owner}/{repo}/dispatches', {
          ...repo,
          event_type: eventType,
          client_payload: clientPayload
        })
      } catch (error) {
        if (httpStatus(error) === 404) {
          throw new PermissionError(
            `GitHub API: ${doing} failed (HTTP 404): the token cannot write this repository; it needs ${DISPATCH_PERMISSION}`,
            { cause: error }
          )
        }
        throw apiError(error, doing, DISPATCH_PERMISSION)
      }
    }
  }
}
