/**
 * What `monitor` does with a running rollout, from its policy, where it stands, the verdict of
 * its triggers over the current step and the time. Pure: no registry, no source, no clock of its
 * own. The registry judges the chosen step again at write time (steps.ts `decideStep`), so a
 * re-run records nothing twice.
 *
 * - A shadow's breach at any time: abort (the version out of the shadow stage), or only alert
 *   when every breached trigger says `action: alert`, even once the version moved on to the
 *   stage after it: a failing shadow is never reported complete.
 * - The version holds a stage promoted from the rollout's (the full share, or the canary after a
 *   shadow): complete.
 * - A canary's breach at any time: abort (traffic 0, the version out of the stage), or only alert
 *   when every breached trigger says `action: alert`.
 * - Before `min_step_duration` has passed since the share was reached: wait (too little data yet
 *   is not a hold: the step is judged when it is due).
 * - Due and inconclusive: hold (once: a held rollout is held already).
 * - Due and healthy: advance to the next step; at the last step (or in shadow), ready for
 *   promotion to the next stage.
 */
import { durationMs } from '../policy/monitor.js'
import { nextStep, type RolloutPolicy } from '../policy/rollout.js'
import type { RolloutStepRequest } from './step-types.js'
import { isActive, type RolloutState } from './steps.js'

export type DriveVerdict = 'healthy' | 'inconclusive' | 'breach'

export type DriveDecision =
  | { kind: 'none'; why: string }
  | { kind: 'wait'; until: Date }
  | { kind: 'ready'; next: string[] }
  | { kind: 'alert' }
  | { kind: 'advance' | 'hold' | 'abort'; step: RolloutStepRequest }
  | { kind: 'complete'; step: RolloutStepRequest; into: string }

export interface DriveInput {
  rollout: RolloutPolicy
  state: RolloutState | undefined
  verdict: DriveVerdict
  /** Every breached trigger says `action: alert`. */
  alertOnly: boolean
  now: Date
  /** The stages whose `from` lists the rollout's stage, and who holds each now. */
  nextStages: ReadonlyArray<{ stage: string; holder: string | undefined }>
}

/** When the current step may be judged: `min_step_duration` after the share was reached. */
export function dueAt(rollout: RolloutPolicy, state: RolloutState): Date {
  const min = rollout.min_step_duration
  return new Date(state.since.getTime() + (min === undefined ? 0 : (durationMs(min) ?? 0)))
}

export function driveDecision(input: DriveInput): DriveDecision {
  const { rollout, state } = input
  if (!state || !isActive(state)) return { kind: 'none', why: 'no running rollout' }
  const version = state.version
  const breach = (): DriveDecision =>
    input.alertOnly
      ? { kind: 'alert' }
      : { kind: 'abort', step: { kind: 'abort', version, percent: 0 } }
  // A shadow is judged before it is completed: moving on to the next stage does not make a
  // failing shadow a success.
  if (rollout.type === 'shadow' && input.verdict === 'breach') return breach()
  const promoted = input.nextStages.find(s => s.holder === version)
  if (promoted) {
    return {
      kind: 'complete',
      step: { kind: 'complete', version, percent: 100 },
      into: promoted.stage
    }
  }
  if (input.verdict === 'breach') return breach()
  const until = dueAt(rollout, state)
  if (input.now.getTime() < until.getTime()) return { kind: 'wait', until }
  if (input.verdict === 'inconclusive') {
    return { kind: 'hold', step: { kind: 'hold', version, percent: state.percent } }
  }
  const next = rollout.type === 'canary' ? nextStep(rollout, state.percent) : undefined
  if (next === undefined) return { kind: 'ready', next: input.nextStages.map(s => s.stage) }
  return {
    kind: 'advance',
    step: { kind: 'advance', version, percent: next, from: state.percent }
  }
}
