import { listed, short } from './approvals.js'
import type { GateResult, GateStatus } from './types.js'

/** One check run on a commit, as the checks API reports it. */
export interface CheckRun {
  /** GitHub's id; higher is newer. Absent in hand-built data, then list order decides. */
  id?: number
  name: string
  /** `queued`, `in_progress`, `completed`, `waiting`, `requested`, `pending`. */
  status: string
  /** Set once `completed`: `success`, `failure`, `neutral`, `cancelled`, `skipped`, `timed_out`, `action_required`, `stale`, ... */
  conclusion?: string | null
  /** The GitHub App that reported it (`github-actions`): two apps may report the same name. */
  app?: string
  /** Link to the run, for the report. */
  url?: string
}

/** The check runs on the head commit of a pull request. */
export interface CheckRunEvidence {
  headSha: string
  runs: readonly CheckRun[]
}

export interface ChecksContext extends CheckRunEvidence {
  /** `stages.<stage>.checks`: check-run names, matched exactly. */
  required: readonly string[]
}

/**
 * Required check runs on the head commit. For each required name, the latest run (highest id)
 * of each app reporting that name is taken, so a re-run replaces its earlier attempt but one
 * app's success never hides another app's failure.
 *
 * - `pass` only when every required name has runs and every latest run concluded `success`.
 * - `fail` when a latest run completed with anything else: `failure`, `cancelled`,
 *   `timed_out`, `action_required`, `stale`, and also `neutral` and `skipped` (fail closed: a
 *   check that did not run did not show the model is safe), or no conclusion at all.
 * - `pending` when a latest run has not completed yet (`queued`, `in_progress`, ...), or no
 *   run of that name exists on the head commit yet: a workflow may not have started. A name
 *   that never appears (a typo in the policy) therefore stays pending, never passes; the
 *   detail says to check the name.
 */
export function checksGate(context: ChecksContext): GateResult {
  const gate = 'checks'
  const commit = short(context.headSha)
  const details: string[] = []
  // Stryker disable next-line ArrayDeclaration: only 'fail' and 'pending' entries are looked for
  const statuses: GateStatus[] = []
  const failed: string[] = []
  const waiting: string[] = []

  for (const name of unique(context.required)) {
    const runs = latestByApp(context.runs.filter(run => run.name === name))
    if (runs.length === 0) {
      statuses.push('pending')
      waiting.push(name)
      details.push(
        `${name}: no run on ${commit} yet (if none ever starts, check the name in the policy)`
      )
      continue
    }
    for (const run of runs) {
      const status = runStatus(run)
      statuses.push(status)
      const from = runs.length > 1 && run.app ? ` (${run.app})` : ''
      if (status === 'pass') {
        details.push(`${name}${from}: success on ${commit}`)
      } else if (status === 'pending') {
        waiting.push(name)
        details.push(`${name}${from}: ${run.status.replace(/_/g, ' ')} on ${commit}`)
      } else {
        failed.push(name)
        const conclusion = run.conclusion ?? 'no conclusion'
        const why =
          conclusion === 'neutral' || conclusion === 'skipped' ? ', which is not success' : ''
        details.push(`${name}${from}: ${conclusion.replace(/_/g, ' ')} on ${commit}${why}`)
      }
    }
  }

  const names = unique(context.required)
  if (statuses.includes('fail')) {
    return {
      gate,
      status: 'fail',
      summary: `${listed(unique(failed))} did not succeed on ${commit}`,
      details
    }
  }
  if (statuses.includes('pending')) {
    return {
      gate,
      status: 'pending',
      summary: `waiting for ${listed(unique(waiting))} on ${commit}`,
      details
    }
  }
  return {
    gate,
    status: 'pass',
    summary: `${listed(names)} ${names.length === 1 ? 'has' : 'have'} succeeded on ${commit}`,
    details
  }
}

function runStatus(run: CheckRun): GateStatus {
  if (run.status !== 'completed') return 'pending'
  return run.conclusion === 'success' ? 'pass' : 'fail'
}

/** The newest run per app: highest id, else the later in the list. */
function latestByApp(runs: readonly CheckRun[]): CheckRun[] {
  const latest = new Map<string, CheckRun>()
  for (const run of runs) {
    // Stryker disable next-line StringLiteral: every run without an app shares the one key, whichever it is
    const key = run.app ?? ''
    const seen = latest.get(key)
    if (!seen || (run.id ?? Infinity) >= (seen.id ?? -Infinity)) latest.set(key, run)
  }
  return [...latest.values()]
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)]
}
