import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { promote, type PromoteOutcome } from '../commands/promote.js'
import { InvalidInputError, errorMessage } from '../errors.js'
import type { Evaluation } from '../gates/types.js'
import type { Settings } from '../inputs.js'
import type { Policy } from '../policy/schema.js'
import { commentMarker, renderComment, type DoneAction } from '../report/comment.js'
import { listCheckRuns } from '../github/check-runs.js'
import type { GitHubApi, RepoRef } from '../github/client.js'
import { octokitCommentSink } from '../github/comments.js'
import { findMergedPullRequests, parsePullRequest, type PullRequestInfo } from '../github/pulls.js'
import { gatherReviewEvidence, octokitReviewSource } from '../github/reviews.js'
import { commitStatusFor, setCommitStatus, statusContext } from '../github/statuses.js'
import { openRegistryContext } from './commands.js'
import { apiFor, readPayload, repoRef, type EventContext } from './github-context.js'
import { withCandidateArtifact } from './candidate-artifact.js'
import { policyAt } from './policy-at.js'

/**
 * A pull-request event with `command: promote`: evaluate the promotion with the pull request's
 * reviews and check runs, as a dry run unless `promote-on: approval` (then `promote` writes only
 * when every gate passes), then post or edit the sticky comment and set the commit status on
 * the head commit.
 */
export async function evaluatePullRequest(
  settings: Settings,
  context: EventContext
): Promise<PromoteOutcome> {
  const payload = await readPayload(context)
  if (!payload.pull_request) {
    throw new InvalidInputError(`the ${context.eventName} payload has no pull_request`)
  }
  const pr = parsePullRequest(payload.pull_request)
  const repo = repoRef(context)
  const api = apiFor(settings, context, `Evaluating pull request #${pr.number}`)
  const file = settings.policy as string
  const { policy, text } = await policyAt(
    file,
    { rev: pr.baseSha, what: `the base branch (${pr.baseRef} at ${pr.baseSha.slice(0, 7)})` },
    { context, api, repo }
  )
  const changed = (await readWorkspaceFile(context, file)) !== text
  const result = await withCandidateArtifact(settings, context, policy, resolved =>
    promoteWithEvidence(resolved, context, api, repo, {
      policy,
      pr,
      sha: pr.headSha,
      // Written from a pull request only with `promote-on: approval`, and only when every gate passes.
      dryRun: settings.promoteOn !== 'approval' || settings.dryRun
    })
  )
  const stage = settings.stage as string
  if (!result.evaluation) {
    // Already in the stage: nothing to evaluate, nothing to wait for.
    await setCommitStatus(api, repo, {
      sha: pr.headSha,
      context: statusContext(policy.model, stage),
      state: 'success',
      description: `already in ${stage}: nothing to promote`,
      ...(context.runUrl ? { targetUrl: context.runUrl } : {})
    })
    return result
  }
  const done = result.written ? doneBy(result.evaluation, context) : undefined
  await publish(api, repo, context, pr, {
    sha: pr.headSha,
    evaluation: result.evaluation,
    body: renderComment({
      evaluation: result.evaluation,
      promoteOn: settings.promoteOn,
      ...(done ? { done } : {}),
      ...(changed ? { policyChanged: { path: file } } : {}),
      ...(context.runUrl ? { runUrl: context.runUrl } : {})
    }),
    // Once written (promote-on: approval), a comment GitHub refuses must not hide the promotion.
    tolerateFailure: Boolean(result.written)
  })
  const note = result.written
    ? `Promoted from pull request #${pr.number} (promote-on: approval).\n`
    : `Evaluated for pull request #${pr.number}; nothing was written to the registry on ${context.eventName} (promote-on: ${settings.promoteOn}).\n`
  // Evaluating a pull request attempts nothing until every gate passes: no record of refusals.
  const { audit, ...rest } = result
  return {
    ...rest,
    ...(result.written && audit ? { audit } : {}),
    markdown: `${result.markdown}\n${note}`
  }
}

