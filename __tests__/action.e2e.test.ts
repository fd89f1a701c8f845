// The bundled action, run as a runner runs it: dist/index.js in a child process.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runAction } from './helpers/run-action.js'

const POLICY = 'policies/clinical-classifier.yml'
const EXAMPLES = 'examples/clinical-classifier'

describe('the bundled action (dist/index.js)', () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-e2e-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('passes a good candidate and publishes decision, report and JSON', async () => {
    const run = await runAction({
      policy: POLICY,
      candidate: `${EXAMPLES}/candidate`,
      champion: `${EXAMPLES}/champion`,
      stage: 'staging'
    })
    // Staging requires an approval that `check` cannot see: a warning, not a pass.
    expect(run.outputs.decision).toBe('pass-with-warnings')
    expect(run.exitCode).toBe(0)
    expect(run.outputs.report).toContain('clinical-classifier')
    expect(run.summary).toBe(run.outputs.report + '\n')
    const evaluation = JSON.parse(run.outputs['report-json'] ?? '')
    expect(evaluation.decision).toBe('pass-with-warnings')
    expect(evaluation.stage).toBe('staging')
  })

  it('blocks a regressed candidate with exit code 2 and a failed step', async () => {
    const run = await runAction({
      policy: POLICY,
      candidate: `${EXAMPLES}/candidate-regressed`,
      champion: `${EXAMPLES}/champion`,
      stage: 'production'
    })
    expect(run.outputs.decision).toBe('blocked')
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toMatch(/::error::ModelGate check: production promotion is blocked/)
  })

  it('with fail-on-blocked false, reports blocked but leaves the step green', async () => {
    const run = await runAction({
      policy: POLICY,
      candidate: `${EXAMPLES}/candidate-regressed`,
      champion: `${EXAMPLES}/champion`,
      stage: 'production',
      'fail-on-blocked': 'false'
    })
    expect(run.outputs.decision).toBe('blocked')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::ModelGate check: production promotion is blocked/)
  })

  it('turns a policy error into an annotation on the policy line, exit 2', async () => {
    const policy = path.join(scratch, 'bad-policy.yml')
    await writeFile(
      policy,
      [
        'model: clinical-classifier',
        'stages:',
        '  staging:',
        '    from: [candidate]',
        '    thresholds:',
        '      accuracy: { min: "0.85" }',
        ''
      ].join('\n')
    )
    const run = await runAction({ policy, candidate: `${EXAMPLES}/candidate`, stage: 'staging' })
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toMatch(
      new RegExp(`::error title=ModelGate,file=${escape(policy)},line=6,col=\\d+::`)
    )
    expect(run.stdout).toContain('stages.staging.thresholds.accuracy.min')
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/)
    expect(run.outputs.decision).toBeUndefined()
  })

  it('names every missing input at once', async () => {
    const run = await runAction({ policy: '', candidate: '', stage: '' })
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('input "policy" is required for command "check"')
    expect(run.stdout).toContain('input "candidate" is required for command "check"')
    expect(run.stdout).toContain('input "stage" is required for command "check"')
  })

  it('exits 3 when the candidate directory does not exist', async () => {
    const run = await runAction({
      policy: POLICY,
      candidate: path.join(scratch, 'no-such-dir'),
      stage: 'staging'
    })
    expect(run.exitCode).toBe(3)
    expect(run.stdout).toContain('no-such-dir')
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
