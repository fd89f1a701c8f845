/**
 * Valid records for the registry port's `AuditFacts.record` (audit/record.ts `WrittenRecord`),
 * for tests that write through an adapter and only care that a record goes in and comes back.
 */
import type { z } from 'zod'
import { AUDIT_SCHEMA, AuditRecord } from '../../src/audit/record.js'

/** A promotion's AuditRecord with nothing in it but `overrides`, validated like a real one. */
export function auditRecord(overrides: Partial<z.input<typeof AuditRecord>> = {}): AuditRecord {
  return AuditRecord.parse({
    schema: AUDIT_SCHEMA,
    kind: 'promotion',
    written: true,
    model: 'churn',
    version: '1',
    from: 'staging',
    to: 'production',
    previous: null,
    decision: 'pass',
    gates: [],
    metrics: { candidate: {}, champion: null },
    artifact: null,
    signature: null,
    trainingData: null,
    featureView: null,
    pullRequest: null,
    actor: 'alice',
    event: 'cli',
    commitSha: null,
    runUrl: null,
    timestamp: '2026-01-01T00:00:00.000Z',
    reason: null,
    ...overrides
  })
}

/** A record naming pull request `number` (what the tests' `{ pr: n }` stood for). */
export const prRecord = (number: number): AuditRecord =>
  auditRecord({ pullRequest: { number, approvers: [] } })
