import { auditRecordOf } from '../audit/record.js'
import { storedReason, storedRollback } from '../registry/stored-audit.js'
import type { RegistryEvent } from '../registry/port.js'

/**
 * How long after a rollback a rollback of the same stage, by the same person, with the same
 * reason and no version named, is taken for a re-run of it (a crash, a cancel, an answer lost)
 * rather than a request to go one more step back. Long enough for a person to notice and run
 * it again; a second step back within it names the holder to remove (`--from`).
 */
export const RERUN_WINDOW_MS = 15 * 60 * 1000

/** A rollback the registry recorded: the holder it removed, the version it put back. */
export interface PriorRollback {
  removed: string
  restored: string | undefined
  actor: string
  reason: string | undefined
  at: Date
  runUrl: string | undefined
  /** The event's id (git: the tag), for the message. */
  id: string
}

/** What identifies this attempt: who, why, when, and (in the action) the workflow run. */
export interface RollbackRequest {
  stage: string
  actor: string
  reason: string
  now: Date
  /** The run's URL: the same GITHUB_RUN_ID on every attempt of a workflow run. */
  runUrl?: string
}

/**
 * The earlier rollback this request repeats, if any: newest first, a written rollback of the
 * stage from the same workflow run (any attempt, however late), or, outside a workflow run (a
 * terminal, which has no run identity), by the same actor with the same reason within
 * RERUN_WINDOW_MS, while that rollback is still the stage's latest assignment. In the action a new
 * dispatch is a new run: a new request, never a re-run.
 */
export function findRerunOf(
  history: readonly RegistryEvent[],
  request: RollbackRequest
): PriorRollback | undefined {
  // Only the stage's latest assignment can be the rollback a terminal re-run repeats: once
  // anything was assigned since, the same words ask to take out the new holder.
  let latest = true
  for (const event of history) {
    if (event.kind !== 'assignment' || event.stage !== request.stage) continue
    const prior = priorRollback(event)
    const wasLatest = latest
    latest = false
    if (!prior) continue
    const sameRun = request.runUrl !== undefined && prior.runUrl === request.runUrl
    const age = request.now.getTime() - prior.at.getTime()
    const sameAsk =
      request.runUrl === undefined &&
      wasLatest &&
      prior.actor === request.actor &&
      prior.reason?.trim() === request.reason.trim() &&
      age >= 0 &&
      age <= RERUN_WINDOW_MS
    if (sameRun || sameAsk) return prior
  }
  return undefined
}

/** A rollback as the registry keeps it: the full audit record, else the backend's own facts. */
function priorRollback(event: RegistryEvent): PriorRollback | undefined {
  const record = auditRecordOf(event.audit)
  if (record) {
    if (record.kind !== 'rollback' || !record.written || record.previous === null) return undefined
    return {
      removed: record.previous,
      restored: record.version ?? undefined,
      actor: record.actor,
      reason: record.reason ?? undefined,
      at: new Date(record.timestamp),
      runUrl: record.runUrl ?? undefined,
      id: event.id
    }
  }
  // Written without a record (by hand, by another tool) or its record was trimmed: the
  // `rollback: {from, to}` facts both backends keep with the event.
  const facts = storedRollback(event.audit)
  if (!facts) return undefined
  return {
    removed: facts.from,
    restored: facts.to,
    actor: event.by,
    reason: storedReason(event.audit),
    at: event.at,
    runUrl: undefined,
    id: event.id
  }
}
