// Review finding (issue 15): `rollback --restore` put an aborted version back into a rollout
// stage with no gates and no step, while the recorded rollout still named another version at 5%
// (and monitor kept advancing it). A rollout stage's versions come and go by steps only: rollback
// there is refused, by the policy's `rollout:` or, without a policy, by the steps the registry
// holds. Through the bundled CLI, git registry with a bare origin.
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { bundledCli } from './helpers/cli-bundle.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, originTags, writePolicy } from './helpers/model-checkout.js'

const POLICY = `model: demo
path: models/demo
metrics:
  accuracy: { goal: maximize }
stages:
  dev:
    from: [candidate]
  canary:
    from: [dev]
    rollout:
      type: canary
      steps: [5, 50]
      min_step_duration: 1h
      source: { prometheus: { url: "http://127.0.0.1:9" } }
      triggers:
        - name: error rate
          query: errors_total{version="$version"}
          max: 0.05
  production:
    from: [canary]
`

describe('rollback on a rollout stage (bundled CLI)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    const steps: Record<string, string[][]> = {
      'v1.0.0': [
        ['--start', '--version', 'v1.0.0'],
        ['--abort', '--reason', 'error spike']
      ],
      'v1.1.0': [['--start', '--version', 'v1.1.0']]
    }
    for (const [index, version] of ['v1.0.0', 'v1.1.0'].entries()) {
      await commitModel(clone, { accuracy: 0.85 + index / 100 }, { message: version })
      expect((await cli('register', 'demo', '--version', version)).exitCode).toBe(0)
      // No gates on dev or canary besides the stage order: passed with warnings (exit 0 or 1).
      const promoted = await cli('promote', 'demo', '--to', 'dev', '--version', version)
      expect(promoted.stderr).toBe('')
      expect(promoted.exitCode).toBeLessThanOrEqual(1)
      for (const step of steps[version] ?? []) {
        const run = await cli('rollout', 'demo', '--stage', 'canary', ...step)
        expect(run.stderr).toBe('')
        expect(run.exitCode).toBeLessThanOrEqual(1)
      }
    }
  })
  afterAll(() => sandbox.cleanup())

  it('refuses to restore the aborted version into the canary (exit 2), writing nothing', async () => {
    const before = await originTags(sandbox)
    const run = await cli(
      'rollback',
      'demo',
      '--stage',
      'canary',
      '--restore',
      'v1.0.0',
      '--reason',
      'put it back'
    )
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('canary is a rollout stage')
    expect(run.stderr).toContain('modelgate rollout demo --stage canary --abort --reason R')
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(await originTags(sandbox)).toEqual(before)
    const status = await cli('rollout', 'demo', '--stage', 'canary', '--json')
    expect(JSON.parse(status.stdout).rollout).toMatchObject({ version: 'v1.1.0', phase: 'running' })
  })

  it('rolls back a stage the policy now makes plain, though it once held a rollout', async () => {
    // Second review: any step ever recorded refused rollback there forever (and the monitor's).
    const plain = POLICY.replace(
      / {2}canary:\n[\s\S]*? {2}production:/,
      '  canary:\n    from: [dev]\n  production:'
    )
    await writeFile(path.join(clone.dir, 'plain.yml'), plain)
    const dry = await cli(
      'rollback',
      'demo',
      '--stage',
      'canary',
      '--restore',
      'v1.0.0',
      '--reason',
      'plain now',
      '--dry-run',
      '--policy',
      'plain.yml'
    )
    expect(dry.stderr).toBe('')
    expect(dry.exitCode).toBe(0)
    expect(dry.stdout).toContain('v1.0.0')
  })

  it('refuses it without a policy while a rollout runs: the registry holds its steps', async () => {
    await rm(path.join(clone.dir, 'policies'), { recursive: true, force: true })
    const before = await originTags(sandbox)
    const run = await cli('rollback', 'demo', '--stage', 'canary', '--reason', 'no policy here')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('canary is a rollout stage')
    expect(await originTags(sandbox)).toEqual(before)
  })
})
