import { escape } from '../report/markdown.js'
import { ExitCode, ModelGateError } from '../errors.js'
import type { CommandOutcome, RegistryContext } from './registry-context.js'

export interface RegisterOptions {
  model: string
  version: string
  /** The commit (already resolved) the version is made of. */
  commit: string
  dryRun?: boolean
}

/**
 * `modelgate register`: record a version on a commit, with the content digest of the model's
 * files there (when the backend can read them), so a candidate directory can later be
 * compared with the version. Re-registering the same version writes nothing.
 */
export async function register(
  context: RegistryContext,
  options: RegisterOptions
): Promise<CommandOutcome> {
  const digest = await digestOf(context, options)
  const result = await context.registry.register(
    options.model,
    options.version,
    options.commit,
    {
      actor: context.actor,
      actorEmail: context.actorEmail,
      record: { ...context.runFacts },
      ...('digest' in digest ? { candidateDigest: digest.digest } : {})
    },
    { dryRun: options.dryRun }
  )
  // Names from the command line or a workflow input: escaped for the markdown below.
  const [model, version] = [options.model, options.version].map(escape)
  const what = `${model} ${version} on ${options.commit.slice(0, 12)}`
  const text = result.written
    ? `Registered ${what}: \`${result.events.map(event => event.id).join('`, `')}\``
    : result.reason === 'dry run'
      ? `Dry run: would register ${what}: \`${result.planned.map(event => event.id).join('`, `')}\``
      : `Nothing written: ${model} ${version} ${result.reason}.`
  const note =
    'digest' in digest
      ? `Candidate digest: ${digest.digest}`
      : `No candidate digest recorded (${escape(digest.why)}): a candidate directory is compared with the version's own files instead, or refused when they cannot be read.`
  return {
    markdown: `${text}\n${result.written || result.reason === 'dry run' ? `${note}\n` : ''}`,
    json: JSON.stringify(
      {
        ...options,
        written: result.written,
        ...('digest' in digest ? { candidateDigest: digest.digest } : {})
      },
      null,
      2
    ),
    exitCode: ExitCode.Pass
  }
}

/** The digest of the model's files at the commit, or why there is none. */
async function digestOf(
  context: RegistryContext,
  options: RegisterOptions
): Promise<{ digest: string } | { why: string }> {
  if (!context.models.digestAt) return { why: 'this registry keeps no files for ModelGate to read' }
  try {
    const digest = await context.models.digestAt(options.model, options.commit)
    return digest ? { digest } : { why: 'no files at the commit' }
  } catch (error) {
    // A model whose files cannot be found can still be registered (GTO allows it); its
    // promotions are then judged on what loadVersion reads, and a directory is refused.
    if (error instanceof ModelGateError) return { why: error.message }
    throw error
  }
}
