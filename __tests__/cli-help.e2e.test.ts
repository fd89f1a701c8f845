// Issue 12, item 7: `modelgate --version` prints the package's version from the bundle alone
// (a release attaches dist/cli/index.js alone, as modelgate.mjs), and every command answers --help with a
// usage that names each option it accepts.
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { COMMANDS } from '../src/cli/run.js'
import { bundledCli, hermeticCliEnv } from './helpers/cli-bundle.js'
import { CLI_ENTRY, REPO_ROOT } from './helpers/run-action.js'
import { cliInProcess as cli } from './helpers/cli-in-process.js'

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string
}

describe('modelgate --version', () => {
  let lone: string
  beforeAll(async () => {
    // The bundle copied away from the checkout, as a release asset is downloaded: no package.json.
    lone = await mkdtemp(path.join(tmpdir(), 'modelgate-version-'))
    await copyFile(CLI_ENTRY, path.join(lone, 'modelgate.mjs'))
  })
  afterAll(async () => {
    await rm(lone, { recursive: true, force: true })
  })

  it("prints package.json's version, exit 0, from the bundle alone", async () => {
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>(resolve => {
      execFile(
        process.execPath,
        [path.join(lone, 'modelgate.mjs'), '--version'],
        { cwd: lone, env: hermeticCliEnv() },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr })
      )
    })
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })

  it('is named in the top-level usage', async () => {
    const run = await cli('--help')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('modelgate --version')
  })
})

describe('modelgate <command> --help', () => {
  const names = Object.keys(COMMANDS)

  it('the top-level usage lists every command', async () => {
    const run = await cli('--help')
    for (const name of names) expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'))
  })

  it.each(names)(
    '%s --help prints its usage naming every option it accepts, exit 0',
    async name => {
      const run = await cli(name, '--help')
      expect(run.exitCode).toBe(0)
      expect(run.stderr).toBe('')
      expect(run.stdout).toMatch(new RegExp(`^Usage: modelgate ${name}\\b`))
      for (const option of Object.keys(COMMANDS[name]?.options ?? {})) {
        expect([option, run.stdout.includes(`--${option}`)]).toEqual([option, true])
      }
    }
  )
})

describe('modelgate --help: the exit codes (bundled CLI)', () => {
  it('says that a forced promotion that happened exits 1, as the README table does', async () => {
    const run = await bundledCli(REPO_ROOT, ['--help'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(
      `Exit codes (the same in the action; a --dry-run exits with the code the real run would):
  0  pass: every gate passed
  1  pass with warnings (a gate skipped, a bad metric the policy does not use), or a forced
     promotion that happened (--force --reason, past failing or pending gates);
     monitor: inconclusive
  2  blocked (a gate failed or is pending), invalid input, or an unexpected error
  3  not found: a policy, candidate, stage, model or version
  4  permission or authentication error
  5  monitor: rolled back automatically
  6  monitor: a breach a person must act on
`
    )
    expect(run.stdout).not.toMatch(/1 pass with warnings, 2/)
  })
})
