import { spawn } from 'node:child_process'
import { NotFoundError } from '../../errors.js'

/** What one `git` invocation returned. A non-zero `code` is returned, never thrown. */
export interface GitResult {
  stdout: string
  stderr: string
  code: number
}

export interface GitRunOptions {
  /** Written to git's standard input (then closed). */
  input?: string | Buffer
  /** Extra environment for this invocation only (e.g. GIT_COMMITTER_DATE). */
  env?: Record<string, string>
  /**
   * Receives standard output chunk by chunk as git writes it, and `stdout` is then ''; so a
   * large answer is read while git is still writing it, without one copy of it as a string.
   * A runner that cannot stream may ignore it and return `stdout` as usual.
   */
  onStdout?: (chunk: Buffer) => void
}

/**
 * The port through which the git registry talks to git: argv in, output out.
 * Never a shell. Tests and adapters receive one; they never construct it.
 */
export type GitRunner = (args: readonly string[], options?: GitRunOptions) => Promise<GitResult>

export interface GitRunnerSettings {
  /** The git executable; `git` from PATH by default. */
  gitPath?: string
  /** The base environment; `process.env` by default. */
  env?: NodeJS.ProcessEnv
}

/**
 * The real runner: `git` run with `cwd` as the checkout, no shell, no terminal
 * prompts (GIT_TERMINAL_PROMPT=0), so a missing credential fails instead of hanging.
 */
export function createGitRunner(cwd: string, settings: GitRunnerSettings = {}): GitRunner {
  const gitPath = settings.gitPath ?? 'git'
  const baseEnv = settings.env ?? process.env
  return (args, options = {}) =>
    new Promise<GitResult>((resolve, reject) => {
      const child = spawn(gitPath, [...args], {
        cwd,
        env: { ...baseEnv, GIT_TERMINAL_PROMPT: '0', ...options.env },
        shell: false,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true
      })
      const out: Buffer[] = []
      const err: Buffer[] = []
      const onStdout = options.onStdout
      // A receiver that throws fails this call (at exit), never the process.
      let failed: unknown
      child.stdout.on('data', (chunk: Buffer) => {
        if (!onStdout) out.push(chunk)
        else if (failed === undefined) {
          try {
            onStdout(chunk)
          } catch (error) {
            failed = error ?? new Error('onStdout failed')
          }
        }
      })
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
      child.on('error', error =>
        reject(
          new Error(`Could not run ${gitPath} ${args[0] ?? ''}: ${error.message}`, { cause: error })
        )
      )
      child.on('close', (code, signal) => {
        if (failed !== undefined) return reject(failed)
        const stderr = Buffer.concat(err).toString('utf8')
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: signal ? `${stderr}\ngit killed by ${signal}` : stderr,
          code: code ?? 128
        })
      })
      // git may exit before reading its input (EPIPE): the exit code tells what happened.
      child.stdin.on('error', () => undefined)
      child.stdin.end(options.input ?? '')
    })
}

/** Runs git and returns stdout; a non-zero exit becomes an Error naming the command and git's message. */
export async function gitOk(
  git: GitRunner,
  args: readonly string[],
  options?: GitRunOptions
): Promise<string> {
  const result = await git(args, options)
  if (result.code !== 0) {
    throw new Error(
      `git ${args.slice(0, 2).join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`
    )
  }
  return result.stdout
}

/** The commit `ref` names in the repository `git` runs in; NotFoundError (exit 3) when none. */
export async function resolveCommit(git: GitRunner, ref: string): Promise<string> {
  const result = await git([
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${ref}^{commit}`
  ])
  const commit = result.stdout.trim()
  if (result.code !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new NotFoundError(`No commit "${ref}" in this repository.`)
  }
  return commit
}
