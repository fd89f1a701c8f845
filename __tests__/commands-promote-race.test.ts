// `promote` against a registry that changes under it: an in-memory Registry whose write calls
// `revalidate` as the adapters do, after the world moved on.
import { auditCollector } from '../src/audit/log.js'
import type { Candidate } from '../src/candidate/types.js'
import { promote } from '../src/commands/promote.js'
import type { RegistryContext } from '../src/commands/registry-context.js'
import { Policy } from '../src/policy/schema.js'
import type {
  AuditFacts,
  Registry,
  RegistryEvent,
  StageHolder,
  StageRemoval,
  WriteOptions,
  WriteResult
} from '../src/registry/port.js'
import { rendered } from '../src/report/command.js'

const policy = Policy.parse({
  model: 'churn',
  metrics: { auc: { goal: 'maximize' } },
  stages: { production: { from: ['candidate'], thresholds: { auc: { min: 0.8 } } } }
})

const candidate = (auc: number): Candidate => ({
  dir: '/nowhere',
  metrics: { auc },
  invalidMetrics: {},
  files: [],
  totalBytes: 0
})

const AT = new Date('2026-11-20T00:00:00Z')

/** One model, one stage; `later` is what the registry looks like by the time the write runs. */
function registry(options: {
  removal?: StageRemoval
  later?: { removal?: StageRemoval }
  history?: RegistryEvent[]
}) {
  let removal = options.removal
  const writes: AuditFacts[] = []
  const audits = auditCollector()
  const holder: StageHolder = {
    model: 'churn',
    stage: 'production',
    version: 'v1',
    assignedAt: AT,
    assignedBy: 'mona',
    eventId: 'e1'
  }
  const fake: Registry = {
    getVersion: async (model, version) => ({
      model,
      version,
      registeredAt: AT,
      registeredBy: 'mona',
      active: true,
      stages: []
    }),
    getStage: async () => holder,
    status: async () => [],
    history: async () => options.history ?? [],
    takenOutOf: async () => removal,
    register: async () => ({ written: false, reason: 'already registered' }),
    rolloutSteps: async () => [],
    recordRolloutStep: async () => ({ written: false, reason: 'step already recorded' }),
    async assign(
      model,
      version,
      stage,
      audit,
      writeOptions: WriteOptions = {}
    ): Promise<WriteResult> {
      if (options.later) removal = options.later.removal
      const replaced = await writeOptions.revalidate?.({ model, stage, holder, attempt: 1 })
      writes.push(replaced ?? audit)
      return {
        written: true,
        attempts: 1,
        events: [{ kind: 'assignment', model, version, stage, at: AT, by: 'x', id: 'e2' }]
      }
    },
    unassign: async () => ({ written: false, reason: 'not in stage' }),
    rollback: async () => ({ written: false, reason: 'not in stage' })
  }
  const context: RegistryContext = {
    registry: fake,
    models: { loadVersion: async (_model, version) => candidate(version === 'v1' ? 0.85 : 0.9) },
    actor: 'mona',
    now: () => new Date('2026-11-23T10:00:00Z'),
    runFacts: { event: 'push', sha: 'f'.repeat(40) },
    audits
  }
  return { context, writes, audits }
}

const rolledBack: StageRemoval = {
  at: new Date('2026-11-23T09:59:00Z'),
  by: 'mona',
  reason: 'drift',
  eventId: 'churn#production!#9'
}

describe('promote when the registry moves under it', () => {
  it('refuses a version rolled back out of the stage while it was being promoted, with a record', async () => {
    const { context, writes, audits } = registry({ later: { removal: rolledBack } })
    const error = await promote(context, { policy, stage: 'production', version: 'v2' }).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect((error as Error).message).toBe(
      'v2 was taken out of production while promoting: nothing written'
    )
    expect(writes).toEqual([])
    expect(audits.drain()).toEqual([
      expect.objectContaining({
        kind: 'refused',
        written: false,
        version: 'v2',
        decision: 'blocked',
        gates: expect.arrayContaining([
          expect.objectContaining({ gate: 'rolled_back', status: 'fail' })
        ])
      })
    ])
  })

  it('promotes by force a version taken out, the record saying forced', async () => {
    const { context, writes, audits } = registry({ removal: rolledBack })
    const outcome = await promote(context, {
      policy,
      stage: 'production',
      version: 'v2',
      force: true,
      reason: 'the drift was in the monitor'
    })
    expect(outcome.written).toBe(true)
    expect(writes).toHaveLength(1)
    expect(audits.drain()).toEqual([
      expect.objectContaining({
        kind: 'forced-promotion',
        reason: 'the drift was in the monitor'
      })
    ])
  })

  it('does not take a record from another event or version of the same commit as this push done', async () => {
    const sha = 'f'.repeat(40)
    const stored = (version: string, event: string) => ({
      kind: 'assignment' as const,
      model: 'churn',
      version,
      stage: 'production',
      at: AT,
      by: 'mona',
      id: `t-${version}-${event}`,
      audit: {
        record: {
          schema: 'modelgate.audit/v1',
          kind: 'forced-promotion',
          written: true,
          model: 'churn',
          version,
          from: 'candidate',
          to: 'production',
          previous: 'v1',
          decision: 'pass',
          gates: [],
          metrics: { candidate: {}, champion: null },
          artifact: null,
          signature: null,
          trainingData: null,
          featureView: null,
          pullRequest: null,
          actor: 'mona',
          event,
          commitSha: sha,
          runUrl: null,
          timestamp: AT.toISOString(),
          reason: 'x'
        }
      }
    })
    const other = registry({ history: [stored('v2', 'workflow_dispatch'), stored('v3', 'push')] })
    const promoted = await promote(other.context, {
      policy,
      stage: 'production',
      version: 'v2',
      onceForCommit: sha
    })
    expect(promoted.written).toBe(true)

    const same = registry({ history: [stored('v2', 'push')] })
    const skipped = rendered(
      await promote(same.context, {
        policy,
        stage: 'production',
        version: 'v2',
        onceForCommit: sha
      })
    )
    expect(skipped.written).toBeUndefined()
    expect(skipped.markdown).toContain('already promoted churn v2 to production')
    expect(skipped.markdown).toMatch(/to production at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(/)
    expect(same.writes).toEqual([])
  })
})
