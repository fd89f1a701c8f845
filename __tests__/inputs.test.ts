// The action's inputs as the runner hands them over (INPUT_* variables), validated together.
import { getInputs } from '../src/inputs.js'

const NAMES = [
  'command',
  'policy',
  'candidate',
  'stage',
  'champion',
  'model',
  'version',
  'reason',
  'dry-run',
  'force',
  'fail-on-blocked',
  'github-token',
  'promote-on',
  'candidate-artifact',
  'candidate-run-id',
  'candidate-repository',
  'notify-webhook',
  'notify-webhook-critical',
  'notify-webhook-warning',
  'notify-webhook-info'
]

function withInputs(inputs: Record<string, string>, read: () => unknown): unknown {
  const saved = { ...process.env }
  for (const name of NAMES) delete process.env[`INPUT_${name.toUpperCase()}`]
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value
  }
  try {
    return read()
  } finally {
    process.env = saved
  }
}

const problem = (inputs: Record<string, string>): string => {
  try {
    withInputs(inputs, getInputs)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the inputs were accepted')
}

const promote = { command: 'promote', policy: 'policy.yml', stage: 'production' }

describe('getInputs', () => {
  it('takes a candidate artifact for promote and check, with its run and repository', () => {
    const settings = withInputs(
      {
        ...promote,
        'candidate-artifact': 'model',
        'candidate-run-id': '42',
        'candidate-repository': 'acme/training',
        'notify-webhook': 'https://hooks.example.com/T0/secret'
      },
      getInputs
    )
    expect(settings).toMatchObject({
      candidateArtifact: 'model',
      candidateRunId: 42,
      candidateRepository: 'acme/training',
      notifyWebhooks: { default: 'https://hooks.example.com/T0/secret' }
    })
    expect(
      withInputs({ ...promote, command: 'check', 'candidate-artifact': 'm' }, getInputs)
    ).toMatchObject({
      command: 'check',
      candidateArtifact: 'm'
    })
  })

  it('routes notifications by severity: a URL or none each, secrets masked but never the word none', () => {
    const masked: string[] = []
    const settings = withInputs(
      {
        command: 'monitor',
        policy: 'policy.yml',
        'notify-webhook': 'https://hooks.example.com/T0/all',
        'notify-webhook-critical': 'https://pager.example.com/T0/critical',
        'notify-webhook-info': 'none'
      },
      () => getInputs({ onSecret: secret => masked.push(secret) })
    )
    expect(settings).toMatchObject({
      notifyWebhooks: {
        default: 'https://hooks.example.com/T0/all',
        critical: 'https://pager.example.com/T0/critical',
        info: 'none'
      }
    })
    expect(masked).toEqual([
      'https://hooks.example.com/T0/all',
      'https://pager.example.com/T0/critical'
    ])
    expect(
      problem({
        command: 'monitor',
        policy: 'p.yml',
        'notify-webhook-warning': 'ftp://x/T0/secret'
      })
    ).toBe('input "notify-webhook-warning" must be an http(s) URL or none')
    expect(problem({ command: 'monitor', policy: 'p.yml', 'notify-webhook': 'none' })).toBe(
      'input "notify-webhook" must be an http(s) URL'
    )
  })

  it('names the input at fault', () => {
    expect(problem({ ...promote, 'candidate-run-id': '0', 'candidate-artifact': 'm' })).toContain(
      'input "candidate-run-id" must be a workflow run id'
    )
    expect(
      problem({ ...promote, 'candidate-repository': 'acme', 'candidate-artifact': 'm' })
    ).toContain('input "candidate-repository" must be owner/name')
    expect(problem({ ...promote, 'notify-webhook': 'ftp://hooks.example.com/x' })).toBe(
      'input "notify-webhook" must be an http(s) URL'
    )
    expect(problem({ ...promote, candidate: 'dir', 'candidate-artifact': 'm' })).toContain(
      'inputs "candidate" and "candidate-artifact" both name the candidate'
    )
    expect(problem({ ...promote, 'candidate-run-id': '7' })).toContain('need "candidate-artifact"')
    expect(
      problem({
        command: 'rollback',
        stage: 'production',
        reason: 'x',
        model: 'm',
        'candidate-artifact': 'a'
      })
    ).toBe('input "candidate-artifact" is for commands check and promote, not rollback')
  })

  it('refuses model, stage and version inputs that are not names, without repeating them', () => {
    const rollback = { command: 'rollback', model: 'fraud', stage: 'production', reason: 'x' }
    const hostile = ['v1</summary><img src=x>', 'v1\n::add-mask::x', '@octocat', 'a b', 'v1`x`']
    for (const value of hostile) {
      expect(problem({ ...rollback, version: value })).toMatch(/^input "version" must be a version/)
      expect(problem({ ...rollback, stage: value })).toMatch(/^input "stage" must be a stage name/)
      expect(problem({ ...rollback, model: value })).toMatch(/^input "model" must be a model name/)
      expect(problem({ ...rollback, version: value })).not.toContain(value)
    }
    expect(problem({ ...rollback, version: 'v1.0.0', stage: 'x'.repeat(101) })).toContain(
      'at most 100 characters'
    )
    const names = { model: 'main.ml:churn-model', stage: 'team/prod_eu', version: 'v1.2.0-rc.1+b5' }
    expect(withInputs({ ...rollback, ...names }, getInputs)).toMatchObject(names)
    expect(withInputs({ ...rollback, version: '12' }, getInputs)).toMatchObject({ version: '12' })
  })

  it('never puts the webhook URL in a message', () => {
    const url = 'mailto:secret-token-123'
    expect(problem({ ...promote, 'notify-webhook': url })).not.toContain('secret-token-123')
  })
})
