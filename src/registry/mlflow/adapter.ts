/**
 * The MLflow registry: the Registry port (and ModelSource) over MLflow's REST
 * API 2.0. See index.ts for what it writes and which servers it is for.
 *
 * Write protocol (assign, rollback, unassign), per attempt:
 *   1. read the registered model (aliases and ModelGate's history tags) and
 *      the version to put in the stage;
 *   2. decide: nothing to do → `{ written: false, reason }` with no writes; an
 *      earlier run moved the alias but did not finish → finish it; else let the
 *      caller revalidate against the current holder, then plan;
 *   3. run the plan's steps (steps.ts), in this order:
 *        prepare  history entry on the model (the journal of this write)
 *        prepare  (rollback, unassign; Unity Catalog) when the version taken
 *                 out has no tag to spare and no audit tag for the stage for
 *                 the removal mark to take the place of: delete ModelGate's
 *                 own oldest audit records on it (parts, then header; never a
 *                 tag it did not write) to make room; the event's summary and
 *                 audit (`evicted`) say which. With none to delete, the write
 *                 goes on unmarked and says so (`notMarked`)
 *        prepare  the caller's full audit record on the version, gzip+base64:
 *                 the parts that do not fit in the header, if any
 *                 (`modelgate.audit.<entry id>.<n>`), then the header
 *                 (`modelgate.audit.<entry id>`: encoding, part count,
 *                 sha256, the data), see record-tags.ts; a promotion whose
 *                 record would take more than MAX_RECORD_TAGS tags, more than
 *                 MAX_RECORD_BYTES, or (Unity Catalog) tags beyond the
 *                 version's 50, fails before step 3; a rollback or an
 *                 unassignment never does: it keeps a summary in the header
 *                 tag instead (or, with no tag to spare, nothing)
 *        prepare  audit tag on the version (`modelgate.promoted.<alias>`); a
 *                 rollback leaves it out when the history entry and the
 *                 record tags say all it would (rebuiltFromEntry)
 *        prepare  (rollback, unassign) the removal mark on the version taken
 *                 out (`modelgate.removed.<alias>`, removal-mark.ts)
 *        prepare  (rollback) remove the version's `archived` tag
 *        check    re-read the alias: another writer moved it → undo, back to 1
 *        commit   move the alias
 *        finish   remove the removal mark of the version put in, if it has one
 *        finish   point `<alias>-previous` at the default rollback target
 *        finish   tag the replaced version `archived` (when asked)
 *      Each call is retried (http.ts); a step that still fails undoes the
 *      steps before it, newest first, and the error says what was reverted
 *      and what, if anything, is left (and that a re-run completes it).
 *
 * Over 600 lines: two families in one room (the port's methods and the write planning, steps,
 * REST wrappers and audit tags); issue 13 splits it as the git adapter is split. New logic goes
 * into small modules beside it (audit-facts.ts, budget.ts, orphans.ts, read-view.ts, stage-facts.ts).
 */
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { DIGEST_RE } from '../../candidate/digest.js'
import { parseMlmodelSignature } from '../../candidate/signature.js'
import type { Candidate, Signature } from '../../candidate/types.js'
import { RegistryConflictError } from '../errors.js'
import type { ModelSource } from '../model-source.js'
import type {
  AuditFacts,
  ModelStatus,
  NoWriteReason,
  Registry,
  RegistryEvent,
  StageHolder,
  StageRemoval,
  VersionRecord,
  VersionStage,
  WriteOptions,
  WriteResult
} from '../port.js'
import { artifactPathOf, signatureFromTags, toCandidate } from './candidate.js'
import type { FetchLike, MlflowAuth, Query, RetryPolicy } from './http.js'
import { MlflowApiError, MlflowHttp } from './http.js'
import type { JournalEntry, JournalKind } from './journal.js'
import {
  appliedEntries,
  decodeJournal,
  encodeJournal,
  holderEntry,
  previousAfterRollback
} from './journal.js'
import type { TagKeys } from './names.js'
import {
  OSS_TAG_VALUE_LIMIT,
  UC_MAX_TAGS_PER_VERSION,
  UC_TAG_VALUE_LIMIT,
  assertAlias,
  assertModelName,
  assertVersion,
  byteLength,
  isDatabricksHost,
  legacyStageName,
  tagKeys,
  truncateBytes
} from './names.js'
import type { KeptRecord, RecordTags, StoredRecord } from './record-tags.js'
import {
  MAX_RECORD_BYTES,
  MAX_RECORD_TAGS,
  RECORD_ENCODING,
  keptRecords,
  missingRecord,
  readRecordTags,
  recordSummaryTag,
  recordTags
} from './record-tags.js'
import { decodeRemovalMark, encodeRemovalMark, isRemovalMark } from './removal-mark.js'
import type { RegisterFromRun } from './register-run.js'
import { registerFromRun } from './register-run.js'
import { ReadView } from './read-view.js'
import { rollbackCandidates, trustedEntry } from './stage-facts.js'
import { auditBase, saysNothingMore } from './audit-facts.js'
import type { Step, StepContext } from './steps.js'
import { MlflowWriteError, StageMovedError, runSteps } from './steps.js'
import type { OrphanCheck } from './orphans.js'
import { sweepOrphans } from './orphans.js'
import type { ModelVersionView, RegisteredModelView } from './wire.js'
import {
  readModelVersion,
  readPage,
  readRegisteredModel,
  readRun,
  readVersionObject
} from './wire.js'

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

const ARCHIVED_VALUE = 'true'
/** Pages of a search followed at most, so a listing is bounded too. */
const MAX_PAGES = 100

/** What a write reads first: the model and where the stage stands. */
interface WriteView {
  rm: RegisteredModelView
  /** The version holding the stage now. */
  holder?: string
  /** `<alias>-previous` now (aliases mode). */
  previousAlias?: string
  /** The history tag's value as read (to restore it on undo). */
  rawJournal?: string
  entries: JournalEntry[]
  applied: JournalEntry[]
  /** Legacy stages: the stage of every version, and those in the target stage. */
  legacy?: { stageOf: Map<string, string>; inStage: string[] }
}

interface Plan {
  event: RegistryEvent
  steps: Step[]
  context: StepContext
  /** What to look for on the version when the attempt is reverted (orphans.ts). */
  orphans?: OrphanCheck
}

type Decision =
  | { noop: NoWriteReason }
  | { completion: true; plan: Plan }
  | { completion: false; holder: StageHolder | undefined; build: (audit: AuditFacts) => Plan }

/** How a write keeps the caller's audit record on the version. */
interface RecordPlan {
  /** The tags to write, in order: the parts, then the header; or a summary in the header tag alone; or none. */
  tags: Array<{ key: string; value: string }>
  /** The whole record's tags, when it is kept whole. */
  whole?: RecordTags
  /** Why the record is not kept whole (a rollback or an unassignment only: a promotion refuses). */
  truncated?: string
}

/** Where a removal mark goes on the version taken out (removal-mark.ts). */
interface MarkPlace {
  /** The version taken out. */
  version: string
  /** The tag: the mark's own, or (Unity Catalog, no room) the version's audit tag for the stage; none when nothing fits. */
  key?: string
  /** Its value before the write, to restore on undo. */
  old?: string
  /** New tags it takes on the version (0 or 1). */
  slots: number
  /**
   * Unity Catalog, no tag to spare and no audit tag for the stage to take the
   * place of: ModelGate's own oldest audit records on the version, deleted
   * (before the mark is set) to make room for it.
   */
  evict: KeptRecord[]
  /** Tags the eviction frees. */
  freed: number
  /** Why no mark is written (no `key`): for the event and its audit. */
  unmarked?: string
}

/** Where a stage lives in the registry. */
interface StageRef {
  stage: string
  /** The alias (aliases mode) or the lower-cased legacy stage: what tag keys use. */
  alias: string
  /** Legacy mode: `Staging` / `Production`. */
  legacyStage?: string
}

const sleepTimer = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

export class MlflowRegistry implements Registry, ModelSource {
  readonly unityCatalog: boolean
  readonly legacyStages: boolean
  private readonly http: MlflowHttp
  private readonly keys: TagKeys
  private readonly aliasForStage: (stage: string) => string
  private readonly stages: readonly string[] | undefined
  private readonly now: () => number
  private readonly random: () => number
  private readonly previousSuffix: string
  private readonly readMlmodel: boolean
  private readonly maxAttempts: number
  private readonly tagLimit: number
  /** Each object read once per command (read-view.ts), when `readOnce`. */
  private readonly view = new ReadView()
  private readonly readOnce: boolean
  /** Versions getStage read, for loadVersion to use once; forgotten by any write. */
  private readonly heldRead = new Map<string, ModelVersionView>()

