import type { Candidate, Signature } from '../candidate/types.js'
import type { Policy, StagePolicy } from '../policy/schema.js'
import { findStage } from '../policy/stages.js'
import { approvalsGate, type ReviewEvidence } from './approvals.js'
import { artifactGate } from './artifact.js'
import { checksGate, type CheckRunEvidence } from './checks.js'
import { dataQualityGate } from './data-quality.js'
import { plural } from './format.js'
import { minDaysGate } from './min-days.js'
import { monitoringGate, type MonitoringProbe } from './monitoring.js'
import { hasDangerousImport, modelScanGate } from './model-scan.js'
import { provenanceGate, type ProvenanceEvidence, type ProvenanceVerifier } from './provenance.js'
import { regressionGate } from './regression.js'
import { schemaGate } from './schema.js'
import { thresholdsGate } from './thresholds.js'
import type { Decision, Evaluation, GateResult, ModelSide } from './types.js'

/**
 * Context a caller may be unable to supply. The gates needing it are then reported as
 * `skipped` (with a warning), never passed: `check` runs outside any pull request or registry.
 */
export type UnavailableContext =
  'approvals' | 'checks' | 'source-stage-dates' | 'monitoring-probe' | 'attestations'

export interface EvaluateInput {
  policy: Policy
  /** The target stage. */
  stage: string
  candidate: Candidate & { label: string; version?: string }
  /** The version holding the target stage now; absent on a first promotion. */
  champion?: ModelSide & { signature?: Signature }
  now: Date
  /** The stage the candidate is promoted from and when it entered it, for the soak gate. */
  source?: { stage: string; enteredAt: Date }
  /** What the caller could not provide. */
  unavailable?: readonly UnavailableContext[]
  /** The command evaluating, named in skipped gates: `not evaluated by check: …`. */
  evaluator?: string
  /** The pull request's reviews, with permissions and team memberships: runs the approvals gate. */
  reviews?: ReviewEvidence
  /** The check runs on the head commit: runs the required-checks gate. */
  checkRuns?: CheckRunEvidence
  /** A probe of the stage's monitor source for the champion: runs `monitoring: required`. */
  monitoringProbe?: MonitoringProbe
  /** The attestation bundles read for the candidate's digests, and the verifier: runs `provenance:`. */
  provenance?: { evidence: ProvenanceEvidence; verifier: ProvenanceVerifier }
}

/**
 * Run every gate the target stage configures and decide. Pure: no I/O, no clock (`now` comes in).
 *
 * A gate counts as configured when it asks for something: a threshold or regression list with
 * at least one metric, a `schema` or `artifact` section, `min_days_in_source_stage` above 0,
 * at least one required check, an `approvals` section. The artifact gate also runs, with
 * `checksums: optional` semantics, whenever the candidate came with a checksums file, so a
 * mismatched or missing file always fails even on a stage without artifact rules; the model-scan
 * gate likewise runs whenever the candidate's scan found a dangerous import.
 *
 * Gates needing context the caller listed as unavailable are `skipped`; gates needing context
 * the caller did not list but did not supply either fail (fail closed). Approvals and required
 * checks run on `reviews` and `checkRuns` when given; without them they are skipped when
 * listed as unavailable and fail otherwise.
 *
 * Decision: any `fail` → `blocked`; else any `pending` → `pending`; else any warning (every
 * skipped gate adds one) → `pass-with-warnings`; else `pass`. A stage with no gates configured
 * is never a plain `pass`: it warns that nothing beyond its stage order was checked.
 *
 * @throws NotFoundError when the policy has no such stage (exit code 3).
 */
