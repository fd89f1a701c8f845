/**
 * The Registry port: the one interface every backend (git tags, MLflow)
 * implements. Commands talk only to this. DRAFT: the git-registry work owns
 * and may refine it; keep it small and backend-neutral.
 */

/** Facts recorded with every write, so history can answer who, why and on what evidence. */
export interface AuditFacts {
  actor: string
  /** Required for rollbacks and forced promotions. */
  reason?: string
  forced?: boolean
  /** Free-form structured facts (gates, metrics snapshot, ...), kept as JSON. */
  record?: Record<string, unknown>
}

export interface VersionRecord {
  model: string
  version: string
  /** The commit (git) or run (mlflow) the version points at. */
  ref?: string
  registeredAt: Date
  registeredBy: string
}

export interface StageHolder {
  model: string
  stage: string
  version: string
  assignedAt: Date
  assignedBy: string
  ref?: string
}

export type RegistryEventKind =
  'registration' | 'deregistration' | 'assignment' | 'unassignment' | 'deprecation'

export interface RegistryEvent {
  kind: RegistryEventKind
  model: string
  version?: string
  stage?: string
  at: Date
  by: string
  /** Backend identifier of the event (a tag name). */
  id: string
  /** The audit record written with the event, when there is one. */
  audit?: Record<string, unknown>
}

export interface Registry {
  getVersion(model: string, version: string): Promise<VersionRecord | undefined>
  /** The version that holds `stage` now, if any. */
  getStage(model: string, stage: string): Promise<StageHolder | undefined>
  /** Every event, newest first. */
  history(model?: string): Promise<RegistryEvent[]>
}
