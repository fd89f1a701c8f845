/**
 * The Registry port's contract (src/registry/port.ts), one list of behaviours run against every
 * backend: the git adapter on a real repository with an origin, the MLflow adapter on the
 * stand-in in its OSS and its Unity Catalog modes, and the in-memory fake written from the
 * port's words alone. A new backend adds a fixture (helpers/contract-backends.ts) and starts
 * from this list failing.
 *
 * Each check is the port's documented behaviour, for every backend alike, with one switch:
 * `numbersVersions`. MLflow numbers versions itself, so its fixture creates each version from a
 * run (as a training job does) and the port's `register` confirms it (`already registered`),
 * as the MLflow adapter documents; the port's own words ("Record `version` ... at `ref`") do not
 * say so yet. Where a backend disagrees with the port, the check stays as the port says and
 * fails for that backend; a comment above it says what the backend does instead.
 */
import { ExitCode, ModelGateError, NotFoundError } from '../src/errors.js'
import type {
  AuditFacts,
  RegistryEvent,
  RevalidateContext,
  WriteResult
} from '../src/registry/port.js'
import type { Backend, Subject } from './helpers/contract-backends.js'
import { auditRecord } from './helpers/audit-records.js'
import {
  gist,
  gitBackend,
  memoryBackend,
  mlflowBackend,
  planned,
  rejection,
  written
} from './helpers/contract-backends.js'

const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }
const bob: AuditFacts = { actor: 'bob', reason: 'accuracy dropped in production' }
/** A promotion's record naming the write it is kept with (git keeps only a record naming its tag). */
const recordOf = (model: string, version: string, extra: Parameters<typeof auditRecord>[0] = {}) =>
  auditRecord({ model, version, to: PROD, ...extra })
const RECORD_FACTS = {
  gates: [{ gate: 'thresholds', status: 'pass' as const, summary: '1 of 1 metrics within bounds' }],
  metrics: { candidate: { accuracy: 0.91 }, champion: null }
}
const PROD = 'production'

const backends: Backend[] = [
  gitBackend(),
  mlflowBackend('oss'),
  mlflowBackend('uc'),
  memoryBackend()
]

