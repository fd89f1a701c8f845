import { utc } from './min-days.js'
import type { GateResult } from './types.js'

/**
 * When a version was last taken out of a stage, as this gate reads it. Owned here so gates stay
 * pure of the registry; the registry port's StageRemoval has this shape.
 */
export interface StageRemoval {
  at: Date
  by: string
  reason?: string
  /** Backend identifier of the removal (git: the tag name). */
  eventId: string
  /** The removal was the abort of the version's rollout in the stage (by `monitor` or a person). */
  rolloutAbort?: boolean
}

export interface RolledBackContext {
  version: string
  stage: string
  /** When the registry says the version was taken out of the stage and not put back since. */
  removal: StageRemoval | undefined
}

/**
 * A version taken out of a stage (rolled back, or unassigned by hand) does not come back by an
 * ordinary promotion: the gate fails, so only a forced promotion (a person with the right, and a
 * reason) returns it, which also clears the mark. Undefined when the version was not taken out,
 * so reports stay as they were.
 */
export function rolledBackGate(context: RolledBackContext): GateResult | undefined {
  const { removal } = context
  if (!removal) return undefined
  if (removal.rolloutAbort) {
    return {
      gate: 'rolled_back',
      status: 'fail',
      summary: `the rollout of ${context.version} in ${context.stage} was aborted at ${utc(removal.at)} by ${removal.by}${removal.reason ? `: ${removal.reason}` : ''}; it starts there again only when forced`,
      details: [`registry event: ${removal.eventId}`]
    }
  }
  const why = removal.reason ? ` (${removal.reason})` : ''
  return {
    gate: 'rolled_back',
    status: 'fail',
    summary: `${context.version} was taken out of ${context.stage} at ${utc(removal.at)} by ${removal.by}${why}: it returns only by a forced promotion`,
    details: [`registry event: ${removal.eventId}`]
  }
}