  constructor(options: MlflowRegistryOptions) {
    this.unityCatalog = options.unityCatalog ?? isDatabricksHost(options.trackingUri)
    this.legacyStages = options.legacyStages ?? false
    if (this.unityCatalog && this.legacyStages) {
      throw new InvalidInputError(
        'Unity Catalog has no stages, only aliases: legacy stages cannot be used with it.'
      )
    }
    if (this.unityCatalog && options.auth && !('token' in options.auth)) {
      throw new InvalidInputError(
        'Unity Catalog takes a bearer token (DATABRICKS_TOKEN / MLFLOW_TRACKING_TOKEN), not a username and password.'
      )
    }
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.http = new MlflowHttp({
      trackingUri: options.trackingUri,
      fetch: options.fetch,
      auth: options.auth,
      retry: options.retry,
      sleep: options.sleep ?? sleepTimer,
      random: this.random,
      now: this.now,
      commandBudgetMs: options.commandBudgetMs,
      undoGraceMs: options.undoGraceMs
    })
    this.keys = tagKeys(this.unityCatalog)
    this.aliasForStage = options.aliasForStage ?? (stage => stage)
    this.stages = options.stages
    this.previousSuffix = options.previousSuffix ?? '-previous'
    this.readMlmodel = options.readMlmodel ?? true
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3)
    this.tagLimit = this.unityCatalog ? UC_TAG_VALUE_LIMIT : OSS_TAG_VALUE_LIMIT
    this.readOnce = options.readOnce ?? false
  }

  /** The server, as messages name it (no credentials). */
  get server(): string {
    return this.http.server
  }

  // ---- reads ---------------------------------------------------------------

  async getStage(model: string, stage: string): Promise<StageHolder | undefined> {
    this.assertModel(model)
    const ref = this.stageRef(stage)
    if (ref.legacyStage) {
      const rm = await this.readModel(model)
      const latest = rm.latestVersions
        .filter(v => v.currentStage === ref.legacyStage)
        .sort((a, b) => Number(b.version) - Number(a.version))[0]
      return (
        latest &&
        this.holderFromVersion(model, ref, latest, this.journalOf(rm, ref.alias), undefined)
      )
    }
    // The model first: its history says whether the holder's audit tag is still current.
    const rm = await this.readModel(model) // a missing model is NotFoundError
    const holder = rm.aliases.get(ref.alias)
    if (holder === undefined) return undefined
    const mv = await this.readVersionIfAny(model, holder)
    // A dangling alias (its version deleted) holds nothing to compare with or roll back.
    if (!mv) return undefined
    this.heldRead.set(`${model}\0${holder}`, mv)
    return this.holderFromVersion(
      model,
      ref,
      mv,
      this.journalOf(rm, ref.alias),
      this.previousAliasIn(rm, ref)
    )
  }

  async getVersion(model: string, version: string): Promise<VersionRecord | undefined> {
    this.assertModel(model)
    assertVersion(version)
    let mv: ModelVersionView
    try {
      mv = await this.readVersion(model, version)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
    const rm = await this.readModel(model)
    const stages: VersionStage[] = []
    if (this.legacyStages) {
      const current = mv.currentStage
      if (current === 'Staging' || current === 'Production') {
        const ref = this.legacyRef(current)
        const entries = this.journalOf(rm, ref.alias)
        const holder = latestInStage(rm, current)
        const entry = holder === version ? trustedEntry(entries, version, undefined) : undefined
        stages.push({ stage: ref.stage, since: entrySince(entry) })
      }
    } else {
      for (const [alias, holder] of rm.aliases) {
        if (holder !== version || this.isPreviousAlias(alias)) continue
        const entries = this.journalOf(rm, alias)
        const entry = trustedEntry(
          entries,
          version,
          rm.aliases.get(this.previousAliasOf(alias)) ?? null
        )
        stages.push({ stage: this.stageOfAlias(alias, entries), since: entrySince(entry) })
      }
    }
    stages.sort((a, b) => compareText(a.stage, b.stage))
    return {
      model,
      version,
      ...refOf(mv),
      registeredAt: new Date(mv.creationTimestamp ?? Number.NaN),
      registeredBy: mv.userId ?? 'unknown',
      active: isActive(mv, this.keys),
      stages,
      ...recordedDigest(mv.tags.get(this.keys.candidateDigest))
    }
  }

  /**
   * From the version's removal mark (removal-mark.ts), one `model-versions/get`:
   * undefined when the version is gone, holds the stage now, or carries no
   * mark. A mark that cannot be read still counts (fails closed).
   */
  async takenOutOf(
    model: string,
    version: string,
    stage: string
  ): Promise<StageRemoval | undefined> {
    this.assertModel(model)
    assertVersion(version)
    const ref = this.stageRef(stage)
    const mv = await this.readVersionIfAny(model, version)
    if (!mv || this.holdsStage(mv, ref)) return undefined
    const markKey = this.keys.removed(ref.alias)
    const promotedKey = this.keys.promoted(ref.alias)
    const promoted = mv.tags.get(promotedKey)
    const [key, raw] = mv.tags.has(markKey)
      ? [markKey, mv.tags.get(markKey) as string]
      : isRemovalMark(promoted)
        ? [promotedKey, promoted as string]
        : [undefined, undefined]
    if (key === undefined) return undefined
    const decoded = decodeRemovalMark(raw)
    if ('error' in decoded) {
      return {
        at: new Date(mv.lastUpdatedTimestamp ?? mv.creationTimestamp ?? 0),
        by: 'unknown',
        reason: `the tag ${key} on ${model} version ${version} ${decoded.error}; it says the version was taken out of ${stage}`,
        eventId: `${model}@${ref.alias}`
      }
    }
    const { mark } = decoded
    return {
      at: new Date(mark.at),
      by: mark.by,
      ...(mark.reason ? { reason: mark.reason } : {}),
      eventId: eventId(model, ref, mark.id)
    }
  }

  async status(model?: string): Promise<ModelStatus[]> {
    const names = model === undefined ? await this.listModels() : [model]
    if (model !== undefined) this.assertModel(model)
    const result: ModelStatus[] = []
    for (const name of names) {
      const rm = await this.readModelIfAny(name)
      if (!rm) continue
      const holders = this.stageHolders(rm)
      // One search says which holders still exist (and their runs), whatever the aliases.
      const existing =
        this.legacyStages || holders.length === 0 ? undefined : await this.versionsOf(name)
      const stages: StageHolder[] = []
      for (const [ref, holder] of holders) {
        const mv = existing
          ? existing.get(holder)
          : this.legacyStages
            ? rm.latestVersions.find(v => v.version === holder)
            : await this.readVersionIfAny(name, holder)
        if (!mv) {
          stages.push(danglingHolder(name, ref, holder))
          continue
        }
        const entry = trustedEntry(
          this.journalOf(rm, ref.alias),
          holder,
          this.previousAliasIn(rm, ref)
        )
        stages.push(
          entry
            ? { ...this.holderFromEntry(name, ref, holder, entry), ...refOf(mv) }
            : unknownHolder(name, ref, mv)
        )
      }
      stages.sort((a, b) => compareText(a.stage, b.stage))
      result.push({ model: name, deprecated: false, stages })
    }
    return result
  }

  async history(model?: string): Promise<RegistryEvent[]> {
    const names = model === undefined ? await this.listModels() : [model]
    if (model !== undefined) this.assertModel(model)
    const events: Array<{ event: RegistryEvent; order: number }> = []
    for (const name of names) {
      const rm = await this.readModelIfAny(name)
      if (!rm) continue
      const journal: Array<{ ref: StageRef; entry: JournalEntry }> = []
      for (const [key, value] of rm.tags) {
        const keyAlias = this.keys.historyAlias(key)
        if (keyAlias === undefined) continue
        const decoded = decodeJournal(value)
        if ('error' in decoded) continue
        const ref = this.refForHistoryKey(rm, key, decoded.entries)
        const holder = this.holderOf(rm, ref)
        for (const entry of appliedEntries(decoded.entries, holder)) journal.push({ ref, entry })
      }
      const versions = [...(await this.versionsOf(name)).values()]
      const records = await this.storedRecords(
        name,
        journal.map(j => j.entry),
        versions
      )
      for (const { ref, entry } of journal) {
        const event = this.entryEvent(name, ref, entry, records.get(entry.id))
        events.push({ event, order: events.length })
      }
      for (const mv of versions) {
        events.push({ event: registrationEvent(name, mv), order: events.length })
      }
    }
    return events
      .sort((a, b) => b.event.at.getTime() - a.event.at.getTime() || a.order - b.order)
      .map(e => e.event)
  }

  /** ModelSource: the version's metrics (its run) and signature (tags, else its MLmodel). */
  async loadVersion(model: string, version: string): Promise<Candidate> {
    this.assertModel(model)
    assertVersion(version)
    // The champion's version as getStage just read it, once (a command reads each object once).
    const key = `${model}\0${version}`
    const mv = this.heldRead.get(key) ?? (await this.readVersion(model, version))
    this.heldRead.delete(key)
    const runId = mv.runId
    const fetchRun = async (id: string) =>
      readRun(
        await this.http.call(
          'GET',
          '/mlflow/runs/get',
          { run_id: id },
          `Run ${id} of ${model} version ${version}`
        )
      )
    const run = runId
      ? this.readOnce
        ? await this.view.get(`run\0${runId}`, () => fetchRun(runId))
        : await fetchRun(runId)
      : undefined
    const parts = {
      model,
      version: mv,
      ...(run ? { run } : {}),
      signatureTagKeys: this.keys.signature
    }
    let signature: Signature | undefined = signatureFromTags(parts)
    if (!signature && this.readMlmodel && !this.unityCatalog) {
      const text = await this.readMlmodelText(model, mv)
      if (text !== undefined) {
        signature = parseMlmodelSignature(text, `MLmodel of ${model} version ${version}`)
      }
    }
    return toCandidate(parts, signature)
  }

  /**
   * The version's MLmodel. For a `runs:/<run>/<path>` source through the run's own artifacts
   * (`/get-artifact?run_uuid=&path=`, handlers.get_artifact_handler, which finds the run in the
   * backend store): 2.7.1's `/model-versions/get-artifact` resolves such a source through the
   * server's default tracking URI and answers 404 for a run `runs/get` returns. Else through
   * the version.
   */
  private async readMlmodelText(model: string, mv: ModelVersionView): Promise<string | undefined> {
    const what = `The MLmodel of ${model} version ${mv.version}`
    const runs = /^runs:\/([^/]+)\//.exec(mv.source ?? '')
    const path = artifactPathOf(mv)
    if (runs && path !== undefined) {
      return this.http.getText(
        '/get-artifact',
        { run_uuid: runs[1] as string, path: `${path}/MLmodel` },
        what
      )
    }
    return this.http.getText(
      '/model-versions/get-artifact',
      { name: model, version: mv.version, path: 'MLmodel' },
      what
    )
  }

  // ---- writes --------------------------------------------------------------

  /**
   * MLflow numbers versions itself, so ModelGate cannot register one under a
   * chosen number: this confirms an existing registration (no write): `ref`
   * empty confirms the version exists, else that it was made from run or
   * source `ref`. To create a version from a run, see registerFromRun.
   */
  async register(
    model: string,
    version: string,
    ref: string,
    audit: AuditFacts
  ): Promise<WriteResult> {
    this.assertModel(model)
    assertVersion(version)
    assertActor(audit)
    let mv: ModelVersionView
    try {
      mv = await this.readVersion(model, version)
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
      throw new NotFoundError(
        `${model} has no version ${version}, and MLflow numbers versions itself: create one from its run with \`modelgate register ${model} --run RUN_ID\` (or mlflow.register_model), then promote the version MLflow gives it.`,
        { cause: error }
      )
    }
    if (ref === '' || mv.runId === ref || mv.source === ref)
      return { written: false, reason: 'already registered' }
    throw new InvalidInputError(
      `${model} version ${version} is registered from ${mv.runId ? `run ${mv.runId}` : (mv.source ?? 'another source')}, not ${ref}.`
    )
  }

  /** A new version of `model` from a run's logged model (register-run.ts). */
  async registerFromRun(request: RegisterFromRun): Promise<WriteResult & { version?: string }> {
    this.assertModel(request.model)
    assertActor(request.audit)
    this.view.clear()
    return registerFromRun(
      {
        http: this.http,
        keys: this.keys,
        searchVersions: model => this.searchVersions(model),
        now: this.now,
        unityCatalog: this.unityCatalog
      },
      request
    )
  }

  async assign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options: MlflowWriteOptions = {}
  ): Promise<WriteResult> {
    this.assertModel(model)
    assertVersion(version)
    assertActor(audit)
    const ref = this.stageRef(stage)
    return this.write(
      model,
      ref,
      audit,
      options,
      `Promoting ${model} ${version} to ${stage}`,
      async view => {
        const target = await this.readVersion(model, version)
        if (view.holder === version) return this.completion(model, ref, view, target)
        assertPromotable(model, target, this.keys)
        const holder = await this.currentHolder(model, ref, view)
        return {
          completion: false,
          holder,
          build: audit =>
            this.planMove(model, ref, view, {
              kind: 'assign',
              target,
              previous: view.holder ?? view.previousAlias ?? null,
              archive: options.archiveReplaced ? view.holder : undefined,
              audit
            })
        }
      }
    )
  }

  async unassign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options: MlflowWriteOptions = {}
  ): Promise<WriteResult> {
    this.assertModel(model)
    assertVersion(version)
    assertActor(audit)
    const ref = this.stageRef(stage)
    return this.write(
      model,
      ref,
      audit,
      options,
      `Removing ${model} ${version} from ${stage}`,
      async view => {
        if (view.holder !== version) return { noop: 'not in stage' }
        const removed = await this.readVersion(model, version)
        const holder = await this.currentHolder(model, ref, view)
        return {
          completion: false,
          holder,
          build: audit => this.planUnassign(model, ref, view, removed, audit)
        }
      }
    )
  }

  async rollback(
    model: string,
    stage: string,
    toVersion: string | undefined,
    audit: AuditFacts,
    options: MlflowWriteOptions = {}
  ): Promise<WriteResult> {
    this.assertModel(model)
    if (toVersion !== undefined) assertVersion(toVersion)
    assertActor(audit)
    const ref = this.stageRef(stage)
    const action = `Rolling back ${model} ${stage}${toVersion ? ` to ${toVersion}` : ''}`
    return this.write(model, ref, audit, options, action, async view => {
      const current = view.holder
      if (current === undefined) {
        throw new NotFoundError(`No version of ${model} is in ${stage}: nothing to roll back.`)
      }
      const entry = holderEntry(view.applied, current)
      const recorded = entry ? entry.previous : (view.previousAlias ?? null)
      if (toVersion === current) {
        return this.completion(model, ref, view, await this.readVersion(model, current))
      }
      const found = toVersion
        ? { target: await this.readVersion(model, toVersion), gone: new Set<string>() }
        : await this.firstExisting(model, rollbackCandidates(view.applied, current, recorded))
      if (!found) {
        throw new NotFoundError(
          `No earlier version of ${model} held ${stage} as far as the registry records${recorded === null ? '' : ', or every earlier holder was deleted'}: name the version to roll back to.`
        )
      }
      const { target, gone } = found
      const to = target.version
      assertReady(model, target)
      const previous = await this.existingPrevious(
        model,
        previousAfterRollback(view.applied, to, current),
        gone,
        rollbackCandidates(view.applied, current, recorded).filter(v => v !== to)
      )
      const removed = await this.readVersionIfAny(model, current)
      const holder = await this.currentHolder(model, ref, view)
      return {
        completion: false,
        holder,
        build: audit =>
          this.planMove(model, ref, view, {
            kind: 'rollback',
            target,
            previous,
            archive: options.archiveReplaced ? current : undefined,
            audit,
            ...(removed ? { removed } : {})
          })
      }
    })
  }

  // ---- the write protocol ----------------------------------------------------

  private async write(
    model: string,
    ref: StageRef,
    auditIn: AuditFacts,
    options: WriteOptions,
    action: string,
    decide: (view: WriteView) => Promise<Decision>
  ): Promise<WriteResult> {
    this.heldRead.clear()
    for (let attempt = 1; ; attempt++) {
      // A later attempt follows another writer's move: nothing read before it holds.
      if (attempt > 1) this.view.clear()
      const view = await this.writeView(model, ref)
      const decision = await decide(view)
      if ('noop' in decision) return { written: false, reason: decision.noop }
      let plan: Plan
      if (decision.completion) {
        // An earlier run moved the stage and stopped short: finishing it is not
        // a new decision, so there is nothing to revalidate.
        plan = decision.plan
      } else {
        let audit = auditIn
        if (options.revalidate) {
          const replaced = await options.revalidate({
            model,
            stage: ref.stage,
            holder: decision.holder,
            attempt
          })
          if (replaced) {
            assertActor(replaced)
            audit = replaced
          }
        }
        plan = decision.build(audit)
      }
      if (options.dryRun) return { written: false, reason: 'dry run', planned: [plan.event] }
      try {
        await runSteps(plan.steps, {
          ...plan.context,
          beforeUndo: () => this.http.budget.startUndo()
        })
        return { written: true, events: [plan.event], attempts: attempt }
      } catch (error) {
        await this.sweepAfter(plan, error)
        if (!(error instanceof StageMovedError)) throw error
        if (attempt >= this.maxAttempts) {
          throw new RegistryConflictError(
            `${action}: gave up after ${attempt} attempts, other writers kept moving ${ref.stage} (${error.message}). Nothing was left changed; re-run to evaluate against the new state.`
          )
        }
      }
    }
  }

  private async writeView(model: string, ref: StageRef): Promise<WriteView> {
    const rm = await this.readModel(model)
    const rawJournal = rm.tags.get(this.keys.history(ref.alias))
    const decoded = decodeJournal(rawJournal)
    if ('error' in decoded) {
      throw new InvalidInputError(
        `The tag ${this.keys.history(ref.alias)} of ${model} ${decoded.error}: ModelGate will not overwrite a history it cannot read. Fix or delete the tag.`
      )
    }
    let legacy: WriteView['legacy']
    let holder: string | undefined
    if (ref.legacyStage) {
      const stageOf = new Map<string, string>()
      for (const mv of await this.searchVersions(model)) {
        stageOf.set(mv.version, mv.currentStage ?? 'None')
      }
      const inStage = [...stageOf]
        .filter(([, s]) => s === ref.legacyStage)
        .map(([v]) => v)
        .sort((a, b) => Number(b) - Number(a))
      legacy = { stageOf, inStage }
      holder = inStage[0]
    } else {
      holder = rm.aliases.get(ref.alias)
    }
    const previousAlias = ref.legacyStage
      ? undefined
      : rm.aliases.get(this.previousAliasOf(ref.alias))
    return {
      rm,
      ...(holder === undefined ? {} : { holder }),
      ...(previousAlias === undefined ? {} : { previousAlias }),
      ...(rawJournal === undefined ? {} : { rawJournal }),
      entries: decoded.entries,
      applied: appliedEntries(decoded.entries, holder),
      ...(legacy ? { legacy } : {})
    }
  }

  /** The stage already holds `mv`: finish what an interrupted run left, else nothing. */
  private async completion(
    model: string,
    ref: StageRef,
    view: WriteView,
    mv: ModelVersionView
  ): Promise<Decision> {
    const version = mv.version
    const entry = holderEntry(view.applied, version)
    const steps: Step[] = []
    const clearMark = this.clearMarkStep(model, ref, mv)
    if (clearMark) steps.push(clearMark)
    if (ref.legacyStage) {
      steps.push(...this.legacyMoveOut(model, ref, view, version, entry?.archived !== undefined))
    } else if (entry) {
      const previousStep = this.previousAliasStep(model, ref, view, entry.previous)
      if (previousStep) steps.push(previousStep)
      if (entry.archived) {
        const archived = await this.readVersionIfAny(model, entry.archived)
        if (archived && archived.tags.get(this.keys.archived) !== ARCHIVED_VALUE) {
          steps.push(this.archiveStep(model, entry.archived))
        }
      }
    }
    if (steps.length === 0) return { noop: 'already in stage' }
    const event = entry
      ? this.entryEvent(model, ref, entry)
      : completionEvent(model, ref, version, this.now())
    return {
      completion: true,
      plan: {
        event,
        steps,
        context: this.stepContext(model, ref, version, view.holder, 'Completing')
      }
    }
  }

  private planMove(
    model: string,
    ref: StageRef,
    view: WriteView,
    move: {
      kind: 'assign' | 'rollback'
      target: ModelVersionView
      previous: string | null
      archive: string | undefined
      audit: AuditFacts
      /** A rollback: the version it takes out (the holder now), for its removal mark. */
      removed?: ModelVersionView
    }
  ): Plan {
    const target = move.target
    const version = target.version
    const rollback = move.kind === 'rollback'
    const promotedKey = this.keys.promoted(ref.alias)
    const promotedNew = target.tags.has(promotedKey) ? 0 : 1
    const room = this.roomOn(target)
    // A rollback is never refused for want of room on Unity Catalog: the removal mark on the
    // version it takes out comes first, then its audit tag, then its record (whole, or a summary).
    const writePromoted = !rollback || room >= promotedNew
    let archive = move.archive
    let place: MarkPlace | undefined
    if (rollback && move.removed) {
      const archiveNeed =
        archive !== undefined && !move.removed.tags.has(this.keys.archived) ? 1 : 0
      place = this.markPlace(ref, move.removed, archiveNeed)
      if (this.roomAfterMark(move.removed, place) < archiveNeed) archive = undefined
    }
    const entry = this.newEntry(
      move.kind,
      ref,
      version,
      view.holder ?? null,
      move.previous,
      move.audit,
      archive
    )
    const record = this.recordPlan(
      model,
      version,
      entry,
      move.audit.record,
      rollback ? room - (writePromoted ? promotedNew : 0) : undefined
    )
    if (!rollback) {
      this.assertTagRoom(model, target, [promotedKey], record.whole, move.audit.record)
    }
    if (record.tags.length === 0) delete entry.recorded
    const { value: auditValue, audit } = this.auditValue(
      model,
      ref,
      entry,
      move.audit,
      record,
      markFacts(place)
    )
    // Aliases mode: the history entry goes last before the alias, after the check (see
    // freshnessCheck); a legacy stage keeps it first.
    const journal = this.journalStep(model, ref, view, entry)
    const tagNeeded =
      writePromoted &&
      (!rollback ||
        ref.legacyStage !== undefined ||
        !this.rebuiltFromEntry(model, ref, journal.entry, target, auditValue, move.audit, record))
    const steps: Step[] = [
      ...(ref.legacyStage ? [journal] : []),
      ...this.evictSteps(model, place),
      ...this.recordSteps(model, version, record),
      ...(tagNeeded
        ? [
            this.versionTagStep(
              model,
              version,
              promotedKey,
              auditValue,
              target.tags.get(promotedKey)
            )
          ]
        : []),
      ...this.markSteps(model, move.removed, place, entry)
    ]
    const archivedTag = target.tags.get(this.keys.archived)
    if (rollback && archivedTag !== undefined) {
      steps.push(
        this.deleteVersionTagStep(model, version, this.keys.archived, archivedTag, 'prepare')
      )
    }
    // The target's removal mark goes once it holds the stage again (any write that puts it
    // back, forced or not), never before: a write that stops short leaves it marked.
    const clearMark = this.clearMarkStep(model, ref, target)
    if (ref.legacyStage) {
      steps.push(this.legacyCheckStep(model, ref, view))
      steps.push(
        this.transitionStep(
          model,
          version,
          ref.legacyStage,
          view.legacy?.stageOf.get(version) ?? 'None',
          'commit'
        )
      )
      if (clearMark) steps.push(clearMark)
      steps.push(...this.legacyMoveOut(model, ref, view, version, archive !== undefined))
    } else {
      steps.push(this.freshnessCheck(model, ref, view), journal)
      steps.push(this.aliasStep(model, ref.alias, version, view.holder, 'commit'))
      if (clearMark) steps.push(clearMark)
      const previousStep = this.previousAliasStep(model, ref, view, move.previous)
      if (previousStep) steps.push(previousStep)
      if (archive) steps.push(this.archiveStep(model, archive))
    }
    const summary =
      move.kind === 'assign'
        ? `Promote ${model} ${version} to ${ref.stage}${view.holder ? ` (replacing ${view.holder})` : ''}`
        : `Roll back ${model} ${ref.stage} to ${version} (from ${view.holder ?? 'none'})${markNote(place)}`
    return {
      event: {
        kind: 'assignment',
        model,
        version,
        stage: ref.stage,
        at: new Date(entry.at),
        by: entry.by,
        ...(entry.email ? { byEmail: entry.email } : {}),
        id: eventId(model, ref, entry.id),
        ...refOf(target),
        summary,
        audit
      },
      steps,
      orphans: {
        version,
        entryId: entry.id,
        promotedKey,
        ...(target.tags.has(promotedKey) ? { promotedOld: target.tags.get(promotedKey) } : {})
      },
      context: this.stepContext(
        model,
        ref,
        version,
        view.holder,
        move.kind === 'assign' ? 'Promoting' : 'Rolling back'
      )
    }
  }

  private planUnassign(
    model: string,
    ref: StageRef,
    view: WriteView,
    removed: ModelVersionView,
    audit: AuditFacts
  ): Plan {
    const version = removed.version
    const entry = this.newEntry('unassign', ref, null, version, version, audit, undefined)
    // Never refused for want of room: the removal mark first, then the record (whole, or a summary).
    const place = this.markPlace(ref, removed, 0)
    const record = this.recordPlan(
      model,
      version,
      entry,
      audit.record,
      this.roomAfterMark(removed, place)
    )
    if (record.tags.length === 0) delete entry.recorded
    const { audit: eventAudit } = this.auditValue(
      model,
      ref,
      entry,
      audit,
      record,
      markFacts(place)
    )
    const journal = this.journalStep(model, ref, view, entry)
    const steps: Step[] = [
      ...(ref.legacyStage ? [journal] : []),
      ...this.evictSteps(model, place),
      ...this.recordSteps(model, version, record),
      ...this.markSteps(model, removed, place, entry)
    ]
    if (ref.legacyStage) {
      steps.push(this.legacyCheckStep(model, ref, view))
      steps.push(this.transitionStep(model, version, 'None', ref.legacyStage, 'commit'))
    } else {
      steps.push(this.freshnessCheck(model, ref, view), journal)
      steps.push({
        label: `delete alias "${ref.alias}" (was ${version})`,
        phase: 'commit',
        run: () => this.deleteAlias(model, ref.alias),
        undo: {
          label: `set alias "${ref.alias}" back to ${version}`,
          run: () => this.setAlias(model, ref.alias, version)
        }
      })
      const previousStep = this.previousAliasStep(model, ref, view, version)
      if (previousStep) steps.push(previousStep)
    }
    return {
      event: {
        kind: 'unassignment',
        model,
        version,
        stage: ref.stage,
        at: new Date(entry.at),
        by: entry.by,
        ...(entry.email ? { byEmail: entry.email } : {}),
        id: eventId(model, ref, entry.id),
        summary: `Remove ${model} ${version} from ${ref.stage}${markNote(place)}`,
        audit: eventAudit
      },
      steps,
      context: {
        probe: async () => (await this.stageHolderNow(model, ref)) !== version,
        action: `Removing ${model} ${version} from ${ref.stage}`,
        stageIfCommitted: `${ref.stage} is now empty`,
        stageIfNot: `${ref.stage} is still held by ${version}`,
        rerunHint: 'Re-run the same command to complete it.'
      }
    }
  }

  private stepContext(
    model: string,
    ref: StageRef,
    version: string,
    holder: string | undefined,
    verb: string
  ): StepContext {
    return {
      probe: async () => (await this.stageHolderNow(model, ref)) === version,
      action: `${verb} ${model} ${version} ${verb === 'Rolling back' ? 'into' : 'to'} ${ref.stage}`,
      stageIfCommitted: `${ref.stage} is now held by ${version}, but the write is incomplete`,
      stageIfNot: holder
        ? `${ref.stage} is still held by ${holder}`
        : `${ref.stage} is still empty`,
      rerunHint:
        verb === 'Rolling back'
          ? // Without the version named, a re-run would take the half-restored version as the holder to roll back.
            `Re-run the rollback naming the version (--to ${version}, or the action's version input) to complete it (it finishes what is missing).`
          : `Re-run the same command to complete it (it finishes what is missing), or roll ${ref.stage} back.`
    }
  }

  // ---- steps -----------------------------------------------------------------

  /** The history tag's step; `entry` is the new entry as readers will decode it (cut to fit). */
  private journalStep(
    model: string,
    ref: StageRef,
    view: WriteView,
    entry: JournalEntry
  ): Step & { entry: JournalEntry } {
    const key = this.keys.history(ref.alias)
    // An entry that never took effect is dropped; the new one goes on top.
    const value = encodeJournal([entry, ...view.applied], this.tagLimit)
    const decoded = decodeJournal(value)
    const stored = ('entries' in decoded ? decoded.entries[0] : undefined) ?? entry
    const old = view.rawJournal
    return {
      entry: stored,
      label: `set tag ${key} on ${model}`,
      phase: 'prepare',
      run: () => this.setModelTag(model, key, value),
      undo: {
        label:
          old === undefined ? `delete tag ${key} on ${model}` : `restore tag ${key} on ${model}`,
        run: () =>
          old === undefined ? this.deleteModelTag(model, key) : this.setModelTag(model, key, old)
      }
    }
  }

  /** Sets a version tag; undone by restoring `old` (deleting the tag when there was none). */
  private versionTagStep(
    model: string,
    version: string,
    key: string,
    value: string,
    old: string | undefined
  ): Step {
    return {
      label: `set tag ${key} on ${model} ${version}`,
      phase: 'prepare',
      run: () => this.setVersionTag(model, version, key, value),
      undo: {
        label:
          old === undefined
            ? `delete tag ${key} on ${model} ${version}`
            : `restore tag ${key} on ${model} ${version}`,
        run: () =>
          old === undefined
            ? this.deleteVersionTag(model, version, key)
            : this.setVersionTag(model, version, key, old)
      }
    }
  }

  /**
   * How the caller's record (if any) is kept on the version (record-tags.ts).
   * `room` undefined: a promotion, which refuses, before anything is written,
   * a record that cannot be kept whole (more than MAX_RECORD_BYTES of JSON or
   * MAX_RECORD_TAGS tags; Unity Catalog's tag count is assertTagRoom's). A
   * number: a rollback or an unassignment, never refused: the record is kept
   * whole when it fits in `room` more tags, else as a summary in its header
   * tag when one more fits, else not on the version (the event's audit still
   * has it whole, for the job summary and the artifact).
   */
  private recordPlan(
    model: string,
    version: string,
    entry: JournalEntry,
    record: Record<string, unknown> | undefined,
    room: number | undefined
  ): RecordPlan {
    if (record === undefined) return { tags: [] }
    const files = fileCount(record)
    const fewerFiles = `Most of a record is the candidate's file checksums${files === undefined ? '' : ` (${files} files)`}: put fewer files in the candidate directory, e.g. pack many small files into one archive.`
    let whole: RecordTags | undefined
    let truncated: string | undefined
    const bytes = byteLength(JSON.stringify(record))
    if (bytes > MAX_RECORD_BYTES) {
      if (room === undefined) {
        throw new InvalidInputError(
          `${model} version ${version}: the audit record of this write is ${kb(bytes)} of JSON, more than the ${kb(MAX_RECORD_BYTES)} ModelGate keeps on a version. Nothing was written. ${fewerFiles}`
        )
      }
      truncated = `the record is ${kb(bytes)} of JSON, more than the ${kb(MAX_RECORD_BYTES)} ModelGate keeps on a version`
    } else {
      whole = recordTags(this.keys, entry.id, record, this.tagLimit)
      const count = whole.parts.length + 1
      if (count > MAX_RECORD_TAGS) {
        if (room === undefined) {
          throw new InvalidInputError(
            `${model} version ${version}: the audit record of this write is ${kb(whole.bytes)} of JSON (${kb(whole.encodedBytes)} as ${RECORD_ENCODING}) and would take ${count} tags of at most ${this.tagLimit} bytes, more than the ${MAX_RECORD_TAGS} ModelGate gives one record${this.unityCatalog ? ` (Unity Catalog allows ${UC_MAX_TAGS_PER_VERSION} tags on a model version)` : ''}. Nothing was written. ${fewerFiles}`
          )
        }
        truncated = `the record would take ${count} tags, more than the ${MAX_RECORD_TAGS} ModelGate gives one record`
      } else if (room !== undefined && count > room) {
        truncated = `the record would take ${count} tags and ${model} version ${version} had room for ${Math.max(room, 0)} more of the ${UC_MAX_TAGS_PER_VERSION} Unity Catalog allows`
      }
    }
    if (truncated === undefined && whole) return { tags: [...whole.parts, whole.header], whole }
    const why = truncated ?? 'the record was not kept'
    if (room !== undefined && room < 1) return { tags: [], truncated: why }
    const summary = recordSummaryTag(this.keys, entry.id, record, why, this.tagLimit)
    return { tags: [{ key: summary.key, value: summary.value }], truncated: why }
  }

  /**
   * Unity Catalog allows UC_MAX_TAGS_PER_VERSION tags on a model version:
   * refuses, before anything is written, a promotion that would go beyond it
   * on `target` (the record's tags plus `keys` it does not have yet). The
   * server would refuse the tag and the write be undone; this says why, up
   * front.
   */
  private assertTagRoom(
    model: string,
    target: ModelVersionView,
    keys: string[],
    record: RecordTags | undefined,
    auditRecord: Record<string, unknown> | undefined
  ): void {
    if (!this.unityCatalog) return
    const recordCount = record ? record.parts.length + 1 : 0
    const added = recordCount + keys.filter(key => !target.tags.has(key)).length
    if (target.tags.size + added <= UC_MAX_TAGS_PER_VERSION) return
    const files = auditRecord ? fileCount(auditRecord) : undefined
    throw new InvalidInputError(
      `${model} version ${target.version} has ${target.tags.size} tags and this write would add ${added}${record ? ` (${recordCount} for its audit record, ${kb(record.bytes)} of JSON)` : ''}, more than the ${UC_MAX_TAGS_PER_VERSION} Unity Catalog allows on a model version. Nothing was written. Delete tags the version no longer needs (not ${this.keys.auditHeader('')}*: they are its audit trail)${record ? `, or put fewer files in the candidate directory${files === undefined ? '' : ` (${files} now)`} to shrink the record` : ''}.`
    )
  }

  /** How many more tags `mv` can take: Unity Catalog's limit less what it has; unbounded elsewhere. */
  private roomOn(mv: ModelVersionView): number {
    return this.unityCatalog ? UC_MAX_TAGS_PER_VERSION - mv.tags.size : Infinity
  }

  /**
   * Where the removal mark goes on `removed`, the version a write takes out of
   * the stage: its own tag (overwritten if there), else, when Unity Catalog
   * has no room for one more tag (`reserve` more kept for the archived tag),
   * in place of the version's audit tag for the stage (removal-mark.ts), else
   * in a new tag if one still fits, else in a new tag once ModelGate's own
   * oldest audit records on the version are deleted to make room (never a tag
   * ModelGate did not write), else nowhere, and the write says so.
   */
  private markPlace(ref: StageRef, removed: ModelVersionView, reserve: number): MarkPlace {
    const version = removed.version
    const key = this.keys.removed(ref.alias)
    const none = { version, evict: [], freed: 0 }
    const old = removed.tags.get(key)
    if (old !== undefined) return { ...none, key, old, slots: 0 }
    const room = this.roomOn(removed)
    if (room >= 1 + reserve) return { ...none, key, slots: 1 }
    const promotedKey = this.keys.promoted(ref.alias)
    const promoted = removed.tags.get(promotedKey)
    if (promoted !== undefined) return { ...none, key: promotedKey, old: promoted, slots: 0 }
    if (room >= 1) return { ...none, key, slots: 1 }
    const evict: KeptRecord[] = []
    let freed = 0
    for (const record of keptRecords(this.keys, removed.tags)) {
      if (room + freed >= 1) break
      evict.push(record)
      freed += record.tags.length
    }
    if (room + freed >= 1) return { version, key, slots: 1, evict, freed }
    return {
      ...none,
      slots: 0,
      unmarked: `no tag room on version ${version} (its ${removed.tags.size} tags, the most Unity Catalog allows, hold no audit record ModelGate may delete), so the rolled_back gate cannot see that it was taken out of ${ref.stage}`
    }
  }

  /** How many more tags `mv` can take once the removal mark is placed (and what it evicts deleted). */
  private roomAfterMark(mv: ModelVersionView, place: MarkPlace): number {
    return this.roomOn(mv) + place.freed - place.slots
  }

  /**
   * Deletes the records `place` evicts, each the parts then the header (a
   * write stopped between them leaves a header that still names the parts it
   * lost, which the next eviction takes too); undone by restoring every tag.
   */
  private evictSteps(model: string, place: MarkPlace | undefined): Step[] {
    if (!place) return []
    return place.evict.flatMap(record =>
      record.tags.map(tag =>
        this.deleteVersionTagStep(model, place.version, tag.key, tag.value, 'prepare')
      )
    )
  }

  private markSteps(
    model: string,
    removed: ModelVersionView | undefined,
    place: MarkPlace | undefined,
    entry: JournalEntry
  ): Step[] {
    if (!removed || !place?.key) return []
    const value = encodeRemovalMark(entry, this.tagLimit)
    return [this.versionTagStep(model, removed.version, place.key, value, place.old)]
  }

  /**
   * Deletes `mv`'s removal mark for the stage, when it has one, once it holds
   * the stage (a mark that took the place of its audit tag is overwritten by
   * the write instead).
   */
  private clearMarkStep(model: string, ref: StageRef, mv: ModelVersionView): Step | undefined {
    const key = this.keys.removed(ref.alias)
    const old = mv.tags.get(key)
    return old === undefined
      ? undefined
      : this.deleteVersionTagStep(model, mv.version, key, old, 'finish')
  }

  /**
   * The record's tags as steps: the parts, then the header that vouches for
   * them (or the summary alone). The keys hold the new entry's id, so none of
   * them exists yet and undoing one deletes it.
   */
  private recordSteps(model: string, version: string, record: RecordPlan): Step[] {
    return record.tags.map(tag =>
      this.versionTagStep(model, version, tag.key, tag.value, undefined)
    )
  }

  private deleteVersionTagStep(
    model: string,
    version: string,
    key: string,
    old: string,
    phase: 'prepare' | 'finish'
  ): Step {
    return {
      label: `delete tag ${key} on ${model} ${version}`,
      phase,
      run: () => this.deleteVersionTag(model, version, key),
      undo: {
        label: `restore tag ${key} on ${model} ${version}`,
        run: () => this.setVersionTag(model, version, key, old)
      }
    }
  }

  private archiveStep(model: string, version: string): Step {
    const key = this.keys.archived
    return {
      label: `tag ${model} ${version} ${key}=${ARCHIVED_VALUE}`,
      phase: 'finish',
      run: () => this.setVersionTag(model, version, key, ARCHIVED_VALUE),
      undo: {
        label: `delete tag ${key} on ${model} ${version}`,
        run: () => this.deleteVersionTag(model, version, key)
      }
    }
  }

  /**
   * Whether a rollback may leave out the restored version's audit tag (issue 11: one call fewer):
   * only when a reader rebuilds exactly what the tag would say from the stage's history entry (as
   * stored, `stored`) and the record tags of the entry's id (holderFromVersion), which persist
   * where the audit tag is overwritten at the version's next entry into the stage. Not when the
   * tag would say more (a record not kept whole, a removal mark's facts, a reason or an actor
   * the history cuts), nor when the version's audit tag holds a removal mark (removal-mark.ts),
   * which only writing the tag clears. Promotions always write it.
   */
  private rebuiltFromEntry(
    model: string,
    ref: StageRef,
    stored: JournalEntry,
    target: ModelVersionView,
    value: string,
    audit: AuditFacts,
    record: RecordPlan
  ): boolean {
    if (audit.record === undefined || record.truncated !== undefined || !record.whole) return false
    if (!stored.recorded || record.tags.length === 0) return false
    if (isRemovalMark(target.tags.get(this.keys.promoted(ref.alias)))) return false
    return saysNothingMore(value, auditBase(model, ref, stored), audit.record)
  }

  /**
   * Right before the history tag and the alias (aliases mode): the alias still points where the
   * view said, and the stage's history tag is still the one read. The history is one tag
   * rewritten whole (MLflow has no compare-and-set), so a writer that moved the stage while this
   * command judged the candidate must be seen before that tag is written over, or its entry
   * would be lost; and before the alias, or its promotion would be replaced unjudged. One read
   * of the model answers both; the window left is the history tag's one call.
   */
  private freshnessCheck(model: string, ref: StageRef, view: WriteView): Step {
    const expected = view.holder
    const key = this.keys.history(ref.alias)
    return {
      label: `check alias "${ref.alias}" still points at ${expected ?? 'nothing'} and ${key} is unchanged`,
      phase: 'check',
      run: async () => {
        const rm = await this.fetchModel(model)
        const now = rm.aliases.get(ref.alias)
        if (now !== expected) {
          throw new StageMovedError(
            `alias "${ref.alias}" moved from ${expected ?? 'nothing'} to ${now ?? 'nothing'} meanwhile`
          )
        }
        if (rm.tags.get(key) !== view.rawJournal) {
          throw new StageMovedError(`another writer added to the history of ${ref.stage} meanwhile`)
        }
      }
    }
  }

  private aliasStep(
    model: string,
    alias: string,
    version: string,
    before: string | undefined,
    phase: 'commit' | 'finish'
  ): Step {
    return {
      label: `set alias "${alias}" → ${version}`,
      phase,
      run: () => this.setAlias(model, alias, version),
      undo: {
        label:
          before === undefined
            ? `delete alias "${alias}"`
            : `set alias "${alias}" back to ${before}`,
        run: () =>
          before === undefined
            ? this.deleteAlias(model, alias)
            : this.setAlias(model, alias, before)
      }
    }
  }

  /** `<alias>-previous` → `target` (deleted for null); undefined when it already is. */
  private previousAliasStep(
    model: string,
    ref: StageRef,
    view: WriteView,
    target: string | null
  ): Step | undefined {
    const alias = this.previousAliasOf(ref.alias)
    const before = view.previousAlias
    if ((before ?? null) === target) return undefined
    if (target !== null) return this.aliasStep(model, alias, target, before, 'finish')
    return {
      label: `delete alias "${alias}"`,
      phase: 'finish',
      run: () => this.deleteAlias(model, alias),
      undo: {
        label: `set alias "${alias}" back to ${before ?? ''}`,
        run: () => this.setAlias(model, alias, before as string)
      }
    }
  }

  /** The stage's holder, read now. */
  private async stageHolderNow(model: string, ref: StageRef): Promise<string | undefined> {
    if (ref.legacyStage) return latestInStage(await this.readModel(model), ref.legacyStage)
    return (await this.readAlias(model, ref.alias))?.version
  }

  // ---- legacy stages ----------------------------------------------------------

  private legacyCheckStep(model: string, ref: StageRef, view: WriteView): Step {
    return {
      label: `check ${ref.legacyStage} is still held by ${view.holder ?? 'nothing'}`,
      phase: 'check',
      run: async () => {
        const rm = await this.readModel(model)
        const now = latestInStage(rm, ref.legacyStage as string)
        if (now !== view.holder) {
          throw new StageMovedError(
            `${ref.legacyStage} moved from ${view.holder ?? 'nothing'} to ${now ?? 'nothing'} meanwhile`
          )
        }
      }
    }
  }

  private transitionStep(
    model: string,
    version: string,
    to: string,
    from: string,
    phase: 'commit' | 'finish'
  ): Step {
    return {
      label: `move ${model} ${version} to stage ${to}`,
      phase,
      run: () => this.transition(model, version, to),
      undo: {
        label: `move ${model} ${version} back to stage ${from}`,
        run: () => this.transition(model, version, from)
      }
    }
  }

  /** Every other version still in the legacy stage leaves it (to Archived when asked, else None). */
  private legacyMoveOut(
    model: string,
    ref: StageRef,
    view: WriteView,
    keep: string,
    archive: boolean
  ): Step[] {
    return (view.legacy?.inStage ?? [])
      .filter(version => version !== keep)
      .map(version =>
        this.transitionStep(
          model,
          version,
          archive ? 'Archived' : 'None',
          ref.legacyStage as string,
          'finish'
        )
      )
  }

  // ---- REST calls ---------------------------------------------------------------

  private rmPath(op: string): string {
    return `/mlflow/${this.unityCatalog ? 'unity-catalog/' : ''}registered-models/${op}`
  }

  private mvPath(op: string): string {
    return `/mlflow/${this.unityCatalog ? 'unity-catalog/' : ''}model-versions/${op}`
  }

  private async readModel(model: string): Promise<RegisteredModelView> {
    if (this.readOnce) return this.view.get(`model\0${model}`, () => this.fetchModel(model))
    return this.fetchModel(model)
  }

  private async fetchModel(model: string): Promise<RegisteredModelView> {
    return readRegisteredModel(
      await this.http.call(
        'GET',
        this.rmPath('get'),
        { name: model },
        `The registered model "${model}"`
      )
    )
  }

  private async readModelIfAny(model: string): Promise<RegisteredModelView | undefined> {
    try {
      return await this.readModel(model)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
  }

  private async readVersion(model: string, version: string): Promise<ModelVersionView> {
    // One search for every version the command needs (OSS: search answers carry tags), the
    // aliases from the model (search answers `aliases: null`); else one get per version.
    if (this.readOnce && !this.unityCatalog && !model.includes("'")) {
      const all = await this.versionsOf(model)
      const found = all.get(version)
      if (found) {
        const rm = await this.readModel(model)
        const aliases = [...rm.aliases].filter(([, v]) => v === version).map(([a]) => a)
        return { ...found, aliases }
      }
    }
    const get = async () =>
      readModelVersion(
        await this.http.call(
          'GET',
          this.mvPath('get'),
          { name: model, version },
          `Version ${version} of the registered model "${model}"`
        )
      )
    return this.readOnce ? this.view.get(`version\0${model}\0${version}`, get) : get()
  }

  private async readVersionIfAny(
    model: string,
    version: string
  ): Promise<ModelVersionView | undefined> {
    try {
      return await this.readVersion(model, version)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
  }

  /** The version an alias points at; undefined when the alias (or the model) is missing. */
  private async readAlias(model: string, alias: string): Promise<ModelVersionView | undefined> {
    try {
      return readModelVersion(
        await this.http.call(
          'GET',
          this.rmPath('alias'),
          { name: model, alias },
          `The alias "${alias}" of "${model}"`
        )
      )
    } catch (error) {
      // OSS: 400 INVALID_PARAMETER_VALUE "Registered model alias … not found." (for a
      // missing model too); other servers: 404. Callers tell the two apart.
      if (error instanceof NotFoundError) return undefined
      if (
        error instanceof MlflowApiError &&
        error.status === 400 &&
        error.errorCode === 'INVALID_PARAMETER_VALUE' &&
        /alias\b.*\bnot found/i.test(error.serverMessage)
      ) {
        return undefined
      }
      throw error
    }
  }

  private async searchVersions(model: string): Promise<ModelVersionView[]> {
    if (model.includes("'")) return []
    const versions: ModelVersionView[] = []
    let token: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const query: Query = { filter: `name='${model}'`, max_results: 1000, page_token: token }
      const { items, next } = readPage(
        await this.http.call('GET', this.mvPath('search'), query, `Versions of "${model}"`),
        'model_versions'
      )
      versions.push(...items.map(readVersionObject))
      if (!next) break
      token = next
    }
    return versions
  }

  private async listModels(): Promise<string[]> {
    const names: string[] = []
    let token: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const { items, next } = readPage(
        await this.http.call('GET', this.rmPath('search'), {
          max_results: 1000,
          page_token: token
        }),
        'registered_models'
      )
      for (const item of items) {
        const name = (item as { name?: unknown }).name
        if (typeof name === 'string') names.push(name)
      }
      if (!next) break
      token = next
    }
    return names.sort(compareText)
  }

  private async setAlias(model: string, alias: string, version: string): Promise<void> {
    this.view.clear()
    await this.http.call(
      'POST',
      this.rmPath('alias'),
      { name: model, alias, version },
      `Version ${version} of "${model}"`
    )
  }

  private async deleteAlias(model: string, alias: string): Promise<void> {
    this.view.clear()
    await this.http.call(
      'DELETE',
      this.rmPath('alias'),
      { name: model, alias },
      `The registered model "${model}"`
    )
  }

  private async setModelTag(model: string, key: string, value: string): Promise<void> {
    this.view.clear()
    const path = this.rmPath(this.unityCatalog ? 'tags' : 'set-tag')
    await this.http.call(
      'POST',
      path,
      { name: model, key, value },
      `The registered model "${model}"`
    )
  }

  private async deleteModelTag(model: string, key: string): Promise<void> {
    this.view.clear()
    const path = this.rmPath(this.unityCatalog ? 'tags' : 'delete-tag')
    await this.http.call('DELETE', path, { name: model, key }, `The registered model "${model}"`)
  }

  private async setVersionTag(
    model: string,
    version: string,
    key: string,
    value: string
  ): Promise<void> {
    this.view.clear()
    const path = this.mvPath(this.unityCatalog ? 'tags' : 'set-tag')
    await this.http.call(
      'POST',
      path,
      { name: model, version, key, value },
      `Version ${version} of "${model}"`
    )
  }

  private async deleteVersionTag(model: string, version: string, key: string): Promise<void> {
    this.view.clear()
    const path = this.mvPath(this.unityCatalog ? 'tags' : 'delete-tag')
    await this.http.call(
      'DELETE',
      path,
      { name: model, version, key },
      `Version ${version} of "${model}"`
    )
  }

  private async transition(model: string, version: string, stage: string): Promise<void> {
    this.view.clear()
    await this.http.call(
      'POST',
      this.mvPath('transition-stage'),
      { name: model, version, stage, archive_existing_versions: false },
      `Version ${version} of "${model}"`
    )
  }

  // ---- helpers -------------------------------------------------------------------

  private assertModel(model: string): void {
    assertModelName(model, this.unityCatalog)
  }

  private stageRef(stage: string): StageRef {
    if (!stage) throw new InvalidInputError('The stage is empty.')
    const mapped = this.aliasForStage(stage)
    if (this.legacyStages) {
      const legacyStage = legacyStageName(mapped, stage)
      return { stage, alias: legacyStage.toLowerCase(), legacyStage }
    }
    assertAlias(mapped, stage)
    if (this.isPreviousAlias(mapped)) {
      throw new InvalidInputError(
        `Stage "${stage}" maps to the alias "${mapped}", which ends in "${this.previousSuffix}": ModelGate keeps each stage's rollback target under such an alias.`
      )
    }
    assertAlias(this.previousAliasOf(mapped), stage)
    return { stage, alias: mapped }
  }

  private legacyRef(legacyStage: string): StageRef {
    const stage =
      this.stages?.find(s => legacyStageName(this.aliasForStage(s), s) === legacyStage) ??
      legacyStage.toLowerCase()
    return { stage, alias: legacyStage.toLowerCase(), legacyStage }
  }

  /** `<alias>-previous` as `rm` has it (null: unset); undefined for legacy stages, which have none. */
  private previousAliasIn(rm: RegisteredModelView, ref: StageRef): string | null | undefined {
    return ref.legacyStage ? undefined : (rm.aliases.get(this.previousAliasOf(ref.alias)) ?? null)
  }

  private previousAliasOf(alias: string): string {
    return `${alias}${this.previousSuffix}`
  }

  private isPreviousAlias(alias: string): boolean {
    return alias.endsWith(this.previousSuffix)
  }

  /** The policy stage an alias keeps: as ModelGate recorded it, else by the stage list, else the alias. */
  private stageOfAlias(alias: string, entries: JournalEntry[]): string {
    const recorded = entries[0]?.stage
    if (recorded && this.safeAlias(recorded) === alias) return recorded
    return this.stages?.find(stage => this.safeAlias(stage) === alias) ?? alias
  }

  private safeAlias(stage: string): string | undefined {
    try {
      return this.aliasForStage(stage)
    } catch {
      return undefined
    }
  }

  private journalOf(rm: RegisteredModelView, alias: string): JournalEntry[] {
    const decoded = decodeJournal(rm.tags.get(this.keys.history(alias)))
    return 'error' in decoded ? [] : decoded.entries
  }

  /** Every stage with a holder: aliases (not the `-previous` ones), or legacy stages. */
  private stageHolders(rm: RegisteredModelView): Array<[StageRef, string]> {
    if (this.legacyStages) {
      return (['Staging', 'Production'] as const).flatMap(s => {
        const holder = latestInStage(rm, s)
        return holder === undefined ? [] : [[this.legacyRef(s), holder] as [StageRef, string]]
      })
    }
    return [...rm.aliases]
      .filter(([alias]) => !this.isPreviousAlias(alias))
      .map(([alias, holder]) => [
        { stage: this.stageOfAlias(alias, this.journalOf(rm, alias)), alias },
        holder
      ])
  }

  private refForHistoryKey(
    rm: RegisteredModelView,
    key: string,
    entries: JournalEntry[]
  ): StageRef {
    if (this.legacyStages) {
      const legacyStage = (this.keys.historyAlias(key) ?? '').replace(/^./, c => c.toUpperCase())
      if (legacyStage === 'Staging' || legacyStage === 'Production')
        return this.legacyRef(legacyStage)
    }
    const alias =
      [...rm.aliases.keys()].find(a => this.keys.history(a) === key) ??
      (entries[0] ? this.safeAlias(entries[0].stage) : undefined) ??
      this.keys.historyAlias(key) ??
      key
    return { stage: entries[0]?.stage ?? this.stageOfAlias(alias, entries), alias }
  }

  /** Whether the version, as read, holds the stage (its aliases, or its legacy stage). */
  private holdsStage(mv: ModelVersionView, ref: StageRef): boolean {
    return ref.legacyStage ? mv.currentStage === ref.legacyStage : mv.aliases.includes(ref.alias)
  }

  private holderOf(rm: RegisteredModelView, ref: StageRef): string | undefined {
    return ref.legacyStage ? latestInStage(rm, ref.legacyStage) : rm.aliases.get(ref.alias)
  }

  /** The current holder as the port describes it (for revalidate). */
  private async currentHolder(
    model: string,
    ref: StageRef,
    view: WriteView
  ): Promise<StageHolder | undefined> {
    if (view.holder === undefined) return undefined
    const entry = trustedEntry(
      view.entries,
      view.holder,
      ref.legacyStage ? undefined : (view.previousAlias ?? null)
    )
    if (entry) return this.holderFromEntry(model, ref, view.holder, entry)
    const mv = await this.readVersionIfAny(model, view.holder)
    return mv ? unknownHolder(model, ref, mv) : danglingHolder(model, ref, view.holder)
  }

  /**
   * A reverted attempt (or one backed out for a moved stage): what it wrote and a late-landing
   * request put back is removed again (orphans.ts). A partial write is left as it is: a re-run
   * completes it.
   */
  private async sweepAfter(plan: Plan, error: unknown): Promise<void> {
    const reverted =
      error instanceof StageMovedError ||
      (error instanceof MlflowWriteError && error.failure.outcome === 'reverted')
    if (!reverted || !plan.orphans) return
    const model = plan.event.model
    await sweepOrphans(this.keys, plan.orphans, {
      readTags: async version => (await this.readVersionIfAny(model, version))?.tags,
      deleteTag: (version, key) => this.deleteVersionTag(model, version, key),
      setTag: (version, key, value) => this.setVersionTag(model, version, key, value)
    })
  }

  /** The first of `versions` that still exists (read in order), with those found deleted. */
  private async firstExisting(
    model: string,
    versions: string[]
  ): Promise<{ target: ModelVersionView; gone: Set<string> } | undefined> {
    const gone = new Set<string>()
    for (const version of versions) {
      const mv = await this.readVersionIfAny(model, version)
      if (mv) return { target: mv, gone }
      gone.add(version)
    }
    return undefined
  }

  /**
   * The rollback target's successor as `<alias>-previous`: `previous` when it still exists,
   * else the next of `others` that does (MLflow refuses an alias on a deleted version).
   */
  private async existingPrevious(
    model: string,
    previous: string | null,
    gone: Set<string>,
    others: string[]
  ): Promise<string | null> {
    if (previous === null) return null
    const order = [previous, ...others.filter(v => v !== previous)]
    for (const version of order) {
      if (gone.has(version)) continue
      if (await this.readVersionIfAny(model, version)) return version
      gone.add(version)
    }
    return null
  }

  /** Every version of the model: searched once per command when readOnce (read-view.ts). */
  private versionsOf(model: string): Promise<Map<string, ModelVersionView>> {
    if (!this.readOnce) return this.versionsByNumber(model)
    return this.view.get(`versions\0${model}`, () => this.versionsByNumber(model))
  }

  /** Every version of the model by number (one search page up to 1,000 versions). */
  private async versionsByNumber(model: string): Promise<Map<string, ModelVersionView>> {
    return new Map((await this.searchVersions(model)).map(mv => [mv.version, mv]))
  }

  private holderFromEntry(
    model: string,
    ref: StageRef,
    version: string,
    entry: JournalEntry
  ): StageHolder {
    return {
      model,
      stage: ref.stage,
      version,
      assignedAt: new Date(entry.at),
      assignedBy: entry.by,
      eventId: eventId(model, ref, entry.id),
      audit: entryAudit(entry)
    }
  }

  /**
   * From the version's own audit tag when ModelGate put it there; else (an alias
   * set outside ModelGate) the version's last update stands in for when, and
   * nobody known for by.
   */
  private holderFromVersion(
    model: string,
    ref: StageRef,
    mv: ModelVersionView,
    entries: readonly JournalEntry[],
    previousAlias: string | null | undefined
  ): StageHolder {
    // Trusted only when the history vouches for this version's entry (stage-facts.ts).
    const entry = trustedEntry(entries, mv.version, previousAlias)
    if (!entry) return unknownHolder(model, ref, mv)
    const tag = parseAuditTag(mv.tags.get(this.keys.promoted(ref.alias)))
    if (tag && tag.version === mv.version && tag.id === entry.id) {
      return {
        model,
        stage: ref.stage,
        version: mv.version,
        assignedAt: new Date(tag.at),
        assignedBy: tag.actor,
        ...refOf(mv),
        eventId: eventId(model, ref, tag.id),
        audit: this.withStoredRecord(model, mv, tag)
      }
    }
    // A rollback that left the audit tag out (rebuiltFromEntry): the same facts from its entry,
    // the record from the record tags of its id (a lost record says so).
    if (entry.kind === 'rollback' && entry.recorded && !ref.legacyStage) {
      const stored = readRecordTags(this.keys, entry.id, mv.tags)
      return {
        model,
        stage: ref.stage,
        version: mv.version,
        assignedAt: new Date(entry.at),
        assignedBy: entry.by,
        ...refOf(mv),
        eventId: eventId(model, ref, entry.id),
        audit: {
          ...auditBase(model, ref, entry),
          record:
            stored === undefined
              ? missingRecord(this.keys, entry.id, `${model} version ${mv.version}`)
              : stored.ok
                ? stored.record
                : stored.damaged
        }
      }
    }
    return { ...this.holderFromEntry(model, ref, mv.version, entry), ...refOf(mv) }
  }

  /**
   * The audit tag's facts with the full record read back from the version's
   * record tags; a record that cannot be read back whole is marked damaged.
   * An audit tag without record tags is as it was written (older ModelGate:
   * the record inline, or its summary).
   */
  private withStoredRecord(
    model: string,
    mv: ModelVersionView,
    tag: AuditTag
  ): Record<string, unknown> {
    const stored = readRecordTags(this.keys, tag.id, mv.tags)
    if (stored) return { ...tag.raw, record: stored.ok ? stored.record : stored.damaged }
    const inline = tag.raw.record
    const pointer =
      typeof inline === 'object' && inline !== null
        ? (inline as Record<string, unknown>).tag
        : undefined
    if (pointer === this.keys.auditHeader(tag.id)) {
      return {
        ...tag.raw,
        record: missingRecord(this.keys, tag.id, `${model} version ${mv.version}`)
      }
    }
    return tag.raw
  }

  /**
   * The full audit records of `entries` (those marked `recorded`), by entry
   * id, read from their versions' tags: from the search results when they
   * carry tags (OSS), else with one `model-versions/get` per version (Unity
   * Catalog's search leaves tags out).
   */
  private async storedRecords(
    model: string,
    entries: JournalEntry[],
    searched: ModelVersionView[]
  ): Promise<Map<string, Record<string, unknown>>> {
    const records = new Map<string, Record<string, unknown>>()
    const wanted = entries.filter(entry => entry.recorded && (entry.version ?? entry.from))
    if (wanted.length === 0) return records
    const fromSearch = new Map(searched.map(mv => [mv.version, mv.tags]))
    const read = new Map<string, Promise<ReadonlyMap<string, string> | undefined>>()
    const tagsOf = (version: string) => {
      let tags = read.get(version)
      if (!tags) {
        tags = this.readVersionIfAny(model, version).then(mv => mv?.tags)
        read.set(version, tags)
      }
      return tags
    }
    for (const entry of wanted) {
      const version = (entry.version ?? entry.from) as string
      const header = this.keys.auditHeader(entry.id)
      const searchedTags = this.unityCatalog ? undefined : fromSearch.get(version)
      const tags = searchedTags?.has(header) ? searchedTags : await tagsOf(version)
      const stored: StoredRecord | undefined = tags && readRecordTags(this.keys, entry.id, tags)
      records.set(
        entry.id,
        stored === undefined
          ? missingRecord(
              this.keys,
              entry.id,
              tags ? `${model} version ${version}` : `${model}: version ${version} is gone`
            )
          : stored.ok
            ? stored.record
            : stored.damaged
      )
    }
    return records
  }

  private entryEvent(
    model: string,
    ref: StageRef,
    entry: JournalEntry,
    record?: Record<string, unknown>
  ): RegistryEvent {
    const version = entry.version ?? entry.from ?? undefined
    return {
      kind: entry.kind === 'unassign' ? 'unassignment' : 'assignment',
      model,
      ...(version === undefined ? {} : { version }),
      stage: ref.stage,
      at: new Date(entry.at),
      by: entry.by,
      ...(entry.email ? { byEmail: entry.email } : {}),
      id: eventId(model, ref, entry.id),
      summary: entrySummary(model, ref.stage, entry),
      audit: { ...entryAudit(entry), ...(record === undefined ? {} : { record }) }
    }
  }

  private newEntry(
    kind: JournalKind,
    ref: StageRef,
    version: string | null,
    from: string | null,
    previous: string | null,
    audit: AuditFacts,
    archived: string | undefined
  ): JournalEntry {
    const ms = this.now()
    const id = `${ms.toString(36)}-${Math.floor(this.random() * 0x1000000)
      .toString(16)
      .padStart(6, '0')}`
    return {
      id,
      kind,
      stage: ref.stage,
      version,
      from,
      previous,
      at: new Date(ms).toISOString(),
      by: actorName(audit),
      ...(audit.actorEmail ? { email: audit.actorEmail } : {}),
      ...(audit.reason ? { reason: audit.reason } : {}),
      ...(audit.forced ? { forced: true } : {}),
      ...(archived ? { archived } : {}),
      ...(audit.record === undefined ? {} : { recorded: true as const })
    }
  }

  /**
   * The version's audit tag (`modelgate.promoted.<alias>`): the entry's facts
   * plus the caller's record, cut to the tag-value limit (the record is
   * summarised first, then the reason shortened), so a write never fails on
   * size. The whole record is kept in the record tags (recordSteps); a summary
   * names their header under `record.tag`. `audit` is the event's audit: the
   * facts with the whole record.
   */
  private auditValue(
    model: string,
    ref: StageRef,
    entry: JournalEntry,
    audit: AuditFacts,
    kept: RecordPlan,
    /** What the write did about the removal mark, when it is not the plain case (markFacts). */
    markedFacts: Record<string, unknown> = {}
  ): { value: string; audit: Record<string, unknown> } {
    const base = auditBase(model, ref, entry, markedFacts)
    // A record not kept whole on the version (a rollback's or an unassignment's, short of room)
    // is said so, and why, here and in the event.
    const note =
      kept.truncated === undefined
        ? {}
        : { recordTruncated: true, recordTruncatedReason: truncateBytes(kept.truncated, 300) }
    const full = {
      ...(audit.record === undefined ? base : { ...base, record: audit.record }),
      ...note
    }
    const tag = kept.tags.length > 0 ? this.keys.auditHeader(entry.id) : undefined
    const summary = (keys: boolean) =>
      audit.record === undefined
        ? {}
        : {
            record: {
              truncated: true,
              ...(keys ? { keys: Object.keys(audit.record).slice(0, 30) } : {}),
              ...(tag ? { tag } : {})
            }
          }
    const attempts: Array<Record<string, unknown>> = [
      ...(kept.truncated === undefined ? [full] : []),
      { ...base, ...summary(true), ...note },
      audit.reason
        ? {
            ...base,
            reason: truncateBytes(audit.reason, 500),
            ...summary(false),
            recordTruncated: true
          }
        : base,
      audit.reason
        ? {
            ...base,
            reason: truncateBytes(audit.reason, 100),
            ...summary(false),
            recordTruncated: true
          }
        : base
    ]
    for (const candidate of attempts) {
      const value = JSON.stringify(candidate)
      if (byteLength(value) <= this.tagLimit) return { value, audit: full }
    }
    const minimal = {
      id: entry.id,
      action: entry.kind,
      version: base.version,
      stage: ref.stage,
      at: entry.at,
      actor: truncateBytes(entry.by, 60),
      truncated: true,
      ...summary(false),
      ...(kept.truncated === undefined ? {} : { recordTruncated: true }),
      ...markedFacts
    }
    return { value: JSON.stringify(minimal), audit: full }
  }
}

