import { NotFoundError } from '../errors.js'
import type { PolicyDirectory } from './directory.js'
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

/** A model the registry holds that no policy names, and the stages its events name. */
export interface ModelWithoutPolicy {
  model: string
  stages: readonly string[]
}

/**
 * With no one model named: refuses (NotFoundError, exit 3) a stage that no policy under
 * policies/ defines and no model without a policy has an event in, naming each model's stages
 * and any policy file that could not be read. When no policy can be read, stage names are not
 * known and every one is taken as given.
 */
export function assertStageInAnyPolicy(
  stage: string,
  directory: PolicyDirectory,
  withoutPolicy: readonly ModelWithoutPolicy[]
): void {
  if (directory.policies.length === 0) return
  if (directory.policies.some(({ policy }) => Object.hasOwn(policy.stages, stage))) return
  if (withoutPolicy.some(entry => entry.stages.includes(stage))) return
  const parts = [
    ...directory.policies.map(
      ({ policy }) => `${policy.model} defines: ${Object.keys(policy.stages).join(', ')}`
    ),
    ...withoutPolicy.map(entry =>
      entry.stages.length > 0
        ? `${entry.model} (no policy) has events in: ${entry.stages.join(', ')}`
        : `${entry.model} (no policy) has no events in a stage`
    ),
    ...(directory.unread.length > 0
      ? [`not read: ${directory.unread.map(u => `${u.file} (${u.problem})`).join(', ')}`]
      : [])
  ]
  throw new NotFoundError(
    `stage "${stage}" is not defined in any policy under policies/: ${parts.join('; ')}`
  )
}
