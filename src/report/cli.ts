/**
 * The CLI's own lines on standard error: an error a user can cause (with the command's usage
 * after a usage error), an unexpected failure, a warning and an unknown command. Every line
 * starts `modelgate:`, so it reads apart from a command's report. Made fit for a terminal or a
 * workflow `run:` step (log.ts's `forTerminal`): a message can quote registry text and names.
 */
import { forTerminal } from './log.js'

/** `modelgate: <message>`, and the usage after a blank line when it was a usage error. */
export function cliErrorText(message: string, usage?: string): string {
  return forTerminal(`modelgate: ${message}\n${usage === undefined ? '' : `\n${usage}\n`}`)
}

/** A failure no ModelGate error named (a bug, or a throw from a dependency): no stack trace. */
export function cliUnexpectedErrorText(message: string): string {
  return forTerminal(`modelgate: unexpected error: ${message}\n`)
}

/** A problem that does not change the exit code (a webhook that failed). */
export function cliWarningText(message: string): string {
  return forTerminal(`modelgate: warning: ${message}\n`)
}

/** A command name the CLI does not know, and the usage. */
export function cliUnknownCommandText(name: string, usage: string): string {
  return forTerminal(`modelgate: unknown command "${name}"\n\n${usage}\n`)
}
