/**
 * The Registry port's rollout steps (port.ts `rolloutSteps`, `recordRolloutStep`), one list of
 * behaviours run against every backend of the contract suite: the git adapter on a real
 * repository with an origin, the MLflow adapter on the stand-in (OSS and Unity Catalog), and the
 * in-memory fake.
 */
import { ExitCode, ModelGateError } from '../src/errors.js'
import type {
  AuditFacts,
  RolloutStep,
  RolloutStepRequest,
  WriteOptions
} from '../src/registry/port.js'
import { rolloutState } from '../src/rollout/steps.js'
import type { Backend, Subject } from './helpers/contract-backends.js'
import {
  gitBackend,
  memoryBackend,
  mlflowBackend,
  planned,
  rejection,
  written
} from './helpers/contract-backends.js'

const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }
const bob: AuditFacts = { actor: 'bob', reason: 'error rate up in the eu segment' }
const CANARY = 'canary'

/** What a step says, without its time and backend id. */
const gist = (s: RolloutStep) => ({
  version: s.version,
  kind: s.kind,
  percent: s.percent,
  from: s.from,
  by: s.by,
  reason: s.reason
})

const backends = [gitBackend(), mlflowBackend('oss'), mlflowBackend('uc'), memoryBackend()]

describe.each(backends.map(b => [b.name, b] as const))(
  'Registry rollout contract: %s',
  (_name, backend: Backend) => {
    let s: Subject
    beforeAll(() => backend.start())
    afterAll(() => backend.stop())
    beforeEach(async () => {
      s = await backend.subject()
    })

    async function version(): Promise<string> {
      const { version, ref } = await s.newVersion()
      const result = await s.registry.register(s.model, version, ref, alice)
      if (!backend.numbersVersions) written(result)
      return version
    }
    /** Records `step` of the canary stage's rollout, as alice unless `by` says otherwise. */
    const record = (request: RolloutStepRequest, by: AuditFacts = alice, options?: WriteOptions) =>
      s.registry.recordRolloutStep(s.model, CANARY, request, by, options)

    it('records start, advances, hold and abort as steps, oldest first, with share and actor', async () => {
      const v = await version()
      const steps = [
        { kind: 'start', version: v, percent: 5 },
        { kind: 'advance', version: v, percent: 10, from: 5 },
        { kind: 'advance', version: v, percent: 25, from: 10 },
        { kind: 'hold', version: v, percent: 25 }
      ] as const
      for (const step of steps) {
        written(await record(step))
      }
      written(await record({ kind: 'abort', version: v, percent: 0 }, bob))
      const read = await s.registry.rolloutSteps(s.model, CANARY)
      expect(read.map(gist)).toEqual([
        { version: v, kind: 'start', percent: 5, from: undefined, by: 'alice', reason: undefined },
        { version: v, kind: 'advance', percent: 10, from: 5, by: 'alice', reason: undefined },
        { version: v, kind: 'advance', percent: 25, from: 10, by: 'alice', reason: undefined },
        { version: v, kind: 'hold', percent: 25, from: undefined, by: 'alice', reason: undefined },
        {
          version: v,
          kind: 'abort',
          percent: 0,
          from: undefined,
          by: 'bob',
          reason: 'error rate up in the eu segment'
        }
      ])
      expect(read.every(step => step.model === s.model && step.stage === CANARY)).toBe(true)
      expect(rolloutState(read)).toMatchObject({ version: v, phase: 'aborted', percent: 0 })
    })

    it('the stage holds the version while its rollout runs, and not after an abort', async () => {
      const v = await version()
      written(await record({ kind: 'start', version: v, percent: 5 }))
      expect((await s.registry.getStage(s.model, CANARY))?.version).toBe(v)
      written(await record({ kind: 'advance', version: v, percent: 10, from: 5 }))
      expect((await s.registry.getStage(s.model, CANARY))?.version).toBe(v)
      written(await record({ kind: 'abort', version: v, percent: 0 }, bob))
      expect(await s.registry.getStage(s.model, CANARY)).toBeUndefined()
      expect(await s.registry.takenOutOf(s.model, v, CANARY)).toMatchObject({ by: 'bob' })
    })

    it('the same step again writes nothing: step already recorded', async () => {
      const v = await version()
      const start = { kind: 'start', version: v, percent: 5 } as const
      const advance = { kind: 'advance', version: v, percent: 10, from: 5 } as const
      const hold = { kind: 'hold', version: v, percent: 10 } as const
      const abort = { kind: 'abort', version: v, percent: 0 } as const
      for (const step of [start, advance, hold, abort]) {
        written(await record(step))
        const before = await s.raw()
        expect(await record(step)).toEqual({
          written: false,
          reason: 'step already recorded'
        })
        expect(await s.raw()).toBe(before)
      }
      expect(await s.registry.rolloutSteps(s.model, CANARY)).toHaveLength(4)
    })

    it('refuses a step out of turn (exit 2), and one without a rollout (exit 3), writing nothing', async () => {
      const v = await version()
      const w = await version()
      const before = await s.raw()
      const none = await rejection(record({ kind: 'hold', version: v, percent: 5 }))
      expect(none).toBeInstanceOf(ModelGateError)
      expect((none as ModelGateError).exitCode).toBe(ExitCode.NotFound)
      expect(await s.raw()).toBe(before)
      written(await record({ kind: 'start', version: v, percent: 5 }))
      const after = await s.raw()
      const refused = [
        { kind: 'start', version: w, percent: 5 },
        { kind: 'advance', version: v, percent: 25, from: 10 },
        { kind: 'advance', version: v, percent: 5, from: 5 },
        { kind: 'hold', version: v, percent: 10 },
        { kind: 'advance', version: w, percent: 10, from: 5 }
      ] as const
      for (const step of refused) {
        const error = await rejection(record(step))
        expect(error).toBeInstanceOf(ModelGateError)
        expect((error as ModelGateError).exitCode).toBe(ExitCode.Blocked)
      }
      expect(await s.raw()).toBe(after)
    })

    it('a dry run plans the step and writes nothing; a new start follows an abort', async () => {
      const v = await version()
      const start = { kind: 'start', version: v, percent: 5 } as const
      const before = await s.raw()
      const dry = planned(await record(start, alice, { dryRun: true }))
      expect(dry.map(e => [e.kind, e.version, e.stage])).toEqual([['assignment', v, CANARY]])
      expect(await s.raw()).toBe(before)
      written(await record(start))
      written(await record({ kind: 'abort', version: v, percent: 0 }, bob))
      written(await record(start))
      const state = rolloutState(await s.registry.rolloutSteps(s.model, CANARY))
      expect(state).toMatchObject({ version: v, phase: 'running', percent: 5 })
      expect(state?.steps.map(step => step.kind)).toEqual(['start'])
    })

    it("keeps each step's workflow run: that run's re-run writes nothing twice, later too", async () => {
      const v = await version()
      written(await record({ kind: 'start', version: v, percent: 5, run: '7001' }))
      written(await record({ kind: 'advance', version: v, percent: 10, from: 5, run: '7002' }))
      const read = await s.registry.rolloutSteps(s.model, CANARY)
      expect(read.map(step => [step.kind, step.run])).toEqual([
        ['start', '7001'],
        ['advance', '7002']
      ])
      const after = await s.raw()
      // Run 7002's job re-run once the next advance is due: recorded already, nothing written.
      const rerun = await record({
        kind: 'advance',
        version: v,
        percent: 25,
        from: 10,
        run: '7002'
      })
      expect(rerun).toEqual({ written: false, reason: 'step already recorded' })
      expect(await s.raw()).toBe(after)
      // Another run (or the CLI, with no run) takes the next step.
      written(await record({ kind: 'advance', version: v, percent: 25, from: 10, run: '7003' }))
      written(await record({ kind: 'advance', version: v, percent: 50, from: 25 }))
      const steps = await s.registry.rolloutSteps(s.model, CANARY)
      expect(steps.map(step => [step.percent, step.run])).toEqual([
        [5, '7001'],
        [10, '7002'],
        [25, '7003'],
        [50, undefined]
      ])
    })

    it('starting a canary takes another version out of the stage first', async () => {
      const old = await version()
      const v = await version()
      written(await s.registry.assign(s.model, old, CANARY, alice))
      const { events } = written(await record({ kind: 'start', version: v, percent: 5 }))
      // Git and the fake write the removal first (two GTO events); MLflow moves the alias once.
      expect(events.filter(e => e.kind === 'assignment').map(e => e.version)).toContain(v)
      expect((await s.registry.getStage(s.model, CANARY))?.version).toBe(v)
    })
  }
)
