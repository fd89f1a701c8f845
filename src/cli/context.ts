import { existsSync } from 'node:fs'
import { userInfo } from 'node:os'
import path from 'node:path'
import type { RegistryContext } from '../commands/registry-context.js'
import { InvalidInputError, NotFoundError } from '../errors.js'
import { loadPolicy } from '../policy/load.js'
import type { Policy } from '../policy/schema.js'
import { openRegistry, type OpenedRegistry } from '../registry/open.js'

/** The CLI's composition root for registry commands: the checkout, the policy, the person acting. */
export interface CliRegistry extends OpenedRegistry {
  context: RegistryContext
  policy?: Policy
}

/**
 * Opens the registry of the checkout at `repo`. The policy is `--policy`, else
 * `policies/<model>.yml` when it exists; `requirePolicy` makes its absence an error.
 */
export async function openCliRegistry(options: {
  repo: string
  model?: string
  policyFile?: string
  requirePolicy?: boolean
}): Promise<CliRegistry> {
  const policyFile =
    options.policyFile ?? (options.model && defaultPolicyFile(options.repo, options.model))
  if (options.requirePolicy && !policyFile) {
    throw new NotFoundError(
      `No policy for ${options.model ?? 'this model'}: pass --policy FILE or add policies/${options.model ?? '<model>'}.yml`
    )
  }
  const policy = policyFile ? await loadPolicy(policyFile) : undefined
  if (policy && options.model && policy.model !== options.model) {
    throw new InvalidInputError(
      `${policyFile} is the policy for ${policy.model}, not ${options.model}`,
      { locations: [{ file: String(policyFile), keyPath: 'model' }] }
    )
  }
  const opened = await openRegistry(options.repo, policy, { env: process.env })
  const name = (await opened.git(['config', 'user.name'])).stdout.trim()
  const email = (await opened.git(['config', 'user.email'])).stdout.trim()
  return {
    ...opened,
    policy,
    context: {
      registry: opened.registry,
      models: opened.models,
      actor: name || userInfo().username,
      actorEmail: email || undefined,
      now: () => new Date(),
      runFacts: { event: 'cli' },
      workspace: path.resolve(options.repo)
    }
  }
}

function defaultPolicyFile(repo: string, model: string): string | undefined {
  const file = path.join(repo, 'policies', `${model.replace(/[/:]/g, '-')}.yml`)
  return existsSync(file) ? file : undefined
}