/**
 * `push` to the default branch with `command: promote`: the merge of a promotion pull request.
 * Finds the merged pull request the commit came from, evaluates with its reviews and check runs
 * (approvals judged on its head commit, as they were given) and the policy of the merged commit,
 * promotes when every gate passes, and edits the pull request's sticky comment to say what was
 * done. A push that no pull request produced is evaluated without reviews, so an approvals or
 * checks gate fails closed.
 */
export async function promoteOnMerge(
  settings: Settings,
  context: EventContext
): Promise<PromoteOutcome> {
  const payload = await readPayload(context)
  const ref = typeof payload.ref === 'string' ? payload.ref : context.ref
  const repository = payload.repository as { default_branch?: unknown } | undefined
  const defaultBranch =
    typeof repository?.default_branch === 'string' ? repository.default_branch : undefined
  if (!defaultBranch || ref !== `refs/heads/${defaultBranch}`) {
    throw new InvalidInputError(
      `command "promote" on push promotes merges to the default branch${defaultBranch ? ` (${defaultBranch})` : ''}; this push is to ${ref ?? 'an unknown ref'}. Limit the workflow with on.push.branches: [${defaultBranch ?? 'main'}]`
    )
  }
  if (payload.deleted === true) {
    throw new InvalidInputError(`the push deleted ${ref}: there is nothing to promote`)
  }
  if (payload.forced === true) {
    throw new InvalidInputError(
      `${ref} was force-pushed: that is not the merge of a pull request, so nothing is promoted`
    )
  }
  const sha = typeof payload.after === 'string' ? payload.after : context.sha
  const before = typeof payload.before === 'string' ? payload.before : undefined
  if (!sha) throw new InvalidInputError('the push payload names no commit (after)')
  if (!before || /^0+$/.test(before)) {
    throw new InvalidInputError(
      `the push created ${ref}: there is no earlier commit to read the policy from`
    )
  }

  const repo = repoRef(context)
  const api = apiFor(settings, context, `Finding the pull request merged as ${sha.slice(0, 7)}`)
  const merged = await findMergedPullRequests(api, repo, sha, context.logger)
  // Only a pull request into this branch: a merge into another branch pushed here brings no approval.
  const pr = merged.find(candidate => candidate.baseRef === defaultBranch)
  const found = pr ?? merged[0]
  const file = settings.policy as string
  // The policy as the branch had it before this push, so a merged pull request cannot loosen
  // the gates it is judged by; its change applies from the next promotion on.
  const { policy } = await policyAt(
    file,
    { rev: before, what: `${defaultBranch} before this push (${before.slice(0, 7)})` },
    { context, api, repo }
  )
  const result = await withCandidateArtifact(settings, context, policy, resolved =>
    promoteWithEvidence(resolved, context, api, repo, {
      policy,
      pr,
      sha,
      dryRun: settings.dryRun,
      onceForCommit: sha
    })
  )
  if (!result.evaluation) {
    const note = pr
      ? `Merged pull request #${pr.number}: ${result.markdown.trim()}\n`
      : result.markdown
    return { ...result, markdown: note }
  }
  const done = result.written ? doneBy(result.evaluation, context) : undefined
  if (pr) {
    await publish(api, repo, context, pr, {
      sha,
      evaluation: result.evaluation,
      body: renderComment({
        evaluation: result.evaluation,
        merged: true,
        ...(done ? { done } : {}),
        ...(context.runUrl ? { runUrl: context.runUrl } : {})
      }),
      // The registry was written: a comment or status GitHub refuses is a warning, not a failed promotion.
      tolerateFailure: Boolean(result.written)
    })
  }
  const origin = pr
    ? `the merge of pull request #${pr.number}`
    : found
      ? `commit ${sha.slice(0, 7)}, the merge of pull request #${found.number} into ${found.baseRef}, not ${defaultBranch} (so its reviews and check runs do not count here)`
      : `commit ${sha.slice(0, 7)}, which no merged pull request produced (so no reviews or check runs were available)`
  const note = result.written ? `Promoted on ${origin}.\n` : `Not promoted on ${origin}.\n`
  return { ...result, markdown: `${result.markdown}\n${note}` }
}

