/**
 * Planning a write: what it reads first (the model, the stage's holder and history), and the
 * steps of a promotion, a rollback, an unassignment or the completion of one an earlier run
 * left unfinished, in the order the adapter's opening comment gives; and the sweep after an
 * attempt that was reverted.
 */
import { InvalidInputError } from '../../errors.js'
import type { AuditFacts, NoWriteReason, RegistryEvent, StageHolder } from '../port.js'
import type { AuditTags, MarkPlace } from './audit-tags.js'
import { markFacts, markNote } from './audit-tags.js'
import type { Holders } from './holders.js'
import { completionEvent, refOf } from './holders.js'
import { appliedEntries, decodeJournal, holderEntry } from './journal.js'
import type { OrphanCheck } from './orphans.js'
import { sweepOrphans } from './orphans.js'
import type { MlflowRest } from './rest.js'
import type { MlflowSetup } from './setup.js'
import type { StepBuilders } from './step-builders.js'
import {
  ARCHIVED_VALUE,
  eventId,
  type StageMap,
  type StageRef,
  type WriteView
} from './stage-map.js'
import type { Step, StepContext } from './steps.js'
import { MlflowWriteError, StageMovedError } from './steps.js'
import type { ModelVersionView } from './wire.js'

export interface Plan {
  event: RegistryEvent
  steps: Step[]
  context: StepContext
  /** What to look for on the version when the attempt is reverted (orphans.ts). */
  orphans?: OrphanCheck
}

export type Decision =
  | { noop: NoWriteReason }
  | { completion: true; plan: Plan }
  | { completion: false; holder: StageHolder | undefined; build: (audit: AuditFacts) => Plan }

export class Planner {
  constructor(
    private readonly s: MlflowSetup,
    private readonly rest: MlflowRest,
    private readonly stageMap: StageMap,
    private readonly holders: Holders,
    private readonly auditTags: AuditTags,
    private readonly steps: StepBuilders
  ) {}

