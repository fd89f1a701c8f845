import { ExitCode, InvalidInputError, NotFoundError } from '../src/errors.js'
import type { AuditFacts, RevalidateContext } from '../src/registry/port.js'
import { startMlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  alice,
  bob,
  registryOn,
  rejection,
  seedModel,
  tagJson,
  useMlflowStandIn,
  written
} from './helpers/mlflow-fixtures.js'
import { auditRecord, prRecord } from './helpers/audit-records.js'

let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started))

describe('getStage', () => {
  it('is undefined for a stage nobody holds, and two REST calls when it is held', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    expect(await registry.getStage(model, 'production')).toBeUndefined()
    written(await registry.assign(model, '2', 'production', alice))
    stand.resetLog()
    const holder = await registry.getStage(model, 'production')
    // The model (is the history's newest entry this holder's?) and the version (its audit tag).
    expect(stand.count()).toBe(2)
    expect(holder).toMatchObject({
      model,
      stage: 'production',
      version: '2',
      assignedBy: 'alice',
      ref: expect.stringMatching(/^run/),
      eventId: expect.stringContaining(`${model}@production#`)
    })
    expect(holder?.assignedAt.getTime()).not.toBeNaN()
  })

  it('names the model when it does not exist (exit 3)', async () => {
    const error = await rejection(registryOn(stand).getStage('no-such-model', 'production'))
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toContain('"no-such-model"')
  })

  it('describes an alias set outside ModelGate without inventing who set it', async () => {
    const model = seedModel(stand)
    stand.setAlias(model, 'production', '1')
    const holder = await registryOn(stand).getStage(model, 'production')
    expect(holder).toMatchObject({ version: '1', assignedBy: 'unknown (set outside ModelGate)' })
  })
})

