// The bundled action (dist/index.js) with the `candidate` input (issue 10, item 1): a candidate
// directory is judged only when it is the version's own content.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { fraudPolicy, fraudStage } from './helpers/fraud-policy.js'
import type { Clone } from './helpers/git-sandbox.js'
import { runAction } from './helpers/run-action.js'

const POLICY = fraudPolicy({ staging: fraudStage() })

describe('the bundled action judges a candidate directory only as the version it is', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  let commits: string[]
  const env = (sha: string) => workspace.env(sha)

  beforeAll(async () => {
    // v1.0.0 is registered where model/metrics.json says auc 0.5: below the staging threshold.
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.5], dispatchAt: 0 })
    ;({ clone, commits } = workspace)
    const registered = await runAction(
      { command: 'register', policy: 'policy.yml', version: 'v1.0.0' },
      env(commits[0] as string),
      clone.dir
    )
    expect(registered.exitCode).toBe(0)
  })
  afterAll(() => workspace?.cleanup())

  it('refuses `candidate: model` holding invented metrics and a model.yaml naming v1.0.0', async () => {
    await writeFile(path.join(clone.dir, 'model/metrics.json'), JSON.stringify({ auc: 0.99 }))
    await writeFile(path.join(clone.dir, 'model/model.yaml'), 'version: v1.0.0\n')
    try {
      const before = await remoteTags(clone)
      const run = await runAction(
        { command: 'promote', policy: 'policy.yml', stage: 'staging', candidate: 'model' },
        env(commits[0] as string),
        clone.dir
      )
      expect(run.exitCode).toBe(2)
      expect(run.stdout).toMatch(/not the files of fraud v1\.0\.0/)
      expect(run.summary).not.toContain('Promoted')
      expect(await remoteTags(clone)).toEqual(before)
    } finally {
      await gitOk(clone.git, ['checkout', '--', 'model'])
      await gitOk(clone.git, ['clean', '-fdq', 'model'])
    }
  })

  it('judges `candidate: model` when it holds exactly v1.0.0, on its own numbers', async () => {
    const before = await remoteTags(clone)
    const run = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.0.0',
        candidate: 'model'
      },
      env(commits[0] as string),
      clone.dir
    )
    expect(run.exitCode).toBe(2)
    expect(run.outputs.decision).toBe('blocked')
    expect(run.summary).toContain('0.5')
    expect(await remoteTags(clone)).toEqual(before)
  })
})
