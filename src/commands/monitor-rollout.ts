import { ExitCode, InvalidInputError } from '../errors.js'
import { evaluateTrigger, type TriggerEvaluation } from '../monitor/evaluate.js'
import { MetricQueryError, type MetricSource } from '../monitor/types.js'
import type { MonitorPolicy, TriggerPolicy } from '../policy/monitor.js'
import type { RolloutPolicy } from '../policy/rollout.js'
import type { Policy } from '../policy/schema.js'
import { breachReason } from '../report/monitor.js'
import type { RolloutDriveResult } from '../report/monitor-rollout.js'
import { driveDecision, type DriveVerdict } from '../rollout/drive.js'
import { rolloutState } from '../rollout/steps.js'
import type { RegistryContext } from './registry-context.js'
import { rolloutChart } from './rollout-chart.js'
import { recordStep } from './rollout-step.js'

/**
 * `monitor` driving rollouts: for each stage whose `rollout:` has triggers and whose rollout is
 * running, the triggers are judged on the rollout's version over the current step (from the time
 * its share was reached to the evaluation time), with `$champion` the holder of the stage it
 * serves (a canary: the stage promoted from it; a shadow: the stage it shadows). What follows is
 * rollout/drive.ts's decision, written through the same step path as `modelgate rollout`
 * (commands/rollout-step.ts), with the monitor's actor. Keeps no state: a re-run reads the
 * recorded steps and writes nothing twice.
 */

/** The rollout stages a monitor run drives: every one with triggers, or only `stage`. */
export function drivenRollouts(policy: Policy, stage?: string): [string, RolloutPolicy][] {
  return Object.entries(policy.stages).flatMap(([name, s]): [string, RolloutPolicy][] =>
    s.rollout?.triggers && (stage === undefined || stage === name) ? [[name, s.rollout]] : []
  )
}

/** A rollout's triggers as the monitor's source opener wants them (its source and triggers). */
function asMonitorPolicy(rollout: RolloutPolicy): MonitorPolicy {
  // drivenRollouts keeps only rollouts with triggers, and the schema gives those a source.
  return { source: rollout.source, triggers: rollout.triggers } as MonitorPolicy
}

export interface DriveOptions {
  policy: Policy
  model: string
  at: Date
  dryRun: boolean
  policyFile?: string
  sourceFor: (monitor: MonitorPolicy, stage: string) => MetricSource
  /** Turns a query the source refused into invalid input naming its place (monitor.ts). */
  refused: (error: MetricQueryError, stage: string, trigger: string, keyPath: string) => Error
}

