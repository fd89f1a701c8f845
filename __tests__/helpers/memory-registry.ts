/**
 * An in-memory Registry written from the port's documented contract (src/registry/port.ts) alone,
 * for the contract suite (registry-contract.test.ts): the smallest backend that keeps every
 * promise the port makes, so the suite's list is checked against the port's words as well as
 * against the two real adapters, and a third backend has a plain model to start from.
 *
 * Choices where the port is silent follow the git adapter (the reference backend): a rollback
 * writes the removal and the assignment as two events, oldest first; a version's label is any
 * non-empty word; a missing model or version is NotFoundError (exit 3); a conflicting
 * registration is InvalidInputError (exit 2).
 */
import { InvalidInputError, NotFoundError } from '../../src/errors.js'
import { RegistryConflictError } from '../../src/registry/errors.js'
import { decideStep, rolloutFacts, stepsOfHistory } from '../../src/rollout/steps.js'
import type {
  AuditFacts,
  ModelStatus,
  NoWriteReason,
  Registry,
  RegistryEvent,
  RolloutStep,
  RolloutStepRequest,
  StageHolder,
  StageRemoval,
  VersionRecord,
  WriteOptions,
  WriteResult
} from '../../src/registry/port.js'

interface StoredVersion {
  ref: string
  registeredAt: Date
  registeredBy: string
  candidateDigest?: string
}

interface ModelState {
  versions: Map<string, StoredVersion>
  /** stage → the assignment event of its holder. */
  holders: Map<string, RegistryEvent>
  /** Oldest first. */
  events: RegistryEvent[]
  /** `version\0stage` → the removal not undone since. */
  removals: Map<string, StageRemoval>
}

/** A planned event, before the write gives it its time and id. */
type Draft = Omit<RegistryEvent, 'at' | 'by' | 'id' | 'model'>

type Decision = { noop: NoWriteReason } | { drafts: Draft[] }

const MAX_ATTEMPTS = 3

export interface MemoryRegistryOptions {
  /** Milliseconds since the epoch; every write takes one reading. */
  now?: () => number
}

export class MemoryRegistry implements Registry {
  private readonly models = new Map<string, ModelState>()
  private readonly now: () => number
  private counter = 0

  constructor(options: MemoryRegistryOptions = {}) {
    this.now = options.now ?? Date.now
  }

  /** Everything the registry holds, as text: equal before and after means nothing was written. */
  dump(): string {
    return JSON.stringify([...this.models].map(([name, m]) => [name, m.events, [...m.removals]]))
  }

  // ---- reads ---------------------------------------------------------------

  async getVersion(model: string, version: string): Promise<VersionRecord | undefined> {
    const state = this.models.get(model)
    const stored = state?.versions.get(version)
    if (!state || !stored) return undefined
    const stages = [...state.holders]
      .filter(([, event]) => event.version === version)
      .map(([stage, event]) => ({ stage, since: event.at }))
      .sort((a, b) => compareText(a.stage, b.stage))
    return { model, version, ...copy(stored), active: true, stages }
  }

  async getStage(model: string, stage: string): Promise<StageHolder | undefined> {
    const event = this.models.get(model)?.holders.get(stage)
    return event && holderOf(event, this.models.get(model) as ModelState)
  }

  async status(model?: string): Promise<ModelStatus[]> {
    const names = model === undefined ? [...this.models.keys()].sort(compareText) : [model]
    return names.flatMap(name => {
      const state = this.models.get(name)
      if (!state) return []
      const stages = [...state.holders.values()]
        .map(event => holderOf(event, state))
        .sort((a, b) => compareText(a.stage, b.stage))
      return [{ model: name, deprecated: false, stages }]
    })
  }

  async history(model?: string): Promise<RegistryEvent[]> {
    const names = model === undefined ? [...this.models.keys()] : [model]
    const events = names.flatMap(name => this.models.get(name)?.events ?? [])
    // Ids carry the write order: newest first even within one millisecond.
    return events.sort((a, b) => sequence(b) - sequence(a)).map(event => structuredClone(event))
  }

  async takenOutOf(
    model: string,
    version: string,
    stage: string
  ): Promise<StageRemoval | undefined> {
    const removal = this.models.get(model)?.removals.get(`${version}\0${stage}`)
    return removal && structuredClone(removal)
  }

  // ---- writes --------------------------------------------------------------