export function evaluateStage(input: EvaluateInput): Evaluation {
  const { policy, candidate, champion, now } = input
  const stagePolicy = findStage(policy, input.stage)
  // Stryker disable next-line ArrayDeclaration: a made-up entry names no context, so nothing reads it
  const unavailable = new Set(input.unavailable ?? [])
  const notEvaluated = `not evaluated ${input.evaluator ? `by ${input.evaluator}` : 'in this run'}`
  const gates: GateResult[] = []
  let configured = 0

  const thresholds = stagePolicy.thresholds ?? {}
  if (Object.keys(thresholds).length > 0) {
    configured++
    gates.push(thresholdsGate({ rules: thresholds, candidate, champion }))
  }

  const regression = stagePolicy.regression ?? {}
  if (Object.keys(regression).length > 0) {
    configured++
    gates.push(
      regressionGate({
        rules: regression,
        goals: policy.metrics,
        candidate,
        champion,
        stage: input.stage
      })
    )
  }

  if (stagePolicy.schema) {
    configured++
    gates.push(
      schemaGate({
        compatibility: stagePolicy.schema.compatibility,
        candidate: candidate.signature,
        champion: champion && { label: champion.label, signature: champion.signature },
        stage: input.stage
      })
    )
  }

  if (stagePolicy.artifact) configured++
  if (stagePolicy.artifact || candidate.checksums) {
    gates.push(
      artifactGate({
        rules: stagePolicy.artifact,
        files: candidate.files,
        totalBytes: candidate.totalBytes,
        checksums: candidate.checksums
      })
    )
  }

  // Like checksums: a dangerous import fails even a stage that asks for no scan.
  if (stagePolicy.model_scan) configured++
  if (stagePolicy.model_scan || hasDangerousImport(candidate.scan)) {
    gates.push(modelScanGate({ rules: stagePolicy.model_scan, scan: candidate.scan }))
  }

  if (stagePolicy.data_quality) {
    configured++
    gates.push(
      dataQualityGate({
        rules: stagePolicy.data_quality,
        report: candidate.dataQuality,
        info: candidate.info
      })
    )
  }

  if (stagePolicy.provenance) {
    configured++
    const rules = stagePolicy.provenance
    gates.push(
      !input.provenance && unavailable.has('attestations')
        ? {
            gate: 'provenance',
            status: 'skipped',
            summary: `${notEvaluated}: needs the candidate's attestations from GitHub`,
            details: [
              `attested by: ${rules.repository} ${rules.workflow}${rules.ref ? `@${rules.ref}` : ''}`
            ]
          }
        : provenanceGate({
            rules,
            files: candidate.files,
            ...(candidate.checksums ? { checksums: candidate.checksums } : {}),
            ...(input.provenance ?? {})
          })
    )
  }

  if (stagePolicy.monitoring === 'required') {
    configured++
    const holder = champion ? (champion.version ?? champion.label) : undefined
    gates.push(
      stagePolicy.monitor &&
        holder !== undefined &&
        !input.monitoringProbe &&
        unavailable.has('monitoring-probe')
        ? {
            gate: 'monitoring',
            status: 'skipped',
            summary: `${notEvaluated}: needs a probe of the monitor source for ${holder}`,
            details: [`triggers: ${stagePolicy.monitor.triggers.map(t => t.name).join(', ')}`]
          }
        : monitoringGate({
            stage: input.stage,
            monitor: stagePolicy.monitor,
            probe: input.monitoringProbe,
            ...(holder === undefined ? {} : { holder })
          })
    )
  }

  const minDays = stagePolicy.min_days_in_source_stage ?? 0
  if (minDays > 0) {
    configured++
    const sourceStage = input.source?.stage ?? onlySource(stagePolicy)
    if (unavailable.has('source-stage-dates')) {
      gates.push({
        gate: 'min_days_in_source_stage',
        status: 'skipped',
        summary: `${notEvaluated}: needs the date the version entered ${sourceStage ?? stagePolicy.from.join(' or ')}`,
        details: [`${plural(minDays, 'day')} in the source stage required`]
      })
    } else {
      gates.push(minDaysGate({ minDays, sourceStage, enteredAt: input.source?.enteredAt, now }))
    }
  }

  const checks = stagePolicy.checks ?? []
  if (checks.length > 0) {
    configured++
    const details = checks.map(name => `required: ${name}`)
    gates.push(
      input.checkRuns
        ? checksGate({ ...input.checkRuns, required: checks })
        : unavailable.has('checks')
          ? {
              gate: 'checks',
              status: 'skipped',
              summary: `${notEvaluated}: needs the check runs on the head commit`,
              details
            }
          : {
              gate: 'checks',
              status: 'fail',
              summary:
                'no check-run results were supplied, so the required checks cannot be verified',
              details
            }
    )
  }

  if (stagePolicy.approvals) {
    configured++
    const details = describeApprovals(stagePolicy.approvals)
    gates.push(
      input.reviews
        ? approvalsGate({ ...input.reviews, rules: stagePolicy.approvals })
        : unavailable.has('approvals')
          ? {
              gate: 'approvals',
              status: 'skipped',
              summary: `${notEvaluated}: needs pull-request reviews`,
              details
            }
          : {
              gate: 'approvals',
              status: 'fail',
              summary: 'no pull-request reviews were supplied, so approvals cannot be verified',
              details
            }
    )
  }

  const warnings: string[] = []
  // The stage order (`from`) and the rolled-back mark are judged around these by the caller: the
  // warning says what the stage itself asks for, nothing more.
  if (configured === 0) {
    warnings.push(
      `${input.stage} configures no gates beyond its stage order (no thresholds, regression, artifact, approvals or other checks), so none of those was checked`
    )
  }
  for (const gate of gates) {
    if (gate.status === 'skipped') warnings.push(skippedWarning(gate))
  }
  warnings.push(...unusedInvalidMetrics(input, gates))

  const evaluation: Evaluation = {
    model: policy.model,
    stage: input.stage,
    evaluatedAt: now.toISOString(),
    candidate: {
      label: candidate.label,
      ...optional('version', candidate.version ?? candidate.info?.version),
      metrics: { ...candidate.metrics },
      invalidMetrics: { ...candidate.invalidMetrics },
      totalBytes: candidate.totalBytes,
      fileCount: candidate.files.length
    },
    gates,
    warnings,
    decision: decide(gates, warnings)
  }
  if (champion) {
    evaluation.champion = {
      label: champion.label,
      ...optional('version', champion.version),
      metrics: { ...champion.metrics },
      ...optional('invalidMetrics', champion.invalidMetrics && { ...champion.invalidMetrics })
    }
  }
  return evaluation
}

