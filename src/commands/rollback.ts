import type { MonitorEvidence } from '../audit/monitor-evidence.js'
import { AuditRecord, rollbackAudit } from '../audit/record.js'
import { ExitCode, InvalidInputError, ModelGateError, NotFoundError } from '../errors.js'
import type { GateResult } from '../gates/types.js'
import type { Policy } from '../policy/schema.js'
import type { StageHolder } from '../registry/port.js'
import { isActive, rolloutState, type RolloutState } from '../rollout/steps.js'
import type { AlreadyRolledBack, RollbackResult } from '../report/rollback.js'
import type { CommandResult, RegistryContext } from './registry-context.js'
import { findRerunOf } from './rollback-rerun.js'

export interface RollbackOptions {
  model: string
  stage: string
  /** The version to restore; else the stage's previous holder. */
  toVersion?: string
  /**
   * The holder this rollback takes out: when the stage no longer holds it (an earlier run did
   * it), nothing is written. Without it (and without `toVersion`), a re-run is recognised from
   * the registry's records (rollback-rerun.ts).
   */
  fromVersion?: string
  reason: string
  dryRun?: boolean
  /** What was checked before (the actor's right, in the action), recorded as gates. */
  checks?: GateResult[]
  /** A rollback `monitor` decided on: recorded as kind `automatic-rollback` with this evidence. */
  automatic?: MonitorEvidence
  /** The model's policy, when the root has one: a stage with `rollout:` is refused. */
  policy?: Policy
}

/** What `rollback` returns: the outcome, with who held the stage and who holds it now. */
export interface RollbackOutcome extends CommandResult {
  report: { command: 'rollback'; result: RollbackResult }
  /** The holder taken out of the stage (with the audit record of its promotion). */
  rolledBack: StageHolder
  /** The version put back (also on a dry run: the one that would be). */
  restored?: string
  written: boolean
}

/**
 * A rollout stage's versions come and go by steps: a rollback there would put a version back
 * with no step and none of the start's gates (an aborted one too), while the recorded rollout
 * names another. Known by the model's policy's `rollout:`, or, without that policy, by a rollout
 * running in the stage as the registry records it. Exit 2, before anything is written.
 */
async function refuseRolloutStage(
  context: Pick<RegistryContext, 'registry'>,
  options: Pick<RollbackOptions, 'model' | 'stage' | 'policy'>
): Promise<void> {
  const { model, stage, policy } = options
  const ownPolicy = policy?.model === model ? policy : undefined
  const byPolicy =
    ownPolicy !== undefined &&
    Object.hasOwn(ownPolicy.stages, stage) &&
    Boolean(ownPolicy.stages[stage]?.rollout)
  // The model's own policy decides; without it, a rollout running in the stage does (a stage
  // that once held a rollout and is plain now rolls back as any other).
  let running: RolloutState | undefined
  if (!byPolicy) {
    if (ownPolicy) return
    const state = rolloutState(await context.registry.rolloutSteps(model, stage))
    if (!state || !isActive(state)) return
    running = state
  }
  throw new InvalidInputError(
    `${model} ${stage}: ${stage} is a rollout stage (${byPolicy ? `stages.${stage}.rollout` : `the registry holds a running rollout of ${running?.version ?? '?'}`}): a version leaves it by an abort, not a rollback. Run: modelgate rollout ${model} --stage ${stage} --abort --reason R`
  )
}

/**
 * `modelgate rollback`: put the stage back on its previous holder (or a named
 * version), writing both the restored assignment and the removal of the current
 * holder so every GTO reader agrees. Needs a reason; always audited.
 */
