// MLflow writes under faults injected by the stand-in (lost answers, 5xx, retries): one file so
// every fault scenario shares its setup; over 600 lines for that reason.
import { createHash } from 'node:crypto'
import type { AuditRecord } from '../src/audit/record.js'
import { ExitCode, PermissionError } from '../src/errors.js'
import { RegistryConflictError } from '../src/registry/errors.js'
import { MlflowUnavailableError, MlflowWriteError } from '../src/registry/mlflow/index.js'
import type { MlflowRegistry } from '../src/registry/mlflow/index.js'
import { startMlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import type { Fault, MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  OSS_TAG_VALUE_LIMIT,
  UC_MAX_TAGS_PER_VERSION,
  UC_TAG_VALUE_LIMIT,
  tagKeys
} from '../src/registry/mlflow/names.js'
import { recordTags } from '../src/registry/mlflow/record-tags.js'
import {
  alice,
  fillVersionTags,
  registryOn,
  rejection,
  seedModel,
  seedUcModel,
  useMlflowStandIn,
  written
} from './helpers/mlflow-fixtures.js'
import { auditRecord, prRecord } from './helpers/audit-records.js'

let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started))

const ATTEMPTS = 5

/**
 * An audit record (gates, metrics, file checksums, approvers) of about `bytes` bytes of JSON,
 * with text beyond ASCII; each file's sha256 is as random as a real one (gzip cannot shrink hex
 * below about half, so the checksums are most of the stored record).
 */
function auditLikeRecord(bytes: number): AuditRecord {
  const files: Array<{ path: string; sha256: string; size: number }> = []
  const record: AuditRecord = {
    ...auditRecord({
      gates: [
        { gate: 'thresholds', status: 'pass', summary: 'accuracy ≥ 0.8 — ok ✅', checks: [] },
        { gate: 'approvals', status: 'pass', summary: 'approved by José and 李 🚀' }
      ],
      metrics: { candidate: { accuracy: 0.8123456789, roc_auc: 0.9 }, champion: null },
      pullRequest: { number: 42, approvers: [{ login: 'zoë' }] }
    }),
    artifact: { files, totalBytes: 0 }
  }
  for (let i = 0; JSON.stringify(record).length < bytes; i++) {
    const sha256 = createHash('sha256').update(`file ${i}`).digest('hex')
    files.push({ path: `model/shard-${i} é.bin`, sha256, size: i * 1024 })
  }
  return record
}

/** A promotion's setting: the backend, the audit record it writes and the parts that takes beside the header. */
interface Setup {
  label: string
  uc: boolean
  record: AuditRecord
  parts: number
}

const SMALL: Setup = { label: 'OSS, a small record', uc: false, record: prRecord(7), parts: 0 }
const SETUPS: Setup[] = [
  SMALL,
  { label: 'OSS, a 20 KB record', uc: false, record: auditLikeRecord(20_000), parts: 2 },
  { label: 'Unity Catalog, a small record', uc: true, record: prRecord(7), parts: 0 },
  { label: 'Unity Catalog, a 20 KB record', uc: true, record: auditLikeRecord(20_000), parts: 10 }
]

const seed = (setup: Setup): string =>
  setup.uc ? seedUcModel(stand, { schema: 'faults' }) : seedModel(stand)

/** A model whose production holds 1 (promoted by ModelGate); the promotion under test puts 2 there. */
async function withChampion(
  setup: Setup = SMALL
): Promise<{ model: string; registry: MlflowRegistry }> {
  const model = seed(setup)
  const registry = registryOn(stand, setup.uc ? { unityCatalog: true } : {})
  written(await registry.assign(model, '1', 'production', alice))
  stand.resetLog()
  return { model, registry }
}

const promote = (registry: MlflowRegistry, model: string, setup: Setup = SMALL) =>
  registry.assign(
    model,
    '2',
    'production',
    { ...alice, record: setup.record },
    { archiveReplaced: true }
  )

