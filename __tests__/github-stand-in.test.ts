// The GitHub API stand-in itself: it refuses what GitHub's OpenAPI description refuses, and
// answers what ModelGate asks the way GitHub does (shapes, pagination, limits, permissions).
import {
  COMMENT_BODY_LIMIT,
  fakeSha,
  loadSpec,
  start,
  type Repo,
  type StandIn,
  type Violation
} from './helpers/github-stand-in/index.js'
import { HANDLERS } from './helpers/github-stand-in/handlers.js'

const HEAD = fakeSha('head')
const BASE = fakeSha('base')
const MERGE = fakeSha('merge')

interface Answer {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

describe('GitHub API stand-in', () => {
  let gh: StandIn
  let repo: Repo
  const pat = 'ghp_standin_pat_can_read_teams'

  /** One request; `body` is sent as JSON, `raw` as it is. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    options: { token?: string | null; headers?: Record<string, string>; raw?: string } = {}
  ): Promise<Answer> {
    const token = options.token === undefined ? gh.token : options.token
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body))
    const response = await fetch(`${gh.url}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        ...(token ? { authorization: `token ${token}` } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers
      },
      body: payload
    })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // raw media types answer text
    }
    return { status: response.status, headers: response.headers, body: parsed }
  }

  /** The violations one call caused (taken, so later checks start clean). */
  async function refused(
    method: string,
    path: string,
    body?: unknown,
    raw?: string
  ): Promise<[Answer, Violation]> {
    const answer = await call(method, path, body, raw === undefined ? {} : { raw })
    const violations = gh.takeViolations()
    expect(violations).toHaveLength(1)
    return [answer, violations[0]!]
  }

  beforeAll(async () => {
    gh = await start({ tokens: { [pat]: { kind: 'pat', login: 'release-bot' } } })
    repo = gh.state.addRepo({ owner: 'acme', name: 'models' })
    repo.addPull({
      number: 7,
      author: 'alice',
      head: { ref: 'promote/churn', sha: HEAD },
      base: { ref: 'main', sha: BASE },
      files: [{ filename: 'policies/churn.yml', status: 'modified', additions: 2, deletions: 1 }]
    })
    repo.addCollaborators({
      root: 'admin',
      mona: 'maintain',
      bob: 'write',
      tri: 'triage',
      rita: 'read'
    })
    gh.state.user('stranger')
  })

  afterAll(async () => {
    await gh.close()
  })

  afterEach(() => {
    // Whatever a test provoked it took; anything left is a refusal nobody expected.
    gh.assertNoViolations()
  })

  it('loads GitHub’s OpenAPI description once, with every route', () => {
    expect(gh.spec.operations).toBeGreaterThan(1000)
    expect(gh.spec.specVersion).toMatch(/^\d+\.\d+\.\d+$/)
    expect(['spec', 'cache']).toContain(gh.spec.source)
  })

  it('its cached index is the description’s own: rebuilt from the file, nothing differs', () => {
    const ids = Object.keys(HANDLERS)
    const cached = loadSpec(ids)
    const fresh = loadSpec(ids, false)
    expect(fresh.stats.source).toBe('spec')
    expect(fresh.operations()).toEqual(cached.operations())
    const status = fresh.operation('repos/create-commit-status')!
    expect(status.requestBody?.schema).toMatchObject({
      required: ['state'],
      properties: { state: { enum: ['error', 'failure', 'pending', 'success'] } }
    })
  })

  describe('refuses what the description refuses', () => {
    it('lets a valid request through, with no violation', async () => {
      const answer = await call('GET', '/repos/acme/models')
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ full_name: 'acme/models', default_branch: 'main' })
      expect(gh.violations).toEqual([])
    })

    it('an unknown route: 404, recorded', async () => {
      const [answer, violation] = await refused('GET', '/repos/acme/models/pulls/7/approvals')
      expect(answer.status).toBe(404)
      expect(answer.body.message).toMatch(/matches no path/)
      expect(violation).toMatchObject({ kind: 'route', method: 'GET' })
    })

    it('a wrong method on a real path: 404 naming the methods it takes', async () => {
      const [answer, violation] = await refused('DELETE', '/repos/acme/models/pulls/7/reviews')
      expect(answer.status).toBe(404)
      expect(violation.kind).toBe('method')
      expect(violation.message).toBe(
        '/repos/{owner}/{repo}/pulls/{pull_number}/reviews takes GET, POST, not DELETE'
      )
    })

    it('a missing required body field: 422 naming it', async () => {
      const [answer, violation] = await refused('POST', '/repos/acme/models/issues/7/comments', {
        text: 'hello'
      })
      expect(answer.status).toBe(422)
      expect(violation).toMatchObject({ kind: 'body', operationId: 'issues/create-comment' })
      expect(violation.problems).toContain("body.body is required but wasn't supplied")
      expect(repo.commentsOn(7)).toEqual([])
    })

    it('an ill-typed body field', async () => {
      const [answer, violation] = await refused('POST', `/repos/acme/models/statuses/${HEAD}`, {
        state: 'success',
        description: 42
      })
      expect(answer.status).toBe(422)
      expect(violation.problems).toEqual(['body.description is the integer 42, expected string'])
    })

    it('a value outside an enum', async () => {
      const [answer, violation] = await refused('POST', `/repos/acme/models/statuses/${HEAD}`, {
        state: 'passed',
        context: 'modelgate/churn/production'
      })
      expect(answer.status).toBe(422)
      expect(violation.problems).toEqual([
        'body.state is the string "passed", expected one of ["error","failure","pending","success"]'
      ])
      expect(repo.statusesFor(HEAD)).toEqual([])
    })

    it('a property the schema forbids (additionalProperties: false)', async () => {
      const [answer, violation] = await refused('PATCH', '/repos/acme/models/hooks/1/config', {
        url: 'https://example.com/hook',
        colour: 'red'
      })
      expect(answer.status).toBe(422)
      expect(violation.problems).toEqual(['body.colour is not a known property (none allowed)'])
    })

    it('an ill-typed path parameter: 404, as GitHub answers', async () => {
      const [answer, violation] = await refused('GET', '/repos/acme/models/pulls/seven')
      expect(answer.status).toBe(404)
      expect(violation.kind).toBe('path-param')
      expect(violation.problems).toEqual([
        'path.pull_number is the string "seven", expected integer'
      ])
    })

    it('ill-typed and out-of-enum query parameters', async () => {
      const [paged, pagedViolation] = await refused(
        'GET',
        '/repos/acme/models/pulls/7/reviews?per_page=many'
      )
      expect(paged.status).toBe(422)
      expect(pagedViolation.problems).toEqual([
        'query.per_page is the string "many", expected integer'
      ])
      const [, filterViolation] = await refused(
        'GET',
        `/repos/acme/models/commits/${HEAD}/check-runs?filter=newest`
      )
      expect(filterViolation.problems).toEqual([
        'query.filter is the string "newest", expected one of ["latest","all"]'
      ])
    })

    it('strict: names what GitHub would silently ignore (a typo never paginates)', async () => {
      const [, query] = await refused('GET', '/repos/acme/models/pulls/7/reviews?perPage=100')
      expect(query.problems).toEqual([
        'query.perPage is not a parameter of pulls/list-reviews (GitHub would ignore it)'
      ])
      const [, body] = await refused('POST', `/repos/acme/models/statuses/${HEAD}`, {
        state: 'success',
        targetUrl: 'https://ci.example.com'
      })
      expect(body.problems[0]).toMatch(
        /^body\.targetUrl .* is not a field of repos\/create-commit-status/
      )
    })

    it('unparseable JSON: 400 Problems parsing JSON', async () => {
      const [answer, violation] = await refused(
        'POST',
        '/repos/acme/models/issues/7/comments',
        undefined,
        '{"body": '
      )
      expect(answer.status).toBe(400)
      expect(violation.message).toBe('Problems parsing JSON')
    })

    it('a valid request the stand-in does not answer is named, not guessed', async () => {
      const [answer, violation] = await refused('GET', '/repos/acme/models/branches/main')
      expect(answer.status).toBe(404)
      expect(violation).toMatchObject({
        kind: 'not-implemented',
        operationId: 'repos/get-branch'
      })
    })

    it('assertNoViolations lists every refusal', async () => {
      await call('GET', '/nope')
      expect(() => gh.assertNoViolations()).toThrow(/\[route\] GET \/nope/)
      gh.takeViolations()
    })
  })

