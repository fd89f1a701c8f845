import type { AuditRecord } from './record.js'

/**
 * Where a run's audit records go: every promotion, rollback and refused attempt, written or
 * not. The composition root makes one, hands it to the commands and flows (in their context),
 * and drains it once the command is over, whether it returned or threw, so a refusal's record
 * is published on the failure path as well. The one route a record takes to the root.
 */
export interface AuditLog {
  add(record: AuditRecord): void
}

/** An AuditLog the root drains. */
export interface AuditCollector extends AuditLog {
  /** The records added since the last drain, oldest first; the collector is empty after. */
  drain(): AuditRecord[]
}

export function auditCollector(): AuditCollector {
  let records: AuditRecord[] = []
  return {
    add: record => {
      records.push(record)
    },
    drain: () => {
      const drained = records
      records = []
      return drained
    }
  }
}

/**
 * Runs `attempt` with its own log and passes on to `log` what `keep` keeps of the records it
 * returned with; every record of an attempt that threw is passed on (a refusal's record).
 */
export async function keepingAudits<T>(
  log: AuditLog,
  keep: (record: AuditRecord) => boolean,
  attempt: (own: AuditLog) => Promise<T>
): Promise<T> {
  const own = auditCollector()
  let returned = false
  try {
    const result = await attempt(own)
    returned = true
    return result
  } finally {
    for (const record of own.drain()) if (!returned || keep(record)) log.add(record)
  }
}

/**
 * The terminal's AuditLog: a CLI run publishes no audit trail beyond what each write stores in
 * the registry itself (no job summary, no artifact, no webhook), so its records go no further.
 */
export const registryOnlyAudits: AuditLog = { add: () => {} }
