// An attacker's review of `modelgate report` (issue 16, "Also"), through the bundled CLI on a
// real git registry: demo v1..v3 registered, v1 then v2 promoted to dev by ModelGate; each case
// works on its own copy of that origin. A tag with ModelGate's marker and no record, a tagger
// date outside the window (past or future), a deregistration or deprecation by hand, and a
// genuine record copied onto a new tag are each listed as not made by ModelGate (exit 1), and
// `status` and `history` say the same; rollout steps written by `modelgate rollout` are
// ModelGate's, in every reader.
import { cp } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'
import { hermeticGit, makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'

const CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/shifted-clock.mjs')

interface ReportJson {
  changesNotByModelGate: Array<{ id: string; kind: string; stage?: string; version?: string }>
  doubtfulDates: Array<{ id: string; why: string }>
  promotions: Array<{ id: string }>
  rolloutSteps: Array<{ kind: string; percent: number; version: string; reason?: string }>
  stageTime: Array<{ stage: string; version: string; seconds: number; holdsAtEnd: boolean }>
}

interface HistoryRow {
  id: string
  at: string
}

describe('modelgate report against hand-made tags (bundled CLI, git registry)', () => {
  let sandbox: Sandbox
  let copies = 0
  /** A clone of a copy of the base origin: each case changes its own registry. */
  async function fresh(): Promise<Clone> {
    const name = `case${++copies}`
    const origin = path.join(sandbox.root, `${name}.git`)
    await cp(sandbox.origin, origin, { recursive: true })
    const dir = path.join(sandbox.root, name)
    await gitOk(hermeticGit(sandbox.root), ['clone', '--quiet', origin, dir])
    const git = hermeticGit(dir)
    await gitOk(git, ['config', 'user.name', 'Test User'])
    await gitOk(git, ['config', 'user.email', 'test@example.com'])
    return { dir, git }
  }
  const run = (clone: Clone, ...args: string[]) => bundledCli(clone.dir, args)
  const since = (clone: Clone, from: string) =>
    run(clone, 'report', 'demo', '--since', from, '--json')
  /** A hand-made tag, pushed to origin; `date` sets its tagger date. */
  async function handTag(clone: Clone, args: string[], date?: string) {
    const env: Record<string, string> = date === undefined ? {} : { GIT_COMMITTER_DATE: date }
    await gitOk(clone.git, ['tag', '-a', ...args], { env })
    const name = args.find(arg => /[#@]/.test(arg) && !arg.endsWith('^{}')) as string
    await gitOk(clone.git, ['push', '--quiet', 'origin', name])
  }

  beforeAll(async () => {
    sandbox = await makeSandbox()
    const base = await sandbox.clone('base')
    await writePolicy(base, demoPolicy({ staging: true }))
    for (const [version, accuracy] of [
      ['v1.0.0', 0.85],
      ['v2.0.0', 0.9],
      ['v3.0.0', 0.95]
    ] as const) {
      await commitModel(base, { accuracy })
      expect((await run(base, 'register', 'demo', '--version', version)).exitCode).toBe(0)
    }
    for (const version of ['v1.0.0', 'v2.0.0']) {
      const promoted = await run(base, 'promote', 'demo', '--to', 'dev', '--version', version)
      expect([promoted.exitCode, promoted.stderr]).toEqual([0, ''])
    }
  }, 120_000)
  afterAll(() => sandbox.cleanup())

  it('the untouched registry: everything is ModelGate’s, exit 0', async () => {
    const clone = await fresh()
    const report = await since(clone, '2000-01-01')
    expect([report.exitCode, report.stderr]).toEqual([0, ''])
    const json = JSON.parse(report.stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([])
    expect(json.doubtfulDates).toEqual([])
    expect(json.promotions.map(p => p.id)).toEqual(['demo#dev#1', 'demo#dev#2'])
  })

  it("a tag with ModelGate's marker and no record is not ModelGate's, in report, status and history", async () => {
    const clone = await fresh()
    await handTag(clone, [
      'demo#staging#3',
      '-m',
      'Promote demo v3.0.0 to staging\n\n{"modelgate":1}',
      'demo@v3.0.0^{}'
    ])
    const report = await since(clone, '2000-01-01')
    expect(report.exitCode).toBe(1)
    const json = JSON.parse(report.stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([
      expect.objectContaining({ id: 'demo#staging#3', kind: 'assignment', version: 'v3.0.0' })
    ])
    const status = await run(clone, 'status', 'demo', '--format', 'md')
    expect(status.stdout).toContain(
      'the assignment of v3.0.0 (`demo#staging#3`) has no ModelGate record'
    )
    const history = await run(clone, 'history', 'demo', '--format', 'md')
    expect(history.stdout).toMatch(/\| staging \| Test User \| — \(no ModelGate record\) \|/)
  })

  it('a hand-made assignment dated long ago is listed whatever the window, its date flagged', async () => {
    const clone = await fresh()
    await handTag(
      clone,
      ['demo#staging#3', '-m', 'by hand', 'demo@v3.0.0^{}'],
      '2020-01-01T00:00:00Z'
    )
    const report = await since(clone, new Date(Date.now() - 3_600_000).toISOString())
    expect(report.exitCode).toBe(1)
    const json = JSON.parse(report.stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([
      expect.objectContaining({ id: 'demo#staging#3', kind: 'holder', version: 'v3.0.0' })
    ])
    expect(json.doubtfulDates).toEqual([
      expect.objectContaining({ id: 'demo#staging#3', why: expect.stringContaining('#2') })
    ])
    const md = await run(clone, 'report', 'demo', '--since', '2026-01-01', '--format', 'md')
    expect(md.stdout).toContain('### ⚠️ Dates out of step: 1')
  })

  it('a hand-made assignment dated in the future is listed now, its date flagged', async () => {
    const clone = await fresh()
    await handTag(clone, ['demo#dev#3', '-m', 'by hand', 'demo@v3.0.0^{}'], '2099-01-01T00:00:00Z')
    const report = await since(clone, new Date(Date.now() - 3_600_000).toISOString())
    expect(report.exitCode).toBe(1)
    const json = JSON.parse(report.stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([
      expect.objectContaining({ id: 'demo#dev#3', kind: 'holder', version: 'v3.0.0' })
    ])
    expect(json.doubtfulDates).toEqual([
      expect.objectContaining({ id: 'demo#dev#3', why: expect.stringContaining('future') })
    ])
  })

  it('a deregistration and a deprecation by hand are listed; the deregistered version leaves the stage', async () => {
    const clone = await fresh()
    await new Promise(resolve => setTimeout(resolve, 1100))
    await handTag(clone, ['demo@v2.0.0!#3', '-m', 'by hand', 'demo@v2.0.0^{}'])
    const report = await since(clone, '2000-01-01')
    expect(report.exitCode).toBe(1)
    const json = JSON.parse(report.stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([
      expect.objectContaining({ id: 'demo@v2.0.0!#3', kind: 'deregistration', version: 'v2.0.0' })
    ])
    const dev = json.stageTime.filter(t => t.stage === 'dev')
    expect(dev.find(t => t.version === 'v2.0.0')?.holdsAtEnd).toBe(false)
    expect(dev.find(t => t.version === 'v1.0.0')?.holdsAtEnd).toBe(true)
    const status = await run(clone, 'status', 'demo', '--format', 'md')
    expect(status.stdout).toMatch(/\| dev \| v1\.0\.0 \|/)
    expect(status.stdout).toContain(
      'demo dev: v2.0.0 held it until its deregistration (`demo@v2.0.0!#3`, by Test User'
    )
    const history = await run(clone, 'history', 'demo', '--format', 'md')
    expect(history.stdout).toMatch(
      /\| deregistration \| v2\.0\.0 \|.*\| — \(not made by ModelGate\) \|/
    )

    await handTag(clone, ['demo@deprecated#4', '-m', 'by hand', 'demo@v1.0.0^{}'])
    const deprecated = JSON.parse((await since(clone, '2000-01-01')).stdout) as ReportJson
    // Oldest first; two tags made within one second are in GTO's order (a deprecation before a
    // deregistration), so the test compares them as a set.
    expect(deprecated.changesNotByModelGate.map(c => [c.id, c.kind]).sort()).toEqual([
      ['demo@deprecated#4', 'deprecation'],
      ['demo@v2.0.0!#3', 'deregistration']
    ])
  })

  it("a genuine record copied onto a new tag is not that tag's: by its time, or as a second copy", async () => {
    const clone = await fresh()
    const object = await gitOk(clone.git, ['cat-file', '-p', 'demo#dev#1'])
    const message = object.slice(object.indexOf('\n\n') + 2)
    const at = (JSON.parse(message.slice(message.indexOf('{'))) as { at: string }).at
    const second = Date.parse(at) / 1000
    // The same second as the original: the time matches, the facts are a second copy.
    await handTag(clone, ['demo#dev#3', '-m', message, 'demo@v1.0.0^{}'], `${second} +0000`)
    const history = await run(clone, 'history', 'demo', '--format', 'md')
    expect(history.stdout.split('— (no ModelGate record)')).toHaveLength(2)
    const events = JSON.parse(
      (await run(clone, 'history', 'demo', '--json')).stdout
    ) as HistoryRow[]
    expect(events.find(row => row.id === 'demo#dev#1')).toHaveProperty('audit')
    expect(events.find(row => row.id === 'demo#dev#3')).not.toHaveProperty('audit')
    const report = JSON.parse((await since(clone, '2000-01-01')).stdout) as ReportJson
    expect(report.changesNotByModelGate.map(c => c.id)).toContain('demo#dev#3')
    expect(report.promotions.map(p => p.id)).toEqual(['demo#dev#1', 'demo#dev#2'])

    // The original gone, a copy made now: its record's time is not the tag's.
    const wait = (second + 4) * 1000 - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    const other = await fresh()
    await gitOk(other.git, ['push', '--quiet', 'origin', ':refs/tags/demo#dev#1'])
    await gitOk(other.git, ['tag', '-d', 'demo#dev#1'])
    await handTag(other, ['demo#dev#3', '-m', message, 'demo@v1.0.0^{}'])
    const copied = JSON.parse((await since(other, '2000-01-01')).stdout) as ReportJson
    expect(copied.changesNotByModelGate.map(c => c.id)).toEqual(['demo#dev#3'])
    expect(copied.promotions.map(p => p.id)).toEqual(['demo#dev#2'])
    const rows = JSON.parse((await run(other, 'history', 'demo', '--json')).stdout) as HistoryRow[]
    expect(rows.find(row => row.id === 'demo#dev#3')).not.toHaveProperty('audit')
  })
})

describe('modelgate report and rollout steps (bundled CLI, git registry)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const T0 = Math.floor(Date.now() / 1000) + 60
  const HOUR = 3600
  const cli = (seconds: number, ...args: string[]) =>
    bundledCli(clone.dir, args, {
      NODE_OPTIONS: `--import=${CLOCK}`,
      SHIFTED_CLOCK_START_MS: String(seconds * 1000)
    })
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
      steps: [5, 25]
      min_step_duration: 1h
      source: { prometheus: { url: "http://127.0.0.1:9090" } }
      triggers:
        - name: error rate
          query: sum(rate(errors_total{version="$version"}[5m]))
          max: 0.05
`
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    for (const [index, version] of ['v1.0.0', 'v1.5.0'].entries()) {
      await commitModel(clone, { accuracy: 0.85 + index / 100 }, { message: version })
      expect(
        (await cli(T0 - 50 + index * 10, 'register', 'demo', '--version', version)).stderr
      ).toBe('')
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
    // An aborted version starts again only forced (exit 1), past the rolled-back gate. The first
    // start passes with warnings (the canary has no gates beyond its stage order): exit 1, as
    // promote's.
    const steps: Array<[number, string[], number]> = [
      [T0, ['--start', '--version', 'v1.5.0'], 1],
      [T0 + 10, ['--abort', '--reason', 'wrong version'], 0],
      [T0 + 20, ['--start', '--version', 'v1.5.0', '--force', '--reason', 'mix-up'], 1],
      [T0 + HOUR + 30, ['--advance'], 0],
      [T0 + HOUR + 40, ['--hold', '--reason', 'wait for the Monday peak'], 0]
    ]
    for (const [seconds, args, exitCode] of steps) {
      const step = await cli(seconds, 'rollout', 'demo', '--stage', 'canary', ...args)
      expect([step.exitCode, step.stderr]).toEqual([exitCode, ''])
    }
  }, 120_000)
  afterAll(() => sandbox.cleanup())

  it('lists the steps in the report and flags none of them anywhere', async () => {
    const now = T0 + 2 * HOUR
    const report = await cli(now, 'report', 'demo', '--since', '2000-01-01', '--json')
    expect([report.exitCode, report.stderr]).toEqual([0, ''])
    const json = JSON.parse(report.stdout) as ReportJson
    expect(json.changesNotByModelGate).toEqual([])
    expect(json.rolloutSteps.map(s => [s.kind, s.version, s.percent, s.reason])).toEqual([
      ['start', 'v1.5.0', 5, undefined],
      ['abort', 'v1.5.0', 0, 'wrong version'],
      ['start', 'v1.5.0', 5, 'forced past 1 failing gate: Rolled back from this stage; mix-up'],
      ['advance', 'v1.5.0', 25, undefined],
      ['hold', 'v1.5.0', 25, 'wait for the Monday peak']
    ])
    const md = await cli(now, 'report', 'demo', '--since', '2000-01-01', '--format', 'md')
    expect(md.stdout).toContain('### Rollout steps: 5')
    expect(md.stdout).toMatch(
      /\| demo \| canary \| v1\.5\.0 \| hold \| 25% \| Test User \| wait for the Monday peak \|/
    )

    const status = await cli(now, 'status', 'demo', '--format', 'md')
    expect(status.stdout).not.toContain('no ModelGate record')
    const history = await cli(now, 'history', 'demo', '--format', 'md')
    expect(history.stdout).not.toContain('no ModelGate record')
    expect(history.stdout).toContain('rollout: advance to 25%')
    expect(history.stdout).toContain('rollout: abort, traffic 0%')
  })
})
