/**
 * The facts of a write's audit tag (`modelgate.promoted.<alias>`), as a reader can rebuild them
 * from the write's history entry. A rollback leaves the restored version's audit tag out when it
 * would say nothing more than its entry and its record tags (issue 11: one call fewer); readers
 * then rebuild the same audit from those (adapter.ts, holderFromVersion). Pure.
 */
import type { WrittenRecord } from '../../audit/record.js'
import type { JournalEntry } from './journal.js'

/**
 * The audit tag's facts before the record, all from the history entry (the entry's reason and
 * forced flag are the caller's); `markedFacts` what the write did about a removal mark, when it
 * is not the plain case.
 */
export function auditBase(
  model: string,
  ref: { stage: string; alias: string },
  entry: JournalEntry,
  markedFacts: Record<string, unknown> = {}
): Record<string, unknown> {
  return {
    id: entry.id,
    action: entry.kind,
    model,
    version: entry.version ?? entry.from,
    stage: ref.stage,
    alias: ref.alias,
    from: entry.from,
    at: entry.at,
    actor: entry.by,
    ...(entry.email ? { actorEmail: entry.email } : {}),
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.forced ? { forced: true } : {}),
    ...(entry.archived ? { archived: entry.archived } : {}),
    ...markedFacts
  }
}

/**
 * Whether the audit tag `value` reads (its record taken from the record tags, as readers do) the
 * same as `rebuilt` (auditBase of the entry as stored) with `record`: key for key, in order.
 */
export function saysNothingMore(
  value: string,
  rebuilt: Record<string, unknown>,
  record: WrittenRecord
): boolean {
  const kept = JSON.parse(JSON.stringify(record)) as unknown
  const asTagReads = { ...(JSON.parse(value) as Record<string, unknown>), record: kept }
  return JSON.stringify(asTagReads) === JSON.stringify({ ...rebuilt, record: kept })
}
