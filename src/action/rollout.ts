import { readFile } from 'node:fs/promises'
import { rollout, type RolloutOutcome } from '../commands/rollout.js'
import { metricSourceFor } from '../monitor/open-source.js'
import type { CommandOutcome } from '../commands/registry-context.js'
import { InvalidInputError } from '../errors.js'
import type { RolloutSettings } from '../inputs.js'
import type { RolloutDriveResult } from '../report/monitor-rollout.js'
import { rendered } from '../report/command.js'
import type { RolloutAction } from '../rollout/plan.js'
import { modelOf, openCommandContext } from './commands.js'
import { requireRollbackRight } from './dispatch.js'
import type { EventContext } from './github-context.js'

/**
 * `workflow_dispatch` with `command: rollout`: the actor's right first, as for a rollback (the
 * policy's `rollback.allowed`, default maintain; a refusal is exit 4 with the registry untouched,
 * judged by the default branch's policy), then the step, planned and recorded as
 * `modelgate rollout` does. Sets the step outputs the serving layer reads.
 */
export async function rolloutByDispatch(
  settings: RolloutSettings,
  context: EventContext
): Promise<CommandOutcome> {
  const { policy: checked, permission } = await requireRollbackRight(settings, context)
  const {
    model,
    policy,
    context: registryContext
  } = await openCommandContext(settings, context, checked)
  if (!policy) throw new InvalidInputError('input "policy" is required for command "rollout"')
  const outcome = await rollout(registryContext, policy, {
    model: modelOf(model, settings),
    stage: settings.stage,
    action: actionOf(settings),
    ...(settings.reason ? { reason: settings.reason } : {}),
    dryRun: settings.dryRun,
    // A start is judged by the stage's gates as a promotion by dispatch is (approvals and checks
    // fail closed: there is no pull request); `force` (with a reason, inputs.ts) goes past them.
    force: settings.force,
    checks: [permission],
    ...(context.attestations ? { attestations: context.attestations } : {}),
    ...(context.monitoringProbe ? { monitoringProbe: context.monitoringProbe } : {}),
    // A canary's shadow is judged on its source, read as `command: monitor` reads it.
    shadowSources: block =>
      metricSourceFor(block, {
        root: context.workspace,
        readFile: file => readFile(file, 'utf8'),
        fetch
      })
  })
  return { ...rendered(outcome), outputs: rolloutOutputs(outcome) }
}

function actionOf(settings: RolloutSettings): RolloutAction {
  if (settings.step === 'start') {
    // inputs.ts requires the version with step: start.
    if (!settings.version) throw new InvalidInputError('input "version" is required for step start')
    return { kind: 'start', version: settings.version }
  }
  return { kind: settings.step }
}

/**
 * The outputs of a step by hand: where the rollout stands after it. A step that wrote nothing
 * (recorded already, by this workflow run or otherwise) outputs where the stage stands now, never
 * the step an old run recorded beside today's share; nothing when that cannot be read.
 */
function rolloutOutputs(outcome: RolloutOutcome): Record<string, string> {
  const { step, state, result, now } = outcome.rollout
  if (!step) return {}
  const wroteNothing = result !== undefined && !result.written && result.reason !== 'dry run'
  const shown = wroteNothing
    ? now
    : { kind: step.kind, version: step.version, percent: state?.percent ?? step.percent }
  if (!shown) return {}
  const facts: StepFacts = {
    stage: outcome.rollout.stage,
    step: shown.kind,
    percent: shown.percent,
    version: shown.version,
    ...(outcome.champion !== undefined ? { champion: outcome.champion } : {})
  }
  return stepOutputs(facts, [facts])
}

/**
 * The outputs of a monitor run's rollout steps (taken, or found recorded already): nothing when
 * it only waited, reported readiness, or had nothing to drive. One run may drive several stages
 * (a shadow and a canary): the single outputs are the **most severe** step's (abort, then hold,
 * then the rest; between equals a canary's, then the policy's first stage), so a deploy workflow reading only them
 * never misses an abort, and `rollout-stage` names its stage; `rollout-steps` lists every step.
 */
export function monitorRolloutOutputs(
  rollouts: readonly RolloutDriveResult[]
): Record<string, string> {
  const steps = rollouts.flatMap((r): StepFacts[] => {
    // A step that wrote nothing (recorded already) outputs where the stage stands now.
    const wroteNothing =
      r.result !== undefined && !r.result.written && r.result.reason !== 'dry run'
    const shown = wroteNothing ? r.now : r.step
    if (!r.step || !shown) return []
    // Once complete, the version is the full stage's holder: the champion now.
    const champion = shown.kind === 'complete' ? shown.version : r.champion
    return [
      {
        stage: r.stage,
        type: r.type,
        step: shown.kind,
        percent: shown.percent,
        version: shown.version,
        ...(champion !== undefined ? { champion } : {})
      }
    ]
  })
  const worst = steps.reduce<StepFacts | undefined>(
    (most, facts) => (most && severity(most) >= severity(facts) ? most : facts),
    undefined
  )
  return worst ? stepOutputs(worst, steps) : {}
}

/**
 * How much a step matters to serving: an abort must never be hidden by another stage's step;
 * between equal steps a canary's (it carries traffic) comes before a shadow's (it carries none).
 */
function severity(facts: StepFacts): number {
  const step = facts.step === 'abort' ? 2 : facts.step === 'hold' ? 1 : 0
  return step * 2 + (facts.type === 'shadow' ? 0 : 1)
}

interface StepFacts {
  stage: string
  /** A monitor run's rollout type; a step by hand names one stage and needs none. */
  type?: 'shadow' | 'canary'
  step: string
  percent: number
  version: string
  champion?: string
}

function stepOutputs(facts: StepFacts, all: readonly StepFacts[]): Record<string, string> {
  return {
    'traffic-percent': String(facts.percent),
    'rollout-step': facts.step,
    'rollout-stage': facts.stage,
    version: facts.version,
    'champion-version': facts.champion ?? '',
    // The same keys as the hand-off's payload.
    'rollout-steps': JSON.stringify(
      all.map(f => ({
        stage: f.stage,
        rollout_step: f.step,
        traffic_percent: f.percent,
        version: f.version,
        champion_version: f.champion ?? null
      }))
    )
  }
}
