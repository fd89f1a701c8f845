/**
 * Which time a monitor run looks at. Pure. Runs keep no state: every run computes its windows
 * from the promotion's time, the policy's `watch_for` and the evaluation time (`--at`), so a
 * re-run, a late scheduled run or a post-mortem at a past time reads the same range.
 */

export interface TimeRange {
  /** Unix milliseconds, inclusive. */
  start: number
  /** Unix milliseconds, inclusive. */
  end: number
}

export interface WatchWindow {
  /** From the promotion to the evaluation time, or to the end of the watch if that came first. */
  watched: TimeRange
  /** The same length of time just before the promotion: the previous holder's baseline. */
  baseline: TimeRange
  /** The watch is over at the evaluation time: this is its final verdict. */
  ended: boolean
}

/**
 * The windows of a version promoted at `promotedAt`, evaluated at `at`, watched for
 * `watchForMs`. Undefined when `at` is before the promotion: there is nothing to watch yet.
 */
export function watchWindow(
  promotedAt: number,
  at: number,
  watchForMs: number
): WatchWindow | undefined {
  if (at < promotedAt) return undefined
  const watchEnd = promotedAt + watchForMs
  const end = Math.min(at, watchEnd)
  const length = end - promotedAt
  return {
    watched: { start: promotedAt, end },
    // Ends a millisecond before the promotion, so no sample is both the old and the new version's.
    baseline: { start: promotedAt - 1 - length, end: promotedAt - 1 },
    ended: at >= watchEnd
  }
}
