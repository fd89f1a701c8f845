import { existsSync, statSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'
import { registryOnlyAudits } from '../audit/log.js'
import { InvalidInputError, NotFoundError } from '../errors.js'
import type { StatusPolicies } from '../commands/status.js'
import { findStage } from '../gates/evaluate.js'
import { policyFileName, readPolicyDirectory } from '../policy/directory.js'
import { loadPolicy } from '../policy/load.js'
import { assertStageInAnyPolicy } from '../policy/stages.js'
import type { Policy } from '../policy/schema.js'
import { cleanActorName } from '../registry/actor.js'
import { createGitRunner, type GitRunner } from '../registry/git/runner.js'
import { assertModelName } from '../registry/git/tag-name.js'
import { MlflowRegistry } from '../registry/mlflow/index.js'
import { openWorkspace, type Actor, type Workspace } from '../workspace.js'

/** The CLI's composition root for registry commands: the checkout, the policy, the person acting. */
export interface CliRegistry extends Workspace {
  /**
   * Refuses a stage the policy does not define, naming the ones it does (exit 3), as promote
   * does. With no model named (and no --policy), a stage no policy under policies/ defines is
   * refused the same way, naming every model's stages. For a model without a policy, or when no
   * policy can be read, the stage names are not known: every one is looked up as it is.
   */
  assertStage(stage: string): Promise<void>
  /**
   * What `status` shows of the policies of `models`: the given policy for its model, else each
   * model's policies/MODEL.yml (where `status MODEL` reads it), stages in the policy's order.
   */
  policiesOf(models: readonly string[]): Promise<StatusPolicies>
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
  /** The command writes the registry (dry runs too): a git registry needs git's user.email. */
  writes?: true
}): Promise<CliRegistry> {
  const root = await repositoryRoot(options.repo)
  const policyFile = options.policyFile ?? (options.model && defaultPolicyFile(root, options.model))
  if (options.requirePolicy && !policyFile) {
    throw new NotFoundError(
      `No policy for ${options.model ?? 'this model'}: pass --policy FILE or add policies/${options.model ?? '<model>'}.yml`
    )
  }
  const given = policyFile ? await loadPolicy(policyFile) : undefined
  // GTO's name rule before the first fetch, as register's: git would refuse it as a refspec.
  if (options.model && given?.registry.type !== 'mlflow') assertModelName(options.model)
  const opened = await openWorkspace({
    root: options.repo,
    ...(given ? { policy: given } : {}),
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
  if (
    options.writes &&
    !opened.context.actorEmail &&
    !(opened.registry instanceof MlflowRegistry)
  ) {
    // Never made up: a GitHub noreply address of the login would credit that GitHub account.
    throw new InvalidInputError(
      'git user.email is not set: a registry write records it as the tagger. Set it (git config user.email you@example.com) and run again'
    )
  }
  const policy = opened.policy
  return {
    ...opened,
    assertStage: async stage => {
      if (policy) findStage(policy, stage)
      else if (!options.model) await assertStageOfAnyModel(root, opened.registry, stage)
    },
    policiesOf: models => policiesOf(root, policy, models)
  }
}

/** `history --stage` with no model: the stage against every policy of the repository. */
async function assertStageOfAnyModel(
  root: string,
  registry: CliRegistry['registry'],
  stage: string
): Promise<void> {
  const directory = await readPolicyDirectory(root)
  if (directory.policies.length === 0) return
  const named = new Set(directory.policies.map(({ policy }) => policy.model))
  const withoutPolicy = new Map<string, Set<string>>()
  for (const event of await registry.history()) {
    if (named.has(event.model)) continue
    const stages = withoutPolicy.get(event.model) ?? new Set<string>()
    if (event.stage !== undefined) stages.add(event.stage)
    withoutPolicy.set(event.model, stages)
  }
  assertStageInAnyPolicy(
    stage,
    directory,
    [...withoutPolicy].map(([model, stages]) => ({ model, stages: [...stages].sort() }))
  )
}

async function policiesOf(
  root: string,
  given: Policy | undefined,
  models: readonly string[]
): Promise<StatusPolicies> {
  const policyStages: NonNullable<StatusPolicies['policyStages']>[number][] = []
  const unusedPolicies: NonNullable<StatusPolicies['unusedPolicies']>[number][] = []
  const others = models.filter(model => model !== given?.model)
  const directory = others.length > 0 ? await readPolicyDirectory(root) : undefined
  for (const model of models) {
    if (given?.model === model) {
      policyStages.push({ model, stages: Object.keys(given.stages) })
      continue
    }
    const file = policyFileName(model)
    const read = directory?.policies.find(entry => entry.file === file)
    const unread = directory?.unread.find(entry => entry.file === file)
    if (read?.policy.model === model) {
      policyStages.push({ model, stages: Object.keys(read.policy.stages) })
    } else if (read) {
      unusedPolicies.push({ model, file, why: `is the policy for ${read.policy.model}` })
    } else if (unread) {
      unusedPolicies.push({ model, file, why: `is not a valid policy (${unread.problem})` })
    }
  }
  return { policyStages, ...(unusedPolicies.length > 0 ? { unusedPolicies } : {}) }
}

/** The person acting on a terminal: git's user.name (else the login name) and user.email. */
async function gitUser(git: GitRunner): Promise<Actor> {
  const name = (await git(['config', 'user.name'])).stdout.trim()
  const email = (await git(['config', 'user.email'])).stdout.trim()
  // Cleaned as every registry records a name, so the audit record and the tag's facts agree.
  return { name: cleanActorName(name || userInfo().username), ...(email ? { email } : {}) }
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

function defaultPolicyFile(repo: string, model: string): string | undefined {
  const file = path.join(repo, policyFileName(model))
  return existsSync(file) ? file : undefined
}
