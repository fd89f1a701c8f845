// The bundled action driving the git registry: register, promote, status, rollback
// with the `command` input, in a clone whose origin is a local bare repository.
import {
  HERMETIC_GIT,
  modelWorkspace,
  remoteTags,
  type ModelWorkspace
} from './helpers/action-workspace.js'
import { tagNames, type Clone } from './helpers/git-sandbox.js'
import { start, type StandIn } from './helpers/github-stand-in/index.js'
import { runAction } from './helpers/run-action.js'
import { workflowDispatchEvent, writeEvent, type WrittenEvent } from './helpers/events.js'

const POLICY = `model: fraud
path: model
metrics:
  auc: { goal: maximize }
stages:
  staging:
    from: [candidate]
    thresholds:
      auc: { min: 0.7 }
rollback:
  allowed: { permission: maintain }
`

describe('the bundled action on the git registry', () => {
  let workspace: ModelWorkspace
  let clone: Clone
  // Rollback on workflow_dispatch checks the actor's permission through the API.
  let gh: StandIn
  let dispatched: WrittenEvent
  let commits: string[]
  const env = (sha: string) => ({
    // The payload a runner writes for workflow_dispatch (the rollback reads its default branch).
    ...dispatched.env,
    GITHUB_SHA: sha,
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_API_URL: gh.url,
    'INPUT_GITHUB-TOKEN': gh.token,
    ...HERMETIC_GIT
  })

  beforeAll(async () => {
    gh = await start()
    gh.state.addRepo({ owner: 'acme', name: 'models' }).addCollaborators({ octocat: 'maintain' })
    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8] })
    clone = workspace.clone
    commits = workspace.commits
    dispatched = await writeEvent(
      workflowDispatchEvent({
        repo: { owner: 'acme', name: 'models' },
        sha: commits[1] as string,
        sender: 'octocat'
      })
    )
  })
  afterAll(async () => {
    await dispatched?.cleanup()
    await gh.close()
    await workspace.cleanup()
  })

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
