/**
 * The rollout step types, pure data: what `modelgate rollout` and `monitor` plan, and what a
 * registry keeps. The registry port (registry/port.ts) takes them from here: the registry is an
 * adapter layer above the rollout rules, and nothing in rollout/ imports the registry.
 */

/** One step of a progressive rollout (docs/rollout.md); `percent` is the version's traffic share after it. */
export type RolloutStepKind = 'start' | 'advance' | 'hold' | 'abort' | 'complete'

/** A rollout step to record: what the caller planned (rollout/plan.ts). */
export interface RolloutStepRequest {
  kind: RolloutStepKind
  version: string
  /** The traffic share after the step, 0..100: 0 after an abort, 100 after complete. */
  percent: number
  /** The share before the step (advance: the step it leaves), so a stale plan is refused. */
  from?: number
  /**
   * The workflow run that takes the step (the action: GITHUB_RUN_ID, the same on every attempt of
   * the run), stored with it so a re-run of the job writes nothing twice; none on the CLI.
   */
  run?: string
}

/** A rollout step as the registry keeps it. */
export interface RolloutStep extends RolloutStepRequest {
  model: string
  stage: string
  at: Date
  by: string
  /** Why (hold, abort: the actor's reason). */
  reason?: string
  /** Backend identifier of the step's event (git: the tag name). */
  id: string
}

/**
 * The facts of a registry event that a step is read from: a structural subset of the port's
 * RegistryEvent, so the step rules need no registry import.
 */
export interface StepEvent {
  model: string
  version?: string
  stage?: string
  at: Date
  by: string
  id: string
  audit?: Record<string, unknown>
}