/** The promotion, fully applied: what every path must end in. */
async function expectFullyApplied(
  registry: MlflowRegistry,
  model: string,
  setup: Setup = SMALL
): Promise<void> {
  const keys = tagKeys(setup.uc)
  const state = stand.snapshot(model)
  expect(state.aliases).toEqual({ production: '2', 'production-previous': '1' })
  expect(state.versions['1']?.tags.archived).toBe('true')
  const history = JSON.parse(state.tags[keys.history('production')] ?? '[]') as Array<
    Record<string, unknown>
  >
  expect(history.map(e => [e.kind, e.version, e.from, e.previous, e.archived])).toEqual([
    ['assign', '2', '1', '1', '1'],
    ['assign', '1', null, null, undefined]
  ])
  const audit = JSON.parse(state.versions['2']?.tags[keys.promoted('production')] ?? '{}')
  expect(audit).toMatchObject({ id: history[0]?.id, action: 'assign' })
  expect(state.versions['2']?.tags[keys.auditHeader(history[0]?.id as string)]).toBeDefined()
  const holder = await registry.getStage(model, 'production')
  expect(holder?.version).toBe('2')
  expect(holder?.audit?.record).toEqual(setup.record)
}

/** What readers see is one of the two whole states, never a mix. */
async function expectNoHalfState(
  registry: MlflowRegistry,
  model: string,
  setup: Setup = SMALL
): Promise<'old' | 'new'> {
  const holder = await registry.getStage(model, 'production')
  const history = (await registry.history(model)).filter(e => e.kind !== 'registration')
  const [status] = await registry.status(model)
  const production = status?.stages.find(s => s.stage === 'production')
  if (holder?.version === '1') {
    expect(history.map(e => e.version)).toEqual(['1'])
    expect(production).toMatchObject({ version: '1', assignedBy: 'alice' })
    return 'old'
  }
  expect(holder?.version).toBe('2')
  // The journal and the whole record were written before the alias moved: the new holder is fully described.
  expect(history.map(e => e.version)).toEqual(['2', '1'])
  expect(history[0]?.audit?.record).toEqual(setup.record)
  expect(holder?.audit?.record).toEqual(setup.record)
  expect(production).toMatchObject({ version: '2', assignedBy: 'alice' })
  return 'new'
}

/** Re-running converges, and the run after that writes nothing. */
async function expectRerunConverges(
  registry: MlflowRegistry,
  model: string,
  setup: Setup = SMALL
): Promise<void> {
  stand.clearFaults()
  await promote(registry, model, setup)
  await expectFullyApplied(registry, model, setup)
  stand.resetLog()
  expect(await promote(registry, model, setup)).toEqual({
    written: false,
    reason: 'already in stage'
  })
  expect(stand.writes()).toEqual([])
}

/** Where a write goes, for the sequence of writes: the registered model, a version's tags, an alias. */
function target(path: string): string {
  return path.replace(/^\/api\/2\.0\/mlflow\/(unity-catalog\/)?/, '')
}

