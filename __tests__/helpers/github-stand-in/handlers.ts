// The operations the stand-in answers, by operationId, with GitHub's behaviour for each: the
// status codes, error bodies, pagination and limits a client meets on github.com. Requests
// reach a handler only after the server has checked them against the OpenAPI description.

import type { Shapes } from './shapes.js'
import type { GitHubState, Pull, Repo, Token } from './state.js'

type Json = Record<string, unknown>

export interface HandlerContext {
  params: Record<string, string>
  query: Record<string, string>
  body: Json | undefined
  token: Token
  state: GitHubState
  shapes: Shapes
  /** The request's Accept header. */
  accept: string
  /** The full request URL, for Link headers. */
  url: URL
  docsUrl: string
}

export interface Reply {
  status: number
  body?: unknown
  /** A non-JSON body (raw file contents) with its media type. */
  raw?: { contentType: string; data: Buffer }
  headers?: Record<string, string>
  /** GitHub refuses this by a rule outside the schema; recorded as a `limit` violation. */
  limit?: string
}

export type Handler = (context: HandlerContext) => Reply

/** GitHub's limit on an issue or PR comment body, in characters. */
export const COMMENT_BODY_LIMIT = 65_536
/** GitHub's limit on a commit status description, in characters. */
export const STATUS_DESCRIPTION_LIMIT = 140

export function notFound(context: Pick<HandlerContext, 'docsUrl'>, message = 'Not Found'): Reply {
  return {
    status: 404,
    body: { message, documentation_url: context.docsUrl, status: '404' }
  }
}

function validationFailed(
  context: HandlerContext,
  errors: { resource: string; code: string; field: string; message: string }[]
): Reply {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors,
      documentation_url: context.docsUrl,
      status: '422'
    }
  }
}

function unprocessable(context: HandlerContext, message: string): Reply {
  return { status: 422, body: { message, documentation_url: context.docsUrl, status: '422' } }
}

