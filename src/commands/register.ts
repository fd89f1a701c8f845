import { escape } from '../report/markdown.js'
import { describePublication } from '../report/registry-tables.js'
import { ExitCode, InvalidInputError, ModelGateError } from '../errors.js'
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
    ? `Registered ${what}: \`${result.events.map(event => event.id).join('`, `')}\`${lineOf(describePublication(result.publication))}`
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
        ...(result.written && result.publication ? { publication: result.publication } : {}),
        ...('digest' in digest ? { candidateDigest: digest.digest } : {})
      },
      null,
      2
    ),
    exitCode: ExitCode.Pass
  }
}

/** `text` on a line of its own, or nothing. */
export function lineOf(text: string | undefined): string {
  return text === undefined ? '' : `\n${text}`
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

export interface RegisterMlflowOptions {
  model: string
  /** Confirm this existing version (no write). */
  version?: string
  /** Create a version from this run's logged model (`model-versions/create`). */
  runId?: string
  /** The model's artifact path inside the run. Default `model`. */
  artifactPath?: string
  /** The digest of the files the run logged (`modelgate digest DIR`), kept as a version tag. */
  candidateDigest?: string
  dryRun?: boolean
}

/** What `register` needs of an MLflow registry (registry/mlflow/register-run.ts). */
export interface MlflowRegistration {
  register: RegistryContext['registry']['register']
  registerFromRun(request: {
    model: string
    runId: string
    artifactPath: string
    audit: { actor: string; actorEmail?: string; candidateDigest?: string }
    dryRun?: boolean
  }): Promise<WriteResultWithVersion>
}
type WriteResultWithVersion = Awaited<ReturnType<RegistryContext['registry']['register']>> & {
  version?: string
}

/**
 * `modelgate register` on MLflow, where versions are numbered by MLflow and made from runs:
 * `--run` creates a version from the run (and prints the number MLflow gave it); `--version`
 * alone confirms a version the training job registered. No git ref is involved.
 */
export async function registerMlflow(
  context: RegistryContext,
  registry: MlflowRegistration,
  options: RegisterMlflowOptions
): Promise<CommandOutcome> {
  const audit = {
    actor: context.actor,
    actorEmail: context.actorEmail,
    ...(options.candidateDigest ? { candidateDigest: options.candidateDigest } : {})
  }
  let text: string
  let version = options.version
  let written = false
  // Names, run ids and paths come from the command line: escaped for the markdown below.
  const model = escape(options.model)
  const run = options.runId ? escape(options.runId) : undefined
  if (options.version) {
    // A version MLflow already numbered: confirm it (and, with --run, that it is from that run).
    await registry.register(options.model, options.version, options.runId ?? '', audit, {
      dryRun: options.dryRun
    })
    text = `${model} version ${escape(options.version)} is registered in MLflow${run ? ` from run ${run}` : ''}; nothing to write.`
  } else if (options.runId) {
    const result = await registry.registerFromRun({
      model: options.model,
      runId: options.runId,
      artifactPath: options.artifactPath ?? 'model',
      audit,
      dryRun: options.dryRun
    })
    const source = escape(`runs:/${options.runId}/${options.artifactPath ?? 'model'}`)
    version = result.version ?? version
    written = result.written
    text = result.written
      ? `Registered ${model} version ${escape(result.version ?? '?')} from ${source}.`
      : result.reason === 'dry run'
        ? `Dry run: would create a version of ${model} from ${source} (MLflow gives it its number).`
        : `Nothing written: ${model} version ${escape(result.version ?? '?')} is already registered from ${source}.`
  } else {
    throw new InvalidInputError(
      'On MLflow, register needs --run RUN_ID (create a version from the run) or --version N (confirm one that exists).'
    )
  }
  return {
    markdown: `${text}\n${options.candidateDigest && (written || options.dryRun) ? `Candidate digest: ${options.candidateDigest}\n` : ''}`,
    json: JSON.stringify({ ...options, version, written }, null, 2),
    exitCode: ExitCode.Pass
  }
}