describe.each(SETUPS)('a fault at every write position of a promotion ($label)', setup => {
  const limit = setup.uc ? UC_TAG_VALUE_LIMIT : OSS_TAG_VALUE_LIMIT
  const parts = recordTags(tagKeys(setup.uc), 'id', setup.record, limit).parts.length

  it('has a fixed sequence of writes: record parts (if any), record header, audit, journal, alias, previous alias, archive', async () => {
    const { model, registry } = await withChampion(setup)
    written(await promote(registry, model, setup))
    const tagPath = setup.uc ? 'model-versions/tags' : 'model-versions/set-tag'
    expect(stand.writes().map(w => [w.method, target(w.path)])).toEqual([
      ...Array.from({ length: parts }, () => ['POST', tagPath]),
      ['POST', tagPath],
      ['POST', tagPath],
      ['POST', setup.uc ? 'registered-models/tags' : 'registered-models/set-tag'],
      ['POST', 'registered-models/alias'],
      ['POST', 'registered-models/alias'],
      ['POST', tagPath]
    ])
    // The record is gzip+base64: a small one is the header alone, a 20 KB one (mostly file
    // checksums) the header and 2 parts on OSS, 10 on Unity Catalog.
    expect(parts).toBe(setup.parts)
  })

  const positions = Array.from({ length: parts + 6 }, (_, i) => i + 1)
  const transient: Array<[string, Omit<Fault, 'nth'>]> = [
    ['a 500', { kind: 500 }],
    ['a 503', { kind: 503 }],
    ['a 429 with Retry-After', { kind: 429, retryAfter: '0' }],
    ['a proxy HTML 502', { kind: 'html502' }],
    ['a connection reset', { kind: 'reset' }],
    ['a lost answer (applied, then reset)', { kind: 'reset', after: true }],
    ['a lost answer (applied, then 500)', { kind: 500, after: true }]
  ]

  describe.each(positions)('write %i', position => {
    it.each(transient)('%s is retried and the promotion fully applied', async (_name, fault) => {
      const { model, registry } = await withChampion(setup)
      stand.addFault({ ...fault, writesOnly: true, nth: position, times: 2 })
      const result = written(await promote(registry, model, setup))
      expect(result.events[0]).toMatchObject({ version: '2', stage: 'production' })
      expect(result.events[0]?.audit?.record).toEqual(setup.record)
      await expectFullyApplied(registry, model, setup)
      expect(stand.log.filter(r => r.fault).length).toBe(2)
    })

    it.each([
      ['failing every attempt', { kind: 500 as const }],
      ['answers lost on every attempt', { kind: 'reset' as const, after: true }]
    ])('%s: everything written is reverted, then a re-run converges', async (_name, fault) => {
      const { model, registry } = await withChampion(setup)
      const before = stand.snapshot(model)
      stand.addFault({ ...fault, writesOnly: true, nth: position, times: ATTEMPTS })
      const error = await rejection(promote(registry, model, setup))
      expect(error).toBeInstanceOf(MlflowWriteError)
      const failure = (error as unknown as MlflowWriteError).failure
      expect(failure.outcome).toBe('reverted')
      expect(failure.failedStep).toBeGreaterThan(0)
      expect(error.message).toContain(`after ${ATTEMPTS} attempts`)
      expect(error.message).toContain('Nothing is left changed: production is still held by 1')
      expect(error.exitCode).toBe(ExitCode.Blocked)
      expect(stand.snapshot(model)).toEqual(before)
      expect(await expectNoHalfState(registry, model, setup)).toBe('old')
      await expectRerunConverges(registry, model, setup)
    })

    it('the server going down for good: what is left is a whole state, said so, and a re-run completes it', async () => {
      const { model, registry } = await withChampion(setup)
      stand.addFault({ kind: 503, writesOnly: true, nth: position, times: Infinity })
      const error = await rejection(promote(registry, model, setup))
      expect(error).toBeInstanceOf(MlflowWriteError)
      const failure = (error as unknown as MlflowWriteError).failure
      expect(failure.outcome).toBe('partial')
      expect(error.message).toContain('Left changed (could not be reverted)')
      expect(error.message).toContain('Re-run the same command to complete it')
      stand.clearFaults()
      const seen = await expectNoHalfState(registry, model, setup)
      expect(failure.committed).toBe(seen === 'new')
      // The alias moves only after the whole record is written: never a dangling alias.
      expect(seen).toBe(position > parts + 4 ? 'new' : 'old')
      expect(error.message).toContain(
        seen === 'new'
          ? 'production is now held by 2, but the write is incomplete'
          : 'production is still held by 1'
      )
      await expectRerunConverges(registry, model, setup)
    })
  })
})

/**
 * The writes that take a version out of a stage or put a marked one back: each has a fixed
 * sequence, the removal mark among it, and a fault at any position leaves a whole state (the
 * mark never says "taken out" of a version that holds the stage, nor is it lost from one that
 * does not) that a re-run completes.
 */
interface MarkScenario {
  label: string
  uc: boolean
  /** The state before the write under test. */
  setup(registry: MlflowRegistry, model: string): Promise<void>
  write(registry: MlflowRegistry, model: string): Promise<unknown>
  /** The writes, as [method, target, tag key (for version tags)]. */
  sequence: Array<[string, string, string?]>
  /** The stage's holder before and after. */
  before: string
  after: string
  /** The version whose mark the write sets (taken out) or clears (put back). */
  marked: string
  marks: boolean
}

const forcedBack = { actor: 'carol', reason: 'fixed and re-verified', forced: true }

