import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { promote, type PromoteOutcome } from '../commands/promote.js'
import { keepingAudits } from '../audit/log.js'
import { InvalidInputError, PermissionError, errorMessage } from '../errors.js'
import type { Evaluation } from '../gates/types.js'
import type { PromoteSettings } from '../inputs.js'
import type { Policy } from '../policy/schema.js'
import { rendered, type Rendered } from '../report/command.js'
import { commentMarker, renderComment, type DoneAction } from '../report/comment.js'
import { stageTrend } from '../commands/stage-trend.js'
import { trendUnreadable, type StageTrend } from '../report/stage-trend.js'
import type { RolloutChart } from '../report/rollout-chart.js'
import {
  baseBranchAt,
  beforePush,
  heldNote,
  mergedReport,
  otherBaseNote,
  otherBaseReason,
  withPullRequestRunNote,
  withPushNote,
  pushOrigin,
  withCommentNotes
} from '../report/flow-notes.js'
import {
  commitStatusFor,
  policyChangeDescription,
  type CommitState
} from '../report/commit-status.js'
import {
  commentPublishedLine,
  notPublishedWarning,
  type PublishedPart,
  type ReadOnlyReason
} from '../report/pull-request.js'
import { listCheckRuns } from '../github/check-runs.js'
import { apiError, field, stringField, type GitHubApi, type RepoRef } from '../github/client.js'
import { findMergedPullRequests, parsePullRequest, type PullRequestInfo } from '../github/pulls.js'
import { gatherReviewEvidence } from '../github/reviews.js'
import { setCommitStatus, statusContext } from '../github/statuses.js'
import { openRegistryContext, runFactsOf } from './commands.js'
import { readPayload, type EventContext, type GitHubPorts } from './github-context.js'
import { withCandidateArtifact } from './candidate-artifact.js'
import { canaryChartForComment } from './rollout-chart.js'
import { policyAt, repositoryPath } from './policy-at.js'

/**
 * A pull-request event with `command: promote`: evaluate the promotion with the pull request's
 * reviews and check runs, as a dry run unless `promote-on: approval` (then `promote` writes only
 * when every gate passes), then post or edit the sticky comment and set the commit status on
 * the head commit. Only a pull request into the default branch can write, and only it sets the
 * status context branch protection requires (`modelgate/<model>/<stage>`); one into another
 * branch is reported under a context naming its base. A token that may not write the comment or
 * status (a fork's, Dependabot's) leaves the evaluation standing: a warning says why.
 */
export async function evaluatePullRequest(
  settings: PromoteSettings,
  context: EventContext
): Promise<Rendered<PromoteOutcome>> {
  const payload = await readPayload(context)
  if (!payload.pull_request) {
    throw new InvalidInputError(`the ${context.eventName} payload has no pull_request`)
  }
  const pr = parsePullRequest(payload.pull_request)
  const defaultBranch = stringField(payload.repository, 'default_branch')
  const intoDefault = defaultBranch !== undefined && pr.baseRef === defaultBranch
  const github = context.github(`Evaluating pull request #${pr.number}`)
  const { api, repo } = github
  const file = settings.policy
  const { policy, text } = await policyAt(
    file,
    { rev: pr.baseSha, what: baseBranchAt(pr.baseRef, pr.baseSha) },
    { context, api, repo }
  )
  // The checkout differs (pull_request), or the pull request's files name it (pull_request_target
  // checks out the base, where it never differs).
  const changed =
    (await readWorkspaceFile(context, file)) !== text ||
    (await changesFile(api, repo, pr.number, repositoryPath(context, file)))
  // Evaluating a pull request attempts nothing until every gate passes: an evaluation that
  // returns refused leaves no record (one that ends in an error still does).
  const result = await keepingAudits(
    context.audits,
    record => record.written,
    audits =>
      withCandidateArtifact(settings, context, policy, resolved =>
        promoteWithEvidence(resolved, { ...context, audits }, github, {
          policy,
          pr,
          sha: pr.headSha,
          // Written from a pull request only into the default branch with `promote-on: approval`,
          // and only when every gate passes.
          dryRun: !intoDefault || settings.promoteOn !== 'approval' || settings.dryRun,
          evaluateHeld: true
        })
      )
  )
  if (!result.evaluation) return result
  const { evaluation } = result
  const stage = settings.stage
  const notes: string[] = []
  const held = evaluation.candidate.version
  if (held !== undefined && evaluation.champion?.version === held) {
    notes.push(heldNote(held, stage))
  }
  const elsewhere = intoDefault ? undefined : otherBaseReason(pr.number, pr.baseRef, defaultBranch)
  if (elsewhere) notes.push(otherBaseNote(elsewhere))
  const done = result.written ? doneBy(evaluation, context) : undefined
  const comment = renderComment({
    evaluation,
    promoteOn: settings.promoteOn,
    ...(result.trend ? { trend: result.trend } : {}),
    ...(result.rollout ? { rollout: result.rollout } : {}),
    ...(done ? { done } : {}),
    ...(changed ? { policyChanged: { path: file } } : {}),
    ...(context.runUrl ? { runUrl: context.runUrl } : {})
  })
  const shared = statusContext(policy.model, stage)
  const status = changed ? policyChangeStatus(evaluation) : commitStatusFor(evaluation)
  await publish(github, context, pr, {
    sha: pr.headSha,
    marker: commentMarker(evaluation.model, evaluation.stage),
    body: notes.length > 0 ? withCommentNotes(comment, evaluation, notes) : comment,
    // Another base must not move the status the default branch's protection reads.
    status: { ...status, context: elsewhere ? `${shared}@${pr.baseRef}` : shared },
    written: Boolean(result.written),
    readOnly: readOnlyReason(payload.pull_request, context)
  })
  const markdown = withPullRequestRunNote(result.markdown, {
    written: Boolean(result.written),
    pullRequest: pr.number,
    ...(elsewhere
      ? {
          otherBase: {
            reason: elsewhere,
            statusContext: `${shared}@${pr.baseRef}`,
            sharedContext: shared
          }
        }
      : {}),
    eventName: context.eventName,
    promoteOn: settings.promoteOn
  })
  return { ...result, markdown }
}

