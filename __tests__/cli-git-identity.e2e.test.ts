// Who a local write records (issue 12 review, items 2 and 7), through the bundled CLI in clones
// of a bare origin: without git user.email nothing is written and no GitHub noreply address is
// made up; an e-mail holding a newline is refused on one line, the value JSON-escaped; a name
// holding identity-line delimiters is recorded cleaned, the same in the tag's facts and its record.
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, originTags, writePolicy } from './helpers/model-checkout.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'

describe('the git identity a local write records', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy())
    await commitModel(clone, { accuracy: 0.85 })
  })
  afterAll(() => sandbox.cleanup())

  it('refuses a write without git user.email (exit 2, one line), and invents no address', async () => {
    await gitOk(clone.git, ['config', '--unset', 'user.email'])
    await gitOk(clone.git, ['config', 'user.name', 'root'])
    try {
      for (const args of [
        ['register', 'demo', '--version', 'v1.0.0'],
        ['register', 'demo', '--version', 'v1.0.0', '--dry-run']
      ]) {
        const run = await cli(...args)
        expect({ args, exitCode: run.exitCode }).toEqual({ args, exitCode: 2 })
        expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
        expect(run.stderr).toContain('git user.email is not set')
        expect(run.stderr).toContain('git config user.email')
        expect(run.stdout + run.stderr).not.toContain('noreply')
      }
      expect(await originTags(sandbox)).toEqual([])
      // Reading needs no identity.
      expect((await cli('status')).exitCode).toBe(0)
    } finally {
      await gitOk(clone.git, ['config', 'user.email', 'test@example.com'])
      await gitOk(clone.git, ['config', 'user.name', 'Test User'])
    }
  })

  it('prints an e-mail holding a newline JSON-escaped, on one line', async () => {
    await gitOk(clone.git, ['config', 'user.email', 'e@x\n::error::boom'])
    try {
      const run = await cli('register', 'demo', '--version', 'v1.0.0')
      expect(run.exitCode).toBe(2)
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(run.stderr).toContain('Invalid actor e-mail "e@x\\n::error::boom"')
    } finally {
      await gitOk(clone.git, ['config', 'user.email', 'test@example.com'])
    }
  })

  it('records one cleaned name in the tag facts and in the audit record', async () => {
    await gitOk(clone.git, ['config', 'user.name', 'Ada\n<root@evil> '])
    try {
      expect((await cli('register', 'demo', '--version', 'v1.0.0')).exitCode).toBe(0)
      expect((await cli('promote', 'demo', '--to', 'dev', '--version', 'v1.0.0')).exitCode).toBe(0)
    } finally {
      await gitOk(clone.git, ['config', 'user.name', 'Test User'])
    }
    const object = await gitOk(clone.git, ['cat-file', '-p', 'demo#dev#1'])
    const facts = JSON.parse(object.slice(object.indexOf('{'))) as {
      actor: string
      record: { actor: string }
    }
    expect(facts.actor).toBe('Ada  root@evil')
    expect(facts.record.actor).toBe(facts.actor)
  })
})
