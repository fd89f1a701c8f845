/**
 * An MLflow rollout read back for `status` and `history` (docs/rollout.md, "How MLflow keeps a
 * rollout"), as git shows one: the steps are in the stage's rollout tag (rollout.ts), the alias
 * moves a start, abort or complete made are in the stage's journal, like any promotion's.
 *
 * - `status`: a holder whose rollout runs carries the rollout facts of its latest step, as a git
 *   holder carries them in its latest tag, so `status` adds the rollout line and counts the
 *   holder as ModelGate's.
 * - `history`: each step is one event. A start, abort or complete is the alias move it made
 *   (the journal's event, which then carries the step's facts and words); an advance or a hold,
 *   which moves no alias, is an event of its own, an assignment as git writes it (so is a step
 *   whose move wrote nothing, the alias being there already).
 *
 * A step is written before its alias moves (rollout.ts), so the move that belongs to a step is
 * the first journal event of its kind and version in the stage at or after the step, before the
 * stage's next step that moves the alias. Pure: the adapter reads, this pairs.
 */
import type { RegistryEvent, StageHolder } from '../port.js'
import type { RolloutStep } from '../../rollout/step-types.js'
import { isActive, rolloutFacts, rolloutState } from '../../rollout/steps.js'
import { stepSummary } from '../../rollout/step-summary.js'
import type { TagKeys } from './names.js'
import { storedSteps } from './rollout.js'

/** `holder` with its latest step's rollout facts while its rollout runs (`stored`: the stage's rollout tag). */
export function holderInRollout(holder: StageHolder, stored: string | undefined): StageHolder {
  if (stored === undefined) return holder
  const state = rolloutState(storedSteps(stored, holder.model, holder.stage))
  if (!state || !isActive(state) || state.version !== holder.version) return holder
  return { ...holder, audit: { ...holder.audit, rollout: rolloutFacts(state.last) } }
}

const movesAlias = (step: RolloutStep) => step.kind !== 'advance' && step.kind !== 'hold'

/** When the step was written: to the millisecond from its id (`<ms>-<random>`), else its second. */
function writtenAt(step: RolloutStep): number {
  const ms = Number(/^(\d{1,15})-/.exec(step.id)?.[1])
  const second = step.at.getTime()
  return Number.isFinite(ms) && ms >= second && ms < second + 1000 ? ms : second
}

/**
 * The stage's events for `history`: `journal` (the stage's alias moves, any order) with each of
 * `steps` (the stage's rollout steps, oldest first) as one event.
 */
export function stageEventsWithSteps(
  model: string,
  stage: string,
  journal: readonly RegistryEvent[],
  steps: readonly RolloutStep[]
): RegistryEvent[] {
  const moves = journal
    .filter(event => event.stage === stage)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
  const claimed = new Map<RegistryEvent, RolloutStep>()
  const own: RegistryEvent[] = []
  const moving = steps.filter(movesAlias)
  for (const step of steps) {
    const at = writtenAt(step)
    if (movesAlias(step)) {
      const next = moving[moving.indexOf(step) + 1]
      const until = next === undefined ? Infinity : writtenAt(next)
      const kind = step.kind === 'start' ? 'assignment' : 'unassignment'
      const move = moves.find(
        event =>
          !claimed.has(event) &&
          event.kind === kind &&
          event.version === step.version &&
          event.at.getTime() >= at &&
          event.at.getTime() < until
      )
      if (move) {
        claimed.set(move, step)
        continue
      }
    }
    own.push(stepEvent(model, stage, step, at))
  }
  return [
    ...journal.map(event => {
      const step = claimed.get(event)
      return step ? asStep(event, model, stage, step) : event
    }),
    ...own
  ]
}

/** The alias move a step made, as that step's event. */
function asStep(
  event: RegistryEvent,
  model: string,
  stage: string,
  step: RolloutStep
): RegistryEvent {
  // The journal keeps the whole reason; the step, 120 characters of it.
  const reason = typeof event.audit?.reason === 'string' ? event.audit.reason : step.reason
  return {
    ...event,
    summary: stepSummary(model, stage, step, reason),
    audit: { ...event.audit, rollout: rolloutFacts(step), ...(reason ? { reason } : {}) }
  }
}

/** A step that moved no alias, as an event of its own. */
function stepEvent(model: string, stage: string, step: RolloutStep, at: number): RegistryEvent {
  return {
    kind: step.kind === 'abort' || step.kind === 'complete' ? 'unassignment' : 'assignment',
    model,
    version: step.version,
    stage,
    at: new Date(at),
    by: step.by,
    id: step.id,
    summary: stepSummary(model, stage, step, step.reason),
    audit: {
      rollout: rolloutFacts(step),
      actor: step.by,
      ...(step.reason ? { reason: step.reason } : {})
    }
  }
}

/**
 * A model's journal events (`moves`) with every stage's rollout steps in them, the stages found
 * by their rollout tags in `tags` (`stageOf` names the stage an alias keeps).
 */
export function withRolloutSteps(
  model: string,
  tags: ReadonlyMap<string, string>,
  moves: readonly RegistryEvent[],
  keys: TagKeys,
  stageOf: (alias: string) => string
): RegistryEvent[] {
  let events = [...moves]
  for (const [key, value] of tags) {
    const alias = keys.rolloutAlias(key)
    if (alias === undefined) continue
    const stage = stageOf(alias)
    const steps = storedSteps(value, model, stage)
    if (steps.length === 0) continue
    const inStage = events.filter(event => event.stage === stage)
    const others = events.filter(event => event.stage !== stage)
    events = [...others, ...stageEventsWithSteps(model, stage, inStage, steps)]
  }
  return events
}
