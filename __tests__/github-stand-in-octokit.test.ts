// A real Octokit (@actions/github's, and ModelGate's with its retry policy)
// against the stand-in: what Octokit sends is what GitHub's description accepts, and what the
// stand-in answers is what Octokit's consumers read.
import { getOctokit } from '@actions/github'
import { createOctokit } from '../src/github/client.js'
import { fakeSha, start, type Repo, type StandIn } from './helpers/github-stand-in/index.js'

const HEAD = fakeSha('octokit-head')
const BASE = fakeSha('octokit-base')

describe('GitHub API stand-in, through a real Octokit', () => {
  let gh: StandIn
  let repo: Repo
  const pat = 'ghp_octokit_pat'
  const owner = 'acme'
  const name = 'models'

  beforeAll(async () => {
    gh = await start({ tokens: { [pat]: { kind: 'pat', login: 'release-bot' } } })
    repo = gh.state.addRepo({ owner, name })
    repo.addPull({
      number: 12,
      author: 'alice',
      head: { ref: 'promote', sha: HEAD },
      base: { ref: 'main', sha: BASE }
    })
    repo.addCollaborators({ bob: 'write', mona: 'maintain' })
    gh.state.addTeam('acme', 'ds-leads', { members: ['bob'] })
    repo.putFile(BASE, 'policies/churn.yml', 'model: churn\n')
  })

  afterAll(async () => {
    await gh.close()
  })

  afterEach(() => {
    gh.assertNoViolations()
  })

  it('reads a pull request and pages every review (one request a page)', async () => {
    const octokit = getOctokit(gh.token, { baseUrl: gh.url })
    for (let i = 0; i < 250; i++) {
      repo.addReview(12, { user: `reviewer-${i % 100}`, state: i % 3 ? 'COMMENTED' : 'APPROVED' })
    }
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo: name, pull_number: 12 })
    expect(pull.head.sha).toBe(HEAD)
    expect(pull.user.login).toBe('alice')

    const before = gh.state.count('pulls/list-reviews')
    const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
      owner,
      repo: name,
      pull_number: 12,
      per_page: 100
    })
    expect(reviews).toHaveLength(250)
    expect(reviews[0]).toMatchObject({ state: 'APPROVED', commit_id: HEAD })
    expect(gh.state.count('pulls/list-reviews') - before).toBe(3)
  })

  it('creates a comment, finds it by its marker, and edits it in place', async () => {
    const octokit = getOctokit(gh.token, { baseUrl: gh.url })
    const marker = '<!-- modelgate:churn:production -->'
    await octokit.rest.issues.createComment({
      owner,
      repo: name,
      issue_number: 12,
      body: `${marker}\nv1`
    })
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo: name,
      issue_number: 12,
      per_page: 100
    })
    const mine = comments.find(comment => comment.body?.startsWith(marker))!
    await octokit.rest.issues.updateComment({
      owner,
      repo: name,
      comment_id: mine.id,
      body: `${marker}\nv2`
    })
    expect(repo.commentsOn(12).map(comment => comment.body)).toEqual([`${marker}\nv2`])
  })

  it('sets a commit status and reads permissions, contents and check runs', async () => {
    const octokit = getOctokit(gh.token, { baseUrl: gh.url })
    await octokit.rest.repos.createCommitStatus({
      owner,
      repo: name,
      sha: HEAD,
      state: 'pending',
      context: 'modelgate/churn/production',
      description: '1 approval missing'
    })
    expect(repo.status(HEAD, 'modelgate/churn/production')?.state).toBe('pending')

    const { data: permission } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo: name,
      username: 'mona'
    })
    expect(permission.permission).toBe('write')
    expect(permission.role_name).toBe('maintain')

    const { data: file } = await octokit.rest.repos.getContent({
      owner,
      repo: name,
      path: 'policies/churn.yml',
      ref: BASE
    })
    expect('content' in file && Buffer.from(file.content, 'base64').toString()).toBe(
      'model: churn\n'
    )

    repo.addCheckRun(HEAD, { name: 'smoke-tests' })
    const { data: checks } = await octokit.rest.checks.listForRef({
      owner,
      repo: name,
      ref: HEAD,
      check_name: 'smoke-tests'
    })
    expect(checks.check_runs.map(run => run.conclusion)).toEqual(['success'])

    const { data: repository } = await octokit.rest.repos.get({ owner, repo: name })
    expect(repository.default_branch).toBe('main')
  })

  it('GITHUB_TOKEN cannot see team membership (404); a PAT can', async () => {
    const asActions = getOctokit(gh.token, { baseUrl: gh.url })
    await expect(
      asActions.rest.teams.getMembershipForUserInOrg({
        org: 'acme',
        team_slug: 'ds-leads',
        username: 'bob'
      })
    ).rejects.toMatchObject({ status: 404 })
    const asPat = getOctokit(pat, { baseUrl: gh.url })
    const { data } = await asPat.rest.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'ds-leads',
      username: 'bob'
    })
    expect(data.role).toBe('member')
  })

  it('finds the PR a merge commit came from', async () => {
    const octokit = getOctokit(gh.token, { baseUrl: gh.url })
    const merged = repo.addPull({ head: { ref: 'p2', sha: fakeSha('p2') } })
    repo.merge(merged.number, { mergeCommitSha: fakeSha('p2-merge') })
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo: name,
      commit_sha: fakeSha('p2-merge')
    })
    expect(data.map(pull => pull.number)).toEqual([merged.number])
  })

  it('a request the description refuses surfaces as an Octokit error and a violation', async () => {
    const octokit = getOctokit(gh.token, { baseUrl: gh.url })
    await expect(
      octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        owner,
        repo: name,
        sha: HEAD,
        state: 'green' as unknown as 'success' // Octokit's types forbid it; an untyped caller can send it
      })
    ).rejects.toMatchObject({ status: 422 })
    expect(gh.takeViolations().map(violation => violation.kind)).toEqual(['body'])
  })

  it("ModelGate's Octokit rides out an injected 500 and waits out a 429 with retry-after", async () => {
    const waits: string[] = []
    const octokit = createOctokit(gh.token, {
      baseUrl: gh.url,
      retryAfterBaseMs: 1,
      logger: { debug: () => {}, info: () => {}, warning: message => waits.push(message) }
    })
    const fault = gh.state.injectFault({ operationId: 'pulls/get', status: 502 })
    const before = gh.state.count('pulls/get')
    const { data } = await octokit.rest.pulls.get({ owner, repo: name, pull_number: 12 })
    expect(data.number).toBe(12)
    expect(fault.fired).toBe(1)
    expect(gh.state.count('pulls/get') - before).toBe(2)

    gh.state.injectFault({
      operationId: 'repos/get',
      kind: 'secondary-rate-limit',
      status: 429,
      retryAfter: 7
    })
    const { data: repository } = await octokit.rest.repos.get({ owner, repo: name })
    expect(repository.full_name).toBe('acme/models')
    expect(waits).toEqual([
      'GitHub server error (HTTP 502) on GET /repos/{owner}/{repo}/pulls/{pull_number}; retry 1 of 3 in 1 s',
      'GitHub secondary rate limit on GET /repos/{owner}/{repo}; retry 1 of 3 in 7 s'
    ])
  })

  it('GraphQL viewer through Octokit says who the token is', async () => {
    const octokit = createOctokit(pat, { baseUrl: gh.url })
    const answer = await octokit.graphql<{ viewer: { login: string } }>('{ viewer { login } }')
    expect(answer.viewer.login).toBe('release-bot')
  })
})
