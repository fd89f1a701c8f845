/**
 * What ModelGate's stage history may be trusted to say about a stage's holder, and which
 * versions a rollback may fall back to. Pure.
 *
 * MLflow aliases carry no timestamp and no author, and anyone can move one by hand: a history
 * entry describes the holder only while it is the newest entry and names the version the
 * alias points at now. Anything else (an alias moved by hand after the entry, or back to a
 * version an older entry names) leaves the date and the actor unknown, so the days gate fails
 * closed for it.
 */
import type { JournalEntry } from './journal.js'
import { earlierHolders, isUnapplied } from './journal.js'

/**
 * The entry that put `holder` in the stage, when the history can vouch for it: the newest
 * entry naming it; or, when the newest entry never took effect (a write stopped before it moved
 * the alias, whose undo could not run), the one before it. A newest entry whose write did
 * finish (its `<alias>-previous` is in place: `previousAlias`) but whose version no longer
 * holds the stage was undone by hand: stale, so undefined (date and actor unknown).
 * `previousAlias` undefined: a registry without one (legacy stages), judged by the alias alone.
 */
export function trustedEntry(
  entries: readonly JournalEntry[],
  holder: string | undefined,
  previousAlias?: string | null
): JournalEntry | undefined {
  const [head, next] = entries
  if (!head || holder === undefined) return undefined
  const names = (entry: JournalEntry | undefined) =>
    entry !== undefined && entry.kind !== 'unassign' && entry.version === holder
  if (names(head)) return head
  const finished = previousAlias !== undefined && previousAlias === head.previous
  return isUnapplied(head, holder) && !finished && names(next) ? next : undefined
}

/**
 * The versions a rollback from `removed` may restore, best first: `first` (the recorded
 * previous holder), then every earlier holder in the history, newest first, leaving out
 * `removed` and the versions rolled back out of the stage and not put back since (GTO's rule).
 * The caller takes the first one that still exists (MLflow keeps aliases of deleted versions).
 */
export function rollbackCandidates(
  applied: readonly JournalEntry[],
  removed: string,
  first: string | null
): string[] {
  const out: string[] = first !== null && first !== removed ? [first] : []
  for (const version of earlierHolders(applied, removed)) {
    if (!out.includes(version)) out.push(version)
  }
  return out
}
