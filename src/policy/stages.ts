import { NotFoundError } from '../errors.js'
import type { Policy, StagePolicy } from './schema.js'

/** The policy's rules for `stage`; NotFoundError (exit 3) naming the stages it has. */
export function findStage(policy: Policy, stage: string): StagePolicy {
  const stagePolicy = Object.hasOwn(policy.stages, stage) ? policy.stages[stage] : undefined
  if (!stagePolicy) {
    const known = Object.keys(policy.stages)
    throw new NotFoundError(
      `stage "${stage}" is not defined in the policy for ${policy.model}; it defines: ${known.join(', ')}`
    )
  }
  return stagePolicy
}