// ---- pure helpers ------------------------------------------------------------------

/** How many candidate files an audit record lists (`artifact.files`), when it lists them. */
function fileCount(record: Record<string, unknown>): number | undefined {
  const artifact = record.artifact
  const files =
    typeof artifact === 'object' && artifact !== null
      ? (artifact as Record<string, unknown>).files
      : undefined
  return Array.isArray(files) ? files.length : undefined
}

/**
 * The audit facts of a removal mark that is not the plain case: the ids of the
 * records deleted to make room for it (`evicted`), or why there is no mark
 * (`notMarked`).
 */
function markFacts(place: MarkPlace | undefined): Record<string, unknown> {
  if (!place) return {}
  return {
    ...(place.evict.length > 0 ? { evicted: place.evict.map(record => record.id) } : {}),
    ...(place.unmarked === undefined ? {} : { notMarked: place.unmarked })
  }
}

/** The same, for the event's summary line (empty in the plain case). */
function markNote(place: MarkPlace | undefined): string {
  if (!place) return ''
  if (place.unmarked !== undefined) return `; not marked as taken out: ${place.unmarked}`
  const n = place.evict.length
  if (n === 0) return ''
  const ids = place.evict.map(record => record.id).join(', ')
  return `; to mark ${place.version} as taken out, deleted ${n === 1 ? 'the oldest audit record' : `the ${n} oldest audit records`} ModelGate kept on it (${ids}): only the registry's copy, the audit artifact a workflow run published keeps its own`
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`
}

/** The candidate digest a training job tagged the version with, when it is one. */
function recordedDigest(value: string | undefined): { candidateDigest?: string } {
  const digest = value?.trim().toLowerCase()
  return digest !== undefined && DIGEST_RE.test(digest) ? { candidateDigest: digest } : {}
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function eventId(model: string, ref: StageRef, id: string): string {
  return `${model}@${ref.alias}#${id}`
}

