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

/** The description of the `inactive` status on the deployment of a version that left the stage. */
export function replacedDescription(change: StageChangeText, left: string): string {
  return change.kind === 'rolled-back'
    ? `${change.model} ${left} rolled back: ${change.version} restored in ${change.stage}`
    : `${change.model} ${left} replaced by ${change.version} in ${change.stage}`
}

/** What became of one part of the hand-off (the Deployment or the dispatch) for one change. */
export type HandOffPartOutcome =
  | { state: 'off' }
  | { state: 'created'; id: number }
  | { state: 'sent'; eventType: string }
  | { state: 'failed'; message: string; permission: boolean; needs: string }
  | { state: 'refused' }

/** One change's hand-off, as the failed step reports it. */
export interface HandOffOutcomeText {
  change: StageChangeText
  deployment: HandOffPartOutcome
  dispatch: HandOffPartOutcome
  /** The payload serving should have received; absent when a name was refused. */
  payload?: Record<string, string | number | null>
  /** A name refused before anything was sent: the payload field and why. */
  refused?: { field: string; why: string }
  /** The dispatch event type the run was given, for the command that sends it by hand. */
  eventType?: string
}

/** True when this outcome has a part that failed or was refused. */
export function handOffFailed(outcome: HandOffOutcomeText): boolean {
  return outcome.refused !== undefined || [outcome.deployment, outcome.dispatch].some(isFailed)
}

function isFailed(
  part: HandOffPartOutcome
): part is Extract<HandOffPartOutcome, { state: 'failed' }> {
  return part.state === 'failed'
}

function partText(name: string, part: HandOffPartOutcome): string {
  switch (part.state) {
    case 'off':
      return `${name}: off`
    case 'created':
      return `${name}: created (${part.id})`
    case 'sent':
      return `${name}: sent (${part.eventType})`
    case 'refused':
      return `${name}: ${name === 'Deployment' ? 'not created' : 'not sent'} (a name was refused)`
    case 'failed':
      return `${name}: failed (${part.message})`
  }
}

/**
 * The failed step's message: what the registry holds (written, not undone), each part's outcome
 * (Deployment: created, failed or off; dispatch: sent, failed or off), and what to do now: apply
 * the payload by hand only when no dispatch went for the change, add a permission only when
 * GitHub refused one (403/404), and for a refused name, which field and why.
 * `repository` is `owner/name`, for the `gh api` command that sends the event by hand.
 */
export function handOffFailureMessage(
  outcomes: readonly HandOffOutcomeText[],
  repository = 'OWNER/REPO'
): string {
  const failed = outcomes.filter(handOffFailed)
  const lines = [
    'ModelGate hand-off to serving failed. The registry change below IS written and was NOT undone:'
  ]
  for (const outcome of failed) {
    lines.push(
      `- ${deploymentDescription(outcome.change)}: ${partText('Deployment', outcome.deployment)}; ${partText('dispatch', outcome.dispatch)}.`
    )
    if (outcome.refused) {
      lines.push(`  refused: the payload field ${outcome.refused.field} ${outcome.refused.why}.`)
    } else if (outcome.payload) {
      lines.push(`  payload: ${JSON.stringify(outcome.payload)}`)
    }
  }
  lines.push('What to do:')
  for (const outcome of failed) {
    const what = `${outcome.change.model} ${outcome.change.version} in ${outcome.change.stage}`
    if (outcome.refused) {
      lines.push(
        `- ${what}: nothing was handed off, because the payload field ${outcome.refused.field} ${outcome.refused.why}; tell serving by hand what the registry holds (modelgate status / rollout --json), and give the model, stage or version a plain name for the next change.`
      )
    } else if (outcome.dispatch.state === 'sent') {
      lines.push(
        `- ${what}: the repository_dispatch event WAS sent (${outcome.dispatch.eventType}), so a deploy workflow listening for it was told; nothing needs applying by hand. Only the Deployment record is missing.`
      )
    } else if (outcome.payload) {
      const send =
        outcome.eventType !== undefined
          ? ` Or send the event: write to payload.json: ${JSON.stringify({ event_type: outcome.eventType, client_payload: outcome.payload })}` +
            `\n  then run: gh api repos/${repository}/dispatches --input payload.json` +
            ' (the whole request body: event_type and client_payload, a JSON object of at most 10 top-level properties; the token needs contents: write).'
          : ''
      const record =
        outcome.deployment.state === 'created'
          ? ' (unless a deployer that reads the Deployment applied it)'
          : ''
      lines.push(
        `- ${what}: no dispatch went, so no deploy workflow was told: apply the payload by hand${record}.${send}`
      )
    }
  }
  const parts = failed.flatMap(outcome => [outcome.deployment, outcome.dispatch].filter(isFailed))
  const needs = [...new Set(parts.filter(part => part.permission).map(part => part.needs))]
  if (needs.length > 0) {
    lines.push(
      `- Give the workflow's token ${needs.join(' and ')} (permissions: in the workflow) so the next change is handed off, or turn that part off (inputs deployments / dispatch-event-type).`
    )
  }
  if (parts.some(part => !part.permission)) {
    lines.push(
      '- GitHub did not take a part for another reason (the error above): it is not retried by this run.'
    )
  }
  lines.push(
    'Re-running this job writes nothing in the registry again and does not repeat the hand-off.'
  )
  return lines.join('\n')
}
