/**
 * Rollout steps in an MLflow registry (src/registry/mlflow/rollout.ts), on the stand-in: the
 * stage's alias plus one registered-model tag of steps; a run stopped between the two is
 * finished by its re-run; Unity Catalog's 1,000-character tag values keep the current rollout.
 */
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  alice,
  registryOn,
  seedModel,
  seedUcModel,
  useMlflowStandIn
} from './helpers/mlflow-fixtures.js'
import type { AuditFacts, RolloutStepRequest, WriteResult } from '../src/registry/port.js'
import { rolloutState } from '../src/rollout/steps.js'

let stand: MlflowStandIn
useMlflowStandIn(s => (stand = s))

function written(result: WriteResult) {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}

const start: RolloutStepRequest = { kind: 'start', version: '2', percent: 5 }

it('keeps the canary alias on the version and the steps in modelgate.rollout.<alias>', async () => {
  const model = seedModel(stand, 2)
  const registry = registryOn(stand)
  written(await registry.recordRolloutStep(model, 'canary', start, alice))
  written(
    await registry.recordRolloutStep(
      model,
      'canary',
      { kind: 'advance', version: '2', percent: 10, from: 5 },
      alice
    )
  )
  const snapshot = stand.snapshot(model)
  expect(snapshot.aliases.canary).toBe('2')
  const stored = JSON.parse(snapshot.tags['modelgate.rollout.canary'] ?? '[]') as Array<
    Record<string, unknown>
  >
  expect(stored.map(s => [s.k, s.v, s.p, s.f, s.b])).toEqual([
    ['advance', '2', 10, 5, 'alice'],
    ['start', '2', 5, undefined, 'alice']
  ])
  // The alias's own journal says who put the version in the stage, as for any promotion.
  expect((await registry.getStage(model, 'canary'))?.assignedBy).toBe('alice')
})

it('a run stopped after the step but before the alias moved is finished by its re-run', async () => {
  const model = seedModel(stand, 2)
  const registry = registryOn(stand)
  stand.addFault({ method: 'POST', path: /registered-models\/alias$/, kind: 500, times: Infinity })
  await expect(registry.recordRolloutStep(model, 'canary', start, alice)).rejects.toThrow()
  stand.clearFaults()
  expect(stand.snapshot(model).aliases.canary).toBeUndefined()
  expect((await registry.rolloutSteps(model, 'canary')).map(s => s.kind)).toEqual(['start'])
  const rerun = written(await registry.recordRolloutStep(model, 'canary', start, alice))
  expect(rerun.events.map(e => [e.kind, e.version])).toEqual([['assignment', '2']])
  expect(stand.snapshot(model).aliases.canary).toBe('2')
  expect(await registry.rolloutSteps(model, 'canary')).toHaveLength(1)
})

it('Unity Catalog: earlier rollouts are dropped to fit 1,000 characters; the current one stays', async () => {
  const model = seedUcModel(stand, { schema: 'rollout', versions: 2 })
  const registry = registryOn(stand, { unityCatalog: true })
  for (let round = 0; round < 4; round++) {
    written(await registry.recordRolloutStep(model, 'canary', start, alice))
    for (const [from, to] of [
      [5, 10],
      [10, 25]
    ] as const) {
      written(
        await registry.recordRolloutStep(
          model,
          'canary',
          { kind: 'advance', version: '2', percent: to, from },
          alice
        )
      )
    }
    written(
      await registry.recordRolloutStep(
        model,
        'canary',
        { kind: 'abort', version: '2', percent: 0 },
        { ...alice, reason: `round ${round}: ${'x'.repeat(100)}` }
      )
    )
  }
  const value = stand.snapshot(model).tags.modelgate_rollout_canary ?? ''
  expect(value.length).toBeLessThanOrEqual(1000)
  const steps = await registry.rolloutSteps(model, 'canary')
  expect(rolloutState(steps)).toMatchObject({ version: '2', phase: 'aborted', percent: 0 })
  expect(rolloutState(steps)?.steps.map(s => s.kind)).toEqual([
    'start',
    'advance',
    'advance',
    'abort'
  ])
})

