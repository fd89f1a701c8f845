// Issue 11, items 9 and 10: GTO's configuration as GTO 1.10 reads it. A `.gto` GTO refuses
// (`Stages:` is not `stages:`) is refused by every command with GTO's reason, naming the file
// (exit 2), through the bundled CLI; `GTO_STAGES` restricts the stages that may be assigned,
// through the composition root every command uses.
import { execFile } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { InvalidInputError } from '../src/errors.js'
import { openRegistry } from '../src/registry/open.js'
import type { AuditFacts } from '../src/registry/port.js'
import { commit, makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { CLI_ENTRY, REPO_ROOT } from './helpers/run-action.js'

const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }

function cli(
  args: string[],
  env: Record<string, string> = {}
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [CLI_ENTRY, ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode: code, stdout, stderr })
      }
    )
  })
}

describe('GTO configuration, as GTO 1.10 reads it', () => {
  let sandbox: Sandbox
  let clone: Clone
  const gto = () => path.join(clone.dir, '.gto')
  const saved = process.env.GTO_STAGES

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('workspace')
    await commit(clone.git, 'model v1')
  })
  afterEach(async () => {
    if (saved === undefined) delete process.env.GTO_STAGES
    else process.env.GTO_STAGES = saved
    await rm(gto(), { force: true })
  })
  afterAll(async () => {
    await sandbox?.cleanup()
  })

  it('refuses a .gto with `Stages:` in every command, with GTO reason, naming the file (exit 2)', async () => {
    await writeFile(gto(), 'Stages: [dev, staging]\n')
    const result = await cli(['status', '--repo', clone.dir])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('.gto')
    expect(result.stderr).toContain('Wrong config file')
    expect(result.stderr).toContain('unknown key "Stages"')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses a malformed GTO_STAGES as GTO does (exit 2)', async () => {
    const result = await cli(['status', '--repo', clone.dir], { GTO_STAGES: 'dev,prod' })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('GTO_STAGES')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('GTO_STAGES=["dev"] refuses assigning staging, and replaces the .gto list', async () => {
    await writeFile(gto(), 'stages: [dev, staging]\n')
    process.env.GTO_STAGES = '["dev"]'
    const { registry } = await openRegistry(clone.dir)
    written(await registry.register('m', 'v1.0.0', 'HEAD', alice))
    await expect(registry.assign('m', 'v1.0.0', 'staging', alice)).rejects.toThrow(
      InvalidInputError
    )
    await expect(registry.assign('m', 'v1.0.0', 'staging', alice)).rejects.toThrow(/staging/)
    expect((await registry.assign('m', 'v1.0.0', 'dev', alice)).written).toBe(true)
  })

  it('GTO_STAGES=null leaves the decision to .gto', async () => {
    await writeFile(gto(), 'stages: [dev]\n')
    process.env.GTO_STAGES = 'null'
    const { registry } = await openRegistry(clone.dir)
    await expect(registry.assign('m', 'v1.0.0', 'prod', alice)).rejects.toThrow(/prod/)
  })
})

function written<T extends { written: boolean }>(result: T): T {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}
