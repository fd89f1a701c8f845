import type { RolloutStepRequest, WriteResult } from '../registry/port.js'
import type { RegistryContext } from './registry-context.js'

/**
 * The one place a rollout step is written, by hand (`rollout`) or by `monitor`: the registry
 * records it (or finds it recorded already), and a step it wrote is handed to the serving
 * layer's hook, when the root gave one (`RegistryContext.rolloutHandoff`: a GitHub Deployment, a
 * `repository_dispatch`, built elsewhere). A dry run or a step recorded already hands nothing.
 */
export interface RecordedStep {
  model: string
  stage: string
  step: RolloutStepRequest
  /** Who took the step, as recorded. */
  actor: string
  reason?: string
  /** The holder of the stage the rollout serves or shadows, when there is one. */
  champion?: string
  /** The registry's write. */
  result: Extract<WriteResult, { written: true }>
}

export type RolloutHandoff = (recorded: RecordedStep) => Promise<void>

export async function recordStep(
  context: Pick<RegistryContext, 'registry' | 'actor' | 'actorEmail' | 'rolloutHandoff'>,
  request: {
    model: string
    stage: string
    step: RolloutStepRequest
    reason?: string
    champion?: string
    dryRun?: boolean
  }
): Promise<WriteResult> {
  const { model, stage, step, reason } = request
  const result = await context.registry.recordRolloutStep(
    model,
    stage,
    step,
    {
      actor: context.actor,
      ...(context.actorEmail ? { actorEmail: context.actorEmail } : {}),
      ...(reason ? { reason } : {})
    },
    request.dryRun ? { dryRun: true } : {}
  )
  if (result.written && context.rolloutHandoff) {
    await context.rolloutHandoff({
      model,
      stage,
      step,
      actor: context.actor,
      ...(reason ? { reason } : {}),
      ...(request.champion ? { champion: request.champion } : {}),
      result
    })
  }
  return result
}
