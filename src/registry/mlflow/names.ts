/** Names ModelGate checks before it asks MLflow, and the tag keys it writes. Pure. */
import { InvalidInputError } from '../../errors.js'

/** MLflow's alias rule (`mlflow/utils/validation.py`). */
const ALIAS_RE = /^[\w-]+$/
const VERSION_ALIAS_RE = /^v\d+$/i
export const MAX_ALIAS_LENGTH = 255
/** MLflow numbers versions 1, 2, ...; they travel as strings. */
const VERSION_RE = /^[1-9]\d{0,18}$/

/** Tag value limits: OSS MLflow 5,000 characters; Unity Catalog 1,000. Counted in UTF-8 bytes, the strictest reading. */
export const OSS_TAG_VALUE_LIMIT = 5000
export const UC_TAG_VALUE_LIMIT = 1000
/** Unity Catalog allows at most 50 tags on one securable object, a model version included (Databricks, "Apply tags to Unity Catalog securable objects"). */
export const UC_MAX_TAGS_PER_VERSION = 50

export function assertModelName(model: string, unityCatalog: boolean): void {
  if (!model || model.trim() !== model) {
    throw new InvalidInputError(`Invalid MLflow model name "${model}".`)
  }
  if (unityCatalog) {
    const parts = model.split('.')
    if (parts.length !== 3 || parts.some(part => part === '')) {
      throw new InvalidInputError(
        `Unity Catalog model names have three levels, catalog.schema.model; got "${model}".`
      )
    }
  }
}

export function assertVersion(version: string): void {
  if (!VERSION_RE.test(version)) {
    throw new InvalidInputError(
      `Invalid MLflow model version "${version}": MLflow versions are whole numbers (1, 2, ...).`
    )
  }
}

/** An alias MLflow accepts: `[\w-]+`, at most 255 characters, not `latest`, not `v<digits>`. */
export function assertAlias(alias: string, stage: string): void {
  const why = !ALIAS_RE.test(alias)
    ? 'aliases may only hold letters, digits, _ and -'
    : alias.length > MAX_ALIAS_LENGTH
      ? `aliases are at most ${MAX_ALIAS_LENGTH} characters`
      : alias.toLowerCase() === 'latest' || VERSION_ALIAS_RE.test(alias)
        ? `"${alias}" is reserved by MLflow`
        : undefined
  if (why) {
    throw new InvalidInputError(`Stage "${stage}" maps to the MLflow alias "${alias}": ${why}.`)
  }
}

/**
 * The registry tags ModelGate writes. OSS keys read naturally
 * (`modelgate.history.production`); Unity Catalog forbids `. , - = / :` in tag
 * keys, so there every separator is `_` and a `-` in the alias becomes `_`.
 */
export interface TagKeys {
  /** Registered-model tag: the stage's bounded history (JSON list, newest first). */
  history(alias: string): string
  /** Registered-model tag: the stage's rollout steps (mlflow/rollout.ts; JSON list, newest first). */
  rollout(alias: string): string
  /** Model-version tag: the audit record of the version's latest entry into the stage. */
  promoted(alias: string): string
  /**
   * Model-version tag: the header of write `id`'s full audit record (encoding,
   * part count, byte length and sha256 of the JSON, and the gzip+base64 data,
   * or as much of it as fits); the rest of the data is in `auditPart(id,
   * 1..n)`, each part within the tag-value limit. See record-tags.ts.
   */
  auditHeader(id: string): string
  auditPart(id: string, n: number): string
  /**
   * Model-version tag: when the version was last taken out of the stage (a
   * rollback or an unassignment) and not put back since, as a small JSON
   * (removal-mark.ts). Deleted by the write that puts it back.
   */
  removed(alias: string): string
  /** Model-version tag set to `true` on a replaced version the caller asked to archive. */
  readonly archived: string
  /** Model-version tags a training job may write with the model's signature, in the order read. */
  readonly signature: readonly string[]
  /**
   * Model-version tag a training job may write with the content digest of the version's
   * candidate files (`modelgate digest DIR`, candidate/digest.ts): a candidate directory is
   * accepted for the version only when its digest is this.
   */
  readonly candidateDigest: string
  /** Recognises a history key, giving back its alias part. */
  historyAlias(key: string): string | undefined
  /** Recognises a rollout key, giving back its alias part. */
  rolloutAlias(key: string): string | undefined
}

