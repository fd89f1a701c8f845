import type { RunFacts } from '../audit/record.js'
import type { RolloutStepRequest, WriteResult } from '../registry/port.js'
import { isRunId, recordedByRun, rolloutState, standing } from '../rollout/steps.js'
import type { RegistryContext } from './registry-context.js'

/**
 * The one place a rollout step is written, by hand (`rollout`) or by `monitor`: the registry
 * records it (or finds it recorded already), and a step it wrote is handed to the serving
 * layer's hook, when the root gave one (`RegistryContext.rolloutHandoff`: a GitHub Deployment, a
 * `repository_dispatch`, built elsewhere). A dry run or a step recorded already hands nothing.
 * In the action every step is stored with its workflow run, so a re-run of the job writes nothing
 * twice (rollout/steps.ts `decideStep`).
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

/**
 * The registry's answer. When it wrote nothing because the step is recorded already (by this
 * workflow run's earlier attempt, or the same step again): `now`, where the stage stands now (the
 * current rollout's version, share and latest step kind: what to output, never a mix of an old
 * run's step with today's share); and on a re-run of a workflow run's job, `recorded`, the step
 * that run recorded and when (what the report may name besides the current state).
 */
export type StepWriteResult = WriteResult & {
  now?: RolloutStepRequest
  recorded?: RolloutStepRequest & { at: Date }
}

/**
 * The workflow run's id, from its URL (`…/actions/runs/<GITHUB_RUN_ID>`, the same on every
 * attempt); none outside a workflow run (the CLI's run facts have no URL).
 */
export function runIdOf(runFacts: RunFacts | undefined): string | undefined {
  const id = /\/actions\/runs\/([^/?#]+)$/.exec(runFacts?.runUrl ?? '')?.[1]
  return isRunId(id) ? id : undefined
}

export async function recordStep(
  context: Pick<
    RegistryContext,
    'registry' | 'actor' | 'actorEmail' | 'rolloutHandoff' | 'runFacts'
  >,
  request: {
    model: string
    stage: string
    step: RolloutStepRequest
    reason?: string
    champion?: string
    dryRun?: boolean
  }
): Promise<StepWriteResult> {
  const { model, stage, reason } = request
  const run = runIdOf(context.runFacts)
  const step: RolloutStepRequest = run === undefined ? request.step : { ...request.step, run }
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
  if (!result.written && result.reason === 'step already recorded') {
    const steps = await context.registry.rolloutSteps(model, stage)
    const state = rolloutState(steps)
    const mine = recordedByRun(steps, step)
    const recorded = mine
      ? {
          kind: mine.kind,
          version: mine.version,
          percent: mine.percent,
          ...(mine.from === undefined ? {} : { from: mine.from }),
          ...(run === undefined ? {} : { run }),
          at: mine.at
        }
      : undefined
    return {
      ...result,
      ...(state ? { now: standing(state) } : {}),
      ...(recorded ? { recorded } : {})
    }
  }
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
