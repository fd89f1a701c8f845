// Issue 15, "Chart", through the bundled action (dist/index.js, a child process) against a real
// Prometheus and the GitHub stand-in: a scheduled `monitor` run's job summary shows the canary
// against the champion over the rollout (Mermaid xychart-beta and table, the fed numbers); the
// push run of the merged promotion pull request puts the canary's steps and chart in that pull
// request's sticky comment. Each run's clock is shifted to the data's dates.
import {
  dispatchWorkspace,
  pushCommit,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { pushEvent, scheduleEvent, writeEvent, type WrittenEvent } from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import { fakeSha } from './helpers/github-stand-in/index.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer
} from './helpers/prometheus.js'
import { clockAt, MINUTE } from './helpers/monitored-registry.js'
import {
  ERRORS_AGAINST_CHAMPION,
  canaryStage,
  fraudRolloutPolicy
} from './helpers/rollout-policy.js'
import {
  championAndStagedCandidate,
  scheduledMonitorEnv,
  setUpByCli
} from './helpers/rollout-workspace.js'
import { runAction } from './helpers/run-action.js'

const T0 = BASE_SECONDS
const REPO = { owner: 'acme', name: 'models' }

/** The candidate's error ratio at minute m of the rollout, and the champion's. */
const candidate = (m: number) => Number((0.02 + m / 10_000).toFixed(4))
const champion = (m: number) => Number((0.015 + m / 20_000).toFixed(5))

const policy = (url: string) =>
  fraudRolloutPolicy(`${canaryStage({
    from: 'staging',
    source: `{ prometheus: { url: "${url}" } }`,
    triggers: ERRORS_AGAINST_CHAMPION
  })}  production:
    from: [canary]
    approvals: { required: 1 }
`)

describe('the rollout chart in the action: the monitor job summary and the promoting pull request', () => {
  let prometheus: PrometheusServer
  let workspace: DispatchWorkspace
  let clone: Clone
  let schedule: WrittenEvent
  const events: WrittenEvent[] = []
  const monitorRun = (seconds: number) =>
    runAction(
      { command: 'monitor', policy: 'policy.yml', 'github-token': workspace.gh.token },
      scheduledMonitorEnv(workspace, schedule, 'HEAD', seconds),
      clone.dir
    )

  beforeAll(async () => {
    const gauge = (version: string, shape: (m: number) => number) => ({
      name: 'error_ratio',
      labels: { model: 'fraud', version },
      samples: samplesEvery(T0, MINUTE, 200, shape)
    })
    prometheus = await startPrometheus([gauge('v1.0.0', champion), gauge('v1.1.0', candidate)])
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
      ['rollout', 'fraud', '--stage', 'canary', '--start', '--version', 'v1.1.0'],
      T0
    )
    schedule = await writeEvent(scheduleEvent(workspace.commits[1] as string))
    events.push(schedule)
  }, 240_000)
  afterAll(async () => {
    for (const event of events) await event.cleanup()
    await prometheus?.stop()
    await workspace?.cleanup()
  })

  it("a scheduled monitor run's job summary charts the canary against the champion", async () => {
    const run = await monitorRun(T0 + 31 * MINUTE)
    expect(run.exitCode).toBe(0)
    expect(run.outputs['traffic-percent']).toBe('10')
    const summary = run.summary
    expect(summary).toContain('```mermaid\nxychart-beta\n    title "error rate"')
    expect(summary).toContain('| Time (UTC) | Share | v1.1.0 (candidate) | v1.0.0 (champion) |')
    // 31 minutes (and the run's few seconds) in at most 24 points: one every 2 minutes.
    expect(summary).toContain(`| 2026-01-05 00:30:00 | 5% | ${candidate(30)} | ${champion(30)} |`)
    expect(summary).toContain(
      `| 2026-01-05 00:00:00 | **5%** ← start 5% at 2026-01-05 00:00:00 | ${candidate(0)} | ${champion(0)} |`
    )
  })

  it("the merged promotion pull request's sticky comment shows the canary's steps and chart", async () => {
    for (const minutes of [62, 93])
      expect((await monitorRun(T0 + minutes * MINUTE)).exitCode).toBe(0)
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
      { ...workspace.env(merge, clockAt(T0 + 130 * MINUTE)), ...pushed.env, GITHUB_RUN_ID: 'p' },
      clone.dir
    )
    expect([promoted.exitCode, promoted.outputs.decision]).toEqual([0, 'pass'])
    const body = repo.commentsOn(7)[0]?.body ?? ''
    expect(body).toContain('### canary: the rollout of **v1.1.0**')
    for (const [minutes, kind, share] of [
      [0, 'start', 5],
      [31, 'advance', 10],
      [62, 'advance', 25],
      [93, 'advance', 50]
    ] as const) {
      const time = new Date((T0 + minutes * MINUTE) * 1000)
        .toISOString()
        .slice(0, 16)
        .replace('T', ' ')
      expect(body).toMatch(new RegExp(`\\| ${time}:\\d\\d \\| ${kind} \\| ${share}% \\|`))
    }
    expect(body).toContain('```mermaid\nxychart-beta\n    title "error rate"')
    expect(body).toContain(`| 2026-01-05 00:30:00 | 5% | ${candidate(30)} | ${champion(30)} |`)
  })
})
