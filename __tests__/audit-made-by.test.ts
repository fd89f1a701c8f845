// The one predicate report, status and history share (src/audit/made-by.ts), on literal events.
import { madeByModelGate, type OwnedEvent } from '../src/audit/made-by.js'
import { AuditRecord } from '../src/audit/record.js'
import { auditRecord } from './helpers/audit-records.js'

const AT = new Date('2026-11-02T10:00:00Z')

function record(fields: Record<string, unknown>): Record<string, unknown> {
  const base = auditRecord({ model: 'demo', version: 'v2.0.0', from: 'candidate', to: 'dev' })
  return { ...base, ...fields }
}

function event(kind: string, audit?: Record<string, unknown>, version = 'v2.0.0'): OwnedEvent {
  return {
    kind,
    model: 'demo',
    version,
    stage: 'dev',
    at: AT,
    by: 'octocat',
    id: `demo#dev#${version}`,
    ...(audit ? { audit } : {})
  }
}

describe('madeByModelGate', () => {
  it('believes a written record that fits the event', () => {
    expect(AuditRecord.safeParse(record({})).error).toBeUndefined()
    const facts = { modelgate: 1, record: record({}) }
    expect(madeByModelGate(event('assignment', facts))).toBe(true)
    // A removal by the same write (an outranking holder taken out) names another version.
    expect(madeByModelGate(event('unassignment', facts, 'v3.0.0'))).toBe(true)
  })

  it('refuses a marker without a record, a refused attempt, another stage or version', () => {
    expect(madeByModelGate(event('assignment', { modelgate: 1 }))).toBe(false)
    expect(madeByModelGate(event('assignment'))).toBe(false)
    expect(
      madeByModelGate(event('assignment', { modelgate: 1, record: record({ written: false }) }))
    ).toBe(false)
    expect(
      madeByModelGate(event('assignment', { modelgate: 1, record: record({ to: 'staging' }) }))
    ).toBe(false)
    expect(
      madeByModelGate(event('assignment', { modelgate: 1, record: record({ version: 'v9.0.0' }) }))
    ).toBe(false)
  })

  it('never believes a deregistration or a deprecation, whatever they carry', () => {
    const facts = { modelgate: 1, record: record({}), rollout: { step: 'start', percent: 5 } }
    expect(madeByModelGate(event('deregistration', facts))).toBe(false)
    expect(madeByModelGate(event('deprecation', facts))).toBe(false)
  })

  it('believes rollout facts whose step fits the event, and no others', () => {
    const step = (kind: string, percent: number) => ({
      modelgate: 1,
      rollout: { step: kind, percent }
    })
    expect(madeByModelGate(event('assignment', step('start', 5)))).toBe(true)
    expect(madeByModelGate(event('assignment', step('advance', 25)))).toBe(true)
    expect(madeByModelGate(event('unassignment', step('abort', 0)))).toBe(true)
    expect(madeByModelGate(event('unassignment', step('start', 5)))).toBe(false)
    expect(madeByModelGate(event('assignment', step('complete', 100)))).toBe(false)
    expect(madeByModelGate(event('assignment', step('advance', 250)))).toBe(false)
    expect(madeByModelGate(event('assignment', step('leap', 5)))).toBe(false)
  })

  it('believes a removal marked replacedBy only when the next stage event assigns that version', () => {
    const removal = event('unassignment', { modelgate: 1, replacedBy: 'v2.0.0' }, 'v1.0.0')
    const start = event('assignment', { modelgate: 1, rollout: { step: 'start', percent: 5 } })
    const byHand = event('assignment', undefined)
    // Newest first, as the port's history.
    expect(madeByModelGate(removal, [start, removal])).toBe(true)
    expect(madeByModelGate(removal, [byHand, removal])).toBe(false)
    expect(madeByModelGate(removal, [removal])).toBe(false)
    expect(madeByModelGate(removal)).toBe(false)
  })
})