export async function rollback(
  context: RegistryContext,
  options: RollbackOptions
): Promise<RollbackOutcome> {
  if (!options.reason.trim()) {
    throw new InvalidInputError('rollback needs --reason: every rollback is recorded with why')
  }
  await refuseRolloutStage(context, options)
  const current = await context.registry.getStage(options.model, options.stage)
  if (!current) {
    throw new NotFoundError(`${options.model} has no version in ${options.stage} to roll back`)
  }
  const stale = await alreadyDone(context, options, current)
  if (stale) return stale
  const audit = (restored: string): AuditRecord => {
    const record = rollbackAudit({
      model: options.model,
      stage: options.stage,
      restored,
      rolledBack: current.version,
      written: true,
      gates: options.checks,
      actor: context.actor,
      reason: options.reason,
      run: context.runFacts ?? {},
      at: context.now()
    })
    const automatic = options.automatic
    return automatic
      ? AuditRecord.parse({ ...record, kind: 'automatic-rollback', monitor: automatic })
      : record
  }
  const facts = { actor: context.actor, actorEmail: context.actorEmail, reason: options.reason }
  // The preview names the version put back, so the record written with the change can say it;
  // the write then pins that version.
  const preview = await context.registry.rollback(
    options.model,
    options.stage,
    options.toVersion,
    facts,
    { dryRun: true }
  )
  const planned =
    preview.written === false && preview.reason === 'dry run'
      ? preview.planned.find(event => event.kind === 'assignment')?.version
      : undefined
  if (!planned && !options.dryRun) {
    // The preview wrote nothing and would write nothing: say so rather than report a dry run.
    if (preview.written) {
      throw new Error(
        `the registry wrote during a rollback preview of ${options.model} ${options.stage}`
      )
    }
    throw new ModelGateError(
      `Cannot roll back ${options.model} ${options.stage} (${current.version}): ${preview.reason}. Nothing written.`,
      ExitCode.Blocked
    )
  }
  const record = planned && !options.dryRun ? audit(planned) : undefined
  const result =
    options.dryRun || !planned
      ? preview
      : await context.registry.rollback(
          options.model,
          options.stage,
          planned,
          { ...facts, record },
          {
            revalidate: ({ holder }) => {
              if (holder?.version !== current.version) {
                throw new StageChangedHandsError(
                  `${options.stage} changed hands to ${holder?.version ?? 'nobody'} while rolling back ${current.version}: nothing written; look at \`modelgate status\` and run the rollback again`,
                  holder?.version ?? null
                )
              }
            }
          }
        )
  if (result.written && record) context.audits.add(record)
  const restored =
    result.written || result.reason === 'dry run'
      ? (result.written ? result.events : result.planned).find(event => event.kind === 'assignment')
          ?.version
      : undefined
  return {
    report: {
      command: 'rollback',
      result: {
        kind: 'ran',
        model: options.model,
        stage: options.stage,
        rolledBack: current.version,
        restored,
        reason: options.reason,
        result
      }
    },
    exitCode: ExitCode.Pass,
    rolledBack: current,
    ...(restored ? { restored } : {}),
    written: result.written
  }
}

/** Another writer changed the stage between the rollback's read and its write. Exit 2. */
export class StageChangedHandsError extends ModelGateError {
  constructor(
    message: string,
    /** The version holding the stage now. */
    readonly holder: string | null
  ) {
    super(message, ExitCode.Blocked)
    this.name = 'StageChangedHandsError'
  }
}

/**
 * The outcome of a rollback that is already done, or undefined to go on: the holder named with
 * `fromVersion` is no longer in the stage, or this is a re-run of a rollback the registry
 * recorded and the holder that one removed is still out. Either way nothing is written.
 */
async function alreadyDone(
  context: RegistryContext,
  options: RollbackOptions,
  current: StageHolder
): Promise<RollbackOutcome | undefined> {
  const { model, stage } = options
  let why: AlreadyRolledBack
  if (options.fromVersion !== undefined) {
    if (current.version === options.fromVersion) return undefined
    // A typo must not read as "already out" and exit 0 with the bad holder still in place.
    if (!(await context.registry.getVersion(model, options.fromVersion))) {
      throw new NotFoundError(
        `${model} ${options.fromVersion} is not registered: --from names the version to take out of ${stage}, which ${current.version} holds now. Nothing written.`
      )
    }
    // "Already out" only of a stage it was in: --from a version that never held it is a mistake.
    const heldIt = (await context.registry.history(model)).some(
      event =>
        event.kind === 'assignment' &&
        event.stage === stage &&
        event.version === options.fromVersion
    )
    if (!heldIt) {
      throw new InvalidInputError(
        `${model} ${options.fromVersion} never held ${stage}: --from names the version to take out of it, which ${current.version} holds now. Nothing written.`
      )
    }
    why = { kind: 'from-out', from: options.fromVersion }
  } else if (options.toVersion === undefined) {
    const prior = findRerunOf(await context.registry.history(model), {
      stage,
      actor: context.actor,
      reason: options.reason,
      now: context.now(),
      ...(context.runFacts?.runUrl ? { runUrl: context.runFacts.runUrl } : {})
    })
    // The removed holder is back (promoted again since): this rollback is needed again.
    if (!prior || prior.removed === current.version) return undefined
    why = { kind: 're-run', prior }
  } else if (current.version === options.toVersion) {
    // A re-run of a rollback to a named version that landed: done, not an error.
    why = { kind: 'holds-target' }
  } else {
    return undefined
  }
  return {
    report: {
      command: 'rollback',
      result: { kind: 'already', model, stage, holder: current.version, why }
    },
    exitCode: ExitCode.Pass,
    rolledBack: current,
    written: false
  }
}
