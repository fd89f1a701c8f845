/**
 * What the end-to-end tests of the bundled action share: a git clone whose origin holds a model
 * committed at a few AUC values, versions registered by the action itself, and runs of the action
 * on event payloads against the GitHub API stand-in, each checked for leaked secrets.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { AuditRecord } from '../../src/audit/record.js'
import { gitOk } from '../../src/registry/git/runner.js'
import { workflowDispatchEvent, writeEvent, type BuiltEvent, type WrittenEvent } from './events.js'
import { commit, makeSandbox, type Clone } from './git-sandbox.js'
import { start, type StandIn } from './github-stand-in/index.js'
import { runAction, type ActionRun } from './run-action.js'

/** For the action's own git: no global or system config. */
export const HERMETIC_GIT = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

export interface ModelWorkspace {
  /** The checkout the action runs in; its origin is a bare repository beside it. */
  clone: Clone
  /** The commits of the model, one per AUC, in order. */
  commits: string[]
  /** Removes the clone and its origin. */
  cleanup(): Promise<void>
}

/**
 * A clone with `policy.yml` and a `model/` directory whose `metrics.json` is committed once per
 * AUC, in order, and pushed to origin's main.
 */
export async function modelWorkspace(options: {
  policy: string
  aucs: number[]
}): Promise<ModelWorkspace> {
  const sandbox = await makeSandbox()
  try {
    const clone = await sandbox.clone('workspace')
    await mkdir(path.join(clone.dir, 'model'))
    await writeFile(path.join(clone.dir, 'policy.yml'), options.policy)
    const commits: string[] = []
    for (const auc of options.aucs) {
      await writeFile(path.join(clone.dir, 'model/metrics.json'), JSON.stringify({ auc }))
      await gitOk(clone.git, ['add', '-A'])
      await gitOk(clone.git, ['commit', '--quiet', '-m', `auc ${auc}`])
      commits.push((await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim())
    }
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'main'])
    return { clone, commits, cleanup: () => sandbox.cleanup() }
  } catch (error) {
    await sandbox.cleanup()
    throw error
  }
}

/**
 * Registers each version at its commit (`{ 'v1.0.0': sha }`), in order, by running the bundled
 * action with `command: register` as `actor` on workflow_dispatch; each run must succeed.
 * `policy` is the policy file (default `policy.yml`); `env` is added to each run (e.g. a clock).
 */
export async function registerVersions(
  clone: Clone,
  options: {
    actor: string
    versions: Record<string, string>
    policy?: string
    env?: Record<string, string>
  }
): Promise<void> {
  for (const [version, sha] of Object.entries(options.versions)) {
    const registered = await runAction(
      { command: 'register', policy: options.policy ?? 'policy.yml', version },
      {
        ...HERMETIC_GIT,
        ...options.env,
        GITHUB_SHA: sha,
        GITHUB_ACTOR: options.actor,
        GITHUB_EVENT_NAME: 'workflow_dispatch'
      },
      clone.dir
    )
    expect(registered.exitCode).toBe(0)
  }
}

/** An empty commit (a merge, a direct push) on the clone's branch, pushed to origin's main. */
export async function pushCommit(clone: Clone, message: string): Promise<string> {
  const sha = await commit(clone.git, message)
  await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD:main'])
  return sha
}

/** `git ls-remote --tags origin`: the registry's tags as origin holds them. */
export function remoteTags(clone: Clone): Promise<string> {
  return gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
}

