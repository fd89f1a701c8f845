/**
 * Rollout steps, backend-neutral and pure: what a step looks like where a registry keeps it with
 * an event (the `rollout` facts of a git tag's message, the in-memory fake's audit), where a
 * stage's rollout stands after its steps, and whether a requested step is new, a repeat (written
 * nothing) or out of turn (refused). Every adapter judges a write with `decideStep` against the
 * steps it has just read, so a re-run or a lost race never records a step twice.
 */
import { InvalidInputError, NotFoundError } from '../errors.js'
import type { RolloutStep, RolloutStepKind, RolloutStepRequest, StepEvent } from './step-types.js'

/** A step judged recorded already: the registry writes nothing (its NoWriteReason). */
type StepNoWrite = 'step already recorded'

export const STEP_KINDS: readonly RolloutStepKind[] = [
  'start',
  'advance',
  'hold',
  'abort',
  'complete'
]

/** Where a stage's latest rollout stands. */
export interface RolloutState {
  version: string
  /** running: started or advanced; held: its last step was a hold; then ended. */
  phase: 'running' | 'held' | 'aborted' | 'complete'
  /** The traffic share now. */
  percent: number
  /** When the share became `percent` (the start or advance that set it; a hold does not). */
  since: Date
  /** The latest step. */
  last: RolloutStep
  /** This rollout's steps, oldest first (from its start). */
  steps: RolloutStep[]
}

/** The facts a registry keeps with a step's event, under `rollout`. */
export function rolloutFacts(step: RolloutStepRequest): Record<string, unknown> {
  return {
    step: step.kind,
    percent: step.percent,
    ...(step.from === undefined ? {} : { from: step.from }),
    ...(step.run === undefined ? {} : { run: step.run })
  }
}

const isPercent = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100

/**
 * A workflow run's id as a step stores it (GITHUB_RUN_ID is a number; kept short, so MLflow's
 * compact entries still fit Unity Catalog's tag values).
 */
export const isRunId = (value: unknown): value is string =>
  typeof value === 'string' && /^[\w.-]{1,64}$/.test(value)

/**
 * The step an event records, when its stored audit carries valid `rollout` facts; undefined
 * for any other event (a promotion, a damaged or foreign record).
 */
export function stepOfEvent(event: StepEvent): RolloutStep | undefined {
  const facts = event.audit?.rollout
  if (!facts || typeof facts !== 'object' || Array.isArray(facts)) return undefined
  const { step, percent, from, run } = facts as Record<string, unknown>
  if (!STEP_KINDS.includes(step as RolloutStepKind) || !isPercent(percent)) return undefined
  if (from !== undefined && !isPercent(from)) return undefined
  if (event.version === undefined || event.stage === undefined) return undefined
  const reason = event.audit?.reason
  return {
    model: event.model,
    stage: event.stage,
    version: event.version,
    kind: step as RolloutStepKind,
    percent,
    ...(from === undefined ? {} : { from }),
    // A run that is no run id is left out: the step stays, as one no run took.
    ...(isRunId(run) ? { run } : {}),
    at: event.at,
    by: event.by,
    ...(typeof reason === 'string' ? { reason } : {}),
    id: event.id
  }
}

/** A stage's steps from a model's history (newest first, as the port's `history`), oldest first. */
export function stepsOfHistory(history: readonly StepEvent[], stage: string): RolloutStep[] {
  return [...history]
    .reverse()
    .filter(event => event.stage === stage)
    .flatMap(event => stepOfEvent(event) ?? [])
    .sort((a, b) => a.at.getTime() - b.at.getTime())
}

/** Where the stage's latest rollout stands; undefined before its first start. */
export function rolloutState(steps: readonly RolloutStep[]): RolloutState | undefined {
  let startAt = -1
  steps.forEach((step, i) => {
    if (step.kind === 'start') startAt = i
  })
  if (startAt < 0) return undefined
  const own = steps.slice(startAt).filter(s => s.version === steps[startAt]?.version)
  const first = own[0] as RolloutStep
  let since = first.at
  let percent = first.percent
  let phase: RolloutState['phase'] = 'running'
  for (const step of own) {
    if (phase === 'aborted' || phase === 'complete') break
    if (step.kind === 'advance') {
      percent = step.percent
      since = step.at
      phase = 'running'
    } else if (step.kind === 'hold') {
      phase = 'held'
    } else if (step.kind === 'abort' || step.kind === 'complete') {
      phase = step.kind === 'abort' ? 'aborted' : 'complete'
      percent = step.percent
      since = step.at
    }
  }
  const last = own[own.length - 1] as RolloutStep
  return { version: first.version, phase, percent, since, last, steps: own }
}

