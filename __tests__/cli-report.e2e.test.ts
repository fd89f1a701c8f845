// `modelgate report` (issue 16, "Also"): a compliance report from the registry alone, through
// the bundled CLI (dist/cli/index.js) on a real git registry with a bare origin. Promotions, a
// forced promotion and a rollback by hand are listed and exit 0; a hand-made GTO tag (no
// ModelGate record) is listed as a change not made by ModelGate and makes the report exit 1.
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'

const SINCE = ['--since', '2000-01-01']

interface ReportJson {
  changesNotByModelGate: Array<{ id: string; stage: string; version?: string; kind: string }>
  promotions: Array<{ version: string; stage: string; forced: boolean; reason?: string }>
  rollbacks: Array<{ stage: string; restored: string; removed: string; automatic: boolean }>
  stageTime: Array<{ stage: string; version: string; seconds: number; holdsAtEnd: boolean }>
}

describe('modelgate report (bundled CLI, git registry)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy({ staging: true }))
    for (const [version, accuracy] of [
      ['v1.0.0', 0.85],
      ['v2.0.0', 0.9],
      ['v3.0.0', 0.5]
    ] as const) {
      await commitModel(clone, { accuracy })
      expect((await cli('register', 'demo', '--version', version)).exitCode).toBe(0)
    }
    expect((await cli('promote', 'demo', '--to', 'dev', '--version', 'v1.0.0')).exitCode).toBe(0)
    expect((await cli('promote', 'demo', '--to', 'dev', '--version', 'v2.0.0')).exitCode).toBe(0)
    const forced = await cli(
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v3.0.0',
      '--force',
      '--reason',
      'incident INC-7 hotfix'
    )
    expect(forced.exitCode).toBe(1)
    const rolled = await cli('rollback', 'demo', '--stage', 'dev', '--reason', 'v3 is worse')
    expect(rolled.exitCode).toBe(0)
  }, 120_000)
  afterAll(() => sandbox.cleanup())

  it('lists promotions, the forced one, the rollback by hand and time in stage; exit 0', async () => {
    const run = await cli('report', 'demo', ...SINCE, '--format', 'md')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('### Changes not made by ModelGate: none')
    expect(run.stdout).toContain('### Promotions: 3 (1 forced)')
    expect(run.stdout).toContain('### Rollbacks: 1 (0 automatic, 1 by hand)')
    expect(run.stdout).toMatch(/\| demo \| v3\.0\.0 \| candidate → dev \| v2\.0\.0 \| forced \|/)
    expect(run.stdout).toContain('incident INC-7 hotfix')
    expect(run.stdout).toMatch(
      /\| demo \| dev \| v3\.0\.0 \| v2\.0\.0 \| by hand \| Test User \| v3 is worse \|/
    )

    const json = JSON.parse((await cli('report', 'demo', ...SINCE, '--json')).stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([])
    expect(json.promotions.map(p => [p.version, p.forced])).toEqual([
      ['v1.0.0', false],
      ['v2.0.0', false],
      ['v3.0.0', true]
    ])
    expect(json.rollbacks).toEqual([
      expect.objectContaining({
        stage: 'dev',
        restored: 'v2.0.0',
        removed: 'v3.0.0',
        automatic: false
      })
    ])
    // v2.0.0 holds dev again after the rollback; every holder held it for some time.
    const dev = json.stageTime.filter(t => t.stage === 'dev')
    expect(dev.map(t => t.version).sort()).toEqual(['v1.0.0', 'v2.0.0', 'v3.0.0'])
    expect(dev.find(t => t.version === 'v2.0.0')?.holdsAtEnd).toBe(true)
    expect(dev.find(t => t.version === 'v3.0.0')?.holdsAtEnd).toBe(false)
    for (const entry of dev) expect(entry.seconds).toBeGreaterThan(0)
  })

  it('a window before every event reports nothing, exit 0', async () => {
    const run = await cli('report', 'demo', '--since', '2000-01-01', '--until', '2000-02-01')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('### Promotions: 0 (0 forced)')
  })

  it('a hand-made GTO tag is a change not made by ModelGate: listed, exit 1', async () => {
    await new Promise(resolve => setTimeout(resolve, 1100))
    await gitOk(clone.git, ['tag', '-a', 'demo#staging#9', '-m', 'by hand', 'demo@v1.0.0^{}'])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'demo#staging#9'])

    const run = await cli('report', 'demo', ...SINCE, '--format', 'md')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('### ⚠️ Changes not made by ModelGate: 1')
    expect(run.stdout).toMatch(
      /\| demo \| assignment \| staging \| v1\.0\.0 \| Test User \| `demo#staging#9` \|/
    )
    // Every registry report is still there.
    expect(run.stdout).toContain('### Promotions: 3 (1 forced)')

    const json = JSON.parse((await cli('report', ...SINCE, '--json')).stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([
      expect.objectContaining({ id: 'demo#staging#9', stage: 'staging', version: 'v1.0.0' })
    ])

    // A window that ends before the hand-made tag (--until is excluded) still lists it: it holds
    // staging now, and a holder ModelGate did not assign is listed whatever the window (a tag's
    // date is whatever its maker set).
    const history = JSON.parse((await cli('history', 'demo', '--json')).stdout) as Array<{
      id: string
      at: string
    }>
    const at = history.find(event => event.id === 'demo#staging#9')?.at as string
    const before = await cli('report', 'demo', ...SINCE, '--until', at, '--json')
    expect(before.exitCode).toBe(1)
    expect((JSON.parse(before.stdout) as ReportJson).changesNotByModelGate).toEqual([
      expect.objectContaining({ id: 'demo#staging#9', kind: 'holder', version: 'v1.0.0' })
    ])
  })

  it("a tag whose message copies another tag's record is listed too: the record is not its own", async () => {
    // The record of demo#dev#1 (v1.0.0's promotion to dev), copied onto a staging tag by hand.
    const object = await gitOk(clone.git, ['cat-file', '-p', 'demo#dev#1'])
    const message = object.slice(object.indexOf('\n\n') + 2)
    expect(message).toContain('"kind": "promotion"')
    await new Promise(resolve => setTimeout(resolve, 1100))
    await gitOk(clone.git, ['tag', '-a', 'demo#staging#10', '-m', message, 'demo@v1.0.0^{}'])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'demo#staging#10'])

    const run = await cli('report', 'demo', ...SINCE, '--json')
    expect(run.exitCode).toBe(1)
    const json = JSON.parse(run.stdout) as ReportJson
    expect(json.changesNotByModelGate.map(change => change.id)).toEqual([
      'demo#staging#9',
      'demo#staging#10'
    ])
    // The copy is no promotion either.
    expect(json.promotions).toHaveLength(3)
  })

  it('refuses a missing or unreadable --since and a window that ends before it starts (exit 2)', async () => {
    const missing = await cli('report', 'demo')
    expect([missing.exitCode, missing.stderr]).toEqual([
      2,
      expect.stringContaining('--since is required')
    ])
    const bad = await cli('report', 'demo', '--since', '11/20/2026')
    expect([bad.exitCode, bad.stderr]).toEqual([
      2,
      expect.stringContaining('--since must be a date')
    ])
    const backwards = await cli('report', 'demo', '--since', '2026-02-01', '--until', '2026-01-01')
    expect([backwards.exitCode, backwards.stderr]).toEqual([
      2,
      expect.stringContaining('must be later than --since')
    ])
    const unknown = await cli('report', 'nobody', ...SINCE)
    expect(unknown.exitCode).toBe(3)
  })
})
