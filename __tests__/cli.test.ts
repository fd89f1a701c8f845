import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { runCliBundle } from './helpers/run-action.js'

const POLICY = 'policies/clinical-classifier.yml'
const EXAMPLES = 'examples/clinical-classifier'

/** `check` arguments for one of the shipped examples. */
function checkExample(candidate: string, stage: string, champion?: string): string[] {
  const args = ['check', '--policy', POLICY, '--candidate', `${EXAMPLES}/${candidate}`]
  args.push('--stage', stage)
  return champion ? [...args, '--champion', `${EXAMPLES}/${champion}`] : args
}

describe('modelgate check', () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-cli-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('prints the report and exits 1 when gates pass but some could not be evaluated', async () => {
    const run = await cli(...checkExample('candidate', 'staging', 'champion'))
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('| accuracy | 0.874 | 0.881 | +0.007 | ≥ 0.85 | ✅ pass |')
    expect(run.stdout).toContain('**Approvals** skipped: not evaluated by check')
    expect(run.exitCode).toBe(1)
  })

  it('exits 0 when every gate passes', async () => {
    const policy = path.join(scratch, 'thresholds-only.yml')
    await writeFile(
      policy,
      'model: clinical-classifier\nstages:\n  staging:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.85 }\n'
    )
    const args = ['check', '--policy', policy, '--candidate', `${EXAMPLES}/candidate`]
    const run = await cli(...args, '--stage', 'staging')
    expect(run.stdout).toContain('Passed')
    expect(run.exitCode).toBe(0)
  })

  it('prints JSON with --json and exits 2 when blocked', async () => {
    const run = await cli(
      ...checkExample('candidate-regressed', 'production', 'champion'),
      '--json'
    )
    const evaluation = JSON.parse(run.stdout)
    expect(evaluation.decision).toBe('blocked')
    expect(evaluation.model).toBe('clinical-classifier')
    expect(run.exitCode).toBe(2)
  })

  it('exits 3 for a stage the policy does not define, naming the stages it has', async () => {
    const run = await cli(...checkExample('candidate', 'prod'))
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('prod')
    expect(run.stderr).toContain('production')
  })

  it('exits 3 for a missing policy file', async () => {
    const args = ['check', '--policy', 'policies/nope.yml', '--candidate', `${EXAMPLES}/candidate`]
    const run = await cli(...args, '--stage', 'staging')
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('policies/nope.yml')
  })

  it('exits 2 with usage for a missing option or an unknown one', async () => {
    const missing = await cli('check', '--policy', POLICY, '--stage', 'staging')
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('--candidate is required')
    expect(missing.stderr).toContain('Usage: modelgate check')
    const unknown = await cli('check', '--polcy', POLICY)
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain('--polcy')
  })

  it('exits 2 for an unknown command and lists the commands', async () => {
    const run = await cli('promot')
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('unknown command "promot"')
    expect(run.stderr).toContain('check')
  })

  it('the bundled CLI (dist/cli/index.js) behaves the same, without a stack trace', async () => {
    const run = await runCliBundle(checkExample('candidate-regressed', 'production', 'champion'))
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('## ❌ Blocked: clinical-classifier → production')
    expect(run.stderr).toBe('')
    const missing = await runCliBundle(checkExample('no-such-candidate', 'staging'))
    expect(missing.exitCode).toBe(3)
    expect(missing.stderr).toMatch(/^modelgate: .*no-such-candidate/)
    expect(missing.stderr).not.toMatch(/\n\s+at /)
  })
})
