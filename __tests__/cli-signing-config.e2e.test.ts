// A user's tag-signing config must not break registry writes (issue 12 review, item 3): with
// tag.gpgSign true and a signing key that cannot sign, register and promote still write their
// tags, unsigned, through the bundled CLI in a clone of a bare origin.
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, originTags, writePolicy } from './helpers/model-checkout.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'

describe('registry writes do not depend on tag signing config', () => {
  let sandbox: Sandbox
  let clone: Clone
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy())
    await commitModel(clone, { accuracy: 0.85 })
    await gitOk(clone.git, ['config', 'tag.gpgSign', 'true'])
    await gitOk(clone.git, ['config', 'user.signingkey', 'BOGUS-KEY-0000'])
    await gitOk(clone.git, ['config', 'gpg.program', 'false'])
  })
  afterAll(() => sandbox.cleanup())

  it('register and promote write unsigned tags with tag.gpgSign=true and a bogus key', async () => {
    const registered = await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.0.0'])
    expect(registered.stderr).toBe('')
    expect(registered.exitCode).toBe(0)
    const promoted = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v1.0.0'
    ])
    expect(promoted.stderr).toBe('')
    expect(promoted.exitCode).toBe(0)
    expect(await originTags(sandbox)).toEqual(['demo#dev#1', 'demo@v1.0.0'])
    const object = await gitOk(clone.git, ['cat-file', '-p', 'demo#dev#1'])
    expect(object).not.toContain('BEGIN PGP SIGNATURE')
  })
})