  async register(
    model: string,
    version: string,
    ref: string,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertWord(model, 'model')
    assertWord(version, 'version')
    assertWord(ref, 'ref')
    return this.write(model, undefined, audit, options, state => {
      const existing = state?.versions.get(version)
      if (existing?.ref === ref) return { noop: 'already registered' }
      if (existing) {
        throw new InvalidInputError(
          `${model} ${version} is registered at ${existing.ref}, not ${ref}.`
        )
      }
      return {
        drafts: [{ kind: 'registration', version, ref, summary: `Register ${model} ${version}` }]
      }
    })
  }

  async assign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertWord(stage, 'stage')
    return this.write(model, stage, audit, options, state => {
      const stored = registered(state, model, version)
      if (state?.holders.get(stage)?.version === version) return { noop: 'already in stage' }
      return { drafts: [assignment(model, version, stage, stored.ref)] }
    })
  }

  async unassign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertWord(stage, 'stage')
    return this.write(model, stage, audit, options, state => {
      const stored = registered(state, model, version)
      if (state?.holders.get(stage)?.version !== version) return { noop: 'not in stage' }
      return { drafts: [removal(model, version, stage, stored.ref)] }
    })
  }

  async rollback(
    model: string,
    stage: string,
    toVersion: string | undefined,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertWord(stage, 'stage')
    return this.write(model, stage, audit, options, state => {
      const holder = state?.holders.get(stage)
      if (!state || !holder?.version) {
        throw new NotFoundError(`No version of ${model} is in ${stage}: nothing to roll back.`)
      }
      const to = toVersion ?? previousHolder(state, stage, holder.version)
      if (to === undefined) {
        throw new NotFoundError(`No earlier version of ${model} held ${stage}: name one.`)
      }
      if (to === holder.version) return { noop: 'already in stage' }
      const target = registered(state, model, to)
      const from = registered(state, model, holder.version)
      return {
        drafts: [
          removal(model, holder.version, stage, from.ref),
          assignment(model, to, stage, target.ref)
        ]
      }
    })
  }

  /** Rollout steps are stage events carrying `rollout` facts, as in the git adapter. */
  async rolloutSteps(model: string, stage: string): Promise<RolloutStep[]> {
    return stepsOfHistory([...(this.models.get(model)?.events ?? [])].reverse(), stage)
  }

  async recordRolloutStep(
    model: string,
    stage: string,
    step: RolloutStepRequest,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertWord(stage, 'stage')
    return this.write(model, stage, audit, options, state => {
      const steps = stepsOfHistory([...(state?.events ?? [])].reverse(), stage)
      const decided = decideStep(steps, step, { model, stage })
      if (decided !== 'write') return decided
      const stored = registered(state, model, step.version)
      const facts = { audit: { rollout: rolloutFacts(step) } }
      const ending = step.kind === 'abort' || step.kind === 'complete'
      const others =
        step.kind === 'start'
          ? [...(state?.holders ?? [])]
              .filter(([s, e]) => s === stage && e.version !== step.version)
              .map(([, e]) => removal(model, e.version as string, stage, stored.ref))
          : []
      const own = ending
        ? removal(model, step.version, stage, stored.ref)
        : assignment(model, step.version, stage, stored.ref)
      return { drafts: [...others, { ...own, ...facts, summary: `${step.kind} ${step.percent}%` }] }
    })
  }

  // ---- the write protocol --------------------------------------------------

  /**
   * Read → decide → nothing to do → revalidate → dry run → write, per attempt. The callback may
   * await anything, other writes included: a write that landed meanwhile is a lost race (the
   * model's event count is the compare-and-swap), and the next attempt decides afresh.
   */
  private async write(
    model: string,
    stage: string | undefined,
    auditIn: AuditFacts,
    options: WriteOptions,
    decide: (state: ModelState | undefined) => Decision
  ): Promise<WriteResult> {
    assertWord(model, 'model')
    assertActor(auditIn)
    // Facts a revalidation replaced stand for the attempts after it (port.ts WriteOptions).
    let audit = auditIn
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const seen = this.models.get(model)?.events.length ?? 0
      const decision = decide(this.models.get(model))
      if ('noop' in decision) return { written: false, reason: decision.noop }
      if (options.revalidate) {
        const holder = stage === undefined ? undefined : await this.getStage(model, stage)
        const replaced = await options.revalidate({
          model,
          ...(stage === undefined ? {} : { stage }),
          holder,
          attempt
        })
        if (replaced) {
          assertActor(replaced)
          audit = replaced
        }
      }
      if ((this.models.get(model)?.events.length ?? 0) !== seen) continue
      const at = new Date(this.now())
      const events = decision.drafts.map((draft, i) =>
        this.event(model, draft, audit, at, this.counter + i + 1)
      )
      if (options.dryRun) return { written: false, reason: 'dry run', planned: events }
      this.counter += events.length
      const state = this.models.get(model) ?? newModel()
      this.models.set(model, state)
      for (const event of events) apply(state, event, audit)
      return { written: true, events: structuredClone(events), attempts: attempt }
    }
    throw new RegistryConflictError(
      `Gave up writing ${model} after ${MAX_ATTEMPTS} attempts: other writers kept writing first. Nothing was written.`
    )
  }

  private event(
    model: string,
    draft: Draft,
    audit: AuditFacts,
    at: Date,
    n: number
  ): RegistryEvent {
    return {
      ...draft,
      model,
      at,
      by: audit.actor,
      ...(audit.actorEmail ? { byEmail: audit.actorEmail } : {}),
      id: `${model}#${n}`,
      audit: { ...auditRecord(audit), ...structuredClone(draft.audit ?? {}) }
    }
  }
}

