import { ExitCode, InvalidInputError, NotFoundError } from '../errors.js'
import { findStage } from '../policy/stages.js'
import type { Policy } from '../policy/schema.js'
import type { RolloutStep } from '../registry/port.js'
import { forcedPastNamed } from '../report/markdown.js'
import type { RolloutResult } from '../report/rollout.js'
import { planStep, type RolloutAction } from '../rollout/plan.js'
import { isActive, rolloutState, type RolloutState } from '../rollout/steps.js'
import { exitCodeFor } from './exit-code.js'
import type { CommandResult, RegistryContext } from './registry-context.js'
import { judgeStart, type ShadowSources, type StartJudgement } from './rollout-start.js'
import { recordStep } from './rollout-step.js'
import {
  judgedAudit,
  passes,
  requireForceReason,
  type JudgingEvidence,
  type JudgingOptions
} from './stage-judging.js'

export interface RolloutOptions extends JudgingEvidence {
  model: string
  stage: string
  /** What to do; none: show where the stage's rollout stands and its steps. */
  action?: RolloutAction
  /** Why (required for an abort; recorded with a hold when given). */
  reason?: string
  dryRun?: boolean
  /** A start past its stage's failing gates: needs a reason; recorded as forced. */
  force?: boolean
  /** The monitor's source port (from the root): judges the shadow a canary starts from. */
  shadowSources?: ShadowSources
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
  context: RegistryContext,
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
  requireForceReason(options, 'start')
  if (options.force && action.kind !== 'start') {
    throw new InvalidInputError('--force goes with --start: only a start is judged by gates')
  }
  // A start is judged by the stage's gates, as a promotion into it is; its re-run (the same
  // version's rollout running already) was judged when it started, and writes nothing.
  const running = rolloutState(before)
  const rerun =
    action.kind === 'start' && running && isActive(running) && running.version === action.version
  const judgingOptions: JudgingOptions = {
    ...options,
    policy,
    stage,
    ...(options.reason ? { reason: options.reason.trim() } : {})
  }
  const start =
    action.kind === 'start' && !rerun
      ? await judgeStart(context, { ...judgingOptions, model }, action.version, before)
      : undefined
  if (start && !passes(start.judged.evaluation) && !options.force) {
    // A dry run attempted nothing, so it leaves no record, as promote's.
    if (!options.dryRun) {
      context.audits.add(
        judgedAudit(context, judgingOptions, startSubject(start), start.judged, false)
      )
    }
    const evaluation = start.judged.evaluation
    return {
      ...outcome({ model, stage, steps: before, evaluation, refused: true, ...stateOf(before) }),
      exitCode: exitCodeFor(evaluation.decision),
      decision: evaluation.decision
    }
  }
  const forced = start !== undefined && !passes(start.judged.evaluation)
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
    // Forced past a failing stage order, the start comes from wherever the version is.
    from: forced ? ['candidate'] : stagePolicy.from,
    ...(action.kind === 'start'
      ? {
          versionStages: start
            ? start.record.stages.map(s => s.stage)
            : await stagesOf(context, model, action.version)
        }
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
  const given = options.reason?.trim()
  // Forced: the step says past which gates, before why, so `rollout` and `history` show it.
  const reason =
    forced && start ? `${forcedPastNamed(start.judged.evaluation.gates)}; ${given}` : given
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
  const record = start
    ? judgedAudit(context, judgingOptions, startSubject(start), start.judged, true)
    : undefined
  if (result.written && record) context.audits.add(record)
  // Written, or recorded already (the registry may have moved since `before`): read it again.
  const steps =
    result.written || result.reason !== 'dry run'
      ? await registry.rolloutSteps(model, stage)
      : before
  const done = result.written || result.reason === 'dry run'
  const evaluation = start?.judged.evaluation
  return {
    // A re-run of a workflow run's job: the step that run recorded, not the one planned now (the
    // outputs say where the stage stands now: `now`).
    ...outcome({
      model,
      stage,
      step: result.recorded ?? step,
      steps,
      result,
      ...(result.now ? { now: result.now } : {}),
      ...(result.recorded ? { recorded: result.recorded } : {}),
      ...stateOf(steps),
      ...(evaluation ? { evaluation } : {}),
      ...(forced && done
        ? { forced: result.written ? ('done' as const) : ('planned' as const) }
        : {})
    }),
    // A start exits as promote does: 1 when its gates passed with warnings, or when forced past
    // failing ones (as a forced promotion: a warning, not 2 as blocked); 0 when they passed.
    ...(evaluation && done
      ? {
          exitCode:
            exitCodeFor(evaluation.decision) === ExitCode.Pass
              ? ExitCode.Pass
              : ExitCode.PassWithWarnings
        }
      : {}),
    ...(evaluation ? { decision: evaluation.decision } : {}),
    ...(champion !== undefined ? { champion } : {})
  }
}

function startSubject(start: StartJudgement) {
  return { version: start.version, candidate: start.candidate }
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
