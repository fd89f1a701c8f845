/**
 * The CLI's argument handling, shared by every command in run.ts's table: the option sets
 * several commands take, reading a value (required, optional, a model name, a reason, a date),
 * the table format, parsing a command's arguments, printing its report and reporting an error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { reasonProblem } from '../audit/reason.js'
import type { CommandOutcome, CommandResult } from '../commands/registry-context.js'
import { ExitCode, InvalidInputError, ModelGateError, errorMessage } from '../errors.js'
import { modelNameProblem } from '../policy/schema.js'
import { cliErrorText, cliUnexpectedErrorText } from '../report/cli.js'
import { renderReport } from '../report/command.js'
import type { TableFormat } from '../report/terminal-table.js'
import { parseInstant } from './since.js'

/** Where the CLI writes; passed in so tests read what a user would see. */
export interface CliIO {
  stdout(text: string): void
  stderr(text: string): void
  /** Whether stdout is a terminal: tables are then printed as aligned columns, not markdown. */
  stdoutIsTTY?: boolean
}

/** Option values as node:util parseArgs returns them; no option here is `multiple`. */
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>

export interface Command {
  usage: string
  options: NonNullable<ParseArgsConfig['options']>
  /** How many positional arguments it takes at most (the model name). */
  positionals?: number
  /**
   * Options this command once took with another meaning: parsed only so that using one is
   * refused with a line saying what to write instead (not named in the usage).
   */
  retired?: Record<string, (value: string) => string>
  run(values: OptionValues, io: CliIO, positionals: string[]): Promise<number>
}

export const REPO_OPTION = { repo: { type: 'string', default: '.' } } as const
export const JSON_OPTION = { json: { type: 'boolean' } } as const
export const FORMAT_OPTION = { format: { type: 'string' } } as const
/** Git registry writes: pushed to origin unless asked to stay in this clone. */
export const NO_PUSH_OPTION = { 'no-push': { type: 'boolean' } } as const
export const NO_PUSH_USAGE = `  --no-push         git: keep the tags in this clone (origin is not written); status marks
                    them local only, and further writes to the model are refused until they
                    are removed (git tag -d); to publish, remove them and run the command again
                    without --no-push`
export const FORMAT_USAGE = `  --format FORMAT   md (markdown) or table (columns aligned for a terminal); default:
                    table on a terminal, md when piped or redirected
  --json            print JSON`

/** The table format: --format, else aligned columns on a terminal and markdown otherwise. */
export function tableFormat(values: OptionValues, io: CliIO): TableFormat {
  const format = optional(values, 'format')
  if (format === undefined) return io.stdoutIsTTY ? 'table' : 'md'
  if (format === 'md' || format === 'table') return format
  throw new UsageError(`--format must be md or table, got "${format}"`)
}

/** The CLI's --no-push as the registry's option; MLflow has nothing to push. */
export function pushOf(values: OptionValues): { push?: false } {
  return values['no-push'] === true ? { push: false } : {}
}

/** Prints the command's report (report/command.ts): JSON with --json, else markdown or tables. */
export function print(
  io: CliIO,
  values: OptionValues,
  outcome: CommandOutcome | CommandResult,
  format: TableFormat = 'md'
): number {
  const { markdown, json } = 'report' in outcome ? renderReport(outcome.report, format) : outcome
  io.stdout(values.json ? json + '\n' : markdown)
  return outcome.exitCode
}

export function parseCommandArgs(name: string, command: Command, args: string[]) {
  try {
    const retired = Object.fromEntries(
      Object.keys(command.retired ?? {}).map(name => [name, { type: 'string' } as const])
    )
    const options = { ...retired, ...command.options }
    return parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (error) {
    const unknown = /^Unknown option '([^']*)'/.exec(errorMessage(error).replace(/^[A-Z_]+: /, ''))
    if (unknown) {
      throw new InvalidInputError(
        `unknown option ${unknown[1]} for ${name}; see modelgate ${name} --help`,
        { cause: error }
      )
    }
    // node:util's messages name the offending option; keep them, drop the error code prefix.
    throw new InvalidInputError(errorMessage(error).replace(/^[A-Z_]+: /, ''), { cause: error })
  }
}

export function reportError(error: unknown, io: CliIO, usage: string): number {
  if (error instanceof ModelGateError) {
    io.stderr(cliErrorText(error.message, error instanceof UsageError ? usage : undefined))
    return error.exitCode
  }
  // An unexpected failure still fails closed, with a message and no stack trace.
  io.stderr(cliUnexpectedErrorText(errorMessage(error)))
  return ExitCode.Blocked
}

export class UsageError extends InvalidInputError {}

export function required(values: OptionValues, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`)
  return value
}

export function optional(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

export function requiredModel(model: string | undefined): string {
  if (!model) throw new UsageError('name the model: the first argument')
  // The same rule as the policy's `model` and the action's input, for every command.
  const problem = modelNameProblem(model)
  if (problem) throw new InvalidInputError(problem)
  return model
}

/** `--reason`, refused (exit 2) when longer than a reason may be. */
export function reasonOf<T extends string | undefined>(reason: T): T {
  const problem = reason === undefined ? undefined : reasonProblem(reason, '--reason')
  if (problem) throw new InvalidInputError(problem)
  return reason
}

export function repoOf(values: OptionValues): string {
  return optional(values, 'repo') ?? '.'
}

export function optionalDate(values: OptionValues, name: string): Date | undefined {
  // An empty value is refused like any other unreadable one, never taken as no filter.
  const text = values[name]
  if (typeof text !== 'string') return undefined
  // A zone-less value is UTC, as every time ModelGate prints (since.ts).
  const date = parseInstant(text)
  if (!date) {
    throw new UsageError(
      `--${name} must be a date (2026-11-01), a date-time in UTC (2026-11-01 14:03, 2026-11-01T14:03:00) or one with its zone (2026-11-01T14:03:00+01:00), got "${text}"`
    )
  }
  return date
}