describe('assign (promote)', () => {
  it('moves the alias, keeps the previous holder under <alias>-previous, and records history and audit', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    const first = written(
      await registry.assign(model, '1', 'production', { ...alice, record: prRecord(12) })
    )
    expect(first.events).toHaveLength(1)
    expect(first.events[0]).toMatchObject({
      kind: 'assignment',
      model,
      version: '1',
      stage: 'production',
      by: 'alice',
      byEmail: 'alice@example.com',
      summary: `Promote ${model} 1 to production`
    })
    written(await registry.assign(model, '2', 'production', bob))

    const state = stand.snapshot(model)
    expect(state.aliases).toEqual({ production: '2', 'production-previous': '1' })
    const history = tagJson(state.tags, 'modelgate.history.production') as Array<
      Record<string, unknown>
    >
    expect(history.map(e => [e.kind, e.version, e.from, e.previous, e.by])).toEqual([
      ['assign', '2', '1', '1', 'bob'],
      ['assign', '1', null, null, 'alice']
    ])
    expect(history[0]?.reason).toBe('accuracy dropped in production')
    const audit = tagJson(state.versions['1']?.tags ?? {}, 'modelgate.promoted.production')
    expect(audit).toMatchObject({
      action: 'assign',
      version: '1',
      stage: 'production',
      actor: 'alice',
      record: prRecord(12)
    })
  })

  it('speaks REST 2.0 as MLflow expects: JSON bodies with Content-Type, versions as strings, no unknown fields', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand, { auth: { token: 'tok-123' } })
    const authed = await startMlflowStandIn({ auth: { token: 'tok-123' } })
    try {
      // Same checks against a stand-in that demands the token.
      const m2 = seedModel(authed)
      written(
        await registryOn(authed, { auth: { token: 'tok-123' } }).assign(m2, '1', 'staging', alice)
      )
      for (const request of authed.log) {
        expect(request.authorization).toBe('Bearer tok-123')
        // The only error: the pre-move check finding no alias yet (MLflow's 400).
        if (request.status !== 200) {
          expect([request.method, request.path, request.status]).toEqual([
            'GET',
            '/api/2.0/mlflow/registered-models/alias',
            400
          ])
        }
      }
    } finally {
      await authed.close()
    }
    written(await registry.assign(model, '3', 'staging', alice))
    for (const request of stand.log) {
      expect(request.path).toMatch(/^\/api\/2\.0\/mlflow\//)
      expect(request.unknownFields).toEqual([])
      if (request.method === 'GET') {
        expect(request.body).toBeUndefined()
      } else {
        expect(request.contentType).toBe('application/json')
        const body = request.body as Record<string, unknown>
        if ('version' in body) expect(typeof body.version).toBe('string')
      }
    }
  })

  it('writes nothing when the version already holds the stage', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    stand.resetLog()
    expect(await registry.assign(model, '2', 'production', alice)).toEqual({
      written: false,
      reason: 'already in stage'
    })
    expect(stand.writes()).toEqual([])
  })

  it('plans without writing on a dry run', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    const before = stand.snapshot(model)
    const result = await registry.assign(model, '1', 'production', alice, { dryRun: true })
    expect(result).toMatchObject({
      written: false,
      reason: 'dry run',
      planned: [{ kind: 'assignment', version: '1', stage: 'production', by: 'alice' }]
    })
    expect(stand.writes()).toEqual([])
    expect(stand.snapshot(model)).toEqual(before)
  })

  it('tags the replaced version archived when asked', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice, { archiveReplaced: true }))
    const state = stand.snapshot(model)
    expect(state.versions['1']?.tags.archived).toBe('true')
    expect(state.versions['2']?.tags.archived).toBeUndefined()
    const version1 = await registry.getVersion(model, '1')
    expect(version1?.active).toBe(false)
    // An archived version is not promoted again; a rollback restores it (below).
    const error = await rejection(registry.assign(model, '1', 'staging', alice))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toContain('archived')
    written(await registry.rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).versions['1']?.tags.archived).toBeUndefined()
    expect(stand.snapshot(model).aliases.production).toBe('1')
  })

  it('revalidates against the current holder before writing, and uses the audit it returns', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    const seen: RevalidateContext[] = []
    const replaced: AuditFacts = {
      actor: 'alice',
      reason: 're-evaluated',
      record: auditRecord({ decision: 'pass' })
    }
    const result = written(
      await registry.assign(model, '2', 'production', alice, {
        revalidate: context => {
          seen.push(context)
          return replaced
        }
      })
    )
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ model, stage: 'production', attempt: 1 })
    expect(seen[0]?.holder).toMatchObject({ version: '1', assignedBy: 'alice' })
    expect(result.events[0]?.audit).toMatchObject({
      reason: 're-evaluated',
      record: auditRecord({ decision: 'pass' })
    })

    stand.resetLog()
    await expect(
      registry.assign(model, '3', 'production', alice, {
        revalidate: () => {
          throw new InvalidInputError('gates fail against the new champion')
        }
      })
    ).rejects.toThrow('gates fail against the new champion')
    expect(stand.writes()).toEqual([])
  })

  it('refuses versions that are missing (exit 3) or not READY', async () => {
    const model = seedModel(stand, 1)
    stand.createVersion(model, { status: 'PENDING_REGISTRATION' })
    const registry = registryOn(stand)
    const missing = await rejection(registry.assign(model, '9', 'production', alice))
    expect(missing.exitCode).toBe(ExitCode.NotFound)
    expect(missing.message).toContain('Version 9')
    const pending = await rejection(registry.assign(model, '2', 'production', alice))
    expect(pending).toBeInstanceOf(InvalidInputError)
    expect(pending.message).toContain('PENDING_REGISTRATION')
    await expect(registry.assign(model, 'v1', 'production', alice)).rejects.toThrow('whole numbers')
    await expect(registry.assign(model, '1', 'latest', alice)).rejects.toThrow('reserved')
    await expect(registry.assign(model, '1', 'production', { actor: ' ' })).rejects.toThrow('actor')
    expect(stand.writes()).toEqual([])
  })

  it('maps stages to other aliases and back', async () => {
    const model = seedModel(stand)
    const aliasForStage = (stage: string) => (stage === 'production' ? 'champion' : stage)
    const registry = registryOn(stand, { aliasForStage, stages: ['staging', 'production'] })
    written(await registry.assign(model, '1', 'production', alice))
    expect(stand.snapshot(model).aliases).toEqual({ champion: '1' })
    expect((await registry.getStage(model, 'production'))?.version).toBe('1')
    const [status] = await registry.status(model)
    expect(status?.stages.map(s => [s.stage, s.version])).toEqual([['production', '1']])
  })

  it('keeps every tag value under the limit: a huge record is summarised, the history trimmed oldest first', async () => {
    const model = seedModel(stand, 2)
    const registry = registryOn(stand)
    const huge = auditRecord({
      reason: 'x'.repeat(20_000),
      pullRequest: { number: 7, approvers: [] }
    })
    for (let i = 0; i < 40; i++) {
      written(
        await registry.assign(model, i % 2 === 0 ? '1' : '2', 'production', {
          actor: 'alice',
          reason: 'r'.repeat(1_000),
          record: huge
        })
      )
    }
    const state = stand.snapshot(model)
    const historyValue = state.tags['modelgate.history.production'] ?? ''
    expect(Buffer.byteLength(historyValue)).toBeLessThanOrEqual(5000)
    const history = JSON.parse(historyValue) as Array<{ version: string }>
    expect(history.length).toBeGreaterThan(5)
    expect(history[0]?.version).toBe('2')
    const audit = state.versions['2']?.tags['modelgate.promoted.production'] ?? ''
    expect(Buffer.byteLength(audit)).toBeLessThanOrEqual(5000)
    expect(JSON.parse(audit)).toMatchObject({
      record: { truncated: true, keys: Object.keys(huge) }
    })
  })
})

