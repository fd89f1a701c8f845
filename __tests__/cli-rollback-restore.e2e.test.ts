// Issue 13, item 5, through the bundled CLI: `--to` is a stage in every command. rollback names
// the version to restore with --restore; a rollback given --to is one line pointing at --restore,
// exit 2, and nothing is written.
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'
import { makeSandbox, tagNames, type Clone, type Sandbox } from './helpers/git-sandbox.js'

describe('rollback restores a named version with --restore; --to is a stage (issue 13, item 5)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy())
    for (const [index, version] of ['v1.0.0', 'v2.0.0', 'v3.0.0'].entries()) {
      await commitModel(clone, { accuracy: 0.85 + index / 100 }, { message: version })
      expect((await cli('register', 'demo', '--version', version)).stderr).toBe('')
      expect((await cli('promote', 'demo', '--to', 'dev', '--version', version)).stderr).toBe('')
    }
  })
  afterAll(() => sandbox.cleanup())

  it('rollback --to VERSION: one line naming --restore, exit 2, nothing written', async () => {
    const before = await tagNames(clone.git)
    const run = await cli('rollback', 'demo', '--stage', 'dev', '--to', 'v1.0.0', '--reason', 'x')
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain('--restore v1.0.0')
    expect(await tagNames(clone.git)).toEqual(before)
  })

  it('rollback --restore VERSION puts that version back on the stage', async () => {
    const run = await cli(
      'rollback',
      'demo',
      '--stage',
      'dev',
      '--restore',
      'v1.0.0',
      '--reason',
      'x'
    )
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('back on **v1.0.0** (was v3.0.0)')
  })

  it('rollback --help names --restore and --from, and no --to', async () => {
    const run = await cli('rollback', '--help')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('--restore vX.Y.Z')
    expect(run.stdout).toContain('--from vX.Y.Z')
    expect(run.stdout).not.toContain('--to')
  })

  it('only rollback answers --to with --restore; elsewhere but promote it is an unknown option', async () => {
    const run = await cli('register', 'demo', '--version', 'v9.0.0', '--to', 'v1.0.0')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('unknown option --to for register; see modelgate register --help')
    expect(run.stderr).not.toContain('--restore')
  })
})
