import { parseArgs, type ParseArgsConfig } from 'node:util'
import { check } from '../commands/check.js'
import { ExitCode, InvalidInputError, ModelGateError, errorMessage } from '../errors.js'

/** Where the CLI writes; passed in so tests read what a user would see. */
export interface CliIO {
  stdout(text: string): void
  stderr(text: string): void
}

const USAGE = `Usage: modelgate <command> [options]

Commands:
  check    Evaluate a candidate model directory against a stage of a policy.

Run "modelgate <command> --help" for a command's options.

Exit codes: 0 pass, 1 pass with warnings, 2 blocked or invalid input,
            3 not found, 4 permission or authentication error.`

const CHECK_USAGE = `Usage: modelgate check --policy FILE --candidate DIR --stage NAME [--champion DIR] [--json]

  --policy FILE     the promotion policy (YAML)
  --candidate DIR   the candidate model directory (metrics.json, MLmodel, files)
  --stage NAME      the target stage, as named in the policy
  --champion DIR    the current holder of the stage, to compare against (optional)
  --json            print the evaluation as JSON instead of markdown`

/** Option values as node:util parseArgs returns them; no option here is `multiple`. */
type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>

interface Command {
  usage: string
  options: NonNullable<ParseArgsConfig['options']>
  run(values: OptionValues, io: CliIO): Promise<number>
}

const COMMANDS: Record<string, Command> = {
  check: {
    usage: CHECK_USAGE,
    options: {
      policy: { type: 'string' },
      candidate: { type: 'string' },
      stage: { type: 'string' },
      champion: { type: 'string' },
      json: { type: 'boolean' }
    },
    async run(values, io) {
      const outcome = await check({
        policyFile: required(values, 'policy'),
        candidateDir: required(values, 'candidate'),
        stage: required(values, 'stage'),
        championDir: optional(values, 'champion')
      })
      io.stdout(values.json ? outcome.json : outcome.markdown)
      return outcome.exitCode
    }
  }
}

/** Runs one CLI invocation and returns its exit code. Never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE + '\n')
    return name === undefined ? ExitCode.Blocked : ExitCode.Pass
  }
  const command = COMMANDS[name]
  if (!command) {
    io.stderr(`modelgate: unknown command "${name}"\n\n${USAGE}\n`)
    return ExitCode.Blocked
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage + '\n')
    return ExitCode.Pass
  }
  try {
    const { values } = parseCommandArgs(command, rest)
    return await command.run(values, io)
  } catch (error) {
    return reportError(error, io, command.usage)
  }
}

function parseCommandArgs(command: Command, args: string[]) {
  try {
    return parseArgs({ args, options: command.options, strict: true, allowPositionals: false })
  } catch (error) {
    // node:util's messages name the offending option; keep them, drop the error code prefix.
    throw new InvalidInputError(errorMessage(error).replace(/^[A-Z_]+: /, ''), { cause: error })
  }
}

function reportError(error: unknown, io: CliIO, usage: string): number {
  if (error instanceof ModelGateError) {
    io.stderr(`modelgate: ${error.message}\n`)
    if (error instanceof UsageError) io.stderr(`\n${usage}\n`)
    return error.exitCode
  }
  // An unexpected failure still fails closed, with a message and no stack trace.
  io.stderr(`modelgate: unexpected error: ${errorMessage(error)}\n`)
  return ExitCode.Blocked
}

class UsageError extends InvalidInputError {}

function required(values: OptionValues, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`)
  return value
}

function optional(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}
