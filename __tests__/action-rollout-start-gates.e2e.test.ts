// Issue 15's finding on a rollout's start, in the bundled action (dist/index.js, a child process)
// on workflow_dispatch against the GitHub stand-in: `command: rollout` with `step: start` is
// judged by the canary's gates (approvals fail closed: there is no pull request), refused with
// promote's report and audit record, writing nothing; `force` with a `reason` starts it (as a
// forced promotion in the action: exit 0, decision blocked), recorded as forced (the actor's right among the record's gates); and `command: promote` into a
// rollout stage is refused, pointing to the rollout's start.
import {
  dispatchWorkspace,
  remoteTags,
  summaryRecords,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import type { Clone } from './helpers/git-sandbox.js'
import { canaryStage, fraudRolloutPolicy } from './helpers/rollout-policy.js'
import { canarySteps, registerByAction, setUpByCli } from './helpers/rollout-workspace.js'
import { runAction } from './helpers/run-action.js'

const POLICY = fraudRolloutPolicy(`${canaryStage({
  from: 'staging',
  gates: '    approvals: { required: 1 }\n',
  steps: '5, 50',
  source: '{ prometheus: { url: "http://127.0.0.1:9" } }',
  triggers: `        - name: errors
          query: 'error_ratio{model="$model", version="$version"}'
          max: 0.05
`
})}  production:
    from: [canary]
`)

describe('command rollout, step start, judged by the stage gates (bundled action)', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  const dispatch = (inputs: Record<string, string>, runId: string) =>
    runAction(
      { command: 'rollout', policy: 'policy.yml', stage: 'canary', ...inputs },
      workspace.env('HEAD', { GITHUB_RUN_ID: runId }),
      clone.dir
    )

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.8, 0.85], dispatchAt: 1 })
    clone = workspace.clone
    await registerByAction(workspace, ['v1.1.0'], { first: 1 })
    await setUpByCli(clone, ['promote', 'fraud', '--to', 'staging', '--version', 'v1.1.0'])
  }, 120_000)
  afterAll(async () => {
    await workspace?.cleanup()
  })

  it("refuses the start its gates block, with promote's report and a refused record", async () => {
    const before = await remoteTags(clone)
    const run = await dispatch({ step: 'start', version: 'v1.1.0' }, '501')
    expect(run.exitCode).toBe(2)
    expect(run.summary).toContain('## ❌ Blocked: fraud → canary')
    expect(run.summary).toContain(
      '❌ **Approvals** fail: no pull-request reviews were supplied, so approvals cannot be verified'
    )
    expect(run.outputs['rollout-step']).toBeUndefined()
    const [record] = summaryRecords(run.summary)
    expect(record).toMatchObject({
      kind: 'refused',
      written: false,
      to: 'canary',
      version: 'v1.1.0',
      decision: 'blocked',
      actor: 'octocat'
    })
    expect(record?.gates.map(g => `${g.gate} ${g.status}`)).toContain('approvals fail')
    expect(await remoteTags(clone)).toEqual(before)
  })

  it('refuses force without a reason; with one, starts it, recorded as forced', async () => {
    const before = await remoteTags(clone)
    const unexplained = await dispatch({ step: 'start', version: 'v1.1.0', force: 'true' }, '502')
    expect(unexplained.exitCode).toBe(2)
    expect(unexplained.stdout).toContain('input "reason" is required for command "rollout"')
    expect(await remoteTags(clone)).toEqual(before)
    const run = await dispatch(
      { step: 'start', version: 'v1.1.0', force: 'true', reason: 'approved on the call' },
      '503'
    )
    expect(run.stderr).toBe('')
    // As a forced promotion in the action: the step passes (exit 0), its decision says blocked.
    expect(run.exitCode).toBe(0)
    expect(run.outputs.decision).toBe('blocked')
    expect(run.summary).toContain('## ⚠️ Forced past 1 failing gate: fraud → canary')
    expect(run.outputs['rollout-step']).toBe('start')
    expect(run.outputs['traffic-percent']).toBe('5')
    const [record] = summaryRecords(run.summary)
    expect(record).toMatchObject({ kind: 'forced-promotion', written: true, to: 'canary' })
    expect(record?.gates.map(g => `${g.gate} ${g.status}`)).toEqual(
      expect.arrayContaining(['permission pass', 'approvals fail'])
    )
    expect((await canarySteps(clone)).at(-1)).toMatchObject({
      kind: 'start',
      by: 'octocat',
      reason: 'forced past 1 failing gate: Approvals; approved on the call'
    })
  })

  it('refuses command promote into a rollout stage, pointing to the start', async () => {
    const before = await remoteTags(clone)
    const run = await runAction(
      { command: 'promote', policy: 'policy.yml', stage: 'canary', version: 'v1.1.0' },
      workspace.env('HEAD', { GITHUB_RUN_ID: '504' }),
      clone.dir
    )
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('modelgate rollout fraud --stage canary --start --version v1.1.0')
    expect(await remoteTags(clone)).toEqual(before)
  })
})
