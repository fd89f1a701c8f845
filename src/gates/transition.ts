import { CANDIDATE_STAGE } from '../policy/schema.js'
import type { GateResult } from './types.js'

export interface TransitionContext {
  version: string
  targetStage: string
  /** The policy's `from:` list for the target stage. */
  allowedFrom: readonly string[]
  /** Stages the version is in now, with when it entered each. */
  currentStages: ReadonlyArray<{ stage: string; since: Date }>
  /** When the version was registered: its entry into the `candidate` pseudo-stage. */
  registeredAt: Date
}

export interface TransitionResult {
  gate: GateResult
  /** The stage the version is promoted from, and since when it was there; absent on failure. */
  source?: { stage: string; enteredAt: Date }
}

/**
 * Stage order: a version may enter a stage only from one its `from:` list names.
 * `candidate` is any registered version. Among several allowed sources the one
 * the version entered first counts (the longest soak).
 */
export function transitionGate(context: TransitionContext): TransitionResult {
  const sources = context.currentStages
    .filter(entry => context.allowedFrom.includes(entry.stage))
    .map(entry => ({ stage: entry.stage, enteredAt: entry.since }))
  if (context.allowedFrom.includes(CANDIDATE_STAGE)) {
    sources.push({ stage: CANDIDATE_STAGE, enteredAt: context.registeredAt })
  }
  sources.sort((a, b) => a.enteredAt.getTime() - b.enteredAt.getTime())
  const source = sources[0]
  const from = context.allowedFrom.join(', ')
  if (!source) {
    const now = context.currentStages.map(entry => entry.stage)
    return {
      gate: {
        gate: 'transition',
        status: 'fail',
        summary: `${context.version} is not in a stage ${context.targetStage} may be entered from (${from})`,
        details: [`${context.version} is in: ${now.length > 0 ? now.join(', ') : 'no stage'}`]
      }
    }
  }
  return {
    source,
    gate: {
      gate: 'transition',
      status: 'pass',
      summary:
        source.stage === CANDIDATE_STAGE
          ? `${context.version} is registered; ${context.targetStage} accepts registered versions`
          : `${context.version} is in ${source.stage}; ${context.targetStage} may be entered from ${from}`
    }
  }
}