  describe('authentication', () => {
    it('no token, an unknown token: 401; Bearer and token schemes both work', async () => {
      const [none, noneViolation] = await (async () => {
        const answer = await call('GET', '/repos/acme/models', undefined, { token: null })
        return [answer, gh.takeViolations()[0]!] as const
      })()
      expect(none.status).toBe(401)
      expect(noneViolation.kind).toBe('auth')

      const wrong = await call('GET', '/repos/acme/models', undefined, { token: 'ghp_wrong' })
      expect(wrong.status).toBe(401)
      expect(wrong.body.message).toMatch(/^Bad credentials/)
      expect(gh.takeViolations().map(v => v.kind)).toEqual(['auth'])

      const bearer = await call('GET', '/repos/acme/models', undefined, {
        token: null,
        headers: { authorization: `Bearer ${pat}` }
      })
      expect(bearer.status).toBe(200)
      expect(gh.state.tokensSeen).toEqual(new Set([gh.token, 'ghp_wrong', pat]))
    })

    it('records the login, never the token, in the request log', async () => {
      await call('GET', '/repos/acme/models')
      const last = gh.requests.at(-1)!
      expect(last).toMatchObject({
        method: 'GET',
        path: '/repos/acme/models',
        route: '/repos/{owner}/{repo}',
        operationId: 'repos/get',
        status: 200,
        login: 'github-actions[bot]'
      })
      expect(JSON.stringify(gh.requests)).not.toContain(gh.token)
    })

    it('sends rate-limit headers that count down per token', async () => {
      const first = await call('GET', '/rate_limit')
      const second = await call('GET', '/rate_limit')
      expect(first.headers.get('x-ratelimit-limit')).toBe('1000')
      expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(
        Number(first.headers.get('x-ratelimit-remaining')) - 1
      )
      expect(second.headers.get('x-ratelimit-resource')).toBe('core')
      expect(second.body.resources.core.used).toBe(Number(second.headers.get('x-ratelimit-used')))
    })
  })

