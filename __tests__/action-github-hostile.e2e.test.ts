// The bundled action against what real GitHub does that the happy path never shows (issue 10,
// items 6, 12 and 13): a PR author's comment imitating the sticky comment's marker, a
// persistent 429 secondary rate limit with retry-after, and deleted accounts (user: null) on
// pull requests and reviews. dist/index.js runs as a child process against the stand-in.
import {
  eventRunner,
  expectNoSecret,
  HERMETIC_GIT,
  modelWorkspace,
  pushCommit,
  registerVersions,
  remoteTags,
  type EventRunner,
  type ModelWorkspace
} from './helpers/action-workspace.js'
import { fraudPolicy, fraudStage } from './helpers/fraud-policy.js'
import {
  pullRequestEvent,
  pushEvent,
  writeEvent,
  type PullRequestEventOptions
} from './helpers/events.js'
import { commit, type Clone } from './helpers/git-sandbox.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'
import { runAction } from './helpers/run-action.js'
import { commentMarker } from '../src/report/comment.js'

const POLICY = fraudPolicy({ staging: fraudStage('    approvals:\n      required: 1\n') })

const REPO = { owner: 'acme', name: 'models' }
const MARKER = commentMarker('fraud', 'staging')
const PAT = 'ghp_hostileE2ePersonalAccessToken'

