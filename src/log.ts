/** Where diagnostics go: the runner's log in the action, stderr on a terminal, nothing in tests. */
export interface Logger {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
}
