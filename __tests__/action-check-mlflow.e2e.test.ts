// Issue 12, item 8: the action's `command: check` reads a registered MLflow version as the CLI's
// `check --candidate mlflow:NAME/VERSION` does (one path for both), run through the bundle
// (a child `node dist/index.js`) against the MLflow stand-in on 127.0.0.1.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { mlflowPolicy, seedModel } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import { CLI_ENTRY, runAction } from './helpers/run-action.js'

function runCliIn(
  args: string[],
  cwd: string
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [CLI_ENTRY, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode: code, stdout, stderr })
      }
    )
  })
}

describe('command: check with an MLflow candidate, in the action', () => {
  let stand: MlflowStandIn
  let dir: string
  let model: string

  beforeAll(async () => {
    stand = await startMlflowStandIn()
    // Versions 1..3 with accuracy 0.81, 0.82, 0.83.
    model = seedModel(stand, 3)
    dir = await mkdtemp(path.join(tmpdir(), 'modelgate-action-check-mlflow-'))
    await writeFile(
      path.join(dir, 'policy.yml'),
      mlflowPolicy(
        model,
        stand.url,
        `  production:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.8 }
    regression:
      accuracy: { max_drop: 0 }
`
      )
    )
  })
  afterAll(async () => {
    await stand?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const inputs = (candidate: string, champion: string) => ({
    command: 'check',
    policy: 'policy.yml',
    candidate,
    champion,
    stage: 'production'
  })

  it('reads candidate and champion as registered versions and judges them', async () => {
    const result = await runAction(
      inputs(`mlflow:${model}/3`, `mlflow:${model}/2`),
      { GITHUB_EVENT_NAME: 'workflow_dispatch' },
      dir
    )
    expect(result.stdout).not.toContain('cannot read registered versions')
    // 0.83 is above the floor and no worse than version 2's 0.82; the policy asks nothing else.
    expect(result.outputs.decision).toBe('pass')
    expect(result.outputs.report).toContain('0.83')
    expect(result.exitCode).toBe(0)
  })

  it('blocks a regression against the registered champion, as the CLI does', async () => {
    const action = await runAction(
      { ...inputs(`mlflow:${model}/1`, `mlflow:${model}/3`), 'fail-on-blocked': 'false' },
      { GITHUB_EVENT_NAME: 'push' },
      dir
    )
    expect(action.outputs.decision).toBe('blocked')
    const cli = await runCliIn(
      [
        'check',
        '--policy',
        'policy.yml',
        '--stage',
        'production',
        '--candidate',
        `mlflow:${model}/1`,
        '--champion',
        `mlflow:${model}/3`,
        '--json'
      ],
      dir
    )
    expect(cli.exitCode).toBe(2)
    expect(JSON.parse(cli.stdout).decision).toBe('blocked')
  })
})
