// Over 600 lines (677): the port's thirteen methods, the rollout reads for status and history,
// and the constructor, each a few lines over the split modules (rest, stage-map, holders,
// audit-tags, plan, step-builders); splitting the port would scatter it.
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
 * Each attempt runs the shared write protocol (../write-protocol.ts: read → decide → nothing to
 * do → revalidate → dry run → write → retry). Beside this file, each in its own module: the REST
 * calls through the per-command read view (rest.ts), stage/alias mapping (stage-map.ts), holders
 * and history events (holders.ts), the audit tags and records a write keeps (audit-tags.ts), the
 * write's plan (plan.ts) and its steps (step-builders.ts). This file holds the port's methods:
 * about 620 lines, a tenth of them this comment, which is the one account of a write's steps.
 */
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { DIGEST_RE } from '../../candidate/digest.js'
import { parseMlmodelSignature } from '../../candidate/signature.js'
import type { Candidate, Signature } from '../../candidate/types.js'
import { assertActor } from '../actor.js'
import { RegistryConflictError } from '../errors.js'
import type { ModelSource } from '../model-source.js'
import type {
  AuditFacts,
  ModelStatus,
  Registry,
  RegistryEvent,
  RolloutStep,
  RolloutStepRequest,
  StageHolder,
  StageRemoval,
  VersionRecord,
  VersionStage,
  WriteOptions,
  WriteResult
} from '../port.js'
import { runWrite } from '../write-protocol.js'
import { AuditTags } from './audit-tags.js'
import { signatureFromTags, toCandidate } from './candidate.js'
import { Holders, danglingHolder, refOf, registrationEvent, unknownHolder } from './holders.js'
import type { JournalEntry } from './journal.js'
import { appliedEntries, decodeJournal, holderEntry, previousAfterRollback } from './journal.js'
import { assertVersion } from './names.js'
import { Planner, type Decision, type Plan } from './plan.js'
import { readRolloutSteps, recordMlflowRolloutStep } from './rollout.js'
import { holderInRollout, withRolloutSteps } from './rollout-read.js'
import { decodeRemovalMark, isRemovalMark } from './removal-mark.js'
import type { RegisterFromRun } from './register-run.js'
import { registerFromRun } from './register-run.js'
import { MlflowRest, compareText } from './rest.js'
import { rollbackCandidates, trustedEntry } from './stage-facts.js'
import {
  resolveSetup,
  type MlflowRegistryOptions,
  type MlflowSetup,
  type MlflowWriteOptions
} from './setup.js'
import {
  StageMap,
  assertPromotable,
  assertReady,
  eventId,
  isActive,
  latestInStage,
  type StageRef,
  type WriteView
} from './stage-map.js'
import { StepBuilders } from './step-builders.js'
import { StageMovedError, runSteps } from './steps.js'
import type { ModelVersionView } from './wire.js'
import { readRun } from './wire.js'

export class MlflowRegistry implements Registry, ModelSource {
  readonly unityCatalog: boolean
  readonly legacyStages: boolean
  private readonly s: MlflowSetup
  private readonly rest: MlflowRest
  private readonly stageMap: StageMap
  private readonly holders: Holders
  private readonly auditTags: AuditTags
  private readonly steps: StepBuilders
  private readonly planner: Planner

  constructor(options: MlflowRegistryOptions) {
    this.s = resolveSetup(options)
    this.unityCatalog = this.s.unityCatalog
    this.legacyStages = this.s.legacyStages
    this.rest = new MlflowRest(this.s)
    this.stageMap = new StageMap(this.s)
    this.holders = new Holders(this.s, this.rest)
    this.auditTags = new AuditTags(this.s)
    this.steps = new StepBuilders(this.s, this.rest, this.stageMap)
    this.planner = new Planner(
      this.s,
      this.rest,
      this.stageMap,
      this.holders,
      this.auditTags,
      this.steps
    )
  }

  /** The server, as messages name it (no credentials). */
  get server(): string {
    return this.s.http.server
  }

  async getStage(model: string, stage: string): Promise<StageHolder | undefined> {
    this.stageMap.assertModel(model)
    const ref = this.stageMap.stageRef(stage)
    if (ref.legacyStage) {
      const rm = await this.rest.readModel(model)
      const latest = rm.latestVersions
        .filter(v => v.currentStage === ref.legacyStage)
        .sort((a, b) => Number(b.version) - Number(a.version))[0]
      return (
        latest &&
        this.holders.holderFromVersion(
          model,
          ref,
          latest,
          this.stageMap.journalOf(rm, ref.alias),
          undefined
        )
      )
    }
    // The model first: its history says whether the holder's audit tag is still current.
    const rm = await this.rest.readModel(model) // a missing model is NotFoundError
    const holder = rm.aliases.get(ref.alias)
    if (holder === undefined) return undefined
    const mv = await this.rest.readVersionIfAny(model, holder)
    // A dangling alias (its version deleted) holds nothing to compare with or roll back.
    if (!mv) return undefined
    this.s.heldRead.set(`${model}\0${holder}`, mv)
    return this.holders.holderFromVersion(
      model,
      ref,
      mv,
      this.stageMap.journalOf(rm, ref.alias),
      this.stageMap.previousAliasIn(rm, ref)
    )
  }

