// The compliance report (`modelgate report`, issue 16 "Also") from literal registry data: what
// counts as a change not made by ModelGate, automatic vs manual rollbacks, approvers, time in
// each stage clipped to the window, an MLflow alias set by hand (no time known), and escaping.
import { rollbackAudit, type AuditRecord } from '../src/audit/record.js'
import { complianceReport } from '../src/commands/report.js'
import type { ModelStatus, Registry, RegistryEvent, StageHolder } from '../src/registry/port.js'
import { renderCompliance, duration } from '../src/report/compliance.js'

const T0 = Date.parse('2026-11-01T00:00:00Z')
const at = (hours: number) => new Date(T0 + hours * 3_600_000)

function record(kind: AuditRecord['kind'], fields: Partial<AuditRecord>): AuditRecord {
  const base = rollbackAudit({
    model: 'demo',
    stage: 'prod',
    restored: 'v1',
    rolledBack: null,
    written: true,
    actor: 'alice',
    run: {},
    at: at(0)
  })
  return { ...base, kind, ...fields }
}

function promotion(
  hours: number,
  version: string,
  extra: Partial<AuditRecord> = {}
): RegistryEvent {
  return {
    kind: 'assignment',
    model: 'demo',
    version,
    stage: 'prod',
    at: at(hours),
    by: 'alice',
    id: `demo#prod#${hours}`,
    audit: {
      record: record(extra.kind ?? 'promotion', {
        version,
        from: 'staging',
        decision: 'pass',
        timestamp: at(hours).toISOString(),
        ...extra
      })
    }
  }
}

/** The two events a rollback writes (holder out, restored in), newest first. */
function rollback(hours: number, from: string, to: string, automatic: boolean): RegistryEvent[] {
  const stored = record(automatic ? 'automatic-rollback' : 'rollback', {
    version: to,
    previous: from,
    timestamp: at(hours).toISOString(),
    reason: 'latency breach',
    actor: automatic ? 'github-actions (workflow "watch", schedule)' : 'bob'
  })
  const common = {
    model: 'demo',
    stage: 'prod',
    at: at(hours),
    by: 'bob',
    audit: { record: stored }
  }
  return [
    { ...common, kind: 'assignment', version: to, id: `demo#prod#r${hours}b` },
    { ...common, kind: 'unassignment', version: from, id: `demo#prod!#r${hours}a` }
  ]
}

function fakeRegistry(
  events: RegistryEvent[],
  holders: StageHolder[] = []
): Pick<Registry, 'history' | 'status'> {
  const status: ModelStatus[] = [{ model: 'demo', deprecated: false, stages: holders }]
  return {
    history: async () => [...events].reverse(),
    status: async () => status
  } as Pick<Registry, 'history' | 'status'>
}

const run = (
  events: RegistryEvent[],
  holders: StageHolder[] = [],
  window = { since: at(0), until: at(100) }
) =>
  complianceReport(
    { registry: fakeRegistry(events, holders) as Registry, now: () => at(1000) },
    { model: 'demo', ...window }
  )

