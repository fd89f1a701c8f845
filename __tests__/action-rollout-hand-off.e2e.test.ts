// Issue 15, "Hand-off to serving" for rollout steps, through the bundled action (dist/index.js,
// a child process) and the GitHub stand-in: a canary started by `command: rollout` and advanced
// by a scheduled `monitor` run creates a GitHub Deployment to <model>/canary per step, with the
// step's traffic share in the payload, and sends a repository_dispatch event with the same
// payload; the monitor's automatic abort (one segment breaching) gives its deployment a failure
// status and tells serving 0%. A hand-off that fails on a step (by `command: rollout`, or on the
// monitor's abort) leaves the step written and fails the run loudly; the abort keeps exit 5.
// The monitor reads a time-series file; each run's clock is shifted.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { scheduleEvent, writeEvent, type WrittenEvent } from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import {
  deploymentsOf,
  dispatchesOf,
  latestStatus,
  type Repo
} from './helpers/github-stand-in/index.js'
import { clockAt, MINUTE } from './helpers/monitored-registry.js'
import { BASE_SECONDS } from './helpers/prometheus.js'
import {
  canaryOnErrorsBySegment,
  errorsBySegmentCsv,
  fraudRolloutPolicy
} from './helpers/rollout-policy.js'
import { championAndStagedCandidate, scheduledMonitorEnv } from './helpers/rollout-workspace.js'
import { runAction } from './helpers/run-action.js'

const T0 = BASE_SECONDS
const HAND_OFF = { deployments: 'true', 'dispatch-event-type': 'modelgate-deploy' }
const NO_DEPLOYMENTS = 'ghs_without_deployments_write'
const NO_CONTENTS = 'ghs_without_contents_write'

/** The hand-off's annotation, one workflow command, with its newlines back. */
function handOffAnnotation(stdout: string): string {
  return (
    stdout.split('\n').find(l => l.startsWith('::error title=ModelGate hand-off to serving::')) ??
    ''
  )
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%')
}

const POLICY = fraudRolloutPolicy(`${canaryOnErrorsBySegment('staging')}  production:
    from: [canary]
    approvals: { required: 1 }
`)