function markScenarios(uc: boolean): MarkScenario[] {
  const keys = tagKeys(uc)
  const rmTag = uc ? 'registered-models/tags' : 'registered-models/set-tag'
  const setTag = uc ? 'model-versions/tags' : 'model-versions/set-tag'
  const deleteTag = uc ? 'model-versions/tags' : 'model-versions/delete-tag'
  const backend = uc ? 'Unity Catalog' : 'OSS'
  const twoThenRollback = async (registry: MlflowRegistry, model: string) => {
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    written(await registry.rollback(model, 'production', undefined, alice))
  }
  return [
    {
      label: `${backend}, a rollback (marks the version it takes out)`,
      uc,
      setup: async (registry, model) => {
        written(await registry.assign(model, '1', 'production', alice))
        written(await registry.assign(model, '2', 'production', alice))
      },
      // Named: a re-run of a rollback without a version would go one step further back.
      write: (registry, model) =>
        registry.rollback(model, 'production', '1', { ...alice, record: prRecord(9) }),
      // No audit tag on the restored version: its history entry and record tags say it all.
      sequence: [
        ['POST', setTag, 'audit'],
        ['POST', setTag, keys.removed('production')],
        ['POST', rmTag],
        ['POST', 'registered-models/alias'],
        ['DELETE', 'registered-models/alias']
      ],
      before: '2',
      after: '1',
      marked: '2',
      marks: true
    },
    {
      label: `${backend}, a forced promotion of a rolled-back version (clears its mark)`,
      uc,
      setup: twoThenRollback,
      write: (registry, model) =>
        registry.assign(model, '2', 'production', { ...forcedBack, record: prRecord(10) }),
      sequence: [
        ['POST', setTag, 'audit'],
        ['POST', setTag, keys.promoted('production')],
        ['POST', rmTag],
        ['POST', 'registered-models/alias'],
        ['DELETE', deleteTag, keys.removed('production')],
        ['POST', 'registered-models/alias']
      ],
      before: '1',
      after: '2',
      marked: '2',
      marks: false
    },
    ...(uc ? [evictingRollback(keys, rmTag, setTag, deleteTag)] : []),
    {
      label: `${backend}, an unassignment (marks the version)`,
      uc,
      setup: async (registry, model) => {
        written(await registry.assign(model, '1', 'production', alice))
      },
      write: (registry, model) =>
        registry.unassign(model, '1', 'production', { ...alice, record: prRecord(11) }),
      sequence: [
        ['POST', setTag, 'audit'],
        ['POST', setTag, keys.removed('production')],
        ['POST', rmTag],
        ['DELETE', 'registered-models/alias'],
        ['POST', 'registered-models/alias']
      ],
      before: '1',
      after: 'none',
      marked: '1',
      marks: true
    }
  ]
}

/** A record that takes the header and 2 parts on Unity Catalog. */
const THREE_TAG_RECORD = auditLikeRecord(4_000)

/**
 * Unity Catalog: a rollback out of a version set by hand into production and full (no audit tag
 * for the stage to take the place of): the mark's room is made by deleting ModelGate's only record
 * on it, parts first, then the header, as steps undone like any other.
 */
function evictingRollback(
  keys: ReturnType<typeof tagKeys>,
  rmTag: string,
  setTag: string,
  deleteTag: string
): MarkScenario {
  const parts = recordTags(keys, 'id', THREE_TAG_RECORD, UC_TAG_VALUE_LIMIT).parts.length
  return {
    label:
      'Unity Catalog, a rollback out of a full version (evicts its oldest record, then marks it)',
    uc: true,
    setup: async (registry, model) => {
      expect(parts).toBe(2)
      written(await registry.assign(model, '1', 'production', alice))
      written(await registry.assign(model, '2', 'staging', { ...alice, record: THREE_TAG_RECORD }))
      stand.setAlias(model, 'production', '2')
      fillVersionTags(stand, model, '2', UC_MAX_TAGS_PER_VERSION)
    },
    write: (registry, model) =>
      registry.rollback(model, 'production', '1', { ...alice, record: prRecord(12) }),
    sequence: [
      ...Array.from({ length: parts + 1 }, (): [string, string, string] => [
        'DELETE',
        deleteTag,
        'audit'
      ]),
      ['POST', setTag, 'audit'],
      ['POST', setTag, keys.promoted('production')],
      ['POST', setTag, keys.removed('production')],
      ['POST', rmTag],
      ['POST', 'registered-models/alias']
    ],
    before: '2',
    after: '1',
    marked: '2',
    marks: true
  }
}

