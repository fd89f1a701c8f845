/**
 * The one composition path both roots share (the CLI's cli/context.ts and the action's
 * action/commands.ts): the policy, the model it is for, the registry it names and the context
 * commands are given. It sits at the top of src/, beside main.ts and cli.ts, because it is part
 * of the composition roots: it wires policy/, registry/ and commands/ together, and nothing
 * below the roots may import it. Each root says only where its inputs come from and how it
 * names them in messages (the CLI names files and flags, the action names inputs).
 */
import type { AuditLog } from './audit/log.js'
import type { RunFacts } from './audit/record.js'
import type { RegistryContext } from './commands/registry-context.js'
import { InvalidInputError } from './errors.js'
import { loadPolicy } from './policy/load.js'
import type { Policy } from './policy/schema.js'
import type { GitRunner } from './registry/git/runner.js'
import { openRegistry, type OpenedRegistry } from './registry/open.js'

/** Who acts, as recorded: a GitHub login in the action, the git user on a terminal. */
export interface Actor {
  name: string
  email?: string
}

/** How a root names its inputs in the messages openWorkspace gives. */
export interface WorkspaceNaming {
  /** The policy read is for `policyModel`, not the `named` model asked for. */
  otherModel(policyModel: string, named: string): InvalidInputError
  /** Writes are to stay in this clone (push: false), but the policy names an MLflow registry. */
  localWritesOnMlflow?: string
}

export interface WorkspaceOptions {
  /** The checkout the git registry lives in (and git runs in, for either backend). */
  root: string
  /** A policy already read (the action's base-branch policy): used instead of `policyFile`. */
  policy?: Policy
  /** The policy file to read when no policy is given; neither: no policy. */
  policyFile?: string
  /** The model asked for; checked against the policy's when both are known. */
  model?: string
  /** Where MLflow's tracking URI and credentials come from. */
  env: Record<string, string | undefined>
  /** Called with every secret before it is used (the action masks it). */
  onSecret?: (secret: string) => void
  /** False: git writes stay in this clone (--no-push). */
  push?: false
  /** Who acts, or how to find out from the checkout's git (the CLI reads `git config user.*`). */
  actor: Actor | ((git: GitRunner) => Promise<Actor>)
  /** Facts about the run that go into every audit record. */
  runFacts: RunFacts
  /** Where the commands' audit records go (RegistryContext.audits). */
  audits: AuditLog
  /** The directory candidate directories must lie in (RegistryContext.workspace). */
  candidatesIn?: string
  /** Told of every rollout step written (RegistryContext.rolloutHandoff): the action's hand-off. */
  rolloutHandoff?: RegistryContext['rolloutHandoff']
  naming: WorkspaceNaming
}

export interface Workspace extends OpenedRegistry {
  policy?: Policy
  /** The model asked for, else the policy's. */
  model?: string
  context: RegistryContext
}

/**
 * Reads the policy (unless given), refuses one for another model, opens the registry it names
 * on the checkout and builds the context commands run in.
 */
export async function openWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const policy =
    options.policy ?? (options.policyFile ? await loadPolicy(options.policyFile) : undefined)
  if (policy && options.model && policy.model !== options.model) {
    throw options.naming.otherModel(policy.model, options.model)
  }
  if (options.push === false && policy?.registry.type === 'mlflow') {
    throw new InvalidInputError(
      options.naming.localWritesOnMlflow ??
        'Writes cannot stay local: an MLflow registry has no local copy to keep a write in'
    )
  }
  const opened = await openRegistry(options.root, policy, {
    env: options.env,
    ...(options.onSecret ? { onSecret: options.onSecret } : {}),
    ...(options.push === false ? { push: false } : {})
  })
  const actor =
    typeof options.actor === 'function' ? await options.actor(opened.git) : options.actor
  const model = options.model ?? policy?.model
  return {
    ...opened,
    ...(policy ? { policy } : {}),
    ...(model ? { model } : {}),
    context: {
      registry: opened.registry,
      models: opened.models,
      actor: actor.name,
      ...(actor.email ? { actorEmail: actor.email } : {}),
      now: () => new Date(),
      runFacts: options.runFacts,
      audits: options.audits,
      ...(options.candidatesIn ? { workspace: options.candidatesIn } : {}),
      ...(options.rolloutHandoff ? { rolloutHandoff: options.rolloutHandoff } : {})
    }
  }
}
