/**
 * A registered MLflow version as a Candidate: metrics from its run, the
 * signature from the first of these that has one. Pure; the adapter fetches.
 *
 * 1. the version tag `modelgate.signature` (`modelgate_signature` on Unity
 *    Catalog), written by the training job: the `signature` block of the
 *    MLmodel as JSON, `{"inputs": "<json>", "outputs": "<json>"}` (what
 *    `ModelSignature.to_dict()` returns); a YAML/JSON list per side works too;
 * 2. the run tag `mlflow.log-model.history` (older MLflow versions wrote each
 *    logged model's signature there): the entry whose `artifact_path` is the
 *    version's source path;
 * 3. the version's MLmodel file, where the server serves it
 *    (`/model-versions/get-artifact`, OSS servers only; the adapter asks only
 *    when 1 and 2 have none).
 *
 * No signature: none is returned, with a note; the schema gate fails closed.
 * Files are never listed (`files: []`, `totalBytes: 0`), so artifact rules
 * fail closed too.
 */
import { parseMlmodelSignature } from '../../candidate/signature.js'
import type { Candidate, Signature } from '../../candidate/types.js'
import type { ModelVersionView, RunView } from './wire.js'

export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history'

export interface CandidateParts {
  model: string
  version: ModelVersionView
  run?: RunView
  signatureTagKeys: readonly string[]
  /** The MLmodel text from the server, when it was fetched. */
  mlmodel?: string
  notes?: string[]
}

/** `models:/name/version`: MLflow's own URI of the version, used as the candidate's `dir`. */
export function versionUri(model: string, version: string): string {
  return `models:/${model}/${version}`
}

/**
 * MLflow's SQL store keeps a metric logged as ±Infinity as ±DBL_MAX and gives that back from
 * `runs/get`: a value this large is an infinity, not a score.
 */
const CLAMPED = `${Number.MAX_VALUE} = DBL_MAX, which MLflow's store returns for a metric logged as Infinity`

export function metricsOf(run: RunView | undefined): {
  metrics: Record<string, number>
  invalidMetrics: Record<string, string>
} {
  const metrics: Record<string, number> = {}
  const invalidMetrics: Record<string, string> = {}
  for (const [key, raw] of run?.metrics ?? []) {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
    if (typeof value !== 'number') {
      invalidMetrics[key] = `is not a number (${JSON.stringify(raw)})`
    } else if (Number.isNaN(value)) {
      invalidMetrics[key] = 'is NaN'
    } else if (!Number.isFinite(value)) {
      invalidMetrics[key] = `is infinite (${value > 0 ? 'Infinity' : '-Infinity'})`
    } else if (Math.abs(value) >= Number.MAX_VALUE) {
      invalidMetrics[key] = `is infinite (${value > 0 ? '' : '-'}${CLAMPED})`
    } else {
      metrics[key] = value
    }
  }
  return { metrics, invalidMetrics }
}

/** The signature from tags (1 and 2 above); undefined when neither has one. */
export function signatureFromTags(parts: CandidateParts): Signature | undefined {
  for (const key of parts.signatureTagKeys) {
    const value = parts.version.tags.get(key)
    if (value !== undefined && value.trim() !== '') {
      let parsed: unknown = value
      try {
        parsed = JSON.parse(value)
      } catch {
        // left a string: parseMlmodelSignature then says it is not a mapping
      }
      return parseMlmodelSignature(
        JSON.stringify({ signature: parsed }),
        `tag ${key} of ${parts.model} ${parts.version.version}`,
        `tag:${key}`
      )
    }
  }
  const history = parts.run?.tags.get(LOG_MODEL_HISTORY_TAG)
  if (!history) return undefined
  const artifactPath = artifactPathOf(parts.version)
  let entries: unknown
  try {
    entries = JSON.parse(history)
  } catch {
    return undefined
  }
  if (!Array.isArray(entries) || artifactPath === undefined) return undefined
  const matches = entries.filter(
    (entry): entry is { signature: unknown; utc_time_created?: unknown } =>
      typeof entry === 'object' &&
      entry !== null &&
      (entry as { artifact_path?: unknown }).artifact_path === artifactPath &&
      typeof (entry as { signature?: unknown }).signature === 'object' &&
      (entry as { signature?: unknown }).signature !== null
  )
  const latest = matches[matches.length - 1]
  if (!latest) return undefined
  return parseMlmodelSignature(
    JSON.stringify({ signature: latest.signature }),
    `run tag ${LOG_MODEL_HISTORY_TAG} of run ${parts.run?.runId ?? ''}`,
    `run:${LOG_MODEL_HISTORY_TAG}`
  )
}

/**
 * The artifact path inside the run that the version's source points at:
 * `runs:/<id>/model` → `model`; `…/<run id>/artifacts/model` → `model`.
 */
export function artifactPathOf(version: ModelVersionView): string | undefined {
  const source = version.source
  if (!source) return undefined
  const runs = /^runs:\/[^/]+\/(.+?)\/?$/.exec(source)
  if (runs) return runs[1]
  const artifacts = /\/artifacts\/(.+?)\/?$/.exec(source)
  return artifacts ? artifacts[1] : undefined
}

export function toCandidate(parts: CandidateParts, signature: Signature | undefined): Candidate {
  const { metrics, invalidMetrics } = metricsOf(parts.run)
  const notes = [...(parts.notes ?? [])]
  if (!parts.run) {
    notes.push(
      `${parts.model} ${parts.version.version} has no run: no metrics (gates on metrics fail).`
    )
  }
  if (!signature) {
    notes.push(
      `${parts.model} ${parts.version.version}: no signature found for this registry version (tag ${parts.signatureTagKeys[0]}, run tag ${LOG_MODEL_HISTORY_TAG}, or the MLmodel in its run or its registered source).`
    )
  }
  notes.push('Files are not read from MLflow: artifact rules cannot pass on a registry version.')
  return {
    dir: versionUri(parts.model, parts.version.version),
    metrics,
    invalidMetrics,
    ...(signature ? { signature } : {}),
    info: {
      version: parts.version.version,
      ...(parts.version.runId ? { run_id: parts.version.runId } : {}),
      ...(parts.version.userId ? { owner: parts.version.userId } : {})
    },
    files: [],
    totalBytes: 0,
    notes
  }
}
