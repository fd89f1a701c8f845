// The bundled action on GitHub events, end to end: a git checkout with a bare origin for the
// registry, the GitHub API stand-in for reviews, comments, statuses and permissions, and
// event payloads as a runner writes them.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import {
  pullRequestEvent,
  pullRequestReviewEvent,
  pushEvent,
  workflowDispatchEvent,
  writeEvent,
  type BuiltEvent,
  type WrittenEvent
} from './helpers/events.js'
import { makeSandbox, tagNames, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'
import { runAction, type ActionRun } from './helpers/run-action.js'

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
rollback:
  allowed: { permission: maintain }
`

const REPO = { owner: 'acme', name: 'models' }

describe('the bundled action on GitHub events', () => {
  let sandbox: Sandbox
  let clone: Clone
  let gh: StandIn
  const commits: string[] = []
  let headSha = ''
  const written: WrittenEvent[] = []
  const hermetic = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

  const run = async (event: BuiltEvent, inputs: Record<string, string>): Promise<ActionRun> => {
    const file = await writeEvent(event)
    written.push(file)
    const result = await runAction(
      { 'github-token': gh.token, ...inputs },
      { ...file.env, ...hermetic, GITHUB_API_URL: gh.url },
      clone.dir
    )
    // The runner takes `::add-mask::` commands out of the log; nothing else may hold the token.
    const masked = `::add-mask::${gh.token}`
    expect(result.stdout.split('\n')).toContain(masked)
    expect(
      result.stdout
        .split('\n')
        .filter(line => line !== masked)
        .join('\n')
    ).not.toContain(gh.token)
    expect(result.stderr).not.toContain(gh.token)
    expect(result.summary).not.toContain(gh.token)
    return result
  }
  const dispatch = (sender: string) =>
    workflowDispatchEvent({ repo: REPO, sha: commits[1] as string, sender })
  const pullRequest = () =>
    pullRequestEvent({
      repo: REPO,
      number: 7,
      author: 'alice',
      head: { ref: 'promote-fraud', sha: headSha },
      base: { ref: 'main', sha: commits[1] as string }
    })
  const promoteInputs = {
    command: 'promote',
    policy: 'policy.yml',
    stage: 'staging',
    version: 'v1.0.0',
    'fail-on-blocked': 'false'
  }

  beforeAll(async () => {
    gh = await start()
    const repo = gh.state.addRepo(REPO)
    repo.addCollaborators({
      alice: 'write',
      bob: 'write',
      carol: 'write',
      mona: 'maintain',
      reader: 'read'
    })

    sandbox = await makeSandbox()
    clone = await sandbox.clone('workspace')
    await mkdir(path.join(clone.dir, 'model'))
    await writeFile(path.join(clone.dir, 'policy.yml'), POLICY)
    for (const auc of [0.75, 0.8]) {
      await writeFile(path.join(clone.dir, 'model/metrics.json'), JSON.stringify({ auc }))
      await gitOk(clone.git, ['add', '-A'])
      await gitOk(clone.git, ['commit', '--quiet', '-m', `auc ${auc}`])
      commits.push((await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim())
    }
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'main'])
    // The pull request's head: a commit on a branch that asks for the promotion.
    await gitOk(clone.git, ['commit', '--quiet', '--allow-empty', '-m', 'promote fraud'])
    headSha = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    repo.addPull({
      number: 7,
      author: 'alice',
      head: { ref: 'promote-fraud', sha: headSha },
      base: { sha: commits[1] as string }
    })

    for (const [i, version] of ['v1.0.0', 'v1.1.0'].entries()) {
      const registered = await runAction(
        { command: 'register', policy: 'policy.yml', version },
        {
          ...hermetic,
          GITHUB_SHA: commits[i] as string,
          GITHUB_ACTOR: 'mona',
          GITHUB_EVENT_NAME: 'workflow_dispatch'
        },
        clone.dir
      )
      expect(registered.exitCode).toBe(0)
    }
  })
  afterAll(async () => {
    for (const file of written) await file.cleanup()
    await gh?.close()
    await sandbox?.cleanup()
  })

  it('evaluates a pull request: one sticky comment, edited on re-run, status from the reviews', async () => {
    const repo = gh.state.repo('acme/models')
    const tagsBefore = await tagNames(clone.git)

    const first = await run(pullRequest(), promoteInputs)
    expect(first.exitCode).toBe(0)
    expect(first.outputs.decision).toBe('pending')
    expect(repo.commentsOn(7)).toHaveLength(1)
    expect(repo.commentsOn(7)[0]?.body).toContain('<!-- modelgate:fraud:staging -->')
    expect(repo.status(headSha, 'modelgate/fraud/staging')?.state).toBe('pending')

    const again = await run(pullRequest(), promoteInputs)
    expect(again.exitCode).toBe(0)
    expect(repo.commentsOn(7)).toHaveLength(1)
    expect(gh.state.count('issues/create-comment')).toBe(1)

    // pull_request_target (the base branch's workflow) evaluates the same way.
    const target = await run(
      pullRequestEvent({
        repo: REPO,
        target: true,
        number: 7,
        author: 'alice',
        head: { ref: 'promote-fraud', sha: headSha },
        base: { ref: 'main', sha: commits[1] as string }
      }),
      promoteInputs
    )
    expect(target.exitCode).toBe(0)
    expect(target.outputs.decision).toBe('pending')
    expect(repo.commentsOn(7)).toHaveLength(1)

    repo.addReview(7, { user: 'bob', state: 'APPROVED' })
    const approved = await run(
      pullRequestReviewEvent({
        repo: REPO,
        number: 7,
        author: 'alice',
        head: { ref: 'promote-fraud', sha: headSha },
        base: { ref: 'main', sha: commits[1] as string },
        review: { user: 'bob', state: 'approved' }
      }),
      promoteInputs
    )
    expect(approved.exitCode).toBe(0)
    expect(approved.outputs.decision).toBe('pass')
    expect(repo.status(headSha, 'modelgate/fraud/staging')?.state).toBe('success')
    expect(repo.commentsOn(7)).toHaveLength(1)
    expect(repo.commentsOn(7)[0]?.body).toMatch(/bob/)

    // A pull-request event never writes the registry...
    expect(await tagNames(clone.git)).toEqual(tagsBefore)
    expect([...gh.state.tokensSeen]).toEqual([gh.token])
    gh.assertNoViolations()
  })

  it('reads the policy from the base branch, and a change request blocks', async () => {
    const repo = gh.state.repo('acme/models')
    const policyFile = path.join(clone.dir, 'policy.yml')
    // The checkout is the pull request's: it loosens the policy, which must not apply yet.
    await writeFile(policyFile, POLICY.replace('    approvals:\n      required: 1\n', ''))
    try {
      repo.addReview(7, { user: 'carol', state: 'CHANGES_REQUESTED' })
      const blocked = await run(pullRequest(), promoteInputs)
      expect(blocked.exitCode).toBe(0)
      expect(blocked.outputs.decision).toBe('blocked')
      expect(repo.status(headSha, 'modelgate/fraud/staging')?.state).toBe('failure')
      const comments = repo.commentsOn(7)
      expect(comments).toHaveLength(1)
      expect(comments[0]?.body).toContain('The policy change takes effect after merge')
    } finally {
      await writeFile(policyFile, POLICY)
    }
    gh.assertNoViolations()
  })

  it('promotes from the pull request with promote-on: approval once every gate passes', async () => {
    const repo = gh.state.repo('acme/models')
    const tagsBefore = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    const inputs = { ...promoteInputs, 'promote-on': 'approval' }
    // carol's change request still stands: nothing is written.
    const refused = await run(pullRequest(), inputs)
    expect(refused.outputs.decision).toBe('blocked')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(tagsBefore)

    repo.addReview(7, { user: 'carol', state: 'APPROVED' })
    const promoted = await run(pullRequest(), inputs)
    expect(promoted.exitCode).toBe(0)
    expect(promoted.outputs.decision).toBe('pass')
    expect(promoted.summary).toContain('Promoted v1.0.0 to staging')
    const tags = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    expect(tags).not.toBe(tagsBefore)
    expect(tags).toMatch(/refs\/tags\/fraud#staging#1/)
    const comments = repo.commentsOn(7)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('### ✅ Promoted')
    expect(comments[0]?.body).toContain('**v1.0.0** is now in **staging**')
    gh.assertNoViolations()
  })

  it("counts neither the author's own approval nor one given before the latest push", async () => {
    const repo = gh.state.repo('acme/models')
    const first = fakeSha('pr9-first')
    repo.addPull({
      number: 9,
      author: 'bob',
      head: { ref: 'promote-v1.1', sha: first },
      base: { sha: commits[1] as string }
    })
    const event = (sha: string) =>
      pullRequestEvent({
        repo: REPO,
        number: 9,
        author: 'bob',
        head: { ref: 'promote-v1.1', sha },
        base: { ref: 'main', sha: commits[1] as string }
      })
    const inputs = { ...promoteInputs, version: 'v1.1.0' }

    repo.addReview(9, { user: 'bob', state: 'APPROVED' })
    const own = await run(event(first), inputs)
    expect(own.outputs.decision).toBe('pending')
    expect(repo.commentsOn(9)[0]?.body).toContain("The author's own review, not counted: `bob`")
    expect(repo.status(first, 'modelgate/fraud/staging')?.state).toBe('pending')

    repo.addReview(9, { user: 'carol', state: 'APPROVED' })
    const approved = await run(event(first), inputs)
    expect(approved.outputs.decision).toBe('pass')
    expect(repo.status(first, 'modelgate/fraud/staging')?.state).toBe('success')

    // A new commit on the branch: carol approved the old one, which no longer counts.
    const second = fakeSha('pr9-second')
    repo.push(9, second)
    const pushed = await run(event(second), inputs)
    expect(pushed.outputs.decision).toBe('pending')
    expect(repo.status(second, 'modelgate/fraud/staging')?.state).toBe('pending')
    const comments = repo.commentsOn(9)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain(
      `Approved before the latest push, not counted: \`carol\` (${first.slice(0, 7)})`
    )
    expect(comments[0]?.body).toContain('Not yet: merging now will not promote **v1.1.0**')
    gh.assertNoViolations()
  })

  it('promotes on the push of a merged pull request, says so on it, and a rollback notes it there', async () => {
    const repo = gh.state.repo('acme/models')
    const inputs = { ...promoteInputs, version: 'v1.1.0' }
    const head = fakeSha('pr8-head')
    repo.addPull({
      number: 8,
      author: 'alice',
      head: { ref: 'promote-v1.1-again', sha: head },
      base: { sha: commits[1] as string }
    })
    const evaluated = await run(
      pullRequestEvent({
        repo: REPO,
        number: 8,
        author: 'alice',
        head: { ref: 'promote-v1.1-again', sha: head },
        base: { ref: 'main', sha: commits[1] as string }
      }),
      inputs
    )
    expect(evaluated.outputs.decision).toBe('pending')
    repo.addReview(8, { user: 'bob', state: 'APPROVED' })

    // The merge: a real commit on main (the policy is read from it), known to the stand-in.
    await gitOk(clone.git, ['commit', '--quiet', '--allow-empty', '-m', 'Merge pull request #8'])
    const merge = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD:main'])
    repo.merge(8, { mergeCommitSha: merge, mergedBy: 'mona' })
    const tagsBefore = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    const pushed = () => pushEvent({ repo: REPO, before: commits[1] as string, after: merge })

    const promoted = await run(pushed(), inputs)
    expect(promoted.exitCode).toBe(0)
    expect(promoted.outputs.decision).toBe('pass')
    expect(promoted.summary).toContain('Promoted v1.1.0 to staging (replacing v1.0.0)')
    expect(promoted.summary).toContain('Promoted on the merge of pull request #8')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).not.toBe(tagsBefore)
    expect(repo.status(merge, 'modelgate/fraud/staging')?.state).toBe('success')
    let comments = repo.commentsOn(8)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('### ✅ Promoted')
    expect(comments[0]?.body).toContain(
      '**v1.1.0** is now in **staging**, replacing v1.0.0 (kept for rollback)'
    )

    // A re-run of the same push writes nothing and leaves the comment alone.
    const tagsAfter = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    const again = await run(pushed(), inputs)
    expect(again.exitCode).toBe(0)
    expect(again.summary).toContain('already holds staging')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(tagsAfter)
    expect(repo.commentsOn(8)).toHaveLength(1)

    const rolled = await run(dispatch('mona'), {
      command: 'rollback',
      policy: 'policy.yml',
      stage: 'staging',
      reason: 'latency regression'
    })
    expect(rolled.exitCode).toBe(0)
    expect(rolled.summary).toContain('staging is back on **v1.0.0** (was v1.1.0)')
    expect(rolled.summary).toContain('Noted on pull request #8')
    comments = repo.commentsOn(8)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('### ↩️ Rolled back')
    expect(comments[0]?.body).toContain('**staging** is back on **v1.0.0** (was v1.1.0)')
    expect(comments[0]?.body).toContain('Reason: latency regression')
    expect(comments[0]?.body).toContain('### ✅ Promoted')

    // A re-run of the old merge job does not bring the rolled-back version back...
    const tagsRolled = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    const rerun = await run(pushed(), inputs)
    expect(rerun.exitCode).toBe(0)
    expect(rerun.summary).toContain(
      `This commit (${merge.slice(0, 7)}) already promoted fraud v1.1.0 to staging`
    )
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(tagsRolled)
    // ...nor does another pull request that still names it: only a forced promotion would.
    const other = fakeSha('pr10-head')
    repo.addPull({
      number: 10,
      author: 'alice',
      head: { ref: 'again', sha: other },
      base: { sha: commits[1] as string }
    })
    repo.addReview(10, { user: 'bob', state: 'APPROVED' })
    const again10 = await run(
      pullRequestEvent({
        repo: REPO,
        number: 10,
        author: 'alice',
        head: { ref: 'again', sha: other },
        base: { ref: 'main', sha: commits[1] as string }
      }),
      inputs
    )
    expect(again10.outputs.decision).toBe('blocked')
    expect(repo.commentsOn(10)[0]?.body).toContain('v1.1.0 was taken out of staging')
    gh.assertNoViolations()
  })

  it('a merge into another branch pushed to main brings no approvals; a force-push promotes nothing', async () => {
    const repo = gh.state.repo('acme/models')
    await gitOk(clone.git, ['commit', '--quiet', '--allow-empty', '-m', 'Merge #11 into develop'])
    const merged = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD:main'])
    repo.addPull({
      number: 11,
      author: 'alice',
      head: { ref: 'to-develop', sha: fakeSha('pr11-head') },
      base: { ref: 'develop', sha: commits[1] as string }
    })
    repo.addReview(11, { user: 'bob', state: 'APPROVED' })
    repo.merge(11, { mergeCommitSha: merged })
    // A version never rolled back, so only the missing approval can block it.
    const registered = await runAction(
      { command: 'register', policy: 'policy.yml', version: 'v1.2.0' },
      {
        ...hermetic,
        GITHUB_SHA: merged,
        GITHUB_ACTOR: 'mona',
        GITHUB_EVENT_NAME: 'workflow_dispatch'
      },
      clone.dir
    )
    expect(registered.exitCode).toBe(0)
    const inputs = { ...promoteInputs, version: 'v1.2.0' }
    const elsewhere = await run(
      pushEvent({ repo: REPO, before: commits[1] as string, after: merged }),
      inputs
    )
    expect(elsewhere.outputs.decision).toBe('blocked')
    expect(elsewhere.summary).toContain('the merge of pull request #11 into develop, not main')
    const gates = JSON.parse(elsewhere.outputs['report-json'] ?? '{}').gates as {
      gate: string
      status: string
    }[]
    expect(gates.filter(gate => gate.status === 'fail').map(gate => gate.gate)).toEqual([
      'approvals'
    ])
    expect(repo.commentsOn(11)).toHaveLength(0)

    const tagsBefore = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    const forced = pushEvent({ repo: REPO, before: commits[1] as string, after: merged })
    forced.payload.forced = true
    const forcePushed = await run(forced, inputs)
    expect(forcePushed.exitCode).toBe(2)
    expect(forcePushed.stdout).toContain('was force-pushed')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(tagsBefore)
    gh.assertNoViolations()
  })

  it('does not promote on a push no pull request produced, nor on a push to another branch', async () => {
    const before = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])
    await gitOk(clone.git, ['commit', '--quiet', '--allow-empty', '-m', 'direct push'])
    const direct = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD:main'])
    gh.state.repo('acme/models').addCommit(direct)
    const inputs = { ...promoteInputs, version: 'v1.1.0' }

    const unreviewed = await run(
      pushEvent({ repo: REPO, before: commits[1] as string, after: direct }),
      inputs
    )
    expect(unreviewed.exitCode).toBe(0)
    expect(unreviewed.outputs.decision).toBe('blocked')
    expect(unreviewed.summary).toContain('which no merged pull request produced')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(before)

    const feature = await run(
      pushEvent({
        repo: REPO,
        ref: 'refs/heads/feature',
        before: commits[1] as string,
        after: direct
      }),
      inputs
    )
    expect(feature.exitCode).toBe(2)
    expect(feature.stdout).toContain('this push is to refs/heads/feature')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(before)
    gh.assertNoViolations()
  })

  it('rolls back on workflow_dispatch only for an allowed actor', async () => {
    for (const version of ['v1.0.0', 'v1.1.0']) {
      const promoted = await run(dispatch('mona'), {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'dev',
        version
      })
      expect(promoted.exitCode).toBe(0)
    }
    const rollback = { command: 'rollback', policy: 'policy.yml', stage: 'dev', reason: 'drift' }
    const before = await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])

    const dispatched = await writeEvent(dispatch('mona'))
    written.push(dispatched)
    const tokenless = await runAction(
      { ...rollback, 'github-token': '' },
      { ...dispatched.env, ...hermetic, GITHUB_API_URL: gh.url },
      clone.dir
    )
    expect(tokenless.exitCode).toBe(4)
    expect(tokenless.stdout).toContain('set the github-token input')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(before)

    const refused = await run(dispatch('reader'), rollback)
    expect(refused.exitCode).toBe(4)
    expect(refused.stdout).toContain('reader has read permission')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(before)

    // Dispatched on a branch whose policy lets readers roll back: the default branch's decides.
    const branchPolicy = POLICY.replace('permission: maintain', 'permission: read')
    await writeFile(path.join(clone.dir, 'policy.yml'), branchPolicy)
    // The default branch's copy, as GitHub serves it (the checkout's origin/main is not asked).
    gh.state.repo('acme/models').putFile('main', 'policy.yml', POLICY)
    try {
      const onBranch = await run(
        workflowDispatchEvent({
          repo: REPO,
          ref: 'refs/heads/loosen',
          sha: commits[1] as string,
          sender: 'reader'
        }),
        rollback
      )
      expect(onBranch.exitCode).toBe(4)
      expect(onBranch.stdout).toContain('reader has read permission')
      expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).toBe(before)
    } finally {
      await writeFile(path.join(clone.dir, 'policy.yml'), POLICY)
    }

    const rolled = await run(dispatch('mona'), rollback)
    expect(rolled.exitCode).toBe(0)
    expect(rolled.summary).toContain('dev is back on **v1.0.0** (was v1.1.0)')
    expect(await gitOk(clone.git, ['ls-remote', '--tags', 'origin'])).not.toBe(before)
    gh.assertNoViolations()
  })

  it('names the supported events when rollback runs on another one', async () => {
    const result = await runAction(
      {
        'github-token': gh.token,
        command: 'rollback',
        policy: 'policy.yml',
        stage: 'dev',
        reason: 'drift'
      },
      { ...hermetic, GITHUB_EVENT_NAME: 'schedule', GITHUB_API_URL: gh.url },
      clone.dir
    )
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toContain('Supported events: pull_request, pull_request_target')
  })
})
