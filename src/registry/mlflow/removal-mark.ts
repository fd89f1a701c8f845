/**
 * The mark a rollback or an unassignment leaves on the model version it takes
 * out of a stage, so that `takenOutOf` can tell for as long as the version
 * exists (the stage's history tag is trimmed to fit the tag limit and forgets).
 * Pure.
 *
 *   modelgate.removed.<alias>   {"removed":true,"kind":"rollback","stage":"production",
 *                                "at":"2026-11-23T10:00:05.000Z","by":"bob","reason":"…","id":"<entry id>"}
 *
 * (Unity Catalog: `modelgate_removed_<alias>`.) The write that puts the version
 * back in the stage deletes it. On a Unity Catalog version that has no room
 * for one more tag, the same value takes the place of the version's
 * `modelgate.promoted.<alias>` (which describes an entry into the stage the
 * version no longer holds); a write that puts it back overwrites that tag.
 * A full version without that tag gets the mark in a tag freed by deleting
 * ModelGate's own oldest audit records on it (never a tag ModelGate did not
 * write); one with none of those either is left unmarked, and the write's
 * event says so.
 */
import type { JournalEntry } from './journal.js'
import { byteLength, truncateBytes } from './names.js'

export interface RemovalMark {
  kind: 'rollback' | 'unassign'
  /** The policy's stage name. */
  stage: string
  /** ISO 8601, UTC. */
  at: string
  by: string
  reason?: string
  /** The history entry of the write (its event id is `<model>@<alias>#<id>`). */
  id: string
}

const MAX_MARK_ACTOR = 100

/** The mark of `entry` (a rollback or an unassignment), within `limit` UTF-8 bytes: the reason is cut to fit. */
export function encodeRemovalMark(entry: JournalEntry, limit: number): string {
  const base = {
    removed: true,
    kind: entry.kind,
    stage: entry.stage,
    at: entry.at,
    by: truncateBytes(entry.by, MAX_MARK_ACTOR),
    id: entry.id
  }
  const bare = JSON.stringify(base)
  if (entry.reason === undefined) return bare
  // The reason takes what the rest leaves; escaping may take more, so cut again by the excess.
  for (let room = limit - byteLength(bare) - byteLength(',"reason":""'); room > 0;) {
    const value = JSON.stringify({ ...base, reason: truncateBytes(entry.reason, room) })
    const excess = byteLength(value) - limit
    if (excess <= 0) return value
    room -= excess
  }
  return bare
}

export type DecodedMark = { mark: RemovalMark } | { error: string }

/** A mark's value read back; `{ error }` when it is not one ModelGate could have written. */
export function decodeRemovalMark(value: string): DecodedMark {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return { error: 'is not valid JSON' }
  }
  if (!isMarkShaped(parsed)) return { error: 'is not a removal mark' }
  const { kind, stage, at, by, reason, id } = parsed as Record<string, unknown>
  const text = (v: unknown): v is string => typeof v === 'string' && v !== ''
  if (
    (kind !== 'rollback' && kind !== 'unassign') ||
    !text(stage) ||
    !text(at) ||
    Number.isNaN(Date.parse(at)) ||
    !text(by) ||
    !text(id) ||
    (reason !== undefined && typeof reason !== 'string')
  ) {
    return { error: 'is not a valid removal mark' }
  }
  return { mark: { kind, stage, at, by, ...(text(reason) ? { reason } : {}), id } }
}

/** Whether a tag value claims to be a removal mark (`"removed": true`), however well formed otherwise. */
export function isRemovalMark(value: string | undefined): boolean {
  if (value === undefined) return false
  try {
    return isMarkShaped(JSON.parse(value))
  } catch {
    return false
  }
}

function isMarkShaped(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>).removed === true
  )
}
