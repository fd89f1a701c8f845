/**
 * The GitHub adapters against a real Octokit (`@actions/github`'s, with `paginate`) whose
 * `fetch` is a hand-written fake of the few REST routes they use: real URLs, real query
 * strings, real `Link` pagination, every request counted.
 */
import { getOctokit } from '@actions/github'
import { approvalsGate } from '../src/gates/approvals.js'
import type { Evaluation } from '../src/gates/types.js'
import { PermissionError } from '../src/errors.js'
import {
  checkRollbackPermission,
  octokitRepoAccess,
  permissionOf,
  type RepoAccess
} from '../src/github/access.js'
import { listCheckRuns } from '../src/github/check-runs.js'
import type { GitHubApi } from '../src/github/client.js'
import { octokitCommentSink } from '../src/github/comments.js'
import { readFileAtRef } from '../src/github/contents.js'
import { findMergedPullRequest } from '../src/github/pulls.js'
import { gatherReviewEvidence, octokitReviewSource } from '../src/github/reviews.js'
import {
  commitStatusFor,
  setCommitStatus,
  statusContext,
  STATUS_DESCRIPTION_LIMIT
} from '../src/github/statuses.js'
import { Approvals } from '../src/policy/schema.js'
import { COMMENT_LIMIT, commentMarker } from '../src/report/comment.js'

const BASE_URL = 'https://ghe.example.test/api/v3'
const REPO = { owner: 'acme', repo: 'models' }
const HEAD = 'c0ffee1234567890c0ffee1234567890c0ffee12'
const OLD = '0ld5ha1234567890aaaabbbbccccddddeeeeffff'
const TOKEN = 'ghs_fakeTokenThatMustNeverLeak'

interface Recorded {
  method: string
  path: string
  query: URLSearchParams
  body?: Record<string, unknown>
}

type Team = { members: string[] } | 'forbidden' | 'invisible'

/** The state the fake serves, and every request it saw. */
class FakeGitHub {
  requests: Recorded[] = []
  pull: Record<string, unknown> = {
    number: 7,
    state: 'open',
    title: 'Promote churn-model v1.4.0 to production',
    html_url: 'https://ghe.example.test/acme/models/pull/7',
    user: { login: 'pr-author' },
    head: { sha: HEAD, ref: 'promote/v1.4.0' },
    base: { sha: OLD, ref: 'main' },
    merged: false,
    merge_commit_sha: null
  }
  reviews: Record<string, unknown>[] = []
  permissions: Record<string, { role_name: string; permission: string }> = {}
  teams: Record<string, Team> = {}
  checkRuns: Record<string, unknown>[] = []
  comments: { id: number; body: string; user: { login: string } }[] = []
  statuses: Record<string, unknown>[] = []
  files: Record<string, string | string[]> = {}
  commitPulls: Record<string, unknown>[] = []
  /** Status codes to answer the next requests to a path with, whatever the route. */
  failures: Record<string, number> = {}
  /** Who GraphQL's viewer is (GITHUB_TOKEN's bot); undefined: GraphQL answers an error. */
  viewer: string | undefined = 'github-actions[bot]'
  /** What GET /user answers: a PAT's login, or (undefined) 403 as to an installation token. */
  user: string | undefined = undefined
  private nextId = 1000

  fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input))
    // GHES serves GraphQL beside the REST root: /api/graphql, not /api/v3/graphql.
    if (url.pathname === '/api/graphql') {
      this.requests.push({ method: 'POST', path: '/graphql', query: url.searchParams })
      return this.viewer
        ? json({ data: { viewer: { login: this.viewer } } })
        : json({ errors: [{ message: 'Something went wrong' }] })
    }
    expect(url.origin + url.pathname).toMatch(new RegExp(`^${BASE_URL}/`))
    expect(new Headers(init?.headers).get('authorization')).toBe(`token ${TOKEN}`)
    const method = init?.method ?? 'GET'
    const path = decodeURIComponent(url.pathname.slice(new URL(BASE_URL).pathname.length))
    const body =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as Record<string, unknown>)
        : undefined
    this.requests.push({ method, path, query: url.searchParams, ...(body ? { body } : {}) })
    const failure = this.failures[`${method} ${path}`]
    const response = failure
      ? json({ message: `failure ${failure}` }, failure)
      : this.route(method, path, url, body)
    // A real fetch's response knows its URL; paginate reads it.
    Object.defineProperty(response, 'url', { value: url.toString() })
    return response
  }

  private route(
    method: string,
    path: string,
    url: URL,
    body: Record<string, unknown> | undefined
  ): Response {
    const repo = '/repos/acme/models'
    let match: RegExpMatchArray | null
    if (method === 'GET' && path === '/user') {
      return this.user
        ? json({ login: this.user, type: 'User' })
        : json({ message: 'Resource not accessible by integration' }, 403)
    }
    if (method === 'GET' && path === `${repo}/pulls/7`) return json(this.pull)
    if (method === 'GET' && path === `${repo}/pulls/7/reviews`) return page(url, this.reviews)
    if ((match = path.match(/^\/repos\/acme\/models\/collaborators\/([^/]+)\/permission$/))) {
      const found = this.permissions[match[1]!]
      return found
        ? json({ ...found, user: { login: match[1] } })
        : json({ message: 'Not Found' }, 404)
    }
    if ((match = path.match(/^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/))) {
      const team = this.teams[`${match[1]}/${match[2]}`]
      if (team === 'forbidden')
        return json({ message: 'Resource not accessible by integration' }, 403)
      if (team === undefined || team === 'invisible' || !team.members.includes(match[3]!)) {
        return json({ message: 'Not Found' }, 404)
      }
      return json({ state: 'active', role: 'member' })
    }
    if ((match = path.match(/^\/orgs\/([^/]+)\/teams\/([^/]+)$/))) {
      const team = this.teams[`${match[1]}/${match[2]}`]
      if (team === 'forbidden')
        return json({ message: 'Resource not accessible by integration' }, 403)
      if (team === undefined || team === 'invisible') return json({ message: 'Not Found' }, 404)
      return json({ slug: match[2], name: match[2] })
    }
    if (
      method === 'GET' &&
      (match = path.match(/^\/repos\/acme\/models\/commits\/([^/]+)\/check-runs$/))
    ) {
      const name = url.searchParams.get('check_name')
      const runs = this.checkRuns.filter(run => !name || run.name === name)
      return page(url, runs, items => ({ total_count: runs.length, check_runs: items }))
    }
    if ((match = path.match(/^\/repos\/acme\/models\/commits\/([^/]+)\/pulls$/))) {
      return page(url, this.commitPulls)
    }
    if (path === `${repo}/issues/7/comments`) {
      if (method === 'GET') return page(url, this.comments)
      const comment = {
        id: this.nextId++,
        body: String(body?.body),
        user: { login: 'github-actions[bot]' }
      }
      this.comments.push(comment)
      return json({ ...comment, html_url: `https://ghe.example.test/c/${comment.id}` }, 201)
    }
    if ((match = path.match(/^\/repos\/acme\/models\/issues\/comments\/(\d+)$/))) {
      const id = Number(match[1])
      const index = this.comments.findIndex(comment => comment.id === id)
      if (index < 0) return json({ message: 'Not Found' }, 404)
      if (method === 'DELETE') {
        this.comments.splice(index, 1)
        return new Response(null, { status: 204 })
      }
      this.comments[index]!.body = String(body?.body)
      return json({ ...this.comments[index], html_url: `https://ghe.example.test/c/${id}` })
    }
    if (
      method === 'POST' &&
      (match = path.match(/^\/repos\/acme\/models\/statuses\/([0-9a-f]{40})$/))
    ) {
      this.statuses.push({ sha: match[1], ...body })
      return json({ id: this.statuses.length, ...body }, 201)
    }
    if ((match = path.match(/^\/repos\/acme\/models\/contents\/(.+)$/))) {
      const key = `${url.searchParams.get('ref')}:${match[1]}`
      const file = this.files[key]
      if (file === undefined) return json({ message: 'Not Found' }, 404)
      if (Array.isArray(file)) return json(file.map(name => ({ name, type: 'file' })))
      return json({
        type: 'file',
        path: match[1],
        sha: `blob-${file.length}`,
        encoding: 'base64',
        content: Buffer.from(file)
          .toString('base64')
          .replace(/(.{60})/g, '$1\n')
      })
    }
    return json({ message: `the fake does not serve ${method} ${path}` }, 501)
  }

  count(method: string, pattern: RegExp): number {
    return this.requests.filter(r => r.method === method && pattern.test(r.path)).length
  }
}

function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers }
  })
}

/** One page of a list, with GitHub's `Link` header when more follow. */
function page(
  url: URL,
  items: readonly unknown[],
  wrap: (items: unknown[]) => unknown = items => items
): Response {
  const perPage = Number(url.searchParams.get('per_page') ?? 30)
  const number = Number(url.searchParams.get('page') ?? 1)
  const slice = items.slice((number - 1) * perPage, number * perPage)
  const headers: Record<string, string> = {}
  if (number * perPage < items.length) {
    const next = new URL(url)
    next.searchParams.set('page', String(number + 1))
    headers.link = `<${next.toString()}>; rel="next"`
  }
  return json(wrap(slice), 200, headers)
}

