import { ExitCode } from '../errors.js'
import type { CommandOutcome, RegistryContext } from './registry-context.js'

export interface RegisterOptions {
  model: string
  version: string
  /** The commit (already resolved) the version is made of. */
  commit: string
  dryRun?: boolean
}

/** `modelgate register`: record a version on a commit. Re-registering the same version writes nothing. */
export async function register(
  context: RegistryContext,
  options: RegisterOptions
): Promise<CommandOutcome> {
  const result = await context.registry.register(
    options.model,
    options.version,
    options.commit,
    { actor: context.actor, actorEmail: context.actorEmail, record: { ...context.runFacts } },
    { dryRun: options.dryRun }
  )
  const what = `${options.model} ${options.version} on ${options.commit.slice(0, 12)}`
  const text = result.written
    ? `Registered ${what}: \`${result.events.map(event => event.id).join('`, `')}\``
    : result.reason === 'dry run'
      ? `Dry run: would register ${what}: \`${result.planned.map(event => event.id).join('`, `')}\``
      : `Nothing written: ${options.model} ${options.version} ${result.reason}.`
  return {
    markdown: text + '\n',
    json: JSON.stringify({ ...options, written: result.written }, null, 2),
    exitCode: ExitCode.Pass
  }
}
