// Deleted accounts and vanished commits, as GitHub answers them (issue 10, item 13): `user:
// null` on pull requests in lists and on reviews, `commit_id: null` on reviews. What cannot be
// judged is skipped and said; nothing crashes. Against the GitHub API stand-in, through
// ModelGate's own Octokit.
import { approvalsGate } from '../src/gates/approvals.js'
import { createOctokit } from '../src/github/client.js'
import type { Logger } from '../src/log.js'
import { findMergedPullRequests, parsePullRequest } from '../src/github/pulls.js'
import { gatherReviewEvidence, octokitReviewSource } from '../src/github/reviews.js'
import { Approvals } from '../src/policy/schema.js'
import { fakeSha, start, type Repo, type StandIn } from './helpers/github-stand-in/index.js'

const REPO = { owner: 'acme', repo: 'models' }
const HEAD = fakeSha('null-users-head')
const MERGE = fakeSha('null-users-merge')

function recorder(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, debug() {}, info() {}, warning: message => warnings.push(message) }
}

describe('deleted accounts and vanished commits', () => {
  let gh: StandIn
  let repo: Repo
  const api = () => createOctokit(gh.token, { baseUrl: gh.url, retryAfterBaseMs: 1 })

  beforeEach(async () => {
    gh = await start()
    repo = gh.state.addRepo({ owner: 'acme', name: 'models' })
    repo.addCollaborators({ bob: 'write', carol: 'write' })
  })
  afterEach(async () => {
    gh.assertNoViolations()
    await gh.close()
  })

  it('an associated pull request by a deleted account does not fail the merge search', async () => {
    // #3 is the merge; #4, by a deleted account, also contains the commit (it was based on it).
    const merged = repo.addPull({ number: 3, author: 'alice', head: { ref: 'a', sha: HEAD } })
    repo.merge(merged.number, { mergeCommitSha: MERGE })
    repo.addPull({
      number: 4,
      author: null,
      head: { ref: 'b', sha: fakeSha('other') },
      commits: [MERGE]
    })
    const log = recorder()
    const found = await findMergedPullRequests(api(), REPO, MERGE, log)
    expect(found.map(pr => [pr.number, pr.author])).toEqual([[3, 'alice']])
    expect(log.warnings).toEqual([])
  })

  it('a merged pull request by a deleted account is skipped, and said', async () => {
    const pull = repo.addPull({ number: 5, author: null, head: { ref: 'c', sha: HEAD } })
    repo.merge(pull.number, { mergeCommitSha: MERGE })
    const log = recorder()
    expect(await findMergedPullRequests(api(), REPO, MERGE, log)).toEqual([])
    expect(log.warnings).toEqual([
      `Pull request #5, merged as ${MERGE.slice(0, 7)}, has no author (GitHub answers user: null for a deleted account): whose reviews count cannot be judged, so it is not taken as this commit's pull request`
    ])
  })

  it('a pull request payload without an author is a clear error, not a crash', () => {
    expect(() =>
      parsePullRequest({
        number: 9,
        user: null,
        head: { sha: HEAD, ref: 'x' },
        base: { sha: MERGE, ref: 'main' }
      })
    ).toThrow('pull request #9 has no author (user: null, a deleted account)')
  })

  it('reviews by deleted accounts are not counted, and said; a review on a vanished commit is stale', async () => {
    repo.addPull({ number: 7, author: 'alice', head: { ref: 'p', sha: HEAD } })
    repo.addReview(7, { user: null, state: 'APPROVED' })
    repo.addReview(7, { user: null, state: 'CHANGES_REQUESTED' })
    repo.addReview(7, { user: 'bob', state: 'APPROVED', commitId: null })
    repo.addReview(7, { user: 'carol', state: 'APPROVED' })
    const log = recorder()
    const rules = Approvals.parse({ required: 2 })
    const evidence = await gatherReviewEvidence(
      octokitReviewSource(api(), REPO, log),
      { number: 7, author: 'alice', headSha: HEAD },
      rules
    )
    expect(evidence.reviews.map(r => [r.user, r.commitId])).toEqual([
      ['bob', undefined],
      ['carol', HEAD]
    ])
    expect(log.warnings).toEqual([
      '2 review(s) of #7 by deleted accounts (GitHub answers user: null) are not counted: whose they were cannot be judged'
    ])
    const gate = approvalsGate({ ...evidence, rules })
    expect(gate.status).toBe('pending')
    expect(gate.approvals?.approvedBy.map(r => r.login)).toEqual(['carol'])
    expect(gate.approvals?.stale.map(r => r.login)).toEqual(['bob'])
    expect(gate.details?.join('\n')).toContain('bob approved an unknown commit')
  })
})