describe('rollout steps handed to serving (bundled action)', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  let repo: Repo
  let schedule: WrittenEvent
  let sha: string
  const runUrl = (id: string) => `https://github.com/acme/models/actions/runs/${id}`
  const monitorRun = (seconds: number, token?: string) =>
    runAction(
      {
        command: 'monitor',
        policy: 'policy.yml',
        ...HAND_OFF,
        ...(token ? { 'github-token': token } : {})
      },
      scheduledMonitorEnv(workspace, schedule, sha, seconds, {
        ...(token ? { 'INPUT_GITHUB-TOKEN': token } : {}),
        GITHUB_SERVER_URL: 'https://github.com'
      }),
      clone.dir
    )

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.8, 0.85], dispatchAt: 1 })
    clone = workspace.clone
    sha = workspace.commits[1] as string
    repo = workspace.gh.state.repo('acme/models')
    for (const commit of workspace.commits) repo.addCommit(commit)
    workspace.gh.state.addToken(NO_DEPLOYMENTS, {
      kind: 'github-token',
      deniedPermissions: ['deployments']
    })
    workspace.gh.state.addToken(NO_CONTENTS, {
      kind: 'github-token',
      deniedPermissions: ['contents']
    })
    // v1.1.0's eu segment errs from T0 + 50m.
    await writeFile(path.join(clone.dir, 'metrics.csv'), errorsBySegmentCsv())
    await championAndStagedCandidate(workspace)
    schedule = await writeEvent(scheduleEvent(sha))
  }, 240_000)
  afterAll(async () => {
    await schedule?.cleanup()
    await workspace?.cleanup()
  })

  it('a start by command: rollout creates a deployment at 5% and a dispatch event', async () => {
    const run = await runAction(
      {
        command: 'rollout',
        policy: 'policy.yml',
        stage: 'canary',
        step: 'start',
        version: 'v1.1.0',
        ...HAND_OFF
      },
      workspace.env(sha, {
        ...clockAt(T0 - 20 * MINUTE),
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: 'start'
      }),
      clone.dir
    )
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const payload = {
      model: 'fraud',
      stage: 'canary',
      version: 'v1.1.0',
      traffic_percent: 5,
      rollout_step: 'start',
      champion_version: 'v1.0.0',
      change: 'rollout-step',
      run_url: runUrl('start')
    }
    const [deployment, ...more] = deploymentsOf(repo, 'fraud/canary')
    expect(more).toEqual([])
    expect(deployment).toMatchObject({
      sha,
      environment: 'fraud/canary',
      production: false,
      payload
    })
    expect(latestStatus(deployment!)).toMatchObject({
      state: 'success',
      description: 'fraud v1.1.0 at 5% of canary (rollout step start)'
    })
    expect(dispatchesOf(repo)).toEqual([
      expect.objectContaining({ eventType: 'modelgate-deploy', clientPayload: payload })
    ])
    workspace.gh.assertNoViolations()
  })

  it('a scheduled monitor run that advances 5 → 10% hands the step off; its re-run hands nothing', async () => {
    const run = await monitorRun(T0 + 15 * MINUTE)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs['traffic-percent']).toBe('10')
    const payload = {
      model: 'fraud',
      stage: 'canary',
      version: 'v1.1.0',
      traffic_percent: 10,
      rollout_step: 'advance',
      champion_version: 'v1.0.0',
      change: 'rollout-step',
      run_url: runUrl(`${T0 + 15 * MINUTE}`)
    }
    const deployments = deploymentsOf(repo, 'fraud/canary')
    expect(deployments).toHaveLength(2)
    expect(deployments[1]).toMatchObject({ sha, payload })
    expect(latestStatus(deployments[1]!)?.state).toBe('success')
    expect(dispatchesOf(repo).map(d => d.clientPayload)).toEqual([
      expect.objectContaining({ traffic_percent: 5, rollout_step: 'start' }),
      payload
    ])
    expect(run.stdout).toMatch(/Deployment \d+ to fraud\/canary: fraud v1\.1\.0 at 10% of canary/)
    // Nothing written again, so nothing handed off again.
    const tags = await remoteTags(clone)
    const again = await monitorRun(T0 + 16 * MINUTE)
    expect(again.exitCode).toBe(0)
    expect(await remoteTags(clone)).toEqual(tags)
    expect(deploymentsOf(repo, 'fraud/canary')).toHaveLength(2)
    expect(dispatchesOf(repo)).toHaveLength(2)
    workspace.gh.assertNoViolations()
  })

  it('a hold by command: rollout whose Deployment GitHub refuses: the hold is written, the step fails (exit 4) saying so', async () => {
    const tags = await remoteTags(clone)
    const run = await runAction(
      {
        command: 'rollout',
        policy: 'policy.yml',
        stage: 'canary',
        step: 'hold',
        reason: 'looking at the eu dashboards',
        ...HAND_OFF,
        'github-token': NO_DEPLOYMENTS
      },
      workspace.env(sha, {
        ...clockAt(T0 + 20 * MINUTE),
        'INPUT_GITHUB-TOKEN': NO_DEPLOYMENTS,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: 'hold'
      }),
      clone.dir
    )
    expect(run.exitCode).toBe(4)
    // The hold is in the registry, and its outputs are set: the hand-off undid nothing.
    expect(await remoteTags(clone)).not.toEqual(tags)
    expect(run.outputs).toMatchObject({ 'rollout-step': 'hold', 'traffic-percent': '10' })
    const annotation = handOffAnnotation(run.stdout)
    expect(annotation).toContain('IS written and was NOT undone')
    expect(annotation).toContain(
      'fraud v1.1.0 at 10% of canary (rollout step hold): Deployment: failed'
    )
    expect(annotation).toContain('dispatch: sent (modelgate-deploy)')
    expect(annotation).toMatch(/deployments: write/)
    expect(run.stdout.match(/^::error/gm)).toHaveLength(1)
    expect(deploymentsOf(repo, 'fraud/canary')).toHaveLength(2)
    expect(dispatchesOf(repo).at(-1)?.clientPayload).toMatchObject({
      rollout_step: 'hold',
      traffic_percent: 10
    })
    workspace.gh.assertNoViolations()
  })

  it("the monitor's automatic abort whose dispatch GitHub refuses: exit 5 still, the failure status at 0%, and the step says both", async () => {
    const dispatched = dispatchesOf(repo).length
    const run = await monitorRun(T0 + 70 * MINUTE, NO_CONTENTS)
    expect(run.stderr).toBe('')
    // The abort is the main fact: the monitor's exit code, not the hand-off's 4.
    expect(run.exitCode).toBe(5)
    expect(run.outputs['rollout-step']).toBe('abort')
    expect(run.outputs['traffic-percent']).toBe('0')
    const deployments = deploymentsOf(repo, 'fraud/canary')
    expect(deployments).toHaveLength(3)
    const payload = {
      model: 'fraud',
      stage: 'canary',
      version: 'v1.1.0',
      traffic_percent: 0,
      rollout_step: 'abort',
      champion_version: 'v1.0.0',
      change: 'rollout-step',
      run_url: runUrl(`${T0 + 70 * MINUTE}`)
    }
    expect(deployments[2]!.payload).toEqual(payload)
    expect(latestStatus(deployments[2]!)).toMatchObject({
      state: 'failure',
      description: 'fraud v1.1.0 at 0% of canary (rollout step abort)'
    })
    // No event went: no deploy workflow heard of the abort.
    expect(dispatchesOf(repo)).toHaveLength(dispatched)
    // Both facts are loud: the step's failure names the abort and the failed hand-off …
    const failure = run.stdout
      .split('\n')
      .filter(l => l.startsWith('::error::'))
      .join('\n')
    expect(failure).toContain('aborted a rollout automatically')
    expect(failure).toContain('the hand-off to serving failed')
    expect(failure).toContain('it may still reach a version taken out')
    // … and the hand-off's annotation gives the abort's payload to send by hand.
    const annotation = handOffAnnotation(run.stdout)
    expect(annotation).toContain('fraud v1.1.0 at 0% of canary (rollout step abort)')
    expect(annotation).toContain('dispatch: failed')
    expect(annotation).toContain('apply the payload by hand')
    expect(annotation).toContain(
      JSON.stringify({ event_type: 'modelgate-deploy', client_payload: payload })
    )
    // The abort's reason (free text naming the segment) is recorded, never sent.
    expect(JSON.stringify(deployments)).not.toContain('segment')
    // Production was not a stage change of these runs: nothing was deployed there.
    expect(deploymentsOf(repo, 'fraud/production')).toEqual([])
    workspace.gh.assertNoViolations()
  })
})
