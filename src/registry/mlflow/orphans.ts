/**
 * The tags a failed write attempt may leave on its version after it was reverted (issue 11,
 * item 7). A write whose answer was lost can still land later than the undo that removed it
 * (a server that applied a write after the client gave up on it), leaving the attempt's audit
 * tag or record tags behind. After a reverted attempt the version is read once more and what
 * the attempt wrote is removed again: its record tags (`modelgate.audit.<id>`, parts) are
 * deleted, its audit tag put back to what it was. Whatever still stays is inert: readers trust
 * an audit tag only when the stage's newest history entry has its id (stage-facts.ts), and read
 * records only for entries in the history. Pure, but for the calls passed in.
 */
import type { TagKeys } from './names.js'
import { MAX_RECORD_TAGS } from './record-tags.js'

export interface OrphanCheck {
  version: string
  /** The failed attempt's history entry id. */
  entryId: string
  /** The audit tag's key and its value before the attempt (undefined: it had none). */
  promotedKey: string
  promotedOld?: string
}

export interface OrphanCalls {
  readTags(version: string): Promise<ReadonlyMap<string, string> | undefined>
  deleteTag(version: string, key: string): Promise<void>
  setTag(version: string, key: string, value: string): Promise<void>
}

/** What the attempt left on the version, as `key` list: none when all is as before. */
export function orphanedTags(
  keys: TagKeys,
  check: OrphanCheck,
  tags: ReadonlyMap<string, string>
): string[] {
  const mine = new Set([
    keys.auditHeader(check.entryId),
    ...Array.from({ length: MAX_RECORD_TAGS }, (_, i) => keys.auditPart(check.entryId, i + 1))
  ])
  const found = [...tags.keys()].filter(key => mine.has(key))
  const promoted = tags.get(check.promotedKey)
  if (
    promoted !== check.promotedOld &&
    promoted !== undefined &&
    promoted.includes(check.entryId)
  ) {
    found.push(check.promotedKey)
  }
  return found
}

/** Reads the version and removes what the reverted attempt left; the keys it could not remove. */
export async function sweepOrphans(
  keys: TagKeys,
  check: OrphanCheck,
  calls: OrphanCalls
): Promise<string[]> {
  const tags = await calls.readTags(check.version).catch(() => undefined)
  if (!tags) return []
  const left: string[] = []
  for (const key of orphanedTags(keys, check, tags)) {
    try {
      if (key === check.promotedKey && check.promotedOld !== undefined) {
        await calls.setTag(check.version, key, check.promotedOld)
      } else {
        await calls.deleteTag(check.version, key)
      }
    } catch {
      left.push(key)
    }
  }
  return left
}
