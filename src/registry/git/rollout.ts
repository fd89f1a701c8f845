/**
 * Rollout steps in the git registry, as GTO sees them (docs/rollout.md): every step is an
 * ordinary GTO stage event of the rollout's stage, so `gto show`, `gto history` and
 * `gto check-ref` read it like any other, and the step itself (kind, traffic share, the share
 * before) rides in the tag message's JSON facts under `rollout`, which GTO never parses.
 *
 *   start             `NAME#STAGE#N`   assignment of the version (other versions in the stage are
 *                                      unassigned first, so both GTO readers agree)
 *   advance, hold     `NAME#STAGE#N`   a re-assignment of the same version: GTO still shows it in
 *                                      the stage, its history gains an assignment
 *   abort, complete   `NAME#STAGE!#N`  unassignment: the version leaves the rollout's stage (after
 *                                      complete, it holds the next stage through its promotion)
 *
 * Pure: the adapter reads the state, this decides the tags.
 */
import type { RegistryState } from './state.js'
import { versionsInStage } from './state.js'
import type { RolloutStep, RolloutStepRequest } from '../port.js'
import { decideStep, rolloutFacts, stepsOfHistory } from '../../rollout/steps.js'
import { stepSummary } from '../../rollout/step-summary.js'
import { historyOf } from './queries.js'
import type { Decision, Draft } from './drafts.js'
import { registeredVersion, unassignDraft } from './drafts.js'

/** The stage's rollout steps, oldest first. */
export function rolloutStepsOf(state: RegistryState, model: string, stage: string): RolloutStep[] {
  return stepsOfHistory(historyOf(state, model), stage)
}

/** The tags recording `step`, or nothing to do when it is recorded already. */
export function rolloutDecision(
  state: RegistryState,
  model: string,
  stage: string,
  step: RolloutStepRequest,
  reason?: string
): Decision {
  const decided = decideStep(rolloutStepsOf(state, model, stage), step, { model, stage })
  if (decided !== 'write') return decided
  const { artifact, target } = registeredVersion(state, model, step.version)
  const summary = stepSummary(model, stage, step, reason)
  const facts = { rollout: rolloutFacts(step) }
  if (step.kind === 'abort' || step.kind === 'complete') {
    const held = versionsInStage(artifact, stage).find(h => h.version === step.version)
    return {
      write: [
        {
          tag: { action: 'unassign', model, stage },
          version: step.version,
          counted: true,
          // The commit GTO resolves back to this version (its registration commit).
          commit: held?.assignment.commit ?? target.commit,
          summary,
          facts: { action: 'unassign', model, version: step.version, stage, ...facts }
        }
      ]
    }
  }
  const others: Draft[] =
    step.kind === 'start'
      ? versionsInStage(artifact, stage)
          .filter(h => h.version !== step.version)
          .map(h =>
            unassignDraft(artifact, h, stage, {
              summary: `Remove ${model} ${h.version} from ${stage} (rollout of ${step.version} starts)`,
              facts: { replacedBy: step.version }
            })
          )
      : []
  return {
    write: [
      ...others,
      {
        tag: { action: 'assign', model, stage },
        version: step.version,
        counted: true,
        commit: target.commit,
        summary,
        facts: { action: 'assign', model, version: step.version, stage, ...facts }
      }
    ]
  }
}