describe('rollback', () => {
  it('restores <alias>-previous, needing nothing but the registry, and never flips back', async () => {
    const model = seedModel(stand)
    written(await registryOn(stand).assign(model, '1', 'production', alice))
    written(await registryOn(stand).assign(model, '2', 'production', alice))
    written(await registryOn(stand).assign(model, '3', 'production', alice))

    // A different registry object: another runner, days later.
    const later = registryOn(stand)
    const result = written(await later.rollback(model, 'production', undefined, bob))
    expect(result.events[0]).toMatchObject({
      kind: 'assignment',
      version: '2',
      stage: 'production',
      summary: `Roll back ${model} production to 2 (from 3)`,
      audit: { action: 'rollback', from: '3', reason: bob.reason }
    })
    expect(stand.snapshot(model).aliases).toEqual({ production: '2', 'production-previous': '1' })
    expect(
      tagJson(stand.snapshot(model).versions['2']?.tags ?? {}, 'modelgate.promoted.production')
    ).toMatchObject({ action: 'rollback', from: '3', actor: 'bob' })

    // Rolling back again goes one step further back, never to 3 (rolled back out).
    written(await later.rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).aliases).toEqual({ production: '1' })
    const error = await rejection(later.rollback(model, 'production', undefined, bob))
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toContain('name the version')
  })

  it('rolls back to a named version; a re-run writes nothing', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '3', 'production', alice))
    written(await registry.rollback(model, 'production', '1', bob))
    expect(stand.snapshot(model).aliases.production).toBe('1')
    stand.resetLog()
    expect(await registry.rollback(model, 'production', '1', bob)).toEqual({
      written: false,
      reason: 'already in stage'
    })
    expect(stand.writes()).toEqual([])
  })

  it('uses <alias>-previous set outside ModelGate', async () => {
    const model = seedModel(stand)
    stand.setAlias(model, 'production', '2')
    stand.setAlias(model, 'production-previous', '1')
    written(await registryOn(stand).rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).aliases).toEqual({ production: '1' })
  })

  it('fails with exit 3 when the stage is empty or the model is missing', async () => {
    const model = seedModel(stand)
    const empty = await rejection(registryOn(stand).rollback(model, 'production', undefined, bob))
    expect(empty.exitCode).toBe(ExitCode.NotFound)
    expect(empty.message).toContain('nothing to roll back')
    const missing = await rejection(registryOn(stand).rollback('ghost', 'production', '1', bob))
    expect(missing.exitCode).toBe(ExitCode.NotFound)
    expect(missing.message).toContain('"ghost"')
  })
})

