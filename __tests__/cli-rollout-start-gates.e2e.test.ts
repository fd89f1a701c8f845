// Issue 15, security finding (HIGH): a rollout's start walked around the gates. Through the
// bundled CLI (dist/cli/index.js) in a scratch repository with a bare origin: `--start` judges
// the rollout stage's gates as `promote --to STAGE` does (refused: exit 2, promote's report,
// nothing written; `--force --reason`: exit 1, recorded as forced past the gates); a version
// aborted from the stage does not start there again unless forced; a canary after a shadow with
// triggers starts only when the monitor would judge that shadow ready now; and `promote --to` a
// rollout stage is refused. The CLI runs with its clock shifted (helpers/shifted-clock.mjs).
import { rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { checkedGtoReaders } from './helpers/git-gto-reference.js'
import { hermeticGit, makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { cliAt } from './helpers/monitored-registry.js'
import { commitModel, demoModelPolicy, originTags, writePolicy } from './helpers/model-checkout.js'
import { METRICS_FILE, canaryStage } from './helpers/rollout-policy.js'

const POLICY = demoModelPolicy(`  dev:
    from: [candidate]
  shadow:
    from: [dev]
    rollout:
      type: shadow
      shadows: production
      min_step_duration: 1h
      source: { file: metrics.csv }
      triggers:
        - name: agreement
          query: 'prediction_agreement{model="$model", version="$version"}'
          min: 0.95
          min_samples: 2
${canaryStage({
  from: 'dev, shadow',
  gates: `    thresholds:
      accuracy: { min: 0.9 }
`,
  steps: '5, 50',
  minStep: '1h',
  source: METRICS_FILE,
  triggers: `        - name: errors
          query: 'error_ratio{model="$model", version="$version"}'
          max: 0.05
          min_samples: 2
`
})}  production:
    from: [canary]
`)

type Step = { kind: string; version: string; percent: number; by: string; reason?: string }

describe('modelgate rollout --start judges the stage as promote does (bundled CLI, git)', () => {
  let sandbox: Sandbox
  let clone: Clone
  // Whole seconds, well after the setup's real-time tags; each command later than the one before.
  const T0 = Math.floor(Date.now() / 1000) + 60
  const cli = (seconds: number, ...args: string[]) => cliAt(clone.dir, seconds, args)
  const start = (seconds: number, stage: string, version: string, ...more: string[]) =>
    cli(seconds, 'rollout', 'demo', '--stage', stage, '--start', '--version', version, ...more)
  const abort = async (seconds: number, stage: string, reason: string) => {
    const run = await cli(
      seconds,
      'rollout',
      'demo',
      '--stage',
      stage,
      '--abort',
      '--reason',
      reason
    )
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
  }
  /** dev holds one version at a time: the one about to start. */
  const toDev = async (seconds: number, version: string) => {
    const promoted = await cli(seconds, 'promote', 'demo', '--to', 'dev', '--version', version)
    expect(promoted.stderr).toBe('')
    expect(promoted.stdout).toContain(`Promoted ${version} to dev`)
  }
  const steps = async (seconds: number, stage: string): Promise<Step[]> => {
    const run = await cli(seconds, 'rollout', 'demo', '--stage', stage, '--json')
    expect(run.exitCode).toBe(0)
    return (JSON.parse(run.stdout) as { steps: Step[] }).steps
  }

  const gto = () => checkedGtoReaders(hermeticGit(sandbox.origin), 'demo')

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    // The series a serving layer would export, every minute over the test's shifted hours:
    // v1.5.0's shadow disagrees with production's answers (a breach), v2.0.0's agrees.
    const rows = ['time,metric,value,model,version']
    for (let t = T0 - 120; t <= T0 + 4 * 3600; t += 60) {
      rows.push(`${t},prediction_agreement,0.90,demo,v1.5.0`)
      rows.push(`${t},prediction_agreement,0.99,demo,v2.0.0`)
    }
    await writeFile(path.join(clone.dir, 'metrics.csv'), `${rows.join('\n')}\n`)
    const versions: Array<[string, number]> = [
      ['v1.0.0', 0.85],
      ['v1.5.0', 0.95],
      ['v1.6.0', 0.951],
      ['v2.0.0', 0.96]
    ]
    for (const [index, [version, accuracy]] of versions.entries()) {
      await commitModel(clone, { accuracy }, { message: version })
      expect(
        (await cli(T0 - 100 + index * 10, 'register', 'demo', '--version', version)).stderr
      ).toBe('')
    }
  })
  afterAll(() => sandbox.cleanup())

  it("refuses a start the stage's thresholds block, with promote's report, writing nothing", async () => {
    await toDev(T0 - 5, 'v1.0.0')
    const before = await originTags(sandbox)
    const run = await start(T0, 'canary', 'v1.0.0')
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('## ❌ Blocked: demo → canary')
    expect(run.stdout).toContain('Blocked by a failing gate: Thresholds.')
    expect(run.stdout).toContain('❌ **Thresholds** fail')
    expect(run.stdout).toContain('| accuracy | — | 0.85 |')
    expect(run.stdout).not.toContain('recorded start')
    expect(await originTags(sandbox)).toEqual(before)
    const json = await start(T0 + 1, 'canary', 'v1.0.0', '--json')
    expect(json.exitCode).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ decision: 'blocked', written: false })
    expect(await originTags(sandbox)).toEqual(before)
  })

  it('starts it forced past the failing gates with a reason: exit 1, recorded as forced', async () => {
    const unexplained = await start(T0 + 5, 'canary', 'v1.0.0', '--force')
    expect(unexplained.exitCode).toBe(2)
    expect(unexplained.stderr).toContain('--force needs --reason')
    const run = await start(T0 + 10, 'canary', 'v1.0.0', '--force', '--reason', 'live data needed')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('## ⚠️ Forced past 1 failing gate: demo → canary')
    expect(run.stdout).toContain('recorded start (5%)')
    const [last] = (await steps(T0 + 11, 'canary')).slice(-1)
    expect(last).toMatchObject({ kind: 'start', version: 'v1.0.0', percent: 5 })
    expect(last?.reason).toBe('forced past 1 failing gate: Thresholds; live data needed')
    const history = await cli(T0 + 12, 'history', 'demo')
    expect(history.stdout).toContain('forced past 1 failing gate: Thresholds; live data needed')
    expect((await gto()).show.canary).toBe('v1.0.0')
    await abort(T0 + 15, 'canary', 'forced start ends')
  })

  it('refuses to start again, unless forced, a version aborted from the stage, naming the abort', async () => {
    await toDev(T0 + 18, 'v1.6.0')
    const first = await start(T0 + 20, 'canary', 'v1.6.0')
    expect(first.stderr).toBe('')
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toContain('## ✅ Passed: demo → canary')
    await abort(T0 + 30, 'canary', 'error spike in eu')
    const before = await originTags(sandbox)
    const again = await start(T0 + 40, 'canary', 'v1.6.0')
    expect(again.exitCode).toBe(2)
    expect(again.stdout).toContain('❌ **Rolled back from this stage** fail')
    expect(again.stdout).toContain('error spike in eu')
    expect(await originTags(sandbox)).toEqual(before)
    const forced = await start(T0 + 50, 'canary', 'v1.6.0', '--force', '--reason', 'eu fixed')
    expect(forced.exitCode).toBe(1)
    const [last] = (await steps(T0 + 51, 'canary')).slice(-1)
    expect(last?.reason).toBe('forced past 1 failing gate: Rolled back from this stage; eu fixed')
    await abort(T0 + 60, 'canary', 'done with it')
  })

  it('starts a canary after a shadow only when the monitor judges the shadow ready now', async () => {
    await toDev(T0 + 90, 'v2.0.0')
    const shadow = await start(T0 + 100, 'shadow', 'v2.0.0')
    expect(shadow.stderr).toBe('')
    // The shadow has no gates beyond its stage order: passed with warnings, exit 1 as promote's.
    expect(shadow.exitCode).toBe(1)
    // Healthy so far, but min_step_duration (1h) has not passed: waiting, not ready.
    const early = await start(T0 + 200, 'canary', 'v2.0.0')
    expect(early.exitCode).toBe(2)
    expect(early.stdout).toMatch(/❌ \*\*Shadow ready\*\* fail: .*shadow v2\.0\.0: wait/)
    const ready = await start(T0 + 100 + 3600 + 60, 'canary', 'v2.0.0')
    expect(ready.stderr).toBe('')
    expect(ready.exitCode).toBe(0)
    expect(ready.stdout).toContain('✅ **Shadow ready** pass')
    await abort(T0 + 3800, 'canary', 'next test')
    await abort(T0 + 3810, 'shadow', 'next test')
  })

  it('refuses a canary after a breaching shadow (forced: exit 1), and an unreadable source', async () => {
    await toDev(T0 + 3890, 'v1.5.0')
    expect((await start(T0 + 3900, 'shadow', 'v1.5.0')).exitCode).toBe(1)
    const before = await originTags(sandbox)
    const breach = await start(T0 + 3900 + 3660, 'canary', 'v1.5.0')
    expect(breach.exitCode).toBe(2)
    expect(breach.stdout).toMatch(/❌ \*\*Shadow ready\*\* fail: .*shadow v1\.5\.0: breach/)
    expect(breach.stdout).toContain('agreement')
    expect(await originTags(sandbox)).toEqual(before)
    // The source cannot be read: refused all the same.
    const csv = path.join(clone.dir, 'metrics.csv')
    const kept = path.join(clone.dir, 'metrics.kept')
    await rename(csv, kept)
    const unreadable = await start(T0 + 3900 + 3670, 'canary', 'v1.5.0')
    expect(unreadable.exitCode).toBe(2)
    expect(unreadable.stdout).toMatch(
      /❌ \*\*Shadow ready\*\* fail: .*shadow v1\.5\.0: (could not be judged|inconclusive)/
    )
    await rename(kept, csv)
    const forced = await start(T0 + 3900 + 3680, 'canary', 'v1.5.0', '--force', '--reason', 'known')
    expect(forced.exitCode).toBe(1)
    const [last] = (await steps(T0 + 3900 + 3681, 'canary')).slice(-1)
    expect(last?.reason).toBe('forced past 1 failing gate: Shadow ready; known')
  })

  it('refuses promote --to a rollout stage, pointing to rollout --start', async () => {
    const before = await originTags(sandbox)
    const run = await cli(T0 + 8000, 'promote', 'demo', '--to', 'canary', '--version', 'v2.0.0')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('modelgate rollout demo --stage canary --start --version v2.0.0')
    expect(await originTags(sandbox)).toEqual(before)
  })
})
