import type { RolloutHandoff } from './rollout-step.js'
import type { AuditLog } from '../audit/log.js'
import type { RunFacts } from '../audit/record.js'
import type { ExitCode } from '../errors.js'
import type { ModelSource } from '../registry/model-source.js'
import type { Registry } from '../registry/port.js'
import type { NotificationEvent } from '../notify/webhook.js'
import type { CommandReport } from '../report/command.js'

/** What registry commands are given by the composition root (the CLI or main.ts). */
export interface RegistryContext {
  registry: Registry
  /** Reads a registered version's metrics, signature and files. */
  models: ModelSource
  /** Who acts: a GitHub login in the action, the git user on a terminal. */
  actor: string
  actorEmail?: string
  now: () => Date
  /** Facts about the run that go into every audit record (event, commit, run URL, pull request). */
  runFacts?: RunFacts
  /** Where the audit record of every promotion, rollback and refused attempt goes (none for a dry run). */
  audits: AuditLog
  /**
   * The repository or workspace candidate directories are named in: one that is a symlink or
   * resolves outside it is refused. Default: the working directory.
   */
  workspace?: string
  /** Told of every rollout step written (commands/rollout-step.ts), for the serving layer. */
  rolloutHandoff?: RolloutHandoff
}

/**
 * What check, register, promote and rollback return: the typed result (report/command.ts
 * words it, called by the roots), the exit code, and the decision of commands that evaluate
 * gates.
 */
export interface CommandResult {
  report: CommandReport
  exitCode: ExitCode
  decision?: string
}

/** A command's outcome as the roots print it: text for a person, JSON for a machine, the exit code. */
export interface CommandOutcome {
  markdown: string
  json: string
  exitCode: ExitCode
  /** The promotion decision, for commands that evaluate gates. */
  decision?: string
  /** Notifications the command's result calls for (a monitor's verdicts), sent by the action. */
  notifications?: NotificationEvent[]
  /** Warnings the action shows as annotations (an inconclusive monitor run), plain text. */
  warnings?: string[]
  /** Step outputs beyond decision/report (a rollout step: `traffic-percent`, `version`, …). */
  outputs?: Record<string, string>
}
