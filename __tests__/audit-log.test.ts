// The one route an audit record takes to the composition root (issue 13, item 4): commands add
// to an AuditLog, the root drains it; a flow may keep back what an attempt returned with.
import { auditCollector, keepingAudits } from '../src/audit/log.js'
import { rollbackAudit, type AuditRecord } from '../src/audit/record.js'

const record = (written: boolean): AuditRecord =>
  rollbackAudit({
    model: 'churn',
    stage: 'production',
    restored: written ? 'v1' : null,
    rolledBack: 'v2',
    written,
    actor: 'mona',
    reason: 'drift',
    run: {},
    at: new Date('2026-12-02T20:00:00Z')
  })

describe('the audit log', () => {
  it('gives back what was added, oldest first, once', () => {
    const log = auditCollector()
    const [a, b] = [record(true), record(false)]
    log.add(a)
    log.add(b)
    expect(log.drain()).toEqual([a, b])
    expect(log.drain()).toEqual([])
  })

  it('keeps back what a returning attempt added and `keep` refuses', async () => {
    const log = auditCollector()
    const [written, refused] = [record(true), record(false)]
    const result = await keepingAudits(
      log,
      r => r.written,
      async own => {
        own.add(refused)
        own.add(written)
        return 'done'
      }
    )
    expect(result).toBe('done')
    expect(log.drain()).toEqual([written])
  })

  it('passes on every record of an attempt that threw', async () => {
    const log = auditCollector()
    const refused = record(false)
    await expect(
      keepingAudits(
        log,
        r => r.written,
        async own => {
          own.add(refused)
          throw new Error('changed hands')
        }
      )
    ).rejects.toThrow('changed hands')
    expect(log.drain()).toEqual([refused])
  })
})
