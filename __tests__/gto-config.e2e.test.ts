// The `.gto` file is read bounded, end to end through the bundled CLI: a link (to /dev/zero, or
// anywhere), a FIFO or an oversized file is refused with an error naming it (exit 2), at once.
import { execFile } from 'node:child_process'
import { symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { runCliBundle } from './helpers/run-action.js'

describe('the .gto file', () => {
  let sandbox: Sandbox
  let clone: Clone
  const gto = () => path.join(clone.dir, '.gto')

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('workspace')
  })
  afterAll(async () => {
    await sandbox?.cleanup()
  })

  const status = () => runCliBundle(['status', '--repo', clone.dir])

  it('is read when it is a small regular file', async () => {
    await writeFile(gto(), 'stages: [dev, prod]\n')
    const result = await status()
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
  })

  it('is refused when it is a link to /dev/zero, at once and naming the file', async () => {
    await writeFile(gto(), '')
    await import('node:fs/promises').then(fs => fs.rm(gto()))
    await symlink('/dev/zero', gto())
    const started = Date.now()
    const result = await status()
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('.gto')
    expect(result.stderr).toMatch(/link/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('is refused when it is a link to a regular file', async () => {
    await import('node:fs/promises').then(fs => fs.rm(gto()))
    await writeFile(path.join(clone.dir, 'elsewhere.yml'), 'stages: [dev]\n')
    await symlink(path.join(clone.dir, 'elsewhere.yml'), gto())
    const result = await status()
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/\.gto.*link/)
  })

  it('is refused when it is a FIFO, without waiting for a writer', async () => {
    await import('node:fs/promises').then(fs => fs.rm(gto()))
    await new Promise<void>((resolve, reject) =>
      execFile('mkfifo', [gto()], error => (error ? reject(error) : resolve()))
    )
    const result = await status()
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/\.gto.*not a regular file/)
  })

  it('is refused when it is larger than any stage list needs', async () => {
    await import('node:fs/promises').then(fs => fs.rm(gto()))
    await writeFile(gto(), `# ${'x'.repeat(2 * 1024 * 1024)}\nstages: [dev]\n`)
    const result = await status()
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/\.gto.*larger than/)
  })
})
