// The GitHub API stand-in's answers for what real GitHub does to a client that the happy path
// never meets: who a token is (GET /user, GraphQL viewer), read-only tokens (fork pull
// requests), 429 with retry-after, deleted accounts (user: null) and reviews whose commit is
// gone (commit_id: null). Every answer still fits GitHub's response schemas.
import { fakeSha, start, type Repo, type StandIn } from './helpers/github-stand-in/index.js'

const HEAD = fakeSha('hostile-head')
const MERGE = fakeSha('hostile-merge')
const PAT = 'ghp_hostile_pat'
const APP = 'ghs_hostile_app_installation'
const FORK = 'ghs_hostile_fork_read_only'

interface Answer {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

describe('GitHub API stand-in: what real GitHub does to clients', () => {
  let gh: StandIn
  let repo: Repo

  async function call(method: string, path: string, body?: unknown, token = gh.token) {
    const response = await fetch(`${gh.url}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `token ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined
    } as Answer
  }

  beforeAll(async () => {
    gh = await start({
      tokens: {
        [PAT]: { kind: 'pat', login: 'release-bot' },
        [APP]: { kind: 'app', appSlug: 'acme-gate', appId: 4242 },
        [FORK]: { kind: 'github-token', readOnly: true }
      }
    })
    repo = gh.state.addRepo({ owner: 'acme', name: 'models' })
    repo.addPull({ number: 7, author: 'alice', head: { ref: 'promote', sha: HEAD } })
  })
  afterAll(async () => {
    gh.assertNoViolations()
    await gh.close()
  })

  describe('who a token is', () => {
    it('GET /user answers a PAT with its user, an installation token with 403', async () => {
      const pat = await call('GET', '/user', undefined, PAT)
      expect(pat.status).toBe(200)
      expect(pat.body).toMatchObject({ login: 'release-bot', type: 'User' })
      for (const token of [gh.token, APP]) {
        const refused = await call('GET', '/user', undefined, token)
        expect(refused.status).toBe(403)
        expect(refused.body.message).toBe('Resource not accessible by integration')
      }
    })

    it('GraphQL viewer answers every kind: the user, or <app-slug>[bot]', async () => {
      const viewer = async (token: string) =>
        (await call('POST', '/graphql', { query: 'query { viewer { login __typename } }' }, token))
          .body
      expect(await viewer(gh.token)).toEqual({
        data: { viewer: { login: 'github-actions[bot]', __typename: 'Bot' } }
      })
      expect(await viewer(APP)).toEqual({
        data: { viewer: { login: 'acme-gate[bot]', __typename: 'Bot' } }
      })
      expect(await viewer(PAT)).toEqual({
        data: { viewer: { login: 'release-bot', __typename: 'User' } }
      })
      expect(gh.state.count('graphql')).toBe(3)
    })

    it('refuses any other GraphQL query as not implemented', async () => {
      const answer = await call('POST', '/graphql', { query: '{ repository(owner: "a") { id } }' })
      expect(answer.body.errors).toHaveLength(1)
      expect(gh.takeViolations()).toEqual([
        expect.objectContaining({ kind: 'not-implemented', operationId: 'graphql' })
      ])
    })

    it('marks a comment with the app that wrote it (performed_via_github_app)', async () => {
      const ours = await call('POST', '/repos/acme/models/issues/7/comments', { body: 'a' })
      expect(ours.body.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
      expect(ours.body.performed_via_github_app).toMatchObject({
        id: 15368,
        slug: 'github-actions'
      })
      const app = await call('POST', '/repos/acme/models/issues/7/comments', { body: 'b' }, APP)
      expect(app.body.user).toMatchObject({ login: 'acme-gate[bot]', type: 'Bot' })
      expect(app.body.performed_via_github_app).toMatchObject({ id: 4242, slug: 'acme-gate' })
      const pat = await call('POST', '/repos/acme/models/issues/7/comments', { body: 'c' }, PAT)
      expect(pat.body.performed_via_github_app).toBeNull()
    })
  })

  it('a read-only token reads, and every write answers 403 as on a fork', async () => {
    expect((await call('GET', '/repos/acme/models/pulls/7', undefined, FORK)).status).toBe(200)
    const before = repo.commentsOn(7).length
    const writes: [string, string, unknown][] = [
      ['POST', '/repos/acme/models/issues/7/comments', { body: 'x' }],
      ['POST', `/repos/acme/models/statuses/${HEAD}`, { state: 'pending', context: 'c' }]
    ]
    for (const [method, path, body] of writes) {
      const answer = await call(method, path, body, FORK)
      expect(answer.status).toBe(403)
      expect(answer.body.message).toBe('Resource not accessible by integration')
    }
    expect(repo.commentsOn(7)).toHaveLength(before)
    expect(repo.statusesFor(HEAD)).toHaveLength(0)
  })

  describe('rate limits', () => {
    it('answers a persistent 429 with retry-after, as often as asked', async () => {
      const fault = gh.state.injectFault({
        operationId: 'repos/get',
        kind: 'secondary-rate-limit',
        status: 429,
        retryAfter: 30,
        times: Infinity
      })
      for (let i = 0; i < 3; i++) {
        const answer = await call('GET', '/repos/acme/models')
        expect(answer.status).toBe(429)
        expect(answer.headers.get('retry-after')).toBe('30')
        expect(answer.body.message).toMatch(/secondary rate limit/)
      }
      expect(fault.fired).toBe(3)
      fault.times = 0
    })

    it('can leave retry-after out, as some secondary limits do', async () => {
      gh.state.injectFault({
        operationId: 'repos/get',
        kind: 'secondary-rate-limit',
        retryAfter: null
      })
      const answer = await call('GET', '/repos/acme/models')
      expect(answer.status).toBe(403)
      expect(answer.headers.get('retry-after')).toBeNull()
    })
  })

  describe('deleted accounts and vanished commits', () => {
    it('answers user: null and commit_id: null on reviews', async () => {
      repo.addReview(7, { user: null, state: 'APPROVED' })
      repo.addReview(7, { user: 'bob', state: 'APPROVED', commitId: null })
      const reviews = (await call('GET', '/repos/acme/models/pulls/7/reviews')).body
      expect(reviews).toEqual([
        expect.objectContaining({ user: null, commit_id: HEAD, state: 'APPROVED' }),
        expect.objectContaining({
          user: expect.objectContaining({ login: 'bob' }),
          commit_id: null
        })
      ])
    })

    it('lists a pull request by a deleted account with user: null, and shows ghost on its own', async () => {
      const pull = repo.addPull({
        number: 8,
        author: null,
        head: { ref: 'gone', sha: fakeSha('gone') }
      })
      repo.merge(pull.number, { mergeCommitSha: MERGE })
      const listed = (await call('GET', `/repos/acme/models/commits/${MERGE}/pulls`)).body
      expect(listed).toEqual([expect.objectContaining({ number: 8, user: null })])
      const one = (await call('GET', '/repos/acme/models/pulls/8')).body
      expect(one.user).toMatchObject({ login: 'ghost' })
    })
  })
})
