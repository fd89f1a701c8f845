import { InvalidInputError, NotFoundError } from '../errors.js'
import type { Policy } from '../policy/schema.js'
import { createGitModelSource } from './git/model-source.js'
import { createGitRegistry, createGitRunner, readGtoStages } from './git/index.js'
import type { GitRunner } from './git/runner.js'
import { withTagCache } from './git/tag-cache.js'
import { createMlflowRegistry, mlflowAuthFromEnv } from './mlflow/index.js'
import { authSecrets } from './mlflow/http.js'
import type { ModelSource } from './model-source.js'
import type { Registry, RunRegistrar } from './port.js'

export interface OpenedRegistry {
  registry: Registry
  models: ModelSource
  /** The git runner on the checkout, for resolving refs and the local user. */
  git: GitRunner
  /** Present when the registry numbers versions itself and makes them from runs (MLflow). */
  fromRuns?: RunRegistrar
}

export interface OpenOptions {
  /** Where MLflow's tracking URI (when the policy names none) and credentials come from (MLflow's own variable names). */
  env?: Record<string, string | undefined>
  /** Called with every secret before it is used, so the action can mask it. */
  onSecret?: (secret: string) => void
  /** Git: false keeps writes in the checkout instead of pushing them to origin (--no-push). */
  push?: boolean
}

/**
 * Opens the registry a policy names. Only the composition path both roots share calls this
 * (openWorkspace in src/workspace.ts, and openOnFirstUse for check): the git registry on the
 * checkout at `cwd` (the default), or an MLflow registry.
 */
export async function openRegistry(
  cwd: string,
  policy?: Policy,
  options: OpenOptions = {}
): Promise<OpenedRegistry> {
  const top = await createGitRunner(cwd)(['rev-parse', '--show-toplevel'])
  const root = top.code === 0 ? top.stdout.trim() : cwd
  if (policy?.registry.type === 'mlflow') {
    const env = options.env ?? {}
    const trackingUri = policy.registry.uri ?? env.MLFLOW_TRACKING_URI
    if (!trackingUri) {
      throw new InvalidInputError(
        'The policy uses an MLflow registry but names no tracking URI: set registry.uri in the policy, or MLFLOW_TRACKING_URI in the environment'
      )
    }
    const auth = mlflowAuthFromEnv(env)
    // The Basic header's base64 too: a server may echo it.
    for (const secret of authSecrets(auth)) options.onSecret?.(secret)
    const registry = createMlflowRegistry({
      trackingUri,
      fetch: globalThis.fetch,
      auth,
      stages: Object.keys(policy.stages),
      legacyStages: policy.registry.legacy_stages,
      // One registry per command: each object is read once, then afresh after a write.
      readOnce: true
    })
    return { registry, models: registry, git: createGitRunner(root), fromRuns: registry }
  }
  if (top.code !== 0) {
    throw new InvalidInputError(`${cwd} is not a git checkout: the git registry lives in one`)
  }
  // Paths in the policy and dvc.yaml are relative to the repository root: run git there.
  // The tag cache turns a read of all tags into one cheap `for-each-ref` on a warm cache.
  const git = withTagCache(createGitRunner(root), { cwd: root })
  const registry = createGitRegistry({
    git,
    allowedStages: await readGtoStages(root),
    ...(options.push === false ? { push: false } : {})
  })
  return { registry, models: createGitModelSource({ git, registry, modelPath: policy?.path }), git }
}

/**
 * The registry opener `check` takes, for the CLI and the action alike: opened on first use (a
 * check of two directories opens nothing), then the same one for candidate and champion, so
 * each object is read once per command.
 */
export function openOnFirstUse(
  cwd: string,
  options: OpenOptions = {}
): (policy: Policy) => Promise<OpenedRegistry> {
  let opened: Promise<OpenedRegistry> | undefined
  return policy => (opened ??= openRegistry(cwd, policy, options))
}

/** The commit `ref` names in the checkout; NotFoundError (exit 3) when it names none. */
export async function resolveCommit(git: GitRunner, ref: string): Promise<string> {
  const resolved = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
  if (resolved.code !== 0) throw new NotFoundError(`No commit named ${ref} in this repository`)
  return resolved.stdout.trim()
}