describe('unassign', () => {
  it('deletes the alias and keeps the version as the rollback target', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'staging', alice))
    expect(await registry.unassign(model, '2', 'staging', alice)).toEqual({
      written: false,
      reason: 'not in stage'
    })
    const result = written(await registry.unassign(model, '1', 'staging', alice))
    expect(result.events[0]).toMatchObject({ kind: 'unassignment', version: '1', stage: 'staging' })
    expect(stand.snapshot(model).aliases).toEqual({ 'staging-previous': '1' })
    expect(await registry.getStage(model, 'staging')).toBeUndefined()
  })
})

describe('status, history, getVersion', () => {
  it('lists each stage with when and by, from the tags, in two calls per model', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'staging', alice))
    written(await registry.assign(model, '2', 'production', bob))
    stand.resetLog()
    const [status] = await registry.status(model)
    // The model, and one version search that says which holders still exist.
    expect(stand.count()).toBe(2)
    expect(status).toMatchObject({ model, deprecated: false })
    expect(status?.stages.map(s => [s.stage, s.version, s.assignedBy])).toEqual([
      ['production', '2', 'bob'],
      ['staging', '1', 'alice']
    ])
    expect(await registry.status('ghost')).toEqual([])
  })

  it('lists every model when none is named', async () => {
    const model = seedModel(stand)
    written(await registryOn(stand).assign(model, '1', 'staging', alice))
    const all = await registryOn(stand).status()
    expect(all.map(s => s.model)).toContain(model)
    expect(all.map(s => s.model)).toEqual([...all.map(s => s.model)].sort())
  })

  it('gives history newest first: stage events from the tags and registrations', async () => {
    let clock = Date.now() + 60_000
    const now = () => (clock += 1000)
    const model = seedModel(stand, 2)
    const registry = registryOn(stand, { now })
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    written(await registry.rollback(model, 'production', undefined, bob))
    const history = await registry.history(model)
    expect(history.map(e => [e.kind, e.version, e.stage])).toEqual([
      ['assignment', '1', 'production'],
      ['assignment', '2', 'production'],
      ['assignment', '1', 'production'],
      ['registration', '2', undefined],
      ['registration', '1', undefined]
    ])
    expect(history[0]?.audit).toMatchObject({ rollback: { from: '2', to: '1' } })
    expect(await registry.history('ghost')).toEqual([])
  })

  it('records since when a version holds a stage; an alias set outside ModelGate has no known date', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand, { now: () => Date.parse('2026-01-02T03:04:05Z') })
    written(await registry.assign(model, '1', 'staging', alice))
    stand.setAlias(model, 'canary', '1')
    const record = await registry.getVersion(model, '1')
    expect(record).toMatchObject({
      model,
      version: '1',
      registeredBy: 'trainer',
      active: true,
      ref: expect.stringMatching(/^run/)
    })
    expect(record?.stages.map(s => s.stage)).toEqual(['canary', 'staging'])
    expect(record?.stages[1]?.since.toISOString()).toBe('2026-01-02T03:04:05.000Z')
    // Fails closed: the soak gate cannot count days from an unknown date.
    expect(record?.stages[0]?.since.getTime()).toBeNaN()
    expect(await registry.getVersion(model, '99')).toBeUndefined()
  })
})

describe('register', () => {
  it('confirms an existing registration and refuses to invent version numbers', async () => {
    const model = seedModel(stand, 1)
    const registry = registryOn(stand)
    const version = await registry.getVersion(model, '1')
    expect(await registry.register(model, '1', version?.ref ?? '', alice)).toEqual({
      written: false,
      reason: 'already registered'
    })
    await expect(registry.register(model, '1', 'other-run', alice)).rejects.toThrow(
      'registered from run'
    )
    await expect(registry.register(model, '2', 'run', alice)).rejects.toThrow(
      'MLflow numbers versions itself'
    )
  })
})
