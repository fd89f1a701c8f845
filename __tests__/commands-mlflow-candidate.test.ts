// A candidate directory on an MLflow registry (issue 10, item 1): accepted for a version only
// when its content digest is the one the version is tagged with; else refused (exit 2).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { candidateDigest } from '../src/candidate/digest.js'
import { walkAndHash } from '../src/candidate/load.js'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

describe('a candidate directory on an MLflow registry', () => {
  let stand: MlflowStandIn
  let scratch: string
  let policy: string
  let dir: string
  const model = 'bound-model'
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-bound-'))
    dir = path.join(scratch, 'candidate')
    await mkdir(dir)
    await writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ accuracy: 0.91 }))
    await writeFile(path.join(dir, 'model.pkl'), 'weights')
    const digest = candidateDigest((await walkAndHash(dir)).files)
    stand.createModel(model)
    const tagSets: Array<Record<string, string>> = [
      { 'modelgate.candidate_digest': digest },
      {},
      { 'modelgate.candidate_digest': `sha256:${'0'.repeat(64)}` }
    ]
    for (const tags of tagSets) {
      const runId = stand.createRun({ metrics: { accuracy: 0.91 } })
      stand.createVersion(model, { runId, source: `runs:/${runId}/model`, tags })
    }
    policy = path.join(scratch, 'policy.yml')
    await writeFile(
      policy,
      `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nstages:\n  production:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.9 }\n`
    )
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  const promote = (version: string) =>
    cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      version,
      '--candidate',
      dir,
      '--policy',
      policy,
      '--dry-run'
    )

  it('accepts the directory whose digest the version is tagged with', async () => {
    const run = await promote('1')
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('Dry run: would promote 1 to production')
  })

  it('refuses it for a version without the tag: MLflow keeps no files to compare with', async () => {
    const run = await promote('2')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/no content digest recorded at registration/)
    expect(run.stderr).toMatch(/Promote without a candidate directory/)
  })

  it('refuses it for a version tagged with another digest', async () => {
    const run = await promote('3')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/not the files of bound-model 3/)
  })

  it('modelgate digest prints the digest the tag must hold', async () => {
    const run = await cli('digest', dir)
    expect(run.stdout.trim()).toBe(candidateDigest((await walkAndHash(dir)).files))
  })
})
