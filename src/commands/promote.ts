import { auditRecordOf, promotionAudit, type AuditRecord } from '../audit/record.js'
import { loadCandidate } from '../candidate/load.js'
import type { Candidate } from '../candidate/types.js'
import { ExitCode, InvalidInputError, ModelGateError, NotFoundError } from '../errors.js'
import type { ReviewEvidence } from '../gates/approvals.js'
import type { CheckRunEvidence } from '../gates/checks.js'
import { decide, evaluateStage, findStage } from '../gates/evaluate.js'
import { rolledBackGate } from '../gates/rolled-back.js'
import { transitionGate } from '../gates/transition.js'
import type { Evaluation, GateResult } from '../gates/types.js'
import type { ProvenanceEvidence, ProvenanceVerifier } from '../gates/provenance.js'
import type { MonitoringProber } from '../monitor/probe.js'
import type { Policy } from '../policy/schema.js'
import { collectAttestations, type AttestationSource } from '../provenance/collect.js'
import type { AuditFacts, StageHolder, StageRemoval } from '../registry/port.js'
import { forcedPastNamed } from '../report/markdown.js'
import type { PromoteAction, PromoteResult } from '../report/promote.js'
import { bindCandidate, versionToPromote } from './bind-candidate.js'
import { exitCodeFor } from './exit-code.js'
import type { CommandResult, RegistryContext } from './registry-context.js'

export interface PromoteOptions {
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
  /** The pull request's reviews (from GitHub): runs the approvals gate instead of failing it. */
  reviews?: ReviewEvidence
  /** The check runs on the pull request's head commit: runs the required-checks gate. */
  checkRuns?: CheckRunEvidence
  /**
   * Where the candidate's attestations are read and how bundles are verified: runs a stage's
   * `provenance:` gate (without it, that gate fails closed).
   */
  attestations?: AttestationAccess
  /**
   * Probes a stage's monitor source for its holder: runs `monitoring: required` (without it,
   * that gate fails closed whenever the stage has a holder).
   */
  monitoringProbe?: MonitoringProber
  /** What was checked before (the actor's right to force, in the action): recorded as gates. */
  checks?: GateResult[]
  /**
   * The commit a push promotes from: when the registry already holds a promotion of this model
   * and stage written from it, the push was handled (a re-run) and nothing is done again.
   */
  onceForCommit?: string
  /** A pull request: a version already in the stage is evaluated all the same (nothing written). */
  evaluateHeld?: boolean
}

/** The attestations port for a `provenance:` repository, and the verifier over the trusted root. */
export interface AttestationAccess {
  /** The source for the policy's repository (`owner/name`). */
  sourceFor: (repository: string) => AttestationSource
  /** Made on first need (a stage without `provenance:` reads no trusted root). */
  verifier: () => Promise<ProvenanceVerifier>
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
  if (options.force && !options.reason?.trim()) {
    throw new InvalidInputError('--force needs --reason: a forced promotion is recorded with why')
  }
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
  const rules = findStage(options.policy, options.stage).provenance
  const provenance =
    rules && options.attestations
      ? {
          evidence: await collectAttestations(
            options.attestations.sourceFor(rules.repository),
            candidate
          ),
          verifier: await options.attestations.verifier()
        }
      : undefined
  const evaluate = async (holder: StageHolder | undefined) =>
    evaluatePromotion(context, options, {
      version,
      candidate,
      holder,
      record,
      removal,
      ...(provenance ? { provenance } : {})
    })
  const audit = (judged: Judged, written: boolean): AuditRecord =>
    promotionAudit({
      evaluation: options.checks?.length
        ? { ...judged.evaluation, gates: [...options.checks, ...judged.evaluation.gates] }
        : judged.evaluation,
      candidate,
      version,
      from: judged.from,
      written,
      forced: Boolean(options.force) && !passes(judged.evaluation),
      actor: context.actor,
      reason: options.reason,
      run: context.runFacts ?? {},
      at: context.now()
    })

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
    auditFor(context, options, stored),
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
        return auditFor(context, options, stored)
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

function passes(evaluation: Evaluation): boolean {
  return evaluation.decision === 'pass' || evaluation.decision === 'pass-with-warnings'
}

/** An evaluation, and the stage the transition gate found the version in. */
interface Judged {
  evaluation: Evaluation
  from: string | null
}

async function evaluatePromotion(
  context: RegistryContext,
  options: PromoteOptions,
  subject: {
    version: string
    candidate: Candidate
    holder: StageHolder | undefined
    record: NonNullable<Awaited<ReturnType<RegistryContext['registry']['getVersion']>>>
    removal: StageRemoval | undefined
    provenance?: { evidence: ProvenanceEvidence; verifier: ProvenanceVerifier }
  }
): Promise<Judged> {
  const { policy, stage } = options
  const stagePolicy = findStage(policy, stage)
  const transition = transitionGate({
    version: subject.version,
    targetStage: stage,
    allowedFrom: stagePolicy.from,
    currentStages: subject.record.stages,
    registeredAt: subject.record.registeredAt
  })
  const champion = subject.holder
    ? await context.models.loadVersion(policy.model, subject.holder.version)
    : undefined
  const monitoringProbe =
    stagePolicy.monitoring === 'required' &&
    stagePolicy.monitor &&
    subject.holder &&
    options.monitoringProbe
      ? await options.monitoringProbe(stagePolicy.monitor, {
          model: policy.model,
          stage,
          version: subject.holder.version,
          now: context.now()
        })
      : undefined
  const evaluation = evaluateStage({
    policy,
    stage,
    candidate: { ...subject.candidate, label: subject.version, version: subject.version },
    champion: champion && {
      label: champion.info?.version ?? subject.holder?.version ?? 'champion',
      version: subject.holder?.version,
      metrics: champion.metrics,
      invalidMetrics: champion.invalidMetrics,
      signature: champion.signature
    },
    now: context.now(),
    source: transition.source,
    // A terminal has no pull request: approvals and checks fail closed unless forced.
    evaluator: 'promote',
    ...(options.reviews ? { reviews: options.reviews } : {}),
    ...(options.checkRuns ? { checkRuns: options.checkRuns } : {}),
    ...(subject.provenance ? { provenance: subject.provenance } : {}),
    ...(monitoringProbe ? { monitoringProbe } : {})
  })
  const rolledBack = rolledBackGate({ version: subject.version, stage, removal: subject.removal })
  const gates = [transition.gate, ...(rolledBack ? [rolledBack] : []), ...evaluation.gates]
  return {
    evaluation: { ...evaluation, gates, decision: decide(gates, evaluation.warnings) },
    from: transition.source?.stage ?? null
  }
}

/** The registry's audit facts: who and why for the backend, and the whole record. */
function auditFor(
  context: RegistryContext,
  options: PromoteOptions,
  record: AuditRecord
): AuditFacts {
  return {
    actor: context.actor,
    actorEmail: context.actorEmail,
    reason: options.reason,
    ...(record.kind === 'forced-promotion'
      ? { forced: true, forcedPast: forcedPastNamed(record.gates) }
      : {}),
    record
  }
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
