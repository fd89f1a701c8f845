import { rollbackAudit, type AuditRecord } from '../src/audit/record.js'
import { rolledBackGate } from '../src/gates/rolled-back.js'

const at = (iso: string) => new Date(iso)

function rollback(from: string, to: string, when: string, stage = 'production'): AuditRecord {
  return rollbackAudit({
    model: 'churn',
    stage,
    restored: to,
    rolledBack: from,
    written: true,
    actor: 'mona',
    reason: 'drift',
    run: { event: 'workflow_dispatch' },
    at: at(when)
  })
}

/** A promotion record as the registry keeps it (only the fields the gate reads matter). */
function promotion(version: string, when: string, stage = 'production'): AuditRecord {
  return {
    ...rollback('x', version, when, stage),
    kind: 'forced-promotion',
    version,
    previous: 'x',
    decision: 'blocked'
  }
}

describe('rolled_back gate', () => {
  it('says nothing for a version never rolled back out of the stage', () => {
    expect(rolledBackGate({ version: 'v2', stage: 'production', records: [] })).toBeUndefined()
    const elsewhere = [rollback('v2', 'v1', '2026-11-01T00:00:00Z', 'staging')]
    expect(
      rolledBackGate({ version: 'v2', stage: 'production', records: elsewhere })
    ).toBeUndefined()
    const other = [rollback('v3', 'v2', '2026-11-01T00:00:00Z')]
    expect(rolledBackGate({ version: 'v2', stage: 'production', records: other })).toBeUndefined()
  })

  it('fails for a version rolled back out of the stage, naming when, who and why', () => {
    const gate = rolledBackGate({
      version: 'v2',
      stage: 'production',
      records: [
        promotion('v2', '2026-11-01T00:00:00Z'),
        rollback('v2', 'v1', '2026-11-02T03:00:00Z')
      ]
    })
    expect(gate).toEqual({
      gate: 'rolled_back',
      status: 'fail',
      summary:
        'v2 was rolled back out of production at 2026-11-02 03:00 UTC by mona (drift): it returns only by a forced promotion'
    })
  })

  it('a later promotion of the version to the stage clears the mark, in any record order', () => {
    const records = [
      promotion('v2', '2026-11-03T00:00:00Z'),
      rollback('v2', 'v1', '2026-11-02T00:00:00Z')
    ]
    expect(rolledBackGate({ version: 'v2', stage: 'production', records })).toBeUndefined()
    expect(
      rolledBackGate({ version: 'v2', stage: 'production', records: [...records].reverse() })
    ).toBeUndefined()
  })

  it('ignores records of attempts that wrote nothing', () => {
    const refused = { ...rollback('v2', 'v1', '2026-11-02T00:00:00Z'), written: false }
    expect(
      rolledBackGate({ version: 'v2', stage: 'production', records: [refused] })
    ).toBeUndefined()
  })
})
