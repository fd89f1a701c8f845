// Issue 15's review of re-runs, through the bundled action (dist/index.js, a child process) on
// workflow_dispatch against the GitHub stand-in and a git registry: each `command: rollout` is its
// own workflow run (GITHUB_RUN_ID) unless it re-runs one ("Re-run job": the same run id, a later
// GITHUB_RUN_ATTEMPT). A re-run that writes nothing sets outputs that describe where the stage
// stands now (the current rollout's version, share and latest step), never the old run's step and
// version beside today's share; and a re-run of an abort job aborts the rollout running now.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gitOk } from '../src/registry/git/runner.js'
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import type { Clone } from './helpers/git-sandbox.js'
import { runAction } from './helpers/run-action.js'

const CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/shifted-clock.mjs')
const MINUTE = 60
const T0 = Date.UTC(2026, 0, 5) / 1000

const POLICY = `model: fraud
path: model
metrics:
  auc: { goal: maximize }
stages:
  staging:
    from: [candidate]
  canary:
    from: [staging]
    rollout:
      type: canary
      steps: [5, 10, 25, 50]
      min_step_duration: 30m
      source: { prometheus: { url: "http://127.0.0.1:9" } }
      triggers:
        - name: errors
          query: 'error_ratio{model="$model", version="$version"}'
          max: 0.05
  production:
    from: [canary]
rollback:
  allowed: { permission: maintain }
`

describe('re-runs of command rollout jobs (bundled action): outputs say where the stage stands now', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  const clock = (seconds: number) => ({
    NODE_OPTIONS: `--import=${CLOCK}`,
    SHIFTED_CLOCK_START_MS: String(seconds * 1000)
  })
  // The run `run` (its GITHUB_RUN_ID), at attempt `attempt` (a re-run of its job when above 1).
  const dispatch = (seconds: number, inputs: Record<string, string>, run: string, attempt = 1) =>
    runAction(
      { command: 'rollout', policy: 'policy.yml', stage: 'canary', ...inputs },
      workspace.env('HEAD', {
        ...clock(seconds),
        GITHUB_TRIGGERING_ACTOR: 'octocat',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: run,
        GITHUB_RUN_ATTEMPT: String(attempt)
      }),
      clone.dir
    )
  const outputsOf = (outputs: Record<string, string>) => ({
    'rollout-step': outputs['rollout-step'],
    version: outputs.version,
    'traffic-percent': outputs['traffic-percent'],
    'rollout-steps': JSON.parse(outputs['rollout-steps'] ?? 'null') as unknown
  })
  const stands = (step: string, version: string, percent: number) => ({
    'rollout-step': step,
    version,
    'traffic-percent': String(percent),
    'rollout-steps': [
      {
        stage: 'canary',
        rollout_step: step,
        traffic_percent: percent,
        version,
        champion_version: null
      }
    ]
  })
  // Every start is forced past the stage order (the versions are in no stage), with its reason.
  const start = (version: string) => ({
    step: 'start',
    version,
    force: 'true',
    reason: 'a canary of the candidate'
  })
  const abort = { step: 'abort', reason: 'error spike' }

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.8, 0.85, 0.86], dispatchAt: 2 })
    clone = workspace.clone
    await gitOk(clone.git, ['config', 'user.name', 'Test User'])
    await gitOk(clone.git, ['config', 'user.email', 'test@example.com'])
    for (const [i, version] of ['v1.1.0', 'v1.2.0'].entries()) {
      const registered = await runAction(
        { command: 'register', policy: 'policy.yml', version },
        workspace.env(workspace.commits[i + 1] as string, clock(T0 - 50 * MINUTE + i * 60)),
        clone.dir
      )
      expect(registered.exitCode).toBe(0)
    }
    await gitOk(clone.git, ['fetch', '--quiet', '--tags', 'origin'])
    // Run 500 starts v1.1.0, 501 advances it, 502 aborts it; 503 starts v1.2.0, 504 and 505
    // advance it to 25%.
    for (const [minutes, inputs, run, step, percent] of [
      [0, start('v1.1.0'), '500', 'start', '5'],
      [31, { step: 'advance' }, '501', 'advance', '10'],
      [32, abort, '502', 'abort', '0'],
      [33, start('v1.2.0'), '503', 'start', '5'],
      [64, { step: 'advance' }, '504', 'advance', '10'],
      [95, { step: 'advance' }, '505', 'advance', '25']
    ] as const) {
      const taken = await dispatch(T0 + minutes * MINUTE, inputs, run)
      expect(taken.stderr).toBe('')
      expect([
        taken.exitCode,
        taken.outputs['rollout-step'],
        taken.outputs['traffic-percent']
      ]).toEqual([0, step, percent])
    }
  }, 240_000)
  afterAll(async () => {
    await workspace?.cleanup()
  })

  it("a re-run of an old advance job writes nothing; its outputs are today's rollout, not the old run's version", async () => {
    const tags = await remoteTags(clone)
    const rerun = await dispatch(T0 + 96 * MINUTE, { step: 'advance' }, '501', 2)
    expect(rerun.stderr).toBe('')
    expect(rerun.exitCode).toBe(0)
    expect(outputsOf(rerun.outputs)).toEqual(stands('advance', 'v1.2.0', 25))
    // The report says what the run had recorded, and where the stage stands now.
    expect(rerun.summary).toContain(
      'Recorded already by this workflow run at 2026-01-05 00:31:00 UTC: advance (10%) of v1.1.0; the stage stands now at advance (25%) of v1.2.0.'
    )
    expect(rerun.summary).toContain('Now: canary v1.2.0 at 25%')
    expect(await remoteTags(clone)).toEqual(tags)
  })

  it('a re-run of an old abort job aborts the rollout running now; its own re-run then writes nothing', async () => {
    const tags = await remoteTags(clone)
    const rerun = await dispatch(T0 + 97 * MINUTE, abort, '502', 2)
    expect(rerun.stderr).toBe('')
    expect(rerun.exitCode).toBe(0)
    expect(rerun.summary).toContain('recorded abort (0%)')
    expect(outputsOf(rerun.outputs)).toEqual(stands('abort', 'v1.2.0', 0))
    expect(await remoteTags(clone)).not.toEqual(tags)
    const aborted = await remoteTags(clone)
    const again = await dispatch(T0 + 98 * MINUTE, abort, '502', 3)
    expect(again.exitCode).toBe(0)
    expect(again.summary).toContain('recorded already')
    expect(outputsOf(again.outputs)).toEqual(stands('abort', 'v1.2.0', 0))
    expect(await remoteTags(clone)).toEqual(aborted)
    // The old advance's re-run, after the abort, has nothing to advance: refused (exit 2), no
    // step outputs at all, never the old advance's version beside a share.
    const advance = await dispatch(T0 + 99 * MINUTE, { step: 'advance' }, '501', 3)
    expect(advance.exitCode).toBe(2)
    expect(advance.stdout).toContain('the rollout of v1.2.0 was aborted')
    expect(advance.outputs['rollout-step']).toBeUndefined()
    expect(advance.outputs['traffic-percent']).toBeUndefined()
    expect(await remoteTags(clone)).toEqual(aborted)
  })
})