  describe('pull requests', () => {
    it('a pull request, shaped like GitHub’s', async () => {
      const answer = await call('GET', '/repos/acme/models/pulls/7')
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({
        number: 7,
        state: 'open',
        merged: false,
        merge_commit_sha: null,
        user: { login: 'alice', type: 'User' },
        head: { ref: 'promote/churn', sha: HEAD, repo: { full_name: 'acme/models' } },
        base: { ref: 'main', sha: BASE },
        html_url: 'https://github.com/acme/models/pull/7'
      })
      expect(gh.requests.at(-1)!.status).toBe(200)
    })

    it('an unknown pull request: 404, which is not a violation', async () => {
      const answer = await call('GET', '/repos/acme/models/pulls/999')
      expect(answer.status).toBe(404)
      expect(answer.body.message).toBe('Not Found')
      expect(answer.body.documentation_url).toMatch(/docs\.github\.com\/rest\/pulls/)
    })

    it('pages reviews with per_page, page and a Link header', async () => {
      const pull = repo.addPull({ head: { ref: 'many-reviews', sha: fakeSha('many') } })
      for (let i = 0; i < 75; i++) {
        repo.addReview(pull.number, { user: `reviewer-${i % 25}`, state: 'COMMENTED' })
      }
      const base = `/repos/acme/models/pulls/${pull.number}/reviews`
      const first = await call('GET', `${base}?per_page=30`)
      expect(first.body).toHaveLength(30)
      const link = first.headers.get('link')!
      expect(link).toContain(`${gh.url}${base}?per_page=30&page=2>; rel="next"`)
      expect(link).toContain(`${gh.url}${base}?per_page=30&page=3>; rel="last"`)
      expect(link).not.toContain('rel="prev"')

      const last = await call('GET', `${base}?per_page=30&page=3`)
      expect(last.body).toHaveLength(15)
      expect(last.headers.get('link')).toContain('page=2>; rel="prev"')
      expect(last.headers.get('link')).toContain('page=1>; rel="first"')
      expect(last.headers.get('link')).not.toContain('rel="next"')

      const defaults = await call('GET', base)
      expect(defaults.body).toHaveLength(30)
      const capped = await call('GET', `${base}?per_page=500`)
      expect(capped.body).toHaveLength(75) // GitHub caps per_page at 100
      expect(capped.headers.get('link')).toBeNull()
    })

    it('reviews carry user, state, commit_id, submitted_at and body', async () => {
      const pull = repo.addPull({ author: 'carol', head: { ref: 'r', sha: fakeSha('r1') } })
      const approval = repo.addReview(pull.number, { user: 'bob', state: 'APPROVED', body: 'ok' })
      repo.addReview(pull.number, { user: 'bob', state: 'PENDING' })
      const answer = await call('GET', `/repos/acme/models/pulls/${pull.number}/reviews`)
      expect(answer.body[0]).toMatchObject({
        id: approval.id,
        user: { login: 'bob' },
        state: 'APPROVED',
        commit_id: fakeSha('r1'),
        submitted_at: approval.submittedAt,
        body: 'ok',
        author_association: 'COLLABORATOR',
        html_url: `https://github.com/acme/models/pull/${pull.number}#pullrequestreview-${approval.id}`
      })
      expect(answer.body[1].state).toBe('PENDING')
      expect(answer.body[1]).not.toHaveProperty('submitted_at')
    })

    it('lists the PR a merge commit came from, in the list shape (no `merged`)', async () => {
      const merged = repo.addPull({
        number: 40,
        head: { ref: 'promote/prod', sha: fakeSha('prod-head') },
        merged: true,
        mergeCommitSha: MERGE
      })
      const answer = await call('GET', `/repos/acme/models/commits/${MERGE}/pulls`)
      expect(answer.status).toBe(200)
      expect(answer.body.map((p: { number: number }) => p.number)).toEqual([merged.number])
      expect(answer.body[0]).toMatchObject({ state: 'closed', merge_commit_sha: MERGE })
      expect(answer.body[0].merged_at).toEqual(expect.any(String))
      expect(answer.body[0]).not.toHaveProperty('merged')
      const byHead = await call('GET', `/repos/acme/models/commits/${HEAD}/pulls`)
      expect(byHead.body.map((p: { number: number }) => p.number)).toEqual([7])
    })

    it('lists the files of a pull request', async () => {
      const answer = await call('GET', '/repos/acme/models/pulls/7/files')
      expect(answer.body).toEqual([
        expect.objectContaining({
          filename: 'policies/churn.yml',
          status: 'modified',
          additions: 2,
          deletions: 1,
          changes: 3
        })
      ])
    })

    it('push() and merge() move the head, the base branch and the state', async () => {
      const pull = repo.addPull({ head: { ref: 'moving', sha: fakeSha('m1') } })
      repo.push(pull.number, fakeSha('m2'))
      expect((await call('GET', `/repos/acme/models/pulls/${pull.number}`)).body.head.sha).toBe(
        fakeSha('m2')
      )
      repo.merge(pull.number, { mergeCommitSha: fakeSha('m3'), mergedBy: 'mona' })
      const merged = (await call('GET', `/repos/acme/models/pulls/${pull.number}`)).body
      expect(merged).toMatchObject({ merged: true, state: 'closed', merged_by: { login: 'mona' } })
      expect(repo.branches.get('main')).toBe(fakeSha('m3'))
    })
  })

