/**
 * The MLflow adapter's options, and what every part of it shares: the HTTP client, the tag
 * keys, the options as resolved, and the per-command read view. Made once by the adapter's
 * constructor.
 */
import { InvalidInputError } from '../../errors.js'
import type { WriteOptions } from '../port.js'
import type { FetchLike, MlflowAuth, RetryPolicy } from './http.js'
import { MlflowHttp } from './http.js'
import { OSS_TAG_VALUE_LIMIT, UC_TAG_VALUE_LIMIT, isDatabricksHost, tagKeys } from './names.js'
import type { TagKeys } from './names.js'
import { ReadView } from './read-view.js'
import type { ModelVersionView } from './wire.js'

export interface MlflowRegistryOptions {
  /** The tracking server (OSS) or workspace URL (Databricks), http(s). */
  trackingUri: string
  /** Node's global fetch, or a stand-in. */
  fetch: FetchLike
  /** Bearer token or basic auth; Unity Catalog takes a token only. */
  auth?: MlflowAuth
  /** The alias a policy stage is kept under. Default: the stage name itself. */
  aliasForStage?: (stage: string) => string
  /** The policy's stages: lets status/history name a stage whose alias differs from it. */
  stages?: readonly string[]
  /** Use MLflow's deprecated stages (transition-stage) instead of aliases. Off by default; not on Unity Catalog. */
  legacyStages?: boolean
  /**
   * Databricks Unity Catalog (`/api/2.0/mlflow/unity-catalog/...`, three-level
   * names, UC tag rules). Default: on for Databricks workspace hosts
   * (`*.cloud.databricks.com`, `*.azuredatabricks.net`, `*.gcp.databricks.com`),
   * off elsewhere; `false` selects the legacy workspace registry there.
   */
  unityCatalog?: boolean
  retry?: Partial<RetryPolicy>
  sleep?: (ms: number) => Promise<void>
  /** In [0, 1): retry jitter and event ids. */
  random?: () => number
  /** Milliseconds since the epoch. */
  now?: () => number
  /** Suffix of the alias that keeps a stage's default rollback target. Default `-previous`. */
  previousSuffix?: string
  /** Read a version's MLmodel from the server when no tag has its signature. Default true (OSS only). */
  readMlmodel?: boolean
  /** Write attempts when another writer moves the stage meanwhile. Default 3. */
  maxAttempts?: number
  /** All MLflow calls of one command (one registry object) together, then undo's grace (budget.ts). */
  commandBudgetMs?: number
  undoGraceMs?: number
  /**
   * One registry object serves one command: read each object once (read-view.ts), forget all
   * on any write. The composition roots turn it on; off, every read goes to the server.
   */
  readOnce?: boolean
}

/** The port's WriteOptions, plus what only registries with archiving understand. */
export interface MlflowWriteOptions extends WriteOptions {
  /** Tag the version a write takes out of the stage `archived=true` (legacy stages: move it to Archived). */
  archiveReplaced?: boolean
}

/** The options as resolved, with what every part of the adapter shares. */
export interface MlflowSetup {
  readonly http: MlflowHttp
  readonly keys: TagKeys
  readonly unityCatalog: boolean
  readonly legacyStages: boolean
  /** The alias a policy stage is kept under. */
  readonly aliasForStage: (stage: string) => string
  /** The policy's stages, when known. */
  readonly stages: readonly string[] | undefined
  /** Milliseconds since the epoch. */
  readonly now: () => number
  readonly random: () => number
  readonly previousSuffix: string
  readonly readMlmodel: boolean
  readonly maxAttempts: number
  /** The tag-value limit of the server (OSS or Unity Catalog). */
  readonly tagLimit: number
  /** Each object read once per command (read-view.ts), when `readOnce`. */
  readonly view: ReadView
  readonly readOnce: boolean
  /** Versions getStage read, for loadVersion to use once; forgotten by any write. */
  readonly heldRead: Map<string, ModelVersionView>
}

const sleepTimer = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/** The options with their defaults, checked (Unity Catalog: aliases and a token only). */
export function resolveSetup(options: MlflowRegistryOptions): MlflowSetup {
  const unityCatalog = options.unityCatalog ?? isDatabricksHost(options.trackingUri)
  const legacyStages = options.legacyStages ?? false
  if (unityCatalog && legacyStages) {
    throw new InvalidInputError(
      'Unity Catalog has no stages, only aliases: legacy stages cannot be used with it.'
    )
  }
  if (unityCatalog && options.auth && !('token' in options.auth)) {
    throw new InvalidInputError(
      'Unity Catalog takes a bearer token (DATABRICKS_TOKEN / MLFLOW_TRACKING_TOKEN), not a username and password.'
    )
  }
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  return {
    http: new MlflowHttp({
      trackingUri: options.trackingUri,
      fetch: options.fetch,
      auth: options.auth,
      retry: options.retry,
      sleep: options.sleep ?? sleepTimer,
      random,
      now,
      commandBudgetMs: options.commandBudgetMs,
      undoGraceMs: options.undoGraceMs
    }),
    keys: tagKeys(unityCatalog),
    unityCatalog,
    legacyStages,
    aliasForStage: options.aliasForStage ?? (stage => stage),
    stages: options.stages,
    now,
    random,
    previousSuffix: options.previousSuffix ?? '-previous',
    readMlmodel: options.readMlmodel ?? true,
    maxAttempts: Math.max(1, options.maxAttempts ?? 3),
    tagLimit: unityCatalog ? UC_TAG_VALUE_LIMIT : OSS_TAG_VALUE_LIMIT,
    view: new ReadView(),
    readOnce: options.readOnce ?? false,
    heldRead: new Map()
  }
}
