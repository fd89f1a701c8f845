// A re-run of a dispatch rollback through the bundled action (issue 10, item 5): every attempt
// of a workflow run has the same GITHUB_RUN_ID, so a second attempt after the first one's
// answer was lost writes nothing, instead of rolling back one more step.
import {
  dispatchWorkspace,
  remoteTags,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { fraudPolicy } from './helpers/fraud-policy.js'
import type { Clone } from './helpers/git-sandbox.js'
import type { StandIn } from './helpers/github-stand-in/index.js'
import { runAction } from './helpers/run-action.js'

const POLICY = fraudPolicy({ staging: '    from: [candidate]\n' }, { rollback: true })

describe('a re-run of a dispatch rollback (bundled action)', () => {
  let workspace: DispatchWorkspace
  let clone: Clone
  let gh: StandIn
  let commits: string[]
  const env = (sha: string, run: Record<string, string> = {}) =>
    workspace.env(sha, { GITHUB_SERVER_URL: 'https://github.com', ...run })

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.7, 0.75, 0.8], dispatchAt: 2 })
    ;({ clone, commits, gh } = workspace)
    for (const [i, version] of ['v1.0.0', 'v1.1.0', 'v1.2.0'].entries()) {
      const sha = commits[i] as string
      const registered = await runAction(
        { command: 'register', policy: 'policy.yml', version },
        env(sha, { GITHUB_RUN_ID: `${10 + i}` }),
        clone.dir
      )
      expect(registered.exitCode).toBe(0)
      const promoted = await runAction(
        { command: 'promote', policy: 'policy.yml', stage: 'staging', version },
        env(sha, { GITHUB_RUN_ID: `${20 + i}` }),
        clone.dir
      )
      expect(promoted.exitCode).toBe(0)
    }
  })
  afterAll(() => workspace?.cleanup())

  it('the second attempt of the same run writes nothing and says so', async () => {
    const inputs = { command: 'rollback', policy: 'policy.yml', stage: 'staging', reason: 'spike' }
    const first = await runAction(
      inputs,
      env('HEAD', { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '1' }),
      clone.dir
    )
    expect(first.exitCode).toBe(0)
    expect(first.summary).toContain('staging is back on **v1.1.0** (was v1.2.0)')
    const tags = await remoteTags(clone)

    const again = await runAction(
      inputs,
      env('HEAD', { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' }),
      clone.dir
    )
    expect(again.exitCode).toBe(0)
    expect(again.summary).toMatch(/already rolled back from v1\.2\.0 to v1\.1\.0/)
    expect(again.summary).toContain('Nothing written')
    expect(await remoteTags(clone)).toEqual(tags)

    // Another run (another id) by another reason is a new request: one more step back.
    const next = await runAction(
      { ...inputs, reason: 'v1.1.0 spikes too' },
      env('HEAD', { GITHUB_RUN_ID: '4243' }),
      clone.dir
    )
    expect(next.exitCode).toBe(0)
    expect(next.summary).toContain('staging is back on **v1.0.0** (was v1.1.0)')
    gh.assertNoViolations()
  })
})
