import { rollbackAudit, type AuditRecord } from '../audit/record.js'
import { rollback, type RollbackOutcome } from '../commands/rollback.js'
import type { GateResult } from '../gates/types.js'
import type { CommandOutcome } from '../commands/registry-context.js'
import { NotFoundError, PermissionError, errorMessage } from '../errors.js'
import type {
  PromoteSettings,
  RegisterSettings,
  RollbackSettings,
  RolloutSettings,
  Settings
} from '../inputs.js'
import { policyFileName } from '../policy/directory.js'
import type { Policy } from '../policy/schema.js'
import type { StageHolder } from '../registry/port.js'
import { storedPullRequest } from '../registry/stored-audit.js'
import { addDone, commentMarker, type DoneAction } from '../report/comment.js'
import { checkRollbackPermission } from '../github/access.js'
import { withCandidateArtifact } from './candidate-artifact.js'
import { modelOf, openCommandContext, runCommand, runFactsOf } from './commands.js'
import { readPayload, type EventContext, type GitHubPorts } from './github-context.js'
import { policyAt, policyIfAt } from './policy-at.js'
import { notedOnPullRequest, withNote } from '../report/flow-notes.js'
import { rendered } from '../report/command.js'
import {
  DEFAULT_BRANCH_POLICY_TITLE,
  allowedLine,
  defaultBranchCommit,
  defaultBranchNow,
  dispatchedElsewhereLine,
  noDefaultBranchText,
  noPolicyFileText,
  noPolicyInputLine,
  refusedText,
  rightCheckTitle,
  rollbackNoteFailedWarning,
  unknownRerunReason,
  unknownRerunRefusal
} from '../report/dispatch.js'

/**
 * `workflow_dispatch` with `command: rollback`: the actor's right first (a refusal is exit 4 with
 * the registry untouched), then the rollback, then a note on the pull request that had promoted
 * the version taken out, found from its promotion's audit record.
 */
export async function rollbackByDispatch(
  settings: RollbackSettings,
  context: EventContext
): Promise<CommandOutcome> {
  const { github, permission, policy } = await requireRollbackRight(settings, context)
  const opened = await openCommandContext(settings, context, policy)
  const { model, context: registryContext } = opened
  const outcome = rendered(
    await rollback(registryContext, {
      ...(opened.policy ? { policy: opened.policy } : {}),
      model: modelOf(model, settings),
      stage: settings.stage,
      toVersion: settings.version,
      reason: settings.reason,
      dryRun: settings.dryRun,
      checks: [permission]
    })
  )
  if (!outcome.written || !outcome.restored) return outcome
  const note = await notePromotingPullRequest(github, context, outcome, settings.reason)
  return note ? { ...outcome, markdown: withNote(outcome.markdown, note) } : outcome
}

/**
 * `workflow_dispatch` with `command: promote`, not forced: every gate must pass (approvals and
 * checks fail closed, as there is no pull request), judged by the default branch's policy.
 */
export async function promotionByDispatch(
  settings: PromoteSettings,
  context: EventContext
): Promise<CommandOutcome> {
  const github = context.github(DEFAULT_BRANCH_POLICY_TITLE)
  const policy = await defaultBranchPolicy(settings, context, github)
  return withCandidateArtifact(settings, context, policy, resolved =>
    runCommand(resolved, context, policy ? { policy } : {})
  )
}

/** `workflow_dispatch` with `command: promote` and `force`: the same right as a rollback. */
export async function forcedPromotionByDispatch(
  settings: PromoteSettings,
  context: EventContext
): Promise<CommandOutcome> {
  const { permission, policy } = await requireRollbackRight(settings, context)
  return withCandidateArtifact(settings, context, policy, resolved =>
    runCommand(resolved, context, { checks: [permission], ...(policy ? { policy } : {}) })
  )
}

/**
 * The actor must be allowed by the policy's `rollback.allowed` (default: maintain permission or
 * higher). Denied: a PermissionError (exit 4) before the registry is opened.
 */
export async function requireRollbackRight(
  settings: RollbackSettings | PromoteSettings | RolloutSettings,
  context: EventContext
): Promise<{ github: GitHubPorts; permission: GateResult; policy?: Policy }> {
  const github = context.github(rightCheckTitle(context.actor, settings.command))
  let policy: Policy | undefined
  try {
    policy = await defaultBranchPolicy(settings, context, github)
  } catch (error) {
    // The rights could not be read: a refused attempt, recorded like a denial.
    context.audits.add(deniedAudit(settings, context, undefined, errorMessage(error)))
    throw error
  }
  const decision = await checkRollbackPermission(
    github.access,
    context.actor,
    policy?.rollback?.allowed
  )
  const permission: GateResult = {
    gate: 'permission',
    status: decision.allowed ? 'pass' : 'fail',
    summary: decision.reason
  }
  if (!decision.allowed) {
    context.audits.add(deniedAudit(settings, context, policy, decision.reason))
    throw new PermissionError(refusedText(decision.reason, context))
  }
  context.logger?.info(allowedLine(decision.reason, context))
  return { github, permission, ...(policy ? { policy } : {}) }
}

/** The commands that write the registry when dispatched, and so need to know who acts. */
export type DispatchWriteSettings =
  RollbackSettings | PromoteSettings | RegisterSettings | RolloutSettings

export function isDispatchWrite(settings: Settings): settings is DispatchWriteSettings {
  return (
    settings.command === 'rollback' ||
    settings.command === 'rollout' ||
    settings.command === 'promote' ||
    settings.command === 'register'
  )
}

