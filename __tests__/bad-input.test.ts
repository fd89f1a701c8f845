// Every bad input the engine must meet, through the whole `modelgate check` command:
// a clear message naming the place at fault and the documented exit code, never a pass.
import { symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { runCli } from '../src/cli/run.js'
import { scratchFolder, sha256 } from './fixtures/candidates/make-candidate.js'

const POLICIES = '__tests__/fixtures/policies'
const GOOD_CANDIDATE = 'examples/clinical-classifier/candidate'

async function check(policy: string, candidate: string, stage = 'staging') {
  let stdout = ''
  let stderr = ''
  const args = ['check', '--policy', policy, '--candidate', candidate, '--stage', stage]
  const exitCode = await runCli(args, {
    stdout: text => (stdout += text),
    stderr: text => (stderr += text)
  })
  return { exitCode, stdout, stderr }
}

describe('bad policies exit 2 and name file, line, column and key', () => {
  it.each([
    ['empty.yml', /empty\.yml:1:1: .*empty/i],
    ['syntax-error.yml', /syntax-error\.yml:\d+:\d+/],
    ['tab-indented.yml', /tab-indented\.yml:\d+:\d+: .*tab/i],
    ['duplicate-keys.yml', /duplicate-keys\.yml:\d+:\d+ .*: .*(duplicate|more than once|twice)/i],
    [
      'threshold-string.yml',
      /threshold-string\.yml:\d+:\d+ stages\.\S+\.thresholds\.\S+: must be a number/
    ],
    [
      'min-above-max.yml',
      /min-above-max\.yml:\d+:\d+ stages\.\S+\.thresholds\.\S+\.min: .*above max/
    ],
    ['unknown-source-stage.yml', /unknown-source-stage\.yml:\d+:\d+ stages\.\S+\.from/],
    ['unknown-key.yml', /unknown-key\.yml:\d+:\d+ \S+: /]
  ])('%s', async (file, message) => {
    const run = await check(path.join(POLICIES, file), GOOD_CANDIDATE)
    expect(run.stderr).toMatch(message)
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('bad candidates', () => {
  const scratch = scratchFolder('bad-input')
  // Gates one metric only, so each test blocks for the reason it names and no other.
  let GOOD_POLICY: string
  beforeAll(async () => {
    GOOD_POLICY = path.join((await scratch).root, 'accuracy-only.yml')
    await writeFile(
      GOOD_POLICY,
      'model: m\nstages:\n  staging:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.85 }\n'
    )
  })
  afterAll(async () => (await scratch).dispose())

  it('a good candidate passes this policy (so the failures below are the bad input)', async () => {
    const dir = await candidate({ 'metrics.json': '{"accuracy": 0.9, "roc_auc": 0.9}' })
    const run = await check(GOOD_POLICY, dir)
    expect(run.exitCode).toBe(0)
  })

  async function candidate(files: Record<string, string>) {
    return (await scratch).candidate(files)
  }

  it('metrics.json that is not an object: exit 2 naming the file', async () => {
    const dir = await candidate({ 'metrics.json': '[0.9, 0.8]' })
    const run = await check(GOOD_POLICY, dir)
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/metrics\.json.*object/)
  })

  it('metrics.json holding a string where a gated metric should be: blocked, naming it', async () => {
    const dir = await candidate({ 'metrics.json': '{"accuracy": "0.91", "roc_auc": 0.9}' })
    const run = await check(GOOD_POLICY, dir)
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toMatch(/accuracy is a string \("0\.91"\)/)
    expect(run.stdout).toContain('Blocked')
  })

  it('metrics.json holding NaN (as Python writes it): blocked, naming it', async () => {
    const dir = await candidate({ 'metrics.json': '{"accuracy": NaN, "roc_auc": 0.9}' })
    const run = await check(GOOD_POLICY, dir)
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toMatch(/accuracy is NaN/)
  })

  it('a checksums file listing a missing file or a wrong hash: blocked, naming each', async () => {
    const metrics = '{"accuracy": 0.9, "roc_auc": 0.9}'
    const sums = `${sha256('other')}  metrics.json\n${sha256('x')}  model.bin\n`
    const dir = await candidate({ 'metrics.json': metrics, SHA256SUMS: sums })
    const run = await check(GOOD_POLICY, dir)
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toMatch(/metrics\.json/)
    expect(run.stdout).toMatch(/model\.bin/)
    expect(run.stdout).toMatch(/❌ \*\*Artifact integrity\*\* fail/)
  })

  it('a candidate directory that does not exist: exit 3 naming it', async () => {
    const run = await check(GOOD_POLICY, 'examples/no-such-model')
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('examples/no-such-model')
  })

  it('a symlink pointing outside the candidate: refused, exit 2, not followed', async () => {
    const dir = await candidate({ 'metrics.json': '{"accuracy": 0.9, "roc_auc": 0.9}' })
    const outside = path.join((await scratch).root, 'secret.txt')
    await writeFile(outside, 'not part of the model')
    await symlink(outside, path.join(dir, 'weights.bin'))
    const run = await check(GOOD_POLICY, dir)
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toMatch(/weights\.bin/)
    expect(run.stdout).toBe('')
  })
})
