// An MLflow rollout's steps in `status` and `history` (docs/rollout.md, "How MLflow keeps a
// rollout"), through the bundled CLI (dist/cli/index.js, a child process) against the MLflow
// stand-in on 127.0.0.1: `status` gives the rollout line ("canary 2 at 10% since … UTC") as it
// does on git, and `history` lists each step as one event, ModelGate's, in git's words: a start,
// abort or complete is the alias move it made, an advance or hold an event of its own.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import { hermeticGit } from './helpers/git-sandbox.js'
import { mlflowPolicy, seedModel } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import { cliAt } from './helpers/monitored-registry.js'
import { METRICS_FILE, canaryStage } from './helpers/rollout-policy.js'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
// 10:00 UTC tomorrow: after the stand-in's versions (made now), so no date is out of step.
const T0 = Math.ceil(Date.now() / DAY) * DAY + 10 * 60 * MINUTE
/** `YYYY-MM-DD HH:MM` of a time (UTC), as the tables print it, before the seconds. */
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

interface HistoryEvent {
  kind: string
  version?: string
  stage?: string
  by: string
  summary?: string
  audit?: { rollout?: { step: string; percent: number } }
}

describe('an MLflow rollout in status and history, through the bundled CLI', () => {
  let stand: MlflowStandIn
  let dir: string
  let model: string
  const cli = (at: number, ...args: string[]) =>
    cliAt(dir, at / 1000, [...args, '--policy', 'policy.yml'])
  const step = async (at: number, ...args: string[]) => {
    const run = await cli(at, 'rollout', model, '--stage', 'canary', ...args)
    expect(run.stderr).toBe('')
    // A start passes with warnings (no gates beyond the stage order): exit 1, as promote's.
    expect(run.exitCode).toBe(args[0] === '--start' ? 1 : 0)
  }
  const historyOf = async (at: number): Promise<HistoryEvent[]> => {
    const run = await cli(at, 'history', model, '--stage', 'canary', '--json')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    return JSON.parse(run.stdout) as HistoryEvent[]
  }

  beforeAll(async () => {
    stand = await startMlflowStandIn()
    model = seedModel(stand, 2, 'fraud')
    dir = await mkdtemp(path.join(tmpdir(), 'modelgate-rollout-mlflow-'))
    const git = hermeticGit(dir)
    await gitOk(git, ['init', '--quiet'])
    await gitOk(git, ['config', 'user.name', 'Ana Lopez'])
    await gitOk(git, ['config', 'user.email', 'ana@example.com'])
    await writeFile(
      path.join(dir, 'policy.yml'),
      mlflowPolicy(
        model,
        stand.url,
        `  staging:
    from: [candidate]
${canaryStage({
  from: 'staging',
  steps: '5, 10, 25',
  minStep: '1h',
  source: METRICS_FILE,
  triggers: `        - { name: error rate, query: 'error_ratio{version="$version"}', max: 0.05 }\n`
})}  production:
    from: [canary]
`
      )
    )
    const promoted = await cli(
      T0 - 10 * MINUTE,
      'promote',
      model,
      '--to',
      'staging',
      '--version',
      '2'
    )
    expect(promoted.stderr).toBe('')
    expect([0, 1]).toContain(promoted.exitCode) // 1: passed with warnings
  }, 60_000)
  afterAll(async () => {
    await stand?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('status shows where the rollout stands, as on git', async () => {
    await step(T0, '--start', '--version', '2')
    await step(T0 + 61 * MINUTE, '--advance')
    let status = await cli(T0 + 62 * MINUTE, 'status', model)
    expect(status.stderr).toBe('')
    expect(status.exitCode).toBe(0)
    expect(status.stdout).toMatch(
      new RegExp(
        `- ${model} canary: canary 2 at 10% since ${minute(T0 + 61 * MINUTE)}:\\d\\d UTC\\n`
      )
    )
    // The canary's holder is ModelGate's: no note that its assignment has no record.
    expect(status.stdout).not.toContain('has no ModelGate record')
    await step(T0 + 63 * MINUTE, '--hold', '--reason', 'wait for the Monday peak')
    status = await cli(T0 + 64 * MINUTE, 'status', model)
    expect(status.stdout).toMatch(
      new RegExp(
        `- ${model} canary: held canary 2 at 10% since ${minute(T0 + 61 * MINUTE)}:\\d\\d UTC \\(held ${minute(T0 + 63 * MINUTE)}:\\d\\d UTC by Ana Lopez\\)\\n`
      )
    )
  })

  it('history lists each step once, as an event of ModelGate, in the words git uses', async () => {
    const events = await historyOf(T0 + 65 * MINUTE)
    expect(events.map(e => [e.kind, e.version, e.audit?.rollout?.step, e.summary])).toEqual([
      [
        'assignment',
        '2',
        'hold',
        `Hold rollout of ${model} 2 in canary at 10%: wait for the Monday peak`
      ],
      ['assignment', '2', 'advance', `Advance rollout of ${model} 2 in canary from 5% to 10%`],
      ['assignment', '2', 'start', `Start rollout of ${model} 2 in canary at 5%`]
    ])
    const table = await cli(T0 + 65 * MINUTE, 'history', model, '--stage', 'canary')
    expect(table.stdout).toContain('rollout: start at 5%')
    expect(table.stdout).toContain('rollout: advance to 10%')
    expect(table.stdout).toContain('rollout: hold at 10%')
    expect(table.stdout).not.toContain('no ModelGate record')
  })

  it('an abort is one event, the alias taken out; status then shows no rollout', async () => {
    await step(T0 + 70 * MINUTE, '--abort', '--reason', 'error spike in the eu segment')
    const events = await historyOf(T0 + 71 * MINUTE)
    expect(events.map(e => [e.kind, e.audit?.rollout?.step ?? null])).toEqual([
      ['unassignment', 'abort'],
      ['assignment', 'hold'],
      ['assignment', 'advance'],
      ['assignment', 'start']
    ])
    expect(events[0]?.summary).toBe(
      `Abort rollout of ${model} 2 in canary, traffic 0%: error spike in the eu segment`
    )
    const table = await cli(T0 + 71 * MINUTE, 'history', model)
    expect(table.stdout).toContain('rollout: abort, traffic 0%')
    expect(table.stdout).not.toContain('no ModelGate record')
    const status = await cli(T0 + 72 * MINUTE, 'status', model)
    expect(status.exitCode).toBe(0)
    expect(status.stdout).not.toContain(`${model} canary:`)
    expect(status.stdout).toMatch(new RegExp(`\\| ${model} \\| canary +\\| - `))

    // `report` reads the same history: every step is ModelGate's (exit 0, nothing unrecorded).
    const report = await cli(
      T0 + 73 * MINUTE,
      'report',
      model,
      '--since',
      minute(T0 - DAY).slice(0, 10),
      '--format',
      'md'
    )
    expect(report.stderr).toBe('')
    expect(report.stdout).toContain('### Changes not made by ModelGate: none')
    expect(report.stdout).toContain('### Rollout steps: 4')
    expect(report.exitCode).toBe(0)
  })
})