export function createMemoryRegistry(options: MemoryRegistryOptions = {}): MemoryRegistry {
  return new MemoryRegistry(options)
}

function newModel(): ModelState {
  return { versions: new Map(), holders: new Map(), events: [], removals: new Map() }
}

function apply(state: ModelState, event: RegistryEvent, audit: AuditFacts): void {
  state.events.push(event)
  const version = event.version as string
  if (event.kind === 'registration') {
    state.versions.set(version, {
      ref: event.ref as string,
      registeredAt: event.at,
      registeredBy: event.by,
      ...(audit.candidateDigest ? { candidateDigest: audit.candidateDigest } : {})
    })
    return
  }
  const stage = event.stage as string
  if (event.kind === 'assignment') {
    state.holders.set(stage, event)
    // Back in the stage: the earlier removal no longer stands.
    state.removals.delete(`${version}\0${stage}`)
    return
  }
  state.holders.delete(stage)
  state.removals.set(`${version}\0${stage}`, {
    at: event.at,
    by: event.by,
    ...(audit.reason ? { reason: audit.reason } : {}),
    eventId: event.id
  })
}

/**
 * The version a rollback restores by default: the newest earlier holder of `stage` other than
 * the current one that no removal stands against (a version a rollback took out never slips
 * back in through a later one).
 */
function previousHolder(state: ModelState, stage: string, current: string): string | undefined {
  const assigned = state.events.filter(e => e.kind === 'assignment' && e.stage === stage)
  return assigned
    .reverse()
    .find(e => e.version !== current && !state.removals.has(`${e.version}\0${stage}`))?.version
}

function registered(state: ModelState | undefined, model: string, version: string): StoredVersion {
  const stored = state?.versions.get(version)
  if (!stored) throw new NotFoundError(`${model} ${version} is not registered.`)
  return stored
}

function assignment(model: string, version: string, stage: string, ref: string): Draft {
  return {
    kind: 'assignment',
    version,
    stage,
    ref,
    summary: `Promote ${model} ${version} to ${stage}`
  }
}

function removal(model: string, version: string, stage: string, ref: string): Draft {
  return {
    kind: 'unassignment',
    version,
    stage,
    ref,
    summary: `Remove ${model} ${version} from ${stage}`
  }
}

function holderOf(event: RegistryEvent, state: ModelState): StageHolder {
  const version = event.version as string
  return {
    model: event.model,
    stage: event.stage as string,
    version,
    assignedAt: event.at,
    assignedBy: event.by,
    ref: state.versions.get(version)?.ref,
    eventId: event.id,
    ...(event.audit ? { audit: structuredClone(event.audit) } : {})
  }
}

/** What a write records: the facts, with the caller's record under `record`. */
function auditRecord(audit: AuditFacts): Record<string, unknown> {
  return structuredClone({
    actor: audit.actor,
    ...(audit.actorEmail ? { actorEmail: audit.actorEmail } : {}),
    ...(audit.reason ? { reason: audit.reason } : {}),
    ...(audit.forced ? { forced: true } : {}),
    ...(audit.record === undefined ? {} : { record: audit.record })
  })
}

function copy(stored: StoredVersion): Omit<StoredVersion, never> {
  return structuredClone(stored)
}

function sequence(event: RegistryEvent): number {
  return Number(event.id.slice(event.id.lastIndexOf('#') + 1))
}

function assertWord(value: string, what: string): void {
  if (!value || /[\s\0]/.test(value)) throw new InvalidInputError(`Invalid ${what} "${value}"`)
}

function assertActor(audit: AuditFacts): void {
  if (!audit.actor?.trim()) {
    throw new InvalidInputError('Every registry write needs an actor (who acts).')
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