describe.each([...markScenarios(false), ...markScenarios(true)])(
  'a fault at every write position of $label',
  scenario => {
    const keys = tagKeys(scenario.uc)
    const markKey = keys.removed('production')

    async function ready(): Promise<{ model: string; registry: MlflowRegistry }> {
      const model = seed(scenario.uc ? { ...SMALL, uc: true } : SMALL)
      const registry = registryOn(stand, scenario.uc ? { unityCatalog: true } : {})
      await scenario.setup(registry, model)
      stand.resetLog()
      return { model, registry }
    }

    const holderNow = async (registry: MlflowRegistry, model: string) =>
      (await registry.getStage(model, 'production'))?.version ?? 'none'

    /** Whatever the holder, the mark agrees with it. */
    async function expectMarkAgrees(registry: MlflowRegistry, model: string): Promise<string> {
      const holder = await holderNow(registry, model)
      expect([scenario.before, scenario.after]).toContain(holder)
      const removal = await registry.takenOutOf(model, scenario.marked, 'production')
      const takenOut = scenario.marks ? holder === scenario.after : holder === scenario.before
      expect(removal !== undefined).toBe(takenOut)
      return holder
    }

    async function expectApplied(registry: MlflowRegistry, model: string): Promise<void> {
      expect(await holderNow(registry, model)).toBe(scenario.after)
      const tags = stand.snapshot(model).versions[scenario.marked]?.tags ?? {}
      expect(markKey in tags).toBe(scenario.marks)
      const removal = await registry.takenOutOf(model, scenario.marked, 'production')
      expect(removal !== undefined).toBe(scenario.marks)
    }

    it('has a fixed sequence of writes', async () => {
      const { model, registry } = await ready()
      await scenario.write(registry, model)
      expect(
        stand.writes().map(w => {
          const key = (w.body as { key?: string }).key
          const where = target(w.path)
          return where.startsWith('model-versions/')
            ? [w.method, where, key?.startsWith(keys.auditHeader('')) ? 'audit' : key]
            : [w.method, where]
        })
      ).toEqual(scenario.sequence)
      await expectApplied(registry, model)
    })

    describe.each(scenario.sequence.map((_, i) => i + 1))('write %i', position => {
      it.each([
        ['a 500', { kind: 500 as const }],
        ['a lost answer (applied, then reset)', { kind: 'reset' as const, after: true }]
      ])('%s is retried and the write fully applied', async (_name, fault) => {
        const { model, registry } = await ready()
        stand.addFault({ ...fault, writesOnly: true, nth: position, times: 2 })
        await scenario.write(registry, model)
        await expectApplied(registry, model)
      })

      it('failing every attempt: everything written is reverted, then a re-run converges', async () => {
        const { model, registry } = await ready()
        const before = stand.snapshot(model)
        stand.addFault({ kind: 500, writesOnly: true, nth: position, times: ATTEMPTS })
        const error = await rejection(scenario.write(registry, model))
        expect((error as unknown as MlflowWriteError).failure.outcome).toBe('reverted')
        expect(stand.snapshot(model)).toEqual(before)
        expect(await expectMarkAgrees(registry, model)).toBe(scenario.before)
        stand.clearFaults()
        await scenario.write(registry, model)
        await expectApplied(registry, model)
      })

      it('the server going down for good: the mark agrees with the holder, and a re-run completes', async () => {
        const { model, registry } = await ready()
        stand.addFault({ kind: 503, writesOnly: true, nth: position, times: Infinity })
        const error = await rejection(scenario.write(registry, model))
        expect(error).toBeInstanceOf(MlflowWriteError)
        stand.clearFaults()
        await expectMarkAgrees(registry, model)
        await scenario.write(registry, model)
        await expectApplied(registry, model)
      })
    })
  }
)

describe('a lost answer to the alias move while everything goes down', () => {
  it('says the stage could not be read, and a re-run completes', async () => {
    const { model, registry } = await withChampion()
    let down = false
    // The alias move lands but its answers are lost; from then on every request fails.
    stand.addFault({
      kind: 503,
      method: 'POST',
      path: '/api/2.0/mlflow/registered-models/alias',
      times: ATTEMPTS,
      after: true,
      match: () => (down = true)
    })
    stand.addFault({ kind: 503, times: Infinity, match: () => down })
    const error = await rejection(promote(registry, model))
    const failure = (error as unknown as MlflowWriteError).failure
    expect(failure.committed).toBe('unknown')
    expect(error.message).toContain('Where the stage stands could not be read')
    stand.clearFaults()
    expect(await expectNoHalfState(registry, model)).toBe('new')
    await expectRerunConverges(registry, model)
  })
})

