// Issue 16, "Done when": the clinical example's production stage requires the four trust gates,
// its shipped candidates pass the model-file scan and the data-quality gate, and a candidate
// failing the scan or the data-quality check is blocked by that gate alone through the bundled
// CLI (dist/cli/index.js) under the example policy as shipped. Provenance and monitoring need
// GitHub and a monitor source: clinical-example-promote.e2e.test.ts.
import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { loadPolicy } from '../src/policy/load.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { expectGolden } from './helpers/clinical-golden.js'
import { REPO_ROOT } from './helpers/run-action.js'

const POLICY = 'policies/clinical-classifier.yml'
const EXAMPLES = 'examples/clinical-classifier'
const DIRECTORIES = [
  'champion',
  'candidate',
  'candidate-regressed',
  'failing/model-scan',
  'failing/data-quality'
]

interface Report {
  decision: string
  gates: { gate: string; status: string; summary: string; details?: string[] }[]
}

const check = (candidate: string, json = false) =>
  bundledCli(REPO_ROOT, [
    'check',
    '--policy',
    POLICY,
    '--candidate',
    `${EXAMPLES}/${candidate}`,
    '--champion',
    `${EXAMPLES}/champion`,
    '--stage',
    'production',
    ...(json ? ['--json'] : [])
  ])

/** The gates that fail, by name: what blocked the candidate. */
const failing = (report: Report) => report.gates.filter(g => g.status === 'fail').map(g => g.gate)

describe('the clinical example policy', () => {
  it('requires provenance, the model-file scan, data quality and monitoring for production', async () => {
    const policy = await loadPolicy(path.join(REPO_ROOT, POLICY))
    const production = policy.stages.production
    expect(production?.provenance).toMatchObject({
      repository: 'acme/clinical-training',
      workflow: '.github/workflows/train.yml',
      ref: 'refs/heads/main'
    })
    expect(production?.model_scan).toBeDefined()
    expect(production?.data_quality).toBeDefined()
    expect(production?.monitoring).toBe('required')
    expect(production?.monitor?.triggers.map(t => t.name)).toEqual([
      'accuracy',
      'error rate',
      'p95 latency'
    ])
    // Staging keeps the team's floor only: the trust gates guard production.
    const staging = policy.stages.staging
    expect([staging?.provenance, staging?.model_scan, staging?.data_quality]).toEqual([
      undefined,
      undefined,
      undefined
    ])
  })
})

describe('the clinical example candidates', () => {
  it.each(DIRECTORIES)('%s: SHA256SUMS lists every other file with its hash', async dir => {
    const where = path.join(REPO_ROOT, EXAMPLES, dir)
    const names = (await readdir(where)).filter(name => name !== 'SHA256SUMS').sort()
    const lines = await Promise.all(
      names.map(
        async name =>
          `${createHash('sha256')
            .update(await readFile(path.join(where, name)))
            .digest('hex')}  ${name}`
      )
    )
    expect(await readFile(path.join(where, 'SHA256SUMS'), 'utf8')).toBe(lines.join('\n') + '\n')
  })

  it.each(DIRECTORIES)('%s: model.pkl is a real pickle (protocol 4, ends in STOP)', async dir => {
    const bytes = await readFile(path.join(REPO_ROOT, EXAMPLES, dir, 'model.pkl'))
    expect([bytes[0], bytes[1], bytes[bytes.length - 1]]).toEqual([0x80, 4, 0x2e])
  })

  it.each(['champion', 'candidate', 'candidate-regressed'])(
    '%s: its data-quality report is for the snapshot model.yaml names',
    async dir => {
      const where = path.join(REPO_ROOT, EXAMPLES, dir)
      const report = JSON.parse(await readFile(path.join(where, 'data_quality.json'), 'utf8'))
      const snapshot = /^training_data_snapshot: (.+)$/m.exec(
        await readFile(path.join(where, 'model.yaml'), 'utf8')
      )?.[1]
      expect(report.format).toBe('modelgate.data-quality/v1')
      expect(report.snapshot).toBe(snapshot)
    }
  )

  it('the good candidate passes the scan and data quality; check leaves the rest skipped (exit 1)', async () => {
    const run = await check('candidate', true)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(1)
    const report = JSON.parse(run.stdout) as Report
    expect(report.decision).toBe('pass-with-warnings')
    const status = Object.fromEntries(report.gates.map(g => [g.gate, g.status]))
    expect(status).toMatchObject({
      model_scan: 'pass',
      data_quality: 'pass',
      provenance: 'skipped',
      monitoring: 'skipped'
    })
    expect(failing(report)).toEqual([])
  })
})

describe('a clinical candidate failing each gate that check can judge (bundled CLI)', () => {
  it('model-file scan: a pickle calling os.system is blocked (exit 2), naming file, offset and import', async () => {
    const run = await check('failing/model-scan')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('## ❌ Blocked: clinical-classifier → production')
    expect(run.stdout).toContain('Blocked by a failing gate: Model-file scan.')
    expect(run.stdout).toContain('❌ **Model-file scan** fail: 1 dangerous import')
    expect(run.stdout).toContain('model.pkl at byte 2: os.system, dangerous')
    const json = JSON.parse((await check('failing/model-scan', true)).stdout) as Report
    expect(failing(json)).toEqual(['model_scan'])
    expectGolden('clinical-fails-model-scan.md', run.stdout)
  })

  it('data quality: a failed null-rate check is blocked (exit 2), naming the check and its numbers', async () => {
    const run = await check('failing/data-quality')
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('Blocked by a failing gate: Data quality.')
    expect(run.stdout).toContain('❌ **Data quality** fail: 1 data-quality problem for snapshot')
    expect(run.stdout).toContain('null_rate.systolic_bp: failed, 0.073 (threshold 0.01)')
    const json = JSON.parse((await check('failing/data-quality', true)).stdout) as Report
    expect(failing(json)).toEqual(['data_quality'])
    expectGolden('clinical-fails-data-quality.md', run.stdout)
  })
})