function refOf(mv: ModelVersionView): { ref?: string } {
  const ref = mv.runId ?? mv.source
  return ref === undefined ? {} : { ref }
}

/**
 * A holder no trusted history entry describes (an alias set outside ModelGate): when and by
 * whom are unknown (an invalid Date: the days gate fails closed). Not the version's own
 * timestamps: a version's creation is not when it got an alias.
 */
function unknownHolder(model: string, ref: StageRef, mv: ModelVersionView): StageHolder {
  return {
    model,
    stage: ref.stage,
    version: mv.version,
    assignedAt: new Date(Number.NaN),
    assignedBy: 'unknown (set outside ModelGate)',
    ...refOf(mv),
    eventId: `${model}@${ref.alias}`
  }
}

/** An alias that points at a deleted version (MLflow keeps aliases when it deletes a version). */
function danglingHolder(model: string, ref: StageRef, version: string): StageHolder {
  return {
    model,
    stage: ref.stage,
    version,
    assignedAt: new Date(Number.NaN),
    assignedBy: 'unknown (the version was deleted)',
    eventId: `${model}@${ref.alias}`,
    dangling: true
  }
}

/** When the version entered the stage: ModelGate's record, else unknown (an invalid Date: gates fail closed). */
function entrySince(entry: JournalEntry | undefined): Date {
  return new Date(entry ? entry.at : Number.NaN)
}

