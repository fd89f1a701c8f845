import { readFile } from 'node:fs/promises'
import { InvalidInputError, PermissionError, errorMessage } from '../errors.js'
import type { Settings } from '../inputs.js'
import { createOctokit, type GitHubApi, type RepoRef } from '../github/client.js'
import type { Logger } from '../log.js'
import type { RunnerContext } from './commands.js'

/** What the event router needs beyond {@link RunnerContext}: where GitHub is and how to log. */
export interface EventContext extends RunnerContext {
  /** `GITHUB_REPOSITORY`: `owner/name`. */
  repository?: string
  /** `GITHUB_EVENT_PATH`: the webhook payload. */
  eventPath?: string
  /** `GITHUB_REF`: the branch or tag the workflow runs on. */
  ref?: string
  /** `GITHUB_API_URL`. */
  apiUrl: string
  logger?: Logger
  /** Builds the API client; tests may hand in their own. */
  api?: (token: string) => GitHubApi
}

/** The API client over the input token, masked before first use. */
export function apiFor(settings: Settings, context: EventContext, needs: string): GitHubApi {
  const token = settings.githubToken
  if (!token) {
    throw new PermissionError(
      `${needs} needs the GitHub API: set the github-token input (default \${{ github.token }})`
    )
  }
  context.onSecret(token)
  return context.api
    ? context.api(token)
    : createOctokit(token, { baseUrl: context.apiUrl, logger: context.logger })
}

export function repoRef(context: EventContext): RepoRef {
  const [owner, repo, ...rest] = (context.repository ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new InvalidInputError(
      `GITHUB_REPOSITORY is "${context.repository ?? ''}", not owner/name: is this running in GitHub Actions?`
    )
  }
  return { owner, repo }
}

/** The webhook payload the runner wrote to `GITHUB_EVENT_PATH`. */
export async function readPayload(context: EventContext): Promise<Record<string, unknown>> {
  if (!context.eventPath) {
    throw new InvalidInputError(
      `GITHUB_EVENT_PATH is not set, so the ${context.eventName} payload cannot be read`
    )
  }
  let payload: unknown
  try {
    payload = JSON.parse(await readFile(context.eventPath, 'utf8'))
  } catch (error) {
    throw new InvalidInputError(
      `cannot read the event payload ${context.eventPath}: ${errorMessage(error)}`
    )
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new InvalidInputError(`the ${context.eventName} payload is not a JSON object`)
  }
  return payload as Record<string, unknown>
}
