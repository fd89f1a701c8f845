/**
 * Judging a version for a stage: the one evaluation `promote --to STAGE` and `rollout --stage
 * STAGE --start` both run, so what is judged is what is promoted, whichever door it takes. The
 * stage order (transition), the rolled-back mark, and every gate the stage configures
 * (gates/evaluate.ts: thresholds, regression against a champion, schema, artifact, model scan,
 * data quality, provenance, monitoring, days in the source stage, required checks, approvals),
 * plus any gates the caller judged first (a rollout's shadow). The gates stay pure: this reads
 * what they need (the champion's files, the provenance bundles, the monitoring probe) and hands
 * it to them. Also the audit record of the judgement, and the registry facts that carry it.
 */
import { promotionAudit, type AuditRecord } from '../audit/record.js'
import type { Candidate } from '../candidate/types.js'
import { InvalidInputError } from '../errors.js'
import type { ReviewEvidence } from '../gates/approvals.js'
import type { CheckRunEvidence } from '../gates/checks.js'
import { decide, evaluateStage, findStage } from '../gates/evaluate.js'
import type { ProvenanceEvidence, ProvenanceVerifier } from '../gates/provenance.js'
import { rolledBackGate } from '../gates/rolled-back.js'
import { transitionGate } from '../gates/transition.js'
import type { Evaluation, GateResult } from '../gates/types.js'
import type { MonitoringProber } from '../monitor/probe.js'
import type { Policy } from '../policy/schema.js'
import { collectAttestations, type AttestationSource } from '../provenance/collect.js'
import type { StageRemoval } from '../gates/rolled-back.js'
import type { AuditFacts, StageHolder, VersionRecord } from '../registry/port.js'
import { forcedPastNamed } from '../report/markdown.js'
import type { RegistryContext } from './registry-context.js'

/** What the root supplies for a stage's judgement (none of it: those gates fail closed). */
export interface JudgingEvidence {
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
}

/** The attestations port for a `provenance:` repository, and the verifier over the trusted root. */
export interface AttestationAccess {
  /** The source for the policy's repository (`owner/name`). */
  sourceFor: (repository: string) => AttestationSource
  /** Made on first need (a stage without `provenance:` reads no trusted root). */
  verifier: () => Promise<ProvenanceVerifier>
}

/** The stage judged, and how: the policy, the evidence, and whether a failing gate is forced past. */
export interface JudgingOptions extends JudgingEvidence {
  policy: Policy
  stage: string
  /** Past gates that do not pass: needs a reason, and is recorded. */
  force?: boolean
  reason?: string
}

/** The version judged, against whom. */
export interface JudgedSubject {
  version: string
  candidate: Candidate
  /** The champion: the version the regression and schema gates compare with. */
  holder: StageHolder | undefined
  /** The stage `holder` holds, when it is not the judged stage (a rollout's start). */
  championStage?: string
  record: VersionRecord
  /** When the registry says the version was taken out of the stage (the rolled-back gate). */
  removal: StageRemoval | undefined
  provenance?: { evidence: ProvenanceEvidence; verifier: ProvenanceVerifier }
  /** Gates judged before this one (a canary's shadow): decided with the rest. */
  more?: GateResult[]
}

/** An evaluation, and the stage the transition gate found the version in. */
export interface Judged {
  evaluation: Evaluation
  from: string | null
}

/** A force is recorded with why: refused without a reason (exit 2). */
export function requireForceReason(options: { force?: boolean; reason?: string }, what: string) {
  if (options.force && !options.reason?.trim()) {
    throw new InvalidInputError(`--force needs --reason: a forced ${what} is recorded with why`)
  }
}

export function passes(evaluation: Evaluation): boolean {
  return evaluation.decision === 'pass' || evaluation.decision === 'pass-with-warnings'
}

/** The provenance evidence for the stage's `provenance:` rules, read once (none: that gate fails closed). */
export async function provenanceFor(
  options: Pick<JudgingOptions, 'policy' | 'stage' | 'attestations'>,
  candidate: Candidate
): Promise<JudgedSubject['provenance']> {
  const rules = findStage(options.policy, options.stage).provenance
  if (!rules || !options.attestations) return undefined
  return {
    evidence: await collectAttestations(
      options.attestations.sourceFor(rules.repository),
      candidate
    ),
    verifier: await options.attestations.verifier()
  }
}

/** Every gate of `options.stage` for `subject`, decided. */
export async function judgeStage(
  context: Pick<RegistryContext, 'models' | 'now'>,
  options: JudgingOptions,
  subject: JudgedSubject
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
  const gates = [
    transition.gate,
    ...(rolledBack ? [rolledBack] : []),
    ...(subject.more ?? []),
    ...evaluation.gates
  ]
  return {
    evaluation: {
      ...evaluation,
      ...(champion && subject.championStage && subject.championStage !== stage
        ? { championStage: subject.championStage }
        : {}),
      gates,
      decision: decide(gates, evaluation.warnings)
    },
    from: transition.source?.stage ?? null
  }
}

/** The audit record of a judgement: what was checked before, then the stage's gates. */
export function judgedAudit(
  context: Pick<RegistryContext, 'actor' | 'runFacts' | 'now'>,
  options: JudgingOptions,
  subject: Pick<JudgedSubject, 'version' | 'candidate'>,
  judged: Judged,
  written: boolean
): AuditRecord {
  return promotionAudit({
    evaluation: options.checks?.length
      ? { ...judged.evaluation, gates: [...options.checks, ...judged.evaluation.gates] }
      : judged.evaluation,
    candidate: subject.candidate,
    version: subject.version,
    from: judged.from,
    written,
    forced: Boolean(options.force) && !passes(judged.evaluation),
    actor: context.actor,
    reason: options.reason,
    run: context.runFacts ?? {},
    at: context.now()
  })
}

/** The registry's audit facts: who and why for the backend, and the whole record. */
export function auditFactsOf(
  context: Pick<RegistryContext, 'actor' | 'actorEmail'>,
  options: Pick<JudgingOptions, 'reason'>,
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
