// Both composition roots open the policy, the registry and the command context the same way
// (issue 13, item 2), and each still names its inputs its own way: the CLI the policy file and
// --no-push, the action the "model" input.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { openCommandContext, type RunnerContext } from '../src/action/commands.js'
import { auditCollector } from '../src/audit/log.js'
import { openCliRegistry } from '../src/cli/context.js'
import { ExitCode } from '../src/errors.js'
import type { CommonSettings, Settings } from '../src/inputs.js'
import { loadPolicy } from '../src/policy/load.js'

const POLICY = 'policies/clinical-classifier.yml'

function runner(overrides: Partial<RunnerContext> = {}): RunnerContext {
  return {
    workspace: process.cwd(),
    actor: 'octocat',
    initialActor: 'hubot',
    eventName: 'workflow_dispatch',
    sha: 'abc123',
    runUrl: 'https://github.example/o/r/actions/runs/1',
    env: {},
    onSecret: () => {},
    audits: auditCollector(),
    ...overrides
  }
}

function settings(overrides: Partial<CommonSettings>): Settings {
  return {
    command: 'status',
    dryRun: false,
    force: false,
    failOnBlocked: true,
    promoteOn: 'merge',
    notifyWebhooks: {},
    ...overrides
  }
}

describe('one composition path for the CLI and the action', () => {
  let scratch: string
  let mlflowPolicy: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-workspace-'))
    mlflowPolicy = path.join(scratch, 'mlflow.yml')
    await writeFile(
      mlflowPolicy,
      'model: demo\nregistry: { type: mlflow, uri: "http://127.0.0.1:9" }\nstages:\n  production:\n    from: [candidate]\n'
    )
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('the CLI names the policy file and its model key when the policy is for another model', async () => {
    const opening = openCliRegistry({ repo: '.', model: 'other-model', policyFile: POLICY })
    await expect(opening).rejects.toMatchObject({
      message: `${POLICY} is the policy for clinical-classifier, not other-model`,
      exitCode: ExitCode.Blocked,
      locations: [{ file: POLICY, keyPath: 'model' }]
    })
  })

  it('the action names its "model" input when the policy is for another model', async () => {
    const opening = openCommandContext(settings({ policy: POLICY, model: 'other-model' }), runner())
    await expect(opening).rejects.toMatchObject({
      message: 'input "model" is other-model but the policy is for clinical-classifier',
      exitCode: ExitCode.Blocked
    })
  })

  it('the CLI refuses --no-push on an MLflow registry, naming the flag', async () => {
    const opening = openCliRegistry({ repo: '.', policyFile: mlflowPolicy, push: false })
    await expect(opening).rejects.toMatchObject({
      message:
        '--no-push keeps git tags in this clone; an MLflow registry has no local copy to keep a write in',
      exitCode: ExitCode.Blocked
    })
  })

  it("the CLI's context: the git user, the cli event, candidates inside the repository", async () => {
    const cli = await openCliRegistry({ repo: '.', model: 'clinical-classifier' })
    expect(cli.policy?.model).toBe('clinical-classifier')
    expect(cli.context.runFacts).toEqual({ event: 'cli' })
    expect(cli.context.workspace).toBe(path.resolve('.'))
    expect(cli.context.actor).not.toBe('')
  })

  it("the action's context: the runner's actor and run facts, the model from the policy", async () => {
    const opened = await openCommandContext(settings({ policy: POLICY }), runner())
    expect(opened.model).toBe('clinical-classifier')
    expect(opened.policy?.model).toBe('clinical-classifier')
    expect(opened.context.actor).toBe('octocat')
    expect(opened.context.actorEmail).toBeUndefined()
    expect(opened.context.workspace).toBeUndefined()
    expect(opened.context.runFacts).toEqual({
      event: 'workflow_dispatch',
      sha: 'abc123',
      runUrl: 'https://github.example/o/r/actions/runs/1',
      initialActor: 'hubot'
    })
  })

  it('the action uses a policy already read (the base branch\'s) over its "policy" input', async () => {
    const given = await loadPolicy('policies/churn-model.yml')
    const opened = await openCommandContext(
      settings({ policy: 'no/such/policy.yml' }),
      runner(),
      given
    )
    expect(opened.model).toBe(given.model)
    expect(opened.policy).toBe(given)
  })
})
