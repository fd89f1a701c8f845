// The bundled action driving the git registry: register, promote, status, rollback
// with the `command` input, in a clone whose origin is a local bare repository.
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { fraudPolicy, fraudStage } from './helpers/fraud-policy.js'
import { tagNames, type Clone } from './helpers/git-sandbox.js'
import type { StandIn } from './helpers/github-stand-in/index.js'
import { runAction } from './helpers/run-action.js'

const POLICY = fraudPolicy({ staging: fraudStage() }, { rollback: true })

describe('the bundled action on the git registry', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  // Rollback on workflow_dispatch checks the actor's permission through the API.
  let gh: StandIn
  let commits: string[]
  const env = (sha: string) => workspace.env(sha)

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.75, 0.8], dispatchAt: 1 })
    ;({ clone, commits, gh } = workspace)
  })
  afterAll(() => workspace?.cleanup())

  it('registers, promotes twice, reports status, and rolls back', async () => {
    const versions = ['v1.0.0', 'v1.1.0']
    for (const [i, version] of versions.entries()) {
      const sha = commits[i] as string
      const registered = await runAction(
        { command: 'register', policy: 'policy.yml', version },
        env(sha),
        clone.dir
      )
      expect(registered.stderr).toBe('')
      expect(registered.exitCode).toBe(0)
      const promoted = await runAction(
        { command: 'promote', policy: 'policy.yml', stage: 'staging', version },
        env(sha),
        clone.dir
      )
      expect(promoted.exitCode).toBe(0)
      expect(promoted.outputs.decision).toBe('pass')
      expect(promoted.summary).toContain(`Promoted ${version} to staging`)
    }

    const status = await runAction(
      { command: 'status', policy: 'policy.yml' },
      env('HEAD'),
      clone.dir
    )
    const [model] = JSON.parse(status.outputs['report-json'] ?? '[]')
    expect(model.stages).toEqual([
      expect.objectContaining({ stage: 'staging', version: 'v1.1.0', assignedBy: 'octocat' })
    ])

    const refused = await runAction(
      { command: 'rollback', policy: 'policy.yml', stage: 'staging' },
      env('HEAD'),
      clone.dir
    )
    expect(refused.exitCode).toBe(2)
    expect(refused.stdout).toContain('input "reason" is required for command "rollback"')

    const rolled = await runAction(
      { command: 'rollback', policy: 'policy.yml', stage: 'staging', reason: 'latency spike' },
      env('HEAD'),
      clone.dir
    )
    expect(rolled.exitCode).toBe(0)
    expect(rolled.summary).toContain('staging is back on **v1.0.0** (was v1.1.0)')
    const remote = await remoteTags(clone)
    expect(remote).toMatch(/refs\/tags\/fraud#staging!#\d+/)
    expect(await tagNames(clone.git)).toEqual(
      expect.arrayContaining(['fraud@v1.0.0', 'fraud@v1.1.0'])
    )
    gh.assertNoViolations()
  })
})