/** Started and neither aborted nor complete. */
export const isActive = (state: RolloutState): boolean =>
  state.phase === 'running' || state.phase === 'held'

/**
 * The step of the same kind that `request`'s workflow run recorded already in the stage, if
 * any (newest first): the request is then a re-run of that run's job (GitHub's "Re-run job"
 * keeps GITHUB_RUN_ID). A start, advance, hold or complete matches in any rollout ever recorded
 * in the stage, whatever happened since (a re-run of an old advance must not advance today's
 * rollout). An abort matches only in the current rollout (the steps since the latest start, of
 * its version): the run's abort of an earlier rollout never swallows an abort asked for now, which
 * would fail open. Never for a request without a run (the CLI).
 */
export function recordedByRun(
  steps: readonly RolloutStep[],
  request: RolloutStepRequest
): RolloutStep | undefined {
  if (request.run === undefined) return undefined
  const scope = request.kind === 'abort' ? (rolloutState(steps)?.steps ?? []) : steps
  return [...scope].reverse().find(s => s.run === request.run && s.kind === request.kind)
}

/**
 * Where the stage stands now, as a step: the current rollout's version, share and latest step
 * kind (after an abort: abort at 0%). What a step that wrote nothing reports and outputs, so a
 * re-run never mixes the step an old run recorded with today's share.
 */
export function standing(state: RolloutState): RolloutStepRequest {
  return { kind: state.last.kind, version: state.version, percent: state.percent }
}

/**
 * Judges `request` against the stage's recorded steps: `write` when it is the next step,
 * `{ noop }` when it is already recorded (a re-run: the same step again, or a step of the same
 * kind taken by the same workflow run, even once `min_step_duration` has passed or the registry
 * moved on), and a refusal (exit 2; exit 3 when there is no rollout to act on) when it does not
 * follow from them.
 */
export function decideStep(
  steps: readonly RolloutStep[],
  request: RolloutStepRequest,
  where: { model: string; stage: string }
): 'write' | { noop: StepNoWrite } {
  const repeat: { noop: StepNoWrite } = { noop: 'step already recorded' }
  // A run takes one step of each kind in a stage: its re-run writes nothing twice.
  if (recordedByRun(steps, request)) return repeat
  const state = rolloutState(steps)
  const name = `${where.model} ${where.stage}`
  if (request.kind === 'start') {
    if (state && isActive(state)) {
      if (state.version === request.version) return repeat
      throw new InvalidInputError(
        `${name}: ${state.version} is already in rollout at ${state.percent}%; abort it before starting ${request.version}.`
      )
    }
    if (request.from !== undefined) {
      throw new InvalidInputError(`${name}: a start has no share before it.`)
    }
    return 'write'
  }
  if (!state) throw new NotFoundError(`${name}: no rollout has been started.`)
  if (state.version !== request.version) {
    throw new InvalidInputError(
      `${name}: the rollout is of ${state.version}, not ${request.version}.`
    )
  }
  const last = state.last
  const sameAsLast =
    last.kind === request.kind && last.percent === request.percent && last.from === request.from
  if (!isActive(state)) {
    if (sameAsLast) return repeat
    throw new InvalidInputError(
      `${name}: the rollout of ${state.version} ${state.phase === 'aborted' ? 'was aborted' : 'is complete'} (${last.at.toISOString()}); start a new one.`
    )
  }
  switch (request.kind) {
    case 'advance':
      if (request.percent === state.percent && state.phase === 'running') {
        if (request.from === undefined || last.from === request.from) return repeat
      }
      if (request.from !== undefined && request.from !== state.percent) {
        throw new InvalidInputError(
          `${name}: the canary is at ${state.percent}%, not ${request.from}%: the registry moved since this step was planned.`
        )
      }
      if (request.percent <= state.percent) {
        throw new InvalidInputError(
          `${name}: an advance must raise the share above ${state.percent}%, not to ${request.percent}%.`
        )
      }
      return 'write'
    case 'hold':
      if (state.phase === 'held' && last.percent === request.percent) return repeat
      if (request.percent !== state.percent) {
        throw new InvalidInputError(
          `${name}: a hold keeps the share at ${state.percent}%, not ${request.percent}%.`
        )
      }
      return 'write'
    case 'abort':
      if (request.percent !== 0)
        throw new InvalidInputError(`${name}: an abort sets the share to 0%.`)
      return 'write'
    case 'complete':
      if (request.percent !== 100) {
        throw new InvalidInputError(`${name}: a completed rollout has the full share, 100%.`)
      }
      return 'write'
  }
  throw new InvalidInputError(`${name}: unknown rollout step.`)
}
