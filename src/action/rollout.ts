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

/** The outputs of a step by hand: where the rollout stands after it. */
function rolloutOutputs(outcome: RolloutOutcome): Record<string, string> {
  const { step, state } = outcome.rollout
  if (!step) return {}
  return stepOutputs({
    step: step.kind,
    percent: step.percent,
    version: step.version,
    ...(outcome.champion !== undefined ? { champion: outcome.champion } : {}),
    ...(state ? { now: state.percent } : {})
  })
}

/**
 * The outputs of the first rollout a monitor run took a step on (or found recorded already):
 * nothing when it only waited, reported readiness, or had nothing to drive.
 */
export function monitorRolloutOutputs(
  rollouts: readonly RolloutDriveResult[]
): Record<string, string> {
  const acted = rollouts.find(r => r.step !== undefined)
  if (!acted?.step) return {}
  return stepOutputs({
    step: acted.step.kind,
    percent: acted.step.percent,
    version: acted.step.version,
    // Once complete, the version is the full stage's holder: the champion now.
    ...(acted.step.kind === 'complete'
      ? { champion: acted.step.version }
      : acted.champion !== undefined
        ? { champion: acted.champion }
        : {})
  })
}

function stepOutputs(facts: {
  step: string
  percent: number
  version: string
  champion?: string
  now?: number
}): Record<string, string> {
  return {
    'traffic-percent': String(facts.now ?? facts.percent),
    'rollout-step': facts.step,
    version: facts.version,
    'champion-version': facts.champion ?? ''
  }
}
