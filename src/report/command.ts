/**
 * A command's typed result, as its root hands it over, turned into the two texts every root
 * prints: markdown (the terminal, the job summary, the `report` output) and JSON (`--json`, the
 * `report-json` output). Commands return a `CommandReport`; only the roots (src/cli/run.ts,
 * src/action/) call this.
 */
import type { Evaluation } from '../gates/types.js'
import { toJson } from './json.js'
import { renderMarkdown } from './markdown.js'
import { renderPromote, type PromoteResult } from './promote.js'
import {
  renderRegister,
  renderRegisterMlflow,
  type RegisterMlflowResult,
  type RegisterResult
} from './register.js'
import { renderRollback, type RollbackResult } from './rollback.js'

/** What one command found or did, for report/ to word. */
export type CommandReport =
  | { command: 'check'; evaluation: Evaluation }
  | { command: 'register'; result: RegisterResult }
  | { command: 'register-mlflow'; result: RegisterMlflowResult }
  | { command: 'promote'; result: PromoteResult }
  | { command: 'rollback'; result: RollbackResult }

/** The report's markdown and JSON. */
export function renderReport(report: CommandReport): { markdown: string; json: string } {
  switch (report.command) {
    case 'check':
      return { markdown: renderMarkdown(report.evaluation), json: toJson(report.evaluation) }
    case 'register':
      return renderRegister(report.result)
    case 'register-mlflow':
      return renderRegisterMlflow(report.result)
    case 'promote':
      return renderPromote(report.result)
    case 'rollback':
      return renderRollback(report.result)
  }
}

/** A command's outcome with its report rendered beside the typed facts. */
export function rendered<T extends { report: CommandReport }>(outcome: T): Rendered<T> {
  return { ...outcome, ...renderReport(outcome.report) }
}

/** An outcome with its report's markdown and JSON (what `rendered` gives). */
export type Rendered<T> = T & { markdown: string; json: string }
