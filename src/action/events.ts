import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { promote } from '../commands/promote.js'
import type { CommandOutcome, RegistryContext } from '../commands/registry-context.js'
import { InvalidInputError, PermissionError, errorMessage } from '../errors.js'
import type { Settings } from '../inputs.js'
import { loadPolicy, parsePolicy } from '../policy/load.js'
import type { Policy } from '../policy/schema.js'
import { createGitRunner } from '../registry/git/runner.js'
import { openRegistry } from '../registry/open.js'
import { commentMarker, renderComment, type DoneAction } from '../report/comment.js'
import { checkRollbackPermission, octokitRepoAccess } from '../github/access.js'
import { listCheckRuns } from '../github/check-runs.js'
import { createOctokit, type GitHubApi, type Logger, type RepoRef } from '../github/client.js'
import { octokitCommentSink } from '../github/comments.js'
import { readFileAtRef } from '../github/contents.js'
import { parsePullRequest, type PullRequestInfo } from '../github/pulls.js'
import { gatherReviewEvidence, octokitReviewSource } from '../github/reviews.js'
import { commitStatusFor, setCommitStatus, statusContext } from '../github/statuses.js'
import { runCommand, type RunnerContext } from './commands.js'

/** The events whose payload carries the pull request a promotion is evaluated on. */
export const PULL_REQUEST_EVENTS = [
  'pull_request',
  'pull_request_target',
  'pull_request_review'
] as const

/** Every event the action knows what to do with, named in the error for any other. */
export const SUPPORTED_EVENTS = [...PULL_REQUEST_EVENTS, 'workflow_dispatch'] as const

/** What the event router needs beyond {@link RunnerContext}: where GitHub is and how to log. */
export interface EventContext extends RunnerContext {
  /** `GITHUB_REPOSITORY`: `owner/name`. */
  repository?: string
  /** `GITHUB_EVENT_PATH`: the webhook payload. */
  eventPath?: string
  /** `GITHUB_API_URL`. */
  apiUrl: string
  logger?: Logger
  /** Builds the API client; tests may hand in their own. */
  api?: (token: string) => GitHubApi
}

/**
 * The action's router by event: `promote` on a pull-request event evaluates the promotion the
 * pull request asks for (writing the registry only with `promote-on: approval` once every gate
 * passes), comments and sets the commit status;
 * `rollback` on `workflow_dispatch` first checks the actor's right. Everything else runs as
 * the command alone.
 */
export async function runForEvent(
  settings: Settings,
  context: EventContext
): Promise<CommandOutcome> {
  const event = context.eventName
  const isPullRequest = (PULL_REQUEST_EVENTS as readonly string[]).includes(event)
  if (settings.command === 'promote' && isPullRequest) {
    return evaluatePullRequest(settings, context)
  }
  if (settings.command === 'rollback') {
    if (event !== 'workflow_dispatch') {
      throw unsupported(`command "rollback" runs on workflow_dispatch`, event)
    }
    await requireRollbackRight(settings, context)
  }
  if (settings.command === 'promote' && settings.force) {
    if (event !== 'workflow_dispatch') {
      throw unsupported('a forced promotion runs on workflow_dispatch', event)
    }
    await requireRollbackRight(settings, context)
  }
  return runCommand(settings, context)
}

function unsupported(what: string, event: string): InvalidInputError {
  return new InvalidInputError(
    `ModelGate does not support the ${event} event here: ${what}. Supported events: ${SUPPORTED_EVENTS.join(', ')} (promote on a pull request: ${PULL_REQUEST_EVENTS.join(', ')}; rollback and forced promote: workflow_dispatch)`
  )
}

