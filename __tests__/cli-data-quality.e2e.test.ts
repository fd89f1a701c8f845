// The data-quality gate (issue 16) through the bundled CLI (dist/cli/index.js): `check` blocks a
// candidate whose data_quality.json is for another snapshot or has a failed check, and passes one
// whose report matches model.yaml's training_data_snapshot.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { bundledCli } from './helpers/cli-bundle.js'

const SNAPSHOT = 's3://acme-data/train/2026-11-01'
const POLICY = `model: demo
stages:
  production:
    from: [candidate]
    data_quality:
      checks: [row_count, null_rate.age]
`

describe('the data-quality gate (bundled CLI)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgate-dq-e2e-'))
    await writeFile(path.join(dir, 'policy.yml'), POLICY)
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  const candidate = async (name: string, snapshot: string, nullRatePassed: boolean) => {
    const where = path.join(dir, name)
    await mkdir(where)
    await writeFile(path.join(where, 'metrics.json'), '{"accuracy": 0.9}')
    await writeFile(
      path.join(where, 'model.yaml'),
      `version: v1\ntraining_data_snapshot: ${SNAPSHOT}\n`
    )
    await writeFile(
      path.join(where, 'data_quality.json'),
      JSON.stringify({
        format: 'modelgate.data-quality/v1',
        snapshot,
        checks: [
          { name: 'row_count', passed: true, value: 120345, threshold: 100000 },
          { name: 'null_rate.age', passed: nullRatePassed, value: 0.07, threshold: 0.05 }
        ]
      })
    )
    return name
  }
  const check = (name: string) =>
    bundledCli(dir, [
      'check',
      '--policy',
      'policy.yml',
      '--candidate',
      name,
      '--stage',
      'production'
    ])

  it('blocks a failed check, naming it with its numbers', async () => {
    const run = await check(await candidate('failed', SNAPSHOT, false))
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain(
      // The report unlinks URLs with a zero-width space after the scheme.
      `**Data quality** fail: 1 data-quality problem for snapshot ${SNAPSHOT.replace('s3:', 's3:\u200b')}`
    )
    expect(run.stdout).toContain('null_rate.age: failed, 0.07 (threshold 0.05)')
  })

  it('blocks a report for another snapshot', async () => {
    const run = await check(await candidate('stale', 's3://acme-data/train/2026-10-01', true))
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('**Data quality** fail: data_quality.json is for another snapshot')
  })

  it('passes a report for the snapshot model.yaml names', async () => {
    const run = await check(await candidate('good', SNAPSHOT, true))
    expect(run.stdout).toContain(`**Data quality** pass: 2 checks passed on snapshot`)
    expect(run.exitCode).toBe(0)
  })
})