  describe('issue comments', () => {
    it('creates, lists (paged) and updates a comment in place', async () => {
      const created = await call('POST', '/repos/acme/models/issues/7/comments', {
        body: '<!-- modelgate:churn:production -->\nfirst'
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        user: { login: 'github-actions[bot]', type: 'Bot' },
        body: '<!-- modelgate:churn:production -->\nfirst',
        html_url: `https://github.com/acme/models/pull/7#issuecomment-${created.body.id}`
      })
      expect(created.headers.get('location')).toBe(created.body.url)

      const updated = await call('PATCH', `/repos/acme/models/issues/comments/${created.body.id}`, {
        body: '<!-- modelgate:churn:production -->\nsecond'
      })
      expect(updated.status).toBe(200)
      expect(updated.body.body).toMatch(/second$/)
      expect(updated.body.updated_at > created.body.updated_at).toBe(true)
      expect(updated.body.created_at).toBe(created.body.created_at)

      const listed = await call('GET', '/repos/acme/models/issues/7/comments?per_page=100')
      expect(listed.body.map((c: { id: number }) => c.id)).toEqual([created.body.id])
      expect(repo.commentsOn(7).map(c => c.body)).toEqual([
        '<!-- modelgate:churn:production -->\nsecond'
      ])
    })

    it('pages comments', async () => {
      const pull = repo.addPull({ head: { ref: 'chatty', sha: fakeSha('chatty') } })
      for (let i = 0; i < 31; i++) repo.addComment(pull.number, { user: 'bob', body: `#${i}` })
      const page2 = await call('GET', `/repos/acme/models/issues/${pull.number}/comments?page=2`)
      expect(page2.body.map((c: { body: string }) => c.body)).toEqual(['#30'])
    })

    it('refuses a body over 65,536 characters with GitHub’s 422, and records it', async () => {
      const fits = await call('POST', '/repos/acme/models/issues/7/comments', {
        body: 'x'.repeat(COMMENT_BODY_LIMIT)
      })
      expect(fits.status).toBe(201)
      const before = repo.comments.length
      const [tooLong, violation] = await refused('POST', '/repos/acme/models/issues/7/comments', {
        body: 'x'.repeat(COMMENT_BODY_LIMIT + 1)
      })
      expect(tooLong.status).toBe(422)
      expect(tooLong.body.errors).toEqual([
        {
          resource: 'IssueComment',
          code: 'unprocessable',
          field: 'data',
          message: 'Body is too long (maximum is 65536 characters)'
        }
      ])
      expect(violation.kind).toBe('limit')
      expect(repo.comments.length).toBe(before)
      const [patched] = await refused(
        'PATCH',
        `/repos/acme/models/issues/comments/${fits.body.id}`,
        {
          body: '€'.repeat(COMMENT_BODY_LIMIT + 1)
        }
      )
      expect(patched.status).toBe(422)
    })

    it('a comment on an unknown issue: 404', async () => {
      const answer = await call('POST', '/repos/acme/models/issues/4242/comments', { body: 'x' })
      expect(answer.status).toBe(404)
    })
  })

