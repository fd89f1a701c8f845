import { auditRecordOf, type AuditRecord } from '../audit/record.js'
import { loadCandidate } from '../candidate/load.js'
import { ExitCode, InvalidInputError, ModelGateError, NotFoundError } from '../errors.js'
import type { Evaluation } from '../gates/types.js'
import { findStage } from '../policy/stages.js'
import type { Policy } from '../policy/schema.js'
import type { StageHolder } from '../registry/port.js'
import type { PromoteAction, PromoteResult } from '../report/promote.js'
import { bindCandidate, versionToPromote } from './bind-candidate.js'
import { exitCodeFor } from './exit-code.js'
import type { CommandResult, RegistryContext } from './registry-context.js'
import {
  auditFactsOf,
  judgeStage,
  judgedAudit,
  passes,
  provenanceFor,
  requireForceReason,
  type Judged,
  type JudgingEvidence
} from './stage-judging.js'

export type { AttestationAccess } from './stage-judging.js'

export interface PromoteOptions extends JudgingEvidence {
  policy: Policy
  stage: string
  /** The version to promote; else the candidate directory's model.yaml version. */
  version?: string
  /**
   * A directory holding the candidate's files; else the version's files in the registry. Used
   * only when its content digest equals the version's (bind-candidate.ts).
   */
  candidateDir?: string
  dryRun?: boolean
  /** Promote although gates fail; needs a reason, and is recorded. */
  force?: boolean
  reason?: string
  /**
   * The commit a push promotes from: when the registry already holds a promotion of this model
   * and stage written from it, the push was handled (a re-run) and nothing is done again.
   */
  onceForCommit?: string
  /** A pull request: a version already in the stage is evaluated all the same (nothing written). */
  evaluateHeld?: boolean
}

/** What `promote` returns: the outcome, with the evaluation when one was made. */
export interface PromoteOutcome extends CommandResult {
  evaluation?: Evaluation
  /** Whether the stage was assigned (not on a dry run or a refusal). */
  written?: boolean
}

/**
 * `modelgate promote`: evaluate every gate of the target stage against the
 * stage's current holder and, only when all pass (or on an audited force),
 * assign the stage. A version already in the stage writes nothing.
 */
