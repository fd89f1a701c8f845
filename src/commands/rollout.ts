import { ExitCode, InvalidInputError, NotFoundError } from '../errors.js'
import { findStage } from '../policy/stages.js'
import type { Policy } from '../policy/schema.js'
import type { RolloutStep } from '../registry/port.js'
import type { RolloutResult } from '../report/rollout.js'
import { planStep, type RolloutAction } from '../rollout/plan.js'
import { rolloutState, type RolloutState } from '../rollout/steps.js'
import type { CommandResult, RegistryContext } from './registry-context.js'
import { recordStep } from './rollout-step.js'

export interface RolloutOptions {
  model: string
  stage: string
  /** What to do; none: show where the stage's rollout stands and its steps. */
  action?: RolloutAction
  /** Why (required for an abort; recorded with a hold when given). */
  reason?: string
  dryRun?: boolean
}

export interface RolloutOutcome extends CommandResult {
  report: { command: 'rollout'; result: RolloutResult }
  rollout: RolloutResult
  /** The holder of the stage the rollout serves (a canary's next stage) or shadows. */
  champion?: string
}

/**
 * `modelgate rollout`: record one step of a stage's rollout by hand (start, advance, hold,
 * abort, complete), planned from the policy's `rollout:` block and the steps the registry
 * holds (rollout/plan.ts), written through the registry's write protocol; or, with no step,
 * show where the rollout stands. `monitor` takes steps through the same path
 * (commands/monitor-rollout.ts, commands/rollout-step.ts).
 */
export async function rollout(
  context: Pick<
    RegistryContext,
    'registry' | 'actor' | 'actorEmail' | 'now' | 'rolloutHandoff' | 'runFacts'
  >,
  policy: Policy,
  options: RolloutOptions
): Promise<RolloutOutcome> {
  const { model, stage, action } = options
  const stagePolicy = findStage(policy, stage)
  if (!stagePolicy.rollout) {
    throw new InvalidInputError(
      `${model} ${stage}: the policy declares no rollout for this stage (stages.${stage}.rollout)`
    )
  }
  const { registry } = context
  const before = await registry.rolloutSteps(model, stage)
  if (!action) return outcome({ model, stage, steps: before, ...stateOf(before) })
  if (action.kind === 'abort' && !options.reason?.trim()) {
    throw new InvalidInputError('an abort needs --reason: every abort is recorded with why')
  }
  const fullStages = Object.entries(policy.stages)
    .filter(([, s]) => s.from.includes(stage))
    .map(([name]) => name)
  const step = planStep({
    model,
    stage,
    rollout: stagePolicy.rollout,
    steps: before,
    action,
    now: context.now(),
    actor: context.actor,
    from: stagePolicy.from,
    ...(action.kind === 'start'
      ? { versionStages: await stagesOf(context, model, action.version) }
      : {}),
    ...(action.kind === 'complete'
      ? {
          fullStages: await Promise.all(
            fullStages.map(async name => ({
              stage: name,
              holder: (await registry.getStage(model, name))?.version
            }))
          )
        }
      : {})
  })
  const reason = options.reason?.trim()
  // The champion, read before the write (a step never moves it), is handed off with the step.
  const rollout = stagePolicy.rollout
  const championStage = rollout.type === 'shadow' ? rollout.shadows : fullStages[0]
  const champion =
    championStage === undefined
      ? undefined
      : (await registry.getStage(model, championStage))?.version
  const result = await recordStep(context, {
    model,
    stage,
    step,
    ...(reason ? { reason } : {}),
    ...(champion !== undefined ? { champion } : {}),
    ...(options.dryRun ? { dryRun: true } : {})
  })
  const steps = result.written ? await registry.rolloutSteps(model, stage) : before
  return {
    // A re-run of a workflow run's job: the step that run recorded, not the one planned now.
    ...outcome({ model, stage, step: result.recorded ?? step, steps, result, ...stateOf(steps) }),
    ...(champion !== undefined ? { champion } : {})
  }
}

/** The stages `version` holds; NotFoundError (exit 3) when it is not registered. */
async function stagesOf(
  context: Pick<RegistryContext, 'registry'>,
  model: string,
  version: string
): Promise<string[]> {
  const record = await context.registry.getVersion(model, version)
  if (!record) throw new NotFoundError(`${model} ${version} is not registered.`)
  return record.stages.map(s => s.stage)
}

function stateOf(steps: readonly RolloutStep[]): { state?: RolloutState } {
  const state = rolloutState(steps)
  return state ? { state } : {}
}

function outcome(result: RolloutResult): RolloutOutcome {
  return { report: { command: 'rollout', result }, exitCode: ExitCode.Pass, rollout: result }
}
