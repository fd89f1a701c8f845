/**
 * `register` on MLflow (issue 11, item 2). MLflow numbers versions itself, so ModelGate cannot
 * record a version under a number it chooses, and there is no git commit to point at. Two
 * paths:
 *
 * - **from a run**: create a version with `model-versions/create`, source
 *   `runs:/<run_id>/<path>` (what `mlflow.register_model("runs:/…")` sends), the registered
 *   model created first when it does not exist; MLflow answers with the version's number. A
 *   re-run for the same run and path finds that version and writes nothing.
 * - **confirm**: a version that already exists (registered by the training job) is confirmed
 *   as it is; no write.
 *
 * The candidate digest, when given, goes into the version tag `modelgate.candidate_digest`
 * with the create call, so a candidate directory can later be bound to the version.
 */
import { InvalidInputError, NotFoundError } from '../../errors.js'
import type { AuditFacts, RegistryEvent, WriteResult } from '../port.js'
import type { MlflowHttp } from './http.js'
import type { TagKeys } from './names.js'
import type { ModelVersionView } from './wire.js'
import { readModelVersion } from './wire.js'

/** MLflow run ids are 32 hex digits; other stores use other ids, so any plain word is let through. */
const RUN_ID_RE = /^[A-Za-z0-9_-]{1,256}$/

export interface RegisterFromRun {
  model: string
  runId: string
  /** The model's artifact path inside the run (`mlflow.<flavor>.log_model(artifact_path=…)`). */
  artifactPath: string
  audit: AuditFacts
  dryRun?: boolean
}

export interface RegisterPorts {
  http: MlflowHttp
  keys: TagKeys
  /** Every version of the model (`model-versions/search`). */
  searchVersions(model: string): Promise<ModelVersionView[]>
  now(): number
  unityCatalog: boolean
}

export function checkRunSource(runId: string, artifactPath: string): string {
  if (!RUN_ID_RE.test(runId)) {
    throw new InvalidInputError(
      `Invalid MLflow run id "${runId}": letters, digits, _ and - only (MLflow's are 32 hex digits).`
    )
  }
  const parts = artifactPath.split('/')
  if (
    !artifactPath ||
    artifactPath.startsWith('/') ||
    parts.some(p => p === '' || p === '..' || p === '.')
  ) {
    throw new InvalidInputError(
      `Invalid artifact path "${artifactPath}": a relative path inside the run, e.g. model.`
    )
  }
  return `runs:/${runId}/${artifactPath}`
}

/** Creates (or finds, on a re-run) the version of `model` made from the run's logged model. */
export async function registerFromRun(
  ports: RegisterPorts,
  request: RegisterFromRun
): Promise<WriteResult & { version?: string }> {
  if (ports.unityCatalog) {
    throw new InvalidInputError(
      'Registering from a run on Unity Catalog is not supported by ModelGate: register with mlflow.register_model (UC needs a signature), then promote the version.'
    )
  }
  const { model, runId, artifactPath, audit } = request
  const source = checkRunSource(runId, artifactPath)
  // The run must exist on this server (a missing run is exit 3, named).
  await ports.http.call('GET', '/mlflow/runs/get', { run_id: runId }, `Run ${runId}`)
  let exists = true
  try {
    await ports.http.call('GET', '/mlflow/registered-models/get', { name: model }, `"${model}"`)
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    exists = false
  }
  if (exists) {
    const same = (await ports.searchVersions(model)).find(
      mv => mv.runId === runId && mv.source === source
    )
    if (same) return { written: false, reason: 'already registered', version: same.version }
  }
  const event = (version: string): RegistryEvent => ({
    kind: 'registration',
    model,
    version,
    at: new Date(ports.now()),
    by: audit.actor,
    ...(audit.actorEmail ? { byEmail: audit.actorEmail } : {}),
    id: `${model}/${version}`,
    ref: source,
    summary: `Register ${model} ${version} from ${source}`
  })
  if (request.dryRun) {
    return { written: false, reason: 'dry run', planned: [event('(numbered by MLflow)')] }
  }
  if (!exists) {
    await ports.http.call('POST', '/mlflow/registered-models/create', { name: model }, `"${model}"`)
  }
  const tags = audit.candidateDigest
    ? [{ key: ports.keys.candidateDigest, value: audit.candidateDigest }]
    : []
  const created = readModelVersion(
    await ports.http.call(
      'POST',
      '/mlflow/model-versions/create',
      { name: model, source, run_id: runId, ...(tags.length ? { tags } : {}) },
      `"${model}"`
    )
  )
  if (!created.version) {
    throw new InvalidInputError(`MLflow created a version of ${model} but did not say its number.`)
  }
  return { written: true, events: [event(created.version)], attempts: 1, version: created.version }
}
