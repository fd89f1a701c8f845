import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Candidate, Signature } from '../candidate/types.js'
import type { Evaluation, GateResult, ProvenanceFinding, ScanFinding } from '../gates/types.js'
import { MonitorEvidence } from './monitor-evidence.js'

/** Names the format of every audit record; a reader refuses records of another. */
export const AUDIT_SCHEMA = 'modelgate.audit/v1'

const Metrics = z.record(z.string(), z.number())

const GateCheck = z.object({
  metric: z.string(),
  candidate: z.number().optional(),
  champion: z.number().optional(),
  rule: z.string(),
  status: z.enum(['pass', 'fail', 'pending', 'skipped']),
  problem: z.string().optional()
})

const GateRecord = z.object({
  gate: z.string(),
  status: z.enum(['pass', 'fail', 'pending', 'skipped']),
  summary: z.string(),
  checks: z.array(GateCheck).optional().describe('The numbers behind the gate, metric by metric.'),
  details: z.array(z.string()).optional()
})

/**
 * One promotion, forced promotion, rollback or refused attempt: what was decided, on what
 * evidence, by whom. Written to the job summary, uploaded as a workflow artifact and (when the
 * registry was written) stored with the registry's own record of the change.
 */
export const AuditRecord = z
  .object({
    schema: z.literal(AUDIT_SCHEMA),
    kind: z
      .enum(['promotion', 'forced-promotion', 'rollback', 'automatic-rollback', 'refused'])
      .describe(
        '`refused`: an attempt that wrote nothing (a gate failed, or the actor had no right). `automatic-rollback`: by `modelgate monitor` on a breach (see `monitor`).'
      ),
    written: z.boolean().describe('Whether the registry was changed.'),
    model: z.string(),
    version: z
      .string()
      .nullable()
      .describe('The version promoted, or put back by a rollback; null when never named.'),
    from: z
      .string()
      .nullable()
      .describe(
        'Promotion: the stage the version came from (`candidate` for a registered version). Rollback: the stage.'
      ),
    to: z.string().describe('The stage written (or that would have been).'),
    previous: z
      .string()
      .nullable()
      .describe(
        'The version that held the stage before: the champion, or the version rolled back.'
      ),
    decision: z
      .enum(['pass', 'pass-with-warnings', 'pending', 'blocked', 'rolled-back', 'denied'])
      .describe(
        "The gates' decision; `rolled-back` for a rollback; `denied` when the actor had no right."
      ),
    gates: z.array(GateRecord),
    metrics: z
      .object({
        candidate: Metrics,
        champion: Metrics.nullable(),
        unused: z
          .object({ candidate: z.number().int(), champion: z.number().int() })
          .optional()
          .describe('How many metrics of each side no gate of the stage used, left out above.')
      })
      .describe('The metrics the gates used; the others are only counted, to bound the record.'),
    artifact: z
      .object({
        files: z.array(z.object({ path: z.string(), sha256: z.string(), size: z.number() })),
        totalBytes: z.number()
      })
      .nullable()
      .describe("The candidate's files as hashed for the evaluation; null for a rollback."),
    signature: z
      .object({ source: z.string(), sha256: z.string() })
      .nullable()
      .describe('Digest of the normalised feature schema / model signature (inputs and outputs).'),
    trainingData: z.string().nullable().describe('model.yaml `training_data_snapshot`.'),
    featureView: z.string().nullable().describe('model.yaml `feature_view_version`.'),
    pullRequest: z
      .object({
        number: z.number().int(),
        url: z.string().optional(),
        approvers: z
          .array(z.object({ login: z.string(), commit: z.string().optional() }))
          .describe('The approvals that counted, with the commit each was given on.')
      })
      .nullable(),
    actor: z
      .string()
      .describe(
        'Who acted and whose rights were checked: on a re-run, whoever re-ran it (`GITHUB_TRIGGERING_ACTOR`).'
      ),
    initialActor: z
      .string()
      .optional()
      .describe(
        "`GITHUB_ACTOR`: who started the run's first attempt, which a re-run keeps; absent outside GitHub Actions."
      ),
    event: z.string().describe('The GitHub event, or `cli`.'),
    commitSha: z.string().nullable(),
    runUrl: z.string().nullable(),
    timestamp: z.iso.datetime(),
    reason: z.string().nullable().describe('Why: required for rollbacks and forced promotions.'),
    monitor: MonitorEvidence.optional(),
    rollout: z
      .object({ step: z.enum(['start', 'advance', 'hold', 'abort', 'complete']) })
      .optional()
      .describe(
        'A refused `command: rollout` (the actor had no right): the step attempted. Rollout steps written are registry events of their own, not audit records.'
      ),
    modelScan: z
      .object({
        findings: z.array(
          z.object({
            location: z.string(),
            offset: z.number().optional(),
            global: z.string().optional(),
            verdict: z.enum(['dangerous', 'not-allowed', 'unreadable']),
            why: z.string()
          })
        )
      })
      .optional()
      .describe(
        'What failed the model-file scan: file (and entry), byte offset, module.name, why.'
      ),
    provenance: z
      .object({
        repository: z.string(),
        workflow: z.string(),
        ref: z.string().optional(),
        attested: z.array(
          z.object({
            path: z.string(),
            sha256: z.string(),
            via: z.string().optional(),
            ref: z.string(),
            commit: z.string().optional(),
            runner: z.string(),
            loggedAt: z.string().optional()
          })
        ),
        unattested: z.array(z.object({ path: z.string(), sha256: z.string(), why: z.string() }))
      })
      .optional()
      .describe(
        "The provenance gate's evidence: each file attested (directly, or `via` the attested checksums file) with the certificate's ref, commit and runner and the transparency log's time; each file not attested, with why."
      )
  })
  .strict()

