/**
 * The stage history ModelGate keeps in one registered-model tag per stage
 * alias (`modelgate.history.<alias>`): a JSON list of entries, newest first,
 * trimmed (oldest first) to fit the backend's tag-value limit. Pure.
 *
 * The entry of a write is written *before* the alias moves (it is the write's
 * journal), so a run that fails after moving the alias leaves enough behind
 * for the next run to finish the job. An entry that never took effect can only
 * be the newest one, and is recognised by the alias still pointing at the
 * version the entry says it replaced (`isUnapplied`); readers skip it and the
 * next write drops it.
 */
import { byteLength, truncateBytes } from './names.js'

export type JournalKind = 'assign' | 'rollback' | 'unassign'

export interface JournalEntry {
  /** Unique per write; also in the version's audit tag, which links the two. */
  id: string
  kind: JournalKind
  /** The policy's stage name (the tag key holds the alias). */
  stage: string
  /** The version holding the stage after the write; null after an unassign. */
  version: string | null
  /** The version holding it before; null when it was empty. */
  from: string | null
  /** What `<alias>-previous` points at after the write (the default rollback target); null: unset. */
  previous: string | null
  /** ISO 8601, UTC. */
  at: string
  by: string
  email?: string
  reason?: string
  forced?: boolean
  /** The replaced version tagged `archived` by this write. */
  archived?: string
  /**
   * The caller's full audit record is kept on the version (`version`, else
   * `from`) under `modelgate.audit.<id>` (record-tags.ts): a reader that finds
   * no such tag there knows it was lost.
   */
  recorded?: true
}

/** Longest reason kept in the history (the version's audit tag keeps more). */
const MAX_HISTORY_REASON = 200
const MAX_HISTORY_ACTOR = 100

export type DecodedJournal = { entries: JournalEntry[] } | { error: string }

/** Entries of a history tag; `{ error }` when the value is not a list of entries. */
export function decodeJournal(value: string | undefined): DecodedJournal {
  if (value === undefined || value === '') return { entries: [] }
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return { error: 'is not valid JSON' }
  }
  if (!Array.isArray(parsed)) return { error: 'is not a JSON list' }
  const entries: JournalEntry[] = []
  for (const [i, item] of parsed.entries()) {
    const entry = toEntry(item)
    if (!entry) return { error: `has an invalid entry at index ${i}` }
    entries.push(entry)
  }
  return { entries }
}

function toEntry(item: unknown): JournalEntry | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const o = item as Record<string, unknown>
  const kind = o.kind
  if (kind !== 'assign' && kind !== 'rollback' && kind !== 'unassign') return undefined
  const str = (v: unknown) => typeof v === 'string' && v !== ''
  const nullableStr = (v: unknown) => v === null || v === undefined || str(v)
  if (!str(o.id) || !str(o.stage) || !str(o.at) || !str(o.by)) return undefined
  if (!nullableStr(o.version) || !nullableStr(o.from) || !nullableStr(o.previous)) return undefined
  if (Number.isNaN(Date.parse(o.at as string))) return undefined
  return {
    id: o.id as string,
    kind,
    stage: o.stage as string,
    version: (o.version as string | undefined) ?? null,
    from: (o.from as string | undefined) ?? null,
    previous: (o.previous as string | undefined) ?? null,
    at: o.at as string,
    by: o.by as string,
    ...(str(o.email) ? { email: o.email as string } : {}),
    ...(str(o.reason) ? { reason: o.reason as string } : {}),
    ...(o.forced === true ? { forced: true } : {}),
    ...(str(o.archived) ? { archived: o.archived as string } : {}),
    ...(o.recorded === true ? { recorded: true as const } : {})
  }
}

/**
 * The tag value for `entries` (newest first): as many as fit in `limit` UTF-8
 * bytes, oldest dropped first. The newest entry always fits (its free text is
 * cut to size).
 */
export function encodeJournal(entries: JournalEntry[], limit: number): string {
  const [newest, ...older] = entries
  if (!newest) return '[]'
  const kept = [compact(newest)]
  let text = JSON.stringify(kept)
  if (byteLength(text) > limit) {
    const bare: JournalEntry = { ...(kept[0] as JournalEntry), by: truncateBytes(newest.by, 40) }
    delete bare.reason
    delete bare.email
    kept[0] = bare
    text = JSON.stringify(kept)
  }
  for (const entry of older) {
    const next = JSON.stringify([...kept, compact(entry)])
    if (byteLength(next) > limit) break
    kept.push(compact(entry))
    text = next
  }
  return text
}

function compact(entry: JournalEntry): JournalEntry {
  return {
    ...entry,
    by: truncateBytes(entry.by, MAX_HISTORY_ACTOR),
    ...(entry.reason === undefined
      ? {}
      : { reason: truncateBytes(entry.reason, MAX_HISTORY_REASON) })
  }
}

/** The newest entry never took effect: the alias still points where it pointed before. */
export function isUnapplied(entry: JournalEntry, holder: string | undefined): boolean {
  const now = holder ?? null
  return entry.version !== now && entry.from === now
}

/** The entries that took effect (an unapplied newest entry left out), newest first. */
export function appliedEntries(
  entries: JournalEntry[],
  holder: string | undefined
): JournalEntry[] {
  const [head, ...rest] = entries
  return head && isUnapplied(head, holder) ? rest : entries
}

/**
 * The newest applied entry that put the current holder in: its facts describe
 * the holder. Undefined when the holder got there another way (an alias set
 * outside ModelGate) or the entry was trimmed away.
 */
export function holderEntry(
  applied: JournalEntry[],
  holder: string | undefined
): JournalEntry | undefined {
  const head = applied[0]
  return head && holder !== undefined && head.version === holder ? head : undefined
}

/**
 * The stage's earlier holders, newest first and each once, leaving out `removed` and the versions
 * rolled back out of the stage and not put back since (GTO's rule, so rolling back twice goes
 * back two steps and never returns to a version that was rolled back).
 */
export function earlierHolders(applied: readonly JournalEntry[], removed: string): string[] {
  const chronological = [...applied].reverse()
  const holders: string[] = []
  const excluded = new Set<string>()
  if (chronological[0]?.from) holders.push(chronological[0].from)
  for (const entry of chronological) {
    if (entry.kind === 'rollback' && entry.from) excluded.add(entry.from)
    if (entry.version) {
      excluded.delete(entry.version)
      holders.push(entry.version)
    }
  }
  excluded.add(removed)
  const out: string[] = []
  for (let i = holders.length - 1; i >= 0; i--) {
    const version = holders[i] as string
    if (!excluded.has(version) && !out.includes(version)) out.push(version)
  }
  return out
}

/**
 * What `<alias>-previous` should point at after rolling the stage back from `removed` to
 * `restored`: the latest earlier holder that is neither of them nor rolled back out since.
 * Null when the history knows none.
 */
export function previousAfterRollback(
  applied: JournalEntry[],
  restored: string,
  removed: string
): string | null {
  return earlierHolders(applied, removed).find(version => version !== restored) ?? null
}
