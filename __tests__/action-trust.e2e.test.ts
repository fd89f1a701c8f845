// Who and what the bundled action trusts, end to end (issue 10, items 2, 3, 7, 8 and 11): the
// person who re-ran a run is the one checked; pull requests into other branches write nothing and
// leave the default branch's status alone; a pull request never gets a green status it did not
// earn; a dispatch reads the default branch's policy; a read-only token (a fork) still evaluates.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import {
  eventRunner,
  modelWorkspace,
  registerVersions,
  remoteTags,
  type EventRunner,
  type ModelWorkspace,
  summaryRecords
} from './helpers/action-workspace.js'
import {
  pullRequestEvent,
  rerun,
  workflowDispatchEvent,
  type BuiltEvent,
  type PullRequestEventOptions
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
  staging:
    from: [candidate]
    thresholds:
      auc: { min: 0.7 }
    approvals:
      required: 1
  production:
    from: [candidate]
    thresholds:
      auc: { min: 0.7 }
    approvals:
      required: 1
rollback:
  allowed: { permission: maintain }
`

/** Without the approval staging and production ask for. */
const NO_APPROVALS = POLICY.replace(/ {4}approvals:\n {6}required: 1\n/g, '')

const REPO = { owner: 'acme', name: 'models' }

describe('whom and what the bundled action trusts', () => {
  let workspace: ModelWorkspace
  let clone: Clone
  let commits: string[]
  let gh: StandIn
  let runner: EventRunner
  /** The tip of release-1, whose policy asks for no approvals. */
  let releaseSha = ''

  const run = (event: BuiltEvent, inputs: Record<string, string>) => runner.run(event, inputs)
  const repo = () => gh.state.repo('acme/models')
  const dispatch = (sender: string, ref?: string) =>
    workflowDispatchEvent({
      repo: REPO,
      sha: commits[1] as string,
      sender,
      ...(ref ? { ref } : {})
    })
  const openPull = (
    number: number,
    head: { ref: string; sha: string },
    base: { ref: string; sha: string } = { ref: 'main', sha: commits[1] as string },
    extra: Partial<PullRequestEventOptions> = {}
  ): PullRequestEventOptions => {
    const pull = { repo: REPO, number, author: extra.author ?? 'alice', head, base }
    repo().addPull(pull)
    return { ...pull, ...extra }
  }
  const evaluate = {
    command: 'promote',
    policy: 'policy.yml',
    version: 'v1.1.0',
    'fail-on-blocked': 'false'
  }

  beforeAll(async () => {
    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({
      alice: 'write',
      bob: 'write',
      mona: 'maintain',
      reader: 'read'
    })
    // commits: auc 0.75 (v1.0.0), 0.8 (v1.1.0), 0.5 (v0.5.0: below every threshold).
    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8, 0.5] })
    clone = workspace.clone
    commits = workspace.commits
    runner = eventRunner({ workspace: clone.dir, gh })
    await registerVersions(clone, {
      actor: 'mona',
      versions: {
        'v1.0.0': commits[0] as string,
        'v1.1.0': commits[1] as string,
        'v0.5.0': commits[2] as string
      }
    })
    // release-1: a maintenance branch whose policy has no approvals.
    await gitOk(clone.git, ['checkout', '--quiet', '-b', 'release-1'])
    await writeFile(path.join(clone.dir, 'policy.yml'), NO_APPROVALS)
    await gitOk(clone.git, ['commit', '--quiet', '-am', 'release-1: no approvals'])
    releaseSha = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'release-1'])
    await gitOk(clone.git, ['checkout', '--quiet', 'main'])
    gh.state.repo('acme/models').putFile('main', 'policy.yml', POLICY)
  })
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await workspace?.cleanup()
  })

  describe('re-runs: the person who re-ran the run is the one checked (item 2)', () => {
    const rollback = { command: 'rollback', policy: 'policy.yml', stage: 'dev', reason: 'drift' }

    beforeAll(async () => {
      for (const version of ['v1.0.0', 'v1.1.0']) {
        const promoted = await run(dispatch('mona'), {
          command: 'promote',
          policy: 'policy.yml',
          stage: 'dev',
          version
        })
        expect(promoted.exitCode).toBe(0)
      }
    })

    it("refuses a write-only user's re-run of a maintainer's rollback, and records both names", async () => {
      const before = await remoteTags(clone)
      const event = rerun(dispatch('mona'), { by: 'bob', attempt: 2 })
      expect(event.env).toMatchObject({
        GITHUB_ACTOR: 'mona',
        GITHUB_TRIGGERING_ACTOR: 'bob',
        GITHUB_RUN_ATTEMPT: '2'
      })
      const refused = await run(event, rollback)
      expect(refused.exitCode).toBe(4)
      expect(refused.stdout).toContain('bob has write permission')
      expect(await remoteTags(clone)).toBe(before)
      const [record] = summaryRecords(refused.summary)
      expect(record).toMatchObject({
        kind: 'refused',
        decision: 'denied',
        actor: 'bob',
        initialActor: 'mona'
      })
      gh.assertNoViolations()
    })

    it("allows a maintainer's re-run of a write-only user's rollback, recorded as the maintainer's", async () => {
      const before = await remoteTags(clone)
      const rolled = await run(rerun(dispatch('bob'), { by: 'mona', attempt: 2 }), rollback)
      expect(rolled.exitCode).toBe(0)
      expect(rolled.summary).toContain('dev is back on **v1.0.0** (was v1.1.0)')
      expect(await remoteTags(clone)).not.toBe(before)
      const [record] = summaryRecords(rolled.summary)
      expect(record).toMatchObject({ kind: 'rollback', actor: 'mona', initialActor: 'bob' })
      gh.assertNoViolations()
    })

    it("refuses a write-only user's re-run of a maintainer's forced promotion", async () => {
      const before = await remoteTags(clone)
      const forced = await run(rerun(dispatch('mona'), { by: 'bob', attempt: 2 }), {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'dev',
        version: 'v0.5.0',
        force: 'true',
        reason: 'hotfix'
      })
      expect(forced.exitCode).toBe(4)
      expect(forced.stdout).toContain('bob has write permission')
      expect(await remoteTags(clone)).toBe(before)
      gh.assertNoViolations()
    })
  })

  it('refuses a name that is not a name before building any record (item 9, inputs)', async () => {
    const before = await remoteTags(clone)
    const version = 'v1.0.0</summary><img src=x>'
    const refused = await run(dispatch('reader'), {
      command: 'rollback',
      policy: 'policy.yml',
      stage: 'dev',
      version,
      reason: 'drift'
    })
    expect(refused.exitCode).toBe(2)
    expect(refused.stdout).toContain('input "version" must be a version')
    expect(refused.stdout).not.toContain('</summary>')
    expect(refused.summary).not.toContain('### Audit')
    expect(refused.summary).not.toContain('</summary>')
    expect(await remoteTags(clone)).toBe(before)
    gh.assertNoViolations()
  })

  it("promotes by dispatch on another branch under the default branch's policy (item 8)", async () => {
    const policyFile = path.join(clone.dir, 'policy.yml')
    // The dispatched branch's copy lets anything into dev; main's asks for auc 0.7.
    await writeFile(policyFile, POLICY.replace('auc: { min: 0.7 }', 'auc: { min: 0.1 }'))
    const before = await remoteTags(clone)
    try {
      const promoted = await run(dispatch('mona', 'refs/heads/loosen'), {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'dev',
        version: 'v0.5.0',
        'fail-on-blocked': 'false'
      })
      expect(promoted.exitCode).toBe(0)
      expect(promoted.outputs.decision).toBe('blocked')
      expect(promoted.stdout).toContain('the policy comes from main')
      expect(await remoteTags(clone)).toBe(before)
    } finally {
      await writeFile(policyFile, POLICY)
    }
    gh.assertNoViolations()
  })

  describe('pull requests into another branch (item 3)', () => {
    const policyFile = () => path.join(clone.dir, 'policy.yml')
    // A pull request into release-1 checks out release-1's policy (so it changes no policy).
    const onRelease = async <T>(work: () => Promise<T>): Promise<T> => {
      await writeFile(policyFile(), NO_APPROVALS)
      try {
        return await work()
      } finally {
        await writeFile(policyFile(), POLICY)
      }
    }

    it('never write the registry, even with promote-on: approval and a base policy without approvals', async () => {
      const before = await remoteTags(clone)
      const head = { ref: 'hotfix', sha: fakeSha('pr20-head') }
      const pull = openPull(20, head, { ref: 'release-1', sha: releaseSha })
      const result = await onRelease(() =>
        run(pullRequestEvent(pull), { ...evaluate, stage: 'staging', 'promote-on': 'approval' })
      )
      expect(result.exitCode).toBe(0)
      expect(result.outputs.decision).toBe('pass')
      expect(await remoteTags(clone)).toBe(before)
      expect(result.summary).toContain('into release-1, not the default branch (main)')
      expect(repo().status(head.sha, 'modelgate/fraud/staging')).toBeUndefined()
      expect(repo().status(head.sha, 'modelgate/fraud/staging@release-1')?.state).toBe('success')
      expect(repo().commentsOn(20)[0]?.body).toContain('into release-1')
      gh.assertNoViolations()
    })

    it("leave the default branch's status on a head they share alone", async () => {
      const head = { ref: 'shared-head', sha: fakeSha('pr21-head') }
      const intoMain = openPull(21, head)
      const intoRelease = openPull(22, head, { ref: 'release-1', sha: releaseSha })
      const inputs = { ...evaluate, stage: 'staging' }

      const main = await run(pullRequestEvent(intoMain), inputs)
      expect(main.outputs.decision).toBe('pending')
      expect(repo().status(head.sha, 'modelgate/fraud/staging')?.state).toBe('pending')

      const release = await onRelease(() => run(pullRequestEvent(intoRelease), inputs))
      expect(release.outputs.decision).toBe('pass')
      expect(repo().status(head.sha, 'modelgate/fraud/staging')?.state).toBe('pending')
      expect(repo().status(head.sha, 'modelgate/fraud/staging@release-1')?.state).toBe('success')
      gh.assertNoViolations()
    })
  })

  describe('a version already in the stage (item 7)', () => {
    beforeAll(async () => {
      const forced = await run(dispatch('mona'), {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'production',
        version: 'v1.0.0',
        force: 'true',
        reason: 'first production model'
      })
      expect(forced.exitCode).toBe(0)
    })

    it('is evaluated on a pull request that changes the policy, which never gets success', async () => {
      const policyFile = path.join(clone.dir, 'policy.yml')
      const head = { ref: 'loosen-production', sha: fakeSha('pr30-head') }
      const pull = openPull(30, head)
      const inputs = { ...evaluate, stage: 'production', version: 'v1.0.0' }
      // The pull request's checkout drops production's approvals.
      await writeFile(policyFile, NO_APPROVALS)
      try {
        const pending = await run(pullRequestEvent(pull), inputs)
        expect(pending.outputs.decision).toBe('pending')
        expect(repo().status(head.sha, 'modelgate/fraud/production')?.state).toBe('pending')
        const comments = repo().commentsOn(30)
        expect(comments).toHaveLength(1)
        expect(comments[0]?.body).toContain('The policy change takes effect after merge')

        // Every gate passes under the base policy: still not success, as the policy changes.
        repo().addReview(30, { user: 'bob', state: 'APPROVED' })
        const passed = await run(pullRequestEvent(pull), inputs)
        expect(passed.outputs.decision).toBe('pass')
        const status = repo().status(head.sha, 'modelgate/fraud/production')
        expect(status?.state).toBe('pending')
        expect(status?.description).toContain('changes the policy')
        expect(passed.summary).toContain('already holds production')
      } finally {
        await writeFile(policyFile, POLICY)
      }
      gh.assertNoViolations()
    })

    it('never gets success on pull_request_target when the pull request changes the policy', async () => {
      // pull_request_target checks out the base: only the pull request's files show the change.
      const head = { ref: 'edit-policy', sha: fakeSha('pr32-head') }
      const pull = { repo: REPO, number: 32, author: 'alice', head }
      const base = { ref: 'main', sha: commits[1] as string }
      repo().addPull({ ...pull, base, files: [{ filename: 'policy.yml', status: 'modified' }] })
      repo().addReview(32, { user: 'bob', state: 'APPROVED' })
      const inputs = { ...evaluate, stage: 'production', version: 'v1.0.0' }
      const result = await run(pullRequestEvent({ ...pull, base, target: true }), inputs)
      expect(result.outputs.decision).toBe('pass')
      expect(repo().status(head.sha, 'modelgate/fraud/production')?.state).toBe('pending')
      const body = repo().commentsOn(32)[0]?.body
      expect(body).toContain('The policy change takes effect after merge')
      expect(body).toContain('v1.0.0 already holds production: merging writes nothing')
      gh.assertNoViolations()
    })

    it('is evaluated on a pull request that leaves the policy alone: success only once earned', async () => {
      const head = { ref: 'name-holder', sha: fakeSha('pr31-head') }
      const pull = openPull(31, head)
      const inputs = { ...evaluate, stage: 'production', version: 'v1.0.0' }
      const pending = await run(pullRequestEvent(pull), inputs)
      expect(pending.outputs.decision).toBe('pending')
      expect(repo().status(head.sha, 'modelgate/fraud/production')?.state).toBe('pending')
      expect(repo().commentsOn(31)).toHaveLength(1)

      repo().addReview(31, { user: 'bob', state: 'APPROVED' })
      const passed = await run(pullRequestEvent(pull), inputs)
      expect(passed.outputs.decision).toBe('pass')
      expect(repo().status(head.sha, 'modelgate/fraud/production')?.state).toBe('success')
      gh.assertNoViolations()
    })
  })

  describe('a read-only token: fork pull requests and Dependabot (item 11)', () => {
    const denyWrites = () => {
      gh.state.injectFault({ operationId: 'issues/create-comment', status: 403 })
      gh.state.injectFault({ operationId: 'repos/create-commit-status', status: 403 })
    }

    it('evaluates a fork pull request, sets the outputs and summary, and warns why nothing was posted', async () => {
      const head = { ref: 'patch-1', sha: fakeSha('pr40-head') }
      const pull = openPull(40, head, undefined, { fork: { owner: 'mallory' } })
      const event = pullRequestEvent(pull)
      const prHead = (event.payload.pull_request as { head: { repo: { full_name: string } } }).head
      expect(prHead.repo.full_name).toBe('mallory/models')

      denyWrites()
      const result = await run(event, { ...evaluate, stage: 'staging' })
      expect(result.exitCode).toBe(0)
      expect(result.outputs.decision).toBe('pending')
      expect(result.outputs.report).toContain('fraud')
      expect(result.summary).toContain('Pending: fraud → staging')
      expect(result.stdout).toMatch(/::warning::.*sticky comment.*mallory\/models/)
      expect(result.stdout).toMatch(/::warning::.*commit status.*read-only token/)
      expect(result.stdout).not.toContain('::error::')
      expect(repo().commentsOn(40)).toHaveLength(0)
      gh.assertNoViolations()
    })

    it('exits by the decision when the fork is gone (head.repo null) and fail-on-blocked is true', async () => {
      const head = { ref: 'patch-2', sha: fakeSha('pr41-head') }
      const pull = openPull(41, head, undefined, { fork: 'deleted' })
      const event = pullRequestEvent(pull)
      expect((event.payload.pull_request as { head: { repo: unknown } }).head.repo).toBeNull()
      denyWrites()
      const result = await run(event, {
        ...evaluate,
        stage: 'staging',
        'fail-on-blocked': 'true'
      })
      expect(result.exitCode).toBe(2)
      expect(result.outputs.decision).toBe('pending')
      expect(result.stdout).toMatch(/::warning::.*sticky comment.*fork that no longer exists/)
      gh.assertNoViolations()
    })

    it('evaluates a Dependabot pull request from the same repository the same way', async () => {
      const head = { ref: 'dependabot/pip/numpy-2', sha: fakeSha('pr42-head') }
      const pull = openPull(42, head, undefined, { author: 'dependabot[bot]' })
      denyWrites()
      const result = await run(pullRequestEvent(pull), { ...evaluate, stage: 'staging' })
      expect(result.exitCode).toBe(0)
      expect(result.outputs.decision).toBe('pending')
      expect(result.stdout).toMatch(/::warning::.*sticky comment.*Dependabot/)
      gh.assertNoViolations()
    })
  })
})
