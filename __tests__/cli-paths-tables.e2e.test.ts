// Issue 12, item 6, through the bundled CLI in a real clone with a bare origin: the default
// policy is found from a subfolder, stages the policy does not define are refused alike
// everywhere, a missing --repo is named, the rolled_back gate has a label, status shows every
// stage, and status/history print an aligned table on demand (markdown otherwise).
import { execFile } from 'node:child_process'
import path from 'node:path'
import { bundledCli, hermeticCliEnv } from './helpers/cli-bundle.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'
import { CLI_ENTRY } from './helpers/run-action.js'

describe('CLI paths, stage names and tables (issue 12, item 6)', () => {
  let sandbox: Sandbox
  let clone: Clone
  let sub: string
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy({ staging: true }))
    sub = path.join(clone.dir, 'models/demo')
    await commitModel(clone, { accuracy: 0.85 })
    expect((await cli('register', 'demo', '--version', 'v1.0.0')).exitCode).toBe(0)
    await commitModel(clone, { accuracy: 0.9 })
    expect((await cli('register', 'demo', '--version', 'v2.0.0')).exitCode).toBe(0)
  })
  afterAll(() => sandbox.cleanup())

  it('(a) promote from a subfolder finds policies/MODEL.yml at the repository root', async () => {
    const run = await bundledCli(sub, ['promote', 'demo', '--to', 'dev', '--version', 'v1.0.0'])
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const shown = await bundledCli(sub, ['status', 'demo', '--json'])
    expect(JSON.parse(shown.stdout)[0].stages[0].version).toBe('v1.0.0')
  })

  it('(b) rollback and history on a stage the policy does not define name the stages, exit 3', async () => {
    const promoted = await cli('promote', 'demo', '--to', 'prod', '--version', 'v1.0.0')
    expect(promoted.exitCode).toBe(3)
    expect(promoted.stderr).toContain('it defines: dev, staging')
    for (const args of [
      ['rollback', 'demo', '--stage', 'prod', '--reason', 'bad'],
      ['history', 'demo', '--stage', 'prod']
    ]) {
      const run = await cli(...args)
      expect({ args, exitCode: run.exitCode }).toEqual({ args, exitCode: 3 })
      expect(run.stderr).toContain(
        'stage "prod" is not defined in the policy for demo; it defines: dev, staging'
      )
      expect(run.stdout).toBe('')
    }
  })

  it('(c) a --repo that does not exist is named, exit 3, no spawn error', async () => {
    const missing = path.join(sandbox.root, 'no-such-dir')
    for (const args of [
      ['status', '--repo', missing],
      ['history', 'demo', '--repo', missing]
    ]) {
      const run = await cli(...args)
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toContain(`--repo ${missing}: no such directory`)
      expect(run.stderr).not.toMatch(/ENOENT|spawn/)
    }
  })

  it('(e) status lists every stage of the policy, unheld ones as -, with the zone in "Since"', async () => {
    const run = await cli('status', 'demo', '--format', 'md')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('| Model | Stage | Version | Since (UTC) | By |')
    expect(run.stdout).toMatch(/\| demo \| dev \| v1\.0\.0 \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \|/)
    expect(run.stdout).toContain('| demo | staging | - | - | - |')
    // --json is unchanged: holders only.
    const json = JSON.parse((await cli('status', 'demo', '--json')).stdout)
    expect(json[0].stages.map((s: { stage: string }) => s.stage)).toEqual(['dev'])
  })

  it('(f) piped output is markdown; --format table prints aligned plain columns', async () => {
    const piped = await cli('history', 'demo')
    expect(piped.stdout.split('\n')[0]).toMatch(/^\| When \(UTC\) \| Model \|/)

    const table = await cli('history', 'demo', '--format', 'table')
    expect(table.exitCode).toBe(0)
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^When \(UTC\) +Model +Event +Version +Stage +By /)
    expect(table.stdout).not.toContain('|')
    // Aligned: every column starts at the same offset on every line.
    const start = (line: string, word: string) => line.indexOf(word)
    const header = lines[0] as string
    const modelAt = start(header, 'Model')
    const eventAt = start(header, 'Event')
    for (const line of lines.slice(2)) {
      expect(line.slice(modelAt, modelAt + 4)).toBe('demo')
      expect(line.slice(eventAt)).toMatch(/^(registration|assignment)/)
    }
    expect(lines[1]).toMatch(/^-+ +-+ /)

    const status = await cli('status', 'demo', '--format', 'table')
    const rows = status.stdout.trimEnd().split('\n')
    expect(rows[0]).toMatch(/^Model +Stage +Version +Since \(UTC\) +By$/)
    expect(rows.find(row => row.includes('staging'))).toMatch(/^demo +staging +- +- +-$/)

    const bad = await cli('status', 'demo', '--format', 'html')
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('--format must be md or table')
  })

  it('(f) on a terminal (a pty from script(1)) status is the aligned table by default', async () => {
    const command = [process.execPath, CLI_ENTRY, 'status', 'demo'].map(w => `'${w}'`).join(' ')
    const run = await new Promise<string>((resolve, reject) =>
      execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { cwd: clone.dir, env: hermeticCliEnv() },
        (error, stdout) => (error ? reject(error) : resolve(stdout))
      )
    )
    const rows = run.replace(/\r/g, '').trimEnd().split('\n')
    expect(rows[0]).toMatch(/^Model +Stage +Version +Since \(UTC\) +By$/)
    expect(run).not.toContain('|')
  })

  it('(d) the rolled_back gate shows a label, not its identifier', async () => {
    expect((await cli('promote', 'demo', '--to', 'dev', '--version', 'v2.0.0')).exitCode).toBe(0)
    const back = await cli('rollback', 'demo', '--stage', 'dev', '--reason', 'bad v2')
    expect(back.exitCode).toBe(0)
    const again = await cli('promote', 'demo', '--to', 'dev', '--version', 'v2.0.0')
    expect(again.exitCode).toBe(2)
    expect(again.stdout).toContain('**Rolled back from this stage** fail')
    expect(again.stdout).not.toContain('rolled_back')
  })
})
