/**
 * Whether ModelGate made a registry event: the one predicate `report`, `status` and `history`
 * share, so a change one of them lists as not made by ModelGate the others flag too. Pure.
 *
 * An event is ModelGate's only when its stored facts hold either
 * - a valid audit record (`auditRecordOf`) of a write (`written: true`) whose kind fits the
 *   event (an assignment or unassignment by a promotion, a forced promotion or a rollback) for
 *   the event's model and stage (and, for an assignment, its version), or
 * - valid rollout facts (`stepOfEvent`) whose step fits the event: start, advance and hold
 *   assign the version, abort and complete take it out, or
 * - the `replacedBy` mark of a removal ModelGate writes to make way for a version (a promotion
 *   below an outranking holder, a rollout's start), when the stage's next event is that
 *   version's assignment and is ModelGate's itself.
 * Anything else (no facts, ModelGate's marker with no record, a refused attempt's record, a
 * record of another kind, stage or version, damaged rollout facts; every deregistration and
 * deprecation, which ModelGate never writes) is not made by ModelGate. The registry adapters
 * have already dropped facts that name another event or copy another tag's record
 * (registry/git/tag-audit.ts).
 */
import { stepOfEvent } from '../rollout/steps.js'
import type { StepEvent } from '../rollout/step-types.js'
import { auditRecordOf } from './record.js'

/** The facts of a registry event the predicate reads (a structural subset of RegistryEvent). */
export interface OwnedEvent extends StepEvent {
  kind: string
}

const STAGE_RECORD_KINDS = ['promotion', 'forced-promotion', 'rollback', 'automatic-rollback']

/** The event on its own: a written record that fits it, or rollout facts that fit it. */
export function recordFits(event: OwnedEvent): boolean {
  if (event.kind !== 'assignment' && event.kind !== 'unassignment') return false
  const step = stepOfEvent(event)
  if (step) {
    const assigns = step.kind === 'start' || step.kind === 'advance' || step.kind === 'hold'
    return assigns === (event.kind === 'assignment')
  }
  const record = auditRecordOf(event.audit)
  if (!record || !record.written || !STAGE_RECORD_KINDS.includes(record.kind)) return false
  if (record.model !== event.model || record.to !== event.stage) return false
  return event.kind === 'unassignment' || record.version === event.version
}

/**
 * Whether ModelGate made `event`. `history` is the model's events newest first (as the port's
 * `history` gives them), read only for a removal marked `replacedBy`; without it such a removal
 * counts as not made by ModelGate.
 */
export function madeByModelGate(event: OwnedEvent, history: readonly OwnedEvent[] = []): boolean {
  if (recordFits(event)) return true
  const replacedBy = event.audit?.replacedBy
  if (event.kind !== 'unassignment' || typeof replacedBy !== 'string') return false
  const next = newerInStage(history).get(event)
  return (
    next !== undefined &&
    next.kind === 'assignment' &&
    next.version === replacedBy &&
    recordFits(next)
  )
}

// For each stage event of a history (newest first), the stage's next newer event: built once per
// history, so judging every removal of a 10,000-event history is not quadratic.
const newer = new WeakMap<
  readonly OwnedEvent[],
  { length: number; next: Map<OwnedEvent, OwnedEvent> }
>()

function newerInStage(history: readonly OwnedEvent[]): Map<OwnedEvent, OwnedEvent> {
  const known = newer.get(history)
  if (known && known.length === history.length) return known.next
  const next = new Map<OwnedEvent, OwnedEvent>()
  const latest = new Map<string, OwnedEvent>()
  for (const event of history) {
    if (event.kind !== 'assignment' && event.kind !== 'unassignment') continue
    const key = `${event.model}\u0000${event.stage ?? ''}`
    const seen = latest.get(key)
    if (seen) next.set(event, seen)
    latest.set(key, event)
  }
  newer.set(history, { length: history.length, next })
  return next
}
