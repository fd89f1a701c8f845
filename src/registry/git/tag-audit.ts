/**
 * A tag's stored facts, believed only when they are about the tag itself. A tag message is text
 * anyone who can push a tag writes: a hand-made GTO tag can carry a copy of another tag's
 * message, record and all. Its JSON then names another event (another stage, version or kind),
 * so it is not this event's record, and every reader (history, status, rollback re-runs, the
 * monitor's baseline, the rolled_back gate's reason, a registration's digest) treats the event
 * as one ModelGate did not record. So does a message whose time (`at`) is not the tag's own, or
 * whose facts another tag of the same event carries already (a copy onto a new tag).
 */
import type { StoredAudit } from '../port.js'
import { parseMessage } from './message.js'
import type { TagEvent } from './state.js'

/** The audit record kinds each tag action can carry (a rollback writes both actions). */
const RECORD_KINDS: Partial<Record<TagEvent['action'], readonly string[]>> = {
  assign: ['promotion', 'forced-promotion', 'rollback', 'automatic-rollback'],
  // A promotion's removal of an outranking holder, a rollback's removal of the holder.
  unassign: ['promotion', 'forced-promotion', 'rollback', 'automatic-rollback']
}

/**
 * How far the time ModelGate writes in a tag's facts (`at`) may be from the tag's tagger date.
 * ModelGate sets both from one chosen second (registry/git/drafts.ts: `auditRecord` and
 * `identityEnv`), so its own tags never differ at all; the allowance only absorbs a re-signing
 * or re-packing tool that rounds a date. A copied message (a genuine record on a new tag) keeps
 * the old `at` while git stamps the copy with the time it was made: minutes or more apart.
 */
export const RECORD_TIME_TOLERANCE_SECONDS = 2

/** The ModelGate facts stored in `event`'s message, when they name this event; else undefined. */
export function tagAudit(event: TagEvent): StoredAudit | undefined {
  const { audit } = parseMessage(event.message)
  return audit && namesEvent(audit, event) ? audit : undefined
}

/**
 * `tagAudit`, and not a copy: undefined too when an earlier event of the artifact (`events`,
 * oldest first) of the same action, stage and version carries the very same facts. ModelGate
 * writes each tag's facts once, with the tag's own time in them, so the same facts in two tags
 * mean one was copied onto the other; the earlier keeps them.
 */
export function ownTagAudit(event: TagEvent, events: readonly TagEvent[]): StoredAudit | undefined {
  const audit = tagAudit(event)
  if (!audit || (event.action !== 'assign' && event.action !== 'unassign')) return audit
  const group = sameEvents(events).get(eventKey(event)) ?? []
  if (group[0] === event) return audit // the first of its kind copies nothing
  const facts = JSON.stringify(audit)
  for (const other of group) {
    if (other === event) break
    const earlier = parseMessage(other.message).audit
    if (earlier && JSON.stringify(earlier) === facts) return undefined
  }
  return audit
}

function eventKey(event: TagEvent): string {
  return `${event.action}\0${event.stage ?? ''}\0${event.version ?? ''}`
}

// The artifact's events grouped by action, stage and version (oldest first), built once per list
// without reading a message: a holder's check then reads only the few tags of its own group, so
// `status` on 10,000 tags decodes no other message, and `history` is not quadratic. Rebuilt when
// the list has grown since.
const groups = new WeakMap<
  readonly TagEvent[],
  { length: number; byKey: Map<string, TagEvent[]> }
>()

function sameEvents(events: readonly TagEvent[]): Map<string, TagEvent[]> {
  const known = groups.get(events)
  if (known && known.length === events.length) return known.byKey
  const byKey = new Map<string, TagEvent[]>()
  for (const other of events) {
    if (other.action !== 'assign' && other.action !== 'unassign') continue
    const key = eventKey(other)
    const group = byKey.get(key)
    if (group) group.push(other)
    else byKey.set(key, [other])
  }
  groups.set(events, { length: events.length, byKey })
  return byKey
}

/**
 * Whether every fact that names an event names `event`: the facts' own `action`, `model`,
 * `version` and `stage`, and in the audit record its `model`, stage (`to`), `kind` and, for an
 * assignment, the version it put in. A fact that is absent names nothing (GTO-era and
 * hand-written messages carry few); one that is present and differs makes the whole message
 * another event's.
 */
export function namesEvent(audit: StoredAudit, event: TagEvent): boolean {
  const same = (value: unknown, expected: string | undefined) =>
    value === undefined || value === expected
  if (!same(audit.action, event.action) || !same(audit.model, event.model)) return false
  if (!same(audit.version, event.version) || !same(audit.stage, event.stage)) return false
  // The time ModelGate wrote in the facts is the tag's own tagger time (see the tolerance).
  if (audit.at !== undefined) {
    const at = typeof audit.at === 'string' ? Date.parse(audit.at) : NaN
    if (!(Math.abs(at / 1000 - event.time) <= RECORD_TIME_TOLERANCE_SECONDS)) return false
  }
  const record = audit.record
  if (record === undefined) return true
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return true
  const facts = record as Record<string, unknown>
  if (!same(facts.model, event.model)) return false
  const kinds = RECORD_KINDS[event.action]
  if (typeof facts.kind === 'string') {
    // A refused attempt wrote nothing: its record is no event's.
    if (!kinds?.includes(facts.kind)) return false
  }
  if (event.stage !== undefined && !same(facts.to, event.stage)) return false
  if (event.action === 'assign' && !same(facts.version, event.version)) return false
  return true
}
