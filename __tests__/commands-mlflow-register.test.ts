// `modelgate register` on MLflow (issue 11, item 2): a version is made from a run
// (`model-versions/create`, `runs:/<run>/<path>`), or an existing one confirmed; no git ref.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { candidateDigest } from '../src/candidate/digest.js'
import { walkAndHash } from '../src/candidate/load.js'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

describe('register on an MLflow registry', () => {
  let stand: MlflowStandIn
  let scratch: string
  let policy: string
  const model = 'registered-model'
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-register-'))
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

  it('creates a version from a run (the model too), with the candidate digest; a re-run writes nothing', async () => {
    const runId = stand.createRun({ metrics: { accuracy: 0.93 } })
    const dir = path.join(scratch, 'logged')
    await mkdir(dir)
    await writeFile(path.join(dir, 'model.pkl'), 'weights')
    await writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ accuracy: 0.93 }))
    const digest = candidateDigest((await walkAndHash(dir)).files)
    const args = ['register', model, '--run', runId, '--candidate', dir, '--policy', policy]
    const dry = await cli(...args, '--dry-run')
    expect(dry.stderr).toBe('')
    expect(dry.stdout).toContain(`would create a version of ${model} from runs:/${runId}/model`)
    expect(stand.models.has(model)).toBe(false)

    const first = await cli(...args)
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toContain(`Registered ${model} version 1 from runs:/${runId}/model.`)
    const created = stand.models.get(model)?.versions.get('1')
    expect(created?.source).toBe(`runs:/${runId}/model`)
    expect(created?.runId).toBe(runId)
    expect(created?.tags.get('modelgate.candidate_digest')).toBe(digest)

    const again = await cli(...args)
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('Nothing written')
    expect(stand.models.get(model)?.versions.size).toBe(1)

    // The version is promotable, and the logged files bind to it.
    const promoted = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '1',
      '--candidate',
      dir,
      '--policy',
      policy,
      '--dry-run'
    )
    expect(promoted.stderr).toBe('')
    expect(promoted.stdout).toContain('Dry run: would promote 1 to production')
  })

  it('confirms an existing version without a git ref, and says how to make a missing one', async () => {
    const ok = await cli('register', model, '--version', '1', '--policy', policy)
    expect(ok.stderr).toBe('')
    expect(ok.exitCode).toBe(0)
    expect(ok.stdout).toContain('is registered in MLflow')

    const missing = await cli('register', model, '--version', '7', '--policy', policy)
    expect(missing.exitCode).toBe(3)
    expect(missing.stderr).toContain(`modelgate register ${model} --run RUN_ID`)

    const ref = await cli('register', model, '--version', '1', '--ref', 'HEAD', '--policy', policy)
    expect(ref.exitCode).toBe(2)
    expect(ref.stderr).toContain('--run RUN_ID')
  })

  it('a run the server does not have is exit 3, named', async () => {
    const run = await cli('register', model, '--run', 'nosuchrun', '--policy', policy)
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('nosuchrun')
  })
})
