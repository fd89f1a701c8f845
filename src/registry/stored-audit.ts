/**
 * Typed readers of what a registry keeps with an event (port.ts `StoredAudit`): JSON any tool
 * may have written, so each fact is validated here, once, rather than cast where it is used.
 * A fact that is absent or not of its shape reads as undefined. ModelGate's whole audit record
 * is read by audit/record.ts `auditRecordOf`.
 */
import { z } from 'zod'
import type { StoredAudit } from './port.js'

const RollbackFacts = z.object({ from: z.string(), to: z.unknown() })

/** `rollback: {from, to}`, which both backends keep with a rollback's events. */
export function storedRollback(
  audit: StoredAudit | undefined
): { from: string; to?: string } | undefined {
  const parsed = RollbackFacts.safeParse(audit?.rollback)
  if (!parsed.success) return undefined
  const { from, to } = parsed.data
  return { from, ...(typeof to === 'string' ? { to } : {}) }
}

/** The `reason` the backend kept with the event. */
export function storedReason(audit: StoredAudit | undefined): string | undefined {
  const reason = audit?.reason
  return typeof reason === 'string' ? reason : undefined
}

const PullRequestNumber = z.object({
  pullRequest: z.object({ number: z.number().int().positive() })
})

/**
 * The pull request named in the stored record (`record.pullRequest.number`), read from any
 * record that has one, whole AuditRecord or not (a record cut to fit still names it).
 */
export function storedPullRequest(audit: StoredAudit | undefined): number | undefined {
  const parsed = PullRequestNumber.safeParse(audit?.record)
  return parsed.success ? parsed.data.pullRequest.number : undefined
}
