import { InvalidInputError } from '../errors.js'
import type { Policy } from '../policy/schema.js'
import { createGitModelSource } from './git-model-source.js'
import { createGitRegistry, createGitRunner, readGtoStages } from './git/index.js'
import type { GitRunner } from './git/runner.js'
import type { ModelSource } from './model-source.js'
import type { Registry } from './port.js'

export interface OpenedRegistry {
  registry: Registry
  models: ModelSource
  /** The git runner on the checkout, for resolving refs and the local user. */
  git: GitRunner
}

/**
 * Opens the registry a policy names. Only the composition roots (the CLI and
 * main.ts) call this. Today: the git registry on the checkout at `cwd`.
 */
export async function openRegistry(cwd: string, policy?: Policy): Promise<OpenedRegistry> {
  const type = policy?.registry.type ?? 'git'
  if (type !== 'git') {
    throw new InvalidInputError(
      `registry type "${type}" is not supported by this version of ModelGate`
    )
  }
  const top = await createGitRunner(cwd)(['rev-parse', '--show-toplevel'])
  if (top.code !== 0) {
    throw new InvalidInputError(`${cwd} is not a git checkout: the git registry lives in one`)
  }
  // Paths in the policy and dvc.yaml are relative to the repository root: run git there.
  const git = createGitRunner(top.stdout.trim())
  const registry = createGitRegistry({ git, allowedStages: await readGtoStages(top.stdout.trim()) })
  return { registry, models: createGitModelSource({ git, registry, modelPath: policy?.path }), git }
}
