/** Unity Catalog and legacy-stage modes of the MLflow adapter, through the stand-in. */
import { InvalidInputError } from '../src/errors.js'
import { createMlflowRegistry } from '../src/registry/mlflow/index.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  alice,
  bob,
  registryOn,
  seedLegacyModel,
  seedUcModel,
  useMlflowStandIn,
  written
} from './helpers/mlflow-fixtures.js'
import { auditRecord } from './helpers/audit-records.js'

const TOKEN = 'dapi-test-token'
let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started), { auth: { token: TOKEN } })

const ucModel = (versions = 3) => seedUcModel(stand, { schema: 'ml', versions, signed: true })
const legacyModel = (versions = 3) => seedLegacyModel(stand, versions)

describe('Unity Catalog', () => {
  const uc = () => registryOn(stand, { unityCatalog: true, auth: { token: TOKEN } })

  it('promotes and rolls back through /api/2.0/mlflow/unity-catalog/..., with UC-safe tag keys', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice, { archiveReplaced: true }))
    for (const request of stand.log) {
      expect(request.path).toMatch(/^\/api\/2\.0\/mlflow\/unity-catalog\//)
      expect(request.authorization).toBe(`Bearer ${TOKEN}`)
      expect(request.unknownFields).toEqual([])
    }
    const state = stand.snapshot(model)
    expect(state.aliases).toEqual({ production: '2', 'production-previous': '1' })
    expect(Object.keys(state.tags)).toEqual(['modelgate_history_production'])
    expect(Object.keys(state.versions['2']?.tags ?? {}).sort()).toEqual([
      'modelgate_promoted_production',
      'modelgate_signature'
    ])
    expect(state.versions['1']?.tags.archived).toBe('true')

    expect((await registry.getStage(model, 'production'))?.version).toBe('2')
    const [status] = await registry.status(model)
    expect(status?.stages.map(s => [s.stage, s.version, s.assignedBy])).toEqual([
      ['production', '2', 'alice']
    ])
    written(await registry.rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).aliases).toEqual({ production: '1' })
    const history = await registry.history(model)
    expect(history.filter(e => e.kind === 'assignment').map(e => e.version)).toEqual([
      '1',
      '2',
      '1'
    ])
  })

  it('reads metrics from the run and the signature from modelgate_signature', async () => {
    const model = ucModel(1)
    stand.resetLog()
    const candidate = await uc().loadVersion(model, '1')
    expect(candidate.metrics).toEqual({ accuracy: 0.81 })
    expect(candidate.signature?.source).toBe('tag:modelgate_signature')
    expect(stand.log.map(r => r.path)).toEqual([
      '/api/2.0/mlflow/unity-catalog/model-versions/get',
      '/api/2.0/mlflow/runs/get'
    ])
  })

  it('keeps tag values under UC’s 1,000-character limit and keys free of . - = / :', async () => {
    const model = ucModel(2)
    const registry = registryOn(stand, {
      unityCatalog: true,
      auth: { token: TOKEN },
      aliasForStage: stage => `pre-${stage}`
    })
    for (let i = 0; i < 12; i++) {
      written(
        await registry.assign(model, i % 2 === 0 ? '1' : '2', 'prod', {
          actor: 'alice',
          reason: 'why '.repeat(300),
          record: auditRecord({ reason: 'e'.repeat(3000) })
        })
      )
    }
    const state = stand.snapshot(model)
    for (const [key, value] of [
      ...Object.entries(state.tags),
      ...Object.entries(state.versions['2']?.tags ?? {})
    ]) {
      expect(key).not.toMatch(/[.,\-=/:]/)
      expect(value.length).toBeLessThanOrEqual(1000)
    }
    expect(state.aliases).toEqual({ 'pre-prod': '2', 'pre-prod-previous': '1' })
  })

  it('is chosen for Databricks hosts, takes three-level names and a token only', () => {
    const fetch = globalThis.fetch
    expect(
      createMlflowRegistry({ trackingUri: 'https://adb-1.2.azuredatabricks.net', fetch })
        .unityCatalog
    ).toBe(true)
    expect(
      createMlflowRegistry({
        trackingUri: 'https://dbc-1.cloud.databricks.com',
        fetch,
        unityCatalog: false
      }).unityCatalog
    ).toBe(false)
    expect(
      createMlflowRegistry({ trackingUri: 'http://mlflow.internal:5000', fetch }).unityCatalog
    ).toBe(false)
    expect(() =>
      createMlflowRegistry({
        trackingUri: 'https://dbc-1.cloud.databricks.com',
        fetch,
        auth: { username: 'u', password: 'p' }
      })
    ).toThrow(InvalidInputError)
    expect(() =>
      createMlflowRegistry({
        trackingUri: 'https://dbc-1.cloud.databricks.com',
        fetch,
        legacyStages: true
      })
    ).toThrow('no stages')
  })

  it('refuses a two-level name before asking the server', async () => {
    await expect(uc().getStage('ml.churn', 'production')).rejects.toThrow('catalog.schema.model')
    expect(stand.count()).toBe(0)
  })
})

describe('legacy stages', () => {
  const legacy = () => registryOn(stand, { legacyStages: true, auth: { token: TOKEN } })

  it('promotes with transition-stage, takes the replaced version out, and rolls back from the history', async () => {
    const model = legacyModel()
    const registry = legacy()
    written(await registry.assign(model, '2', 'production', alice))
    written(await registry.assign(model, '1', 'production', alice, { archiveReplaced: true }))
    const transitions = stand.log
      .filter(r => r.path.endsWith('/transition-stage'))
      .map(r => r.body as Record<string, unknown>)
    expect(transitions).toEqual([
      { name: model, version: '2', stage: 'Production', archive_existing_versions: false },
      { name: model, version: '1', stage: 'Production', archive_existing_versions: false },
      { name: model, version: '2', stage: 'Archived', archive_existing_versions: false }
    ])
    const state = stand.snapshot(model)
    expect(state.versions['1']?.stage).toBe('Production')
    expect(state.versions['2']?.stage).toBe('Archived')
    expect(state.aliases).toEqual({})
    expect((await registry.getStage(model, 'production'))?.version).toBe('1')
    expect((await registry.getVersion(model, '1'))?.stages.map(s => s.stage)).toEqual([
      'production'
    ])

    written(await registry.rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).versions['2']?.stage).toBe('Production')
    expect(stand.snapshot(model).versions['1']?.stage).toBe('None')
    const [status] = await registry.status(model)
    expect(status?.stages.map(s => [s.stage, s.version, s.assignedBy])).toEqual([
      ['production', '2', 'bob']
    ])
    stand.resetLog()
    expect(await registry.rollback(model, 'production', '2', bob)).toEqual({
      written: false,
      reason: 'already in stage'
    })
    expect(stand.writes()).toEqual([])
  })

  it('takes only Staging and Production', async () => {
    const model = legacyModel(1)
    await expect(legacy().assign(model, '1', 'canary', alice)).rejects.toThrow(
      'only Staging and Production'
    )
  })
})