/** The API client over the input token, masked before first use. */
function apiFor(settings: Settings, context: EventContext, needs: string): GitHubApi {
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

function repoRef(context: EventContext): RepoRef {
  const [owner, repo, ...rest] = (context.repository ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    throw new InvalidInputError(
      `GITHUB_REPOSITORY is "${context.repository ?? ''}", not owner/name: is this running in GitHub Actions?`
    )
  }
  return { owner, repo }
}

/**
 * `workflow_dispatch` rollback (and forced promote): the actor must be allowed by the policy's
 * `rollback.allowed` (default: maintain permission or higher). Denied: a PermissionError (exit
 * 4) before the registry is opened.
 */
async function requireRollbackRight(settings: Settings, context: EventContext): Promise<void> {
  const policy = settings.policy ? await loadPolicy(settings.policy) : undefined
  const what = settings.command === 'rollback' ? 'roll back' : 'force a promotion'
  const api = apiFor(settings, context, `Checking ${context.actor}'s right to ${what}`)
  const access = octokitRepoAccess(api, repoRef(context))
  const decision = await checkRollbackPermission(access, context.actor, policy?.rollback?.allowed)
  if (!decision.allowed) {
    throw new PermissionError(`Refused: ${decision.reason}. The registry was not changed.`)
  }
  context.logger?.info(`Allowed: ${decision.reason}`)
}

async function readPullRequest(context: EventContext): Promise<PullRequestInfo> {
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
  const pull = (payload as { pull_request?: unknown } | null)?.pull_request
  if (!pull) {
    throw new InvalidInputError(`the ${context.eventName} payload has no pull_request`)
  }
  return parsePullRequest(pull)
}

/**
 * The policy as the base branch has it (`git show <base>:<path>` in the checkout, else the
 * contents API), never the pull request's own; and whether the pull request changes it.
 */
async function basePolicy(
  file: string,
  pr: PullRequestInfo,
  context: EventContext,
  api: GitHubApi,
  repo: RepoRef
): Promise<{ policy: Policy; changed: boolean }> {
  const git = createGitRunner(context.workspace)
  const relative = path.relative(context.workspace, path.resolve(context.workspace, file))
  const spec = relative.split(path.sep).join('/')
  const shown = await git(['show', `${pr.baseSha}:./${spec}`])
  let baseText: string | undefined = shown.code === 0 ? shown.stdout : undefined
  if (baseText === undefined) {
    baseText = (await readFileAtRef(api, repo, spec, pr.baseSha))?.text
  }
  if (baseText === undefined) {
    throw new InvalidInputError(
      `${spec} does not exist on the base branch (${pr.baseRef} at ${pr.baseSha.slice(0, 7)}): the policy is read from the base, never from the pull request; merge the policy first`
    )
  }
  let headText: string | undefined
  try {
    headText = await readFile(path.resolve(context.workspace, file), 'utf8')
  } catch {
    headText = undefined
  }
  return { policy: parsePolicy(baseText, file), changed: headText !== baseText }
}

/**
 * A pull-request event with `command: promote`: evaluate the promotion with the pull request's
 * reviews and check runs, as a dry run unless `promote-on: approval` (then `promote` writes only
 * when every gate passes), then post or edit the sticky comment and set the commit status on
 * the head commit.
 */
async function evaluatePullRequest(
  settings: Settings,
  context: EventContext
): Promise<CommandOutcome> {
  const pr = await readPullRequest(context)
  const repo = repoRef(context)
  const api = apiFor(settings, context, `Evaluating pull request #${pr.number}`)
  const file = settings.policy as string
  const { policy, changed } = await basePolicy(file, pr, context, api, repo)
  const stage = settings.stage as string
  const stagePolicy = policy.stages[stage]

  const reviews = stagePolicy?.approvals
    ? await gatherReviewEvidence(octokitReviewSource(api, repo), pr, stagePolicy.approvals)
    : undefined
  const checkRuns = stagePolicy?.checks?.length
    ? {
        headSha: pr.headSha,
        runs: await listCheckRuns(api, repo, pr.headSha, stagePolicy.checks)
      }
    : undefined

  const opened = await openRegistry(context.workspace, policy, {
    env: context.env,
    onSecret: context.onSecret
  })
  const registryContext: RegistryContext = {
    registry: opened.registry,
    models: opened.models,
    actor: context.actor,
    now: () => new Date(),
    runFacts: { event: context.eventName, sha: pr.headSha, runUrl: context.runUrl }
  }
  const result = await promote(registryContext, {
    policy,
    stage,
    version: settings.version,
    candidateDir: settings.candidate,
    // Written from a pull request only with `promote-on: approval`, and only when every gate passes.
    dryRun: settings.promoteOn !== 'approval' || settings.dryRun,
    ...(reviews ? { reviews } : {}),
    ...(checkRuns ? { checkRuns } : {})
  })

  const statusName = statusContext(policy.model, stage)
  if (!result.evaluation) {
    // Already in the stage: nothing to evaluate, nothing to wait for.
    await setCommitStatus(api, repo, {
      sha: pr.headSha,
      context: statusName,
      state: 'success',
      description: `already in ${stage}: nothing to promote`,
      ...(context.runUrl ? { targetUrl: context.runUrl } : {})
    })
    return result
  }
  const evaluation = result.evaluation
  const done: DoneAction | undefined = result.written
    ? {
        action: 'promoted',
        stage,
        version: evaluation.candidate.version ?? evaluation.candidate.label,
        ...(evaluation.champion?.version ? { previous: evaluation.champion.version } : {}),
        actor: context.actor,
        at: new Date(),
        ...(context.runUrl ? { runUrl: context.runUrl } : {})
      }
    : undefined
  const body = renderComment({
    evaluation,
    promoteOn: settings.promoteOn,
    ...(done ? { done } : {}),
    ...(changed ? { policyChanged: { path: file } } : {}),
    ...(context.runUrl ? { runUrl: context.runUrl } : {})
  })
  const comment = await octokitCommentSink(api, repo, context.logger).upsert(
    pr.number,
    commentMarker(policy.model, stage),
    body
  )
  context.logger?.info(`Sticky comment ${comment.action} on #${pr.number}`)
  const status = commitStatusFor(evaluation)
  await setCommitStatus(api, repo, {
    sha: pr.headSha,
    context: statusName,
    ...status,
    ...(context.runUrl ? { targetUrl: context.runUrl } : {})
  })
  const note = result.written
    ? `Promoted from pull request #${pr.number} (promote-on: approval).\n`
    : `Evaluated for pull request #${pr.number}; nothing was written to the registry on ${context.eventName} (promote-on: ${settings.promoteOn}).\n`
  return { ...result, markdown: `${result.markdown}\n${note}` }
}
