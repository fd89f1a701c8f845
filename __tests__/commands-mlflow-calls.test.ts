// REST calls of whole commands against the MLflow stand-in (issue 11, "count whole commands"):
// each object is read once per command (read-view.ts), whatever the aliases.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runCli } from '../src/cli/run.js'
import { SIGNATURE_TAG, alice, registryOn, written } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

describe('REST calls of whole commands on MLflow', () => {
  let stand: MlflowStandIn
  let scratch: string
  let policy: string
  const model = 'counted-model'
  const run = async (...args: string[]) => {
    stand.resetLog()
    let stderr = ''
    const code = await runCli([...args, '--policy', policy], {
      stdout: () => undefined,
      stderr: text => (stderr += text)
    })
    expect(stderr).toBe('')
    return { code, calls: stand.count(), paths: stand.log.map(r => `${r.method} ${r.path}`) }
  }
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-calls-'))
    stand.createModel(model)
    for (let i = 1; i <= 4; i++) {
      const runId = stand.createRun({ metrics: { accuracy: 0.8 + i / 100 } })
      stand.createVersion(model, {
        runId,
        source: `runs:/${runId}/model`,
        tags: { 'modelgate.signature': SIGNATURE_TAG }
      })
    }
    written(await registryOn(stand).assign(model, '1', 'production', alice))
    // Aliases ModelGate did not set: no extra call each.
    for (const [alias, version] of [
      ['staging', '3'],
      ['canary', '2'],
      ['shadow', '4']
    ]) {
      stand.setAlias(model, alias as string, version as string)
    }
    policy = path.join(scratch, 'policy.yml')
    await writeFile(
      policy,
      `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nmetrics:\n  accuracy: { goal: maximize }\nstages:\n  production:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.8 }\n    regression:\n      accuracy: { max_drop: 0.01 }\n`
    )
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  it('check ≤ 5, promote replacing a holder ≤ 10, rollback ≤ 8, status ≤ 2', async () => {
    const check = await run(
      'check',
      '--stage',
      'production',
      '--candidate',
      `mlflow:${model}/2`,
      '--champion',
      `mlflow:${model}@production`
    )
    expect(check.calls).toBeLessThanOrEqual(5)
    const promote = await run('promote', model, '--to', 'production', '--version', '2')
    expect(promote.code).toBe(0)
    expect(promote.calls).toBeLessThanOrEqual(10)
    // Each object once (one version search, one run each), and the model twice: its view, then
    // the check before the history and the alias that the stage and its history are as read.
    expect(promote.paths.filter(p => p.endsWith('/registered-models/get'))).toHaveLength(2)
    expect(
      promote.paths.filter(p => p === 'GET /api/2.0/mlflow/registered-models/alias')
    ).toHaveLength(0)
    expect(promote.paths.filter(p => p.endsWith('/model-versions/get'))).toHaveLength(0)
    const rollback = await run('rollback', model, '--stage', 'production', '--reason', 'drift')
    expect(rollback.code).toBe(0)
    // 2 reads, the check, 3 tags (history, record, removal mark) and 2 aliases: the restored
    // version's audit tag is left out, its facts are the history entry's (mlflow-rollback-read).
    expect(rollback.calls).toBeLessThanOrEqual(8)
    expect(rollback.paths.filter(p => p.endsWith('/model-versions/set-tag'))).toHaveLength(2)
    const status = await run('status', model)
    expect(status.calls).toBeLessThanOrEqual(2)
  })
})