it("keeps the workflow run of each step as `u`; that run's request of the same kind is recorded already", async () => {
  const model = seedModel(stand, 2)
  const registry = registryOn(stand)
  written(await registry.recordRolloutStep(model, 'canary', { ...start, run: '9001' }, alice))
  const advance: RolloutStepRequest = { kind: 'advance', version: '2', percent: 10, from: 5 }
  written(await registry.recordRolloutStep(model, 'canary', { ...advance, run: '9002' }, alice))
  const tag = () => stand.snapshot(model).tags['modelgate.rollout.canary']
  const stored = JSON.parse(tag() ?? '[]') as Array<Record<string, unknown>>
  expect(stored.map(s => [s.k, s.u])).toEqual([
    ['advance', '9002'],
    ['start', '9001']
  ])
  const before = tag()
  const next: RolloutStepRequest = { kind: 'advance', version: '2', percent: 25, from: 10 }
  expect(
    await registry.recordRolloutStep(model, 'canary', { ...next, run: '9002' }, alice)
  ).toEqual({ written: false, reason: 'step already recorded' })
  expect(tag()).toBe(before)
})

it('Unity Catalog: a whole canary by workflow runs fits; the older steps give up their runs first', async () => {
  const model = seedUcModel(stand, { schema: 'rollout_runs', versions: 2 })
  const registry = registryOn(stand, { unityCatalog: true })
  const workflow = { actor: 'github-actions (workflow "monitor", schedule)' }
  let run = 12_345_678_900
  const step = async (request: RolloutStepRequest, audit: AuditFacts = workflow) =>
    written(
      await registry.recordRolloutStep(model, 'canary', { ...request, run: `${++run}` }, audit)
    )
  await step(start)
  // A hold's reason is kept to 120 characters.
  await step({ kind: 'hold', version: '2', percent: 5 }, { ...workflow, reason: 'y'.repeat(300) })
  for (const [from, to] of [
    [5, 10],
    [10, 25],
    [25, 50]
  ] as const) {
    await step({ kind: 'advance', version: '2', percent: to, from })
  }
  await step({ kind: 'complete', version: '2', percent: 100 })
  const value = stand.snapshot(model).tags.modelgate_rollout_canary ?? ''
  expect(value.length).toBeLessThanOrEqual(1000)
  const steps = await registry.rolloutSteps(model, 'canary')
  expect(steps.map(s => [s.kind, s.percent])).toEqual([
    ['start', 5],
    ['hold', 5],
    ['advance', 10],
    ['advance', 25],
    ['advance', 50],
    ['complete', 100]
  ])
  // The newest steps keep their runs; the oldest gave theirs up to fit.
  expect(steps.slice(-2).map(s => s.run)).toEqual([`${run - 1}`, `${run}`])
  expect(steps[0]?.run).toBeUndefined()
})

