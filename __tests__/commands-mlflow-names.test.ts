// One model-name rule for every command (issue 11, item 6): `team/churn` is a name for
// `check --candidate mlflow:…` as for `promote`; `%2F` escapes a `/`; a name MLflow accepts
// but ModelGate does not (spaces) is refused the same way everywhere, saying why.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { parseMlflowReference } from '../src/registry/mlflow/reference.js'
import { SIGNATURE_TAG, alice, registryOn, written } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

describe('model names on MLflow', () => {
  let stand: MlflowStandIn
  let scratch: string
  let policy: string
  const model = 'team/churn'
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-names-'))
    stand.createModel(model)
    stand.createModel('fraud detector')
    for (const accuracy of [0.91, 0.92]) {
      const runId = stand.createRun({ metrics: { accuracy } })
      stand.createVersion(model, {
        runId,
        source: `runs:/${runId}/model`,
        tags: { 'modelgate.signature': SIGNATURE_TAG }
      })
    }
    written(await registryOn(stand).assign(model, '1', 'production', alice))
    policy = path.join(scratch, 'policy.yml')
    await writeFile(
      policy,
      `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nmetrics:\n  accuracy: { goal: maximize }\nstages:\n  production:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.9 }\n`
    )
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  it.each([`mlflow:${model}/2`, 'mlflow:team%2Fchurn/2', 'mlflow:team%2fchurn/2'])(
    'check reads %s as version 2 of team/churn',
    async candidate => {
      const run = await cli(
        'check',
        '--policy',
        policy,
        '--stage',
        'production',
        '--candidate',
        candidate,
        '--champion',
        `mlflow:${model}@production`
      )
      expect(run.stderr).toBe('')
      expect(run.stdout).toMatch(/\| accuracy \| 0\.91 \| 0\.92 \|/)
    }
  )

  it('parses references by the last / or @, and refuses what the name rule refuses', () => {
    expect(parseMlflowReference('mlflow:a/b/c/12')).toEqual({ name: 'a/b/c', version: '12' })
    expect(parseMlflowReference('mlflow:a/b@prod-1')).toEqual({ name: 'a/b', alias: 'prod-1' })
    expect(() => parseMlflowReference('mlflow:team/churn')).toThrow(
      /version "churn" is not a number/
    )
    expect(() => parseMlflowReference('mlflow:fraud%20detector/1')).toThrow(/ModelGate's own limit/)
    expect(() => parseMlflowReference('mlflow:bad%2/1')).toThrow(/broken %-escape/)
  })

  it.each([
    ['promote', 'fraud detector', '--to', 'production', '--version', '1'],
    ['status', 'fraud detector'],
    ['history', 'fraud detector'],
    ['rollback', 'fraud detector', '--stage', 'production', '--reason', 'x'],
    ['register', 'fraud detector', '--version', '1']
  ])('%s refuses a name MLflow accepts but ModelGate does not, saying why', async (...args) => {
    const run = await cli(...args, '--policy', policy)
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain(`model name "fraud detector" must be letters, digits`)
    expect(run.stderr).toContain("ModelGate's own limit")
  })
})
