// register, promote, rollback, status and history through the CLI, on real git:
// a bare origin and a clone, the policy and model files committed in the clone.
import { runCli } from '../src/cli/run.js'
import { gitOk } from '../src/registry/git/runner.js'
import { makeSandbox, tagNames, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, originTags, writePolicy } from './helpers/model-checkout.js'

const POLICY = `model: demo
path: models/demo
metrics:
  accuracy: { goal: maximize }
stages:
  staging:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.8 }
  production:
    from: [staging]
    thresholds:
      accuracy: { min: 0.8 }
    regression:
      accuracy: { max_drop: 0.01 }
    min_days_in_source_stage: 7
`

async function cli(repo: string, ...args: string[]) {
  let stdout = ''
  let stderr = ''
  const exitCode = await runCli([...args, '--repo', repo], {
    stdout: text => (stdout += text),
    stderr: text => (stderr += text)
  })
  return { exitCode, stdout, stderr }
}

describe('registry commands on the git registry', () => {
  let sandbox: Sandbox
  let clone: Clone
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, POLICY)
    await commitModel(clone, { accuracy: 0.85 })
  })
  afterAll(() => sandbox.cleanup())

  it('registers a version on HEAD and refuses a version GTO cannot parse', async () => {
    const bad = await cli(clone.dir, 'register', 'demo', '--version', '1.0')
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/1\.0/)
    const run = await cli(clone.dir, 'register', 'demo', '--version', 'v1.0.0')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(await originTags(sandbox)).toEqual(['demo@v1.0.0'])
  })

  it('a dry run prints the tag it would write and writes nothing', async () => {
    const run = await cli(
      clone.dir,
      'promote',
      'demo',
      '--to',
      'staging',
      '--version',
      'v1.0.0',
      '--dry-run'
    )
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Dry run: would promote v1.0.0 to staging')
    expect(run.stdout).toMatch(/`demo#staging#\d+`/)
    expect(await originTags(sandbox)).toEqual(['demo@v1.0.0'])
  })

  it('promotes a registered version whose gates pass, then a re-run writes nothing', async () => {
    const run = await cli(clone.dir, 'promote', 'demo', '--to', 'staging', '--version', 'v1.0.0')
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('Promoted v1.0.0 to staging (first holder of the stage)')
    expect(run.exitCode).toBe(0)
    const tags = await originTags(sandbox)
    expect(tags).toEqual(['demo#staging#1', 'demo@v1.0.0'])
    const again = await cli(clone.dir, 'promote', 'demo', '--to', 'staging', '--version', 'v1.0.0')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('already holds staging')
    // Times in the house format, zone named: not a raw ISO string (issue 12, item 3).
    expect(again.stdout).toMatch(/\(since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, by Test User\)/)
    expect(await originTags(sandbox)).toEqual(tags)
  })

  it('holds production until the version has soaked in staging, unless forced with a reason', async () => {
    const early = await cli(
      clone.dir,
      'promote',
      'demo',
      '--to',
      'production',
      '--version',
      'v1.0.0'
    )
    expect(early.exitCode).toBe(2)
    expect(early.stdout).toMatch(/Days in source stage/)
    expect(early.stdout).toContain('Not promoted')
    const noReason = await cli(
      clone.dir,
      'promote',
      'demo',
      '--to',
      'production',
      '--version',
      'v1.0.0',
      '--force'
    )
    expect(noReason.exitCode).toBe(2)
    expect(noReason.stderr).toContain('--force needs --reason')
    expect(await originTags(sandbox)).toEqual(['demo#staging#1', 'demo@v1.0.0'])
    const forced = await cli(
      clone.dir,
      'promote',
      'demo',
      '--to',
      'production',
      '--version',
      'v1.0.0',
      '--force',
      '--reason',
      'hotfix for incident 42'
    )
    expect(forced.exitCode).toBe(1)
    expect(forced.stdout).toContain('## ⚠️ Forced past 1 pending gate: demo → production')
    expect(forced.stdout).toContain(
      'Promoted v1.0.0 to production, forced past 1 pending gate (first holder of the stage)'
    )
    const message = await gitOk(clone.git, [
      'tag',
      '-l',
      '--format=%(contents)',
      'demo#production#2'
    ])
    expect(message).toContain('hotfix for incident 42')
    expect(message.split('\n')[0]).toBe(
      'Promote demo v1.0.0 to production, forced past 1 pending gate: Days in source stage'
    )
  })

  it('refuses to promote past the stage order and blocks a version below the thresholds', async () => {
    const commitId = await commitModel(clone, { accuracy: 0.7 })
    expect(
      (await cli(clone.dir, 'register', 'demo', '--version', 'v1.1.0', '--ref', commitId)).exitCode
    ).toBe(0)
    const skip = await cli(
      clone.dir,
      'promote',
      'demo',
      '--to',
      'production',
      '--version',
      'v1.1.0'
    )
    expect(skip.exitCode).toBe(2)
    expect(skip.stdout).toMatch(
      /v1\.1\.0 is not in a stage production may be entered from \(staging\)/
    )
    const low = await cli(clone.dir, 'promote', 'demo', '--to', 'staging', '--version', 'v1.1.0')
    expect(low.exitCode).toBe(2)
    expect(low.stdout).toMatch(/accuracy is 0\.7, below the minimum 0\.8/)
    expect(await originTags(sandbox)).not.toContain('demo#staging#4')
  })

  it('promotes a better version over the champion, then rolls back writing both tags', async () => {
    const commitId = await commitModel(clone, { accuracy: 0.9 })
    await cli(clone.dir, 'register', 'demo', '--version', 'v1.2.0', '--ref', commitId)
    const promoted = await cli(
      clone.dir,
      'promote',
      'demo',
      '--to',
      'staging',
      '--version',
      'v1.2.0'
    )
    expect(promoted.stdout).toContain('Promoted v1.2.0 to staging (replacing v1.0.0)')
    expect(promoted.stdout).toMatch(/\| accuracy \| 0\.85 \| 0\.9 \|/)

    const noReason = await cli(clone.dir, 'rollback', 'demo', '--stage', 'staging')
    expect(noReason.exitCode).toBe(2)
    expect(noReason.stderr).toContain('--reason is required')

    const before = await originTags(sandbox)
    const rolled = await cli(
      clone.dir,
      'rollback',
      'demo',
      '--stage',
      'staging',
      '--reason',
      'bad canary'
    )
    expect(rolled.exitCode).toBe(0)
    expect(rolled.stdout).toContain('staging is back on **v1.0.0** (was v1.2.0)')
    const added = (await originTags(sandbox)).filter(tag => !before.includes(tag))
    expect(added.some(tag => /^demo#staging!#\d+$/.test(tag))).toBe(true)
    expect(added.some(tag => /^demo#staging#\d+$/.test(tag))).toBe(true)
  })

  it('a rolled-back version returns only by force, and a second rollback marks it again', async () => {
    const promote = (...extra: string[]) =>
      cli(clone.dir, 'promote', 'demo', '--to', 'staging', '--version', 'v1.2.0', ...extra)
    const before = await originTags(sandbox)
    const refused = await promote()
    expect(refused.exitCode).toBe(2)
    expect(refused.stdout).toContain('v1.2.0 was taken out of staging')
    expect(refused.stdout).toContain('(bad canary)')
    expect(await originTags(sandbox)).toEqual(before)

    const forced = await promote('--force', '--reason', 'canary fixed upstream')
    expect(forced.exitCode).toBe(1)
    expect(forced.stdout).toContain('Promoted v1.2.0 to staging, forced past 1 failing gate')
    const rolled = await cli(
      clone.dir,
      'rollback',
      'demo',
      '--stage',
      'staging',
      '--restore',
      'v1.0.0',
      '--reason',
      'still bad'
    )
    expect(rolled.exitCode).toBe(0)
    const again = await promote()
    expect(again.exitCode).toBe(2)
    expect(again.stdout).toContain('(still bad)')
  })

  it('status shows each stage holder; history lists every event newest first', async () => {
    const shown = await cli(clone.dir, 'status', 'demo', '--json')
    const [model] = JSON.parse(shown.stdout)
    const holders = Object.fromEntries(
      model.stages.map((holder: { stage: string; version: string }) => [
        holder.stage,
        holder.version
      ])
    )
    expect(holders).toEqual({ production: 'v1.0.0', staging: 'v1.0.0' })

    const log = await cli(clone.dir, 'history', 'demo', '--json')
    const events = JSON.parse(log.stdout) as Array<{ at: string; kind: string; id: string }>
    const times = events.map(event => Date.parse(event.at))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(events[0]?.kind).toBe('assignment')
    expect(events.map(event => event.id)).toEqual(
      expect.arrayContaining(['demo@v1.0.0', 'demo#staging#1'])
    )

    const staging = await cli(clone.dir, 'history', 'demo', '--stage', 'production')
    expect(staging.stdout).toContain('production')
    expect(staging.stdout).not.toMatch(/\| staging \|/)
    expect((await cli(clone.dir, 'status', 'nobody')).exitCode).toBe(3)
  })

  it('every tag written is annotated', async () => {
    const types = await gitOk(clone.git, ['for-each-ref', '--format=%(objecttype)', 'refs/tags'])
    expect(new Set(types.trim().split('\n'))).toEqual(new Set(['tag']))
    expect((await tagNames(clone.git)).length).toBeGreaterThan(5)
  })
})
