/**
 * What a write keeps on the version and in the stage's history about who did it and why: the
 * history entry, the audit tag (`modelgate.promoted.<alias>`, cut to the tag limit), the
 * caller's record in record tags (whole, a summary, or nothing for want of room), and where
 * the removal mark goes on Unity Catalog's 50-tag versions.
 */
import type { WrittenRecord } from '../../audit/record.js'
import { InvalidInputError } from '../../errors.js'
import { actorName } from '../actor.js'
import type { AuditFacts } from '../port.js'
import { auditBase, saysNothingMore } from './audit-facts.js'
import type { JournalEntry, JournalKind } from './journal.js'
import { UC_MAX_TAGS_PER_VERSION, byteLength, truncateBytes } from './names.js'
import type { KeptRecord, RecordTags } from './record-tags.js'
import {
  MAX_RECORD_BYTES,
  MAX_RECORD_TAGS,
  RECORD_ENCODING,
  keptRecords,
  recordSummaryTag,
  recordTags
} from './record-tags.js'
import { isRemovalMark } from './removal-mark.js'
import type { MlflowSetup } from './setup.js'
import type { StageRef } from './stage-map.js'
import type { ModelVersionView } from './wire.js'

/** How a write keeps the caller's audit record on the version. */
export interface RecordPlan {
  /** The tags to write, in order: the parts, then the header; or a summary in the header tag alone; or none. */
  tags: Array<{ key: string; value: string }>
  /** The whole record's tags, when it is kept whole. */
  whole?: RecordTags
  /** Why the record is not kept whole (a rollback or an unassignment only: a promotion refuses). */
  truncated?: string
}

/** Where a removal mark goes on the version taken out (removal-mark.ts). */
export interface MarkPlace {
  /** The version taken out. */
  version: string
  /** The tag: the mark's own, or (Unity Catalog, no room) the version's audit tag for the stage; none when nothing fits. */
  key?: string
  /** Its value before the write, to restore on undo. */
  old?: string
  /** New tags it takes on the version (0 or 1). */
  slots: number
  /**
   * Unity Catalog, no tag to spare and no audit tag for the stage to take the
   * place of: ModelGate's own oldest audit records on the version, deleted
   * (before the mark is set) to make room for it.
   */
  evict: KeptRecord[]
  /** Tags the eviction frees. */
  freed: number
  /** Why no mark is written (no `key`): for the event and its audit. */
  unmarked?: string
}

export class AuditTags {
  constructor(private readonly s: MlflowSetup) {}

  /**
   * How the caller's record (if any) is kept on the version (record-tags.ts).
   * `room` undefined: a promotion, which refuses, before anything is written,
   * a record that cannot be kept whole (more than MAX_RECORD_BYTES of JSON or
   * MAX_RECORD_TAGS tags; Unity Catalog's tag count is assertTagRoom's). A
   * number: a rollback or an unassignment, never refused: the record is kept
   * whole when it fits in `room` more tags, else as a summary in its header
   * tag when one more fits, else not on the version (the event's audit still
   * has it whole, for the job summary and the artifact).
   */
  recordPlan(
    model: string,
    version: string,
    entry: JournalEntry,
    record: WrittenRecord | undefined,
    room: number | undefined
  ): RecordPlan {
    if (record === undefined) return { tags: [] }
    const files = fileCount(record)
    const fewerFiles = `Most of a record is the candidate's file checksums${files === undefined ? '' : ` (${files} files)`}: put fewer files in the candidate directory, e.g. pack many small files into one archive.`
    let whole: RecordTags | undefined
    let truncated: string | undefined
    const bytes = byteLength(JSON.stringify(record))
    if (bytes > MAX_RECORD_BYTES) {
      if (room === undefined) {
        throw new InvalidInputError(
          `${model} version ${version}: the audit record of this write is ${kb(bytes)} of JSON, more than the ${kb(MAX_RECORD_BYTES)} ModelGate keeps on a version. Nothing was written. ${fewerFiles}`
        )
      }
      truncated = `the record is ${kb(bytes)} of JSON, more than the ${kb(MAX_RECORD_BYTES)} ModelGate keeps on a version`
    } else {
      whole = recordTags(this.s.keys, entry.id, record, this.s.tagLimit)
      const count = whole.parts.length + 1
      if (count > MAX_RECORD_TAGS) {
        if (room === undefined) {
          throw new InvalidInputError(
            `${model} version ${version}: the audit record of this write is ${kb(whole.bytes)} of JSON (${kb(whole.encodedBytes)} as ${RECORD_ENCODING}) and would take ${count} tags of at most ${this.s.tagLimit} bytes, more than the ${MAX_RECORD_TAGS} ModelGate gives one record${this.s.unityCatalog ? ` (Unity Catalog allows ${UC_MAX_TAGS_PER_VERSION} tags on a model version)` : ''}. Nothing was written. ${fewerFiles}`
          )
        }
        truncated = `the record would take ${count} tags, more than the ${MAX_RECORD_TAGS} ModelGate gives one record`
      } else if (room !== undefined && count > room) {
        truncated = `the record would take ${count} tags and ${model} version ${version} had room for ${Math.max(room, 0)} more of the ${UC_MAX_TAGS_PER_VERSION} Unity Catalog allows`
      }
    }
    if (truncated === undefined && whole) return { tags: [...whole.parts, whole.header], whole }
    const why = truncated ?? 'the record was not kept'
    if (room !== undefined && room < 1) return { tags: [], truncated: why }
    const summary = recordSummaryTag(this.s.keys, entry.id, record, why, this.s.tagLimit)
    return { tags: [{ key: summary.key, value: summary.value }], truncated: why }
  }

