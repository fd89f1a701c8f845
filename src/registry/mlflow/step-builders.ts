/**
 * The steps a write plan is made of (steps.ts runs them): each REST call with its undo, the
 * checks that another writer did not move the stage, and how a failure is described.
 */
import type { JournalEntry } from './journal.js'
import { decodeJournal, encodeJournal } from './journal.js'
import { encodeRemovalMark } from './removal-mark.js'
import type { MarkPlace, RecordPlan } from './audit-tags.js'
import type { MlflowRest } from './rest.js'
import type { MlflowSetup } from './setup.js'
import {
  ARCHIVED_VALUE,
  latestInStage,
  type StageMap,
  type StageRef,
  type WriteView
} from './stage-map.js'
import type { Step, StepContext } from './steps.js'
import { StageMovedError } from './steps.js'
import type { ModelVersionView } from './wire.js'

export class StepBuilders {
  constructor(
    private readonly s: MlflowSetup,
    private readonly rest: MlflowRest,
    private readonly stageMap: StageMap
  ) {}

  stepContext(
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
            `Re-run the rollback naming the version (--restore ${version}, or the action's version input) to complete it (it finishes what is missing).`
          : `Re-run the same command to complete it (it finishes what is missing), or roll ${ref.stage} back.`
    }
  }

  /** The history tag's step; `entry` is the new entry as readers will decode it (cut to fit). */
  journalStep(
    model: string,
    ref: StageRef,
    view: WriteView,
    entry: JournalEntry
  ): Step & { entry: JournalEntry } {
    const key = this.s.keys.history(ref.alias)
    // An entry that never took effect is dropped; the new one goes on top.
    const value = encodeJournal([entry, ...view.applied], this.s.tagLimit)
    const decoded = decodeJournal(value)
    const stored = ('entries' in decoded ? decoded.entries[0] : undefined) ?? entry
    const old = view.rawJournal
    return {
      entry: stored,
      label: `set tag ${key} on ${model}`,
      phase: 'prepare',
      run: () => this.rest.setModelTag(model, key, value),
      undo: {
        label:
          old === undefined ? `delete tag ${key} on ${model}` : `restore tag ${key} on ${model}`,
        run: () =>
          old === undefined
            ? this.rest.deleteModelTag(model, key)
            : this.rest.setModelTag(model, key, old)
      }
    }
  }

  /** Sets a version tag; undone by restoring `old` (deleting the tag when there was none). */
  versionTagStep(
    model: string,
    version: string,
    key: string,
    value: string,
    old: string | undefined
  ): Step {
    return {
      label: `set tag ${key} on ${model} ${version}`,
      phase: 'prepare',
      run: () => this.rest.setVersionTag(model, version, key, value),
      undo: {
        label:
          old === undefined
            ? `delete tag ${key} on ${model} ${version}`
            : `restore tag ${key} on ${model} ${version}`,
        run: () =>
          old === undefined
            ? this.rest.deleteVersionTag(model, version, key)
            : this.rest.setVersionTag(model, version, key, old)
      }
    }
  }

  /**
   * Deletes the records `place` evicts, each the parts then the header (a
   * write stopped between them leaves a header that still names the parts it
   * lost, which the next eviction takes too); undone by restoring every tag.
   */
  evictSteps(model: string, place: MarkPlace | undefined): Step[] {
    if (!place) return []
    return place.evict.flatMap(record =>
      record.tags.map(tag =>
        this.deleteVersionTagStep(model, place.version, tag.key, tag.value, 'prepare')
      )
    )
  }

  markSteps(
    model: string,
    removed: ModelVersionView | undefined,
    place: MarkPlace | undefined,
    entry: JournalEntry
  ): Step[] {
    if (!removed || !place?.key) return []
    const value = encodeRemovalMark(entry, this.s.tagLimit)
    return [this.versionTagStep(model, removed.version, place.key, value, place.old)]
  }

  /**
   * Deletes `mv`'s removal mark for the stage, when it has one, once it holds
   * the stage (a mark that took the place of its audit tag is overwritten by
   * the write instead).
   */
  clearMarkStep(model: string, ref: StageRef, mv: ModelVersionView): Step | undefined {
    const key = this.s.keys.removed(ref.alias)
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
  recordSteps(model: string, version: string, record: RecordPlan): Step[] {
    return record.tags.map(tag =>
      this.versionTagStep(model, version, tag.key, tag.value, undefined)
    )
  }

  deleteVersionTagStep(
    model: string,
    version: string,
    key: string,
    old: string,
    phase: 'prepare' | 'finish'
  ): Step {
    return {
      label: `delete tag ${key} on ${model} ${version}`,
      phase,
      run: () => this.rest.deleteVersionTag(model, version, key),
      undo: {
        label: `restore tag ${key} on ${model} ${version}`,
        run: () => this.rest.setVersionTag(model, version, key, old)
      }
    }
  }

  archiveStep(model: string, version: string): Step {
    const key = this.s.keys.archived
    return {
      label: `tag ${model} ${version} ${key}=${ARCHIVED_VALUE}`,
      phase: 'finish',
      run: () => this.rest.setVersionTag(model, version, key, ARCHIVED_VALUE),
      undo: {
        label: `delete tag ${key} on ${model} ${version}`,
        run: () => this.rest.deleteVersionTag(model, version, key)
      }
    }
  }

  /**
   * Right before the history tag and the alias (aliases mode): the alias still points where the
   * view said, and the stage's history tag is still the one read. The history is one tag
   * rewritten whole (MLflow has no compare-and-set), so a writer that moved the stage while this
   * command judged the candidate must be seen before that tag is written over, or its entry
   * would be lost; and before the alias, or its promotion would be replaced unjudged. One read
   * of the model answers both; the window left is the history tag's one call.
   */
  freshnessCheck(model: string, ref: StageRef, view: WriteView): Step {
    const expected = view.holder
    const key = this.s.keys.history(ref.alias)
    return {
      label: `check alias "${ref.alias}" still points at ${expected ?? 'nothing'} and ${key} is unchanged`,
      phase: 'check',
      run: async () => {
        const rm = await this.rest.fetchModel(model)
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

  aliasStep(
    model: string,
    alias: string,
    version: string,
    before: string | undefined,
    phase: 'commit' | 'finish'
  ): Step {
    return {
      label: `set alias "${alias}" → ${version}`,
      phase,
      run: () => this.rest.setAlias(model, alias, version),
      undo: {
        label:
          before === undefined
            ? `delete alias "${alias}"`
            : `set alias "${alias}" back to ${before}`,
        run: () =>
          before === undefined
            ? this.rest.deleteAlias(model, alias)
            : this.rest.setAlias(model, alias, before)
      }
    }
  }

  /** `<alias>-previous` → `target` (deleted for null); undefined when it already is. */
  previousAliasStep(
    model: string,
    ref: StageRef,
    view: WriteView,
    target: string | null
  ): Step | undefined {
    const alias = this.stageMap.previousAliasOf(ref.alias)
    const before = view.previousAlias
    if ((before ?? null) === target) return undefined
    if (target !== null) return this.aliasStep(model, alias, target, before, 'finish')
    return {
      label: `delete alias "${alias}"`,
      phase: 'finish',
      run: () => this.rest.deleteAlias(model, alias),
      undo: {
        label: `set alias "${alias}" back to ${before ?? ''}`,
        run: () => this.rest.setAlias(model, alias, before as string)
      }
    }
  }

  /** The stage's holder, read now. */
  async stageHolderNow(model: string, ref: StageRef): Promise<string | undefined> {
    if (ref.legacyStage) return latestInStage(await this.rest.readModel(model), ref.legacyStage)
    return (await this.rest.readAlias(model, ref.alias))?.version
  }

  legacyCheckStep(model: string, ref: StageRef, view: WriteView): Step {
    return {
      label: `check ${ref.legacyStage} is still held by ${view.holder ?? 'nothing'}`,
      phase: 'check',
      run: async () => {
        const rm = await this.rest.readModel(model)
        const now = latestInStage(rm, ref.legacyStage as string)
        if (now !== view.holder) {
          throw new StageMovedError(
            `${ref.legacyStage} moved from ${view.holder ?? 'nothing'} to ${now ?? 'nothing'} meanwhile`
          )
        }
      }
    }
  }

  transitionStep(
    model: string,
    version: string,
    to: string,
    from: string,
    phase: 'commit' | 'finish'
  ): Step {
    return {
      label: `move ${model} ${version} to stage ${to}`,
      phase,
      run: () => this.rest.transition(model, version, to),
      undo: {
        label: `move ${model} ${version} back to stage ${from}`,
        run: () => this.rest.transition(model, version, from)
      }
    }
  }

  /** Every other version still in the legacy stage leaves it (to Archived when asked, else None). */
  legacyMoveOut(
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
}