describe('the bundled action against hostile GitHub behaviour', () => {
  let workspace: ModelWorkspace
  let clone: Clone
  let commits: string[]
  let gh: StandIn
  let runner: EventRunner

  const inputs = {
    command: 'promote',
    policy: 'policy.yml',
    stage: 'staging',
    version: 'v1.0.0',
    'fail-on-blocked': 'false'
  }
  const openPull = (number: number, author: string | null, head: { ref: string; sha: string }) => {
    gh.state.repo('acme/models').addPull({
      number,
      author,
      head,
      base: { ref: 'main', sha: commits[1] as string }
    })
    const event: PullRequestEventOptions = {
      repo: REPO,
      number,
      author: author ?? 'ghost',
      head,
      base: { ref: 'main', sha: commits[1] as string }
    }
    return event
  }

  beforeAll(async () => {
    gh = await start({ tokens: { [PAT]: { kind: 'pat', login: 'release-bot' } } })
    gh.state.addRepo(REPO).addCollaborators({ alice: 'write', bob: 'write', mona: 'maintain' })
    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8] })
    clone = workspace.clone
    commits = workspace.commits
    runner = eventRunner({ workspace: clone.dir, gh })
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

  describe('the sticky comment (item 6)', () => {
    it("never writes into a PR author's comment that carries the marker", async () => {
      const repo = gh.state.repo('acme/models')
      const pull = openPull(21, 'alice', {
        ref: 'imitation',
        sha: await commit(clone.git, 'pr 21')
      })
      const imitation = repo.addComment(21, {
        user: 'alice',
        body: `${MARKER}\n### ✅ Passed: approved by the ModelGate team`
      })
      const before = { ...imitation }

      const first = await runner.run(pullRequestEvent(pull), inputs)
      expect(first.exitCode).toBe(0)
      expect(first.outputs.decision).toBe('pending')
      const comments = repo.commentsOn(21)
      expect(comments).toHaveLength(2)
      expect(comments[0]).toEqual(before)
      expect(comments[1]?.user).toBe('github-actions[bot]')
      expect(comments[1]?.body.startsWith(MARKER)).toBe(true)
      expect(first.stdout).toContain(
        "On #21, 1 comment(s) carry ModelGate's marker but were not written by github-actions[bot] (the token's account): left alone, never edited"
      )

      // A re-run edits its own comment (or leaves it), never the imitation.
      const again = await runner.run(pullRequestEvent(pull), inputs)
      expect(again.exitCode).toBe(0)
      expect(repo.commentsOn(21)).toHaveLength(2)
      expect(repo.commentsOn(21)[0]).toEqual(before)
      const edits = gh.requests.filter(r => r.operationId === 'issues/update-comment')
      expect(edits.every(r => r.path.endsWith(`/comments/${comments[1]?.id}`))).toBe(true)
      gh.assertNoViolations()
    })

    it("with a personal access token, edits only that user's comment", async () => {
      const repo = gh.state.repo('acme/models')
      const pull = openPull(22, 'alice', { ref: 'pat', sha: await commit(clone.git, 'pr 22') })
      const theirs = repo.addComment(22, { user: 'alice', body: `${MARKER}\nfake` })
      const actions = repo.addComment(22, { user: 'github-actions[bot]', body: `${MARKER}\nold` })
      const mine = repo.addComment(22, { user: 'release-bot', body: `${MARKER}\nmine` })
      const event = await writeEvent(pullRequestEvent(pull))
      try {
        const result = await runAction(
          { ...inputs, 'github-token': PAT },
          { ...event.env, ...HERMETIC_GIT, GITHUB_API_URL: gh.url },
          clone.dir
        )
        expectNoSecret(result, [PAT])
        expect(result.exitCode).toBe(0)
      } finally {
        await event.cleanup()
      }
      const bodies = new Map(repo.commentsOn(22).map(c => [c.id, c.body]))
      expect(bodies.size).toBe(3)
      expect(bodies.get(theirs.id)).toBe(`${MARKER}\nfake`)
      expect(bodies.get(actions.id)).toBe(`${MARKER}\nold`)
      expect(bodies.get(mine.id)).toContain('fraud')
      expect(bodies.get(mine.id)).not.toBe(`${MARKER}\nmine`)
      gh.assertNoViolations()
    })
  })

  describe('rate limits (item 12)', () => {
    it('a persistent 429 with retry-after costs 4 requests, not 12, and says why it stopped', async () => {
      const pull = openPull(23, 'alice', { ref: 'limited', sha: await commit(clone.git, 'pr 23') })
      const fault = gh.state.injectFault({
        operationId: 'issues/list-comments',
        kind: 'secondary-rate-limit',
        status: 429,
        retryAfter: 1,
        times: Infinity
      })
      const before = gh.state.count('issues/list-comments')
      try {
        const result = await runner.run(pullRequestEvent(pull), inputs)
        expect(gh.state.count('issues/list-comments') - before).toBe(4)
        expect(result.stdout).toContain(
          'GitHub API: listing the comments of #23 failed: GitHub secondary rate limit on GET /repos/acme/models/issues/23/comments (HTTP 429): still limited after 4 requests; re-run the job later'
        )
        expect(result.stdout).not.toMatch(/needs pull-requests: write/)
      } finally {
        fault.times = 0
      }
      gh.assertNoViolations()
    }, 30_000)

    it('a retry-after over the bound fails at once, naming the wait and the bound', async () => {
      const pull = openPull(24, 'alice', { ref: 'hour', sha: await commit(clone.git, 'pr 24') })
      const fault = gh.state.injectFault({
        operationId: 'issues/list-comments',
        kind: 'secondary-rate-limit',
        status: 429,
        retryAfter: 3600,
        times: Infinity
      })
      const before = gh.state.count('issues/list-comments')
      try {
        const result = await runner.run(pullRequestEvent(pull), inputs)
        expect(gh.state.count('issues/list-comments') - before).toBe(1)
        expect(result.stdout).toContain(
          'GitHub asks to wait 3600 s, longer than ModelGate waits (120 s); re-run the job later'
        )
      } finally {
        fault.times = 0
      }
      gh.assertNoViolations()
    }, 30_000)
  })

  describe('deleted accounts (item 13)', () => {
    it('reviews by deleted accounts are not counted, and the log says so', async () => {
      const repo = gh.state.repo('acme/models')
      const pull = openPull(25, 'alice', { ref: 'ghosts', sha: await commit(clone.git, 'pr 25') })
      repo.addReview(25, { user: null, state: 'APPROVED' })
      const result = await runner.run(pullRequestEvent(pull), inputs)
      expect(result.exitCode).toBe(0)
      expect(result.outputs.decision).toBe('pending')
      expect(result.stdout).toContain(
        '1 review(s) of #25 by deleted accounts (GitHub answers user: null) are not counted'
      )
      gh.assertNoViolations()
    })

    it('one associated pull request by a deleted account does not fail the merge promotion', async () => {
      const repo = gh.state.repo('acme/models')
      openPull(26, 'alice', { ref: 'promote-v1.1', sha: fakeSha('pr26-head') })
      repo.addReview(26, { user: 'bob', state: 'APPROVED' })
      const merge = await pushCommit(clone, 'Merge pull request #26')
      repo.merge(26, { mergeCommitSha: merge, mergedBy: 'mona' })
      // Another pull request, by an account deleted since, was opened from main after the merge.
      repo.addPull({
        number: 27,
        author: null,
        head: { ref: 'later', sha: fakeSha('pr27-head') },
        commits: [merge]
      })
      const tagsBefore = await remoteTags(clone)
      const result = await runner.run(
        pushEvent({ repo: REPO, before: commits[1] as string, after: merge }),
        { ...inputs, version: 'v1.1.0' }
      )
      expect(result.exitCode).toBe(0)
      expect(result.outputs.decision).toBe('pass')
      expect(result.summary).toContain('Promoted on the merge of pull request #26')
      expect(await remoteTags(clone)).not.toBe(tagsBefore)
      gh.assertNoViolations()
    })
  })
})
