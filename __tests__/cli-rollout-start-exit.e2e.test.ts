// Issue 15's review of a start's exit code, through the bundled CLI (dist/cli/index.js) in a
// scratch repository with a bare origin: `rollout --start` is judged as `promote --to STAGE` is,
// and exits as promote does: 1 when its gates pass with warnings (a stage with no gates of its own
// warns), 0 when they pass. The warning says what is true: the stage order was checked, nothing
// beyond it.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundledCli } from './helpers/cli-bundle.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, originTags, writePolicy } from './helpers/model-checkout.js'

const CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/shifted-clock.mjs')

const rollout = `
    rollout:
      type: canary
      steps: [5, 50]
      min_step_duration: 1h
      source: { prometheus: { url: "http://127.0.0.1:9" } }
      triggers:
        - name: error rate
          query: sum(rate(errors_total{version="$version"}[5m]))
          max: 0.05`

const POLICY = `model: demo
path: models/demo
metrics:
  accuracy: { goal: maximize }
stages:
  dev:
    from: [candidate]
  canary:
    from: [dev]${rollout}
  gated:
    from: [dev]
    thresholds: { accuracy: { min: 0.5 } }${rollout}
  production:
    from: [canary, gated]
`

describe('rollout --start exits as promote does (bundled CLI, git registry)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const T0 = Math.floor(Date.now() / 1000) + 60
  const cli = (seconds: number, ...args: string[]) =>
    bundledCli(clone.dir, args, {
      NODE_OPTIONS: `--import=${CLOCK}`,
      SHIFTED_CLOCK_START_MS: String(seconds * 1000)
    })
  const WARNING = 'canary configures no gates beyond its stage order'

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    await commitModel(clone, { accuracy: 0.85 }, { message: 'v1.0.0' })
    const registered = await cli(T0 - 50, 'register', 'demo', '--version', 'v1.0.0')
    expect([registered.exitCode, registered.stderr]).toEqual([0, ''])
  })
  afterAll(() => sandbox.cleanup())

  it('a promotion into a stage with no gates of its own passes with warnings: exit 1', async () => {
    const promoted = await cli(T0 - 40, 'promote', 'demo', '--to', 'dev', '--version', 'v1.0.0')
    expect(promoted.stderr).toBe('')
    expect(promoted.exitCode).toBe(1)
    expect(promoted.stdout).toContain('⚠️ Passed with warnings')
  })

  it('a start whose gates pass with warnings exits 1, as promote; the warning names what was checked', async () => {
    const before = await originTags(sandbox)
    const dry = await cli(
      T0 - 30,
      'rollout',
      'demo',
      '--stage',
      'canary',
      '--start',
      '--version',
      'v1.0.0',
      '--dry-run'
    )
    expect(dry.stderr).toBe('')
    expect(dry.exitCode).toBe(1)
    expect(await originTags(sandbox)).toEqual(before)
    const start = await cli(
      T0,
      'rollout',
      'demo',
      '--stage',
      'canary',
      '--start',
      '--version',
      'v1.0.0'
    )
    expect(start.stderr).toBe('')
    expect(start.exitCode).toBe(1)
    expect(start.stdout).toContain('⚠️ Passed with warnings')
    expect(start.stdout).toContain('recorded start (5%).')
    expect(start.stdout).toContain(`- ${WARNING}`)
    // The stage order passed: "nothing was checked" would not be true.
    expect(start.stdout).toContain('✅ **Stage order** pass')
    expect(start.stdout).not.toContain('so nothing was checked')
    // Its re-run was judged when it started: nothing written, exit 0.
    const again = await cli(
      T0 + 10,
      'rollout',
      'demo',
      '--stage',
      'canary',
      '--start',
      '--version',
      'v1.0.0'
    )
    expect([again.exitCode, again.stderr]).toEqual([0, ''])
    expect(again.stdout).toContain('start (5%) is recorded already; nothing written.')
  })

  it('a start whose gates pass exits 0', async () => {
    const start = await cli(
      T0 + 20,
      'rollout',
      'demo',
      '--stage',
      'gated',
      '--start',
      '--version',
      'v1.0.0'
    )
    expect(start.stderr).toBe('')
    expect(start.exitCode).toBe(0)
    expect(start.stdout).toContain('recorded start (5%).')
    expect(start.stdout).not.toContain('Passed with warnings')
  })
})
