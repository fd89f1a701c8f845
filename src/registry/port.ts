/**
 * The Registry port: the one interface every backend (git tags, MLflow)
 * implements. Commands talk only to this; only the composition root (main.ts,
 * the CLI) picks an adapter.
 *
 * Backend-neutral on purpose: a `model` is the registry's name for it (GTO
 * artifact, MLflow registered model), a `version` is the registry's version
 * label (`v1.2.0` in git, `7` in MLflow), a `stage` is a GTO stage or an MLflow
 * alias. What a backend stores beyond that (tag names, counters, run ids) stays
 * in `id` and `ref`.
 *
 * Every write re-reads the registry itself before writing, is idempotent (a
 * re-run that would change nothing writes nothing and says why), and can be
 * previewed with `dryRun`.
 */
import type { WrittenRecord } from '../audit/record.js'
import type { RolloutStep, RolloutStepRequest } from '../rollout/step-types.js'

/**
 * What a registry keeps with an event, read back: JSON, as any tool (ModelGate, GTO, MLflow's
 * own client, an older ModelGate) may have written it. ModelGate's adapters keep their own
 * facts (`actor`, `reason`, `rollback: {from, to}`, ...) and, under `record`, the writer's
 * AuditFacts.record as stored: ModelGate's AuditRecord, another tool's JSON, or a note that the
 * stored record is damaged or was cut. Read it through audit/record.ts `auditRecordOf` (the
 * validated AuditRecord) and registry/stored-audit.ts (the backend's facts), never by casting.
 */
export type StoredAudit = Record<string, unknown>

/** Facts recorded with every write, so history can answer who, why and on what evidence. */
export interface AuditFacts {
  /** Who acts: a GitHub login, or a person's name on the CLI. */
  actor: string
  /** The actor's e-mail, when known (git: the tagger e-mail). */
  actorEmail?: string
  /** Required for rollbacks and forced promotions (the commands enforce it). */
  reason?: string
  forced?: boolean
  /**
   * A forced promotion: what it went past, in words (`forced past 2 failing gates: Thresholds,
   * Approvals`), for the first line of the registry's record (a GTO tag's message).
   */
  forcedPast?: string
  /**
   * The structured record kept with the write (audit/record.ts `WrittenRecord`): promote and
   * rollback pass their AuditRecord, register its run facts; the adapters store it whole and
   * give it back under StoredAudit `record`, read again through `auditRecordOf`.
   */
  record?: WrittenRecord
  /**
   * Registrations only: the content digest of the version's candidate files
   * (candidate/digest.ts), kept with the registration so a candidate directory can be
   * compared with the version cheaply.
   */
  candidateDigest?: string
}

/** A stage a version holds now, and since when. */
export interface VersionStage {
  stage: string
  /** When the version entered the stage (its latest assignment there). */
  since: Date
}

export interface VersionRecord {
  model: string
  version: string
  /** The commit (git) or run / source (mlflow) the version points at. */
  ref?: string
  registeredAt: Date
  registeredBy: string
  /** False once deregistered (git) or deleted/archived (mlflow): it can no longer be promoted. */
  active: boolean
  /** The stages the version is in now (several are possible, e.g. staging and production). */
  stages: VersionStage[]
  /**
   * The content digest of the version's candidate files recorded at registration
   * (candidate/digest.ts); absent for versions registered without one (GTO, MLflow's own
   * client, older ModelGate).
   */
  candidateDigest?: string
}

export interface StageHolder {
  model: string
  stage: string
  version: string
  assignedAt: Date
  assignedBy: string
  /** The commit (git) or run (mlflow) of the version. */
  ref?: string
  /** Backend identifier of the assignment (git: the tag name). */
  eventId: string
  /** What the registry kept with the assignment, when ModelGate wrote it. */
  audit?: StoredAudit
  /**
   * Git: other versions assigned to the stage in the same second (by other tools; ModelGate
   * never writes two stage events of a model in one second). GTO orders events within a second
   * by its own collection order; `version` is the one `gto show` shows.
   */
  sameSecondAs?: string[]
  /** The stage points at a version that no longer exists (MLflow keeps aliases of deleted versions). */
  dangling?: true
}

/** A version taken out of a stage (by a rollback or an unassignment) and not put back since. */
export interface StageRemoval {
  at: Date
  by: string
  /** Why, when the registry recorded it (rollbacks always have a reason). */
  reason?: string
  /** Backend identifier of the removal (git: the tag name). */
  eventId: string
}

/** One model's current state: who holds each stage. */
export interface ModelStatus {
  model: string
  /** GTO's `NAME@deprecated` (git); an archived model (mlflow). */
  deprecated: boolean
  /** One holder per stage that has one, sorted by stage name. */
  stages: StageHolder[]
  /**
   * Git: events this clone wrote with --no-push that origin does not have yet (only the local
   * registry holds them). Absent when there are none, or without a remote to compare with.
   */
  localOnly?: LocalOnlyEvent[]
  /**
   * Git: some version of the model was deregistered (`NAME@vX!#N`), so `status` reads the
   * history to say which holder that took out. Absent otherwise: status then reads no history.
   */
  deregistered?: true
}

/** A registry event kept in this clone only (git, --no-push): not on origin. */
export interface LocalOnlyEvent {
  /** The tag name. */
  id: string
  stage?: string
  version?: string
  /** Origin has a different event under the same name: this one can never be pushed. */
  conflict?: true
}

