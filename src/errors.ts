/**
 * Exit codes shared by every command, the CLI and the action. They are part of
 * the public contract (README, "Exit codes"): never renumber.
 */
export const ExitCode = {
  /** Every gate passed. */
  Pass: 0,
  /** Every gate passed, with warnings (a skipped gate, an unused bad metric). */
  PassWithWarnings: 1,
  /** A gate failed or is pending, or the input is invalid. */
  Blocked: 2,
  /** A model, stage, file or version was not found. */
  NotFound: 3,
  /** A permission or authentication error. */
  Permission: 4,
  /** `monitor`: a breach rolled the stage back automatically (or would have, on a dry run). */
  MonitorRolledBack: 5,
  /**
   * `monitor`: a breach that needs a person: alert-only by the policy, the rollback cap reached,
   * no earlier holder to restore, or a restored version that did not recover.
   */
  MonitorNeedsPerson: 6
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Where in a user's file an error sits: enough to print `file:line:col` and emit an annotation. */
export interface SourceLocation {
  file: string
  /** 1-based; absent when the problem is the file as a whole. */
  line?: number
  /** 1-based. */
  column?: number
  /** Dotted key path inside the file, e.g. `stages.production.thresholds.accuracy.min`. */
  keyPath?: string
  /** What is wrong at this place, when an error lists several places. */
  problem?: string
}

/** An error a user can cause: it carries the exit code and, where known, the places at fault. */
export class ModelGateError extends Error {
  readonly exitCode: ExitCode
  readonly locations: SourceLocation[]

  constructor(
    message: string,
    exitCode: ExitCode,
    options: { locations?: SourceLocation[]; cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ModelGateError'
    this.exitCode = exitCode
    this.locations = options.locations ?? []
  }
}

/** Invalid input: a bad policy, a bad metrics file, a bad argument. Exit 2. */
export class InvalidInputError extends ModelGateError {
  constructor(message: string, options: { locations?: SourceLocation[]; cause?: unknown } = {}) {
    super(message, ExitCode.Blocked, options)
    this.name = 'InvalidInputError'
  }
}

/** A model, stage, file or version that does not exist. Exit 3. */
export class NotFoundError extends ModelGateError {
  constructor(message: string, options: { locations?: SourceLocation[]; cause?: unknown } = {}) {
    super(message, ExitCode.NotFound, options)
    this.name = 'NotFoundError'
  }
}

/** Refused for lack of a permission or of valid credentials. Exit 4. */
export class PermissionError extends ModelGateError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, ExitCode.Permission, options)
    this.name = 'PermissionError'
  }
}

/** `file:line:col key` for a location, the form editors and humans both read. */
export function formatLocation(location: SourceLocation): string {
  let where = location.file
  if (location.line !== undefined) where += `:${location.line}`
  if (location.line !== undefined && location.column !== undefined) where += `:${location.column}`
  return location.keyPath ? `${where} (${location.keyPath})` : where
}

/** A message for any thrown value, including non-Errors. */
export function errorMessage(error: unknown): string {
  // Duck-typed, not instanceof: errors from another realm (vm contexts, workers) are Errors too.
  if (typeof error === 'object' && error !== null && typeof (error as Error).message === 'string') {
    return (error as Error).message
  }
  return typeof error === 'string' ? error : JSON.stringify(error)
}