describe('compliance report', () => {
  const trail: RegistryEvent[] = [
    promotion(1, 'v1', {
      pullRequest: { number: 12, approvers: [{ login: 'carol' }, { login: 'dave' }] }
    }),
    promotion(11, 'v2', { kind: 'forced-promotion', reason: 'hotfix', previous: 'v1' }),
    ...rollback(21, 'v2', 'v1', true).reverse(),
    promotion(31, 'v3', { previous: 'v1' }),
    ...rollback(41, 'v3', 'v1', false).reverse()
  ]

  it('counts promotions with approvers, the forced one, and each rollback once, automatic or by hand', async () => {
    const outcome = await run(trail)
    const { promotions, rollbacks, unrecorded } = outcome.compliance
    expect(outcome.exitCode).toBe(0)
    expect(unrecorded).toEqual([])
    expect(promotions.map(p => [p.version, p.forced, p.approvers])).toEqual([
      ['v1', false, ['carol', 'dave']],
      ['v2', true, []],
      ['v3', false, []]
    ])
    expect(rollbacks.map(r => [r.removed, r.restored, r.automatic])).toEqual([
      ['v2', 'v1', true],
      ['v3', 'v1', false]
    ])
  })

  it('adds up the time each version held the stage, clipped to the window', async () => {
    const outcome = await run(trail, [], { since: at(5), until: at(45) })
    const held = Object.fromEntries(
      outcome.compliance.stageTime.map(t => [t.version, [t.ms / 3_600_000, t.holdsAtEnd]])
    )
    // v1: 5..11, 21..31, 41..45; v2: 11..21; v3: 31..41.
    expect(held).toEqual({ v1: [20, true], v2: [10, false], v3: [10, false] })
    expect(outcome.compliance.promotions.map(p => p.version)).toEqual(['v2', 'v3'])
  })

  it('lists a stage event without a ModelGate record and exits 1', async () => {
    const handMade: RegistryEvent = {
      kind: 'assignment',
      model: 'demo',
      version: 'v9',
      stage: 'prod',
      at: at(50),
      by: 'mallory',
      id: 'demo#prod#50'
    }
    // A registration without a record is no stage change.
    const registration: RegistryEvent = {
      ...handMade,
      kind: 'registration',
      stage: undefined as never,
      id: 'demo@v9'
    }
    delete (registration as { stage?: string }).stage
    const outcome = await run([...trail, registration, handMade])
    expect(outcome.exitCode).toBe(1)
    expect(outcome.compliance.unrecorded).toEqual([
      expect.objectContaining({ id: 'demo#prod#50', kind: 'assignment', by: 'mallory' })
    ])
    // Outside the window, the same event is not this report's.
    expect((await run([...trail, handMade], [], { since: at(0), until: at(50) })).exitCode).toBe(0)
  })

  it('lists a holder with no record and no known time (an MLflow alias set by hand)', async () => {
    const alias: StageHolder = {
      model: 'demo',
      stage: 'champion',
      version: '7',
      assignedAt: new Date(Number.NaN),
      assignedBy: 'unknown',
      eventId: 'champion'
    }
    const outcome = await run(trail, [alias])
    expect(outcome.exitCode).toBe(1)
    expect(outcome.compliance.unrecorded).toEqual([
      expect.objectContaining({ kind: 'holder', stage: 'champion', version: '7', id: 'champion' })
    ])
    const { markdown, json } = renderCompliance(outcome.compliance)
    expect(markdown).toContain(
      '| unknown | demo | holds the stage | champion | 7 | unknown | `champion` |'
    )
    expect(JSON.parse(json).changesNotByModelGate[0].at).toBeNull()
  })

  it('escapes every registry string in markdown: names, logins, reasons, tag names', async () => {
    const hostile = 'x`|<img src=x onerror=alert(1)>\n## @admin [a](javascript:1)'
    const outcome = await run([
      promotion(1, hostile, {
        reason: hostile,
        actor: hostile,
        pullRequest: { number: 3, approvers: [{ login: hostile }] }
      }),
      {
        kind: 'assignment',
        model: 'demo',
        version: hostile,
        stage: 'prod',
        at: at(2),
        by: hostile,
        id: `t\`|${hostile}`
      }
    ])
    const { markdown } = renderCompliance(outcome.compliance)
    // No raw HTML, link or code span can open; no mention; no heading from a newline.
    expect(markdown).not.toMatch(/(?<!\\)[<[`]/)
    expect(markdown).not.toContain('@admin')
    expect(markdown).not.toMatch(/\n## @/)
    // Each table row stays one row of its table: the hostile `|` is escaped.
    for (const line of markdown.split('\n').filter(l => l.startsWith('| 2026'))) {
      expect(line.split(/(?<!\\)\|/).length).toBeLessThanOrEqual(12)
    }
  })

  it('words durations with their two largest units', () => {
    expect([duration(0), duration(59_000), duration(3_723_000), duration(90_061_000)]).toEqual([
      '0s',
      '59s',
      '1h 2m',
      '1d 1h'
    ])
  })
})