  async writeView(model: string, ref: StageRef): Promise<WriteView> {
    const rm = await this.rest.readModel(model)
    const rawJournal = rm.tags.get(this.s.keys.history(ref.alias))
    const decoded = decodeJournal(rawJournal)
    if ('error' in decoded) {
      throw new InvalidInputError(
        `The tag ${this.s.keys.history(ref.alias)} of ${model} ${decoded.error}: ModelGate will not overwrite a history it cannot read. Fix or delete the tag.`
      )
    }
    let legacy: WriteView['legacy']
    let holder: string | undefined
    if (ref.legacyStage) {
      const stageOf = new Map<string, string>()
      for (const mv of await this.rest.searchVersions(model)) {
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
      : rm.aliases.get(this.stageMap.previousAliasOf(ref.alias))
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
  async completion(
    model: string,
    ref: StageRef,
    view: WriteView,
    mv: ModelVersionView
  ): Promise<Decision> {
    const version = mv.version
    const entry = holderEntry(view.applied, version)
    const steps: Step[] = []
    const clearMark = this.steps.clearMarkStep(model, ref, mv)
    if (clearMark) steps.push(clearMark)
    if (ref.legacyStage) {
      steps.push(
        ...this.steps.legacyMoveOut(model, ref, view, version, entry?.archived !== undefined)
      )
    } else if (entry) {
      const previousStep = this.steps.previousAliasStep(model, ref, view, entry.previous)
      if (previousStep) steps.push(previousStep)
      if (entry.archived) {
        const archived = await this.rest.readVersionIfAny(model, entry.archived)
        if (archived && archived.tags.get(this.s.keys.archived) !== ARCHIVED_VALUE) {
          steps.push(this.steps.archiveStep(model, entry.archived))
        }
      }
    }
    if (steps.length === 0) return { noop: 'already in stage' }
    const event = entry
      ? this.holders.entryEvent(model, ref, entry)
      : completionEvent(model, ref, version, this.s.now())
    return {
      completion: true,
      plan: {
        event,
        steps,
        context: this.steps.stepContext(model, ref, version, view.holder, 'Completing')
      }
    }
  }

  planMove(
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
    const promotedKey = this.s.keys.promoted(ref.alias)
    const promotedNew = target.tags.has(promotedKey) ? 0 : 1
    const room = this.auditTags.roomOn(target)
    // A rollback is never refused for want of room on Unity Catalog: the removal mark on the
    // version it takes out comes first, then its audit tag, then its record (whole, or a summary).
    const writePromoted = !rollback || room >= promotedNew
    let archive = move.archive
    let place: MarkPlace | undefined
    if (rollback && move.removed) {
      const archiveNeed =
        archive !== undefined && !move.removed.tags.has(this.s.keys.archived) ? 1 : 0
      place = this.auditTags.markPlace(ref, move.removed, archiveNeed)
      if (this.auditTags.roomAfterMark(move.removed, place) < archiveNeed) archive = undefined
    }
    const entry = this.auditTags.newEntry(
      move.kind,
      ref,
      version,
      view.holder ?? null,
      move.previous,
      move.audit,
      archive
    )
    const record = this.auditTags.recordPlan(
      model,
      version,
      entry,
      move.audit.record,
      rollback ? room - (writePromoted ? promotedNew : 0) : undefined
    )
    if (!rollback) {
      this.auditTags.assertTagRoom(model, target, [promotedKey], record.whole, move.audit.record)
    }
    if (record.tags.length === 0) delete entry.recorded
    const { value: auditValue, audit } = this.auditTags.auditValue(
      model,
      ref,
      entry,
      move.audit,
      record,
      markFacts(place)
    )
    // Aliases mode: the history entry goes last before the alias, after the check (see
    // freshnessCheck); a legacy stage keeps it first.
    const journal = this.steps.journalStep(model, ref, view, entry)
    const tagNeeded =
      writePromoted &&
      (!rollback ||
        ref.legacyStage !== undefined ||
        !this.auditTags.rebuiltFromEntry(
          model,
          ref,
          journal.entry,
          target,
          auditValue,
          move.audit,
          record
        ))
    const steps: Step[] = [
      ...(ref.legacyStage ? [journal] : []),
      ...this.steps.evictSteps(model, place),
      ...this.steps.recordSteps(model, version, record),
      ...(tagNeeded
        ? [
            this.steps.versionTagStep(
              model,
              version,
              promotedKey,
              auditValue,
              target.tags.get(promotedKey)
            )
          ]
        : []),
      ...this.steps.markSteps(model, move.removed, place, entry)
    ]
    const archivedTag = target.tags.get(this.s.keys.archived)
    if (rollback && archivedTag !== undefined) {
      steps.push(
        this.steps.deleteVersionTagStep(
          model,
          version,
          this.s.keys.archived,
          archivedTag,
          'prepare'
        )
      )
    }
    // The target's removal mark goes once it holds the stage again (any write that puts it
    // back, forced or not), never before: a write that stops short leaves it marked.
    const clearMark = this.steps.clearMarkStep(model, ref, target)
    if (ref.legacyStage) {
      steps.push(this.steps.legacyCheckStep(model, ref, view))
      steps.push(
        this.steps.transitionStep(
          model,
          version,
          ref.legacyStage,
          view.legacy?.stageOf.get(version) ?? 'None',
          'commit'
        )
      )
      if (clearMark) steps.push(clearMark)
      steps.push(...this.steps.legacyMoveOut(model, ref, view, version, archive !== undefined))
    } else {
      steps.push(this.steps.freshnessCheck(model, ref, view), journal)
      steps.push(this.steps.aliasStep(model, ref.alias, version, view.holder, 'commit'))
      if (clearMark) steps.push(clearMark)
      const previousStep = this.steps.previousAliasStep(model, ref, view, move.previous)
      if (previousStep) steps.push(previousStep)
      if (archive) steps.push(this.steps.archiveStep(model, archive))
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
      context: this.steps.stepContext(
        model,
        ref,
        version,
        view.holder,
        move.kind === 'assign' ? 'Promoting' : 'Rolling back'
      )
    }
  }

  planUnassign(
    model: string,
    ref: StageRef,
    view: WriteView,
    removed: ModelVersionView,
    audit: AuditFacts
  ): Plan {
    const version = removed.version
    const entry = this.auditTags.newEntry('unassign', ref, null, version, version, audit, undefined)
    // Never refused for want of room: the removal mark first, then the record (whole, or a summary).
    const place = this.auditTags.markPlace(ref, removed, 0)
    const record = this.auditTags.recordPlan(
      model,
      version,
      entry,
      audit.record,
      this.auditTags.roomAfterMark(removed, place)
    )
    if (record.tags.length === 0) delete entry.recorded
    const { audit: eventAudit } = this.auditTags.auditValue(
      model,
      ref,
      entry,
      audit,
      record,
      markFacts(place)
    )
    const journal = this.steps.journalStep(model, ref, view, entry)
    const steps: Step[] = [
      ...(ref.legacyStage ? [journal] : []),
      ...this.steps.evictSteps(model, place),
      ...this.steps.recordSteps(model, version, record),
      ...this.steps.markSteps(model, removed, place, entry)
    ]
    if (ref.legacyStage) {
      steps.push(this.steps.legacyCheckStep(model, ref, view))
      steps.push(this.steps.transitionStep(model, version, 'None', ref.legacyStage, 'commit'))
    } else {
      steps.push(this.steps.freshnessCheck(model, ref, view), journal)
      steps.push({
        label: `delete alias "${ref.alias}" (was ${version})`,
        phase: 'commit',
        run: () => this.rest.deleteAlias(model, ref.alias),
        undo: {
          label: `set alias "${ref.alias}" back to ${version}`,
          run: () => this.rest.setAlias(model, ref.alias, version)
        }
      })
      const previousStep = this.steps.previousAliasStep(model, ref, view, version)
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
        probe: async () => (await this.steps.stageHolderNow(model, ref)) !== version,
        action: `Removing ${model} ${version} from ${ref.stage}`,
        stageIfCommitted: `${ref.stage} is now empty`,
        stageIfNot: `${ref.stage} is still held by ${version}`,
        rerunHint: 'Re-run the same command to complete it.'
      }
    }
  }

  /**
   * A reverted attempt (or one backed out for a moved stage): what it wrote and a late-landing
   * request put back is removed again (orphans.ts). A partial write is left as it is: a re-run
   * completes it.
   */
  async sweepAfter(plan: Plan, error: unknown): Promise<void> {
    const reverted =
      error instanceof StageMovedError ||
      (error instanceof MlflowWriteError && error.failure.outcome === 'reverted')
    if (!reverted || !plan.orphans) return
    const model = plan.event.model
    await sweepOrphans(this.s.keys, plan.orphans, {
      readTags: async version => (await this.rest.readVersionIfAny(model, version))?.tags,
      deleteTag: (version, key) => this.rest.deleteVersionTag(model, version, key),
      setTag: (version, key, value) => this.rest.setVersionTag(model, version, key, value)
    })
  }
}
