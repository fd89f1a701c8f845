import { readFile } from 'node:fs/promises'
import { InvalidInputError, PermissionError, errorMessage } from '../errors.js'
import type { RepoAccess } from '../github/access.js'
import type { GitHubApi, RepoRef } from '../github/client.js'
import type { CommentSink } from '../github/comments.js'
import type { DeploymentSink } from '../github/deployments.js'
import type { RepositoryDispatch } from '../github/repository-dispatch.js'
import type { ReviewSource } from '../github/reviews.js'
import type { Logger } from '../log.js'
import type { GitRunner } from '../registry/git/runner.js'
import type { RunnerContext } from './commands.js'
import type { HandOff } from './hand-off.js'

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
  /**
   * The GitHub ports, chosen once by main.ts and opened on a flow's first need (`needs` says
   * what for, in the error when there is no token): a flow that needs none needs no token.
   */
  github: (needs: string) => GitHubPorts
  /**
   * git on the workspace checkout, chosen by main.ts: the flows read the policy at a commit with
   * it (`git show`), never building a runner of their own.
   */
  git: GitRunner
  /**
   * The hand-off to serving (GitHub Deployment, repository_dispatch), chosen by main.ts: a command
   * that writes a stage change of its own (a rollout step) calls `announceStageChange` after the
   * write; promotions and rollbacks are announced by main.ts from their audit records.
   */
  handOff?: HandOff
}

/** What the flows read and write on GitHub, over one API client on this repository. */
export interface GitHubPorts {
  /** The client itself, for the reads that have no port of their own (files, check runs, statuses). */
  api: GitHubApi
  repo: RepoRef
  reviews: ReviewSource
  comments: CommentSink
  access: RepoAccess
  deployments: DeploymentSink
  dispatch: RepositoryDispatch
}

/** The token is required only when a flow needs the API: refused then, naming what needed it. */
export function missingToken(needs: string): PermissionError {
  return new PermissionError(
    `${needs} needs the GitHub API: set the github-token input (default \${{ github.token }})`
  )
}

/** `GITHUB_REPOSITORY` as owner and name. */
export function repoRef(repository: string | undefined): RepoRef {
  const [owner, repo, ...rest] = (repository ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new InvalidInputError(
      `GITHUB_REPOSITORY is "${repository ?? ''}", not owner/name: is this running in GitHub Actions?`
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
