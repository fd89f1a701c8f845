/**
 * The lines of the dispatch flow (src/action/dispatch.ts) and of the monitor's automatic
 * rollback (src/action/monitor.ts): whose right was checked, where the policy a dispatched write
 * is judged by comes from, and the warning when the rolled-back pull request could not be told.
 * The flows hand over the facts; the sentences are chosen here. Log lines and refusals are made
 * unable to act as workflow commands (log.ts): logins, refs, file names and messages in them can
 * come from users.
 */
import { neutraliseCommands } from './log.js'

/** Who acts on a run, and who started its first attempt (set on a re-run). */
export interface RunActors {
  actor: string
  initialActor?: string | undefined
}

/** On a re-run by someone else: whose right was checked, and why not the first attempt's actor. */
export function rerunNote(run: RunActors): string {
  const first = run.initialActor
  // GitHub logins are case-insensitive: Mona re-running mona's run is the same person.
  return first && first.toLowerCase() !== run.actor.toLowerCase()
    ? ` (${run.actor} re-ran a run ${first} started: the person who re-runs it is checked)`
    : ''
}

/** What the actor needs the right for: the title of the GitHub calls that check it. */
export function rightCheckTitle(
  actor: string,
  command: 'rollback' | 'rollout' | 'promote'
): string {
  const what =
    command === 'rollback'
      ? 'roll back'
      : command === 'rollout'
        ? 'record a rollout step'
        : 'force a promotion'
  return `Checking ${actor}'s right to ${what}`
}

/**
 * Why a registry write on a re-run is refused when the runner did not name who re-ran it. Plain
 * text: the denial's audit record keeps it as it is.
 */
export function unknownRerunReason(
  attempt: number | string,
  initialActor: string | undefined
): string {
  return `who re-ran this run is unknown: attempt ${attempt} has no GITHUB_TRIGGERING_ACTOR (older GitHub Enterprise Server or another runner), and GITHUB_ACTOR (${initialActor ?? 'unset'}) names who started the first attempt, not who re-ran it`
}

/** The refusal (exit 4) of a write on a re-run by someone unknown (`unknownRerunReason`). */
export function unknownRerunRefusal(reason: string): string {
  return neutraliseCommands(
    `Refused: ${reason}. Start a new run (workflow_dispatch) instead of re-running this one. The registry was not changed.`
  )
}

/** The log line once the actor's right to write by dispatch is granted. */
export function allowedLine(reason: string, run: RunActors): string {
  return neutraliseCommands(`Allowed: ${reason}${rerunNote(run)}`)
}

/** The refusal (exit 4) when the actor's right is denied: nothing was written. */
export function refusedText(reason: string, run: RunActors): string {
  return neutraliseCommands(`Refused: ${reason}${rerunNote(run)}. The registry was not changed.`)
}

/** The title of the GitHub calls that read a dispatched promotion's policy. */
export const DEFAULT_BRANCH_POLICY_TITLE = "Reading the default branch's policy"

/** The refusal when the event's payload names no default branch to read the policy from. */
export function noDefaultBranchText(eventName: string): string {
  return neutraliseCommands(
    `the ${eventName} payload names no default branch, so the policy cannot be read from it`
  )
}

/** Where a dispatched write's policy is read: the dispatched commit on the default branch. */
export function defaultBranchCommit(defaultBranch: string, sha: string): string {
  return `${defaultBranch} at ${sha.slice(0, 7)}`
}

/** Where a dispatched write's policy is read: the default branch as GitHub has it now. */
export function defaultBranchNow(defaultBranch: string): string {
  return `the default branch (${defaultBranch})`
}

/** The log line when the dispatch ran on another ref than the default branch. */
export function dispatchedElsewhereLine(ref: string | undefined, defaultBranch: string): string {
  return neutraliseCommands(
    `Dispatched on ${ref ?? 'another ref'}: the policy comes from ${defaultBranch}, never from the dispatched branch`
  )
}

/** The log line when no `policy` input was given and the CLI's default file was found. */
export function noPolicyInputLine(file: string, where: string): string {
  return neutraliseCommands(
    `No policy input: the rights and registry come from ${file} on ${where}`
  )
}

/** The refusal (not found) when no `policy` input was given and the CLI's default file is absent. */
export function noPolicyFileText(file: string, model: string | undefined, where: string): string {
  return neutraliseCommands(
    `No policy input, and ${file} (the CLI's default for ${model}) does not exist on ${where}: name the model's policy with the policy input, so its rights and registry apply. Nothing written.`
  )
}

/** The warning when the rollback is written but its pull request's comment could not be. */
export function rollbackNoteFailedWarning(pullRequest: number, problem: string): string {
  return neutraliseCommands(
    `Rolled back, but noting it on pull request #${pullRequest} failed: ${problem}`
  )
}