describe('a fault during a rollback', () => {
  it('is reverted when the alias cannot be moved back, and completes on a re-run', async () => {
    const { model, registry } = await withChampion()
    written(await promote(registry, model))
    const before = stand.snapshot(model)
    stand.addFault({
      kind: 500,
      method: 'POST',
      path: '/api/2.0/mlflow/registered-models/alias',
      times: ATTEMPTS
    })
    const error = await rejection(registry.rollback(model, 'production', undefined, alice))
    expect(error.message).toContain('Nothing is left changed: production is still held by 2')
    expect(stand.snapshot(model)).toEqual(before)
    stand.clearFaults()
    written(await registry.rollback(model, 'production', undefined, alice))
    expect(stand.snapshot(model).aliases).toEqual({ production: '1' })
    expect(stand.snapshot(model).versions['1']?.tags.archived).toBeUndefined()
  })

  it('left half done, tells to re-run naming the version, which completes it without going further back', async () => {
    const { model, registry } = await withChampion()
    written(await promote(registry, model))
    // Every write fails from the sixth on, the undos too: what was written stays.
    stand.addFault({ kind: 503, writesOnly: true, nth: 6, times: Infinity })
    const error = await rejection(registry.rollback(model, 'production', '1', alice))
    expect(error).toBeInstanceOf(MlflowWriteError)
    const failure = (error as unknown as MlflowWriteError).failure
    expect(failure.outcome).toBe('partial')
    expect(error.message).toContain('Re-run the rollback naming the version (--restore 1')
    stand.clearFaults()
    await registry.rollback(model, 'production', '1', alice)
    expect(stand.snapshot(model).aliases).toEqual({ production: '1' })
  })
})

describe('retries', () => {
  it('retries reads on 429, 5xx, resets and slow answers, then succeeds', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand, {
      retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 150 }
    })
    const path = '/api/2.0/mlflow/registered-models/get'
    stand.addFault({ path, kind: 429, retryAfter: '0' })
    stand.addFault({ path, kind: 500, nth: 2 })
    stand.addFault({ path, kind: 'reset', nth: 3 })
    stand.addFault({ path, kind: 'slow', delayMs: 600, nth: 4 })
    expect(await registry.status(model)).toEqual([{ model, deprecated: false, stages: [] }])
    expect(stand.count(r => r.path === path)).toBe(5)
  })

  it('waits with bounded exponential backoff and jitter, honouring Retry-After, then gives up saying why', async () => {
    const model = seedModel(stand)
    const delays: number[] = []
    let clock = 0
    const registry = registryOn(stand, {
      retry: {},
      now: () => clock,
      sleep: async ms => {
        delays.push(ms)
        clock += ms
      },
      random: () => 0.5
    })
    stand.addFault({ method: 'GET', kind: 503, times: Infinity })
    const error = await rejection(registry.getStage(model, 'production'))
    expect(error).toBeInstanceOf(MlflowUnavailableError)
    expect(error.exitCode).toBe(ExitCode.Blocked)
    expect(error.message).toContain(
      `did not answer GET /api/2.0/mlflow/registered-models/get after 5 attempts`
    )
    expect(error.message).toContain('last: HTTP 503 TEMPORARILY_UNAVAILABLE')
    // Defaults: 0.5 s doubling, each between half and all of it (random 0.5 → 3/4), ≤ 8 s.
    expect(delays).toEqual([375, 750, 1500, 3000])
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000)

    stand.clearFaults()
    delays.length = 0
    stand.addFault({ method: 'GET', kind: 429, retryAfter: '4' })
    await registry.getStage(model, 'production')
    expect(delays).toEqual([4000])
  })

  it('stops at the deadline', async () => {
    const model = seedModel(stand)
    let clock = 0
    const registry = registryOn(stand, {
      retry: { attempts: 100, baseDelayMs: 1000, maxDelayMs: 8000, deadlineMs: 20_000 },
      now: () => clock,
      sleep: async ms => {
        clock += ms
      }
    })
    stand.addFault({ method: 'GET', kind: 500, times: Infinity })
    const error = await rejection(registry.getStage(model, 'production'))
    expect(clock).toBeLessThanOrEqual(20_000)
    expect(error.message).toMatch(/after \d attempts/)
  })
})

