import { ExitCode, InvalidInputError } from '../src/errors.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  SIGNATURE_TAG,
  alice,
  registryOn,
  rejection,
  seedModel,
  useMlflowStandIn,
  written
} from './helpers/mlflow-fixtures.js'

let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started))

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
signature:
  inputs: '[{"name": "age", "type": "long", "required": true}]'
  outputs: '[{"type": "double", "required": true}]'
`

describe('loadVersion', () => {
  it('reads metrics from the run (latest value of each) and the signature from the version tag', async () => {
    const model = seedModel(stand, 2)
    const candidate = await registryOn(stand).loadVersion(model, '2')
    expect(candidate.dir).toBe(`models:/${model}/2`)
    expect(candidate.metrics).toEqual({ accuracy: 0.82, roc_auc: 0.87 })
    expect(candidate.invalidMetrics).toEqual({})
    expect(candidate.signature).toEqual({
      source: 'tag:modelgate.signature',
      inputs: [
        { name: 'age', type: 'long', required: true },
        { name: 'income', type: 'double', required: true }
      ],
      outputs: [{ name: '#0', type: 'tensor:float64[-1]', required: true }]
    })
    expect(candidate.files).toEqual([])
    expect(candidate.totalBytes).toBe(0)
    expect(candidate.info).toMatchObject({ version: '2', owner: 'trainer' })
    expect(candidate.info?.run_id).toMatch(/^run/)
    expect(candidate.notes?.join('\n')).toContain('artifact rules cannot pass')
    // One call for the version, one for its run.
    expect(stand.log.map(r => r.path)).toEqual([
      '/api/2.0/mlflow/model-versions/get',
      '/api/2.0/mlflow/runs/get'
    ])
  })

  it('marks metrics MLflow stores as NaN or infinite (clamped to ±DBL_MAX) as invalid', async () => {
    stand.createModel('nan-model')
    const runId = stand.createRun({
      metrics: { ok: 1, bad: Number.NaN, huge: Infinity, tiny: -Infinity, big: 1e300 }
    })
    stand.createVersion('nan-model', { runId })
    const candidate = await registryOn(stand).loadVersion('nan-model', '1')
    expect(candidate.metrics).toEqual({ ok: 1, big: 1e300 })
    expect(candidate.invalidMetrics).toEqual({
      bad: 'is NaN',
      huge: expect.stringMatching(/^is infinite \(1\.7976931348623157e\+308 = DBL_MAX/),
      tiny: expect.stringMatching(/^is infinite \(-1\.7976931348623157e\+308 = DBL_MAX/)
    })
  })

  it("falls back to older MLflow's mlflow.log-model.history run tag", async () => {
    stand.createModel('history-model')
    const runId = stand.createRun({
      metrics: { accuracy: 0.9 },
      tags: {
        'mlflow.log-model.history': JSON.stringify([
          { artifact_path: 'other', signature: { inputs: '[{"name": "x", "type": "string"}]' } },
          {
            artifact_path: 'model',
            signature: {
              inputs: '[{"name": "age", "type": "long"}]',
              outputs: '[{"type": "double"}]'
            }
          }
        ])
      }
    })
    stand.createVersion('history-model', { runId, source: `runs:/${runId}/model` })
    const candidate = await registryOn(stand).loadVersion('history-model', '1')
    expect(candidate.signature?.source).toBe('run:mlflow.log-model.history')
    expect(candidate.signature?.inputs).toEqual([{ name: 'age', type: 'long', required: true }])
  })

  it('falls back to the MLmodel the server serves, and says so when there is none', async () => {
    stand.createModel('mlmodel-model')
    const runId = stand.createRun({ metrics: { accuracy: 0.9 } })
    stand.createVersion('mlmodel-model', { runId, mlmodel: MLMODEL })
    stand.createVersion('mlmodel-model', { runId })
    const registry = registryOn(stand)
    const withFile = await registry.loadVersion('mlmodel-model', '1')
    expect(withFile.signature).toMatchObject({
      source: 'MLmodel',
      inputs: [{ name: 'age', type: 'long', required: true }]
    })
    const artifact = stand.log.find(r => r.path === '/model-versions/get-artifact')
    expect(artifact?.query).toEqual({ name: 'mlmodel-model', version: '1', path: 'MLmodel' })
    const without = await registry.loadVersion('mlmodel-model', '2')
    expect(without.signature).toBeUndefined()
    expect(without.notes?.join('\n')).toContain('no signature found')
    // Off: no extra call.
    stand.resetLog()
    await registryOn(stand, { readMlmodel: false }).loadVersion('mlmodel-model', '2')
    expect(stand.log.some(r => r.path === '/model-versions/get-artifact')).toBe(false)
  })

  it('a version without a run has no metrics (gates fail closed), and says why', async () => {
    stand.createModel('no-run-model')
    stand.createVersion('no-run-model', { tags: { 'modelgate.signature': SIGNATURE_TAG } })
    const candidate = await registryOn(stand).loadVersion('no-run-model', '1')
    expect(candidate.metrics).toEqual({})
    expect(candidate.notes?.join('\n')).toContain('has no run')
  })

  it('a signature tag that is not a signature is an error naming the tag', async () => {
    stand.createModel('bad-sig-model')
    stand.createVersion('bad-sig-model', { tags: { 'modelgate.signature': '"just text"' } })
    const error = await rejection(registryOn(stand).loadVersion('bad-sig-model', '1'))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toContain('modelgate.signature')
  })

  it('a missing version or run is exit 3', async () => {
    const model = seedModel(stand, 1)
    const missing = await rejection(registryOn(stand).loadVersion(model, '7'))
    expect(missing.exitCode).toBe(ExitCode.NotFound)
    expect(missing.message).toContain(`Version 7 of the registered model "${model}"`)
    stand.createVersion(model, { runId: 'purged0000000000000000000000000' })
    const run = await rejection(registryOn(stand).loadVersion(model, '2'))
    expect(run.exitCode).toBe(ExitCode.NotFound)
    expect(run.message).toContain('Run purged')
  })

  it('a check (champion by alias, candidate and champion loaded) takes at most 5 REST calls', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    stand.resetLog()
    const champion = await registry.getStage(model, 'production')
    await registry.loadVersion(model, '2')
    await registry.loadVersion(model, champion?.version ?? '')
    expect(stand.count()).toBeLessThanOrEqual(5)
  })
})