  describe('commit statuses and check runs', () => {
    it('creates statuses and combines the latest per context', async () => {
      const sha = fakeSha('status-head')
      repo.addCommit(sha)
      const pending = await call('POST', `/repos/acme/models/statuses/${sha}`, {
        state: 'pending',
        context: 'modelgate/churn/production',
        description: 'waiting for 1 approval',
        target_url: 'https://github.com/acme/models/actions/runs/1'
      })
      expect(pending.status).toBe(201)
      expect(pending.body).toMatchObject({
        state: 'pending',
        creator: { login: 'github-actions[bot]' }
      })
      await call('POST', `/repos/acme/models/statuses/${sha}`, {
        state: 'success',
        context: 'modelgate/churn/production'
      })
      await call('POST', `/repos/acme/models/statuses/${sha}`, {
        state: 'success',
        context: 'modelgate/churn/staging'
      })
      const combined = await call('GET', `/repos/acme/models/commits/${sha}/status`)
      expect(combined.body).toMatchObject({ state: 'success', total_count: 2, sha })
      const listed = await call('GET', `/repos/acme/models/commits/${sha}/statuses`)
      expect(listed.body.map((s: { state: string }) => s.state)).toEqual([
        'success',
        'success',
        'pending'
      ])
      expect(repo.status(sha, 'modelgate/churn/production')?.state).toBe('success')
    })

    it('a status on a commit the repository does not have: 422 No commit found', async () => {
      const answer = await call('POST', `/repos/acme/models/statuses/${fakeSha('nowhere')}`, {
        state: 'success'
      })
      expect(answer.status).toBe(422)
      expect(answer.body.message).toMatch(/^No commit found for SHA/)
    })

    it('a description over 140 characters: GitHub’s 422, recorded', async () => {
      const [answer, violation] = await refused('POST', `/repos/acme/models/statuses/${HEAD}`, {
        state: 'failure',
        description: 'd'.repeat(141)
      })
      expect(answer.status).toBe(422)
      expect(answer.body.errors[0].message).toBe(
        'description is too long (maximum is 140 characters)'
      )
      expect(violation.kind).toBe('limit')
    })

    it('lists check runs for a ref, filtered by check_name, latest by default', async () => {
      const sha = fakeSha('checks')
      repo.addCheckRun(sha, { name: 'smoke-tests', conclusion: 'failure' })
      const rerun = repo.addCheckRun(sha, { name: 'smoke-tests', conclusion: 'success' })
      repo.addCheckRun(sha, { name: 'lint', status: 'in_progress' })
      const latest = await call(
        'GET',
        `/repos/acme/models/commits/${sha}/check-runs?check_name=smoke-tests`
      )
      expect(latest.body.total_count).toBe(1)
      expect(latest.body.check_runs[0]).toMatchObject({
        id: rerun.id,
        name: 'smoke-tests',
        status: 'completed',
        conclusion: 'success',
        head_sha: sha
      })
      const all = await call('GET', `/repos/acme/models/commits/${sha}/check-runs?filter=all`)
      expect(all.body.total_count).toBe(3)
      const lint = all.body.check_runs.find((run: { name: string }) => run.name === 'lint')
      expect(lint).toMatchObject({ status: 'in_progress', conclusion: null })
    })
  })

