/**
 * How long a reason may be. A reason is repeated in the tag message, the audit record, the job
 * summary, the comment and every history row: a bound keeps one person's paste from filling them.
 */
export const REASON_MAX_LENGTH = 1000

/** Why `reason` cannot be recorded, naming where it came from (`--reason`, input "reason"). */
export function reasonProblem(reason: string, named: string): string | undefined {
  return reason.length > REASON_MAX_LENGTH
    ? `${named} is ${reason.length} characters long; a reason may have at most ${REASON_MAX_LENGTH} (link to a ticket for more)`
    : undefined
}