/**
 * The status of a pull request that changes the policy: never `success`, whatever the
 * evaluation under the base policy says, since the change itself is what a person must judge;
 * `failure` when the gates already fail, else `pending`.
 */
function policyChangeStatus(evaluation: Evaluation): { state: CommitState; description: string } {
  const evaluated = commitStatusFor(evaluation)
  return {
    state: evaluated.state === 'failure' ? 'failure' : 'pending',
    description: policyChangeDescription(evaluation)
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
  settings: PromoteSettings,
  context: EventContext
): Promise<Rendered<PromoteOutcome>> {
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

  const github = context.github(`Finding the pull request merged as ${sha.slice(0, 7)}`)
  const { api, repo } = github
  const merged = await findMergedPullRequests(api, repo, sha, context.logger)
  // Only a pull request into this branch: a merge into another branch pushed here brings no approval.
  const pr = merged.find(candidate => candidate.baseRef === defaultBranch)
  const found = pr ?? merged[0]
  const file = settings.policy
  // The policy as the branch had it before this push, so a merged pull request cannot loosen
  // the gates it is judged by; its change applies from the next promotion on.
  const { policy } = await policyAt(
    file,
    { rev: before, what: beforePush(defaultBranch, before) },
    { context, api, repo }
  )
  const result = await withCandidateArtifact(settings, context, policy, resolved =>
    promoteWithEvidence(resolved, context, github, {
      policy,
      pr,
      sha,
      dryRun: settings.dryRun,
      onceForCommit: sha
    })
  )
  if (!result.evaluation) {
    return { ...result, markdown: mergedReport(pr?.number, result.markdown) }
  }
  const done = result.written ? doneBy(result.evaluation, context) : undefined
  if (pr) {
    await publish(github, context, pr, {
      sha,
      marker: commentMarker(result.evaluation.model, result.evaluation.stage),
      body: renderComment({
        evaluation: result.evaluation,
        merged: true,
        ...(result.trend ? { trend: result.trend } : {}),
        ...(result.rollout ? { rollout: result.rollout } : {}),
        ...(done ? { done } : {}),
        ...(context.runUrl ? { runUrl: context.runUrl } : {})
      }),
      status: {
        context: statusContext(result.evaluation.model, result.evaluation.stage),
        ...commitStatusFor(result.evaluation)
      },
      // The registry was written: a comment or status GitHub refuses is a warning, not a failed promotion.
      written: Boolean(result.written)
    })
  }
  const origin = pushOrigin({
    sha,
    defaultBranch,
    ...(pr ? { pullRequest: pr.number } : {}),
    ...(found ? { mergedElsewhere: { number: found.number, baseRef: found.baseRef } } : {})
  })
  return { ...result, markdown: withPushNote(result.markdown, Boolean(result.written), origin) }
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
  /** A pull request: a version already in the stage is evaluated all the same. */
  evaluateHeld?: boolean
}

/** Runs `promote` with the pull request's reviews and check runs as evidence. */
async function promoteWithEvidence(
  settings: PromoteSettings,
  context: EventContext,
  github: GitHubPorts,
  request: EvidenceRequest
): Promise<Rendered<PromoteOutcome> & { trend?: StageTrend; rollout?: RolloutChart }> {
  const { policy, pr } = request
  const stage = settings.stage
  const stagePolicy = policy.stages[stage]
  const reviews =
    pr && stagePolicy?.approvals
      ? await gatherReviewEvidence(github.reviews, pr, stagePolicy.approvals)
      : undefined
  const checkRuns =
    pr && stagePolicy?.checks?.length
      ? {
          headSha: pr.headSha,
          runs: await listCheckRuns(github.api, github.repo, pr.headSha, stagePolicy.checks)
        }
      : undefined
  const { context: registryContext } = await openRegistryContext(
    context,
    policy,
    runFactsOf(context, {
      sha: request.sha,
      ...(pr ? { pullRequest: { number: pr.number, ...(pr.url ? { url: pr.url } : {}) } } : {})
    })
  )
  const outcome = await promote(registryContext, {
    policy,
    stage,
    version: settings.version,
    candidateDir: settings.candidate,
    dryRun: request.dryRun,
    ...(request.onceForCommit ? { onceForCommit: request.onceForCommit } : {}),
    ...(request.evaluateHeld ? { evaluateHeld: true } : {}),
    ...(reviews ? { reviews } : {}),
    ...(checkRuns ? { checkRuns } : {}),
    ...(context.attestations ? { attestations: context.attestations } : {}),
    ...(context.monitoringProbe ? { monitoringProbe: context.monitoringProbe } : {})
  })
  // The comment's metric history, from the registry's audit records (after any write). Only a
  // picture: an unreadable registry leaves it out with a warning, never fails the run.
  const trend = await stageTrend(registryContext.registry, policy, stage).catch(
    (error: unknown) => {
      context.logger?.warning(trendUnreadable(error))
      return undefined
    }
  )
  const chart = registryContext.registry
  const at = registryContext.now()
  const rollout = await canaryChartForComment(chart, policy, stage, outcome.evaluation, context, at)
  return { ...rendered(outcome), ...(trend ? { trend } : {}), ...(rollout ? { rollout } : {}) }
}

/**
 * The sticky comment on the pull request and the commit status on `sha`, in that order. Once the
 * registry was written, or when the token may not write (HTTP 401/403: a fork's or Dependabot's
 * read-only token, a missing permission), a refusal is a warning: the decision, the outputs and
 * the job summary stand, and a status never set keeps branch protection waiting.
 */
async function publish(
  github: GitHubPorts,
  context: EventContext,
  pr: PullRequestInfo,
  report: {
    sha: string
    marker: string
    body: string
    status: { context: string; state: CommitState; description: string }
    written: boolean
    /** Why the token is read-only, when the event says so (a fork, Dependabot). */
    readOnly?: ReadOnlyReason
  }
): Promise<void> {
  const tolerate = (part: PublishedPart, error: unknown) => {
    if (!report.written && !(error instanceof PermissionError)) throw error
    context.logger?.warning(
      notPublishedWarning({
        part,
        pullRequest: pr.number,
        written: report.written,
        problem: errorMessage(error),
        ...(error instanceof PermissionError && report.readOnly
          ? { readOnly: report.readOnly }
          : {})
      })
    )
  }
  try {
    const comment = await github.comments.upsert(pr.number, report.marker, report.body)
    context.logger?.info(commentPublishedLine(comment.action, pr.number))
  } catch (error) {
    tolerate({ kind: 'comment' }, error)
  }
  try {
    await setCommitStatus(github.api, github.repo, {
      sha: report.sha,
      ...report.status,
      ...(context.runUrl ? { targetUrl: context.runUrl } : {})
    })
  } catch (error) {
    tolerate({ kind: 'status', context: report.status.context }, error)
  }
}

/**
 * Why GitHub gives this pull-request run a read-only token whatever `permissions:` says: the
 * head is in a fork (`head.repo` another repository, or null once the fork is deleted), or
 * Dependabot triggered the run. Undefined when the event shows neither.
 */
export function readOnlyReason(
  pullRequest: unknown,
  context: EventContext
): ReadOnlyReason | undefined {
  const head = field(pullRequest, 'head')
  const headRepo = field(head, 'repo')
  const baseRepo = stringField(field(field(pullRequest, 'base'), 'repo'), 'full_name')
  if (head !== undefined && headRepo === null) {
    return { kind: 'deleted-fork' }
  }
  const headName = stringField(headRepo, 'full_name')
  if (headName && baseRepo && headName.toLowerCase() !== baseRepo.toLowerCase()) {
    return { kind: 'fork', repository: headName }
  }
  const dependabot = 'dependabot[bot]'
  if (context.actor === dependabot || context.initialActor === dependabot) {
    return { kind: 'dependabot' }
  }
  return undefined
}

/** GitHub lists at most this many files of a pull request. */
const PULL_FILES_LIMIT = 3000

/**
 * Whether the pull request adds, edits, renames or removes `file`, from its list of files. A list
 * GitHub cuts short cannot show it is absent: then it counts as changed (never a green status).
 */
async function changesFile(
  api: GitHubApi,
  repo: RepoRef,
  number: number,
  file: string
): Promise<boolean> {
  let files: unknown[]
  try {
    files = await api.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
      ...repo,
      pull_number: number,
      per_page: 100
    })
  } catch (error) {
    throw apiError(error, `listing the files of #${number}`, 'pull-requests: read')
  }
  if (files.length >= PULL_FILES_LIMIT) return true
  return files.some(
    entry =>
      stringField(entry, 'filename') === file || stringField(entry, 'previous_filename') === file
  )
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