  async getVersion(model: string, version: string): Promise<VersionRecord | undefined> {
    this.stageMap.assertModel(model)
    assertVersion(version)
    let mv: ModelVersionView
    try {
      mv = await this.rest.readVersion(model, version)
    } catch (error) {
      if (error instanceof NotFoundError) return undefined
      throw error
    }
    const rm = await this.rest.readModel(model)
    const stages: VersionStage[] = []
    if (this.legacyStages) {
      const current = mv.currentStage
      if (current === 'Staging' || current === 'Production') {
        const ref = this.stageMap.legacyRef(current)
        const entries = this.stageMap.journalOf(rm, ref.alias)
        const holder = latestInStage(rm, current)
        const entry = holder === version ? trustedEntry(entries, version, undefined) : undefined
        stages.push({ stage: ref.stage, since: entrySince(entry) })
      }
    } else {
      for (const [alias, holder] of rm.aliases) {
        if (holder !== version || this.stageMap.isPreviousAlias(alias)) continue
        const entries = this.stageMap.journalOf(rm, alias)
        const entry = trustedEntry(
          entries,
          version,
          rm.aliases.get(this.stageMap.previousAliasOf(alias)) ?? null
        )
        stages.push({ stage: this.stageMap.stageOfAlias(alias, entries), since: entrySince(entry) })
      }
    }
    stages.sort((a, b) => compareText(a.stage, b.stage))
    return {
      model,
      version,
      ...refOf(mv),
      registeredAt: new Date(mv.creationTimestamp ?? Number.NaN),
      registeredBy: mv.userId ?? 'unknown',
      active: isActive(mv, this.s.keys),
      stages,
      ...recordedDigest(mv.tags.get(this.s.keys.candidateDigest))
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
    this.stageMap.assertModel(model)
    assertVersion(version)
    const ref = this.stageMap.stageRef(stage)
    const mv = await this.rest.readVersionIfAny(model, version)
    if (!mv || this.stageMap.holdsStage(mv, ref)) return undefined
    const markKey = this.s.keys.removed(ref.alias)
    const promotedKey = this.s.keys.promoted(ref.alias)
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
    const names = model === undefined ? await this.rest.listModels() : [model]
    if (model !== undefined) this.stageMap.assertModel(model)
    const result: ModelStatus[] = []
    for (const name of names) {
      const rm = await this.rest.readModelIfAny(name)
      if (!rm) continue
      const holders = this.stageMap.stageHolders(rm)
      // One search says which holders still exist (and their runs), whatever the aliases.
      const existing =
        this.legacyStages || holders.length === 0 ? undefined : await this.rest.versionsOf(name)
      const stages: StageHolder[] = []
      const trusted: Array<{ index: number; entry: JournalEntry; rollout?: string | undefined }> =
        []
      for (const [ref, holder] of holders) {
        const mv = existing
          ? existing.get(holder)
          : this.legacyStages
            ? rm.latestVersions.find(v => v.version === holder)
            : await this.rest.readVersionIfAny(name, holder)
        if (!mv) {
          stages.push(danglingHolder(name, ref, holder))
          continue
        }
        const entry = trustedEntry(
          this.stageMap.journalOf(rm, ref.alias),
          holder,
          this.stageMap.previousAliasIn(rm, ref)
        )
        if (!entry) {
          stages.push(unknownHolder(name, ref, mv))
          continue
        }
        trusted.push({
          index: stages.length,
          entry,
          rollout: rm.tags.get(this.s.keys.rollout(ref.alias))
        })
        stages.push({ ...this.holders.holderFromEntry(name, ref, holder, entry), ...refOf(mv) })
      }
      // Each holder's audit record, read as history reads it; a running rollout's facts.
      const records = await this.holders.storedRecords(
        name,
        trusted.map(t => t.entry),
        [...(existing?.values() ?? [])]
      )
      for (const { index, entry, rollout } of trusted) {
        const record = records.get(entry.id)
        const held = stages[index] as StageHolder
        const withRecord = record ? { ...held, audit: { ...held.audit, record } } : held
        stages[index] = holderInRollout(withRecord, rollout)
      }
      stages.sort((a, b) => compareText(a.stage, b.stage))
      result.push({ model: name, deprecated: false, stages })
    }
    return result
  }

  async history(model?: string): Promise<RegistryEvent[]> {
    const names = model === undefined ? await this.rest.listModels() : [model]
    if (model !== undefined) this.stageMap.assertModel(model)
    const events: Array<{ event: RegistryEvent; order: number }> = []
    for (const name of names) {
      const rm = await this.rest.readModelIfAny(name)
      if (!rm) continue
      const journal: Array<{ ref: StageRef; entry: JournalEntry }> = []
      for (const [key, value] of rm.tags) {
        const keyAlias = this.s.keys.historyAlias(key)
        if (keyAlias === undefined) continue
        const decoded = decodeJournal(value)
        if ('error' in decoded) continue
        const ref = this.stageMap.refForHistoryKey(rm, key, decoded.entries)
        const holder = this.stageMap.holderOf(rm, ref)
        for (const entry of appliedEntries(decoded.entries, holder)) journal.push({ ref, entry })
      }
      const versions = [...(await this.rest.versionsOf(name)).values()]
      const records = await this.holders.storedRecords(
        name,
        journal.map(j => j.entry),
        versions
      )
      const moves = journal.map(({ ref, entry }) =>
        this.holders.entryEvent(name, ref, entry, records.get(entry.id))
      )
      // Each rollout step as one event (rollout-read.ts), the alias move it made included.
      const stageOf = (alias: string) =>
        this.stageMap.stageOfAlias(alias, this.stageMap.journalOf(rm, alias))
      for (const event of withRolloutSteps(name, rm.tags, moves, this.s.keys, stageOf)) {
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
    this.stageMap.assertModel(model)
    assertVersion(version)
    // The champion's version as getStage just read it, once (a command reads each object once).
    const key = `${model}\0${version}`
    const mv = this.s.heldRead.get(key) ?? (await this.rest.readVersion(model, version))
    this.s.heldRead.delete(key)
    const runId = mv.runId
    const fetchRun = async (id: string) =>
      readRun(
        await this.s.http.call(
          'GET',
          '/mlflow/runs/get',
          { run_id: id },
          `Run ${id} of ${model} version ${version}`
        )
      )
    const run = runId
      ? this.s.readOnce
        ? await this.s.view.get(`run\0${runId}`, () => fetchRun(runId))
        : await fetchRun(runId)
      : undefined
    const parts = {
      model,
      version: mv,
      ...(run ? { run } : {}),
      signatureTagKeys: this.s.keys.signature
    }
    let signature: Signature | undefined = signatureFromTags(parts)
    if (!signature && this.s.readMlmodel && !this.unityCatalog) {
      const text = await this.rest.readMlmodelText(model, mv)
      if (text !== undefined) {
        signature = parseMlmodelSignature(text, `MLmodel of ${model} version ${version}`)
      }
    }
    return toCandidate(parts, signature)
  }

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
    this.stageMap.assertModel(model)
    assertVersion(version)
    assertActor(audit)
    let mv: ModelVersionView
    try {
      mv = await this.rest.readVersion(model, version)
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
    this.stageMap.assertModel(request.model)
    assertActor(request.audit)
    this.s.view.clear()
    return registerFromRun(
      {
        http: this.s.http,
        keys: this.s.keys,
        searchVersions: model => this.rest.searchVersions(model),
        now: this.s.now,
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
    this.stageMap.assertModel(model)
    assertVersion(version)
    assertActor(audit)
    const ref = this.stageMap.stageRef(stage)
    return this.write(
      model,
      ref,
      audit,
      options,
      `Promoting ${model} ${version} to ${stage}`,
      async view => {
        const target = await this.rest.readVersion(model, version)
        if (view.holder === version) return this.planner.completion(model, ref, view, target)
        assertPromotable(model, target, this.s.keys)
        const holder = await this.holders.currentHolder(model, ref, view)
        return {
          completion: false,
          holder,
          build: audit =>
            this.planner.planMove(model, ref, view, {
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
    this.stageMap.assertModel(model)
    assertVersion(version)
    assertActor(audit)
    const ref = this.stageMap.stageRef(stage)
    return this.write(
      model,
      ref,
      audit,
      options,
      `Removing ${model} ${version} from ${stage}`,
      async view => {
        if (view.holder !== version) return { noop: 'not in stage' }
        const removed = await this.rest.readVersion(model, version)
        const holder = await this.holders.currentHolder(model, ref, view)
        return {
          completion: false,
          holder,
          build: audit => this.planner.planUnassign(model, ref, view, removed, audit)
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
    this.stageMap.assertModel(model)
    if (toVersion !== undefined) assertVersion(toVersion)
    assertActor(audit)
    const ref = this.stageMap.stageRef(stage)
    const action = `Rolling back ${model} ${stage}${toVersion ? ` to ${toVersion}` : ''}`
    return this.write(model, ref, audit, options, action, async view => {
      const current = view.holder
      if (current === undefined) {
        throw new NotFoundError(`No version of ${model} is in ${stage}: nothing to roll back.`)
      }
      const entry = holderEntry(view.applied, current)
      const recorded = entry ? entry.previous : (view.previousAlias ?? null)
      if (toVersion === current) {
        return this.planner.completion(
          model,
          ref,
          view,
          await this.rest.readVersion(model, current)
        )
      }
      const found = toVersion
        ? { target: await this.rest.readVersion(model, toVersion), gone: new Set<string>() }
        : await this.rest.firstExisting(model, rollbackCandidates(view.applied, current, recorded))
      if (!found) {
        throw new NotFoundError(
          `No earlier version of ${model} held ${stage} as far as the registry records${recorded === null ? '' : ', or every earlier holder was deleted'}: name the version to roll back to.`
        )
      }
      const { target, gone } = found
      const to = target.version
      assertReady(model, target)
      const previous = await this.rest.existingPrevious(
        model,
        previousAfterRollback(view.applied, to, current),
        gone,
        rollbackCandidates(view.applied, current, recorded).filter(v => v !== to)
      )
      const removed = await this.rest.readVersionIfAny(model, current)
      const holder = await this.holders.currentHolder(model, ref, view)
      return {
        completion: false,
        holder,
        build: audit =>
          this.planner.planMove(model, ref, view, {
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

  /** Rollout steps (rollout.ts): the stage's alias, and the steps in one model tag. */
  async rolloutSteps(model: string, stage: string): Promise<RolloutStep[]> {
    this.stageMap.assertModel(model)
    const { alias } = this.stageMap.stageRef(stage)
    return readRolloutSteps(this.rest, model, stage, this.s.keys.rollout(alias))
  }

  async recordRolloutStep(
    model: string,
    stage: string,
    step: RolloutStepRequest,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    this.stageMap.assertModel(model)
    assertVersion(step.version)
    assertActor(audit)
    const key = this.s.keys.rollout(this.stageMap.stageRef(stage).alias)
    const moves = { assign: this.assign.bind(this), unassign: this.unassign.bind(this) }
    const deps = { ...this.s, rest: this.rest, key, ...moves }
    return recordMlflowRolloutStep(deps, model, stage, step, audit, options)
  }

  /** The shared write protocol (write-protocol.ts) over MLflow: one plan of steps an attempt. */
  private async write(
    model: string,
    ref: StageRef,
    audit: AuditFacts,
    options: WriteOptions,
    action: string,
    decide: (view: WriteView) => Promise<Decision>
  ): Promise<WriteResult> {
    this.s.heldRead.clear()
    return runWrite<WriteView, Plan, StageMovedError>(
      {
        model,
        stage: ref.stage,
        maxAttempts: this.s.maxAttempts,
        read: attempt => {
          // A later attempt follows another writer's move: nothing read before it holds.
          if (attempt > 1) this.s.view.clear()
          return this.planner.writeView(model, ref)
        },
        decide: async view => {
          const decision = await decide(view)
          if ('noop' in decision) return decision
          // An earlier run moved the stage and stopped short: finishing it is not a new decision.
          if (decision.completion) return { finish: decision.plan }
          return { holder: () => decision.holder, plan: audit => ({ plan: decision.build(audit) }) }
        },
        preview: plan => [plan.event],
        write: async (plan, _audit, attempt) => {
          try {
            await runSteps(plan.steps, {
              ...plan.context,
              beforeUndo: () => this.s.http.budget.startUndo()
            })
            return { written: { written: true, events: [plan.event], attempts: attempt } }
          } catch (error) {
            await this.planner.sweepAfter(plan, error)
            if (!(error instanceof StageMovedError)) throw error
            return { lost: error }
          }
        },
        gaveUp: (attempts, error) =>
          new RegistryConflictError(
            `${action}: gave up after ${attempts} attempts, other writers kept moving ${ref.stage} (${error.message}). Nothing was left changed; re-run to evaluate against the new state.`
          )
      },
      audit,
      options
    )
  }
}

/** The candidate digest a training job tagged the version with, when it is one. */
function recordedDigest(value: string | undefined): { candidateDigest?: string } {
  const digest = value?.trim().toLowerCase()
  return digest !== undefined && DIGEST_RE.test(digest) ? { candidateDigest: digest } : {}
}

/** When the version entered the stage: ModelGate's record, else unknown (an invalid Date: gates fail closed). */
function entrySince(entry: JournalEntry | undefined): Date {
  return new Date(entry ? entry.at : Number.NaN)
}

/** An MLflow registry (OSS or Unity Catalog) behind the Registry and ModelSource ports. */
export function createMlflowRegistry(options: MlflowRegistryOptions): MlflowRegistry {
  return new MlflowRegistry(options)
}
