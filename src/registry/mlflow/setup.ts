/**
 * What every part of the MLflow adapter shares: the HTTP client, the tag keys, the options as
 * resolved, and the per-command read view. Made once by the adapter's constructor.
 */
import type { MlflowHttp } from './http.js'
import type { TagKeys } from './names.js'
import type { ReadView } from './read-view.js'
import type { ModelVersionView } from './wire.js'

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