  describe('permissions and teams', () => {
    it.each([
      ['root', 'admin', 'admin'],
      ['mona', 'write', 'maintain'],
      ['bob', 'write', 'write'],
      ['tri', 'read', 'triage'],
      ['rita', 'read', 'read'],
      ['stranger', 'none', 'none']
    ])('%s: permission %s, role_name %s', async (login, permission, roleName) => {
      const answer = await call('GET', `/repos/acme/models/collaborators/${login}/permission`)
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({
        permission,
        role_name: roleName,
        user: { login, role_name: roleName }
      })
    })

    it('maps roles to the permissions object (maintain can maintain, triage cannot push)', async () => {
      const mona = await call('GET', '/repos/acme/models/collaborators/mona/permission')
      expect(mona.body.user.permissions).toEqual({
        admin: false,
        maintain: true,
        push: true,
        triage: true,
        pull: true
      })
      const tri = await call('GET', '/repos/acme/models/collaborators/tri/permission')
      expect(tri.body.user.permissions).toMatchObject({ push: false, triage: true })
    })

    it('an unknown user: 404, as GitHub answers', async () => {
      const answer = await call('GET', '/repos/acme/models/collaborators/nobody-here/permission')
      expect(answer.status).toBe(404)
    })

    it('team membership needs a token that can read teams; GITHUB_TOKEN gets 404', async () => {
      gh.state.addTeam('acme', 'ds-leads', { members: ['bob'], maintainers: ['mona'] })
      const path = '/orgs/acme/teams/ds-leads/memberships'
      expect((await call('GET', `${path}/bob`)).status).toBe(404)
      expect((await call('GET', '/orgs/acme/teams/ds-leads')).status).toBe(404)

      const member = await call('GET', `${path}/bob`, undefined, { token: pat })
      expect(member.status).toBe(200)
      expect(member.body).toMatchObject({ role: 'member', state: 'active' })
      const maintainer = await call('GET', `${path}/mona`, undefined, { token: pat })
      expect(maintainer.body.role).toBe('maintainer')
      expect((await call('GET', `${path}/rita`, undefined, { token: pat })).status).toBe(404)
      const team = await call('GET', '/orgs/acme/teams/ds-leads', undefined, { token: pat })
      expect(team.body).toMatchObject({ slug: 'ds-leads', members_count: 2 })
      const members = await call('GET', '/orgs/acme/teams/ds-leads/members', undefined, {
        token: pat
      })
      expect(members.body.map((u: { login: string }) => u.login)).toEqual(['bob', 'mona'])
    })

    it('an app without the Members permission can be told to get 403', async () => {
      gh.state.addToken('ghs_app_without_members', {
        kind: 'app',
        canReadOrgTeams: false,
        teamReadDenial: 403
      })
      const answer = await call('GET', '/orgs/acme/teams/ds-leads/memberships/bob', undefined, {
        token: 'ghs_app_without_members'
      })
      expect(answer.status).toBe(403)
      expect(answer.body.message).toBe('Resource not accessible by integration')
    })
  })

