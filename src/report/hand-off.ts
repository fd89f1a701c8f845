/**
 * The text of the hand-off to serving: a deployment's description, its statuses' descriptions
 * and the message of a hand-off that failed. Every name in it has passed the hand-off's
 * safe-name check (src/action/hand-off.ts), and no reason or other free text is ever included.
 */
import { neutraliseCommands } from './log.js'

/** What changed in the registry, as the hand-off tells serving (see src/action/hand-off.ts). */
export interface StageChangeText {
  kind: 'promoted' | 'rolled-back' | 'rollout-step'
  model: string
  stage: string
  version: string
  trafficPercent: number
  rolloutStep: string | null
  previousVersion?: string | null
}

/** `churn-model v2 at 25% of production (rollout step advance)`. */
export function deploymentDescription(change: StageChangeText): string {
  const what =
    change.kind === 'promoted'
      ? 'promoted'
      : change.kind === 'rolled-back'
        ? `rolled back${change.previousVersion ? ` from ${change.previousVersion}` : ''}`
        : `rollout step ${change.rolloutStep ?? 'unknown'}`
  return `${change.model} ${change.version} at ${change.trafficPercent}% of ${change.stage} (${what})`
}

/** The log line once a repository_dispatch event is sent (made unable to act as a workflow command). */
export function dispatchSentLine(eventType: string, change: StageChangeText): string {
  return neutraliseCommands(
    `Sent repository_dispatch ${eventType}: ${deploymentDescription(change)}`
  )
}

/** The log line once a deployment (and its status) is created. */
export function deploymentCreatedLine(
  id: number,
  environment: string,
  change: StageChangeText
): string {
  return neutraliseCommands(`Deployment ${id} to ${environment}: ${deploymentDescription(change)}`)
}

/** What stands for the names of a change whose names were refused (never handed on). */
export const REFUSED_NAMES = { model: '(refused name)', version: '(refused)' } as const

/** The description of the `inactive` status on the deployment of a version that left the stage. */
export function replacedDescription(change: StageChangeText, left: string): string {
  return change.kind === 'rolled-back'
    ? `${change.model} ${left} rolled back: ${change.version} restored in ${change.stage}`
    : `${change.model} ${left} replaced by ${change.version} in ${change.stage}`
}

/** One part of the hand-off that failed. */
export interface HandOffProblemText {
  part: 'deployment' | 'dispatch'
  change: StageChangeText
  message: string
  /** The token lacked a permission (403/404): exit 4. */
  permission: boolean
  /** The payload serving should have received, to apply by hand. */
  payload: Record<string, string | number | null>
}

/**
 * The failed step's message: what the registry holds (written, not undone), what serving was
 * not told, why, and what to do now, with the payload to apply by hand.
 */
export function handOffFailureMessage(problems: readonly HandOffProblemText[]): string {
  const lines = [
    'ModelGate hand-off to serving failed. The registry change below IS written and was NOT undone; serving was not told about it:'
  ]
  for (const problem of problems) {
    const part =
      problem.part === 'deployment'
        ? `the GitHub Deployment of ${problem.change.model}/${problem.change.stage}`
        : 'the repository_dispatch event'
    lines.push(
      `- ${deploymentDescription(problem.change)}: ${part} failed: ${problem.message}`,
      `  payload: ${JSON.stringify(problem.payload)}`
    )
  }
  const needs = [
    ...new Set(
      problems.map(p => (p.part === 'deployment' ? 'deployments: write' : 'contents: write'))
    )
  ]
  lines.push(
    `What to do: apply the payload above to serving by hand (or send it with \`gh api repos/{owner}/{repo}/dispatches\`), and give the workflow's token ${needs.join(' and ')} (permissions: in the workflow) so the next change is handed off; or turn the hand-off off (inputs deployments / dispatch-event-type). Re-running this job writes nothing in the registry again and does not repeat the hand-off.`
  )
  return lines.join('\n')
}
