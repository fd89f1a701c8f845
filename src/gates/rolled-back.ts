import type { AuditRecord } from '../audit/record.js'
import { utc } from './min-days.js'
import type { GateResult } from './types.js'

export interface RolledBackContext {
  version: string
  stage: string
  /** The audit records of the model's history that the registry holds, in any order. */
  records: readonly AuditRecord[]
}

/**
 * A version rolled back out of a stage does not come back by an ordinary promotion: the latest
 * written record about this version and stage being a rollback that took it out fails the gate,
 * so only a forced promotion (a person with the right, and a reason) can return it. A later
 * promotion of it to the stage clears the mark. Undefined when the version was never rolled back
 * out of the stage, so reports stay as they were.
 */
export function rolledBackGate(context: RolledBackContext): GateResult | undefined {
  const concerning = context.records
    .filter(
      record =>
        record.written &&
        record.to === context.stage &&
        ((record.kind === 'rollback' && record.previous === context.version) ||
          (record.kind !== 'rollback' && record.version === context.version))
    )
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp))
  const latest = concerning[0]
  if (!latest || latest.kind !== 'rollback') return undefined
  const why = latest.reason ? ` (${latest.reason})` : ''
  return {
    gate: 'rolled_back',
    status: 'fail',
    summary: `${context.version} was rolled back out of ${context.stage} at ${utc(new Date(latest.timestamp))} by ${latest.actor}${why}: it returns only by a forced promotion`
  }
}
