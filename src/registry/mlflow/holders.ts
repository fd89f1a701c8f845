/**
 * Who holds a stage and what history says, as the port describes them: a stage's holder (from
 * its history entry, its audit tag, or neither), the history's events, and the audit records
 * kept on the versions (record-tags.ts), read back.
 */
import type { RegistryEvent, StageHolder } from '../port.js'
import { auditBase } from './audit-facts.js'
import type { JournalEntry } from './journal.js'
import type { StoredRecord } from './record-tags.js'
import { missingRecord, readRecordTags } from './record-tags.js'
import type { MlflowRest } from './rest.js'
import type { MlflowSetup } from './setup.js'
import { trustedEntry } from './stage-facts.js'
import { eventId, type StageRef, type WriteView } from './stage-map.js'
import type { ModelVersionView } from './wire.js'

export class Holders {
  constructor(
    private readonly s: MlflowSetup,
    private readonly rest: MlflowRest
  ) {}

  /** The current holder as the port describes it (for revalidate). */
  async currentHolder(
    model: string,
    ref: StageRef,
    view: WriteView
  ): Promise<StageHolder | undefined> {
    if (view.holder === undefined) return undefined
    const entry = trustedEntry(
      view.entries,
      view.holder,
      ref.legacyStage ? undefined : (view.previousAlias ?? null)
    )
    if (entry) return this.holderFromEntry(model, ref, view.holder, entry)
    const mv = await this.rest.readVersionIfAny(model, view.holder)
    return mv ? unknownHolder(model, ref, mv) : danglingHolder(model, ref, view.holder)
  }

  holderFromEntry(model: string, ref: StageRef, version: string, entry: JournalEntry): StageHolder {
    return {
      model,
      stage: ref.stage,
      version,
      assignedAt: new Date(entry.at),
      assignedBy: entry.by,
      eventId: eventId(model, ref, entry.id),
      audit: entryAudit(entry)
    }
  }

  /**
   * From the version's own audit tag when ModelGate put it there; else (an alias
   * set outside ModelGate) the version's last update stands in for when, and
   * nobody known for by.
   */
  holderFromVersion(
    model: string,
    ref: StageRef,
    mv: ModelVersionView,
    entries: readonly JournalEntry[],
    previousAlias: string | null | undefined
  ): StageHolder {
    // Trusted only when the history vouches for this version's entry (stage-facts.ts).
    const entry = trustedEntry(entries, mv.version, previousAlias)
    if (!entry) return unknownHolder(model, ref, mv)
    const tag = parseAuditTag(mv.tags.get(this.s.keys.promoted(ref.alias)))
    if (tag && tag.version === mv.version && tag.id === entry.id) {
      return {
        model,
        stage: ref.stage,
        version: mv.version,
        assignedAt: new Date(tag.at),
        assignedBy: tag.actor,
        ...refOf(mv),
        eventId: eventId(model, ref, tag.id),
        audit: this.withStoredRecord(model, mv, tag)
      }
    }
    // A rollback that left the audit tag out (rebuiltFromEntry): the same facts from its entry,
    // the record from the record tags of its id (a lost record says so).
    if (entry.kind === 'rollback' && entry.recorded && !ref.legacyStage) {
      const stored = readRecordTags(this.s.keys, entry.id, mv.tags)
      return {
        model,
        stage: ref.stage,
        version: mv.version,
        assignedAt: new Date(entry.at),
        assignedBy: entry.by,
        ...refOf(mv),
        eventId: eventId(model, ref, entry.id),
        audit: {
          ...auditBase(model, ref, entry),
          record:
            stored === undefined
              ? missingRecord(this.s.keys, entry.id, `${model} version ${mv.version}`)
              : stored.ok
                ? stored.record
                : stored.damaged
        }
      }
    }
    return { ...this.holderFromEntry(model, ref, mv.version, entry), ...refOf(mv) }
  }

  /**
   * The audit tag's facts with the full record read back from the version's
   * record tags; a record that cannot be read back whole is marked damaged.
   * An audit tag without record tags is as it was written (older ModelGate:
   * the record inline, or its summary).
   */
  withStoredRecord(model: string, mv: ModelVersionView, tag: AuditTag): Record<string, unknown> {
    const stored = readRecordTags(this.s.keys, tag.id, mv.tags)
    if (stored) return { ...tag.raw, record: stored.ok ? stored.record : stored.damaged }
    const inline = tag.raw.record
    const pointer =
      typeof inline === 'object' && inline !== null
        ? (inline as Record<string, unknown>).tag
        : undefined
    if (pointer === this.s.keys.auditHeader(tag.id)) {
      return {
        ...tag.raw,
        record: missingRecord(this.s.keys, tag.id, `${model} version ${mv.version}`)
      }
    }
    return tag.raw
  }

