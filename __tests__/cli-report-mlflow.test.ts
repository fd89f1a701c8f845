// `modelgate report` on the MLflow registry (issue 16, "Also"), through the CLI in process
// against the MLflow stand-in: the report reads only the Registry port, so a promotion by
// ModelGate is listed, and an alias set outside ModelGate (MLflow keeps no history or time of
// it) is listed as a change not made by ModelGate, exit 1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

describe('modelgate report on MLflow', () => {
  let stand: MlflowStandIn
  let scratch: string
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-report-mlflow-'))
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  it('lists a promotion, and an alias set by hand with its time unknown (exit 1)', async () => {
    const model = 'report-churn'
    stand.createModel(model)
    for (const roc of [0.9, 0.91]) {
      const runId = stand.createRun({ metrics: { roc_auc: roc } })
      stand.createVersion(model, { runId, source: `runs:/${runId}/model` })
    }
    const policy = path.join(scratch, `${model}.yml`)
    await writeFile(
      policy,
      `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nmetrics:\n  roc_auc: { goal: maximize }\nstages:\n  production:\n    from: [candidate]\n    thresholds:\n      roc_auc: { min: 0.8 }\n`
    )
    const promoted = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '1',
      '--policy',
      policy
    )
    expect(promoted.exitCode).toBe(0)

    const clean = await cli(
      'report',
      model,
      '--since',
      '2000-01-01',
      '--policy',
      policy,
      '--format',
      'md'
    )
    expect(clean.stderr).toBe('')
    expect(clean.exitCode).toBe(0)
    expect(clean.stdout).toContain('### Changes not made by ModelGate: none')
    expect(clean.stdout).toContain('### Promotions: 1 (0 forced)')
    expect(clean.stdout).toMatch(/\| report-churn \| 1 \| candidate → production \|/)

    stand.setAlias(model, 'staging', '2') // set outside ModelGate
    const run = await cli('report', model, '--since', '2000-01-01', '--policy', policy, '--json')
    expect(run.exitCode).toBe(1)
    const json = JSON.parse(run.stdout) as { changesNotByModelGate: unknown[] }
    expect(json.changesNotByModelGate).toEqual([
      expect.objectContaining({ kind: 'holder', stage: 'staging', version: '2', at: null })
    ])
  })
})