export function tagKeys(unityCatalog: boolean): TagKeys {
  if (unityCatalog) {
    const part = (alias: string) => alias.replaceAll('-', '_')
    return {
      history: alias => `modelgate_history_${part(alias)}`,
      rollout: alias => `modelgate_rollout_${part(alias)}`,
      promoted: alias => `modelgate_promoted_${part(alias)}`,
      auditHeader: id => `modelgate_audit_${ucKeyPart(id)}`,
      auditPart: (id, n) => `modelgate_audit_${ucKeyPart(id)}_${n}`,
      removed: alias => `modelgate_removed_${part(alias)}`,
      archived: 'archived',
      signature: ['modelgate_signature'],
      candidateDigest: 'modelgate_candidate_digest',
      historyAlias: key => (key.startsWith('modelgate_history_') ? key.slice(18) : undefined),
      rolloutAlias: key => (key.startsWith('modelgate_rollout_') ? key.slice(18) : undefined)
    }
  }
  return {
    history: alias => `modelgate.history.${alias}`,
    rollout: alias => `modelgate.rollout.${alias}`,
    promoted: alias => `modelgate.promoted.${alias}`,
    auditHeader: id => `modelgate.audit.${ossKeyPart(id)}`,
    auditPart: (id, n) => `modelgate.audit.${ossKeyPart(id)}.${n}`,
    removed: alias => `modelgate.removed.${alias}`,
    archived: 'archived',
    signature: ['modelgate.signature', 'modelgate_signature'],
    candidateDigest: 'modelgate.candidate_digest',
    historyAlias: key => (key.startsWith('modelgate.history.') ? key.slice(18) : undefined),
    rolloutAlias: key => (key.startsWith('modelgate.rollout.') ? key.slice(18) : undefined)
  }
}

/** An entry id as a Unity Catalog tag key part: only letters, digits and `_`. */
function ucKeyPart(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_')
}

/** An entry id as an OSS tag key part: letters, digits, `_` and `-` (no `.`, `/`: no path tricks). */
function ossKeyPart(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_')
}

/** Databricks workspace hosts: there the registry is Unity Catalog unless told otherwise. */
const DATABRICKS_HOST_RE =
  /(^|\.)(cloud\.databricks\.com|azuredatabricks\.net|gcp\.databricks\.com)$/i

export function isDatabricksHost(trackingUri: string): boolean {
  try {
    return DATABRICKS_HOST_RE.test(new URL(trackingUri).hostname)
  } catch {
    return false
  }
}

/** Legacy MLflow stages, by the names a policy may use for them (any case). */
const LEGACY_STAGES: Record<string, string> = { staging: 'Staging', production: 'Production' }

export function legacyStageName(name: string, stage: string): string {
  const canonical = LEGACY_STAGES[name.toLowerCase()]
  if (!canonical) {
    throw new InvalidInputError(
      `Stage "${stage}" cannot be used with legacy MLflow stages: they are only Staging and Production (map the policy's stage to one of them).`
    )
  }
  return canonical
}

/** UTF-8 length: what every backend's limit is at least as generous as. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** `text` cut to at most `max` UTF-8 bytes on a code point boundary, marked with `…` when cut. */
export function truncateBytes(text: string, max: number): string {
  if (byteLength(text) <= max) return text
  let out = ''
  let used = byteLength('…')
  for (const ch of text) {
    const size = byteLength(ch)
    if (used + size > max) break
    out += ch
    used += size
  }
  return `${out}…`
}
