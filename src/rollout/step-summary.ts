/**
 * The one-line summary of a rollout step, as both registries keep it with the step's event (a
 * git tag's first line, an MLflow history event's summary): data the registry stores, so it
 * lives beside the step rules, below both adapters.
 */
import type { RolloutStepRequest } from './step-types.js'

/** A step's summary: on git the tag's first line, what `git tag -n` and GTO's readers show. */
export function stepSummary(
  model: string,
  stage: string,
  step: RolloutStepRequest,
  reason?: string
): string {
  const at = `${model} ${step.version} in ${stage}`
  return `${stepWords(at, step)}${reason ? `: ${reason}` : ''}`
}

function stepWords(at: string, step: RolloutStepRequest): string {
  switch (step.kind) {
    case 'start':
      return `Start rollout of ${at} at ${step.percent}%`
    case 'advance':
      return `Advance rollout of ${at} from ${step.from ?? '?'}% to ${step.percent}%`
    case 'hold':
      return `Hold rollout of ${at} at ${step.percent}%`
    case 'abort':
      return `Abort rollout of ${at}, traffic 0%`
    case 'complete':
      // A shadow's complete takes no traffic: the version moved on (a canary's: to the full share).
      return `Complete rollout of ${at}: moved on to the next stage`
  }
}