export type AuditRecord = z.infer<typeof AuditRecord>

/** What the run knows about itself, passed down from the composition root. */
export const RunFacts = z
  .object({
    event: z.string().optional(),
    sha: z.string().optional(),
    runUrl: z.string().optional(),
    pullRequest: z.object({ number: z.number().int(), url: z.string().optional() }).optional(),
    /** `GITHUB_ACTOR`, kept on re-runs; the record's `actor` is whoever triggered this attempt. */
    initialActor: z.string().optional()
  })
  .strict()

export type RunFacts = z.infer<typeof RunFacts>

/**
 * What `register` keeps with a registration: the run's facts as they were (event, commit, run
 * URL, pull request, first actor), no decision to record.
 */
export const RegistrationRecord = RunFacts

export type RegistrationRecord = RunFacts

/**
 * The record a write hands the registry port (port.ts `AuditFacts.record`), which the adapters
 * keep whole with the registry's own record of the change: a promotion's or rollback's
 * AuditRecord, or a registration's run facts. What comes back is read through `auditRecordOf`
 * (any tool may have written it), never trusted to be one of these.
 */
export const WrittenRecord = z.union([AuditRecord, RegistrationRecord])

export type WrittenRecord = z.infer<typeof WrittenRecord>

export interface PromotionAuditInput {
  evaluation: Evaluation
  candidate: Candidate
  version: string
  /** The stage the transition gate found the version in. */
  from: string | null
  written: boolean
  forced: boolean
  actor: string
  reason?: string
  run: RunFacts
  at: Date
}

/** The record of a promotion attempt, written or not. */
export function promotionAudit(input: PromotionAuditInput): AuditRecord {
  const { evaluation, candidate } = input
  const approvals = evaluation.gates.find(gate => gate.gate === 'approvals')?.approvals
  return AuditRecord.parse({
    schema: AUDIT_SCHEMA,
    kind: !input.written ? 'refused' : input.forced ? 'forced-promotion' : 'promotion',
    written: input.written,
    model: evaluation.model,
    version: input.version,
    from: input.from,
    to: evaluation.stage,
    previous: evaluation.champion?.version ?? null,
    decision: evaluation.decision,
    gates: evaluation.gates.map(gateRecord),
    metrics: usedMetrics(evaluation),
    artifact: {
      files: candidate.files.map(file => ({
        path: file.path,
        sha256: file.sha256,
        size: file.size
      })),
      totalBytes: candidate.totalBytes
    },
    signature: candidate.signature
      ? { source: candidate.signature.source, sha256: signatureDigest(candidate.signature) }
      : null,
    trainingData: candidate.info?.training_data_snapshot ?? null,
    featureView: candidate.info?.feature_view_version ?? null,
    pullRequest: input.run.pullRequest
      ? {
          ...input.run.pullRequest,
          approvers: (approvals?.approvedBy ?? []).map(r => ({
            login: r.login,
            ...(r.commit ? { commit: r.commit } : {})
          }))
        }
      : null,
    ...common(input.actor, input.run, input.at, input.reason),
    ...scanRecord(evaluation.gates),
    ...provenanceRecord(evaluation.gates)
  })
}

/** The provenance gate's evidence, when it ran. */
function provenanceRecord(gates: readonly GateResult[]): { provenance?: ProvenanceFinding } {
  const provenance = gates.find(gate => gate.gate === 'provenance')?.provenance
  return provenance ? { provenance } : {}
}

/** The model-scan gate's findings, when it ran and found any. */
function scanRecord(gates: readonly GateResult[]): { modelScan?: { findings: ScanFinding[] } } {
  const findings = gates.find(gate => gate.gate === 'model_scan')?.findings
  return findings?.length ? { modelScan: { findings } } : {}
}