describe.each(backends.map(backend => [backend.name, backend] as const))(
  'Registry contract: %s',
  (_name, backend) => {
    let s: Subject
    beforeAll(() => backend.start())
    afterAll(() => backend.stop())
    beforeEach(async () => {
      s = await backend.subject()
    })

    /** `count` versions registered through the port; their labels, oldest first. */
    async function versions(count: number): Promise<string[]> {
      const labels: string[] = []
      for (let i = 0; i < count; i++) {
        const { version, ref } = await s.newVersion()
        const result = await s.registry.register(s.model, version, ref, alice)
        if (!backend.numbersVersions) written(result)
        labels.push(version)
      }
      return labels
    }

    /** Assigns each version to production in turn. */
    async function promoted(count: number): Promise<string[]> {
      const labels = await versions(count)
      for (const version of labels) written(await s.registry.assign(s.model, version, PROD, alice))
      return labels
    }

    describe('register', () => {
      it('records the version at its ref: getVersion returns it, active, in no stage', async () => {
        const { version, ref } = await s.newVersion()
        const result = await s.registry.register(s.model, version, ref, {
          ...alice,
          record: recordOf(s.model, version, RECORD_FACTS)
        })
        if (backend.numbersVersions) {
          // The version exists before the port is asked (MLflow numbered it): confirmed, not written.
          expect(result).toEqual({ written: false, reason: 'already registered' })
        } else {
          const { events } = written(result)
          expect(events.map(gist)).toEqual([
            { kind: 'registration', model: s.model, version, stage: undefined, by: 'alice' }
          ])
        }
        const record = await s.registry.getVersion(s.model, version)
        expect(record).toMatchObject({ model: s.model, version, ref, active: true, stages: [] })
        expect(Number.isNaN(record?.registeredAt.getTime())).toBe(false)
        if (!backend.numbersVersions) expect(record?.registeredBy).toBe('alice')
        const history = await s.registry.history(s.model)
        expect(history.filter(e => e.kind === 'registration').map(e => e.version)).toEqual([
          version
        ])
      })

      it('a second registration at the same ref writes nothing: already registered', async () => {
        const { version, ref } = await s.newVersion()
        await s.registry.register(s.model, version, ref, alice)
        const before = await s.raw()
        expect(await s.registry.register(s.model, version, ref, alice)).toEqual({
          written: false,
          reason: 'already registered'
        })
        expect(await s.raw()).toBe(before)
      })

      it('a registration is revalidated with no stage and no holder; its dry run writes nothing', async () => {
        const { version, ref } = await s.newVersion()
        const seen: RevalidateContext[] = []
        const revalidate = (context: RevalidateContext) => void seen.push(context)
        const before = await s.raw()
        const dry = await s.registry.register(s.model, version, ref, alice, {
          dryRun: true,
          revalidate
        })
        expect(await s.raw()).toBe(before)
        if (backend.numbersVersions) {
          // Confirmed, not written: nothing to revalidate or plan.
          expect(dry).toEqual({ written: false, reason: 'already registered' })
          expect(seen).toEqual([])
          return
        }
        expect(planned(dry).map(gist)).toEqual([
          { kind: 'registration', model: s.model, version, stage: undefined, by: 'alice' }
        ])
        expect(seen).toHaveLength(1)
        expect(seen[0]).toMatchObject({ model: s.model, attempt: 1 })
        expect(seen[0]?.stage).toBeUndefined()
        expect(seen[0]?.holder).toBeUndefined()
        expect(await s.registry.getVersion(s.model, version)).toBeUndefined()
      })

      it('a registration at another ref is refused (exit 2) and writes nothing', async () => {
        const [version] = await versions(1)
        const other = await s.newVersion()
        const before = await s.raw()
        const error = await rejection(
          s.registry.register(s.model, version as string, other.ref, alice)
        )
        expect(error).toBeInstanceOf(ModelGateError)
        expect((error as ModelGateError).exitCode).toBe(ExitCode.Blocked)
        expect(await s.raw()).toBe(before)
      })
    })

    describe('every write', () => {
      it('without an actor is refused (exit 2) and writes nothing', async () => {
        const [v1, v2] = (await promoted(2)) as [string, string]
        const nobody: AuditFacts = { actor: '' }
        const before = await s.raw()
        for (const write of [
          () => s.registry.assign(s.model, v1, PROD, nobody),
          () => s.registry.unassign(s.model, v2, PROD, nobody),
          () => s.registry.rollback(s.model, PROD, undefined, nobody)
        ]) {
          const error = await rejection(write())
          expect(error).toBeInstanceOf(ModelGateError)
          expect((error as ModelGateError).exitCode).toBe(ExitCode.Blocked)
        }
        expect(await s.raw()).toBe(before)
      })
    })

    describe('reads of what is not there', () => {
      it('getVersion and getStage of the unknown are undefined; takenOutOf of a version never in the stage too', async () => {
        const [v1] = (await versions(1)) as [string]
        expect(await s.registry.getVersion(s.model, s.unknownVersion)).toBeUndefined()
        expect(await s.registry.getStage(s.model, PROD)).toBeUndefined()
        expect(await s.registry.takenOutOf(s.model, v1, PROD)).toBeUndefined()
        const status = await s.registry.status(s.model)
        expect(status.flatMap(m => m.stages)).toEqual([])
      })
    })

    describe('assign', () => {
      it('makes the version the holder: getStage, getVersion, status and history agree, and the holder carries the record written', async () => {
        const [v1] = (await versions(1)) as [string]
        const { events } = written(
          await s.registry.assign(s.model, v1, PROD, {
            ...alice,
            record: recordOf(s.model, v1, RECORD_FACTS)
          })
        )
        const event = events[events.length - 1] as RegistryEvent
        expect(gist(event)).toEqual({
          kind: 'assignment',
          model: s.model,
          version: v1,
          stage: PROD,
          by: 'alice'
        })

        const holder = await s.registry.getStage(s.model, PROD)
        expect(holder).toMatchObject({
          model: s.model,
          stage: PROD,
          version: v1,
          assignedBy: 'alice'
        })
        expect(holder?.eventId).toBe(event.id)
        expect(holder?.assignedAt.getTime()).toBe(event.at.getTime())
        expect(holder?.audit?.record).toEqual(recordOf(s.model, v1, RECORD_FACTS))

        expect((await s.registry.getVersion(s.model, v1))?.stages.map(x => x.stage)).toEqual([PROD])
        const [status] = await s.registry.status(s.model)
        expect(status?.model).toBe(s.model)
        expect(status?.stages.map(h => [h.stage, h.version, h.assignedBy])).toEqual([
          [PROD, v1, 'alice']
        ])

        // Every model's status and history include this one's, as the one-model reads give them.
        const everyStatus = await s.registry.status()
        expect(everyStatus.find(m => m.model === s.model)).toEqual(status)
        const history = await s.registry.history(s.model)
        const everyHistory = await s.registry.history()
        expect(everyHistory.filter(e => e.model === s.model)).toEqual(history)
        expect(gist(history[0] as RegistryEvent)).toEqual(gist(event))
        expect(history[0]?.byEmail).toBe(alice.actorEmail)
        expect(history[0]?.audit?.record).toEqual(recordOf(s.model, v1, RECORD_FACTS))
        const times = history.map(e => e.at.getTime())
        expect(times).toEqual([...times].sort((a, b) => b - a))
      })

      it('a second assignment of the holder writes nothing: already in stage', async () => {
        const [v1] = (await promoted(1)) as [string]
        const before = await s.raw()
        expect(await s.registry.assign(s.model, v1, PROD, alice)).toEqual({
          written: false,
          reason: 'already in stage'
        })
        expect(await s.raw()).toBe(before)
      })

      it('a dry run writes nothing and returns what the real write then writes', async () => {
        const [v1] = (await versions(1)) as [string]
        const before = await s.raw()
        const plan = planned(await s.registry.assign(s.model, v1, PROD, alice, { dryRun: true }))
        expect(plan.length).toBeGreaterThan(0)
        expect(await s.raw()).toBe(before)
        expect(await s.registry.getStage(s.model, PROD)).toBeUndefined()
        const { events } = written(await s.registry.assign(s.model, v1, PROD, alice))
        expect(events.map(gist)).toEqual(plan.map(gist))
      })

      it('a newer assignment replaces the holder', async () => {
        const [v1, v2] = (await promoted(2)) as [string, string]
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
        const [status] = await s.registry.status(s.model)
        expect(status?.stages.map(h => [h.stage, h.version])).toEqual([[PROD, v2]])
        expect((await s.registry.getVersion(s.model, v2))?.stages.map(x => x.stage)).toEqual([PROD])
        // Replaced, not taken out: no removal stands against it.
        expect(await s.registry.takenOutOf(s.model, v1, PROD)).toBeUndefined()
      })

      // The port: a VersionRecord's `stages` are "the stages the version is in now", each "a stage
      // a version holds now"; one holder per stage. The transition gate (`from:`) and the days
      // gate read them. Git fails the first case today: a version replaced by a higher one keeps
      // the stage in getVersion (GTO's per-version view), one replaced by a lower one does not.
      it('the replaced holder no longer lists the stage in getVersion (replaced by a newer version)', async () => {
        const [v1, v2] = (await promoted(2)) as [string, string]
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
        expect((await s.registry.getVersion(s.model, v1))?.stages.map(x => x.stage)).toEqual([])
      })

      it('the replaced holder no longer lists the stage in getVersion (replaced by an older version)', async () => {
        const [v1, v2] = (await versions(2)) as [string, string]
        written(await s.registry.assign(s.model, v2, PROD, alice))
        written(await s.registry.assign(s.model, v1, PROD, alice))
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v1)
        expect((await s.registry.getVersion(s.model, v2))?.stages.map(x => x.stage)).toEqual([])
        expect(await s.registry.takenOutOf(s.model, v2, PROD)).toBeUndefined()
      })

      it('a version may hold several stages; status gives one holder per stage, sorted by stage', async () => {
        const [v1, v2] = (await versions(2)) as [string, string]
        written(await s.registry.assign(s.model, v1, 'staging', alice))
        written(await s.registry.assign(s.model, v1, PROD, alice))
        expect((await s.registry.getVersion(s.model, v1))?.stages.map(x => x.stage)).toEqual([
          PROD,
          'staging'
        ])
        written(await s.registry.assign(s.model, v2, 'staging', alice))
        const [status] = await s.registry.status(s.model)
        expect(status?.stages.map(h => [h.stage, h.version])).toEqual([
          [PROD, v1],
          ['staging', v2]
        ])
        expect((await s.registry.getStage(s.model, 'staging'))?.version).toBe(v2)
      })

      it('an unregistered version is refused: NotFoundError (exit 3), nothing written', async () => {
        await versions(1)
        const before = await s.raw()
        const error = await rejection(s.registry.assign(s.model, s.unknownVersion, PROD, alice))
        expect(error).toBeInstanceOf(NotFoundError)
        expect((error as ModelGateError).exitCode).toBe(ExitCode.NotFound)
        expect(await s.raw()).toBe(before)
      })
    })

    describe('rollback', () => {
      it('without a version puts the previous holder back; takenOutOf reports the removal, by whom and why', async () => {
        const [v1, v2] = (await promoted(2)) as [string, string]
        const { events } = written(await s.registry.rollback(s.model, PROD, undefined, bob))
        // The events written, oldest first; the last puts v1 back.
        const times = events.map(e => e.at.getTime())
        expect(times).toEqual([...times].sort((a, b) => a - b))
        expect(gist(events[events.length - 1] as RegistryEvent)).toEqual({
          kind: 'assignment',
          model: s.model,
          version: v1,
          stage: PROD,
          by: 'bob'
        })
        const holder = await s.registry.getStage(s.model, PROD)
        expect(holder).toMatchObject({ version: v1, assignedBy: 'bob' })
        const [status] = await s.registry.status(s.model)
        expect(status?.stages.map(h => [h.stage, h.version])).toEqual([[PROD, v1]])
        expect((await s.registry.getVersion(s.model, v2))?.stages).toEqual([])
        expect(gist((await s.registry.history(s.model))[0] as RegistryEvent)).toEqual(
          gist(events[events.length - 1] as RegistryEvent)
        )

        const removal = await s.registry.takenOutOf(s.model, v2, PROD)
        expect(removal).toMatchObject({ by: 'bob', reason: bob.reason })
        expect(removal?.eventId).toEqual(expect.any(String))
        expect(Number.isNaN(removal?.at.getTime())).toBe(false)
        expect(await s.registry.takenOutOf(s.model, v1, PROD)).toBeUndefined()
      })

      it('a second rollback goes further back, never to the version the first took out', async () => {
        const [v1, v2, v3] = (await promoted(3)) as [string, string, string]
        written(await s.registry.rollback(s.model, PROD, undefined, bob))
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
        written(await s.registry.rollback(s.model, PROD, undefined, bob))
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v1)
        for (const out of [v2, v3]) {
          expect(await s.registry.takenOutOf(s.model, out, PROD)).toMatchObject({ by: 'bob' })
        }
      })

      // The port: "default: the stage's previous holder". Git fails this today: after a newer
      // version is replaced by an older one, a rollback finds no earlier holder (NotFoundError),
      // though its own takenOutOf says the newer one was replaced, not taken out.
      it('puts the previous holder back even when it is newer than the holder', async () => {
        const [v1, v2] = (await versions(2)) as [string, string]
        written(await s.registry.assign(s.model, v2, PROD, alice))
        written(await s.registry.assign(s.model, v1, PROD, alice))
        written(await s.registry.rollback(s.model, PROD, undefined, bob))
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
        expect(await s.registry.takenOutOf(s.model, v1, PROD)).toMatchObject({
          by: 'bob',
          reason: bob.reason
        })
      })

      it('assigning the rolled-back version again clears takenOutOf', async () => {
        const [, v2] = (await promoted(2)) as [string, string]
        written(await s.registry.rollback(s.model, PROD, undefined, bob))
        written(await s.registry.assign(s.model, v2, PROD, alice))
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
        expect(await s.registry.takenOutOf(s.model, v2, PROD)).toBeUndefined()
      })

      it('to a named version puts that one back; to the holder writes nothing', async () => {
        const [v1, , v3] = (await promoted(3)) as [string, string, string]
        written(await s.registry.rollback(s.model, PROD, v1, bob))
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v1)
        expect(await s.registry.takenOutOf(s.model, v3, PROD)).toMatchObject({
          by: 'bob',
          reason: bob.reason
        })
        const before = await s.raw()
        expect(await s.registry.rollback(s.model, PROD, v1, bob)).toEqual({
          written: false,
          reason: 'already in stage'
        })
        expect(await s.raw()).toBe(before)
      })

      it('a dry run writes nothing and returns what the real rollback then writes', async () => {
        await promoted(2)
        const before = await s.raw()
        const plan = planned(
          await s.registry.rollback(s.model, PROD, undefined, bob, { dryRun: true })
        )
        expect(await s.raw()).toBe(before)
        const { events } = written(await s.registry.rollback(s.model, PROD, undefined, bob))
        expect(events.map(gist)).toEqual(plan.map(gist))
      })

      it('with nothing in the stage, or to an unregistered version, is NotFoundError (exit 3)', async () => {
        await versions(1)
        const empty = await rejection(s.registry.rollback(s.model, PROD, undefined, bob))
        expect(empty).toBeInstanceOf(NotFoundError)
        await promoted(1)
        const before = await s.raw()
        const unknown = await rejection(s.registry.rollback(s.model, PROD, s.unknownVersion, bob))
        expect(unknown).toBeInstanceOf(NotFoundError)
        expect((unknown as ModelGateError).exitCode).toBe(ExitCode.NotFound)
        expect(await s.raw()).toBe(before)
      })
    })

    describe('unassign', () => {
      it('a version not in the stage writes nothing: not in stage', async () => {
        const [v1, v2] = (await versions(2)) as [string, string]
        written(await s.registry.assign(s.model, v2, PROD, alice))
        const before = await s.raw()
        expect(await s.registry.unassign(s.model, v1, PROD, bob)).toEqual({
          written: false,
          reason: 'not in stage'
        })
        expect(await s.raw()).toBe(before)
      })

      it('takes the holder out: the stage is empty, takenOutOf says by whom and why', async () => {
        const [v1] = (await promoted(1)) as [string]
        const { events } = written(await s.registry.unassign(s.model, v1, PROD, bob))
        expect(events.map(gist)).toEqual([
          { kind: 'unassignment', model: s.model, version: v1, stage: PROD, by: 'bob' }
        ])
        expect(await s.registry.getStage(s.model, PROD)).toBeUndefined()
        expect((await s.registry.status(s.model)).flatMap(m => m.stages)).toEqual([])
        expect((await s.registry.getVersion(s.model, v1))?.stages).toEqual([])
        expect(await s.registry.takenOutOf(s.model, v1, PROD)).toMatchObject({
          by: 'bob',
          reason: bob.reason
        })
      })
      it('a dry run writes nothing and returns what the real unassignment then writes', async () => {
        const [v1] = (await promoted(1)) as [string]
        const before = await s.raw()
        const plan = planned(await s.registry.unassign(s.model, v1, PROD, bob, { dryRun: true }))
        expect(await s.raw()).toBe(before)
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v1)
        const { events } = written(await s.registry.unassign(s.model, v1, PROD, bob))
        expect(events.map(gist)).toEqual(plan.map(gist))
      })
    })

    describe('revalidate', () => {
      it('is called once before the first write, with the current holder and attempt 1', async () => {
        const [v1, v2] = (await versions(2)) as [string, string]
        const seen: Array<{ context: RevalidateContext; raw: string }> = []
        const revalidate = async (context: RevalidateContext) => {
          seen.push({ context, raw: await s.raw() })
        }
        let before = await s.raw()
        written(await s.registry.assign(s.model, v1, PROD, alice, { revalidate }))
        expect(seen).toHaveLength(1)
        expect(seen[0]?.context).toMatchObject({ model: s.model, stage: PROD, attempt: 1 })
        expect(seen[0]?.context.holder).toBeUndefined()
        expect(seen[0]?.raw).toBe(before)

        // A replacement, a rollback and an unassignment each see the holder they act on.
        const writes: Array<[() => Promise<WriteResult>, string]> = [
          [() => s.registry.assign(s.model, v2, PROD, alice, { revalidate }), v1],
          [() => s.registry.rollback(s.model, PROD, undefined, bob, { revalidate }), v2],
          [() => s.registry.unassign(s.model, v1, PROD, bob, { revalidate }), v1]
        ]
        for (const [write, holder] of writes) {
          before = await s.raw()
          seen.length = 0
          written(await write())
          expect(seen).toHaveLength(1)
          expect(seen[0]?.context).toMatchObject({ model: s.model, stage: PROD, attempt: 1 })
          expect(seen[0]?.context.holder).toMatchObject({
            model: s.model,
            stage: PROD,
            version: holder
          })
          expect(seen[0]?.raw).toBe(before)
        }
      })

      // The port: revalidate is "called before every write attempt"; history is "every event".
      // MLflow (both modes) fails the last check today: the rival's history entry is lost. Its
      // first attempt writes the history tag from the journal it read before the rival wrote,
      // then, finding the alias moved, undoes that step by restoring the value it read: the
      // rival's entry is overwritten, and its promotion of v3 is gone from history().
      it('after a lost race is called again with the new holder and the next attempt; the write then lands', async () => {
        const [v1, v2, v3] = (await versions(3)) as [string, string, string]
        written(await s.registry.assign(s.model, v1, PROD, alice))
        const rival = await s.rival()
        const seen: RevalidateContext[] = []
        const result = written(
          await s.registry.assign(s.model, v2, PROD, alice, {
            revalidate: async context => {
              seen.push(context)
              // Another writer promotes v3 after this write read the registry.
              if (context.attempt === 1) written(await rival.assign(s.model, v3, PROD, bob))
            }
          })
        )
        expect(seen.map(c => [c.attempt, c.holder?.version])).toEqual([
          [1, v1],
          [2, v3]
        ])
        expect(result.attempts).toBe(2)
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
        const assigned = (await s.registry.history(s.model))
          .filter(e => e.kind === 'assignment')
          .map(e => [e.version, e.by])
        expect(assigned).toEqual([
          [v2, 'alice'],
          [v3, 'bob'],
          [v1, 'alice']
        ])
      })

      it('is not called when there is nothing to write', async () => {
        const [v1] = (await promoted(1)) as [string]
        let calls = 0
        const revalidate = () => void calls++
        expect(await s.registry.assign(s.model, v1, PROD, alice, { revalidate })).toEqual({
          written: false,
          reason: 'already in stage'
        })
        expect(await s.registry.unassign(s.model, v1, 'staging', alice, { revalidate })).toEqual({
          written: false,
          reason: 'not in stage'
        })
        expect(calls).toBe(0)
      })

      it('that throws stops the write: the error propagates unchanged, nothing is written', async () => {
        const [v1, v2] = (await promoted(2)) as [string, string]
        const refusal = new Error('the new champion beats the candidate')
        const before = await s.raw()
        for (const write of [
          () =>
            s.registry.assign(s.model, v1, PROD, alice, {
              revalidate: () => {
                throw refusal
              }
            }),
          () =>
            s.registry.rollback(s.model, PROD, undefined, bob, {
              revalidate: () => {
                throw refusal
              }
            }),
          () =>
            s.registry.unassign(s.model, v2, PROD, bob, {
              revalidate: async () => {
                throw refusal
              }
            })
        ]) {
          expect(await rejection(write())).toBe(refusal)
        }
        expect(await s.raw()).toBe(before)
        expect((await s.registry.getStage(s.model, PROD))?.version).toBe(v2)
      })

      it('that returns new audit facts replaces the ones passed in', async () => {
        const [v1] = (await versions(1)) as [string]
        const carol: AuditFacts = {
          actor: 'carol',
          actorEmail: 'carol@example.com',
          record: recordOf(s.model, v1, { reason: 're-evaluated against the new champion' })
        }
        const revalidate = () => carol
        const plan = planned(
          await s.registry.assign(
            s.model,
            v1,
            PROD,
            { ...alice, record: recordOf(s.model, v1, RECORD_FACTS) },
            {
              dryRun: true,
              revalidate
            }
          )
        )
        expect(plan.map(e => e.by)).toEqual(plan.map(() => 'carol'))
        const { events } = written(
          await s.registry.assign(
            s.model,
            v1,
            PROD,
            { ...alice, record: recordOf(s.model, v1, RECORD_FACTS) },
            { revalidate }
          )
        )
        expect(events.map(e => e.by)).toEqual(events.map(() => 'carol'))
        const holder = await s.registry.getStage(s.model, PROD)
        expect(holder?.assignedBy).toBe('carol')
        expect(holder?.audit?.record).toEqual(carol.record)
        const [newest] = await s.registry.history(s.model)
        expect(newest).toMatchObject({ kind: 'assignment', by: 'carol', byEmail: carol.actorEmail })
        expect(newest?.audit?.record).toEqual(carol.record)
      })

      // What promote relies on: it returns nothing when the holder is the one it last judged, so
      // the facts it gave last must be the ones written (issue 13: one write protocol).
      it('that replaced the facts on a lost attempt: the replacement stands for the next one', async () => {
        const [v1, v2, v3] = (await versions(3)) as [string, string, string]
        written(await s.registry.assign(s.model, v1, PROD, alice))
        const rival = await s.rival()
        const carol: AuditFacts = {
          actor: 'carol',
          record: recordOf(s.model, v2, { previous: v1 })
        }
        const result = written(
          await s.registry.assign(s.model, v2, PROD, alice, {
            revalidate: async context => {
              if (context.attempt > 1) return undefined
              written(await rival.assign(s.model, v3, PROD, bob))
              return carol
            }
          })
        )
        expect(result.attempts).toBe(2)
        expect(result.events.map(e => e.by)).toEqual(result.events.map(() => 'carol'))
        const holder = await s.registry.getStage(s.model, PROD)
        expect(holder).toMatchObject({ version: v2, assignedBy: 'carol' })
        expect(holder?.audit?.record).toEqual(carol.record)
      })
    })
  }
)