export async function promote(
  context: RegistryContext,
  options: PromoteOptions
): Promise<PromoteOutcome> {
  requireForceReason(options, 'promotion')
  const model = options.policy.model
  const candidateFromDir = options.candidateDir
    ? await loadCandidate(options.candidateDir, { within: context.workspace ?? process.cwd() })
    : undefined
  const version = versionToPromote(options.version, options.candidateDir, candidateFromDir)
  if (!version) {
    throw new InvalidInputError(
      'Name the version to promote with --version (or a version in the candidate model.yaml)'
    )
  }
  refuseRolloutStage(options.policy, options.stage, version)
  const record = await context.registry.getVersion(model, version)
  if (!record) {
    throw new NotFoundError(
      `${model} ${version} is not registered; run \`modelgate register\` first`
    )
  }
  // What is judged is what is promoted: a directory only when it is the version's own content.
  const candidate =
    options.candidateDir && candidateFromDir
      ? await bindCandidate(context, record, options.candidateDir, candidateFromDir)
      : await context.models.loadVersion(model, version)
  let removal = await context.registry.takenOutOf(model, version, options.stage)
  // Read once: the candidate's files do not change while the stage is judged again.
  const provenance = await provenanceFor(options, candidate)
  const evaluate = async (holder: StageHolder | undefined) =>
    judgeStage(context, options, {
      version,
      candidate,
      holder,
      record,
      removal,
      ...(provenance ? { provenance } : {})
    })
  const audit = (judged: Judged, written: boolean): AuditRecord =>
    judgedAudit(context, options, { version, candidate }, judged, written)

  const holder = await context.registry.getStage(model, options.stage)
  if (holder?.version === version) {
    if (!options.evaluateHeld) {
      return unevaluated({ kind: 'held', model, version, stage: options.stage, holder })
    }
    // A pull request's status is earned by an evaluation, never assumed from the registry.
    const held = await evaluate(holder)
    const note: PromoteAction = { kind: 'held', model, version, stage: options.stage }
    return outcome(held.evaluation, note, {})
  }
  const records = options.onceForCommit
    ? (await context.registry.history(model)).flatMap(event => {
        const stored = auditRecordOf(event.audit)
        return stored ? [stored] : []
      })
    : []
  const done = options.onceForCommit
    ? records.find(
        stored =>
          stored.written &&
          stored.kind !== 'rollback' &&
          stored.event === 'push' &&
          stored.to === options.stage &&
          stored.version === version &&
          stored.commitSha === options.onceForCommit
      )
    : undefined
  if (done) return unevaluated({ kind: 'done-for-commit', record: done })
  let judged = await evaluate(holder)
  // The holder the latest evaluation compared against, so a write judges again only when it moved.
  let judgedHolder = holder
  if (!passes(judged.evaluation) && !options.force) {
    // A dry run (a pull request's evaluation) attempted nothing, so it leaves no record.
    if (!options.dryRun) context.audits.add(audit(judged, false))
    return outcome(judged.evaluation, { kind: 'refused', decision: judged.evaluation.decision }, {})
  }

  // The record stored with the change; judged again (and replaced) if the stage moves meanwhile.
  let stored = audit(judged, true)
  const result = await context.registry.assign(
    model,
    version,
    options.stage,
    auditFactsOf(context, options, stored),
    {
      dryRun: options.dryRun,
      // Another run may have moved the stage since we read it: judge again against the new holder.
      revalidate: async ({ holder: current }) => {
        // Taken out of the stage meanwhile (a rollback racing this run): judged again too.
        const removalNow = await context.registry.takenOutOf(model, version, options.stage)
        const removalMoved = removalNow?.eventId !== removal?.eventId
        if (current?.version === judgedHolder?.version && !removalMoved) return undefined
        removal = removalNow
        judged = await evaluate(current)
        judgedHolder = current
        if (!passes(judged.evaluation) && !options.force) {
          if (!options.dryRun) context.audits.add(audit(judged, false))
          throw new ModelGateError(
            removalMoved
              ? `${version} was taken out of ${options.stage} while promoting: nothing written`
              : `${options.stage} changed hands to ${current?.version ?? 'nobody'} while promoting, and ${version} no longer passes against it`,
            ExitCode.Blocked
          )
        }
        stored = audit(judged, true)
        return auditFactsOf(context, options, stored)
      }
    }
  )
  // A dry run that would write promotes as the real run would: same report, same exit code.
  const promoted = result.written || result.reason === 'dry run'
  const forced = promoted && stored.kind === 'forced-promotion'
  if (result.written) context.audits.add(stored)
  return outcome(
    judged.evaluation,
    {
      kind: 'write',
      result,
      version,
      stage: options.stage,
      previous: judgedHolder,
      record: stored
    },
    {
      written: result.written,
      promoted,
      ...(forced ? { forced: result.written ? ('done' as const) : ('planned' as const) } : {})
    }
  )
}

/**
 * A stage with `rollout:` is entered only by a rollout's start (`modelgate rollout`), which
 * records the step and judges the same gates: a plain assignment would put the version on the
 * rollout's traffic with no step recorded (exit 2).
 */
function refuseRolloutStage(policy: Policy, stage: string, version: string): void {
  if (!findStage(policy, stage).rollout) return
  throw new InvalidInputError(
    `${policy.model} ${stage} is a rollout stage (stages.${stage}.rollout): a version enters it by a rollout's start, not by promote. Run: modelgate rollout ${policy.model} --stage ${stage} --start --version ${version}`
  )
}

/** A result that evaluated nothing: exit 0, the decision `pass` (nothing to block). */
function unevaluated(result: PromoteResult): PromoteOutcome {
  return { report: { command: 'promote', result }, exitCode: ExitCode.Pass, decision: 'pass' }
}

interface Effect {
  /** The stage was assigned. */
  written?: boolean
  /** The stage was assigned, or would be (a dry run that would write). */
  promoted?: boolean
  /** Past gates that did not pass: `done`, or `planned` on a dry run. */
  forced?: 'done' | 'planned'
}

function outcome(evaluation: Evaluation, action: PromoteAction, effect: Effect): PromoteOutcome {
  // A forced promotion happens (or would, on a dry run): exit 1, as a warning, not 2 as blocked.
  const decided = exitCodeFor(evaluation.decision)
  const exitCode =
    effect.promoted && decided > ExitCode.PassWithWarnings ? ExitCode.PassWithWarnings : decided
  const written = effect.written ?? false
  return {
    report: {
      command: 'promote',
      result: {
        kind: 'evaluated',
        evaluation,
        action,
        written,
        ...(effect.forced ? { forced: effect.forced } : {})
      }
    },
    exitCode,
    decision: evaluation.decision,
    evaluation,
    written
  }
}