/** Where a write went (git): pushed to a remote, or kept in this clone. */
export interface WritePublication {
  /** The tags written, and the lease ref moved with them when pushed. */
  tags: string[]
  leaseRef?: string
  /** The remote pushed to, with its URL stripped of any credentials; absent when kept local. */
  remote?: { name: string; url: string }
  /** Why it stayed local: asked for (--no-push), or the checkout has no remote to push to. */
  local?: 'no-push' | 'no-remote'
}

export type RegistryEventKind =
  'registration' | 'deregistration' | 'assignment' | 'unassignment' | 'deprecation' | 'creation'

export interface RegistryEvent {
  kind: RegistryEventKind
  model: string
  version?: string
  stage?: string
  at: Date
  by: string
  byEmail?: string
  /** Backend identifier of the event (git: the tag name). */
  id: string
  /** The commit (git) or run (mlflow) the event points at. */
  ref?: string
  /** The readable first line of the event's message, when there is one. */
  summary?: string
  /** What the registry kept with the event, when ModelGate wrote it. */
  audit?: StoredAudit
  /**
   * The event's place in the model's own count, when the backend keeps one (git: the tag's
   * `#N`): a date out of step with it was set by hand (`report` flags it).
   */
  sequence?: number
}

/** What a write's `revalidate` callback sees: the registry as freshly re-read before the attempt. */
export interface RevalidateContext {
  model: string
  /** The stage being written; undefined for registrations. */
  stage?: string
  /** The stage's holder right now (the champion to evaluate against). */
  holder: StageHolder | undefined
  /** 1 for the first attempt; more after a lost race. */
  attempt: number
}

export interface WriteOptions {
  /** Compute and return what would be written; write nothing. */
  dryRun?: boolean
  /**
   * Called before every write attempt (the first included: the adapter re-reads
   * the registry first) with the current holder. Throw to stop the write (the
   * error propagates unchanged); return new audit facts to replace the ones
   * passed in (e.g. gates re-evaluated against a new champion). A replacement stands for the
   * attempts after it until another replaces it: return nothing to keep the facts given last.
   */
  revalidate?: (context: RevalidateContext) => void | AuditFacts | Promise<void | AuditFacts>
}

/** Why a write wrote nothing. */
export type NoWriteReason =
  'already in stage' | 'already registered' | 'not in stage' | 'step already recorded'

export type WriteResult =
  | {
      written: true
      /** The events written, oldest first. */
      events: RegistryEvent[]
      /** How many attempts it took (more than 1 after a lost race). */
      attempts: number
      /** Git: where the events went (a remote, or this clone only). */
      publication?: WritePublication
    }
  | { written: false; reason: NoWriteReason }
  | {
      written: false
      reason: 'dry run'
      /** Exactly what would be written, oldest first. */
      planned: RegistryEvent[]
    }

/** Rollout steps: their types belong to the pure rollout logic below the registry (rollout/). */
export type { RolloutStep, RolloutStepKind, RolloutStepRequest } from '../rollout/step-types.js'

export interface Registry {
  getVersion(model: string, version: string): Promise<VersionRecord | undefined>
  /** The version that holds `stage` now, if any. */
  getStage(model: string, stage: string): Promise<StageHolder | undefined>
  /** Each stage's current holder, for one model or every model. */
  status(model?: string): Promise<ModelStatus[]>
  /** Every event, newest first. */
  history(model?: string): Promise<RegistryEvent[]>
  /**
   * When `version` was last taken out of `stage` (a rollback or an unassignment), if it has not
   * been assigned to it since. Kept for as long as the registry keeps the version: never
   * forgotten because history was trimmed, so a rolled-back version cannot slip back in.
   */
  takenOutOf(model: string, version: string, stage: string): Promise<StageRemoval | undefined>

  /** Record `version` of `model` at `ref` (git: a commit-ish; mlflow: a run or source). */
  register(
    model: string,
    version: string,
    ref: string,
    audit: AuditFacts,
    options?: WriteOptions
  ): Promise<WriteResult>
  /** Make `version` the holder of `stage`. Writes nothing if it already holds it. */
  assign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options?: WriteOptions
  ): Promise<WriteResult>
  /** Take `version` out of `stage`. Writes nothing if it is not in it. */
  unassign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options?: WriteOptions
  ): Promise<WriteResult>
  /**
   * Put `toVersion` (default: the stage's previous holder) back in `stage` and
   * take the current holder out, so every reader agrees on the holder.
   */
  rollback(
    model: string,
    stage: string,
    toVersion: string | undefined,
    audit: AuditFacts,
    options?: WriteOptions
  ): Promise<WriteResult>

  /** The rollout steps recorded for `stage`, every rollout of it, oldest first. */
  rolloutSteps(model: string, stage: string): Promise<RolloutStep[]>
  /**
   * Record one rollout step of `stage` (rollout/steps.ts `decideStep` judges it against the
   * steps read afresh): the same step again writes nothing (`step already recorded`); a step
   * that does not follow from the recorded ones is refused (InvalidInputError, exit 2).
   */
  recordRolloutStep(
    model: string,
    stage: string,
    step: RolloutStepRequest,
    audit: AuditFacts,
    options?: WriteOptions
  ): Promise<WriteResult>
}

/**
 * A registry that numbers versions itself and makes them from a training run's logged model
 * (MLflow): `register` on it confirms a version that exists; a new one comes from a run. The
 * root asks the opened registry for this capability (registry/open.ts `OpenedRegistry.fromRuns`)
 * rather than for its class.
 */
export interface RunRegistrar {
  registerFromRun(request: {
    model: string
    runId: string
    /** The model's artifact path inside the run. */
    artifactPath: string
    audit: AuditFacts
    dryRun?: boolean
  }): Promise<WriteResult & { version?: string }>
}
