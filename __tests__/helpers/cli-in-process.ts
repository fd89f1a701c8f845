/** The CLI run in this process (src/cli/run.ts), its output collected as a user would see it. */
import { runCli } from '../../src/cli/run.js'

export interface CliRun {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs `modelgate …args` in-process and returns its exit code and what it printed. */
export async function cliInProcess(...args: string[]): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const exitCode = await runCli(args, {
    stdout: text => (stdout += text),
    stderr: text => (stderr += text)
  })
  return { exitCode, stdout, stderr }
}