export async function driveRollout(
  context: RegistryContext,
  options: DriveOptions,
  stage: string,
  rollout: RolloutPolicy
): Promise<RolloutDriveResult> {
  const { model, at } = options
  const steps = await context.registry.rolloutSteps(model, stage)
  const state = rolloutState(steps)
  const idle = (why: string): RolloutDriveResult => ({
    stage,
    type: rollout.type,
    verdict: 'not-watched',
    idle: why,
    triggers: [],
    action: { kind: 'none' },
    queries: 0,
    source: ''
  })
  if (!state || (state.phase !== 'running' && state.phase !== 'held')) {
    return idle(`no running rollout in ${stage}`)
  }
  if (at.getTime() < state.since.getTime()) {
    return idle(`${state.version} reached ${state.percent}% after the evaluation time`)
  }
  const nextStages = await Promise.all(
    Object.entries(options.policy.stages)
      .filter(([, s]) => s.from.includes(stage))
      .map(async ([name]) => ({
        stage: name,
        holder: (await context.registry.getStage(model, name))?.version
      }))
  )
  const championStage = rollout.type === 'shadow' ? rollout.shadows : nextStages[0]?.stage
  const champion =
    championStage === undefined
      ? undefined
      : (await context.registry.getStage(model, championStage))?.version
  const monitorPolicy = asMonitorPolicy(rollout)
  const source = options.sourceFor(monitorPolicy, stage)
  const window = {
    watched: { start: state.since.getTime(), end: at.getTime() },
    // Comparisons run over the same window; no baseline lies before it.
    baseline: { start: state.since.getTime(), end: at.getTime() },
    ended: false
  }
  const values = { model, version: state.version, stage }
  const evaluations: { name: string; evaluation: TriggerEvaluation; trigger: TriggerPolicy }[] = []
  for (const [index, trigger] of monitorPolicy.triggers.entries()) {
    const evaluation = await evaluateTrigger(source, trigger, {
      values,
      window,
      ...(champion !== undefined ? { champion } : {})
    }).catch((error: unknown) => {
      if (error instanceof MetricQueryError) {
        const keyPath = `stages.${stage}.rollout.triggers[${index}].query`
        throw options.refused(error, stage, trigger.name, keyPath)
      }
      throw error
    })
    evaluations.push({ name: trigger.name, evaluation, trigger })
  }
  const statuses = evaluations.map(e => e.evaluation.verdict.status)
  const verdict: DriveVerdict = statuses.includes('breach')
    ? 'breach'
    : statuses.includes('inconclusive')
      ? 'inconclusive'
      : 'healthy'
  const breached = evaluations.filter(e => e.evaluation.verdict.status === 'breach')
  const decision = driveDecision({
    rollout,
    state,
    verdict,
    alertOnly: breached.length > 0 && breached.every(e => e.evaluation.action === 'alert'),
    now: at,
    nextStages
  })
  const result: RolloutDriveResult = {
    stage,
    type: rollout.type,
    version: state.version,
    ...(champion !== undefined ? { champion } : {}),
    percent: state.percent,
    phase: state.phase,
    since: state.since,
    window,
    verdict,
    triggers: evaluations.map(e => e.evaluation),
    action: { kind: 'none' },
    queries: evaluations.reduce((sum, e) => sum + e.evaluation.queries, 0),
    source: source.description
  }
  // The whole rollout so far, not only the step judged: the chart of candidate and champion.
  const start = state.steps[0]?.at ?? state.since
  result.chart = await rolloutChart(source, {
    triggers: monitorPolicy.triggers,
    values,
    version: state.version,
    ...(champion !== undefined ? { champion } : {}),
    steps: state.steps.map(s => ({ kind: s.kind, percent: s.percent, at: s.at.getTime() })),
    start: start.getTime(),
    end: at.getTime()
  })
  if (verdict === 'breach') {
    result.reason = breachReason(
      model,
      stage,
      state.version,
      breached.map(e => e.evaluation)
    )
  }
  switch (decision.kind) {
    case 'none':
      return result
    case 'wait':
      result.action = { kind: 'wait', until: decision.until }
      return result
    case 'ready':
      result.action = {
        kind: 'ready',
        next: decision.next,
        model,
        starts: decision.next.filter(next => options.policy.stages[next]?.rollout !== undefined)
      }
      return result
    case 'alert':
      result.action = { kind: 'alert', detail: 'every breached trigger says action: alert' }
      return result
  }
  const step = decision.step
  const reason =
    decision.kind === 'abort'
      ? result.reason
      : decision.kind === 'hold'
        ? `modelgate monitor: inconclusive at ${state.percent}% (${inconclusiveWhy(evaluations.map(e => e.evaluation))})`
        : undefined
  const written = await recordStep(context, {
    model,
    stage,
    step,
    ...(reason ? { reason: clipReason(reason) } : {}),
    ...(champion !== undefined ? { champion } : {}),
    dryRun: options.dryRun
  })
  // A re-run of a workflow run: the step that run recorded, not the one planned now; the outputs
  // say where the stage stands now (`now`), never that step beside today's share.
  const taken = written.recorded ?? step
  result.step = taken
  result.result = written
  if (written.now) result.now = written.now
  if (written.recorded) result.recorded = written.recorded
  const facts = { written: written.written, dryRun: options.dryRun }
  if (decision.kind === 'advance') {
    const from = taken.from ?? state.percent
    result.action = { kind: 'advance', from, to: taken.percent, ...facts }
  } else if (decision.kind === 'hold') {
    result.action = { kind: 'hold', percent: taken.percent, ...facts }
  } else if (decision.kind === 'abort') {
    result.action = { kind: 'abort', from: state.percent, ...facts }
  } else if (decision.kind === 'complete') {
    result.action = { kind: 'complete', into: decision.into, ...facts }
  }
  return result
}

/** The inconclusive triggers and why, for a hold's reason. */
export function inconclusiveWhy(evaluations: readonly TriggerEvaluation[]): string {
  return evaluations
    .filter(e => e.verdict.status === 'inconclusive')
    .map(e => `${e.verdict.trigger}: ${e.verdict.summary}`)
    .join('; ')
}

/** Reasons are kept to 1,000 characters, as everywhere. */
function clipReason(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 1000 ? `${flat.slice(0, 999)}…` : flat
}

/** A run's exit code for one rollout stage (the same scale as the monitor's stages). */
export function rolloutExitCode(result: RolloutDriveResult): ExitCode {
  switch (result.action.kind) {
    case 'abort':
      return ExitCode.MonitorRolledBack
    case 'alert':
      return ExitCode.MonitorNeedsPerson
    case 'hold':
      return ExitCode.PassWithWarnings
    default:
      return ExitCode.Pass
  }
}

/** A `--stage` that names neither a monitor block nor a rollout with triggers. */
export function nothingToDrive(stage: string): InvalidInputError {
  return new InvalidInputError(
    `Stage ${stage} has no monitor: block and no rollout triggers in the policy (stages.${stage}.monitor, stages.${stage}.rollout.triggers): nothing to watch.`
  )
}
