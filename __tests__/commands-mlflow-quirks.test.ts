// What a real MLflow 2.7.1 server did that the first stand-in did not (issue 11, items 1, 3, 4,
// 5): each through the CLI commands, against the stand-in that now behaves that way.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { SIGNATURE_TAG, alice, registryOn, written } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
signature:
  inputs: '[{"name": "age", "type": "long", "required": true}, {"name": "income", "type": "double", "required": true}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'
`

describe('MLflow 2.7.1 quirks, through the commands', () => {
  let stand: MlflowStandIn
  let scratch: string
  let models = 0
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-quirks-'))
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  /** A model with versions from runs (runs:/ sources, signature in the run's MLmodel) and a policy. */
  async function setUp(
    metrics: Array<Record<string, number>>,
    stages = 'production:\n    from: [candidate]\n    thresholds:\n      roc_auc: { min: 0.8 }\n'
  ): Promise<{ model: string; policy: string }> {
    const model = `quirk-${++models}`
    stand.createModel(model)
    for (const m of metrics) {
      const runId = stand.createRun({ metrics: m })
      stand.createVersion(model, { runId, source: `runs:/${runId}/model`, mlmodel: MLMODEL })
    }
    const policy = path.join(scratch, `${model}.yml`)
    await writeFile(
      policy,
      `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nmetrics:\n  roc_auc: { goal: maximize }\nstages:\n  ${stages}`
    )
    return { model, policy }
  }

  it('item 1: a metric logged as Infinity (clamped to DBL_MAX by the store) fails its threshold, named', async () => {
    const { model, policy } = await setUp([{ roc_auc: Infinity }])
    const run = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '1',
      '--policy',
      policy,
      '--dry-run'
    )
    expect(run.exitCode).toBe(2)
    expect(run.stdout).not.toMatch(/roc_auc[^\n]*✅/)
    expect(run.stdout).toMatch(/roc_auc[^\n]*infinite/)
  })

  it('item 3: status shows a stage whose alias points at a deleted version as dangling', async () => {
    const { model, policy } = await setUp([{ roc_auc: 0.9 }, { roc_auc: 0.91 }])
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    stand.setAlias(model, 'staging', '2') // set outside ModelGate
    stand.deleteVersion(model, '2')
    const run = await cli('status', model, '--policy', policy)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/\| production \| 1 \|/)
    expect(run.stdout).toMatch(/\| staging \| 2 \(deleted: dangling alias\) \|/)
    const json = JSON.parse((await cli('status', model, '--policy', policy, '--json')).stdout)
    expect(json[0].stages).toEqual([
      expect.objectContaining({ stage: 'production', version: '1' }),
      expect.objectContaining({ stage: 'staging', version: '2', dangling: true })
    ])
  })

  it('item 3: rollback skips a deleted version and restores the next earlier holder that exists', async () => {
    const { model, policy } = await setUp([{ roc_auc: 0.9 }, { roc_auc: 0.91 }, { roc_auc: 0.92 }])
    const registry = registryOn(stand)
    for (const version of ['1', '2', '3']) {
      written(await registry.assign(model, version, 'production', alice))
    }
    stand.deleteVersion(model, '2')
    const run = await cli(
      'rollback',
      model,
      '--stage',
      'production',
      '--reason',
      'drift',
      '--policy',
      policy
    )
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('production is back on **1** (was 3)')
    expect(stand.snapshot(model).aliases.production).toBe('1')
  })

  it('item 4: the signature of a runs:/ version is read through its run', async () => {
    const { model, policy } = await setUp(
      [{ roc_auc: 0.9 }, { roc_auc: 0.91 }],
      'production:\n    from: [candidate]\n    schema: { compatibility: exact }\n'
    )
    written(await registryOn(stand).assign(model, '1', 'production', alice))
    const run = await cli(
      'check',
      '--policy',
      policy,
      '--stage',
      'production',
      '--candidate',
      `mlflow:${model}/2`,
      '--champion',
      `mlflow:${model}@production`
    )
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/same signature as champion/)
    expect(run.stdout).not.toContain('no MLmodel signature or schema.json')
  })

  it('item 4: a registry version without a signature is named as one, not as a directory', async () => {
    const model = `quirk-${++models}`
    stand.createModel(model)
    for (let i = 0; i < 2; i++) {
      const runId = stand.createRun({ metrics: { roc_auc: 0.9 } })
      stand.createVersion(model, {
        runId,
        source: `runs:/${runId}/model`,
        ...(i === 0 ? { tags: { 'modelgate.signature': SIGNATURE_TAG } } : {})
      })
    }
    const loaded = await registryOn(stand).loadVersion(model, '2')
    expect(loaded.signature).toBeUndefined()
    expect(loaded.notes?.join('\n')).toMatch(
      new RegExp(`${model} 2: no signature found .*MLmodel in its run`)
    )
  })

  it("item 5: an alias set by hand after ModelGate's entry has no known date; the days gate fails closed", async () => {
    const { model, policy } = await setUp(
      [{ roc_auc: 0.9 }, { roc_auc: 0.91 }, { roc_auc: 0.92 }],
      'staging:\n    from: [candidate]\n  production:\n    from: [staging]\n    min_days_in_source_stage: 1\n'
    )
    const old = registryOn(stand, { now: () => Date.parse('2026-01-01T00:00:00Z') })
    written(await old.assign(model, '1', 'staging', alice))
    written(await old.assign(model, '2', 'staging', alice))
    // By hand: staging back on 1 (the newest entry names 2), then 3 (named by no entry).
    stand.setAlias(model, 'staging', '1')
    const status = await cli('status', model, '--policy', policy)
    expect(status.exitCode).toBe(0)
    expect(status.stdout).toMatch(
      /\| staging \| 1 \| unknown \| unknown \(set outside ModelGate\) \|/
    )
    const promote = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '1',
      '--policy',
      policy,
      '--dry-run'
    )
    expect(promote.exitCode).toBe(2)
    expect(promote.stdout).toMatch(/Days in source stage[^\n]*no record of when/)

    stand.setAlias(model, 'staging', '3')
    const other = await cli('status', model, '--policy', policy)
    expect(other.stdout).toMatch(
      /\| staging \| 3 \| unknown \| unknown \(set outside ModelGate\) \|/
    )
  })
})
