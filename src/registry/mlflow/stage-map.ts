/**
 * Where a policy stage lives in MLflow: its alias (and `<alias>-previous`) or legacy stage, the
 * stage an alias keeps, the stage's history tag, and who holds it as a model read says; and
 * whether a version may hold a stage (READY, not archived).
 */
import { InvalidInputError } from '../../errors.js'
import type { JournalEntry } from './journal.js'
import { decodeJournal } from './journal.js'
import type { TagKeys } from './names.js'
import { assertAlias, assertModelName, legacyStageName } from './names.js'
import type { MlflowSetup } from './setup.js'
import type { ModelVersionView, RegisteredModelView } from './wire.js'

/** The `archived` tag's value on a version taken out of use. */
export const ARCHIVED_VALUE = 'true'

/** Where a stage lives in the registry. */
export interface StageRef {
  stage: string
  /** The alias (aliases mode) or the lower-cased legacy stage: what tag keys use. */
  alias: string
  /** Legacy mode: `Staging` / `Production`. */
  legacyStage?: string
}

/** What a write reads first: the model and where the stage stands. */
export interface WriteView {
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

export class StageMap {
  constructor(private readonly s: MlflowSetup) {}

  assertModel(model: string): void {
    assertModelName(model, this.s.unityCatalog)
  }

  stageRef(stage: string): StageRef {
    if (!stage) throw new InvalidInputError('The stage is empty.')
    const mapped = this.s.aliasForStage(stage)
    if (this.s.legacyStages) {
      const legacyStage = legacyStageName(mapped, stage)
      return { stage, alias: legacyStage.toLowerCase(), legacyStage }
    }
    assertAlias(mapped, stage)
    if (this.isPreviousAlias(mapped)) {
      throw new InvalidInputError(
        `Stage "${stage}" maps to the alias "${mapped}", which ends in "${this.s.previousSuffix}": ModelGate keeps each stage's rollback target under such an alias.`
      )
    }
    assertAlias(this.previousAliasOf(mapped), stage)
    return { stage, alias: mapped }
  }

  legacyRef(legacyStage: string): StageRef {
    const stage =
      this.s.stages?.find(s => legacyStageName(this.s.aliasForStage(s), s) === legacyStage) ??
      legacyStage.toLowerCase()
    return { stage, alias: legacyStage.toLowerCase(), legacyStage }
  }

  /** `<alias>-previous` as `rm` has it (null: unset); undefined for legacy stages, which have none. */
  previousAliasIn(rm: RegisteredModelView, ref: StageRef): string | null | undefined {
    return ref.legacyStage ? undefined : (rm.aliases.get(this.previousAliasOf(ref.alias)) ?? null)
  }

  previousAliasOf(alias: string): string {
    return `${alias}${this.s.previousSuffix}`
  }

  isPreviousAlias(alias: string): boolean {
    return alias.endsWith(this.s.previousSuffix)
  }

  /** The policy stage an alias keeps: as ModelGate recorded it, else by the stage list, else the alias. */
  stageOfAlias(alias: string, entries: JournalEntry[]): string {
    const recorded = entries[0]?.stage
    if (recorded && this.safeAlias(recorded) === alias) return recorded
    return this.s.stages?.find(stage => this.safeAlias(stage) === alias) ?? alias
  }

  safeAlias(stage: string): string | undefined {
    try {
      return this.s.aliasForStage(stage)
    } catch {
      return undefined
    }
  }

  journalOf(rm: RegisteredModelView, alias: string): JournalEntry[] {
    const decoded = decodeJournal(rm.tags.get(this.s.keys.history(alias)))
    return 'error' in decoded ? [] : decoded.entries
  }

  /** Every stage with a holder: aliases (not the `-previous` ones), or legacy stages. */
  stageHolders(rm: RegisteredModelView): Array<[StageRef, string]> {
    if (this.s.legacyStages) {
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

  refForHistoryKey(rm: RegisteredModelView, key: string, entries: JournalEntry[]): StageRef {
    if (this.s.legacyStages) {
      const legacyStage = (this.s.keys.historyAlias(key) ?? '').replace(/^./, c => c.toUpperCase())
      if (legacyStage === 'Staging' || legacyStage === 'Production')
        return this.legacyRef(legacyStage)
    }
    const alias =
      [...rm.aliases.keys()].find(a => this.s.keys.history(a) === key) ??
      (entries[0] ? this.safeAlias(entries[0].stage) : undefined) ??
      this.s.keys.historyAlias(key) ??
      key
    return { stage: entries[0]?.stage ?? this.stageOfAlias(alias, entries), alias }
  }

  /** Whether the version, as read, holds the stage (its aliases, or its legacy stage). */
  holdsStage(mv: ModelVersionView, ref: StageRef): boolean {
    return ref.legacyStage ? mv.currentStage === ref.legacyStage : mv.aliases.includes(ref.alias)
  }

  holderOf(rm: RegisteredModelView, ref: StageRef): string | undefined {
    return ref.legacyStage ? latestInStage(rm, ref.legacyStage) : rm.aliases.get(ref.alias)
  }
}

export function eventId(model: string, ref: StageRef, id: string): string {
  return `${model}@${ref.alias}#${id}`
}

export function latestInStage(rm: RegisteredModelView, stage: string): string | undefined {
  return rm.latestVersions
    .filter(v => v.currentStage === stage)
    .map(v => v.version)
    .sort((a, b) => Number(b) - Number(a))[0]
}

export function isActive(mv: ModelVersionView, keys: TagKeys): boolean {
  return (
    (mv.status === undefined || mv.status === 'READY') &&
    mv.currentStage !== 'Archived' &&
    mv.tags.get(keys.archived) !== ARCHIVED_VALUE
  )
}

export function assertReady(model: string, mv: ModelVersionView): void {
  if (mv.status !== undefined && mv.status !== 'READY') {
    throw new InvalidInputError(
      `${model} version ${mv.version} is ${mv.status}: only a READY version can hold a stage.`
    )
  }
}

export function assertPromotable(model: string, mv: ModelVersionView, keys: TagKeys): void {
  assertReady(model, mv)
  if (mv.tags.get(keys.archived) === ARCHIVED_VALUE || mv.currentStage === 'Archived') {
    throw new InvalidInputError(
      `${model} version ${mv.version} is archived: a rollback can restore it, a promotion does not.`
    )
  }
}
