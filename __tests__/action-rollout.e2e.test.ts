// Issue 15 through the bundled action (dist/index.js, a child process) against a real Prometheus
// and the GitHub stand-in: `command: rollout` by dispatch, permission-checked like a rollback,
// with its outputs; scheduled `monitor` runs that advance a canary 10 → 25 → 50 with the workflow
// as the actor and set the same outputs; then the full share by the merge of an approved pull
// request, and the monitor completing the rollout. Each run's clock is shifted to the data's dates;
// GTO's readers check origin after each scenario.
import path from 'node:path'
import {
  dispatchWorkspace,
  pushCommit,
  remoteTags,
  summaryRecords,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { pushEvent, scheduleEvent, writeEvent, type WrittenEvent } from './helpers/events.js'
import { checkedGtoReaders } from './helpers/git-gto-reference.js'
import { hermeticGit, type Clone } from './helpers/git-sandbox.js'
import { fakeSha } from './helpers/github-stand-in/index.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer
} from './helpers/prometheus.js'
import { clockAt, MINUTE } from './helpers/monitored-registry.js'
import { canaryStage, fraudRolloutPolicy } from './helpers/rollout-policy.js'
import {
  canarySteps,
  championAndStagedCandidate,
  scheduledMonitorEnv,
  setUpByCli
} from './helpers/rollout-workspace.js'
import { runAction } from './helpers/run-action.js'

const T0 = BASE_SECONDS
const REPO = { owner: 'acme', name: 'models' }

const policy = (url: string) =>
  fraudRolloutPolicy(`  shadow:
    from: [staging]
    rollout: { type: shadow, shadows: production }
${canaryStage({
  from: 'shadow',
  source: `{ prometheus: { url: "${url}" } }`,
  triggers: `        - name: error rate by segment
          query: 'max by (segment) (error_ratio{model="$model", version="$version"})'
          by: segment
          relative: { baseline: champion, max_increase_pct: 50 }
          failure_limit: 2
`
})}  production:
    from: [canary]
    approvals: { required: 1 }
`)

