// The hand-off to serving through the bundled action (issue 15, "Hand-off to serving"): a
// promotion creates a GitHub Deployment to <model>/<stage> with a success status and sends a
// repository_dispatch event; a rollback deploys the restored version and the rolled-back one's
// deployment goes inactive; a token without `deployments: write` leaves the registry written
// and fails the step (exit 4) with an annotation saying what to do.
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { fraudPolicy } from './helpers/fraud-policy.js'
import type { Clone } from './helpers/git-sandbox.js'
import {
  deploymentsOf,
  dispatchesOf,
  latestStatus,
  type Repo,
  type StandIn
} from './helpers/github-stand-in/index.js'
import { runAction } from './helpers/run-action.js'

const POLICY = fraudPolicy({ staging: '    from: [candidate]\n' }, { rollback: true })

const NO_DEPLOYMENTS = 'ghs_without_deployments_write'
const NO_CONTENTS = 'ghs_without_contents_write'
const HAND_OFF = { deployments: 'true', 'dispatch-event-type': 'modelgate-deploy' }

describe('hand-off to serving (bundled action)', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  let gh: StandIn
  let repo: Repo
  let commits: string[]
  const env = (sha: string, run: Record<string, string> = {}) =>
    workspace.env(sha, { GITHUB_SERVER_URL: 'https://github.com', ...run })

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.7, 0.75, 0.8], dispatchAt: 2 })
    ;({ clone, commits, gh } = workspace)
    repo = gh.state.repo('acme/models')
    for (const sha of commits) repo.addCommit(sha)
    gh.state.addToken(NO_DEPLOYMENTS, { kind: 'github-token', deniedPermissions: ['deployments'] })
    gh.state.addToken(NO_CONTENTS, { kind: 'github-token', deniedPermissions: ['contents'] })
    for (const [i, version] of ['v1.0.0', 'v1.1.0', 'v1.2.0'].entries()) {
      const registered = await runAction(
        { command: 'register', policy: 'policy.yml', version },
        env(commits[i] as string, { GITHUB_RUN_ID: `${10 + i}` }),
        clone.dir
      )
      expect(registered.exitCode).toBe(0)
    }
  })
  afterAll(() => workspace?.cleanup())

  it('without the inputs, a promotion hands nothing off (opt-in)', async () => {
    const run = await runAction(
      { command: 'promote', policy: 'policy.yml', stage: 'staging', version: 'v1.0.0' },
      env(commits[0] as string, { GITHUB_RUN_ID: '20' }),
      clone.dir
    )
    expect(run.exitCode).toBe(0)
    expect(deploymentsOf(repo)).toEqual([])
    expect(dispatchesOf(repo)).toEqual([])
    expect(gh.state.count('repos/create-deployment')).toBe(0)
  })

  it('a promotion creates a deployment with a success status and a dispatch event', async () => {
    const sha = commits[1] as string
    const run = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.1.0',
        ...HAND_OFF
      },
      env(sha, { GITHUB_RUN_ID: '21' }),
      clone.dir
    )
    expect(run.exitCode).toBe(0)
    const [deployment] = deploymentsOf(repo, 'fraud/staging')
    const payload = {
      model: 'fraud',
      stage: 'staging',
      version: 'v1.1.0',
      traffic_percent: 100,
      rollout_step: null,
      champion_version: 'v1.0.0',
      change: 'promoted',
      run_url: 'https://github.com/acme/models/actions/runs/21'
    }
    expect(deployment).toMatchObject({
      sha,
      ref: sha,
      environment: 'fraud/staging',
      production: false,
      autoMerge: false,
      requiredContexts: [],
      creator: 'github-actions[bot]',
      payload
    })
    expect(latestStatus(deployment!)).toMatchObject({
      state: 'success',
      description: 'fraud v1.1.0 at 100% of staging (promoted)',
      logUrl: 'https://github.com/acme/models/actions/runs/21'
    })
    expect(dispatchesOf(repo)).toEqual([
      expect.objectContaining({ eventType: 'modelgate-deploy', clientPayload: payload })
    ])
    expect(run.stdout).toMatch(
      /Deployment \d+ to fraud\/staging: fraud v1\.1\.0 at 100% of staging/
    )
    gh.assertNoViolations()
  })

  it('a rollback deploys the restored version and marks the rolled-back deployment inactive', async () => {
    const promoted = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.2.0',
        ...HAND_OFF
      },
      env(commits[2] as string, { GITHUB_RUN_ID: '22' }),
      clone.dir
    )
    expect(promoted.exitCode).toBe(0)
    const rolled = await runAction(
      {
        command: 'rollback',
        policy: 'policy.yml',
        stage: 'staging',
        reason: 'auc drop',
        ...HAND_OFF
      },
      env(commits[2] as string, { GITHUB_RUN_ID: '23' }),
      clone.dir
    )
    expect(rolled.exitCode).toBe(0)
    expect(rolled.summary).toContain('staging is back on **v1.1.0** (was v1.2.0)')
    const [v110, v120, restored] = deploymentsOf(repo, 'fraud/staging')
    expect(v120!.payload).toMatchObject({ version: 'v1.2.0', change: 'promoted' })
    expect(latestStatus(v120!)?.state).toBe('inactive')
    expect(latestStatus(v110!)?.state).toBe('inactive')
    expect(restored!.payload).toMatchObject({
      version: 'v1.1.0',
      change: 'rolled-back',
      traffic_percent: 100,
      champion_version: 'v1.2.0'
    })
    expect(latestStatus(restored!)?.state).toBe('success')
    // The reason is free text: it reaches the audit record, never the payload serving reads.
    expect(JSON.stringify(dispatchesOf(repo))).not.toContain('auc drop')
    expect(dispatchesOf(repo).map(d => d.clientPayload?.change)).toEqual([
      'promoted',
      'promoted',
      'rolled-back'
    ])
    gh.assertNoViolations()
  })

  it('without deployments: write the promotion stays written, the step fails with exit 4 and says what to do', async () => {
    const tagsBefore = await remoteTags(clone)
    const run = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.0.0',
        ...HAND_OFF,
        'github-token': NO_DEPLOYMENTS
      },
      env(commits[0] as string, { GITHUB_RUN_ID: '24', 'INPUT_GITHUB-TOKEN': NO_DEPLOYMENTS }),
      clone.dir
    )
    expect(run.exitCode).toBe(4)
    // The registry write happened and was not undone.
    expect(await remoteTags(clone)).not.toEqual(tagsBefore)
    expect(run.summary).toMatch(/v1\.0\.0/)
    expect(run.outputs.decision).toMatch(/^pass/)
    // The annotation names the failure, the written change, the permission and the payload.
    expect(run.stdout).toMatch(/::error title=ModelGate hand-off to serving::/)
    // One annotation, not a second untitled copy.
    expect(run.stdout.match(/^::error/gm)).toHaveLength(1)
    expect(run.stdout).toContain('IS written and was NOT undone')
    expect(run.stdout).toContain('fraud v1.0.0 at 100% of staging (promoted)')
    expect(run.stdout).toMatch(/HTTP 403.*deployments: write/)
    // Each part's outcome is stated: the Deployment failed, the dispatch WAS sent.
    expect(run.stdout).toContain('Deployment: failed')
    expect(run.stdout).toContain('dispatch: sent (modelgate-deploy)')
    // The dispatch went, so a deploy workflow was told: no advice to apply the payload by hand,
    // and no permission advice for the part that worked.
    expect(run.stdout).not.toMatch(/apply the payload[^\n]* by hand/)
    expect(run.stdout).not.toContain('contents: write')
    expect(run.stdout).toContain('the repository_dispatch event WAS sent')
    // The dispatch still went: it needs contents: write, which the token has.
    expect(dispatchesOf(repo).at(-1)?.clientPayload).toMatchObject({
      version: 'v1.0.0',
      change: 'promoted'
    })
    // No deployment was created by this run.
    expect(deploymentsOf(repo).filter(d => JSON.stringify(d.payload).includes('/runs/24'))).toEqual(
      []
    )
  })

  it('without contents: write for the dispatch, says the Deployment was created, the dispatch failed, and how to send it by hand', async () => {
    const run = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.1.0',
        ...HAND_OFF,
        'github-token': NO_CONTENTS
      },
      env(commits[1] as string, { GITHUB_RUN_ID: '26', 'INPUT_GITHUB-TOKEN': NO_CONTENTS }),
      clone.dir
    )
    expect(run.exitCode).toBe(4)
    expect(run.stdout.match(/^::error/gm)).toHaveLength(1)
    expect(run.stdout).toMatch(/Deployment: created \(\d+\)/)
    expect(run.stdout).toContain('dispatch: failed')
    expect(run.stdout).toMatch(/HTTP 40[34].*contents: write/)
    expect(run.stdout).not.toContain('deployments: write')
    // Nothing went to a deploy workflow: apply by hand, with a command that works as written.
    expect(run.stdout).toContain('apply the payload by hand')
    expect(run.stdout).toContain('gh api repos/acme/models/dispatches --input payload.json')
    // The annotation is one workflow command: its newlines travel as %0A.
    const annotation = (
      run.stdout.split('\n').find(l => l.startsWith('::error title=ModelGate hand-off')) ?? ''
    )
      .replace(/%0A/g, '\n')
      .replace(/%0D/g, '\r')
      .replace(/%25/g, '%')
    const line = annotation.split('\n').find(l => l.includes('payload.json:'))
    const body = JSON.parse(
      (line ?? '').slice((line ?? '').indexOf('payload.json:') + 'payload.json:'.length).trim()
    ) as { event_type: string; client_payload: Record<string, unknown> }
    expect(body.event_type).toBe('modelgate-deploy')
    expect(body.client_payload).toMatchObject({
      model: 'fraud',
      stage: 'staging',
      version: 'v1.1.0',
      change: 'promoted',
      run_url: 'https://github.com/acme/models/actions/runs/26'
    })
    expect(dispatchesOf(repo).some(d => JSON.stringify(d.clientPayload).includes('/runs/26'))).toBe(
      false
    )
    const created = deploymentsOf(repo).filter(d => JSON.stringify(d.payload).includes('/runs/26'))
    expect(created).toHaveLength(1)
  })

  it('refuses a dispatch-event-type that is not an event name (exit 2, nothing written)', async () => {
    const tagsBefore = await remoteTags(clone)
    const run = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.0.0',
        'dispatch-event-type': 'deploy; echo pwned'
      },
      env(commits[0] as string, { GITHUB_RUN_ID: '25' }),
      clone.dir
    )
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('input "dispatch-event-type" must be an event type')
    expect(await remoteTags(clone)).toEqual(tagsBefore)
  })
})
