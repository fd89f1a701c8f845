/**
 * Runs a write as an ordered list of idempotent steps, so that it is never
 * left half done without saying so.
 *
 * Each REST call inside a step is already retried (http.ts). When a step still
 * fails, the steps done so far are undone newest first (each undo restores the
 * value read before the write, or deletes what did not exist). Undoing stops at
 * the first undo that fails, so what stays written is always a prefix of the
 * plan, the state a re-run of the same write recognises and completes. The
 * error (MlflowWriteError) says which: `reverted` (nothing left changed) or
 * `partial` (listing what is written, what is not, and where the stage stands).
 */
import { ExitCode, ModelGateError } from '../../errors.js'
import { MlflowApiError, MlflowUnavailableError } from './http.js'

export type StepPhase = 'prepare' | 'check' | 'commit' | 'finish'

export interface Step {
  /** For people: `set alias "production" → 7`. */
  label: string
  /** `commit` moves the stage; `check` writes nothing. */
  phase: StepPhase
  run(): Promise<void>
  undo?: { label: string; run(): Promise<void> }
}

/** A `check` step saw that another writer moved the stage: the caller re-reads and tries again. */
export class StageMovedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StageMovedError'
  }
}

export interface WriteFailure {
  outcome: 'reverted' | 'partial'
  /** The step that failed, 1-based, and its label. */
  failedStep: number
  failedLabel: string
  /** Written and still in place. */
  leftWritten: string[]
  /** Written, then undone. */
  reverted: string[]
  /** Never written. */
  notDone: string[]
  /** Whether the stage-moving step is in effect ('unknown': its answer was lost and the stage could not be read). */
  committed: boolean | 'unknown'
}

/** A write that failed after retries; its message says what was and was not changed. */
export class MlflowWriteError extends ModelGateError {
  readonly failure: WriteFailure
  constructor(message: string, failure: WriteFailure, exitCode: ExitCode, cause: unknown) {
    super(message, exitCode, { cause })
    this.name = 'MlflowWriteError'
    this.failure = failure
  }
}

export interface StepContext {
  /** `Promoting churn 7 to production`. */
  action: string
  /** Where the stage stands when the commit step is (not) written: for the message. */
  stageIfCommitted: string
  stageIfNot: string
  /** What to do about a partial write. */
  rerunHint: string
  /**
   * Reads whether the stage-moving step is in effect, for when its answer was
   * lost and its undo failed too. Undefined when it cannot tell.
   */
  probe?: () => Promise<boolean | undefined>
  /** Called once before undoing (the HTTP client grants the undo its grace time, budget.ts). */
  beforeUndo?: () => void
}

/**
 * Runs `steps` in order. Resolves when all ran. On a StageMovedError from a
 * check step, undoes what was done and rethrows it (nothing left changed) —
 * unless an undo fails, then it becomes a partial MlflowWriteError.
 */
export async function runSteps(steps: Step[], context: StepContext): Promise<void> {
  for (const [index, step] of steps.entries()) {
    try {
      await step.run()
    } catch (error) {
      // A definite refusal (4xx) wrote nothing; anything else (lost answer,
      // timeout, 5xx) may have landed, so its own undo runs too.
      const landedMaybe = step.phase !== 'check' && !isDefiniteRefusal(error)
      const doneCount = landedMaybe ? index + 1 : index
      context.beforeUndo?.()
      const undo = await undoSteps(steps, doneCount)
      if (error instanceof StageMovedError && undo.stuckAt === undefined) throw error
      throw await writeError(steps, index, doneCount, undo, error, context)
    }
  }
}

interface UndoResult {
  /** Indices undone, newest first. */
  reverted: number[]
  /** Index of the first undo that failed: steps 0..stuckAt stay written. */
  stuckAt?: number
}

async function undoSteps(steps: Step[], doneCount: number): Promise<UndoResult> {
  const reverted: number[] = []
  for (let i = doneCount - 1; i >= 0; i--) {
    const undo = (steps[i] as Step).undo
    if (!undo) continue
    try {
      await undo.run()
      reverted.push(i)
    } catch {
      return { reverted, stuckAt: i }
    }
  }
  return { reverted }
}

async function writeError(
  steps: Step[],
  index: number,
  doneCount: number,
  undo: UndoResult,
  cause: unknown,
  context: StepContext
): Promise<MlflowWriteError> {
  const writes = (from: number, to: number) =>
    steps.slice(from, to).filter(step => step.phase !== 'check')
  let left = undo.stuckAt === undefined ? [] : writes(0, undo.stuckAt + 1)
  const failedStep = steps[index] as Step
  let committed: boolean | 'unknown' = left.some(step => step.phase === 'commit')
  if (committed && failedStep.phase === 'commit' && left.includes(failedStep)) {
    // The stage-moving step itself failed and could not be undone: did it land?
    const landed = await context.probe?.().catch(() => undefined)
    committed = landed ?? 'unknown'
    if (landed === false) left = left.filter(step => step !== failedStep)
  }
  // The failed step itself may or may not have landed (its answer was lost).
  const leftLabel = (step: Step) =>
    step === steps[index] ? `${step.label} (if it landed)` : step.label
  const notDone = writes(doneCount, steps.length).map(step => step.label)
  const reverted = undo.reverted.map(i => (steps[i] as Step).label)
  const failed = failedStep
  const failure: WriteFailure = {
    outcome: left.length === 0 ? 'reverted' : 'partial',
    failedStep: index + 1,
    failedLabel: failed.label,
    leftWritten: left.map(leftLabel),
    reverted,
    notDone,
    committed
  }
  const why = cause instanceof Error ? cause.message : String(cause)
  const lines = [
    `${context.action} failed at step ${index + 1} of ${steps.length} (${failed.label}): ${why}`
  ]
  if (failure.outcome === 'reverted') {
    lines.push(
      reverted.length > 0
        ? `Reverted: ${reverted.join('; ')}. Nothing is left changed: ${context.stageIfNot}.`
        : `Nothing was changed: ${context.stageIfNot}.`
    )
  } else {
    lines.push(
      `Left changed (could not be reverted): ${failure.leftWritten.join('; ')}.`,
      ...(reverted.length > 0 ? [`Reverted: ${reverted.join('; ')}.`] : []),
      `Not done: ${notDone.length > 0 ? notDone.join('; ') : 'nothing'}.`,
      `${
        committed === 'unknown'
          ? `Where the stage stands could not be read: either ${context.stageIfNot}, or ${context.stageIfCommitted}`
          : committed
            ? context.stageIfCommitted
            : context.stageIfNot
      }. ${context.rerunHint}`
    )
  }
  const exitCode = cause instanceof ModelGateError ? cause.exitCode : ExitCode.Blocked
  return new MlflowWriteError(lines.join('\n'), failure, exitCode, cause)
}

/** MLflow answered and said no (a 4xx other than 429): the request changed nothing. */
function isDefiniteRefusal(error: unknown): boolean {
  if (error instanceof MlflowUnavailableError) return false
  if (error instanceof MlflowApiError) return error.status >= 400 && error.status < 500
  return error instanceof ModelGateError
}
