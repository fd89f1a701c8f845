/**
 * A rollout's start is judged as a promotion into its stage is (commands/stage-judging.ts, the
 * same function `promote` runs): what takes the first share of live traffic passes the stage's
 * gates, or is forced past them with a reason. Besides promote's gates:
 *
 * - the rolled-back gate also counts the abort of the version's rollout in this stage (by
 *   `monitor` or a person), with the abort's reason; a completed rollout moved on, and does not
 *   count;
 * - a canary whose `from` lists a shadow with triggers, started with a version that holds that
 *   shadow, needs the shadow judged ready now, the judgement `monitor` makes (a dry run of
 *   commands/monitor-rollout.ts, on the source port the root gives).
 *
 * The champion the regression and schema gates compare with: the holder of the rollout stage if
 * it has one, else the champion the rollout compares with (a shadow: `shadows`; a canary: the
 * stage whose `from` lists it).
 */
import { errorMessage, InvalidInputError, NotFoundError } from '../errors.js'
import { shadowReadyGate, type ShadowReading } from '../gates/shadow-ready.js'
import type { GateResult } from '../gates/types.js'
import type { MetricSource } from '../monitor/types.js'
import type { MonitorPolicy } from '../policy/monitor.js'
import { findStage } from '../policy/stages.js'
import type { Candidate } from '../candidate/types.js'
import type { StageRemoval } from '../gates/rolled-back.js'
import type { RolloutStep, VersionRecord } from '../registry/port.js'
import { driveRollout } from './monitor-rollout.js'
import type { RegistryContext } from './registry-context.js'
import { judgeStage, provenanceFor, type Judged, type JudgingOptions } from './stage-judging.js'

/** The monitor's source port, from the root: how a shadow's triggers are read. */
export type ShadowSources = (monitor: MonitorPolicy, stage: string) => MetricSource

export interface StartJudgement {
  version: string
  judged: Judged
  candidate: Candidate
  record: VersionRecord
}

/** Every gate of the rollout stage for `version`'s start, decided. */
export async function judgeStart(
  context: RegistryContext,
  options: JudgingOptions & { model: string; shadowSources?: ShadowSources },
  version: string,
  steps: readonly RolloutStep[]
): Promise<StartJudgement> {
  const { policy, stage, model } = options
  const record = await context.registry.getVersion(model, version)
  if (!record) throw new NotFoundError(`${model} ${version} is not registered.`)
  const candidate = await context.models.loadVersion(model, version)
  const rollout = findStage(policy, stage).rollout
  const own = await context.registry.getStage(model, stage)
  const championStage =
    own && own.version !== version
      ? stage
      : rollout?.type === 'shadow'
        ? rollout.shadows
        : Object.entries(policy.stages).find(([, s]) => s.from.includes(stage))?.[0]
  const holder =
    championStage === undefined
      ? undefined
      : championStage === stage
        ? own
        : await context.registry.getStage(model, championStage)
  const held = record.stages.map(s => s.stage)
  const judged = await judgeStage(context, options, {
    version,
    candidate,
    holder,
    ...(championStage ? { championStage } : {}),
    record,
    removal: held.includes(stage)
      ? undefined
      : await removalOf(context, model, version, stage, steps),
    provenance: await provenanceFor(options, candidate),
    more: await shadowGates(context, options, version, held)
  })
  return { version, judged, candidate, record }
}

/**
 * When `version` was last taken out of `stage`: the registry's removal, or the abort of its
 * rollout there (named as one, with the abort's reason); a rollout that completed moved on.
 */
async function removalOf(
  context: RegistryContext,
  model: string,
  version: string,
  stage: string,
  steps: readonly RolloutStep[]
): Promise<StageRemoval | undefined> {
  const last = steps.filter(s => s.version === version).at(-1)
  if (last?.kind === 'complete') return undefined
  const removal = await context.registry.takenOutOf(model, version, stage)
  if (last?.kind !== 'abort') return removal
  const reason = last.reason ?? removal?.reason
  return {
    at: removal?.at ?? last.at,
    by: removal?.by ?? last.by,
    ...(reason ? { reason } : {}),
    eventId: removal?.eventId ?? last.id,
    rolloutAbort: true
  }
}

/** The readiness of every shadow with triggers the canary starts from and the version holds. */
async function shadowGates(
  context: RegistryContext,
  options: JudgingOptions & { model: string; shadowSources?: ShadowSources },
  version: string,
  held: readonly string[]
): Promise<GateResult[]> {
  const { policy } = options
  const shadows = findStage(policy, options.stage).from.flatMap(name => {
    const rollout = policy.stages[name]?.rollout
    return rollout?.type === 'shadow' && rollout.triggers && held.includes(name)
      ? [{ name, rollout }]
      : []
  })
  const gates: GateResult[] = []
  for (const { name, rollout } of shadows) {
    gates.push(shadowReadyGate(await readShadow(context, options, name, rollout, version)))
  }
  return gates
}

async function readShadow(
  context: RegistryContext,
  options: JudgingOptions & { model: string; shadowSources?: ShadowSources },
  stage: string,
  rollout: Parameters<typeof driveRollout>[3],
  version: string
): Promise<ShadowReading> {
  const sourceFor = options.shadowSources
  if (!sourceFor) {
    return { stage, version, action: 'error', why: 'no monitor source was given to this run' }
  }
  try {
    // The monitor's own judgement, as a dry run: nothing is written, nothing handed off.
    const result = await driveRollout(
      context,
      {
        policy: options.policy,
        model: options.model,
        at: context.now(),
        dryRun: true,
        sourceFor,
        refused: (error, _stage, trigger, keyPath) =>
          new InvalidInputError(`trigger "${trigger}" (${keyPath}): ${error.message}`)
      },
      stage,
      rollout
    )
    const action = result.action
    return {
      stage,
      version,
      action: action.kind,
      verdict: result.verdict,
      ...(result.version !== undefined ? { running: result.version } : {}),
      ...(action.kind === 'wait' ? { until: action.until } : {}),
      ...((result.reason ?? result.idle) ? { why: result.reason ?? result.idle } : {}),
      triggers: result.triggers.map(
        t => `${t.verdict.trigger}: ${t.verdict.status}: ${t.verdict.summary}`
      )
    }
  } catch (error) {
    return { stage, version, action: 'error', why: errorMessage(error) }
  }
}