/**
 * A registry write by dispatch (rollback, promote, register) on a re-run whose runner did not
 * name who re-ran it: refused (exit 4) before anything is read, as `GITHUB_ACTOR` names whoever
 * started the first attempt, and anyone with write access may re-run a run.
 */
export function requireKnownActor(settings: DispatchWriteSettings, context: EventContext): void {
  const attempt = context.unknownRerun
  if (attempt === undefined) return
  const reason = unknownRerunReason(attempt, context.initialActor)
  if (settings.command !== 'register') {
    context.audits.add(deniedAudit(settings, { ...context, actor: 'unknown' }, undefined, reason))
  }
  throw new PermissionError(unknownRerunRefusal(reason))
}

/**
 * The record of a rollback, forced promotion or rollout step refused before the registry was
 * touched: kind `refused`, decision `denied`, the permission gate failed; a rollout step's
 * record names the step attempted (`rollout.step`).
 */
function deniedAudit(
  settings: RollbackSettings | PromoteSettings | RolloutSettings,
  context: EventContext,
  policy: Policy | undefined,
  reason: string
): AuditRecord {
  return rollbackAudit({
    model: settings.model ?? policy?.model ?? 'unknown',
    stage: settings.stage,
    restored: settings.version ?? null,
    rolledBack: null,
    written: false,
    denied: true,
    gates: [{ gate: 'permission', status: 'fail', summary: reason }],
    actor: context.actor,
    reason: settings.reason,
    run: runFactsOf(context),
    at: new Date(),
    ...(settings.command === 'rollout' ? { rolloutStep: settings.step } : {})
  })
}

/**
 * The policy every registry write by dispatch is judged by, and whose `rollback.allowed`
 * decides. Dispatched on the default branch, the dispatched commit's; on any other branch, the
 * default branch's (git, else the contents API): a branch could otherwise loosen its own gates or
 * name anyone in its own copy. Without a `policy` input, the file the CLI defaults to
 * (`policies/<model>.yml`) as the default branch has it: its rights and registry apply; where it
 * has none, the default right (maintain) and the git registry do, and the log says so.
 */
async function defaultBranchPolicy(
  settings: Settings,
  context: EventContext,
  github: GitHubPorts
): Promise<Policy | undefined> {
  const { api, repo } = github
  const file = settings.policy ?? (settings.model && policyFileName(settings.model))
  if (!file) return undefined
  const payload = await readPayload(context)
  const repository = payload.repository as { default_branch?: unknown } | undefined
  const defaultBranch =
    typeof repository?.default_branch === 'string' ? repository.default_branch : undefined
  if (!defaultBranch) {
    throw new PermissionError(noDefaultBranchText(context.eventName))
  }
  const ref = typeof payload.ref === 'string' ? payload.ref : context.ref
  const onDefault = ref === `refs/heads/${defaultBranch}`
  // On the default branch, the dispatched commit (not whatever the job checked out); elsewhere,
  // the default branch as GitHub has it now (a local origin/<branch> may be absent or stale).
  const at =
    onDefault && context.sha
      ? { rev: context.sha, what: defaultBranchCommit(defaultBranch, context.sha) }
      : { ref: defaultBranch, what: defaultBranchNow(defaultBranch) }
  if (!onDefault) context.logger?.info(dispatchedElsewhereLine(ref, defaultBranch))
  if (settings.policy) return (await policyAt(settings.policy, at, { context, api, repo })).policy
  const found = await policyIfAt(file, at, { context, api, repo })
  if (!found) {
    // Fail closed: the model's policy may live under another name with stricter rights.
    throw new NotFoundError(noPolicyFileText(file, settings.model, at.what))
  }
  context.logger?.info(noPolicyInputLine(file, at.what))
  return found.policy
}

/**
 * Adds "rolled back" to the sticky comment of the pull request whose merge (or approval)
 * promoted the version just taken out. The rollback is already written: failing to tell the
 * pull request is a warning, never a failed rollback.
 */
async function notePromotingPullRequest(
  github: GitHubPorts,
  context: EventContext,
  outcome: RollbackOutcome,
  reason: string | undefined
): Promise<string | undefined> {
  const holder = outcome.rolledBack
  const restored = outcome.restored
  const number = promotingPullRequest(holder)
  // Called once a version was restored (rollbackByDispatch returns before otherwise).
  if (number === undefined || !restored) return undefined
  const done = {
    action: 'rolled-back' as const,
    stage: holder.stage,
    version: restored,
    previous: holder.version,
    actor: context.actor,
    ...(reason ? { reason } : {}),
    at: new Date(),
    ...(context.runUrl ? { runUrl: context.runUrl } : {})
  }
  return noteRollbackOnPullRequest(github, context, {
    number,
    done,
    target: { model: holder.model, stage: holder.stage },
    takenOut: holder.version
  })
}

/**
 * Adds the "rolled back" section to pull request `number`'s sticky comment (by hand or by
 * `monitor`): the note for the run's report, or a warning and nothing when it fails.
 */
export async function noteRollbackOnPullRequest(
  github: GitHubPorts,
  context: EventContext,
  note: {
    number: number
    done: DoneAction
    target: { model: string; stage: string }
    takenOut: string
  }
): Promise<string | undefined> {
  const { number, done, target } = note
  try {
    await github.comments.upsert(number, commentMarker(target.model, target.stage), existing =>
      addDone(existing, done, target)
    )
    return notedOnPullRequest(number, note.takenOut)
  } catch (error) {
    context.logger?.warning(rollbackNoteFailedWarning(number, errorMessage(error)))
    return undefined
  }
}

/** The pull request recorded in the audit facts of the holder's promotion, if any. */
export function promotingPullRequest(holder: StageHolder): number | undefined {
  return storedPullRequest(holder.audit)
}