  describe('contents', () => {
    it('reads a file from a branch or a commit, base64 as GitHub sends it', async () => {
      const policy = 'model: churn\nstages: {}\n'
      repo.putFile('main', 'policies/churn.yml', policy)
      repo.putFile(BASE, 'policies/churn.yml', policy)
      for (const ref of ['main', BASE, 'refs/heads/main']) {
        const answer = await call(
          'GET',
          `/repos/acme/models/contents/policies%2Fchurn.yml?ref=${encodeURIComponent(ref)}`
        )
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({
          type: 'file',
          encoding: 'base64',
          path: 'policies/churn.yml'
        })
        expect(Buffer.from(answer.body.content, 'base64').toString('utf8')).toBe(policy)
      }
      const unencoded = await call('GET', '/repos/acme/models/contents/policies/churn.yml')
      expect(unencoded.body.name).toBe('churn.yml')
      const raw = await call(
        'GET',
        '/repos/acme/models/contents/policies/churn.yml?ref=main',
        undefined,
        {
          headers: { accept: 'application/vnd.github.raw+json' }
        }
      )
      expect(raw.body).toBe(policy)
    })

    it('lists a directory; a missing file or ref is a 404', async () => {
      const listing = await call('GET', '/repos/acme/models/contents/policies?ref=main')
      expect(listing.body).toEqual([expect.objectContaining({ type: 'file', name: 'churn.yml' })])
      expect((await call('GET', '/repos/acme/models/contents/nope.yml?ref=main')).status).toBe(404)
      const ref = await call('GET', '/repos/acme/models/contents/policies/churn.yml?ref=nowhere')
      expect(ref.status).toBe(404)
      expect(ref.body.message).toBe('No commit found for the ref nowhere')
    })
  })

  describe('faults', () => {
    it('answers 500 once, then normally', async () => {
      const fault = gh.state.injectFault({ operationId: 'pulls/get' })
      expect((await call('GET', '/repos/acme/models/pulls/7')).status).toBe(500)
      expect((await call('GET', '/repos/acme/models/pulls/7')).status).toBe(200)
      expect(fault.fired).toBe(1)
      expect(gh.requests.at(-2)!.fault).toBe('error')
    })

    it('answers a secondary rate limit with retry-after', async () => {
      gh.state.injectFault({
        method: 'POST',
        route: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
        kind: 'secondary-rate-limit',
        retryAfter: 2
      })
      const answer = await call('POST', '/repos/acme/models/issues/7/comments', { body: 'hi' })
      expect(answer.status).toBe(403)
      expect(answer.headers.get('retry-after')).toBe('2')
      expect(answer.body.message).toMatch(/secondary rate limit/)
    })
  })

  it('counts requests per operation', () => {
    expect(gh.state.count('pulls/get')).toBe(
      gh.requests.filter(r => r.operationId === 'pulls/get').length
    )
    expect(gh.state.count('issues/create-comment')).toBeGreaterThan(0)
  })
})
