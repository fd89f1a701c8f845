import type { Evaluation, GateResult } from '../gates/types.js'
import { apiError, numberField, type GitHubApi, type RepoRef } from './client.js'

/** A commit status state. `error`: ModelGate itself could not evaluate. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error'

/** GitHub cuts status descriptions at this many characters. */
export const STATUS_DESCRIPTION_LIMIT = 140

/** The status context for a model and stage, the name branch protection requires. */
export function statusContext(model: string, stage: string): string {
  return `modelgate/${model}/${stage}`
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
  const subject = `${evaluation.candidate.version ?? evaluation.candidate.label} → ${evaluation.stage}`
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

export interface CommitStatus {
  sha: string
  context: string
  state: CommitState
  description: string
  /** The workflow run's page: `${GITHUB_SERVER_URL}/${repo}/actions/runs/${GITHUB_RUN_ID}`. */
  targetUrl?: string
}

/** `POST /repos/{owner}/{repo}/statuses/{sha}`; returns the status id. */
export async function setCommitStatus(
  api: GitHubApi,
  repo: RepoRef,
  status: CommitStatus
): Promise<number | undefined> {
  try {
    const { data } = await api.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
      ...repo,
      sha: status.sha,
      state: status.state,
      context: status.context,
      description: clip(status.description),
      ...(status.targetUrl ? { target_url: status.targetUrl } : {})
    })
    return numberField(data, 'id')
  } catch (error) {
    throw apiError(error, `setting status ${status.context} on ${status.sha}`, 'statuses: write')
  }
}
