// Holes a security review found after issue 10, end to end through the bundled action: a dispatch
// without a `policy` input still reads the default branch's `policies/<model>.yml` rights; a
// re-run whose runner does not name who re-ran it writes nothing; logins compare in any letter
// case; `check` on a pull request reads the base's policy, never the head's.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import {
  eventRunner,
  modelWorkspace,
  registerVersions,
  remoteTags,
  type EventRunner,
  type ModelWorkspace
} from './helpers/action-workspace.js'
import {
  pullRequestEvent,
  rerun,
  rerunUnnamed,
  workflowDispatchEvent,
  type BuiltEvent
} from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'

const POLICY = `model: fraud
path: model
metrics:
  auc: { goal: maximize }
stages:
  dev:
    from: [candidate]
    thresholds:
      auc: { min: 0.7 }
rollback:
  allowed: { permission: maintain }
`

/** The default branch's `policies/fraud.yml`: only admins may roll back or force. */
const ADMIN_ONLY = POLICY.replace('permission: maintain', 'permission: admin')

/** A pull request's (or a branch's) own copy that lets anything into dev. */
const LOOSENED = POLICY.replace('auc: { min: 0.7 }', 'auc: { min: 0.1 }')

const REPO = { owner: 'acme', name: 'models' }

describe('dispatches and checks the review found holes in', () => {
  let workspace: ModelWorkspace
  let clone: Clone
  let commits: string[]
  let gh: StandIn
  let runner: EventRunner
  /** main's tip, the first commit holding policies/fraud.yml. */
  let tip = ''

  const run = (event: BuiltEvent, inputs: Record<string, string>) => runner.run(event, inputs)
  const dispatch = (sender: string, sha = tip) => workflowDispatchEvent({ repo: REPO, sha, sender })
  const policyFile = () => path.join(clone.dir, 'policy.yml')
  const withWorkspacePolicy = async <T>(text: string, work: () => Promise<T>): Promise<T> => {
    await writeFile(policyFile(), text)
    try {
      return await work()
    } finally {
      await writeFile(policyFile(), POLICY)
    }
  }

  beforeAll(async () => {
    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({ bob: 'write', mona: 'maintain', ada: 'admin' })
    // commits: auc 0.75 (v1.0.0), 0.8 (v1.1.0), 0.5 (below dev's threshold).
    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8, 0.5] })
    clone = workspace.clone
    commits = workspace.commits
    await mkdir(path.join(clone.dir, 'policies'))
    await writeFile(path.join(clone.dir, 'policies/fraud.yml'), ADMIN_ONLY)
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', 'policies/fraud.yml: admins roll back'])
    tip = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'main'])
    gh.state.repo('acme/models').putFiles('main', {
      'policy.yml': POLICY,
      'policies/fraud.yml': ADMIN_ONLY
    })
    runner = eventRunner({ workspace: clone.dir, gh })
    await registerVersions(clone, {
      actor: 'ada',
      versions: { 'v1.0.0': commits[0] as string, 'v1.1.0': commits[1] as string }
    })
    for (const version of ['v1.0.0', 'v1.1.0']) {
      const promoted = await run(dispatch('ada'), {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'dev',
        version
      })
      expect(promoted.exitCode).toBe(0)
    }
  })
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await workspace?.cleanup()
  })

  describe('a dispatch with `model` and no `policy` input (finding 1)', () => {
    const rollback = { command: 'rollback', model: 'fraud', stage: 'dev', reason: 'drift' }

    it("refuses a maintainer's rollback that the default branch's policies/<model>.yml keeps to admins", async () => {
      const before = await remoteTags(clone)
      const refused = await run(dispatch('mona'), rollback)
      expect(refused.exitCode).toBe(4)
      expect(refused.stdout).toContain('mona has maintain permission')
      expect(refused.stdout).toContain('policies/fraud.yml')
      expect(await remoteTags(clone)).toBe(before)
      gh.assertNoViolations()
    })

    it('lets an admin roll back under it, and says where the rights came from', async () => {
      const allowed = await run(dispatch('ada'), { ...rollback, 'dry-run': 'true' })
      expect(allowed.exitCode).toBe(0)
      expect(allowed.stdout).toContain('rights and registry come from policies/fraud.yml on main')
      expect(allowed.stdout).toContain('Allowed: ada')
      gh.assertNoViolations()
    })

    it('refuses, naming the policy looked for, when the default branch has none (fail closed)', async () => {
      // Dispatched on main before policies/fraud.yml was added: the model's policy may live
      // under another name with stricter rights, so no default right is assumed.
      const refused = await run(dispatch('mona', commits[2] as string), {
        ...rollback,
        'dry-run': 'true'
      })
      expect(refused.exitCode).toBe(3)
      expect(refused.stdout).toContain('policies/fraud.yml')
      expect(refused.stdout).toContain(
        `does not exist on main at ${(commits[2] as string).slice(0, 7)}`
      )
      expect(refused.stdout).toContain('name the model')
      expect(refused.stdout).not.toContain('Allowed: mona')
    })
  })

  describe('a re-run whose runner does not name who re-ran it (finding 2)', () => {
    const rollback = { command: 'rollback', policy: 'policy.yml', stage: 'dev', reason: 'drift' }

    it('refuses a rollback on attempt 2 with GITHUB_TRIGGERING_ACTOR unset', async () => {
      const before = await remoteTags(clone)
      const event = rerunUnnamed(dispatch('mona'), { attempt: 2 })
      expect(event.env.GITHUB_TRIGGERING_ACTOR).toBeUndefined()
      const refused = await run(event, rollback)
      expect(refused.exitCode).toBe(4)
      expect(refused.stdout).toContain('who re-ran this run is unknown')
      expect(refused.stdout).not.toContain('Allowed:')
      // The refused attempt is recorded, without pinning it on the first attempt's actor.
      expect(refused.summary).toMatch(/"actor": "unknown",\s*"initialActor": "mona"/)
      expect(await remoteTags(clone)).toBe(before)
      gh.assertNoViolations()
    })

    it('refuses a forced promotion on attempt 3 with GITHUB_TRIGGERING_ACTOR empty', async () => {
      const before = await remoteTags(clone)
      const event = rerunUnnamed(dispatch('ada'), { attempt: 3, empty: true })
      expect(event.env.GITHUB_TRIGGERING_ACTOR).toBe('')
      const refused = await run(event, {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'dev',
        version: 'v1.0.0',
        force: 'true',
        reason: 'hotfix'
      })
      expect(refused.exitCode).toBe(4)
      expect(refused.stdout).toContain('who re-ran this run is unknown')
      expect(await remoteTags(clone)).toBe(before)
      gh.assertNoViolations()
    })

    it('refuses an unforced promotion and a registration the same way', async () => {
      const before = await remoteTags(clone)
      const event = rerunUnnamed(dispatch('ada'), { attempt: 2 })
      const promoted = await run(event, {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'dev',
        version: 'v1.0.0'
      })
      expect(promoted.exitCode).toBe(4)
      expect(promoted.stdout).toContain('who re-ran this run is unknown')
      const registered = await run(event, {
        command: 'register',
        policy: 'policy.yml',
        version: 'v2.0.0'
      })
      expect(registered.exitCode).toBe(4)
      expect(registered.stdout).toContain('who re-ran this run is unknown')
      expect(await remoteTags(clone)).toBe(before)
      gh.assertNoViolations()
    })

    it('keeps using GITHUB_ACTOR on attempt 1 without GITHUB_TRIGGERING_ACTOR', async () => {
      const event = rerunUnnamed(dispatch('mona'), { attempt: 1 })
      const allowed = await run(event, { ...rollback, 'dry-run': 'true' })
      expect(allowed.exitCode).toBe(0)
      expect(allowed.stdout).toContain('Allowed: mona')
      gh.assertNoViolations()
    })

    it('compares logins in any letter case: the same person re-running is no other person', async () => {
      const allowed = await run(rerun(dispatch('mona'), { by: 'MONA', attempt: 2 }), {
        ...rollback,
        'dry-run': 'true'
      })
      expect(allowed.exitCode).toBe(0)
      expect(allowed.stdout).toContain('Allowed: MONA')
      expect(allowed.stdout).not.toContain('re-ran a run')
      gh.assertNoViolations()
    })
  })

  describe('`check` on a pull request (finding 3)', () => {
    const check = { command: 'check', policy: 'policy.yml', candidate: 'model', stage: 'dev' }
    // The checkout's model/metrics.json has auc 0.5, below main's 0.7.

    it("judges by the base's policy, not the one the pull request loosens", async () => {
      const head = { ref: 'loosen', sha: fakeSha('check-pr-head') }
      const pull = { repo: REPO, number: 50, author: 'bob', head }
      const base = { ref: 'main', sha: tip }
      gh.state.repo('acme/models').addPull({ ...pull, base })
      const checked = await withWorkspacePolicy(LOOSENED, () =>
        run(pullRequestEvent({ ...pull, base }), check)
      )
      expect(checked.exitCode).toBe(2)
      expect(checked.outputs.decision).toBe('blocked')
      expect(checked.summary).toContain(
        `policy.yml as the base branch (main at ${tip.slice(0, 7)})`
      )
      gh.assertNoViolations()
    })

    it('reads the base on pull_request_target too', async () => {
      const head = { ref: 'loosen-2', sha: fakeSha('check-pr-head-2') }
      const pull = { repo: REPO, number: 51, author: 'bob', head }
      const base = { ref: 'main', sha: tip }
      gh.state.repo('acme/models').addPull({ ...pull, base })
      const checked = await withWorkspacePolicy(LOOSENED, () =>
        run(pullRequestEvent({ ...pull, base, target: true }), check)
      )
      expect(checked.exitCode).toBe(2)
      expect(checked.outputs.decision).toBe('blocked')
      gh.assertNoViolations()
    })

    it("reads the checkout's policy on other events, as before", async () => {
      const checked = await withWorkspacePolicy(LOOSENED, () => run(dispatch('bob'), check))
      expect(checked.exitCode).toBe(0)
      expect(checked.outputs.decision).toBe('pass')
      expect(checked.summary).not.toContain('as the base branch')
    })
  })
})
