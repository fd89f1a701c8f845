// Answer bodies shaped as MLflow's: registered models and model versions (OSS with stages and
// `latest_versions`, Unity Catalog with `{alias, version}` aliases), runs with their latest
// metrics, empty lists left out, and the page-token pagination of the search endpoints.

import { ApiError } from './errors.js'
import type { MetricPoint, ModelState, RunState, VersionState } from './state.js'

export function rmJson(model: ModelState, uc: boolean): unknown {
  const latest = new Map<string, VersionState>()
  for (const v of model.versions.values()) {
    if (v.status !== 'READY') continue
    const seen = latest.get(v.stage)
    if (!seen || Number(v.version) > Number(seen.version)) latest.set(v.stage, v)
  }
  return omitEmpty({
    name: model.name,
    creation_timestamp: model.creation,
    last_updated_timestamp: model.lastUpdated,
    ...(model.description ? { description: model.description } : {}),
    ...(uc
      ? {}
      : { latest_versions: [...latest.values()].map(v => mvJson(model, v, false, false)) }),
    tags: [...model.tags].map(([key, value]) => ({ key, value })),
    aliases: [...model.aliases].map(([alias, version]) => ({ alias, version }))
  })
}

export function mvJson(
  model: ModelState,
  v: VersionState,
  uc: boolean,
  withAliases: boolean
): unknown {
  const aliases = [...model.aliases].filter(([, version]) => version === v.version)
  return omitEmpty({
    name: model.name,
    version: v.version,
    creation_timestamp: v.creation,
    last_updated_timestamp: v.lastUpdated,
    user_id: v.userId,
    ...(uc ? {} : { current_stage: v.stage }),
    source: v.source,
    ...(v.runId ? { run_id: v.runId } : {}),
    status: v.status,
    tags: [...v.tags].map(([key, value]) => ({ key, value })),
    ...(withAliases
      ? {
          aliases: uc
            ? aliases.map(([alias, version]) => ({ alias, version }))
            : aliases.map(([alias]) => alias)
        }
      : {})
  })
}

/** `runs/get`'s `run`: each metric's latest point (highest step, then latest timestamp). */
export function runJson(run: RunState): unknown {
  const latest = new Map<string, MetricPoint>()
  for (const point of run.metrics) {
    const seen = latest.get(point.key)
    if (
      !seen ||
      point.step > seen.step ||
      (point.step === seen.step && point.timestamp >= seen.timestamp)
    ) {
      latest.set(point.key, point)
    }
  }
  return {
    info: {
      run_id: run.runId,
      run_uuid: run.runId,
      experiment_id: run.experimentId,
      user_id: run.userId,
      status: 'FINISHED',
      start_time: run.start,
      end_time: run.start + 1000,
      artifact_uri: `mlflow-artifacts:/1/${run.runId}/artifacts`,
      lifecycle_stage: 'active'
    },
    data: omitEmpty({
      metrics: [...latest.values()].map(p => ({
        key: p.key,
        value: jsonDouble(p.value),
        timestamp: p.timestamp,
        step: p.step
      })),
      params: [...run.params].map(([key, value]) => ({ key, value })),
      tags: [...run.tags].map(([key, value]) => ({ key, value }))
    })
  }
}

/** The SQL store clamps ±Infinity to ±DBL_MAX; NaN comes back as the string "NaN". */
function jsonDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE
  return value
}

/** MLflow leaves empty lists out of its answers. */
export function omitEmpty<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(object).filter(([, v]) => !(Array.isArray(v) && v.length === 0))
  ) as Partial<T>
}

export function paginate<T>(
  items: T[],
  params: Record<string, unknown>
): { page: T[]; next?: string } {
  const max = params.max_results === undefined ? 100 : Number(params.max_results)
  if (!Number.isInteger(max) || max < 1) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value for request parameter max_results: ${String(params.max_results)}`
    )
  }
  const start = params.page_token
    ? Number(Buffer.from(String(params.page_token), 'base64').toString())
    : 0
  const page = items.slice(start, start + max)
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64') : undefined
  return next ? { page, next } : { page }
}
