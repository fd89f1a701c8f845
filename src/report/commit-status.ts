/**
 * The commit status's text: the description an evaluation sets on the head commit (at most 140
 * characters, GitHub's limit), and the one of a pull request that changes the policy. GitHub
 * shows a description as plain text (no markdown, no HTML), so nothing in it is escaped; runs of
 * whitespace, line breaks included, become one space ({@link clip}), so it stays one line.
 * src/github/statuses.ts sets the status; src/action/pull-request.ts chooses which.
 */
import type { Evaluation, GateResult } from '../gates/types.js'

/** A commit status state. `error`: ModelGate itself could not evaluate. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error'

/** GitHub cuts status descriptions at this many characters. */
export const STATUS_DESCRIPTION_LIMIT = 140

/** What a status is about: the candidate and the stage. */
interface StatusSubject {
  candidate: { version?: string | undefined; label: string }
  stage: string
}

/** `v1.4.0 → production` (the candidate's label when it has no version). */
function subjectOf(evaluation: StatusSubject): string {
  return `${evaluation.candidate.version ?? evaluation.candidate.label} → ${evaluation.stage}`
}

/**
 * The commit status an evaluation sets: `failure` when blocked, `pending` while something is
 * missing (approvals, checks, soak time), `success` when it passed (with or without warnings).
 * The description says why in at most 140 characters.
 */
export function commitStatusFor(evaluation: Evaluation): {
  state: CommitState
  description: string
} {
  const subject = subjectOf(evaluation)
  const named = (status: GateResult['status']) =>
    evaluation.gates.filter(gate => gate.status === status)
  switch (evaluation.decision) {
    case 'blocked':
      return { state: 'failure', description: describe(subject, 'blocked', named('fail')) }
    case 'pending':
      return { state: 'pending', description: describe(subject, 'waiting', named('pending')) }
    case 'pass-with-warnings':
      return { state: 'success', description: clip(`${subject}: passed with warnings`) }
    case 'pass':
      return { state: 'success', description: clip(`${subject}: every gate passed`) }
  }
}

function describe(subject: string, verb: string, gates: GateResult[]): string {
  const first = gates[0]
  const why = first ? `${first.gate}: ${first.summary}` : ''
  const more = gates.length > 1 ? ` (+${gates.length - 1} more)` : ''
  return clip(`${subject} ${verb} — ${why}${more}`)
}

/**
 * The description of a pull request that changes the policy (its state is never `success`:
 * the change itself is what a person must judge). Clipped when the status is set.
 */
export function policyChangeDescription(evaluation: StatusSubject & { decision: string }): string {
  return `This pull request changes the policy (takes effect after merge); ${subjectOf(evaluation)} is ${evaluation.decision} under the base policy`
}

/** At most 140 characters (code points), cut with an ellipsis. */
export function clip(text: string, limit = STATUS_DESCRIPTION_LIMIT): string {
  const points = [...text.replace(/\s+/g, ' ').trim()]
  return points.length <= limit
    ? points.join('')
    : `${points
        .slice(0, limit - 1)
        .join('')
        .trimEnd()}…`
}