/** The warning a skipped gate adds; the report recognises it by this exact text. */
export function skippedWarning(gate: GateResult): string {
  return `${gate.gate} skipped: ${gate.summary}`
}

/** The overall decision from the gates and warnings (see {@link evaluateStage}). */
export function decide(gates: readonly GateResult[], warnings: readonly string[]): Decision {
  if (gates.some(gate => gate.status === 'fail')) return 'blocked'
  if (gates.some(gate => gate.status === 'pending')) return 'pending'
  if (warnings.length > 0 || gates.some(gate => gate.status === 'skipped')) {
    return 'pass-with-warnings'
  }
  return 'pass'
}

function onlySource(stage: StagePolicy): string | undefined {
  return stage.from.length === 1 ? stage.from[0] : undefined
}

function describeApprovals(approvals: NonNullable<StagePolicy['approvals']>): string[] {
  const lines: string[] = []
  if (approvals.required > 0) {
    lines.push(`${plural(approvals.required, 'approval')} from reviewers with write access`)
  }
  for (const group of approvals.groups ?? []) {
    const members = [
      ...(group.teams ?? []).map(team => `team ${team}`),
      ...(group.users ?? []).map(user => `user ${user}`)
    ]
    lines.push(
      `${group.name}: ${group.min} of ${members.length > 0 ? members.join(', ') : 'nobody listed'}`
    )
  }
  if (lines.length === 0) lines.push('an approvals section with no required count or groups')
  return lines
}

/**
 * One warning per unusable candidate metric that no evaluated check looked at: it fails no
 * gate, but it is probably a bug in the training job's output.
 */
function unusedInvalidMetrics(input: EvaluateInput, gates: readonly GateResult[]): string[] {
  const checked = new Set(
    gates.flatMap(gate =>
      // Stryker disable next-line ArrayDeclaration: a made-up entry has no metric name, so it marks none checked
      (gate.checks ?? []).filter(c => c.status !== 'skipped').map(c => c.metric)
    )
  )
  const used = metricsNamedByPolicy(input.policy)
  return Object.keys(input.candidate.invalidMetrics)
    .filter(name => !checked.has(name))
    .sort()
    .map(name => {
      // Stryker disable next-line StringLiteral: name comes from the keys of this record, so the fallback never applies
      const why = input.candidate.invalidMetrics[name] ?? 'is not a number'
      const consequence = used.has(name)
        ? `not checked for ${input.stage}`
        : 'not used by this policy'
      return `metrics.json: ${name} ${why} — ${consequence}`
    })
}

function metricsNamedByPolicy(policy: Policy): Set<string> {
  const names = new Set(Object.keys(policy.metrics))
  for (const stage of Object.values(policy.stages)) {
    for (const name of Object.keys(stage.thresholds ?? {})) names.add(name)
    for (const name of Object.keys(stage.regression ?? {})) names.add(name)
  }
  return names
}

/** `{ key: value }` when the value is defined, `{}` otherwise: keeps absent fields absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V })
}

// Callers found it here before it moved to policy/ (gates throw nothing of their own).
export { findStage }