/** Pages a list as GitHub does: per_page (default 30, at most 100), page, and a Link header. */
export function paginate<T>(
  context: HandlerContext,
  items: T[]
): { page: T[]; headers: Record<string, string> } {
  const requested = Number(context.query.per_page ?? 30)
  const perPage = Math.min(100, Math.max(1, requested || 30))
  const page = Math.max(1, Number(context.query.page ?? 1) || 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (target: number, rel: string): string => {
    const url = new URL(context.url)
    url.searchParams.set('page', String(target))
    return `<${url.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'))
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
  if (page > 1) links.push(link(1, 'first'))
  return {
    page: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {}
  }
}

function list<T>(context: HandlerContext, items: T[], shape: (item: T) => unknown): Reply {
  const { page, headers } = paginate(context, items)
  return { status: 200, body: page.map(shape), headers }
}

function withRepo(handler: (context: HandlerContext, repo: Repo) => Reply): Handler {
  return context => {
    const repo = context.state.findRepo(context.params.owner!, context.params.repo!)
    return repo ? handler(context, repo) : notFound(context)
  }
}

function withPull(handler: (context: HandlerContext, repo: Repo, pull: Pull) => Reply): Handler {
  return withRepo((context, repo) => {
    const pull = repo.pulls.get(Number(context.params.pull_number))
    return pull ? handler(context, repo, pull) : notFound(context)
  })
}

/** A commit-ish for statuses and check runs: a SHA the repository knows, or a branch. */
function resolveCommit(repo: Repo, ref: string): string | undefined {
  const name = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '')
  const branch = repo.branches.get(name)
  if (branch) return branch
  return repo.knowsCommit(name) ? name : undefined
}

function codePoints(text: string): number {
  return Array.from(text).length
}

/**
 * GitHub's answer when an installation token (GITHUB_TOKEN, a GitHub App's) may not do
 * something: `GET /user`, a write with a read-only token, teams without the Members permission.
 */
export function notAccessibleByIntegration(context: Pick<HandlerContext, 'docsUrl'>): Reply {
  return {
    status: 403,
    body: {
      message: 'Resource not accessible by integration',
      documentation_url: context.docsUrl,
      status: '403'
    }
  }
}

/** Teams are invisible to a token that cannot read them (GITHUB_TOKEN): 404, or 403 for apps. */
function teamAccess(context: HandlerContext): Reply | undefined {
  if (context.token.canReadOrgTeams) return undefined
  if (context.token.teamReadDenial === 403) return notAccessibleByIntegration(context)
  return notFound(context)
}

export const HANDLERS: Record<string, Handler> = {
  'rate-limit/get': context => {
    const { limit, used, resetAt } = context.token
    return { status: 200, body: context.shapes.rateLimit(limit, used, resetAt) }
  },

  // A personal access token's user; an installation token (GITHUB_TOKEN, an app's) is refused.
  'users/get-authenticated': context =>
    context.token.app
      ? notAccessibleByIntegration(context)
      : { status: 200, body: context.shapes.authenticatedUser(context.token.login) },

  'repos/get': withRepo((context, repo) => ({
    status: 200,
    body: context.shapes.repository(repo)
  })),

  // -- pull requests ---------------------------------------------------------------------------

  'pulls/get': withPull((context, repo, pull) => ({
    status: 200,
    body: context.shapes.pull(repo, pull)
  })),

  'pulls/list': withRepo((context, repo) => {
    const { state = 'open', head, base, direction } = context.query
    const sort = context.query.sort ?? 'created'
    let pulls = [...repo.pulls.values()].filter(pull => state === 'all' || pull.state === state)
    if (base) pulls = pulls.filter(pull => pull.baseRef === base)
    if (head) pulls = pulls.filter(pull => `${repo.owner}:${pull.headRef}` === head)
    const key = (pull: Pull) => (sort === 'updated' ? pull.updatedAt : pull.createdAt)
    pulls.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number)
    if ((direction ?? 'desc') === 'desc') pulls.reverse()
    return list(context, pulls, pull => context.shapes.pullSimple(repo, pull))
  }),

  'pulls/list-reviews': withPull((context, repo, pull) =>
    list(context, repo.reviewsOf(pull.number), review => context.shapes.review(repo, review))
  ),

  'pulls/get-review': withPull((context, repo, pull) => {
    const review = repo
      .reviewsOf(pull.number)
      .find(candidate => candidate.id === Number(context.params.review_id))
    return review ? { status: 200, body: context.shapes.review(repo, review) } : notFound(context)
  }),

  'pulls/list-files': withPull((context, repo, pull) =>
    list(context, pull.files, file => context.shapes.diffEntry(repo, pull, file))
  ),

  'repos/list-pull-requests-associated-with-commit': withRepo((context, repo) => {
    const sha = context.params.commit_sha!
    const resolved = resolveCommit(repo, sha)
    if (!resolved) return unprocessable(context, `No commit found for SHA: ${sha}`)
    // A merge commit lists the PR it merged; a PR commit lists the PRs that contain it.
    const pulls = [...repo.pulls.values()]
      .filter(pull => pull.mergeCommitSha === resolved || pull.commits.includes(resolved))
      .sort((a, b) => b.number - a.number)
    return list(context, pulls, pull => context.shapes.pullSimple(repo, pull))
  }),

  // -- issue comments --------------------------------------------------------------------------

  'issues/list-comments': withRepo((context, repo) => {
    const number = Number(context.params.issue_number)
    if (!repo.pulls.has(number)) return notFound(context)
    const since = context.query.since ? Date.parse(context.query.since) : undefined
    const comments = repo
      .commentsOn(number)
      .filter(comment => since === undefined || Date.parse(comment.updatedAt) >= since)
    return list(context, comments, comment => context.shapes.comment(repo, comment))
  }),

  'issues/get-comment': withRepo((context, repo) => {
    const comment = repo.comments.find(c => c.id === Number(context.params.comment_id))
    return comment
      ? { status: 200, body: context.shapes.comment(repo, comment) }
      : notFound(context)
  }),

  'issues/create-comment': withRepo((context, repo) => {
    const number = Number(context.params.issue_number)
    if (!repo.pulls.has(number)) return notFound(context)
    const body = String(context.body?.body)
    const tooLong = commentTooLong(context, body)
    if (tooLong) return tooLong
    const comment = repo.addComment(number, {
      user: context.token.login,
      body,
      viaApp: context.token.app ?? null
    })
    const shaped = context.shapes.comment(repo, comment)
    return { status: 201, body: shaped, headers: { location: String(shaped.url) } }
  }),

  'issues/update-comment': withRepo((context, repo) => {
    const comment = repo.comments.find(c => c.id === Number(context.params.comment_id))
    if (!comment) return notFound(context)
    const body = String(context.body?.body)
    const tooLong = commentTooLong(context, body)
    if (tooLong) return tooLong
    comment.body = body
    comment.updatedAt = context.state.clock.tick()
    return { status: 200, body: context.shapes.comment(repo, comment) }
  }),

  'issues/delete-comment': withRepo((context, repo) => {
    const index = repo.comments.findIndex(c => c.id === Number(context.params.comment_id))
    if (index < 0) return notFound(context)
    repo.comments.splice(index, 1)
    return { status: 204 }
  }),

  // -- commit statuses and check runs -----------------------------------------------------------

  'repos/create-commit-status': withRepo((context, repo) => {
    const sha = context.params.sha!
    const resolved = resolveCommit(repo, sha)
    if (!resolved) return unprocessable(context, `No commit found for SHA: ${sha}`)
    const description = context.body?.description
    if (typeof description === 'string' && codePoints(description) > STATUS_DESCRIPTION_LIMIT) {
      return {
        ...validationFailed(context, [
          {
            resource: 'Status',
            code: 'custom',
            field: 'description',
            message: `description is too long (maximum is ${STATUS_DESCRIPTION_LIMIT} characters)`
          }
        ]),
        limit: `status description has ${codePoints(description)} characters, GitHub allows ${STATUS_DESCRIPTION_LIMIT}`
      }
    }
    const status = repo.addStatus(resolved, {
      state: context.body!.state as 'success',
      targetUrl: (context.body?.target_url as string | null | undefined) ?? null,
      description: (description as string | null | undefined) ?? null,
      context: (context.body?.context as string | undefined) ?? 'default',
      creator: context.token.login
    })
    const shaped = context.shapes.status(repo, status)
    return { status: 201, body: shaped, headers: { location: String(shaped.url) } }
  }),

  'repos/list-commit-statuses-for-ref': withRepo((context, repo) => {
    const sha = resolveCommit(repo, context.params.ref!)
    if (!sha) return { status: 200, body: [] }
    return list(context, repo.statusesFor(sha), status => context.shapes.status(repo, status))
  }),

  'repos/get-combined-status-for-ref': withRepo((context, repo) => {
    const sha = resolveCommit(repo, context.params.ref!)
    if (!sha) return notFound(context, `No commit found for SHA: ${context.params.ref}`)
    const combined = repo.combinedStatus(sha)
    const { page, headers } = paginate(context, combined.statuses)
    const statuses = page.map(status => context.shapes.status(repo, status))
    return {
      status: 200,
      headers,
      body: context.shapes.combinedStatus(
        repo,
        sha,
        statuses,
        combined.state,
        combined.statuses.length
      )
    }
  }),

  'checks/list-for-ref': withRepo((context, repo) => {
    const sha = resolveCommit(repo, context.params.ref!)
    if (!sha) return unprocessable(context, `No commit found for SHA: ${context.params.ref}`)
    const { check_name: name, status, app_id: appId } = context.query
    let runs = repo.checkRuns.filter(run => run.headSha === sha)
    if (name) runs = runs.filter(run => run.name === name)
    if (status) runs = runs.filter(run => run.status === status)
    if (appId) runs = runs.filter(run => run.appId === Number(appId))
    if ((context.query.filter ?? 'latest') === 'latest') {
      // The most recent run of each name (and app), as GitHub's default filter does.
      const latest = new Map<string, (typeof runs)[number]>()
      for (const run of runs) latest.set(`${run.appId}:${run.name}`, run)
      runs = [...latest.values()]
    }
    runs = [...runs].sort((a, b) => b.id - a.id)
    const { page, headers } = paginate(context, runs)
    return {
      status: 200,
      headers,
      body: {
        total_count: runs.length,
        check_runs: page.map(run => context.shapes.checkRun(repo, run))
      }
    }
  }),

  // -- permissions and teams -------------------------------------------------------------------

  'repos/get-collaborator-permission-level': withRepo((context, repo) => {
    const login = context.params.username!
    const user = context.state.users.get(login.toLowerCase())
    if (!user) return notFound(context)
    return {
      status: 200,
      body: context.shapes.collaboratorPermission(repo, user.login, repo.role(user.login))
    }
  }),

  'teams/get-membership-for-user-in-org': context => {
    const denied = teamAccess(context)
    if (denied) return denied
    const team = context.state.findTeam(context.params.org!, context.params.team_slug!)
    const role = team?.members.get(context.params.username!.toLowerCase())
    if (!team || !role) return notFound(context)
    const login = context.state.user(context.params.username!).login
    return { status: 200, body: context.shapes.teamMembership(team, login, role) }
  },

  'teams/get-by-name': context => {
    const denied = teamAccess(context)
    if (denied) return denied
    const team = context.state.findTeam(context.params.org!, context.params.team_slug!)
    return team ? { status: 200, body: context.shapes.team(team) } : notFound(context)
  },

  'teams/list-members-in-org': context => {
    const denied = teamAccess(context)
    if (denied) return denied
    const team = context.state.findTeam(context.params.org!, context.params.team_slug!)
    if (!team) return notFound(context)
    const role = context.query.role ?? 'all'
    const logins = [...team.members.entries()]
      .filter(([, memberRole]) => role === 'all' || memberRole === role)
      .map(([login]) => context.state.user(login).login)
    return list(context, logins, login => context.shapes.user(login))
  },

  // -- artifact attestations -----------------------------------------------------------------

  // GitHub answers 404 when no attestation lists the digest; pages by an opaque `after` cursor.
  'repos/list-attestations': withRepo((context, repo) => {
    const digest = context.params.subject_digest!.toLowerCase()
    const predicate = context.query.predicate_type
    const matching = repo.attestations.filter(
      attestation =>
        attestation.digests.includes(digest) &&
        (predicate === undefined || attestation.predicateType === predicate)
    )
    if (matching.length === 0) return notFound(context)
    const perPage = Math.min(100, Math.max(1, Number(context.query.per_page ?? 30) || 30))
    const start = context.query.after
      ? Number(Buffer.from(context.query.after, 'base64url').toString())
      : 0
    if (!Number.isInteger(start) || start < 0) return unprocessable(context, 'Invalid cursor')
    const page = matching.slice(start, start + perPage)
    const headers: Record<string, string> = {}
    if (start + perPage < matching.length) {
      const next = new URL(context.url)
      next.searchParams.set('after', Buffer.from(String(start + perPage)).toString('base64url'))
      next.searchParams.delete('before')
      headers.link = `<${next.toString()}>; rel="next"`
    }
    return {
      status: 200,
      headers,
      body: {
        attestations: page.map(attestation => ({
          bundle: attestation.bundle,
          repository_id: repo.id,
          bundle_url: `${context.url.origin}/attestations/${attestation.id}/bundle`
        }))
      }
    }
  }),

  // -- contents --------------------------------------------------------------------------------

  'repos/get-content': withRepo((context, repo) => {
    const ref = context.query.ref ?? repo.defaultBranch
    const files = repo.filesAt(ref)
    if (!files) {
      return repo.knowsRef(ref)
        ? notFound(context)
        : notFound(context, `No commit found for the ref ${ref}`)
    }
    const wanted = context.params.path!.replace(/^\/+|\/+$/g, '')
    const file = files.get(wanted)
    if (file) {
      if (/\.raw\b/.test(context.accept)) {
        return { status: 200, raw: { contentType: 'application/vnd.github.raw', data: file } }
      }
      return { status: 200, body: context.shapes.contentFile(repo, ref, wanted, file) }
    }
    const prefix = wanted === '' ? '' : `${wanted}/`
    const entries = new Map<string, 'file' | 'dir'>()
    for (const filePath of files.keys()) {
      if (!filePath.startsWith(prefix)) continue
      const [head, ...rest] = filePath.slice(prefix.length).split('/')
      entries.set(`${prefix}${head}`, rest.length > 0 ? 'dir' : 'file')
    }
    if (entries.size === 0) return notFound(context)
    const listing = [...entries.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([entryPath, type]) =>
        context.shapes.contentEntry(repo, ref, entryPath, type, files.get(entryPath))
      )
    return { status: 200, body: listing }
  })
}

function commentTooLong(context: HandlerContext, body: string): Reply | undefined {
  const length = codePoints(body)
  if (length <= COMMENT_BODY_LIMIT) return undefined
  return {
    ...validationFailed(context, [
      {
        resource: 'IssueComment',
        code: 'unprocessable',
        field: 'data',
        message: `Body is too long (maximum is ${COMMENT_BODY_LIMIT} characters)`
      }
    ]),
    limit: `comment body has ${length} characters, GitHub allows ${COMMENT_BODY_LIMIT}`
  }
}
