import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const ACTION_ENTRY = path.join(REPO_ROOT, 'dist', 'index.js')
export const CLI_ENTRY = path.join(REPO_ROOT, 'dist', 'cli', 'index.js')

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/**
 * Runs the bundled action as a runner would: a child `node dist/index.js` with
 * INPUT_* variables and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
 */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  workspace: string = REPO_ROOT
): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'modelgate-action-'))
  try {
    const outputFile = path.join(dir, 'output')
    const summaryFile = path.join(dir, 'summary')
    await writeFile(outputFile, '')
    await writeFile(summaryFile, '')
    const inputEnv = Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [
        `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
        value
      ])
    )
    const result = await execNode(ACTION_ENTRY, [], workspace, {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: dir,
      ...inputEnv,
      ...env
    })
    return {
      ...result,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8')
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function runCliBundle(args: string[]): Promise<Omit<ActionRun, 'outputs' | 'summary'>> {
  return execNode(CLI_ENTRY, args, REPO_ROOT, {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? ''
  })
}

function execNode(
  entry: string,
  args: string[],
  cwd: string,
  env: Record<string, string>
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [entry, ...args],
      { cwd, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode: code, stdout, stderr })
      }
    )
  })
}

/** Parses the `name<<DELIM\nvalue\nDELIM` blocks @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match as unknown as [string, string, string]
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    outputs[name] = value.join('\n')
  }
  return outputs
}