describe('status and history read the steps (rollout-read.ts)', () => {
  const steps = (registry: ReturnType<typeof registryOn>, model: string) => ({
    record: (request: RolloutStepRequest, audit: AuditFacts = alice) =>
      registry.recordRolloutStep(model, 'canary', request, audit).then(written)
  })

  it.each([
    ['oss', false],
    ['uc', true]
  ] as const)(
    '%s: the holder carries its latest step; each step is one event, the alias moves included',
    async (_name, unityCatalog) => {
      const model = unityCatalog
        ? seedUcModel(stand, { schema: 'rollout_read', versions: 2 })
        : seedModel(stand, 2)
      const registry = registryOn(stand, unityCatalog ? { unityCatalog } : {})
      const { record } = steps(registry, model)
      await record(start)
      await record({ kind: 'advance', version: '2', percent: 10, from: 5 })
      const [entry] = await registry.status(model)
      const holder = entry?.stages.find(h => h.stage === 'canary')
      expect(holder?.audit?.rollout).toEqual({ step: 'advance', percent: 10, from: 5 })
      await record({ kind: 'complete', version: '2', percent: 100 })
      const [after] = await registry.status(model)
      expect(after?.stages.find(h => h.stage === 'canary')).toBeUndefined()
      const events = (await registry.history(model)).filter(e => e.stage === 'canary')
      expect(
        events.map(e => [e.kind, e.version, (e.audit?.rollout as { step?: string })?.step])
      ).toEqual([
        ['unassignment', '2', 'complete'],
        ['assignment', '2', 'advance'],
        ['assignment', '2', 'start']
      ])
      // A start or complete is the alias move it made (the journal's event id).
      expect(events[0]?.id).toMatch(/@canary#/)
      expect(events[2]?.id).toMatch(/@canary#/)
      expect(events[0]?.summary).toBe(
        `Complete rollout of ${model} 2 in canary: moved on to the next stage`
      )
    }
  )

  it('a step whose alias move wrote nothing, or came later, is still one event', async () => {
    const model = seedModel(stand, 2)
    const registry = registryOn(stand)
    const { record } = steps(registry, model)
    // The version holds the canary alias already: the start moves nothing.
    written(await registry.assign(model, '2', 'canary', alice))
    await record(start)
    await record({ kind: 'advance', version: '2', percent: 10, from: 5 })
    const events = (await registry.history(model)).filter(e => e.stage === 'canary')
    expect(
      events.map(e => [e.kind, (e.audit?.rollout as { step?: string })?.step ?? null])
    ).toEqual([
      ['assignment', 'advance'],
      ['assignment', 'start'],
      ['assignment', null]
    ])
    // A run stopped before the alias moved, finished by its re-run after the next step.
    const other = seedModel(stand, 2)
    const again = registryOn(stand)
    stand.addFault({
      method: 'POST',
      path: /registered-models\/alias$/,
      kind: 500,
      times: Infinity
    })
    await expect(again.recordRolloutStep(other, 'canary', start, alice)).rejects.toThrow()
    stand.clearFaults()
    written(
      await again.recordRolloutStep(
        other,
        'canary',
        { kind: 'advance', version: '2', percent: 10, from: 5 },
        alice
      )
    )
    written(await again.recordRolloutStep(other, 'canary', start, alice))
    const finished = (await again.history(other)).filter(e => e.stage === 'canary')
    expect(
      finished.map(e => [e.kind, (e.audit?.rollout as { step?: string })?.step ?? null])
    ).toEqual([
      ['assignment', 'start'],
      ['assignment', 'advance']
    ])
  })
})

it("a run's re-run after a new rollout began moves no alias (its step is recorded already)", async () => {
  const model = seedModel(stand, 3)
  const registry = registryOn(stand)
  const record = (request: RolloutStepRequest) =>
    registry.recordRolloutStep(model, 'canary', request, alice)
  written(await record({ ...start, run: '501' }))
  written(await record({ kind: 'abort', version: '2', percent: 0, run: '502' }))
  // Another run starts version 3: the re-run of run 501's start must not put 2 back.
  written(await record({ kind: 'start', version: '3', percent: 5, run: '503' }))
  const before = stand.snapshot(model)
  expect(await record({ ...start, run: '501' })).toEqual({
    written: false,
    reason: 'step already recorded'
  })
  expect(stand.snapshot(model)).toEqual(before)
  // And a new rollout of 2 again: the re-run of run 502's abort (of the earlier rollout) aborts
  // this one, as asked now (an abort is never swallowed by an old one: that would fail open);
  // its own re-run then writes nothing.
  written(await record({ kind: 'abort', version: '3', percent: 0, run: '504' }))
  written(await record({ ...start, run: '505' }))
  expect(stand.snapshot(model).aliases.canary).toBe('2')
  written(await record({ kind: 'abort', version: '2', percent: 0, run: '502' }))
  const aborted = stand.snapshot(model)
  expect(aborted.aliases.canary).toBeUndefined()
  expect(await record({ kind: 'abort', version: '2', percent: 0, run: '502' })).toEqual({
    written: false,
    reason: 'step already recorded'
  })
  expect(stand.snapshot(model)).toEqual(aborted)
})
