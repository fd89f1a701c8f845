import type { RunRegistrar } from '../registry/port.js'
import type { RegistrationRecord } from '../audit/record.js'
import { ExitCode, InvalidInputError, ModelGateError } from '../errors.js'
import type { RegisterMlflowRequest, RegisterRequest } from '../report/register.js'
import type { CommandResult, RegistryContext } from './registry-context.js'

/** What `register` is asked (report/register.ts prints it back). */
export type RegisterOptions = RegisterRequest

/**
 * `modelgate register`: record a version on a commit, with the content digest of the model's
 * files there (when the backend can read them), so a candidate directory can later be
 * compared with the version. Re-registering the same version writes nothing.
 */
export async function register(
  context: RegistryContext,
  options: RegisterOptions
): Promise<CommandResult> {
  const digest = await digestOf(context, options)
  // A registration decides nothing: its record is the run's facts (audit/record.ts).
  const record: RegistrationRecord = { ...context.runFacts }
  const result = await context.registry.register(
    options.model,
    options.version,
    options.commit,
    {
      actor: context.actor,
      actorEmail: context.actorEmail,
      record,
      ...('digest' in digest ? { candidateDigest: digest.digest } : {})
    },
    { dryRun: options.dryRun }
  )
  return {
    report: { command: 'register', result: { request: options, result, digest } },
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

/** What `register` on MLflow is asked (report/register.ts prints it back). */
export type RegisterMlflowOptions = RegisterMlflowRequest

/**
 * `modelgate register` on MLflow, where versions are numbered by MLflow and made from runs:
 * `--run` creates a version from the run (and prints the number MLflow gave it); `--version`
 * alone confirms a version the training job registered. No git ref is involved.
 */
export async function registerMlflow(
  context: RegistryContext,
  registry: RunRegistrar,
  options: RegisterMlflowOptions
): Promise<CommandResult> {
  const audit = {
    actor: context.actor,
    actorEmail: context.actorEmail,
    ...(options.candidateDigest ? { candidateDigest: options.candidateDigest } : {})
  }
  if (options.version) {
    // A version MLflow already numbered: confirm it (and, with --run, that it is from that run).
    await context.registry.register(options.model, options.version, options.runId ?? '', audit, {
      dryRun: options.dryRun
    })
    return {
      report: {
        command: 'register-mlflow',
        result: {
          request: options,
          version: options.version,
          written: false,
          what: { kind: 'confirmed', version: options.version }
        }
      },
      exitCode: ExitCode.Pass
    }
  }
  if (!options.runId) {
    throw new InvalidInputError(
      'On MLflow, register needs --run RUN_ID (create a version from the run) or --version N (confirm one that exists).'
    )
  }
  const result = await registry.registerFromRun({
    model: options.model,
    runId: options.runId,
    artifactPath: options.artifactPath ?? 'model',
    audit,
    dryRun: options.dryRun
  })
  return {
    report: {
      command: 'register-mlflow',
      result: {
        request: options,
        version: result.version ?? options.version,
        written: result.written,
        what: {
          kind: 'from-run',
          source: `runs:/${options.runId}/${options.artifactPath ?? 'model'}`,
          version: result.version,
          outcome: result.written
            ? 'written'
            : result.reason === 'dry run'
              ? 'dry run'
              : 'already registered'
        }
      }
    },
    exitCode: ExitCode.Pass
  }
}