export interface RollbackAuditInput {
  model: string
  stage: string
  /** The version put back; null when the attempt was refused before one was chosen. */
  restored: string | null
  rolledBack: string | null
  written: boolean
  /** `denied`: the actor had no right (nothing was read from the registry). */
  denied?: boolean
  /** Checks made before the rollback (the actor's right), as gates. */
  gates?: GateResult[]
  /** A refused rollout step (`command: rollout`): the step attempted. */
  rolloutStep?: 'start' | 'advance' | 'hold' | 'abort' | 'complete'
  actor: string
  reason?: string
  run: RunFacts
  at: Date
}

/** The record of a rollback, or of a refused rollback, forced promotion or rollout step. */
export function rollbackAudit(input: RollbackAuditInput): AuditRecord {
  return AuditRecord.parse({
    schema: AUDIT_SCHEMA,
    kind: input.written ? 'rollback' : 'refused',
    written: input.written,
    model: input.model,
    version: input.restored,
    from: input.stage,
    to: input.stage,
    previous: input.rolledBack,
    decision: input.denied ? 'denied' : 'rolled-back',
    gates: (input.gates ?? []).map(gateRecord),
    metrics: { candidate: {}, champion: null },
    artifact: null,
    signature: null,
    trainingData: null,
    featureView: null,
    pullRequest: input.run.pullRequest ? { ...input.run.pullRequest, approvers: [] } : null,
    ...common(input.actor, input.run, input.at, input.reason),
    ...(input.rolloutStep ? { rollout: { step: input.rolloutStep } } : {})
  })
}

/**
 * The metrics the stage's gates looked at, and a count of the rest: a metrics.json may hold
 * any number of metrics no gate uses (100k made a 5.6 MB record), and the record is stored in
 * a tag, a job summary and an artifact.
 */
function usedMetrics(evaluation: Evaluation): AuditRecord['metrics'] {
  const used = new Set(evaluation.gates.flatMap(gate => (gate.checks ?? []).map(c => c.metric)))
  const keep = (metrics: Record<string, number>) => {
    const entries = Object.entries(metrics)
    // fromEntries defines own properties: a metric named `__proto__` stays a plain key.
    const kept = Object.fromEntries(entries.filter(([name]) => used.has(name)))
    return { kept, unused: entries.length - Object.keys(kept).length }
  }
  const candidate = keep(evaluation.candidate.metrics)
  const champion = evaluation.champion ? keep(evaluation.champion.metrics) : undefined
  return {
    candidate: candidate.kept,
    champion: champion?.kept ?? null,
    unused: { candidate: candidate.unused, champion: champion?.unused ?? 0 }
  }
}

function common(actor: string, run: RunFacts, at: Date, reason: string | undefined) {
  return {
    actor,
    ...(run.initialActor ? { initialActor: run.initialActor } : {}),
    event: run.event ?? 'cli',
    commitSha: run.sha ?? null,
    runUrl: run.runUrl ?? null,
    timestamp: at.toISOString(),
    reason: reason?.trim() ? reason : null
  }
}

function gateRecord(gate: GateResult): z.input<typeof GateRecord> {
  return {
    gate: gate.gate,
    status: gate.status,
    summary: gate.summary,
    ...(gate.checks ? { checks: gate.checks.map(check => ({ ...check })) } : {}),
    ...(gate.details ? { details: gate.details } : {})
  }
}

/**
 * SHA-256 of the signature's inputs and outputs as canonical JSON (name, type, required, in
 * order): two candidates with the same digest take and give the same columns, whichever file
 * (MLmodel or schema.json) they came from.
 */
export function signatureDigest(signature: Signature): string {
  const side = (fields: Signature['inputs']) =>
    fields.map(field => [field.name, field.type, field.required])
  const canonical = JSON.stringify({
    inputs: side(signature.inputs),
    outputs: side(signature.outputs)
  })
  return createHash('sha256').update(canonical).digest('hex')
}

/**
 * The audit record stored with a registry event, when it is one: the registries keep it under
 * `record`. Older ModelGate records (before this format) and damaged ones give undefined.
 */
export function auditRecordOf(audit: Record<string, unknown> | undefined): AuditRecord | undefined {
  const parsed = AuditRecord.safeParse(audit?.record)
  return parsed.success ? parsed.data : undefined
}

/** The artifact name a run uploads a record under: `modelgate-audit-<model>-<version>-<run id>`. */
export function auditArtifactName(record: AuditRecord, runId: string): string {
  const part = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_')
  return `modelgate-audit-${part(record.model)}-${part(record.version ?? 'none')}-${part(runId)}`
}

/** The `$id` of the published audit record schema. */
export const AUDIT_SCHEMA_ID = 'urn:modelgate:audit-record:v1'

/** `schemas/audit-record.schema.json` exactly as `npm run schema` writes it. */
export function auditSchemaFileText(): string {
  const schema = z.toJSONSchema(AuditRecord, { target: 'draft-2020-12', io: 'output' })
  const { $schema, ...rest } = schema
  const document = { $schema, $id: AUDIT_SCHEMA_ID, title: 'ModelGate audit record', ...rest }
  return `${JSON.stringify(document, null, 2)}\n`
}
