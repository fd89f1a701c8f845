/**
 * A command's typed result, as its root hands it over, turned into the two texts every root
 * prints: markdown (the terminal, the job summary, the `report` output) and JSON (`--json`, the
 * `report-json` output). Commands return a `CommandReport`; only the roots (src/cli/run.ts,
 * src/action/) call this.
 */
import type { Evaluation } from '../gates/types.js'
import type { RegistryEvent } from '../registry/port.js'
import { toJson } from './json.js'
import { renderMarkdown } from './markdown.js'
import { renderPromote, type PromoteResult } from './promote.js'
import {
  renderRegister,
  renderRegisterMlflow,
  type RegisterMlflowResult,
  type RegisterResult
} from './register.js'
import { renderMonitor, type MonitorReport } from './monitor.js'
import { renderCompliance, type ComplianceReport } from './compliance.js'
import {
  historyJson,
  renderHistory,
  renderStatus,
  statusJson,
  type StatusView
} from './registry-tables.js'
import { renderRollback, type RollbackResult } from './rollback.js'
import { renderRollout, type RolloutResult } from './rollout.js'
import type { TableFormat } from './terminal-table.js'

/** What one command found or did, for report/ to word. */
export type CommandReport =
  | { command: 'check'; evaluation: Evaluation }
  | { command: 'register'; result: RegisterResult }
  | { command: 'register-mlflow'; result: RegisterMlflowResult }
  | { command: 'promote'; result: PromoteResult }
  | { command: 'rollback'; result: RollbackResult }
  | { command: 'status'; view: StatusView }
  | { command: 'history'; events: RegistryEvent[]; localOnly?: ReadonlySet<string> }
  | { command: 'monitor'; report: MonitorReport }
  | { command: 'rollout'; result: RolloutResult }
  | { command: 'report'; compliance: ComplianceReport }

/**
 * The report's markdown and JSON. `format` lays out status's and history's tables: markdown
 * (the default), or columns aligned for a terminal.
 */
export function renderReport(
  report: CommandReport,
  format: TableFormat = 'md'
): { markdown: string; json: string } {
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
    case 'status':
      return { markdown: renderStatus(report.view, format), json: statusJson(report.view) }
    case 'history':
      return {
        markdown: renderHistory(report.events, format, report.localOnly),
        json: historyJson(report.events)
      }
    case 'monitor':
      return renderMonitor(report.report)
    case 'rollout':
      return renderRollout(report.result)
    case 'report':
      return renderCompliance(report.compliance, format)
  }
}

/** A command's outcome with its report rendered beside the typed facts. */
export function rendered<T extends { report: CommandReport }>(outcome: T): Rendered<T> {
  return { ...outcome, ...renderReport(outcome.report) }
}

/** An outcome with its report's markdown and JSON (what `rendered` gives). */
export type Rendered<T> = T & { markdown: string; json: string }