function latestInStage(rm: RegisteredModelView, stage: string): string | undefined {
  return rm.latestVersions
    .filter(v => v.currentStage === stage)
    .map(v => v.version)
    .sort((a, b) => Number(b) - Number(a))[0]
}

function isActive(mv: ModelVersionView, keys: TagKeys): boolean {
  return (
    (mv.status === undefined || mv.status === 'READY') &&
    mv.currentStage !== 'Archived' &&
    mv.tags.get(keys.archived) !== ARCHIVED_VALUE
  )
}

function assertReady(model: string, mv: ModelVersionView): void {
  if (mv.status !== undefined && mv.status !== 'READY') {
    throw new InvalidInputError(
      `${model} version ${mv.version} is ${mv.status}: only a READY version can hold a stage.`
    )
  }
}

function assertPromotable(model: string, mv: ModelVersionView, keys: TagKeys): void {
  assertReady(model, mv)
  if (mv.tags.get(keys.archived) === ARCHIVED_VALUE || mv.currentStage === 'Archived') {
    throw new InvalidInputError(
      `${model} version ${mv.version} is archived: a rollback can restore it, a promotion does not.`
    )
  }
}

const CRUD = /[\n\r\0]/g

function actorName(audit: AuditFacts): string {
  return audit.actor.replace(CRUD, ' ').trim()
}