  /**
   * The full audit records of `entries` (those marked `recorded`), by entry
   * id, read from their versions' tags: from the search results when they
   * carry tags (OSS), else with one `model-versions/get` per version (Unity
   * Catalog's search leaves tags out).
   */
  async storedRecords(
    model: string,
    entries: JournalEntry[],
    searched: ModelVersionView[]
  ): Promise<Map<string, Record<string, unknown>>> {
    const records = new Map<string, Record<string, unknown>>()
    const wanted = entries.filter(entry => entry.recorded && (entry.version ?? entry.from))
    if (wanted.length === 0) return records
    const fromSearch = new Map(searched.map(mv => [mv.version, mv.tags]))
    const read = new Map<string, Promise<ReadonlyMap<string, string> | undefined>>()
    const tagsOf = (version: string) => {
      let tags = read.get(version)
      if (!tags) {
        tags = this.rest.readVersionIfAny(model, version).then(mv => mv?.tags)
        read.set(version, tags)
      }
      return tags
    }
    for (const entry of wanted) {
      const version = (entry.version ?? entry.from) as string
      const header = this.s.keys.auditHeader(entry.id)
      const searchedTags = this.s.unityCatalog ? undefined : fromSearch.get(version)
      const tags = searchedTags?.has(header) ? searchedTags : await tagsOf(version)
      const stored: StoredRecord | undefined = tags && readRecordTags(this.s.keys, entry.id, tags)
      records.set(
        entry.id,
        stored === undefined
          ? missingRecord(
              this.s.keys,
              entry.id,
              tags ? `${model} version ${version}` : `${model}: version ${version} is gone`
            )
          : stored.ok
            ? stored.record
            : stored.damaged
      )
    }
    return records
  }

  entryEvent(
    model: string,
    ref: StageRef,
    entry: JournalEntry,
    record?: Record<string, unknown>
  ): RegistryEvent {
    const version = entry.version ?? entry.from ?? undefined
    return {
      kind: entry.kind === 'unassign' ? 'unassignment' : 'assignment',
      model,
      ...(version === undefined ? {} : { version }),
      stage: ref.stage,
      at: new Date(entry.at),
      by: entry.by,
      ...(entry.email ? { byEmail: entry.email } : {}),
      id: eventId(model, ref, entry.id),
      summary: entrySummary(model, ref.stage, entry),
      audit: { ...entryAudit(entry), ...(record === undefined ? {} : { record }) }
    }
  }
}

export function refOf(mv: ModelVersionView): { ref?: string } {
  const ref = mv.runId ?? mv.source
  return ref === undefined ? {} : { ref }
}

/**
 * A holder no trusted history entry describes (an alias set outside ModelGate): when and by
 * whom are unknown (an invalid Date: the days gate fails closed). Not the version's own
 * timestamps: a version's creation is not when it got an alias.
 */
export function unknownHolder(model: string, ref: StageRef, mv: ModelVersionView): StageHolder {
  return {
    model,
    stage: ref.stage,
    version: mv.version,
    assignedAt: new Date(Number.NaN),
    assignedBy: 'unknown (set outside ModelGate)',
    ...refOf(mv),
    eventId: `${model}@${ref.alias}`
  }
}

/** An alias that points at a deleted version (MLflow keeps aliases when it deletes a version). */
export function danglingHolder(model: string, ref: StageRef, version: string): StageHolder {
  return {
    model,
    stage: ref.stage,
    version,
    assignedAt: new Date(Number.NaN),
    assignedBy: 'unknown (the version was deleted)',
    eventId: `${model}@${ref.alias}`,
    dangling: true
  }
}

export function entrySummary(model: string, stage: string, entry: JournalEntry): string {
  switch (entry.kind) {
    case 'assign':
      // The history entry keeps only the flag; the audit record says which gates were overridden.
      return `Promote ${model} ${entry.version ?? ''} to ${stage}${entry.from ? ` (replacing ${entry.from})` : ''}${entry.forced ? ', forced past the gates' : ''}`
    case 'rollback':
      return `Roll back ${model} ${stage} to ${entry.version ?? ''} (from ${entry.from ?? 'none'})`
    case 'unassign':
      return `Remove ${model} ${entry.from ?? ''} from ${stage}`
  }
}

export function entryAudit(entry: JournalEntry): Record<string, unknown> {
  return {
    action: entry.kind,
    from: entry.from,
    previous: entry.previous,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.forced ? { forced: true } : {}),
    ...(entry.archived ? { archived: entry.archived } : {}),
    ...(entry.kind === 'rollback' ? { rollback: { from: entry.from, to: entry.version } } : {})
  }
}

export function completionEvent(
  model: string,
  ref: StageRef,
  version: string,
  now: number
): RegistryEvent {
  return {
    kind: 'assignment',
    model,
    version,
    stage: ref.stage,
    at: new Date(now),
    by: 'unknown',
    id: `${model}@${ref.alias}`,
    summary: `Complete ${model} ${version} in ${ref.stage}`
  }
}

export function registrationEvent(model: string, mv: ModelVersionView): RegistryEvent {
  return {
    kind: 'registration',
    model,
    version: mv.version,
    at: new Date(mv.creationTimestamp ?? Number.NaN),
    by: mv.userId ?? 'unknown',
    id: `${model}/${mv.version}`,
    ...refOf(mv),
    summary: `Register ${model} ${mv.version}`
  }
}

interface AuditTag {
  id: string
  at: string
  actor: string
  version: string
  raw: Record<string, unknown>
}

function parseAuditTag(value: string | undefined): AuditTag | undefined {
  if (!value) return undefined
  try {
    const raw = JSON.parse(value) as Record<string, unknown>
    const { id, at, actor, version } = raw
    if (
      typeof id === 'string' &&
      typeof at === 'string' &&
      !Number.isNaN(Date.parse(at)) &&
      typeof actor === 'string' &&
      typeof version === 'string'
    ) {
      return { id, at, actor, version, raw }
    }
  } catch {
    // not ours
  }
  return undefined
}
