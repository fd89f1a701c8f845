/**
 * Planning a rollout step by hand (`modelgate rollout`): from the stage's policy, its recorded
 * steps and the time, the step to record, or a refusal that says why (exit 2; exit 3 when there
 * is nothing to act on). Pure: no registry, no clock of its own. The registry judges the planned
 * step again against what it reads at write time (steps.ts `decideStep`), so a repeat writes
 * nothing and a stale plan is refused.
 */
import { InvalidInputError, NotFoundError } from '../errors.js'
import { durationMs } from '../policy/monitor.js'
import type { RolloutPolicy } from '../policy/rollout.js'
import { nextStep } from '../policy/rollout.js'
import type { RolloutStep, RolloutStepRequest } from './step-types.js'
import { isActive, rolloutState } from './steps.js'

export type RolloutAction =
  | { kind: 'start'; version: string }
  /** To the next step, or to `to` (one of the policy's steps): a re-run with `to` writes nothing. */
  | { kind: 'advance'; to?: number }
  | { kind: 'hold' }
  | { kind: 'abort' }
  | { kind: 'complete' }

export interface PlanInput {
  model: string
  stage: string
  rollout: RolloutPolicy
  /** The stage's recorded steps, oldest first. */
  steps: readonly RolloutStep[]
  action: RolloutAction
  now: Date
  /** Who acts: an advance by the same person within min_step_duration of their own is a re-run. */
  actor?: string
  /**
   * For `start`: the stages the version holds now, and the stages the policy lets it come from
   * (`candidate`: any registered version).
   */
  versionStages?: readonly string[]
  from?: readonly string[]
  /** For `complete`: the stages promoted from this one (the full stage) and who holds each. */
  fullStages?: ReadonlyArray<{ stage: string; holder: string | undefined }>
}

/** `since` plus `minMs`, as a UTC time to the second (`2026-12-01 11:00:00`), for messages. */
function whenMayAdvance(since: Date, minMs: number): string {
  return new Date(since.getTime() + minMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')
}

/** The step to record for `input.action`; throws a refusal naming why. */
export function planStep(input: PlanInput): RolloutStepRequest {
  const { model, stage, rollout, action } = input
  const name = `${model} ${stage}`
  const state = rolloutState(input.steps)
  const active = state && isActive(state) ? state : undefined
  const shadow = rollout.type === 'shadow'
  if (action.kind === 'start') {
    const from = input.from ?? []
    const holds = input.versionStages ?? []
    if (!from.includes('candidate') && !from.some(source => holds.includes(source))) {
      throw new InvalidInputError(
        `${name}: ${action.version} is in ${holds.length ? holds.join(', ') : 'no stage'}; the policy starts a rollout of ${stage} only from ${from.join(', ')}.`
      )
    }
    return {
      kind: 'start',
      version: action.version,
      percent: shadow ? 0 : (rollout.steps[0] as number)
    }
  }
  if (!state)
    throw new NotFoundError(
      `${name}: no rollout has been started; start one with --start --version V.`
    )
  if (action.kind === 'abort') {
    return { kind: 'abort', version: state.version, percent: 0 }
  }
  if (!active) {
    const last = state.last
    // A re-run of the step that ended it: the registry writes nothing.
    if (action.kind === last.kind)
      return { kind: last.kind, version: state.version, percent: last.percent }
    throw new InvalidInputError(
      `${name}: the rollout of ${state.version} ${state.phase === 'aborted' ? 'was aborted' : 'is complete'}; start a new one with --start --version V.`
    )
  }
  if (action.kind === 'hold') {
    return { kind: 'hold', version: active.version, percent: active.percent }
  }
  if (action.kind === 'complete') {
    if (rollout.type === 'canary' && active.percent !== rollout.steps[rollout.steps.length - 1]) {
      throw new InvalidInputError(
        `${name}: ${active.version} is at ${active.percent}%; a rollout completes from its last step (${rollout.steps[rollout.steps.length - 1]}%).`
      )
    }
    const full = input.fullStages ?? []
    if (!full.some(f => f.holder === active.version)) {
      const stages = full.map(f => f.stage)
      throw new InvalidInputError(
        `${name}: ${active.version} does not hold ${stages.length ? stages.join(' or ') : 'a stage promoted from this one'} yet; the full share is an ordinary promotion with its gates (approvals included): promote it, then complete.`
      )
    }
    return { kind: 'complete', version: active.version, percent: 100 }
  }
  // advance
  if (rollout.type === 'shadow') {
    throw new InvalidInputError(
      `${name}: a shadow takes no traffic, so it has no steps to advance; promote ${active.version} to the next stage.`
    )
  }
  const to = action.to
  if (to !== undefined && !rollout.steps.includes(to)) {
    throw new InvalidInputError(
      `${name}: --to ${to} is not one of the policy's steps (${rollout.steps.join(', ')}).`
    )
  }
  if (to !== undefined && to === active.percent && active.phase === 'running') {
    // Already there: the same advance again, which the registry records once.
    const last = active.last
    return {
      kind: 'advance',
      version: active.version,
      percent: to,
      ...(last.kind === 'advance' && last.from !== undefined ? { from: last.from } : {})
    }
  }
  const minMs = durationMs(rollout.min_step_duration) ?? 0
  const early = input.now.getTime() - active.since.getTime() < minMs
  if (early) {
    const last = active.last
    if (to === undefined && last.kind === 'advance' && last.by === input.actor) {
      // The same person's advance again before the step's time is up: a re-run of it, which the
      // registry records once.
      return {
        kind: 'advance',
        version: active.version,
        percent: last.percent,
        ...(last.from === undefined ? {} : { from: last.from })
      }
    }
  }
  const target = to ?? nextStep(rollout, active.percent)
  if (target === undefined) {
    throw new InvalidInputError(
      `${name}: ${active.version} is at the last step (${active.percent}%); the full share is the next stage, an ordinary promotion with its gates, then --complete.`
    )
  }
  if (target <= active.percent) {
    throw new InvalidInputError(
      `${name}: ${active.version} is at ${active.percent}% already; --to ${target} would lower it.`
    )
  }
  if (early) {
    throw new InvalidInputError(
      `${name}: ${active.version} reached ${active.percent}% at ${whenMayAdvance(active.since, 0)} UTC; min_step_duration is ${rollout.min_step_duration}, so it may advance from ${whenMayAdvance(active.since, minMs)} UTC.`
    )
  }
  return { kind: 'advance', version: active.version, percent: target, from: active.percent }
}