function setup(): { fake: FakeGitHub; api: GitHubApi } {
  const fake = new FakeGitHub()
  const api = getOctokit(TOKEN, { baseUrl: BASE_URL, request: { fetch: fake.fetch } })
  return { fake, api }
}

let reviewId = 1
function review(login: string, state: string, commit = HEAD): Record<string, unknown> {
  return {
    id: reviewId++,
    user: { login },
    state,
    commit_id: commit,
    submitted_at: '2026-11-23T09:00:00Z'
  }
}

const approvals = (raw: Record<string, unknown>) => Approvals.parse(raw)
const PR = { number: 7, author: 'pr-author', headSha: HEAD }

describe('octokitReviewSource and gatherReviewEvidence', () => {
  it('reads the pull request', async () => {
    const { api } = setup()
    const pr = await octokitReviewSource(api, REPO).getPullRequest(7)
    expect(pr).toEqual({
      number: 7,
      author: 'pr-author',
      headSha: HEAD,
      headRef: 'promote/v1.4.0',
      baseRef: 'main',
      baseSha: OLD,
      state: 'open',
      merged: false,
      title: 'Promote churn-model v1.4.0 to production',
      url: 'https://ghe.example.test/acme/models/pull/7'
    })
  })

  it('collects every page of reviews: 300 reviews by 100 reviewers', async () => {
    const { fake, api } = setup()
    // 100 reviewers, 3 reviews each: comment, approve (stale for the odd ones), comment.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) {
        const login = `reviewer-${i}`
        const state = round === 1 ? 'APPROVED' : 'COMMENTED'
        fake.reviews.push(review(login, state, i % 2 === 0 ? HEAD : OLD))
      }
    }
    for (let i = 0; i < 100; i++)
      fake.permissions[`reviewer-${i}`] = { role_name: 'write', permission: 'write' }
    // The very last review decides one reviewer's standing: it must have been read.
    fake.reviews.push(review('reviewer-98', 'CHANGES_REQUESTED'))

    const rules = approvals({ required: 2 })
    const evidence = await gatherReviewEvidence(octokitReviewSource(api, REPO), PR, rules)
    expect(evidence.reviews).toHaveLength(301)
    expect(fake.count('GET', /\/pulls\/7\/reviews$/)).toBe(4)
    // One look-up per distinct reviewer whose standing could count: the 50 fresh approvers
    // (reviewer-98 among them, now requesting changes); none for the 50 stale ones.
    expect(fake.count('GET', /\/permission$/)).toBe(50)
    expect(fake.requests).toHaveLength(4 + 50)

    const result = approvalsGate({ ...evidence, rules })
    expect(result.status).toBe('fail')
    expect(result.approvals?.changesRequestedBy.map(r => r.login)).toEqual(['reviewer-98'])
    expect(result.approvals?.approvedBy).toHaveLength(49)
    expect(result.approvals?.stale).toHaveLength(50)
  })

  it('looks each reviewer up once, and never the author, commenters or stale approvers', async () => {
    const { fake, api } = setup()
    fake.reviews = [
      review('alice', 'APPROVED', OLD),
      review('alice', 'APPROVED'),
      review('alice', 'COMMENTED'),
      review('bob', 'COMMENTED'),
      review('carol', 'APPROVED', OLD),
      review('pr-author', 'APPROVED'),
      review('dave', 'CHANGES_REQUESTED', OLD),
      review('erin', 'APPROVED'),
      review('erin', 'DISMISSED'),
      { id: 99, user: null, state: 'APPROVED', commit_id: HEAD }
    ]
    fake.permissions = {
      alice: { role_name: 'write', permission: 'write' },
      dave: { role_name: 'read', permission: 'read' }
    }
    const evidence = await gatherReviewEvidence(
      octokitReviewSource(api, REPO),
      PR,
      approvals({ required: 1 })
    )
    const looked = fake.requests
      .filter(r => r.path.endsWith('/permission'))
      .map(r => r.path.split('/')[5])
    expect(looked).toEqual(['alice', 'dave'])
    expect(evidence.permissions).toEqual(
      new Map([
        ['alice', 'write'],
        ['dave', 'read']
      ])
    )
    expect(evidence.reviews.map(r => r.user)).not.toContain(null)
    expect(approvalsGate({ ...evidence, rules: approvals({ required: 1 }) }).status).toBe('pass')
  })

  it('asks no team when the group is satisfied by its users', async () => {
    const { fake, api } = setup()
    fake.reviews = [review('alice', 'APPROVED'), review('bob', 'APPROVED')]
    fake.permissions = {
      alice: { role_name: 'write', permission: 'write' },
      bob: { role_name: 'write', permission: 'write' }
    }
    const rules = approvals({
      groups: [{ name: 'ds', users: ['alice'], teams: ['acme/ds'], min: 1 }]
    })
    const evidence = await gatherReviewEvidence(octokitReviewSource(api, REPO), PR, rules)
    expect(fake.count('GET', /^\/orgs\//)).toBe(0)
    expect(approvalsGate({ ...evidence, rules }).status).toBe('pass')
  })

  it('asks team membership only until the group has its minimum', async () => {
    const { fake, api } = setup()
    fake.reviews = ['alice', 'bob', 'carol', 'dave'].map(login => review(login, 'APPROVED'))
    for (const login of ['alice', 'bob', 'carol', 'dave']) {
      fake.permissions[login] = { role_name: 'maintain', permission: 'write' }
    }
    fake.teams = { 'acme/ds-leads': { members: ['bob', 'carol', 'dave'] } }
    const rules = approvals({ groups: [{ name: 'ds', teams: ['acme/ds-leads'], min: 2 }] })
    const evidence = await gatherReviewEvidence(octokitReviewSource(api, REPO), PR, rules)
    const asked = fake.requests.filter(r => r.path.startsWith('/orgs/')).map(r => `${r.path}`)
    expect(asked).toEqual([
      '/orgs/acme/teams/ds-leads/memberships/alice',
      '/orgs/acme/teams/ds-leads', // the 404 above: not a member, or a team the token cannot see?
      '/orgs/acme/teams/ds-leads/memberships/bob',
      '/orgs/acme/teams/ds-leads/memberships/carol'
    ])
    const result = approvalsGate({ ...evidence, rules })
    expect(result.status).toBe('pass')
    expect(result.approvals?.groups[0]?.approvers).toEqual(['bob', 'carol'])
  })

  it.each([
    ['forbidden', 'the token cannot read team acme/ds-leads (HTTP 403)'],
    ['invisible', 'the token cannot read team acme/ds-leads (HTTP 404)']
  ] as const)('maps a %s team to unknown, and the gate stays pending', async (team, reason) => {
    const { fake, api } = setup()
    fake.reviews = [review('alice', 'APPROVED'), review('bob', 'APPROVED')]
    fake.permissions = {
      alice: { role_name: 'write', permission: 'write' },
      bob: { role_name: 'write', permission: 'write' }
    }
    fake.teams = { 'acme/ds-leads': team }
    const rules = approvals({ groups: [{ name: 'ds', teams: ['acme/ds-leads'], min: 1 }] })
    const evidence = await gatherReviewEvidence(octokitReviewSource(api, REPO), PR, rules)
    expect(evidence.teams.get('acme/ds-leads')).toEqual({ unknown: true, reason })
    // Once unknown, the team is not asked about the next approver.
    expect(fake.count('GET', /\/memberships\//)).toBe(1)
    const result = approvalsGate({ ...evidence, rules })
    expect(result.status).toBe('pending')
    expect(result.summary).toContain('read:org')
  })

  it('fails with the permission to grant when reviews cannot be listed', async () => {
    const { fake, api } = setup()
    fake.failures['GET /repos/acme/models/pulls/7/reviews'] = 403
    const gathering = gatherReviewEvidence(octokitReviewSource(api, REPO), PR, approvals({}))
    await expect(gathering).rejects.toThrow(PermissionError)
    await expect(
      gatherReviewEvidence(octokitReviewSource(api, REPO), PR, approvals({}))
    ).rejects.toThrow(
      "GitHub API: listing the reviews of #7 failed (HTTP 403): failure 403; the workflow's token needs pull-requests: read"
    )
  })
})

describe('permissionOf', () => {
  it('reads role_name, then the permission flags, then the legacy field, taking the highest', () => {
    expect(permissionOf({ role_name: 'maintain', permission: 'write' }, 'a')).toBe('maintain')
    expect(permissionOf({ role_name: 'triage', permission: 'read' }, 'a')).toBe('triage')
    expect(
      permissionOf(
        {
          role_name: 'release-manager',
          permission: 'write',
          user: {
            permissions: { admin: false, maintain: true, push: true, triage: true, pull: true }
          }
        },
        'a'
      )
    ).toBe('maintain')
    expect(permissionOf({ role_name: 'custom', permission: 'read' }, 'a')).toBe('read')
    expect(() => permissionOf({}, 'a')).toThrow("unexpected response for a's repository permission")
  })

  it('is none for a user without access (404)', async () => {
    const { api } = setup()
    expect(await octokitRepoAccess(api, REPO).getPermission('stranger')).toBe('none')
  })
})

describe('checkRollbackPermission', () => {
  function access(
    permissions: Record<string, string>,
    teams: Record<string, string[] | 'unknown'> = {}
  ): RepoAccess & { calls: string[] } {
    const calls: string[] = []
    return {
      calls,
      async getPermission(login) {
        calls.push(`permission ${login}`)
        return (permissions[login] ?? 'none') as never
      },
      async teamMembership(team, login) {
        calls.push(`team ${team} ${login}`)
        const members = teams[team]
        if (members === 'unknown')
          return { unknown: true, reason: `the token cannot read team ${team} (HTTP 403)` }
        return members?.includes(login) ?? false
      }
    }
  }

  it('allows maintain and admin by default, denies write and below', async () => {
    const repo = access({ mia: 'maintain', ada: 'admin', wes: 'write', rex: 'read' })
    expect(await checkRollbackPermission(repo, 'mia')).toEqual({
      allowed: true,
      reason: 'mia has maintain permission (maintain or higher is allowed)'
    })
    expect((await checkRollbackPermission(repo, 'ada')).allowed).toBe(true)
    expect(await checkRollbackPermission(repo, 'wes')).toEqual({
      allowed: false,
      reason: 'wes has write permission; rolling back needs maintain permission or higher'
    })
    expect((await checkRollbackPermission(repo, 'rex')).allowed).toBe(false)
  })

  it('honours a lower permission set by the policy', async () => {
    const repo = access({ wes: 'write' })
    expect((await checkRollbackPermission(repo, 'wes', { permission: 'write' })).allowed).toBe(true)
  })

  it('allows a listed user without asking GitHub', async () => {
    const repo = access({})
    const decision = await checkRollbackPermission(repo, 'Oncall-Bot', {
      permission: 'maintain',
      users: ['oncall-bot']
    })
    expect(decision).toEqual({
      allowed: true,
      reason: 'Oncall-Bot is listed under rollback.allowed.users'
    })
    expect(repo.calls).toEqual([])
  })

  it('allows a member of a listed team', async () => {
    const repo = access({ tim: 'read' }, { 'acme/mlops': ['tim'] })
    const decision = await checkRollbackPermission(repo, 'tim', {
      permission: 'maintain',
      teams: ['acme/ds', 'acme/mlops']
    })
    expect(decision).toEqual({ allowed: true, reason: 'tim is a member of acme/mlops' })
  })

  it('denies when the team cannot be read, saying which token would tell', async () => {
    const repo = access({ tim: 'read' }, { 'acme/mlops': 'unknown' })
    const decision = await checkRollbackPermission(repo, 'tim', {
      permission: 'maintain',
      teams: ['acme/mlops'],
      users: ['oncall-bot']
    })
    expect(decision.allowed).toBe(false)
    expect(decision.reason).toBe(
      'tim has read permission; rolling back needs maintain permission or higher, membership of acme/mlops or being one of oncall-bot. ' +
        'Membership could not be checked for acme/mlops (the token cannot read team acme/mlops (HTTP 403)): ' +
        'give the action a token that can read team membership: a personal access token with read:org, ' +
        'or a GitHub App installation token with the organization permission "Members: read" (the default GITHUB_TOKEN cannot)'
    )
  })

  it('works over the REST adapter', async () => {
    const { fake, api } = setup()
    fake.permissions = { mia: { role_name: 'maintain', permission: 'write' } }
    fake.teams = { 'acme/mlops': { members: ['tim'] } }
    const repo = octokitRepoAccess(api, REPO)
    expect((await checkRollbackPermission(repo, 'mia')).allowed).toBe(true)
    expect((await checkRollbackPermission(repo, 'rex')).allowed).toBe(false)
    expect(
      (
        await checkRollbackPermission(repo, 'tim', {
          permission: 'maintain',
          teams: ['acme/mlops']
        })
      ).allowed
    ).toBe(true)
  })
})

describe('listCheckRuns', () => {
  const run = (id: number, name: string, conclusion: string | null) => ({
    id,
    name,
    status: conclusion ? 'completed' : 'in_progress',
    conclusion,
    app: { slug: 'github-actions' },
    html_url: `https://ghe.example.test/runs/${id}`
  })

  it('keeps the named runs of every page', async () => {
    const { fake, api } = setup()
    for (let i = 0; i < 150; i++) fake.checkRuns.push(run(i + 1, `job-${i}`, 'success'))
    fake.checkRuns.push(run(500, 'smoke-tests', null))
    const runs = await listCheckRuns(api, REPO, HEAD, ['smoke-tests', 'job-3'])
    expect(runs).toEqual([
      {
        id: 4,
        name: 'job-3',
        status: 'completed',
        conclusion: 'success',
        app: 'github-actions',
        url: 'https://ghe.example.test/runs/4'
      },
      {
        id: 500,
        name: 'smoke-tests',
        status: 'in_progress',
        conclusion: null,
        app: 'github-actions',
        url: 'https://ghe.example.test/runs/500'
      }
    ])
    expect(fake.count('GET', /check-runs$/)).toBe(2)
  })

  it('lets GitHub filter a single name, and asks nothing for none', async () => {
    const { fake, api } = setup()
    fake.checkRuns = [run(1, 'smoke-tests', 'success'), run(2, 'other', 'failure')]
    expect(await listCheckRuns(api, REPO, HEAD, ['smoke-tests'])).toHaveLength(1)
    expect(fake.requests[0]?.query.get('check_name')).toBe('smoke-tests')
    expect(fake.requests[0]?.query.get('filter')).toBe('latest')
    expect(await listCheckRuns(api, REPO, HEAD, [])).toEqual([])
    expect(fake.requests).toHaveLength(1)
  })
})

describe('octokitCommentSink', () => {
  const marker = commentMarker('churn-model', 'production')

  it('creates the comment once, then edits it in place: never a second', async () => {
    const { fake, api } = setup()
    const sink = octokitCommentSink(api, REPO)
    const first = await sink.upsert(7, marker, `${marker}\nfirst`)
    expect(first).toEqual({ id: 1000, action: 'created', url: 'https://ghe.example.test/c/1000' })
    const second = await sink.upsert(7, marker, `${marker}\nsecond`)
    expect(second).toEqual({ id: 1000, action: 'updated', url: 'https://ghe.example.test/c/1000' })
    const third = await sink.upsert(7, marker, `${marker}\nsecond`)
    expect(third.action).toBe('unchanged')
    expect(fake.comments).toEqual([
      { id: 1000, body: `${marker}\nsecond`, user: { login: 'github-actions[bot]' } }
    ])
    // Who the token is, asked once, and only once a marked comment exists.
    expect(
      fake.requests.map(r => `${r.method} ${r.path.replace(/^\/repos\/acme\/models/, '')}`)
    ).toEqual([
      'GET /issues/7/comments',
      'POST /issues/7/comments',
      'GET /issues/7/comments',
      'POST /graphql',
      'PATCH /issues/comments/1000',
      'GET /issues/7/comments'
    ])
  })

  describe("edits only the token's own comment (issue 10, item 6)", () => {
    const logger = () => {
      const warnings: string[] = []
      return { warnings, debug() {}, info() {}, warning: (m: string) => warnings.push(m) }
    }

    it("leaves a PR author's comment with the marker alone and posts its own", async () => {
      const { fake, api } = setup()
      fake.comments = [
        {
          id: 1,
          body: `${marker}
please merge me`,
          user: { login: 'pr-author' }
        }
      ]
      const log = logger()
      const result = await octokitCommentSink(api, REPO, log).upsert(
        7,
        marker,
        `${marker}
report`
      )
      expect(result.action).toBe('created')
      expect(fake.comments).toEqual([
        {
          id: 1,
          body: `${marker}
please merge me`,
          user: { login: 'pr-author' }
        },
        {
          id: 1000,
          body: `${marker}
report`,
          user: { login: 'github-actions[bot]' }
        }
      ])
      expect(fake.count('PATCH', /./)).toBe(0)
      expect(fake.count('DELETE', /./)).toBe(0)
      expect(log.warnings).toEqual([
        "On #7, 1 comment(s) carry ModelGate's marker but were not written by github-actions[bot] (the token's account): left alone, never edited"
      ])
      // The next run edits its own comment, still never the imitation, even when it is older.
      const again = await octokitCommentSink(api, REPO).upsert(
        7,
        marker,
        `${marker}
report 2`
      )
      expect(again).toMatchObject({ id: 1000, action: 'updated' })
      expect(fake.comments[0]?.body).toBe(`${marker}
please merge me`)
    })

    it('knows a personal access token by GET /user when GraphQL does not answer', async () => {
      const { fake, api } = setup()
      fake.viewer = undefined
      fake.user = 'release-bot'
      fake.comments = [
        {
          id: 1,
          body: `${marker}
old`,
          user: { login: 'github-actions[bot]' }
        },
        {
          id: 2,
          body: `${marker}
mine`,
          user: { login: 'Release-Bot' }
        }
      ]
      const result = await octokitCommentSink(api, REPO).upsert(
        7,
        marker,
        `${marker}
new`
      )
      expect(result).toMatchObject({ id: 2, action: 'updated' })
      expect(fake.comments.map(c => c.body)).toEqual([
        `${marker}
old`,
        `${marker}
new`
      ])
    })

    it('knows an app installation token by its bot login from GraphQL', async () => {
      const { fake, api } = setup()
      fake.viewer = 'acme-gate[bot]'
      fake.comments = [
        {
          id: 1,
          body: `${marker}
by actions`,
          user: { login: 'github-actions[bot]' }
        },
        {
          id: 2,
          body: `${marker}
by the app`,
          user: { login: 'acme-gate[bot]' }
        }
      ]
      const result = await octokitCommentSink(api, REPO).upsert(
        7,
        marker,
        `${marker}
new`
      )
      expect(result).toMatchObject({ id: 2, action: 'updated' })
      expect(fake.count('GET', /^\/user$/)).toBe(0)
    })

    it('fails closed: when the token cannot be known, edits and deletes nothing, and says so', async () => {
      const { fake, api } = setup()
      fake.viewer = undefined // GraphQL fails; GET /user answers 403 (an installation token)
      fake.comments = [
        {
          id: 1,
          body: `${marker}
a`,
          user: { login: 'github-actions[bot]' }
        },
        {
          id: 2,
          body: `${marker}
b`,
          user: { login: 'github-actions[bot]' }
        }
      ]
      const log = logger()
      const result = await octokitCommentSink(api, REPO, log).upsert(
        7,
        marker,
        `${marker}
c`
      )
      expect(result.action).toBe('created')
      expect(fake.comments.map(c => c.body)).toEqual([
        `${marker}
a`,
        `${marker}
b`,
        `${marker}
c`
      ])
      expect(log.warnings[0]).toContain('GitHub did not say which account the token is')
    })
  })

  it('finds its comment on a later page, and leaves other models, stages and quotes alone', async () => {
    const { fake, api } = setup()
    for (let i = 0; i < 130; i++) {
      fake.comments.push({ id: i + 1, body: `chatter ${i}`, user: { login: 'someone' } })
    }
    fake.comments.push({ id: 200, body: `> ${marker}\n> quoted`, user: { login: 'someone' } })
    fake.comments.push({
      id: 201,
      body: `${commentMarker('churn-model', 'staging')}\nstaging`,
      user: { login: 'github-actions[bot]' }
    })
    fake.comments.push({ id: 202, body: `${marker}\nold`, user: { login: 'github-actions[bot]' } })
    const result = await octokitCommentSink(api, REPO).upsert(7, marker, `${marker}\nnew`)
    expect(result.id).toBe(202)
    expect(fake.comments.find(c => c.id === 202)?.body).toBe(`${marker}\nnew`)
    expect(fake.comments.find(c => c.id === 201)?.body).toContain('staging')
    expect(fake.comments).toHaveLength(133)
    expect(fake.count('GET', /\/comments$/)).toBe(2)
  })

  it('heals a race: keeps the oldest, deletes newer copies by the same author', async () => {
    const { fake, api } = setup()
    fake.comments = [
      { id: 1, body: `${marker}\na`, user: { login: 'github-actions[bot]' } },
      { id: 2, body: `${marker}\nb`, user: { login: 'github-actions[bot]' } },
      { id: 3, body: `${marker}\nimpostor`, user: { login: 'mallory' } }
    ]
    await octokitCommentSink(api, REPO).upsert(7, marker, `${marker}\nc`)
    expect(fake.comments.map(c => [c.id, c.body])).toEqual([
      [1, `${marker}\nc`],
      [3, `${marker}\nimpostor`]
    ])
  })

  it('computes the body from the existing one when given a function', async () => {
    const { fake, api } = setup()
    const sink = octokitCommentSink(api, REPO)
    const seen: (string | undefined)[] = []
    const append = (existing: string | undefined) => {
      seen.push(existing)
      return `${existing ?? marker}\n+`
    }
    await sink.upsert(7, marker, append)
    await sink.upsert(7, marker, append)
    expect(seen).toEqual([undefined, marker + '\n+'])
    expect(fake.comments.map(c => c.body)).toEqual([`${marker}\n+\n+`])
  })

  it('puts the marker first when the body lacks it', async () => {
    const { fake, api } = setup()
    await octokitCommentSink(api, REPO).upsert(7, marker, 'no marker')
    expect(fake.comments[0]?.body).toBe(`${marker}\nno marker`)
  })

  it('refuses a body over GitHub’s limit before any request', async () => {
    const { fake, api } = setup()
    const body = `${marker}\n${'x'.repeat(COMMENT_LIMIT)}`
    await expect(octokitCommentSink(api, REPO).upsert(7, marker, body)).rejects.toThrow(
      "over GitHub's limit of 65536"
    )
    expect(fake.requests).toEqual([])
  })

  it('turns a 403 on writing into a PermissionError naming the permission', async () => {
    const { fake, api } = setup()
    fake.failures['POST /repos/acme/models/issues/7/comments'] = 403
    const upsert = octokitCommentSink(api, REPO).upsert(7, marker, `${marker}\nx`)
    await expect(upsert).rejects.toThrow(PermissionError)
    await expect(octokitCommentSink(api, REPO).upsert(7, marker, `${marker}\nx`)).rejects.toThrow(
      'needs pull-requests: write (or issues: write)'
    )
  })
})

describe('commit statuses', () => {
  function evaluation(
    decision: Evaluation['decision'],
    gates: Evaluation['gates'] = []
  ): Evaluation {
    return {
      model: 'churn-model',
      stage: 'production',
      evaluatedAt: '2026-11-23T09:00:00.000Z',
      candidate: {
        label: 'v1.4.0',
        version: 'v1.4.0',
        metrics: {},
        invalidMetrics: {},
        totalBytes: 0,
        fileCount: 0
      },
      gates,
      warnings: [],
      decision
    }
  }

  it('maps decisions to states with a short description', () => {
    expect(commitStatusFor(evaluation('pass'))).toEqual({
      state: 'success',
      description: 'v1.4.0 → production: every gate passed'
    })
    expect(commitStatusFor(evaluation('pass-with-warnings')).state).toBe('success')
    expect(
      commitStatusFor(
        evaluation('pending', [
          { gate: 'approvals', status: 'pending', summary: 'needs 1 more from data-science' }
        ])
      )
    ).toEqual({
      state: 'pending',
      description: 'v1.4.0 → production waiting — approvals: needs 1 more from data-science'
    })
    expect(
      commitStatusFor(
        evaluation('blocked', [
          { gate: 'thresholds', status: 'fail', summary: 'accuracy 0.8 below 0.85' },
          { gate: 'approvals', status: 'fail', summary: 'changes requested by carol' }
        ])
      )
    ).toEqual({
      state: 'failure',
      description: 'v1.4.0 → production blocked — thresholds: accuracy 0.8 below 0.85 (+1 more)'
    })
  })

  it('keeps the description within 140 characters', () => {
    const long = commitStatusFor(
      evaluation('pending', [{ gate: 'approvals', status: 'pending', summary: 'x'.repeat(500) }])
    )
    expect([...long.description]).toHaveLength(STATUS_DESCRIPTION_LIMIT)
    expect(long.description.endsWith('…')).toBe(true)
  })

  it('posts the status on the head commit with the run link', async () => {
    const { fake, api } = setup()
    await setCommitStatus(api, REPO, {
      sha: HEAD,
      context: statusContext('churn-model', 'production'),
      state: 'pending',
      description: 'y'.repeat(300),
      targetUrl: 'https://ghe.example.test/acme/models/actions/runs/42'
    })
    expect(fake.statuses).toEqual([
      {
        sha: HEAD,
        state: 'pending',
        context: 'modelgate/churn-model/production',
        description: `${'y'.repeat(139)}…`,
        target_url: 'https://ghe.example.test/acme/models/actions/runs/42'
      }
    ])
  })
})

describe('readFileAtRef', () => {
  it('reads and decodes a file at a ref, with its blob sha', async () => {
    const { fake, api } = setup()
    const policy = 'model: churn-model\nstages:\n  production: { from: [candidate] }\n'.repeat(3)
    fake.files['main:policies/churn.yml'] = policy
    const file = await readFileAtRef(api, REPO, 'policies/churn.yml', 'main')
    expect(file).toEqual({
      path: 'policies/churn.yml',
      ref: 'main',
      text: policy,
      sha: `blob-${policy.length}`
    })
  })

  it('is undefined when the file is not there; a directory is an error', async () => {
    const { fake, api } = setup()
    fake.files['main:policies'] = ['churn.yml']
    expect(await readFileAtRef(api, REPO, 'policies/none.yml', 'main')).toBeUndefined()
    await expect(readFileAtRef(api, REPO, 'policies', 'main')).rejects.toThrow(
      'policies at main is a directory, not a file'
    )
  })
})

describe('findMergedPullRequest', () => {
  it('picks the merged pull request whose merge commit is the pushed commit', async () => {
    const { fake, api } = setup()
    const pull = (number: number, merge: string, merged: boolean) => ({
      number,
      state: merged ? 'closed' : 'open',
      user: { login: 'pr-author' },
      head: { sha: HEAD, ref: `branch-${number}` },
      base: { sha: OLD, ref: 'main' },
      merged_at: merged ? '2026-11-23T09:00:00Z' : null,
      merge_commit_sha: merge
    })
    const pushed = 'f00dfeed'.repeat(5)
    fake.commitPulls = [
      pull(3, 'a'.repeat(40), true),
      pull(4, pushed, false),
      pull(5, pushed, true)
    ]
    const found = await findMergedPullRequest(api, REPO, pushed)
    expect(found?.number).toBe(5)
    expect(found?.merged).toBe(true)
    expect(await findMergedPullRequest(api, REPO, 'b'.repeat(40))).toBeUndefined()
  })
})