function assertActor(audit: AuditFacts): void {
  if (!actorName(audit)) {
    throw new InvalidInputError('Every registry write needs an actor (who acts).')
  }
}

function entrySummary(model: string, stage: string, entry: JournalEntry): string {
  switch (entry.kind) {
    case 'assign':
      // The history entry keeps only the flag; the audit record says which gates were overridden.
      return `Promote ${model} ${entry.version ?? ''} to ${stage}${entry.from ? ` (replacing ${entry.from})` : ''}${entry.forced ? ', forced past the gates' : ''}`
    case 'rollback':
      return `Roll back ${model} ${stage} to ${entry.version ?? ''} (from ${entry.from ?? 'none'})`
    case 'unassign':
      return `Remove ${model} ${entry.from ?? ''} from ${stage}`
  }
}

function entryAudit(entry: JournalEntry): Record<string, unknown> {
  return {
    action: entry.kind,
    from: entry.from,
    previous: entry.previous,
    ...(entry.reason ? { reason: entry.reason } : {}),
    ...(entry.forced ? { forced: true } : {}),
    ...(entry.archived ? { archived: entry.archived } : {}),
    ...(entry.kind === 'rollback' ? { rollback: { from: entry.from, to: entry.version } } : {})
  }
}

function completionEvent(
  model: string,
  ref: StageRef,
  version: string,
  now: number
): RegistryEvent {
  return {
    kind: 'assignment',
    model,
    version,
    stage: ref.stage,
    at: new Date(now),
    by: 'unknown',
    id: `${model}@${ref.alias}`,
    summary: `Complete ${model} ${version} in ${ref.stage}`
  }
}

function registrationEvent(model: string, mv: ModelVersionView): RegistryEvent {
  return {
    kind: 'registration',
    model,
    version: mv.version,
    at: new Date(mv.creationTimestamp ?? Number.NaN),
    by: mv.userId ?? 'unknown',
    id: `${model}/${mv.version}`,
    ...refOf(mv),
    summary: `Register ${model} ${mv.version}`
  }
}

interface AuditTag {
  id: string
  at: string
  actor: string
  version: string
  raw: Record<string, unknown>
}

function parseAuditTag(value: string | undefined): AuditTag | undefined {
  if (!value) return undefined
  try {
    const raw = JSON.parse(value) as Record<string, unknown>
    const { id, at, actor, version } = raw
    if (
      typeof id === 'string' &&
      typeof at === 'string' &&
      !Number.isNaN(Date.parse(at)) &&
      typeof actor === 'string' &&
      typeof version === 'string'
    ) {
      return { id, at, actor, version, raw }
    }
  } catch {
    // not ours
  }
  return undefined
}

/** An MLflow registry (OSS or Unity Catalog) behind the Registry and ModelSource ports. */
export function createMlflowRegistry(options: MlflowRegistryOptions): MlflowRegistry {
  return new MlflowRegistry(options)
}