/** The audit records in a job summary (fenced JSON blocks under "### Audit"); none without one. */
export function summaryRecords(summary: string): AuditRecord[] {
  const at = summary.indexOf('### Audit')
  if (at < 0) return []
  return [...summary.slice(at).matchAll(/(`{3,})json\n([\s\S]*?)\n\1/g)].map(match =>
    AuditRecord.parse(JSON.parse(match[2] as string))
  )
}

/**
 * Fails unless each secret shows in the run only in its own `::add-mask::` command (which the
 * runner takes out of the log): never elsewhere on stdout, on stderr or in the job summary.
 */
export function expectNoSecret(result: ActionRun, secrets: string[]): void {
  const lines = result.stdout.split('\n')
  for (const secret of secrets) {
    const mask = `::add-mask::${secret}`
    expect(lines).toContain(mask)
    expect(lines.filter(line => line !== mask).join('\n')).not.toContain(secret)
    expect(result.stderr).not.toContain(secret)
    expect(result.summary).not.toContain(secret)
  }
}

export interface EventRunner {
  /**
   * Writes the event's payload as a runner does and runs the bundled action on it, with the
   * stand-in's token and URL; fails if the token or another secret leaks.
   */
  run(
    event: BuiltEvent,
    inputs: Record<string, string>,
    env?: Record<string, string>
  ): Promise<ActionRun>
  /** Writes the event's payload only (removed by `cleanup`), for a run made some other way. */
  write(event: BuiltEvent): Promise<WrittenEvent>
  /** Removes every payload written. */
  cleanup(): Promise<void>
}

/**
 * Runs of the bundled action in `workspace` against the GitHub stand-in `gh`; `inputs` and `env`
 * are added to every run, and `secrets` are checked besides the token.
 */
export function eventRunner(options: {
  workspace: string
  gh: StandIn
  inputs?: Record<string, string>
  env?: Record<string, string>
  secrets?: string[]
}): EventRunner {
  const { workspace, gh } = options
  const written: WrittenEvent[] = []
  const write = async (event: BuiltEvent) => {
    const file = await writeEvent(event)
    written.push(file)
    return file
  }
  return {
    write,
    async run(event, inputs, env = {}) {
      const file = await write(event)
      const result = await runAction(
        { 'github-token': gh.token, ...options.inputs, ...inputs },
        { ...file.env, ...HERMETIC_GIT, ...options.env, GITHUB_API_URL: gh.url, ...env },
        workspace
      )
      expectNoSecret(result, [gh.token, ...(options.secrets ?? [])])
      return result
    },
    async cleanup() {
      for (const file of written.splice(0)) await file.cleanup()
    }
  }
}

export interface DispatchWorkspace extends ModelWorkspace {
  /** The GitHub stand-in, holding acme/models with octocat as a maintainer. */
  gh: StandIn
  /** octocat's workflow_dispatch event on acme/models. */
  dispatched: WrittenEvent
  /**
   * The environment of a run of that dispatch at `sha`: the event, octocat as actor, the
   * stand-in's URL and token, hermetic git, then `extra`.
   */
  env(sha: string, extra?: Record<string, string>): Record<string, string>
}

/**
 * A model workspace (see `modelWorkspace`) dispatched by octocat, a maintainer of acme/models on
 * a fresh GitHub stand-in, at the commit of `aucs[dispatchAt]`. `cleanup` removes the event,
 * the stand-in and the workspace.
 */
export async function dispatchWorkspace(options: {
  policy: string
  aucs: number[]
  dispatchAt: number
}): Promise<DispatchWorkspace> {
  const gh = await start()
  let workspace: ModelWorkspace | undefined
  try {
    gh.state.addRepo({ owner: 'acme', name: 'models' }).addCollaborators({ octocat: 'maintain' })
    workspace = await modelWorkspace({ policy: options.policy, aucs: options.aucs })
    const dispatched = await writeEvent(
      workflowDispatchEvent({
        repo: { owner: 'acme', name: 'models' },
        sha: workspace.commits[options.dispatchAt] as string,
        sender: 'octocat'
      })
    )
    const { clone, commits, cleanup } = workspace
    return {
      clone,
      commits,
      gh,
      dispatched,
      env: (sha, extra = {}) => ({
        ...dispatched.env,
        GITHUB_SHA: sha,
        GITHUB_ACTOR: 'octocat',
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_API_URL: gh.url,
        'INPUT_GITHUB-TOKEN': gh.token,
        ...HERMETIC_GIT,
        ...extra
      }),
      async cleanup() {
        await dispatched.cleanup()
        await gh.close()
        await cleanup()
      }
    }
  } catch (error) {
    await gh.close()
    await workspace?.cleanup()
    throw error
  }
}
