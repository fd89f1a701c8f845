/** The bundled CLI (dist/cli/index.js) run as a child process in a checkout. */
import { execFile } from 'node:child_process'
import { CLI_ENTRY } from './run-action.js'

/** What a child process gets: PATH and HOME, and a git that reads no global or system config. */
export function hermeticCliEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    LC_ALL: 'C'
  }
}

/** Runs the bundled CLI in `cwd` (with `env` added, e.g. a `TZ`) and collects its exit code and output. */
export function bundledCli(cwd: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ exitCode: number; stdout: string; stderr: string }>(resolve => {
    execFile(
      process.execPath,
      [CLI_ENTRY, ...args],
      { cwd, env: { ...hermeticCliEnv(), ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode, stdout, stderr })
      }
    )
  })
}