describe('permissions and missing things', () => {
  it('401 and 403 are exit 4 and never echo the secret', async () => {
    const secret = 'sekret-token-XYZ'
    const locked = await startMlflowStandIn({ auth: { token: 'the-right-one' } })
    try {
      const model = seedModel(locked)
      const wrong = registryOn(locked, { auth: { token: secret } })
      const error = await rejection(wrong.getStage(model, 'production'))
      expect(error).toBeInstanceOf(PermissionError)
      expect(error.exitCode).toBe(ExitCode.Permission)
      expect(error.message).toContain('HTTP 401')
      expect(error.message).not.toContain(secret)
      expect(JSON.stringify(error)).not.toContain(secret)
      const none = await rejection(registryOn(locked).status(model))
      expect(none.exitCode).toBe(ExitCode.Permission)
    } finally {
      await locked.close()
    }
  })

  it('basic auth works as MLflow reads MLFLOW_TRACKING_USERNAME / PASSWORD', async () => {
    const locked = await startMlflowStandIn({ auth: { username: 'ci', password: 'pw' } })
    try {
      const model = seedModel(locked)
      const registry = registryOn(locked, { auth: { username: 'ci', password: 'pw' } })
      written(await registry.assign(model, '1', 'staging', alice))
      const wrong = registryOn(locked, { auth: { username: 'ci', password: 'nope' } })
      const error = await rejection(wrong.getStage(model, 'staging'))
      expect(error.exitCode).toBe(ExitCode.Permission)
      expect(error.message).not.toContain('nope')
    } finally {
      await locked.close()
    }
  })

  it('a 403 on a write: exit 4, and what was written before it is reverted', async () => {
    const readOnly = await startMlflowStandIn({
      forbid: r => r.method === 'POST' && r.path.endsWith('/registered-models/alias')
    })
    try {
      const model = seedModel(readOnly)
      const before = readOnly.snapshot(model)
      const error = await rejection(registryOn(readOnly).assign(model, '1', 'production', alice))
      expect(error.exitCode).toBe(ExitCode.Permission)
      expect(error.message).toContain('HTTP 403')
      expect(error.message).toContain('Nothing is left changed: production is still empty')
      expect(readOnly.snapshot(model)).toEqual(before)
    } finally {
      await readOnly.close()
    }
  })

  it('a missing model is exit 3 and named', async () => {
    const registry = registryOn(stand)
    for (const call of [
      () => registry.getStage('ghost-model', 'production'),
      () => registry.assign('ghost-model', '1', 'production', alice),
      () => registry.loadVersion('ghost-model', '1')
    ]) {
      const error = await rejection(call())
      expect(error.exitCode).toBe(ExitCode.NotFound)
      expect(error.message).toContain('ghost-model')
    }
  })
})

describe('another writer moving the stage meanwhile', () => {
  // Each attempt reads the model twice: its view, then the check before the history and alias.
  function onEveryCheck(react: (check: number) => void) {
    let reads = 0
    stand.addFault({
      kind: 500,
      method: 'GET',
      path: '/api/2.0/mlflow/registered-models/get',
      match: () => {
        if (++reads % 2 === 0) react(reads / 2)
        return false
      }
    })
  }

  it('is noticed before the alias moves: undone, re-read, revalidated, then written', async () => {
    const { model, registry } = await withChampion()
    onEveryCheck(check => {
      // Someone else, between our read and our move.
      if (check === 1) stand.setAlias(model, 'production', '3')
    })
    const holders: Array<string | undefined> = []
    const result = written(
      await registry.assign(model, '2', 'production', alice, {
        revalidate: context => {
          holders.push(context.holder?.version)
        }
      })
    )
    expect(result.attempts).toBe(2)
    expect(holders).toEqual(['1', '3'])
    const history = JSON.parse(stand.snapshot(model).tags['modelgate.history.production'] ?? '[]')
    expect(history.map((e: { version: string; from: string }) => [e.version, e.from])).toEqual([
      ['2', '3'],
      ['1', null]
    ])
  })

  it('gives up after the attempts, leaving nothing of its own', async () => {
    const { model, registry } = await withChampion()
    onEveryCheck(check => stand.setAlias(model, 'production', check % 2 === 1 ? '3' : '1'))
    const before = stand.snapshot(model).tags
    const error = await rejection(registry.assign(model, '2', 'production', alice))
    expect(error).toBeInstanceOf(RegistryConflictError)
    expect(error.message).toContain('Nothing was left changed')
    expect(stand.snapshot(model).tags).toEqual(before)
  })
})
