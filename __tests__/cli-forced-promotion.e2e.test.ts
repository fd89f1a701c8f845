// A forced promotion says what happened (issue 12, items 1 and 2), through the bundled CLI
// (dist/cli/index.js) on real git: the report's heading, the tag's first line and `history` say
// "forced past N failing gates", never "Blocked"; a dry run exits with the real run's code.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, writePolicy } from './helpers/model-checkout.js'

// Two gates fail for v1.0.0 on a terminal: its accuracy, and approvals (no pull request here).
const POLICY = `model: demo
path: models/demo
metrics:
  accuracy: { goal: maximize }
stages:
  dev:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.8 }
    approvals:
      required: 1
`

const PROMOTE = ['promote', 'demo', '--to', 'dev', '--version']
const FORCE = ['--force', '--reason', 'incident INC-42 hotfix']

describe('a forced promotion (bundled CLI)', () => {
  let sandbox: Sandbox
  let clone: Clone
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    await commitModel(clone, '{"accuracy": 0.5}', { message: 'weak model' })
    const registered = await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.0.0'])
    expect(registered.exitCode).toBe(0)
  })
  afterAll(() => sandbox.cleanup())

  it('without --force is blocked (exit 2), and says so', async () => {
    const run = await bundledCli(clone.dir, [...PROMOTE, 'v1.0.0', '--dry-run'])
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('## ❌ Blocked: demo → dev')
  })

  it('a dry run exits 1, as the real run does, and names what it would force past', async () => {
    const run = await bundledCli(clone.dir, [...PROMOTE, 'v1.0.0', ...FORCE, '--dry-run'])
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('would promote v1.0.0 to dev')
    expect(run.stdout).not.toContain('Blocked')
    expect(run.stdout).toContain('## ⚠️ Would be forced past 2 failing gates: demo → dev')
    expect(run.exitCode).toBe(1)
  })

  it('the real run exits 1, its heading says forced past 2 failing gates, not Blocked', async () => {
    const run = await bundledCli(clone.dir, [...PROMOTE, 'v1.0.0', ...FORCE])
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toContain('Blocked')
    expect(run.stdout).toContain('## ⚠️ Forced past 2 failing gates: demo → dev')
    expect(run.stdout).toContain(
      'Promoted v1.0.0 to dev, forced past 2 failing gates (first holder of the stage)'
    )
    expect(run.exitCode).toBe(1)
  })

  it("the tag's first line says forced, and the tag stays a GTO assignment", async () => {
    const tags = (await gitOk(clone.git, ['tag', '--list', 'demo#dev#*'])).trim().split('\n')
    expect(tags).toEqual(['demo#dev#1'])
    const subject = await gitOk(clone.git, [
      'for-each-ref',
      '--format=%(contents:subject)',
      'refs/tags/demo#dev#1'
    ])
    expect(subject.trim()).toBe(
      'Promote demo v1.0.0 to dev, forced past 2 failing gates: Thresholds, Approvals'
    )
  })

  it('history names the forced promotion by what happened', async () => {
    const run = await bundledCli(clone.dir, ['history', 'demo'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).not.toContain('forced-promotion: blocked')
    expect(run.stdout).toContain('forced past 2 failing gates')
  })

  it('a forced promotion whose gates all pass is an ordinary one', async () => {
    await writeFile(
      path.join(clone.dir, 'policies/demo.yml'),
      POLICY.replace(/ {4}approvals:\n.*\n/, '')
    )
    await writeFile(path.join(clone.dir, 'models/demo/metrics.json'), '{"accuracy": 0.9}')
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', 'strong model'])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
    expect(
      (await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.1.0'])).exitCode
    ).toBe(0)
    const dry = await bundledCli(clone.dir, [...PROMOTE, 'v1.1.0', ...FORCE, '--dry-run'])
    const run = await bundledCli(clone.dir, [...PROMOTE, 'v1.1.0', ...FORCE])
    expect(run.stdout).toContain('## ✅ Passed: demo → dev')
    expect(run.stdout).toContain('Promoted v1.1.0 to dev (replacing v1.0.0)')
    expect(run.stdout).not.toContain('force')
    expect([dry.exitCode, run.exitCode]).toEqual([0, 0])
  })
})
