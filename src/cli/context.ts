import { existsSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'
import { registryOnlyAudits } from '../audit/log.js'
import { InvalidInputError, NotFoundError } from '../errors.js'
import { findStage } from '../gates/evaluate.js'
import { defaultPolicyFile } from '../policy/load.js'
import { createGitRunner, type GitRunner } from '../registry/git/runner.js'
import { openWorkspace, type Actor, type Workspace } from '../workspace.js'

/** The CLI's composition root for registry commands: the checkout, the policy, the person acting. */
export interface CliRegistry extends Workspace {
  /**
   * Refuses a stage the policy does not define, naming the ones it does (exit 3), as promote
   * does; without a policy every stage name is looked up in the registry as it is.
   */
  assertStage(stage: string): void
}

/**
 * Opens the registry of the checkout at `repo`. The policy is `--policy` (relative to the
 * working directory, as any command-line path), else `policies/<model>.yml` at the root of the
 * repository `repo` is in (so every command finds it from any subfolder) when it exists;
 * `requirePolicy` makes its absence an error.
 */
export async function openCliRegistry(options: {
  repo: string
  model?: string
  policyFile?: string
  requirePolicy?: boolean
  /** False: git writes stay in this clone (--no-push). */
  push?: false
}): Promise<CliRegistry> {
  const root = await repositoryRoot(options.repo)
  const policyFile =
    options.policyFile ?? (options.model && existingDefaultPolicy(root, options.model))
  if (options.requirePolicy && !policyFile) {
    throw new NotFoundError(
      `No policy for ${options.model ?? 'this model'}: pass --policy FILE or add policies/${options.model ?? '<model>'}.yml`
    )
  }
  const opened = await openWorkspace({
    root: options.repo,
    ...(policyFile ? { policyFile } : {}),
    ...(options.model ? { model: options.model } : {}),
    env: process.env,
    ...(options.push === false ? { push: false } : {}),
    actor: gitUser,
    runFacts: { event: 'cli' },
    audits: registryOnlyAudits,
    candidatesIn: path.resolve(options.repo),
    naming: {
      otherModel: (policyModel, named) =>
        new InvalidInputError(`${policyFile} is the policy for ${policyModel}, not ${named}`, {
          locations: [{ file: String(policyFile), keyPath: 'model' }]
        }),
      localWritesOnMlflow:
        '--no-push keeps git tags in this clone; an MLflow registry has no local copy to keep a write in'
    }
  })
  const policy = opened.policy
  return {
    ...opened,
    assertStage: stage => {
      if (policy) findStage(policy, stage)
    }
  }
}

/** The person acting on a terminal: git's user.name (else the login name) and user.email. */
async function gitUser(git: GitRunner): Promise<Actor> {
  const name = (await git(['config', 'user.name'])).stdout.trim()
  const email = (await git(['config', 'user.email'])).stdout.trim()
  return { name: name || userInfo().username, ...(email ? { email } : {}) }
}

/**
 * The top of the work tree `repo` is in; `repo` itself when it is in none (openRegistry then
 * says so, or the policy names an MLflow registry). A `repo` that is not a directory is named
 * here, before git would fail to start in it with a bare "spawn git ENOENT".
 */
async function repositoryRoot(repo: string): Promise<string> {
  let isDirectory = false
  try {
    isDirectory = statSync(repo).isDirectory()
  } catch {
    // Absent or unreadable: reported below as not found.
  }
  if (!isDirectory) throw new NotFoundError(`--repo ${repo}: no such directory`)
  const top = await createGitRunner(repo)(['rev-parse', '--show-toplevel'])
  return top.code === 0 ? top.stdout.trim() : repo
}

/** The model's policy where it is kept when none is named (policy/load.ts), if it is there. */
function existingDefaultPolicy(repo: string, model: string): string | undefined {
  const file = path.join(repo, defaultPolicyFile(model))
  return existsSync(file) ? file : undefined
}
