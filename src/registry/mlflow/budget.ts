/**
 * The time one command may spend on MLflow calls, all calls together (issue 11, item 7): each
 * call is bounded on its own (http.ts: ≤ ~40 s), but a write is many calls, and a server that
 * keeps timing out would otherwise hold a command for minutes. The clock starts at the
 * command's first call. Once `budgetMs` is spent no new attempt starts; undoing a failed write
 * gets `undoGraceMs` more, once, so a write that ran out of time is still reverted (or said to
 * be partial). So a command ends within budget + grace (+ one attempt's timeout).
 */
export const DEFAULT_COMMAND_BUDGET_MS = 90_000
export const DEFAULT_UNDO_GRACE_MS = 30_000

export class CommandBudget {
  private startedAt: number | undefined
  private deadline = Infinity
  private undoing = false

  constructor(
    readonly budgetMs: number,
    readonly undoGraceMs: number,
    private readonly now: () => number
  ) {}

  /** Called at every attempt: starts the clock on the first. */
  touch(): void {
    if (this.startedAt === undefined) {
      this.startedAt = this.now()
      this.deadline = this.startedAt + this.budgetMs
    }
  }

  /** Milliseconds left (Infinity before the first call). */
  remaining(): number {
    return this.deadline - this.now()
  }

  /** Undoing a failed write: the grace is added once, from now. */
  startUndo(): void {
    if (this.undoing) return
    this.undoing = true
    this.deadline = Math.max(this.deadline, this.now() + this.undoGraceMs)
  }

  /** For messages: `the command's 90 s for MLflow calls is spent`. */
  describe(): string {
    const s = (ms: number) => `${Math.round(ms / 1000)} s`
    return this.undoing
      ? `the command's ${s(this.budgetMs)} for MLflow calls and ${s(this.undoGraceMs)} for undoing are spent`
      : `the command's ${s(this.budgetMs)} for MLflow calls is spent`
  }
}
