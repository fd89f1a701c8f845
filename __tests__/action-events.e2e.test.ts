// The bundled action on GitHub events, end to end: a git checkout with a bare origin for the
// registry, the GitHub API stand-in for reviews, comments, statuses and permissions, and
// event payloads as a runner writes them.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  eventRunner,
  HERMETIC_GIT,
  modelWorkspace,
  pushCommit,
  registerVersions,
  remoteTags,
  type EventRunner,
  type ModelWorkspace
} from './helpers/action-workspace.js'
import {
  pullRequestEvent,
  pullRequestReviewEvent,
  pushEvent,
  workflowDispatchEvent,
  type BuiltEvent,
  type PullRequestEventOptions
} from './helpers/events.js'
import { commit, tagNames, type Clone } from './helpers/git-sandbox.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'
import { runAction } from './helpers/run-action.js'

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
  let workspace: ModelWorkspace
  let clone: Clone
  let commits: string[]
  let gh: StandIn
  let runner: EventRunner
  let headSha = ''
  // Pull request #7, opened in beforeAll: the one most tests evaluate.
  let pull7: PullRequestEventOptions

  const run = (event: BuiltEvent, inputs: Record<string, string>) => runner.run(event, inputs)
  /** Opens pull request `number` into main on the stand-in; returns it as the event builders take it. */
  const openPull = (number: number, author: string, head: { ref: string; sha: string }) => {
    const pull = {
      repo: REPO,
      number,
      author,
      head,
      base: { ref: 'main', sha: commits[1] as string }
    }
    gh.state.repo('acme/models').addPull(pull)
    return pull
  }
  const dispatch = (sender: string) =>
    workflowDispatchEvent({ repo: REPO, sha: commits[1] as string, sender })
  const pullRequest = () => pullRequestEvent(pull7)
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

    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8] })
    clone = workspace.clone
    commits = workspace.commits
    runner = eventRunner({ workspace: clone.dir, gh })
    // The pull request's head: a commit on a branch that asks for the promotion.
    headSha = await commit(clone.git, 'promote fraud')
    pull7 = openPull(7, 'alice', { ref: 'promote-fraud', sha: headSha })

    await registerVersions(clone, {
      actor: 'mona',
      versions: { 'v1.0.0': commits[0] as string, 'v1.1.0': commits[1] as string }
    })
  })
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await workspace?.cleanup()
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
    const target = await run(pullRequestEvent({ ...pull7, target: true }), promoteInputs)
    expect(target.exitCode).toBe(0)
    expect(target.outputs.decision).toBe('pending')
    expect(repo.commentsOn(7)).toHaveLength(1)

    repo.addReview(7, { user: 'bob', state: 'APPROVED' })
    const approved = await run(
      pullRequestReviewEvent({ ...pull7, review: { user: 'bob', state: 'approved' } }),
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
    const tagsBefore = await remoteTags(clone)
    const inputs = { ...promoteInputs, 'promote-on': 'approval' }
    // carol's change request still stands: nothing is written.
    const refused = await run(pullRequest(), inputs)
    expect(refused.outputs.decision).toBe('blocked')
    expect(await remoteTags(clone)).toBe(tagsBefore)

    repo.addReview(7, { user: 'carol', state: 'APPROVED' })
    const promoted = await run(pullRequest(), inputs)
    expect(promoted.exitCode).toBe(0)
    expect(promoted.outputs.decision).toBe('pass')
    expect(promoted.summary).toContain('Promoted v1.0.0 to staging')
    const tags = await remoteTags(clone)
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
    const pull9 = openPull(9, 'bob', { ref: 'promote-v1.1', sha: first })
    const event = (sha: string) => pullRequestEvent({ ...pull9, head: { ...pull9.head, sha } })
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
    const pull8 = openPull(8, 'alice', { ref: 'promote-v1.1-again', sha: fakeSha('pr8-head') })
    const evaluated = await run(pullRequestEvent(pull8), inputs)
    expect(evaluated.outputs.decision).toBe('pending')
    repo.addReview(8, { user: 'bob', state: 'APPROVED' })

    // The merge: a real commit on main (the policy is read from it), known to the stand-in.
    const merge = await pushCommit(clone, 'Merge pull request #8')
    repo.merge(8, { mergeCommitSha: merge, mergedBy: 'mona' })
    const tagsBefore = await remoteTags(clone)
    const pushed = () => pushEvent({ repo: REPO, before: commits[1] as string, after: merge })

    const promoted = await run(pushed(), inputs)
    expect(promoted.exitCode).toBe(0)
    expect(promoted.outputs.decision).toBe('pass')
    expect(promoted.summary).toContain('Promoted v1.1.0 to staging (replacing v1.0.0)')
    expect(promoted.summary).toContain('Promoted on the merge of pull request #8')
    expect(await remoteTags(clone)).not.toBe(tagsBefore)
    expect(repo.status(merge, 'modelgate/fraud/staging')?.state).toBe('success')
    let comments = repo.commentsOn(8)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain('### ✅ Promoted')
    expect(comments[0]?.body).toContain(
      '**v1.1.0** is now in **staging**, replacing v1.0.0 (kept for rollback)'
    )
    // The stage's metric history, from the registry's audit records alone (issue 16): both
    // promotions to staging, a chart of the policy's metric and the table beside it.
    expect(comments[0]?.body).toContain('### staging: the last 2 promotions')
    expect(comments[0]?.body).toMatch(
      /```mermaid\nxychart-beta\n {4}title "auc"\n {4}x-axis \["v1\.0\.0", "v1\.1\.0"\]/
    )
    expect(comments[0]?.body).toMatch(
      /\| Version \| Promoted \(UTC\) \| auc \|\n\| :-- \| :-- \| :-- \|\n\| v1\.0\.0 \|/
    )

    // A re-run of the same push writes nothing and leaves the comment alone.
    const tagsAfter = await remoteTags(clone)
    const again = await run(pushed(), inputs)
    expect(again.exitCode).toBe(0)
    expect(again.summary).toContain('already holds staging')
    expect(await remoteTags(clone)).toBe(tagsAfter)
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
    const tagsRolled = await remoteTags(clone)
    const rerun = await run(pushed(), inputs)
    expect(rerun.exitCode).toBe(0)
    expect(rerun.summary).toContain(
      `This commit (${merge.slice(0, 7)}) already promoted fraud v1.1.0 to staging`
    )
    expect(await remoteTags(clone)).toBe(tagsRolled)
    // ...nor does another pull request that still names it: only a forced promotion would.
    const pull10 = openPull(10, 'alice', { ref: 'again', sha: fakeSha('pr10-head') })
    repo.addReview(10, { user: 'bob', state: 'APPROVED' })
    const again10 = await run(pullRequestEvent(pull10), inputs)
    expect(again10.outputs.decision).toBe('blocked')
    expect(repo.commentsOn(10)[0]?.body).toContain('v1.1.0 was taken out of staging')
    gh.assertNoViolations()
  })

  it('a merge into another branch pushed to main brings no approvals; a force-push promotes nothing', async () => {
    const repo = gh.state.repo('acme/models')
    const merged = await pushCommit(clone, 'Merge #11 into develop')
    repo.addPull({
      number: 11,
      author: 'alice',
      head: { ref: 'to-develop', sha: fakeSha('pr11-head') },
      base: { ref: 'develop', sha: commits[1] as string }
    })
    repo.addReview(11, { user: 'bob', state: 'APPROVED' })
    repo.merge(11, { mergeCommitSha: merged })
    // A version never rolled back, so only the missing approval can block it.
    await registerVersions(clone, { actor: 'mona', versions: { 'v1.2.0': merged } })
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

    const tagsBefore = await remoteTags(clone)
    const forced = pushEvent({ repo: REPO, before: commits[1] as string, after: merged })
    forced.payload.forced = true
    const forcePushed = await run(forced, inputs)
    expect(forcePushed.exitCode).toBe(2)
    expect(forcePushed.stdout).toContain('was force-pushed')
    expect(await remoteTags(clone)).toBe(tagsBefore)
    gh.assertNoViolations()
  })

  it('does not promote on a push no pull request produced, nor on a push to another branch', async () => {
    const before = await remoteTags(clone)
    const direct = await pushCommit(clone, 'direct push')
    gh.state.repo('acme/models').addCommit(direct)
    const inputs = { ...promoteInputs, version: 'v1.1.0' }

    const unreviewed = await run(
      pushEvent({ repo: REPO, before: commits[1] as string, after: direct }),
      inputs
    )
    expect(unreviewed.exitCode).toBe(0)
    expect(unreviewed.outputs.decision).toBe('blocked')
    expect(unreviewed.summary).toContain('which no merged pull request produced')
    expect(await remoteTags(clone)).toBe(before)

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
    expect(await remoteTags(clone)).toBe(before)
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
    const before = await remoteTags(clone)

    // Without a token nothing is masked, so this run is made by hand.
    const dispatched = await runner.write(dispatch('mona'))
    const tokenless = await runAction(
      { ...rollback, 'github-token': '' },
      { ...dispatched.env, ...HERMETIC_GIT, GITHUB_API_URL: gh.url },
      clone.dir
    )
    expect(tokenless.exitCode).toBe(4)
    expect(tokenless.stdout).toContain('set the github-token input')
    expect(await remoteTags(clone)).toBe(before)

    const refused = await run(dispatch('reader'), rollback)
    expect(refused.exitCode).toBe(4)
    expect(refused.stdout).toContain('reader has read permission')
    expect(await remoteTags(clone)).toBe(before)

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
      expect(await remoteTags(clone)).toBe(before)
    } finally {
      await writeFile(path.join(clone.dir, 'policy.yml'), POLICY)
    }

    const rolled = await run(dispatch('mona'), rollback)
    expect(rolled.exitCode).toBe(0)
    expect(rolled.summary).toContain('dev is back on **v1.0.0** (was v1.1.0)')
    expect(await remoteTags(clone)).not.toBe(before)
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
      { ...HERMETIC_GIT, GITHUB_EVENT_NAME: 'schedule', GITHUB_API_URL: gh.url },
      clone.dir
    )
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toContain('Supported events: pull_request, pull_request_target')
  })
})
