/**
 * MLflow's answers, read defensively into plain shapes: a list MLflow leaves
 * out when empty is an empty list, an alias list may be strings (OSS model
 * version) or `{alias, version}` (registered model, Unity Catalog), numbers may
 * come as strings. Pure.
 */

export interface RegisteredModelView {
  name: string
  creationTimestamp?: number
  lastUpdatedTimestamp?: number
  tags: Map<string, string>
  /** alias → version */
  aliases: Map<string, string>
  /** Legacy stages: the latest version in each stage. */
  latestVersions: ModelVersionView[]
}

export interface ModelVersionView {
  name: string
  version: string
  creationTimestamp?: number
  lastUpdatedTimestamp?: number
  userId?: string
  /** Legacy stage (`None`, `Staging`, `Production`, `Archived`); absent on Unity Catalog. */
  currentStage?: string
  source?: string
  runId?: string
  /** `READY`, `PENDING_REGISTRATION`, `FAILED_REGISTRATION`; absent on some servers. */
  status?: string
  tags: Map<string, string>
  aliases: string[]
}

export interface RunView {
  runId: string
  /** The latest value of each metric, as MLflow's `runs/get` gives it (numbers or "NaN"-like strings). */
  metrics: Map<string, unknown>
  tags: Map<string, string>
}

type Json = Record<string, unknown>

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined
}

function tagMap(value: unknown): Map<string, string> {
  const tags = new Map<string, string>()
  for (const item of list(value)) {
    const tag = obj(item)
    const key = str(tag.key)
    if (key !== undefined) tags.set(key, str(tag.value) ?? '')
  }
  return tags
}

export function readRegisteredModel(answer: Json): RegisteredModelView {
  const rm = obj(answer.registered_model)
  const aliases = new Map<string, string>()
  for (const item of list(rm.aliases)) {
    const alias = obj(item)
    const name = str(alias.alias)
    const version = str(alias.version)
    if (name !== undefined && version !== undefined) aliases.set(name, version)
  }
  return {
    name: str(rm.name) ?? '',
    ...optional('creationTimestamp', num(rm.creation_timestamp)),
    ...optional('lastUpdatedTimestamp', num(rm.last_updated_timestamp)),
    tags: tagMap(rm.tags),
    aliases,
    latestVersions: list(rm.latest_versions).map(readVersionObject)
  }
}

export function readModelVersion(answer: Json): ModelVersionView {
  return readVersionObject(answer.model_version)
}

export function readVersionObject(value: unknown): ModelVersionView {
  const mv = obj(value)
  const aliases: string[] = []
  for (const item of list(mv.aliases)) {
    const alias = typeof item === 'string' ? item : str(obj(item).alias)
    if (alias) aliases.push(alias)
  }
  return {
    name: str(mv.name) ?? '',
    version: str(mv.version) ?? '',
    ...optional('creationTimestamp', num(mv.creation_timestamp)),
    ...optional('lastUpdatedTimestamp', num(mv.last_updated_timestamp)),
    ...optional('userId', str(mv.user_id) || undefined),
    ...optional('currentStage', str(mv.current_stage) || undefined),
    ...optional('source', str(mv.source) || undefined),
    ...optional('runId', str(mv.run_id) || undefined),
    ...optional('status', str(mv.status) || undefined),
    tags: tagMap(mv.tags),
    aliases
  }
}

export function readRun(answer: Json): RunView {
  const run = obj(answer.run)
  const info = obj(run.info)
  const data = obj(run.data)
  const metrics = new Map<string, unknown>()
  for (const item of list(data.metrics)) {
    const metric = obj(item)
    const key = str(metric.key)
    if (key !== undefined) metrics.set(key, metric.value)
  }
  return {
    runId: str(info.run_id) ?? str(info.run_uuid) ?? '',
    metrics,
    tags: tagMap(data.tags)
  }
}

/** A page of `model-versions/search` or `registered-models/search`. */
export function readPage(
  answer: Json,
  field: 'model_versions' | 'registered_models'
): { items: unknown[]; next?: string } {
  const next = str(answer.next_page_token)
  return { items: list(answer[field]), ...(next ? { next } : {}) }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