  /**
   * Unity Catalog allows UC_MAX_TAGS_PER_VERSION tags on a model version:
   * refuses, before anything is written, a promotion that would go beyond it
   * on `target` (the record's tags plus `keys` it does not have yet). The
   * server would refuse the tag and the write be undone; this says why, up
   * front.
   */
  assertTagRoom(
    model: string,
    target: ModelVersionView,
    keys: string[],
    record: RecordTags | undefined,
    auditRecord: WrittenRecord | undefined
  ): void {
    if (!this.s.unityCatalog) return
    const recordCount = record ? record.parts.length + 1 : 0
    const added = recordCount + keys.filter(key => !target.tags.has(key)).length
    if (target.tags.size + added <= UC_MAX_TAGS_PER_VERSION) return
    const files = auditRecord ? fileCount(auditRecord) : undefined
    throw new InvalidInputError(
      `${model} version ${target.version} has ${target.tags.size} tags and this write would add ${added}${record ? ` (${recordCount} for its audit record, ${kb(record.bytes)} of JSON)` : ''}, more than the ${UC_MAX_TAGS_PER_VERSION} Unity Catalog allows on a model version. Nothing was written. Delete tags the version no longer needs (not ${this.s.keys.auditHeader('')}*: they are its audit trail)${record ? `, or put fewer files in the candidate directory${files === undefined ? '' : ` (${files} now)`} to shrink the record` : ''}.`
    )
  }

  /** How many more tags `mv` can take: Unity Catalog's limit less what it has; unbounded elsewhere. */
  roomOn(mv: ModelVersionView): number {
    return this.s.unityCatalog ? UC_MAX_TAGS_PER_VERSION - mv.tags.size : Infinity
  }

  /**
   * Where the removal mark goes on `removed`, the version a write takes out of
   * the stage: its own tag (overwritten if there), else, when Unity Catalog
   * has no room for one more tag (`reserve` more kept for the archived tag),
   * in place of the version's audit tag for the stage (removal-mark.ts), else
   * in a new tag if one still fits, else in a new tag once ModelGate's own
   * oldest audit records on the version are deleted to make room (never a tag
   * ModelGate did not write), else nowhere, and the write says so.
   */
  markPlace(ref: StageRef, removed: ModelVersionView, reserve: number): MarkPlace {
    const version = removed.version
    const key = this.s.keys.removed(ref.alias)
    const none = { version, evict: [], freed: 0 }
    const old = removed.tags.get(key)
    if (old !== undefined) return { ...none, key, old, slots: 0 }
    const room = this.roomOn(removed)
    if (room >= 1 + reserve) return { ...none, key, slots: 1 }
    const promotedKey = this.s.keys.promoted(ref.alias)
    const promoted = removed.tags.get(promotedKey)
    if (promoted !== undefined) return { ...none, key: promotedKey, old: promoted, slots: 0 }
    if (room >= 1) return { ...none, key, slots: 1 }
    const evict: KeptRecord[] = []
    let freed = 0
    for (const record of keptRecords(this.s.keys, removed.tags)) {
      if (room + freed >= 1) break
      evict.push(record)
      freed += record.tags.length
    }
    if (room + freed >= 1) return { version, key, slots: 1, evict, freed }
    return {
      ...none,
      slots: 0,
      unmarked: `no tag room on version ${version} (its ${removed.tags.size} tags, the most Unity Catalog allows, hold no audit record ModelGate may delete), so the rolled_back gate cannot see that it was taken out of ${ref.stage}`
    }
  }

  /** How many more tags `mv` can take once the removal mark is placed (and what it evicts deleted). */
  roomAfterMark(mv: ModelVersionView, place: MarkPlace): number {
    return this.roomOn(mv) + place.freed - place.slots
  }

  /**
   * Whether a rollback may leave out the restored version's audit tag (issue 11: one call fewer):
   * only when a reader rebuilds exactly what the tag would say from the stage's history entry (as
   * stored, `stored`) and the record tags of the entry's id (holderFromVersion), which persist
   * where the audit tag is overwritten at the version's next entry into the stage. Not when the
   * tag would say more (a record not kept whole, a removal mark's facts, a reason or an actor
   * the history cuts), nor when the version's audit tag holds a removal mark (removal-mark.ts),
   * which only writing the tag clears. Promotions always write it.
   */
  rebuiltFromEntry(
    model: string,
    ref: StageRef,
    stored: JournalEntry,
    target: ModelVersionView,
    value: string,
    audit: AuditFacts,
    record: RecordPlan
  ): boolean {
    if (audit.record === undefined || record.truncated !== undefined || !record.whole) return false
    if (!stored.recorded || record.tags.length === 0) return false
    if (isRemovalMark(target.tags.get(this.s.keys.promoted(ref.alias)))) return false
    return saysNothingMore(value, auditBase(model, ref, stored), audit.record)
  }