describe('rollouts in the action: command rollout, scheduled monitor runs, the approved full share', () => {
  let prometheus: PrometheusServer
  let workspace: DispatchWorkspace
  let clone: Clone
  let schedule: WrittenEvent
  const events: WrittenEvent[] = []
  // Each run is its own workflow run (GITHUB_RUN_ID), unless it re-runs the run started at
  // `rerunOf` ("Re-run job": the same GITHUB_RUN_ID, a later GITHUB_RUN_ATTEMPT).
  const run = (seconds: number, rerunOf?: number) => ({
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: `${rerunOf ?? seconds}`,
    GITHUB_RUN_ATTEMPT: rerunOf === undefined ? '1' : '2'
  })
  const dispatch = (
    seconds: number,
    inputs: Record<string, string>,
    actor = 'octocat',
    rerunOf?: number
  ) =>
    runAction(
      { command: 'rollout', policy: 'policy.yml', stage: 'canary', ...inputs },
      workspace.env('HEAD', {
        ...clockAt(seconds),
        GITHUB_ACTOR: actor,
        GITHUB_TRIGGERING_ACTOR: actor,
        ...run(seconds, rerunOf)
      }),
      clone.dir
    )
  const monitorRun = (seconds: number, rerunOf?: number) =>
    runAction(
      { command: 'monitor', policy: 'policy.yml', 'github-token': workspace.gh.token },
      scheduledMonitorEnv(workspace, schedule, 'HEAD', seconds, run(seconds, rerunOf)),
      clone.dir
    )
  const gto = () =>
    checkedGtoReaders(hermeticGit(path.join(path.dirname(clone.dir), 'origin.git')), 'fraud')
  const outputsOf = (outputs: Record<string, string>) => ({
    'traffic-percent': outputs['traffic-percent'],
    'rollout-step': outputs['rollout-step'],
    version: outputs.version,
    'champion-version': outputs['champion-version']
  })

  beforeAll(async () => {
    const gauge = (version: string, segment: string) => ({
      name: 'error_ratio',
      labels: { model: 'fraud', version, segment },
      samples: samplesEvery(T0 - 60 * MINUTE, MINUTE, 400, () => 0.01)
    })
    prometheus = await startPrometheus([
      gauge('v1.0.0', 'eu'),
      gauge('v1.0.0', 'us'),
      gauge('v1.1.0', 'eu'),
      gauge('v1.1.0', 'us')
    ])
    workspace = await dispatchWorkspace({
      policy: policy(prometheus.url),
      aucs: [0.8, 0.85],
      dispatchAt: 1
    })
    clone = workspace.clone
    workspace.gh.state.repo('acme/models').addCollaborators({ alice: 'write', bob: 'write' })
    await championAndStagedCandidate(workspace)
    await setUpByCli(
      clone,
      ['rollout', 'fraud', '--stage', 'shadow', '--start', '--version', 'v1.1.0'],
      T0 - 20 * MINUTE
    )
    schedule = await writeEvent(scheduleEvent(workspace.commits[1] as string))
    events.push(schedule)
  }, 240_000)
  afterAll(async () => {
    for (const event of events) await event.cleanup()
    await prometheus?.stop()
    await workspace?.cleanup()
  })

  it('refuses a bad step, a start without a version and an abort without a reason (exit 2)', async () => {
    const before = await remoteTags(clone)
    const bad = await dispatch(T0, { step: 'jump' })
    expect(bad.exitCode).toBe(2)
    expect(bad.stdout).toContain(
      'input "step" must be one of start, advance, hold, abort, complete'
    )
    const start = await dispatch(T0, { step: 'start' })
    expect(start.exitCode).toBe(2)
    expect(start.stdout).toContain('input "version" is required for command "rollout"')
    const abort = await dispatch(T0, { step: 'abort' })
    expect(abort.exitCode).toBe(2)
    expect(abort.stdout).toContain('input "reason" is required for command "rollout"')
    const pushed = await runAction(
      { command: 'rollout', policy: 'policy.yml', stage: 'canary', step: 'hold' },
      { ...workspace.env('HEAD', clockAt(T0)), ...schedule.env },
      clone.dir
    )
    expect(pushed.exitCode).toBe(2)
    expect(pushed.stdout).toContain('command "rollout" runs on workflow_dispatch')
    expect(await remoteTags(clone)).toEqual(before)
  })

  it('refuses a rollout step by someone without the rollback right (exit 4), writing nothing but its audit record', async () => {
    const before = await remoteTags(clone)
    const run = await dispatch(
      T0,
      { step: 'start', version: 'v1.1.0', reason: 'try it on 5%' },
      'alice'
    )
    expect(run.exitCode).toBe(4)
    expect(run.stdout).toContain('Refused')
    expect(await remoteTags(clone)).toEqual(before)
    // As a denied rollback or forced promotion: a refused record in the job summary (and as an
    // artifact), naming the step attempted; nothing in the registry.
    const [record, ...more] = summaryRecords(run.summary)
    expect(more).toEqual([])
    expect(record).toMatchObject({
      kind: 'refused',
      written: false,
      decision: 'denied',
      model: 'fraud',
      version: 'v1.1.0',
      from: 'canary',
      to: 'canary',
      rollout: { step: 'start' },
      actor: 'alice',
      event: 'workflow_dispatch',
      reason: 'try it on 5%'
    })
    expect(record?.gates).toEqual([expect.objectContaining({ gate: 'permission', status: 'fail' })])
  })

  it('refuses a re-run of a rollout step whose runner does not say who re-ran it (exit 4), with its record', async () => {
    const before = await remoteTags(clone)
    const run = await runAction(
      { command: 'rollout', policy: 'policy.yml', stage: 'canary', step: 'hold' },
      workspace.env('HEAD', {
        ...clockAt(T0),
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_TRIGGERING_ACTOR: '', // an older runner names nobody
        GITHUB_RUN_ID: 'rerun'
      }),
      clone.dir
    )
    expect(run.exitCode).toBe(4)
    expect(await remoteTags(clone)).toEqual(before)
    expect(summaryRecords(run.summary)).toEqual([
      expect.objectContaining({
        kind: 'refused',
        decision: 'denied',
        actor: 'unknown',
        initialActor: 'octocat',
        rollout: { step: 'hold' }
      })
    ])
  })

  it('starts the canary by dispatch, with its outputs; the same run again writes nothing', async () => {
    const run = await dispatch(T0, { step: 'start', version: 'v1.1.0' })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.summary).toContain('recorded start (5%)')
    expect(outputsOf(run.outputs)).toEqual({
      'traffic-percent': '5',
      'rollout-step': 'start',
      version: 'v1.1.0',
      'champion-version': 'v1.0.0'
    })
    const tags = await remoteTags(clone)
    const again = await dispatch(T0 + 10, { step: 'start', version: 'v1.1.0' })
    expect(again.exitCode).toBe(0)
    expect(again.summary).toContain('start (5%) is recorded already; nothing written.')
    expect(outputsOf(again.outputs)['traffic-percent']).toBe('5')
    expect(await remoteTags(clone)).toEqual(tags)
  })

  it('advances by hand (step: advance) once the step time has passed', async () => {
    const early = await dispatch(T0 + 10 * MINUTE, { step: 'advance' })
    expect(early.exitCode).toBe(2)
    const run = await dispatch(T0 + 31 * MINUTE, { step: 'advance' })
    expect(run.exitCode).toBe(0)
    expect(outputsOf(run.outputs)).toMatchObject({
      'traffic-percent': '10',
      'rollout-step': 'advance'
    })
  })

  it('a re-run of the advance job once min_step_duration has passed takes no second step', async () => {
    const tags = await remoteTags(clone)
    // The job of the run dispatched at T0 + 31 min, re-run 30 min later: the advance it
    // recorded is due to be followed by the next, but not by this run.
    const rerun = await dispatch(
      T0 + 61 * MINUTE + 20,
      { step: 'advance' },
      'octocat',
      T0 + 31 * MINUTE
    )
    expect(rerun.stderr).toBe('')
    expect(rerun.exitCode).toBe(0)
    expect(rerun.summary).toContain('advance (10%) is recorded already; nothing written.')
    expect(rerun.summary).toContain('Now: canary v1.1.0 at 10%')
    expect(outputsOf(rerun.outputs)).toEqual({
      'traffic-percent': '10',
      'rollout-step': 'advance',
      version: 'v1.1.0',
      'champion-version': 'v1.0.0'
    })
    expect(await remoteTags(clone)).toEqual(tags)
  })

  it('scheduled monitor runs advance 10 → 25 → 50 as the workflow, setting the outputs', async () => {
    // Each run re-run once the new share's min_step_duration has passed, and what it then says.
    for (const [minutes, percent, rerunSays, rerunShare] of [
      [62, '25', 'Advanced v1.1.0 from 10% to 25% is recorded already: nothing written.', '25'],
      [93, '50', 'v1.1.0 is ready for promotion to production', undefined]
    ] as const) {
      const run = await monitorRun(T0 + minutes * MINUTE)
      expect(run.stderr).toBe('')
      expect(run.exitCode).toBe(0)
      expect(outputsOf(run.outputs)).toEqual({
        'traffic-percent': percent,
        'rollout-step': 'advance',
        version: 'v1.1.0',
        'champion-version': 'v1.0.0'
      })
      const tags = await remoteTags(clone)
      const again = await monitorRun(T0 + (minutes + 1) * MINUTE)
      expect(again.exitCode).toBe(0)
      expect(await remoteTags(clone)).toEqual(tags)
      // The same scheduled run re-run once the new share's min_step_duration has passed: its
      // advance is recorded already, so it writes nothing and says what the run recorded.
      const rerun = await monitorRun(T0 + (minutes + 30) * MINUTE + 40, T0 + minutes * MINUTE)
      expect(rerun.stderr).toBe('')
      expect(rerun.exitCode).toBe(0)
      expect(rerun.summary).toContain(rerunSays)
      expect(rerun.outputs['traffic-percent']).toBe(rerunShare)
      expect(await remoteTags(clone)).toEqual(tags)
    }
    const steps = await canarySteps(clone, T0 + 95 * MINUTE)
    // Each step names the workflow run that took it (its GITHUB_RUN_ID), as the tag stores it.
    const workflow = 'github-actions (workflow "monitor", schedule)'
    expect(steps.map(s => [s.kind, s.percent, s.by, s.run])).toEqual([
      ['start', 5, 'octocat', `${T0}`],
      ['advance', 10, 'octocat', `${T0 + 31 * MINUTE}`],
      ['advance', 25, workflow, `${T0 + 62 * MINUTE}`],
      ['advance', 50, workflow, `${T0 + 93 * MINUTE}`]
    ])
    const ready = await monitorRun(T0 + 125 * MINUTE)
    expect(ready.exitCode).toBe(0)
    expect(ready.summary).toContain('ready for promotion to production')
    expect(await gto()).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', canary: 'v1.1.0', production: 'v1.0.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', canary: 'v1.1.0', production: 'v1.0.0' }
    })
  })

  it('the full share by the merge of an approved pull request; the monitor then completes the rollout', async () => {
    const repo = workspace.gh.state.repo('acme/models')
    repo.addPull({
      number: 7,
      author: 'alice',
      head: { ref: 'full-v1.1', sha: fakeSha('pr7-head') },
      base: { sha: workspace.commits[1] as string }
    })
    repo.addReview(7, { user: 'bob', state: 'APPROVED' })
    const merge = await pushCommit(clone, 'Merge pull request #7')
    repo.merge(7, { mergeCommitSha: merge })
    const pushed = await writeEvent(
      pushEvent({ repo: REPO, before: workspace.commits[1] as string, after: merge })
    )
    events.push(pushed)
    const promoted = await runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'production',
        version: 'v1.1.0',
        'github-token': workspace.gh.token
      },
      {
        ...workspace.env(merge, clockAt(T0 + 130 * MINUTE)),
        ...pushed.env,
        GITHUB_RUN_ID: 'promote'
      },
      clone.dir
    )
    expect([promoted.exitCode, promoted.outputs.decision]).toEqual([0, 'pass'])
    const done = await monitorRun(T0 + 131 * MINUTE)
    expect(done.exitCode).toBe(0)
    expect(outputsOf(done.outputs)).toEqual({
      'traffic-percent': '100',
      'rollout-step': 'complete',
      version: 'v1.1.0',
      'champion-version': 'v1.1.0'
    })
    expect(await gto()).toEqual({
      show: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.1.0' },
      semver: { staging: 'v1.1.0', shadow: 'v1.1.0', production: 'v1.1.0' }
    })
  })
})
