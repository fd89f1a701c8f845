// The same CLI commands with `registry: { type: mlflow }`, against the MLflow stand-in.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { auditRecordOf } from '../src/audit/record.js'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import type { RegistryEvent } from '../src/registry/port.js'
import { seedModel } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

describe('registry commands on an MLflow registry', () => {
  let stand: MlflowStandIn
  let scratch: string
  let policy: string
  let model: string
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-cli-'))
    model = seedModel(stand, 3)
    policy = path.join(scratch, 'policy.yml')
    await writeFile(
      policy,
      `model: ${model}
registry: { type: mlflow, uri: "${stand.url}" }
metrics:
  accuracy: { goal: maximize }
stages:
  production:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.8 }
    regression:
      accuracy: { max_drop: 0 }
`
    )
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  it('promotes, refuses a regression, reports status and history, and rolls back', async () => {
    const first = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '2',
      '--policy',
      policy
    )
    expect(first.stderr).toBe('')
    expect(first.stdout).toContain('Promoted 2 to production (first holder of the stage)')
    expect(first.exitCode).toBe(1) // no champion: the regression gate is skipped, and says so

    // Version 1 has a lower accuracy than the champion, version 2.
    const worse = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '1',
      '--policy',
      policy
    )
    expect(worse.exitCode).toBe(2)
    expect(worse.stdout).toContain('Not promoted')

    const better = await cli(
      'promote',
      model,
      '--to',
      'production',
      '--version',
      '3',
      '--policy',
      policy
    )
    expect(better.stdout).toContain('Promoted 3 to production (replacing 2)')
    expect(better.exitCode).toBe(0)

    const shown = JSON.parse((await cli('status', model, '--policy', policy, '--json')).stdout)
    expect(shown[0].stages).toEqual([
      expect.objectContaining({ stage: 'production', version: '3' })
    ])

    const rolled = await cli(
      'rollback',
      model,
      '--stage',
      'production',
      '--reason',
      'drift',
      '--policy',
      policy
    )
    expect(rolled.exitCode).toBe(0)
    expect(rolled.stdout).toContain('production is back on **2** (was 3)')

    const events = JSON.parse((await cli('history', model, '--policy', policy, '--json')).stdout)
    expect(events.length).toBeGreaterThanOrEqual(3)
    expect(events[0]).toMatchObject({ stage: 'production', version: '2' })
    // The whole audit record of each write, read back from the registry alone.
    const trail = events.filter((e: RegistryEvent) => e.kind === 'assignment')
    expect(trail.map((e: RegistryEvent) => auditRecordOf(e.audit)?.kind)).toEqual([
      'rollback',
      'promotion',
      'promotion'
    ])
    expect(auditRecordOf(trail[1].audit)).toMatchObject({ model, version: '3', previous: '2' })
    const table = (await cli('history', model, '--policy', policy)).stdout
    expect(table).toContain('rollback: rolled-back')
    expect(table).toContain('promotion: pass')
  })

  it('check reads candidate and champion as registered versions, by number or alias', async () => {
    const run = await cli(
      'check',
      '--policy',
      policy,
      '--stage',
      'production',
      '--candidate',
      `mlflow:${model}/1`,
      '--champion',
      `mlflow:${model}@production`
    )
    // Version 1 is below version 2, which holds the production alias after the rollback above.
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/\| accuracy \| 0\.82 \| 0\.81 \|/)
    expect(run.exitCode).toBe(2)
    const bad = await cli(
      'check',
      '--policy',
      policy,
      '--stage',
      'production',
      '--candidate',
      'mlflow:x'
    )
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('mlflow:NAME/VERSION')
  })

  it('exits 3 for a model the registry does not have', async () => {
    const other = path.join(scratch, 'missing.yml')
    await writeFile(
      other,
      `model: no-such-model\nregistry: { type: mlflow, uri: "${stand.url}" }\nstages:\n  production:\n    from: [candidate]\n`
    )
    const run = await cli('status', 'no-such-model', '--policy', other)
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('no-such-model')
  })
})