  newEntry(
    kind: JournalKind,
    ref: StageRef,
    version: string | null,
    from: string | null,
    previous: string | null,
    audit: AuditFacts,
    archived: string | undefined
  ): JournalEntry {
    const ms = this.s.now()
    const id = `${ms.toString(36)}-${Math.floor(this.s.random() * 0x1000000)
      .toString(16)
      .padStart(6, '0')}`
    return {
      id,
      kind,
      stage: ref.stage,
      version,
      from,
      previous,
      at: new Date(ms).toISOString(),
      by: actorName(audit),
      ...(audit.actorEmail ? { email: audit.actorEmail } : {}),
      ...(audit.reason ? { reason: audit.reason } : {}),
      ...(audit.forced ? { forced: true } : {}),
      ...(archived ? { archived } : {}),
      ...(audit.record === undefined ? {} : { recorded: true as const })
    }
  }

  /**
   * The version's audit tag (`modelgate.promoted.<alias>`): the entry's facts
   * plus the caller's record, cut to the tag-value limit (the record is
   * summarised first, then the reason shortened), so a write never fails on
   * size. The whole record is kept in the record tags (recordSteps); a summary
   * names their header under `record.tag`. `audit` is the event's audit: the
   * facts with the whole record.
   */
  auditValue(
    model: string,
    ref: StageRef,
    entry: JournalEntry,
    audit: AuditFacts,
    kept: RecordPlan,
    /** What the write did about the removal mark, when it is not the plain case (markFacts). */
    markedFacts: Record<string, unknown> = {}
  ): { value: string; audit: Record<string, unknown> } {
    const base = auditBase(model, ref, entry, markedFacts)
    // A record not kept whole on the version (a rollback's or an unassignment's, short of room)
    // is said so, and why, here and in the event.
    const note =
      kept.truncated === undefined
        ? {}
        : { recordTruncated: true, recordTruncatedReason: truncateBytes(kept.truncated, 300) }
    const full = {
      ...(audit.record === undefined ? base : { ...base, record: audit.record }),
      ...note
    }
    const tag = kept.tags.length > 0 ? this.s.keys.auditHeader(entry.id) : undefined
    const summary = (keys: boolean) =>
      audit.record === undefined
        ? {}
        : {
            record: {
              truncated: true,
              ...(keys ? { keys: Object.keys(audit.record).slice(0, 30) } : {}),
              ...(tag ? { tag } : {})
            }
          }
    const attempts: Array<Record<string, unknown>> = [
      ...(kept.truncated === undefined ? [full] : []),
      { ...base, ...summary(true), ...note },
      audit.reason
        ? {
            ...base,
            reason: truncateBytes(audit.reason, 500),
            ...summary(false),
            recordTruncated: true
          }
        : base,
      audit.reason
        ? {
            ...base,
            reason: truncateBytes(audit.reason, 100),
            ...summary(false),
            recordTruncated: true
          }
        : base
    ]
    for (const candidate of attempts) {
      const value = JSON.stringify(candidate)
      if (byteLength(value) <= this.s.tagLimit) return { value, audit: full }
    }
    const minimal = {
      id: entry.id,
      action: entry.kind,
      version: base.version,
      stage: ref.stage,
      at: entry.at,
      actor: truncateBytes(entry.by, 60),
      truncated: true,
      ...summary(false),
      ...(kept.truncated === undefined ? {} : { recordTruncated: true }),
      ...markedFacts
    }
    return { value: JSON.stringify(minimal), audit: full }
  }
}

/** How many candidate files an audit record lists (`artifact.files`), when it lists them. */
export function fileCount(record: WrittenRecord): number | undefined {
  return 'artifact' in record ? record.artifact?.files.length : undefined
}

/**
 * The audit facts of a removal mark that is not the plain case: the ids of the
 * records deleted to make room for it (`evicted`), or why there is no mark
 * (`notMarked`).
 */
export function markFacts(place: MarkPlace | undefined): Record<string, unknown> {
  if (!place) return {}
  return {
    ...(place.evict.length > 0 ? { evicted: place.evict.map(record => record.id) } : {}),
    ...(place.unmarked === undefined ? {} : { notMarked: place.unmarked })
  }
}

/** The same, for the event's summary line (empty in the plain case). */
export function markNote(place: MarkPlace | undefined): string {
  if (!place) return ''
  if (place.unmarked !== undefined) return `; not marked as taken out: ${place.unmarked}`
  const n = place.evict.length
  if (n === 0) return ''
  const ids = place.evict.map(record => record.id).join(', ')
  return `; to mark ${place.version} as taken out, deleted ${n === 1 ? 'the oldest audit record' : `the ${n} oldest audit records`} ModelGate kept on it (${ids}): only the registry's copy, the audit artifact a workflow run published keeps its own`
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`
}
