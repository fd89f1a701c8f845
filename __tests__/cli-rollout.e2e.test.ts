// Issue 15, first slice, through the bundled CLI (dist/cli/index.js) in a scratch repository with
// a bare origin: a canary started at 5%, advanced 5 → 10 → 25 → 50 by hand (each advance only
// once min_step_duration has passed: the CLI runs with its clock shifted, helpers/shifted-clock.mjs),
// held, and aborted with a reason; `rollout`, `status` and `history` show it; each step run again
// writes nothing; origin's tags read as GTO reads them after every step.
import { checkedGtoReaders } from './helpers/git-gto-reference.js'
import { hermeticGit, makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { cliAt } from './helpers/monitored-registry.js'
import { commitModel, demoModelPolicy, originTags, writePolicy } from './helpers/model-checkout.js'
import { canaryStage } from './helpers/rollout-policy.js'

const POLICY = demoModelPolicy(`  dev:
    from: [candidate]
${canaryStage({
  from: 'dev',
  minStep: '1h',
  source: '{ prometheus: { url: "http://127.0.0.1:9090" } }',
  triggers: `        - name: error rate
          query: sum(rate(errors_total{version="$version"}[5m]))
          max: 0.05
`
})}  production:
    from: [canary]
`)

const MINUTE = 60

describe('modelgate rollout (bundled CLI, git registry with a bare origin)', () => {
  let sandbox: Sandbox
  let clone: Clone
  // Whole seconds, well after the setup's real-time tags; each step later than the one before.
  const T0 = Math.floor(Date.now() / 1000) + 60
  const cli = (seconds: number, ...args: string[]) => cliAt(clone.dir, seconds, args)
  const utc = (seconds: number) =>
    new Date(seconds * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, '')

  /** Runs a step that must write, and checks that running it again writes nothing. */
  async function step(seconds: number, args: string[], recorded: string) {
    const run = await cli(seconds, 'rollout', 'demo', '--stage', 'canary', ...args)
    expect(run.stderr).toBe('')
    // A start passes with warnings (the canary has no gates beyond its stage order): exit 1, as
    // promote's.
    expect(run.exitCode).toBe(args[0] === '--start' ? 1 : 0)
    expect(run.stdout).toContain(`recorded ${recorded}.`)
    const tags = await originTags(sandbox)
    const again = await cli(seconds + 5, 'rollout', 'demo', '--stage', 'canary', ...args)
    expect(again.stderr).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain(`${recorded} is recorded already; nothing written.`)
    expect(await originTags(sandbox)).toEqual(tags)
    return run
  }

  const gto = () => checkedGtoReaders(hermeticGit(sandbox.origin), 'demo')

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    for (const [index, version] of ['v1.0.0', 'v1.5.0'].entries()) {
      await commitModel(clone, { accuracy: 0.85 + index / 100 }, { message: version })
      const registered = await cli(T0 - 50 + index * 10, 'register', 'demo', '--version', version)
      expect(registered.stderr).toBe('')
      const promoted = await cli(
        T0 - 45 + index * 10,
        'promote',
        'demo',
        '--to',
        'dev',
        '--version',
        version
      )
      expect(promoted.stderr).toBe('')
    }
  })
  afterAll(() => sandbox.cleanup())

  it('refuses what the policy or the registry does not allow, writing nothing', async () => {
    const before = await originTags(sandbox)
    const noRollout = await cli(T0, 'rollout', 'demo', '--stage', 'dev', '--hold')
    expect(noRollout.exitCode).toBe(2)
    expect(noRollout.stderr).toContain('declares no rollout for this stage (stages.dev.rollout)')
    const unknownStage = await cli(T0, 'rollout', 'demo', '--stage', 'qa', '--hold')
    expect(unknownStage.exitCode).toBe(3)
    const notStarted = await cli(T0, 'rollout', 'demo', '--stage', 'canary', '--advance')
    expect(notStarted.exitCode).toBe(3)
    expect(notStarted.stderr).toContain('no rollout has been started')
    const unknownVersion = await cli(
      T0,
      'rollout',
      'demo',
      '--stage',
      'canary',
      '--start',
      '--version',
      'v9.0.0'
    )
    expect(unknownVersion.exitCode).toBe(3)
    const twoSteps = await cli(T0, 'rollout', 'demo', '--stage', 'canary', '--hold', '--advance')
    expect(twoSteps.exitCode).toBe(2)
    expect(twoSteps.stderr).toContain('give one step at a time')
    const dry = await cli(
      T0,
      'rollout',
      'demo',
      '--stage',
      'canary',
      '--start',
      '--version',
      'v1.5.0',
      '--dry-run'
    )
    expect(dry.stderr).toBe('')
    expect(dry.exitCode).toBe(1) // passed with warnings, as the start itself
    expect(dry.stdout).toContain('dry run, would record start (5%); nothing written.')
    expect(dry.stdout).toContain('Start rollout of demo v1.5.0 in canary at 5%')
    expect(await originTags(sandbox)).toEqual(before)
  })

  it('starts at 5%: the canary stage holds v1.5.0 for GTO', async () => {
    const run = await step(T0, ['--start', '--version', 'v1.5.0'], 'start (5%)')
    expect(run.stdout).toContain(`Now: canary v1.5.0 at 5% since ${utc(T0)} UTC.`)
    expect(await gto()).toEqual({
      show: { dev: 'v1.5.0', canary: 'v1.5.0' },
      semver: { dev: 'v1.5.0', canary: 'v1.5.0' }
    })
  })

  it('refuses to advance before min_step_duration has passed (exit 2), naming when it may', async () => {
    const before = await originTags(sandbox)
    const run = await cli(T0 + 10 * MINUTE, 'rollout', 'demo', '--stage', 'canary', '--advance')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain(
      `min_step_duration is 1h, so it may advance from ${utc(T0 + 60 * MINUTE)} UTC`
    )
    expect(await originTags(sandbox)).toEqual(before)
  })

  it('advances 5 → 10 → 25 → 50, one step per hour; --to 25 run again writes nothing', async () => {
    await step(T0 + 61 * MINUTE, ['--advance'], 'advance (10%)')
    await step(T0 + 122 * MINUTE, ['--advance', '--to', '25'], 'advance (25%)')
    const run = await step(T0 + 183 * MINUTE, ['--advance'], 'advance (50%)')
    expect(run.stdout).toContain(`Now: canary v1.5.0 at 50% since ${utc(T0 + 183 * MINUTE)} UTC.`)
    const last = await cli(T0 + 250 * MINUTE, 'rollout', 'demo', '--stage', 'canary', '--advance')
    expect(last.exitCode).toBe(2)
    expect(last.stderr).toContain('is at the last step (50%)')
    expect(await gto()).toEqual({
      show: { dev: 'v1.5.0', canary: 'v1.5.0' },
      semver: { dev: 'v1.5.0', canary: 'v1.5.0' }
    })
  })

  it('status shows "canary v1.5.0 at 50% since … UTC"', async () => {
    const run = await cli(T0 + 251 * MINUTE, 'status', 'demo', '--format', 'md')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(
      `- demo canary: canary v1.5.0 at 50% since ${utc(T0 + 183 * MINUTE)} UTC`
    )
  })

  it('holds at 50%, recorded with its reason; status says so', async () => {
    await step(T0 + 252 * MINUTE, ['--hold', '--reason', 'wait for the Monday peak'], 'hold (50%)')
    const run = await cli(T0 + 253 * MINUTE, 'status', 'demo', '--format', 'md')
    expect(run.stdout).toContain(
      `- demo canary: held canary v1.5.0 at 50% since ${utc(T0 + 183 * MINUTE)} UTC (held ${utc(T0 + 252 * MINUTE)} UTC by Test User)`
    )
  })

  it('an abort needs a reason; with one, traffic goes to 0% and the version leaves the stage', async () => {
    const bare = await cli(T0 + 254 * MINUTE, 'rollout', 'demo', '--stage', 'canary', '--abort')
    expect(bare.exitCode).toBe(2)
    expect(bare.stderr).toContain('an abort needs --reason')
    await step(
      T0 + 255 * MINUTE,
      ['--abort', '--reason', 'error spike in the eu segment'],
      'abort (0%)'
    )
    expect(await gto()).toEqual({ show: { dev: 'v1.5.0' }, semver: { dev: 'v1.5.0' } })
    const shown = await cli(T0 + 256 * MINUTE, 'rollout', 'demo', '--stage', 'canary', '--json')
    expect(shown.exitCode).toBe(0)
    const json = JSON.parse(shown.stdout) as {
      rollout: Record<string, unknown>
      steps: Array<Record<string, unknown>>
    }
    expect(json.rollout).toEqual({
      version: 'v1.5.0',
      phase: 'aborted',
      trafficPercent: 0,
      since: new Date((T0 + 255 * MINUTE) * 1000).toISOString()
    })
    expect(json.steps.map(s => [s.kind, s.percent, s.from, s.by, s.reason])).toEqual([
      ['start', 5, undefined, 'Test User', undefined],
      ['advance', 10, 5, 'Test User', undefined],
      ['advance', 25, 10, 'Test User', undefined],
      ['advance', 50, 25, 'Test User', undefined],
      ['hold', 50, undefined, 'Test User', 'wait for the Monday peak'],
      ['abort', 0, undefined, 'Test User', 'error spike in the eu segment']
    ])
    const plain = await cli(T0 + 256 * MINUTE, 'rollout', 'demo', '--stage', 'canary')
    expect(plain.stdout).toContain(
      `Now: aborted canary v1.5.0 at 0%, aborted ${utc(T0 + 255 * MINUTE)} UTC by Test User: error spike in the eu segment.`
    )
  })

  it('history lists every step, newest first, from the registry alone', async () => {
    const run = await cli(
      T0 + 257 * MINUTE,
      'history',
      'demo',
      '--stage',
      'canary',
      '--format',
      'md'
    )
    expect(run.exitCode).toBe(0)
    const lines = run.stdout.split('\n').filter(line => line.includes('rollout of demo'))
    expect(lines.map(line => line.split(' | ').at(-1)?.replace(/ \|$/, ''))).toEqual([
      'Abort rollout of demo v1.5.0 in canary, traffic 0%: error spike in the eu segment',
      'Hold rollout of demo v1.5.0 in canary at 50%: wait for the Monday peak',
      'Advance rollout of demo v1.5.0 in canary from 25% to 50%',
      'Advance rollout of demo v1.5.0 in canary from 10% to 25%',
      'Advance rollout of demo v1.5.0 in canary from 5% to 10%',
      'Start rollout of demo v1.5.0 in canary at 5%'
    ])
    const status = await cli(T0 + 257 * MINUTE, 'status', 'demo', '--format', 'md')
    expect(status.stdout).toContain('| demo | canary | - |')
    expect(status.stdout).not.toContain('demo canary:')
  })
})