interface EvidenceRequest {
  policy: Policy
  /** The pull request whose reviews and check runs are the evidence; none: those gates fail closed. */
  pr: PullRequestInfo | undefined
  /** The commit this run is about (recorded in the audit facts). */
  sha: string
  dryRun: boolean
  /** A push: a promotion already written from this commit is not done again. */
  onceForCommit?: string
}

/** Runs `promote` with the pull request's reviews and check runs as evidence. */
async function promoteWithEvidence(
  settings: Settings,
  context: EventContext,
  api: GitHubApi,
  repo: RepoRef,
  request: EvidenceRequest
): Promise<PromoteOutcome> {
  const { policy, pr } = request
  const stage = settings.stage as string
  const stagePolicy = policy.stages[stage]
  const reviews =
    pr && stagePolicy?.approvals
      ? await gatherReviewEvidence(
          octokitReviewSource(api, repo, context.logger),
          pr,
          stagePolicy.approvals
        )
      : undefined
  const checkRuns =
    pr && stagePolicy?.checks?.length
      ? {
          headSha: pr.headSha,
          runs: await listCheckRuns(api, repo, pr.headSha, stagePolicy.checks)
        }
      : undefined
  const { context: registryContext } = await openRegistryContext(context, policy, {
    event: context.eventName,
    sha: request.sha,
    runUrl: context.runUrl,
    ...(pr ? { pullRequest: { number: pr.number, ...(pr.url ? { url: pr.url } : {}) } } : {})
  })
  return promote(registryContext, {
    policy,
    stage,
    version: settings.version,
    candidateDir: settings.candidate,
    dryRun: request.dryRun,
    ...(request.onceForCommit ? { onceForCommit: request.onceForCommit } : {}),
    ...(reviews ? { reviews } : {}),
    ...(checkRuns ? { checkRuns } : {})
  })
}

/** The sticky comment on the pull request and the commit status on `sha`. */
async function publish(
  api: GitHubApi,
  repo: RepoRef,
  context: EventContext,
  pr: PullRequestInfo,
  report: { sha: string; evaluation: Evaluation; body: string; tolerateFailure: boolean }
): Promise<void> {
  const { evaluation } = report
  try {
    const comment = await octokitCommentSink(api, repo, context.logger).upsert(
      pr.number,
      commentMarker(evaluation.model, evaluation.stage),
      report.body
    )
    context.logger?.info(`Sticky comment ${comment.action} on #${pr.number}`)
    await setCommitStatus(api, repo, {
      sha: report.sha,
      context: statusContext(evaluation.model, evaluation.stage),
      ...commitStatusFor(evaluation),
      ...(context.runUrl ? { targetUrl: context.runUrl } : {})
    })
  } catch (error) {
    if (!report.tolerateFailure) throw error
    context.logger?.warning(
      `The promotion was written, but reporting it on #${pr.number} failed: ${errorMessage(error)}`
    )
  }
}

function doneBy(evaluation: Evaluation, context: EventContext): DoneAction {
  return {
    action: 'promoted',
    stage: evaluation.stage,
    version: evaluation.candidate.version ?? evaluation.candidate.label,
    ...(evaluation.champion?.version ? { previous: evaluation.champion.version } : {}),
    actor: context.actor,
    at: new Date(),
    ...(context.runUrl ? { runUrl: context.runUrl } : {})
  }
}

async function readWorkspaceFile(context: EventContext, file: string): Promise<string | undefined> {
  try {
    return await readFile(path.resolve(context.workspace, file), 'utf8')
  } catch {
    return undefined
  }
}
