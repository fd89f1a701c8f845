/**
 * What the end-to-end tests of rollouts in the bundled action share (issue 15), on a dispatch
 * workspace (see action-workspace.ts) whose policy rollout-policy.ts writes: versions registered
 * by the action, setup steps by the bundled CLI with its clock shifted, the environment of a
 * scheduled `monitor` run, and the rollout's steps as `rollout --json` lists them.
 */
import { gitOk } from '../../src/registry/git/runner.js'
import type { DispatchWorkspace } from './action-workspace.js'
import { bundledCli } from './cli-bundle.js'
import type { WrittenEvent } from './events.js'
import type { Clone } from './git-sandbox.js'
import { clockAt, MINUTE } from './monitored-registry.js'
import { BASE_SECONDS } from './prometheus.js'
import { runAction } from './run-action.js'

/**
 * Registers `versions` by running the bundled action (`command: register` on policy.yml) on the
 * workspace's dispatch: the i-th at commit `first + i` (default 0), with the clock at `from` plus
 * i minutes (the real clock without `from`); each run must succeed. Then fetches origin's tags
 * into the clone, for the CLI to see them.
 */
export async function registerByAction(
  workspace: DispatchWorkspace,
  versions: string[],
  options: { from?: number; first?: number } = {}
): Promise<void> {
  const { from, first = 0 } = options
  for (const [i, version] of versions.entries()) {
    const registered = await runAction(
      { command: 'register', policy: 'policy.yml', version },
      workspace.env(
        workspace.commits[first + i] as string,
        from === undefined ? {} : clockAt(from + i * MINUTE)
      ),
      workspace.clone.dir
    )
    expect(registered.exitCode).toBe(0)
  }
  await gitOk(workspace.clone.git, ['fetch', '--quiet', '--tags', 'origin'])
}

/**
 * A setup step by the bundled CLI in the clone, on policy.yml, with the clock at `seconds` (the
 * real clock without): it must say nothing on stderr and exit 0, or 1 (a first champion forced
 * past its gates).
 */
export async function setUpByCli(clone: Clone, args: string[], seconds?: number): Promise<void> {
  const run = await bundledCli(
    clone.dir,
    [...args, '--policy', 'policy.yml'],
    seconds === undefined ? {} : clockAt(seconds)
  )
  expect(run.stderr).toBe('')
  expect([0, 1]).toContain(run.exitCode)
}

/**
 * The fraud registry most rollout tests start from: v1.0.0 and v1.1.0 registered by the action
 * (commits 0 and 1) at BASE − 50m and a minute later; v1.0.0 forced into production, the first
 * champion, at BASE − 40m; v1.1.0 promoted to staging at BASE − 30m.
 */
export async function championAndStagedCandidate(workspace: DispatchWorkspace): Promise<void> {
  const { clone } = workspace
  await registerByAction(workspace, ['v1.0.0', 'v1.1.0'], { from: BASE_SECONDS - 50 * MINUTE })
  const promote = ['promote', 'fraud', '--to']
  const force = ['--force', '--reason', 'the first champion']
  await setUpByCli(
    clone,
    [...promote, 'production', '--version', 'v1.0.0', ...force],
    BASE_SECONDS - 40 * MINUTE
  )
  await setUpByCli(
    clone,
    [...promote, 'staging', '--version', 'v1.1.0'],
    BASE_SECONDS - 30 * MINUTE
  )
}

/** A step of a rollout, as `modelgate rollout MODEL --stage STAGE --json` lists it. */
export interface RolloutStepJson {
  kind: string
  percent: number
  by: string
  run?: string
  reason?: string
}

/** The steps of fraud's rollout in `canary`, listed by the bundled CLI at `seconds` (or now). */
export async function canarySteps(clone: Clone, seconds?: number): Promise<RolloutStepJson[]> {
  const run = await bundledCli(
    clone.dir,
    ['rollout', 'fraud', '--policy', 'policy.yml', '--stage', 'canary', '--json'],
    seconds === undefined ? {} : clockAt(seconds)
  )
  return (JSON.parse(run.stdout) as { steps: RolloutStepJson[] }).steps
}

/**
 * The environment of a scheduled `monitor` run at `seconds` (its GITHUB_RUN_ID): the workspace's
 * dispatch at `sha` with the clock shifted, the `schedule` event written, octocat as the actor,
 * the workflow `monitor`, then `extra`.
 */
export function scheduledMonitorEnv(
  workspace: DispatchWorkspace,
  schedule: WrittenEvent,
  sha: string,
  seconds: number,
  extra: Record<string, string> = {}
): Record<string, string> {
  return {
    ...workspace.env(sha, clockAt(seconds)),
    ...schedule.env,
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'monitor',
    GITHUB_RUN_ID: `${seconds}`,
    ...extra
  }
}
