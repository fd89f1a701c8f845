// The stand-in's state: what tests seed (repositories, pull requests, reviews, collaborators,
// teams, check runs, files, tokens, faults) and what they inspect afterwards (comments,
// statuses, the request log, violations, the tokens presented).
// Over 600 lines because it is one state shared by every route module (each of GitHub's objects
// and its seeding helpers beside it); the routes that read it are split by API area.

export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read'
export type ReviewStateName =
  'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING'
export type StatusState = 'error' | 'failure' | 'pending' | 'success'
export type CheckStatus = 'queued' | 'in_progress' | 'completed'
export type CheckConclusion =
  | 'success'
  | 'failure'
  | 'neutral'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required'
  | 'stale'

// ---------------------------------------------------------------------------------------------
// Tokens

export interface TokenOptions {
  /** Who the token acts as: the author of the comments and statuses it creates. */
  login?: string
  /**
   * `github-token` behaves like Actions' GITHUB_TOKEN (login `github-actions[bot]`, cannot see
   * org teams); `pat` and `app` can read teams unless told otherwise.
   */
  kind?: 'github-token' | 'pat' | 'app'
  /** Overrides the kind's default. */
  canReadOrgTeams?: boolean
  /**
   * What a team request answers when the token cannot read teams. 404 is what GITHUB_TOKEN
   * gets (the team is invisible to the Actions installation); 403 "Resource not accessible by
   * integration" is what an app installation lacking the Members permission gets.
   */
  teamReadDenial?: 403 | 404
  /** x-ratelimit-limit for the token (GITHUB_TOKEN: 1000 an hour a repository; PAT: 5000). */
  rateLimit?: number
  /**
   * Reads only: every write (POST, PATCH, PUT, DELETE) answers 403 "Resource not accessible by
   * integration", as GitHub answers the GITHUB_TOKEN of a pull request from a fork (or from
   * Dependabot) whatever the workflow's `permissions:` say.
   */
  readOnly?: boolean
  /**
   * Permissions the workflow's `permissions:` left out, e.g. `['deployments']`: writes needing
   * them answer 403 "Resource not accessible by integration" (deployments.ts).
   */
  deniedPermissions?: string[]
  /** For `kind: 'app'`: the app's slug (default `modelgate-app`); its bot is `<slug>[bot]`. */
  appSlug?: string
  /** For `kind: 'app'`: the app's id (default 90210). */
  appId?: number
}

export interface Token {
  value: string
  login: string
  kind: 'github-token' | 'pat' | 'app'
  canReadOrgTeams: boolean
  teamReadDenial: 403 | 404
  limit: number
  used: number
  resetAt: number
  readOnly: boolean
  deniedPermissions: string[]
  /** The GitHub App the token belongs to (GITHUB_TOKEN: github-actions, id 15368); none for a PAT. */
  app?: { id: number; slug: string }
}

// ---------------------------------------------------------------------------------------------
// Inspection records

export type ViolationKind =
  | 'route' // no path template matches
  | 'method' // the path exists, not with this method
  | 'path-param' // a path parameter does not fit its schema
  | 'query' // a query parameter is missing, ill-typed, outside its enum, or unknown
  | 'body' // the JSON body does not fit the requestBody schema (or is missing/unparseable)
  | 'content-type' // a body in a media type the operation does not take
  | 'auth' // no token, or a token the stand-in does not know
  | 'limit' // GitHub would refuse it by a rule outside the schema (comment size, status text)
  | 'not-implemented' // a valid request the stand-in has no handler for
  | 'response' // the stand-in answered something GitHub's schema does not describe (its bug)

export interface Violation {
  kind: ViolationKind
  method: string
  path: string
  operationId?: string
  message: string
  problems: string[]
}

export interface RequestRecord {
  method: string
  /** The decoded path, without the query string. */
  path: string
  /** The matched path template, e.g. `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  route?: string
  operationId?: string
  query: Record<string, string>
  status: number
  /** The login of the token used (never the token itself). */
  login?: string
  /** Set when an injected fault answered. */
  fault?: string
}

// ---------------------------------------------------------------------------------------------
// Faults

export interface FaultOptions {
  /** Which requests: an operationId (`pulls/list-reviews`), or a method plus path template. */
  operationId?: string
  method?: string
  route?: string
  /**
   * `error`: a 5xx (status, default 500). `secondary-rate-limit`: 403 with "You have exceeded a
   * secondary rate limit" and `retry-after`. `rate-limit`: 403 with x-ratelimit-remaining 0.
   */
  kind?: 'error' | 'secondary-rate-limit' | 'rate-limit'
  status?: number
  /** How many matching requests it answers (default 1). */
  times?: number
  /**
   * Seconds for `retry-after` / x-ratelimit-reset (default 1). `null`: a secondary limit with
   * no `retry-after` header (GitHub sends none on some; a client should then wait a minute).
   */
  retryAfter?: number | null
}

export interface Fault extends Required<
  Omit<FaultOptions, 'operationId' | 'method' | 'route' | 'retryAfter'>
> {
  operationId?: string
  method?: string
  route?: string
  retryAfter: number | null
  fired: number
}

// ---------------------------------------------------------------------------------------------
// Domain records

export interface User {
  login: string
  id: number
  type: 'User' | 'Bot' | 'Organization'
}

export interface Review {
  id: number
  pullNumber: number
  /** null: a deleted account (GitHub answers `user: null`). */
  user: string | null
  state: ReviewStateName
  /** null: the commit was garbage-collected or force-pushed away (GitHub answers `commit_id: null`). */
  commitId: string | null
  submittedAt?: string
  body: string
}

export interface IssueComment {
  id: number
  issueNumber: number
  user: string
  body: string
  /** `performed_via_github_app`: the app whose installation token wrote it (GITHUB_TOKEN: github-actions). */
  viaApp: { id: number; slug: string } | null
  createdAt: string
  updatedAt: string
}

export interface CommitStatus {
  id: number
  sha: string
  state: StatusState
  targetUrl: string | null
  description: string | null
  context: string
  creator: string
  createdAt: string
  updatedAt: string
}

export interface CheckRun {
  id: number
  headSha: string
  name: string
  status: CheckStatus
  conclusion: CheckConclusion | null
  startedAt: string
  completedAt: string | null
  appId: number
  appSlug: string
  title: string | null
  summary: string | null
}

export interface PullFile {
  filename: string
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged'
  additions: number
  deletions: number
  patch?: string
  previousFilename?: string
}

export interface Pull {
  id: number
  number: number
  title: string
  body: string | null
  /** null: a deleted account. Lists answer `user: null`; `pulls/get` answers GitHub's `ghost`. */
  author: string | null
  headRef: string
  headSha: string
  baseRef: string
  baseSha: string
  state: 'open' | 'closed'
  draft: boolean
  merged: boolean
  mergeCommitSha: string | null
  mergedBy: string | null
  mergedAt: string | null
  closedAt: string | null
  createdAt: string
  updatedAt: string
  /** SHAs of the PR's commits, oldest first; the last is the head. */
  commits: string[]
  files: PullFile[]
  labels: string[]
}

export interface PullSeed {
  number?: number
  title?: string
  body?: string | null
  /** The PR's author (default `pr-author`); null for a deleted account. */
  author?: string | null
  head: { ref: string; sha: string }
  base?: { ref?: string; sha?: string }
  state?: 'open' | 'closed'
  draft?: boolean
  merged?: boolean
  mergeCommitSha?: string | null
  mergedBy?: string
  mergedAt?: string
  createdAt?: string
  /** Earlier commits of the PR (the head is added). */
  commits?: string[]
  files?: (Partial<PullFile> & { filename: string })[]
  labels?: string[]
}

export interface ReviewSeed {
  /** null: a review by a deleted account (`user: null`). */
  user: string | null
  state: ReviewStateName
  /** Default: the PR's current head SHA; null as GitHub answers for a commit that is gone. */
  commitId?: string | null
  /** Default: the stand-in's clock (one minute later than the previous event). */
  submittedAt?: string
  body?: string
}

export interface CheckRunSeed {
  name: string
  status?: CheckStatus
  conclusion?: CheckConclusion | null
  startedAt?: string
  completedAt?: string | null
  appId?: number
  appSlug?: string
  title?: string
  summary?: string
}

export interface Team {
  id: number
  org: string
  slug: string
  name: string
  privacy: 'closed' | 'secret'
  /** lower-case login → role */
  members: Map<string, 'member' | 'maintainer'>
}

const ZERO_SHA = /^[0-9a-f]{40}$/

export class Clock {
  private current: number
  constructor(start = Date.parse('2025-01-06T09:00:00Z')) {
    this.current = start
  }
  /** Advances one minute and returns the new time, so events have a stable order. */
  tick(): string {
    this.current += 60_000
    return this.iso()
  }
  iso(): string {
    return new Date(this.current).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
}

export interface Attestation {
  id: number
  bundle: Record<string, unknown>
  /** `sha256:hex`, lower case. */
  digests: string[]
  predicateType?: string
}

/** The in-toto statement's predicate type, read from the bundle's DSSE payload (for `predicate_type`). */
function predicateTypeOf(bundle: Record<string, unknown>): string | undefined {
  try {
    const envelope = bundle.dsseEnvelope as { payload?: string } | undefined
    const statement = JSON.parse(Buffer.from(envelope?.payload ?? '', 'base64').toString()) as {
      predicateType?: unknown
    }
    return typeof statement.predicateType === 'string' ? statement.predicateType : undefined
  } catch {
    return undefined
  }
}

export class Repo {
  readonly pulls = new Map<number, Pull>()
  readonly reviews: Review[] = []
  readonly comments: IssueComment[] = []
  readonly statuses: CommitStatus[] = []
  readonly checkRuns: CheckRun[] = []
  /** lower-case login → role */
  readonly collaborators = new Map<string, RepositoryRole>()
  /** branch → head SHA */
  readonly branches = new Map<string, string>()
  /** ref (branch or SHA) → path → content */
  readonly files = new Map<string, Map<string, Buffer>>()
  readonly commits = new Set<string>()
  /** Artifact attestations (Sigstore bundles), each with the digests (`sha256:hex`) it is listed under. */
  readonly attestations: Attestation[] = []
  private nextNumber = 1

  constructor(
    private readonly state: GitHubState,
    readonly id: number,
    readonly owner: string,
    readonly name: string,
    readonly defaultBranch: string,
    readonly isPrivate: boolean,
    readonly ownerType: 'Organization' | 'User',
    readonly createdAt: string
  ) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`
  }

  // -- seeding -------------------------------------------------------------------------------

  addPull(seed: PullSeed): Pull {
    const number = seed.number ?? this.nextFreeNumber()
    if (this.pulls.has(number)) throw new Error(`${this.fullName}#${number} already exists`)
    this.nextNumber = Math.max(this.nextNumber, number + 1)
    const createdAt = seed.createdAt ?? this.state.clock.tick()
    const merged = seed.merged ?? false
    const closed = merged || seed.state === 'closed'
    const baseRef = seed.base?.ref ?? this.defaultBranch
    const baseSha =
      seed.base?.sha ?? this.branches.get(baseRef) ?? fakeSha(`${this.fullName}:${baseRef}`)
    const pull: Pull = {
      id: this.state.nextId(),
      number,
      title: seed.title ?? `Promote model (#${number})`,
      body: seed.body === undefined ? 'Promotion request.' : seed.body,
      author: seed.author === undefined ? 'pr-author' : seed.author,
      headRef: seed.head.ref,
      headSha: seed.head.sha,
      baseRef,
      baseSha,
      state: closed ? 'closed' : 'open',
      draft: seed.draft ?? false,
      merged,
      mergeCommitSha: seed.mergeCommitSha ?? null,
      mergedBy: merged ? (seed.mergedBy ?? 'merger') : null,
      mergedAt: merged ? (seed.mergedAt ?? this.state.clock.tick()) : null,
      closedAt: closed ? (seed.mergedAt ?? this.state.clock.iso()) : null,
      createdAt,
      updatedAt: createdAt,
      commits: [...(seed.commits ?? []).filter(sha => sha !== seed.head.sha), seed.head.sha],
      files: (seed.files ?? []).map(file => ({
        status: 'modified',
        additions: 1,
        deletions: 0,
        ...file
      })),
      labels: seed.labels ?? []
    }
    this.pulls.set(number, pull)
    if (pull.author !== null) this.state.user(pull.author)
    if (pull.mergedBy) this.state.user(pull.mergedBy)
    for (const sha of [...pull.commits, baseSha, pull.mergeCommitSha])
      if (sha) this.commits.add(sha)
    if (!this.branches.has(baseRef)) this.branches.set(baseRef, baseSha)
    if (!this.branches.has(pull.headRef) && !closed) this.branches.set(pull.headRef, pull.headSha)
    return pull
  }

  pull(number: number): Pull {
    const pull = this.pulls.get(number)
    if (!pull) throw new Error(`${this.fullName}#${number} was never seeded`)
    return pull
  }

  /** A new commit on the PR's head branch (what makes earlier approvals stale). */
  push(number: number, sha: string): Pull {
    const pull = this.pull(number)
    pull.headSha = sha
    pull.commits.push(sha)
    pull.updatedAt = this.state.clock.tick()
    this.commits.add(sha)
    this.branches.set(pull.headRef, sha)
    return pull
  }

  /** Merges the PR: closed, merged_at, merge_commit_sha, and the base branch moves to it. */
  merge(number: number, options: { mergeCommitSha: string; mergedBy?: string }): Pull {
    const pull = this.pull(number)
    const at = this.state.clock.tick()
    Object.assign(pull, {
      state: 'closed',
      merged: true,
      mergeCommitSha: options.mergeCommitSha,
      mergedBy: options.mergedBy ?? 'merger',
      mergedAt: at,
      closedAt: at,
      updatedAt: at
    })
    this.state.user(pull.mergedBy!)
    this.commits.add(options.mergeCommitSha)
    this.branches.set(pull.baseRef, options.mergeCommitSha)
    return pull
  }

  addReview(pullNumber: number, seed: ReviewSeed): Review {
    const pull = this.pull(pullNumber)
    if (seed.user !== null) this.state.user(seed.user)
    const review: Review = {
      id: this.state.nextId(),
      pullNumber,
      user: seed.user,
      state: seed.state,
      commitId: seed.commitId === undefined ? pull.headSha : seed.commitId,
      submittedAt:
        seed.state === 'PENDING' ? undefined : (seed.submittedAt ?? this.state.clock.tick()),
      body: seed.body ?? ''
    }
    this.reviews.push(review)
    return review
  }

  /** Dismisses a review as GitHub does: its state becomes DISMISSED. */
  dismissReview(reviewId: number): Review {
    const review = this.reviews.find(candidate => candidate.id === reviewId)
    if (!review) throw new Error(`no review ${reviewId} in ${this.fullName}`)
    review.state = 'DISMISSED'
    return review
  }

  reviewsOf(pullNumber: number): Review[] {
    return this.reviews.filter(review => review.pullNumber === pullNumber)
  }

  setPermission(login: string, role: RepositoryRole): this {
    this.state.user(login)
    this.collaborators.set(login.toLowerCase(), role)
    return this
  }

  addCollaborators(roles: Record<string, RepositoryRole>): this {
    for (const [login, role] of Object.entries(roles)) this.setPermission(login, role)
    return this
  }

  role(login: string): RepositoryRole | undefined {
    const explicit = this.collaborators.get(login.toLowerCase())
    if (explicit) return explicit
    if (this.ownerType === 'User' && login.toLowerCase() === this.owner.toLowerCase())
      return 'admin'
    return undefined
  }

  addCheckRun(headSha: string, seed: CheckRunSeed): CheckRun {
    const status = seed.status ?? 'completed'
    const startedAt = seed.startedAt ?? this.state.clock.tick()
    const run: CheckRun = {
      id: this.state.nextId(),
      headSha,
      name: seed.name,
      status,
      conclusion: status === 'completed' ? (seed.conclusion ?? 'success') : null,
      startedAt,
      completedAt: status === 'completed' ? (seed.completedAt ?? startedAt) : null,
      appId: seed.appId ?? 15368,
      appSlug: seed.appSlug ?? 'github-actions',
      title: seed.title ?? null,
      summary: seed.summary ?? null
    }
    this.checkRuns.push(run)
    this.commits.add(headSha)
    return run
  }

  /** Declares a commit, so statuses may be set on it and `?ref=` may name it. */
  addCommit(sha: string): this {
    this.commits.add(sha)
    return this
  }

  setBranch(branch: string, sha: string): this {
    this.branches.set(branch, sha)
    this.commits.add(sha)
    return this
  }

  /**
   * Stores an attestation bundle as `actions/attest-build-provenance` does: listed under each
   * subject digest (`sha256:hex`, or bare hex) given.
   */
  addAttestation(bundle: Record<string, unknown>, digests: string[]): Attestation {
    const attestation: Attestation = {
      id: this.state.nextId(),
      bundle,
      digests: digests.map(digest => (digest.includes(':') ? digest : `sha256:${digest}`)),
      predicateType: predicateTypeOf(bundle)
    }
    this.attestations.push(attestation)
    return attestation
  }

  /** Puts a file on a ref: a branch name or a commit SHA. */
  putFile(ref: string, filePath: string, content: string | Buffer): this {
    const files = this.files.get(ref) ?? new Map<string, Buffer>()
    files.set(
      filePath.replace(/^\/+/, ''),
      Buffer.isBuffer(content) ? content : Buffer.from(content)
    )
    this.files.set(ref, files)
    if (ZERO_SHA.test(ref)) this.commits.add(ref)
    return this
  }

  putFiles(ref: string, files: Record<string, string | Buffer>): this {
    for (const [filePath, content] of Object.entries(files)) this.putFile(ref, filePath, content)
    return this
  }

  /**
   * Seeds an existing comment (e.g. a sticky comment from an earlier run, or a PR author's
   * imitation of one). `viaApp`: the app a bot's comment was written through.
   */
  addComment(
    issueNumber: number,
    seed: { user: string; body: string; viaApp?: IssueComment['viaApp'] }
  ): IssueComment {
    this.state.user(seed.user)
    const at = this.state.clock.tick()
    const comment: IssueComment = {
      id: this.state.nextId(),
      issueNumber,
      user: seed.user,
      body: seed.body,
      viaApp: seed.viaApp ?? null,
      createdAt: at,
      updatedAt: at
    }
    this.comments.push(comment)
    return comment
  }

  addStatus(sha: string, seed: Omit<Partial<CommitStatus>, 'id' | 'sha'>): CommitStatus {
    const at = this.state.clock.tick()
    const status: CommitStatus = {
      id: this.state.nextId(),
      sha,
      state: seed.state ?? 'success',
      targetUrl: seed.targetUrl ?? null,
      description: seed.description ?? null,
      context: seed.context ?? 'default',
      creator: seed.creator ?? 'github-actions[bot]',
      createdAt: at,
      updatedAt: at
    }
    this.state.user(status.creator)
    this.statuses.push(status)
    this.commits.add(sha)
    return status
  }

  // -- inspection ----------------------------------------------------------------------------

  commentsOn(issueNumber: number): IssueComment[] {
    return this.comments.filter(comment => comment.issueNumber === issueNumber)
  }

  /** Statuses on a commit, newest first (as GitHub lists them). */
  statusesFor(sha: string): CommitStatus[] {
    return this.statuses.filter(status => status.sha === sha).reverse()
  }

  /** The latest status per context, newest first, and the combined state GitHub computes. */
  combinedStatus(sha: string): { state: StatusState; statuses: CommitStatus[] } {
    const latest = new Map<string, CommitStatus>()
    for (const status of this.statusesFor(sha)) {
      const context = status.context.toLowerCase()
      if (!latest.has(context)) latest.set(context, status)
    }
    const statuses = [...latest.values()]
    const states = statuses.map(status => status.state)
    const state: StatusState =
      states.includes('error') || states.includes('failure')
        ? 'failure'
        : states.length === 0 || states.includes('pending')
          ? 'pending'
          : 'success'
    return { state, statuses }
  }

  /** The latest status of one context on a commit (context is case-insensitive, as on GitHub). */
  status(sha: string, context: string): CommitStatus | undefined {
    return this.statusesFor(sha).find(s => s.context.toLowerCase() === context.toLowerCase())
  }

  // -- lookups used by the handlers -------------------------------------------------------------

  knowsCommit(sha: string): boolean {
    return this.commits.has(sha) || [...this.branches.values()].includes(sha)
  }

  /** Resolves `?ref=` the way the contents API does: branch, `refs/heads/…`, tag-less SHA. */
  filesAt(ref: string): Map<string, Buffer> | undefined {
    const name = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '')
    const candidates = [name, this.branches.get(name)]
    for (const [branch, sha] of this.branches) if (sha === name) candidates.push(branch)
    for (const candidate of candidates) {
      const files = candidate ? this.files.get(candidate) : undefined
      if (files) return files
    }
    return undefined
  }

  knowsRef(ref: string): boolean {
    const name = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '')
    return this.branches.has(name) || this.knowsCommit(name) || this.files.has(name)
  }

  private nextFreeNumber(): number {
    while (this.pulls.has(this.nextNumber)) this.nextNumber++
    return this.nextNumber
  }
}

export class GitHubState {
  readonly violations: Violation[] = []
  readonly requests: RequestRecord[] = []
  /** Every distinct credential presented in an Authorization header, known or not. */
  readonly tokensSeen = new Set<string>()
  readonly tokens = new Map<string, Token>()
  readonly users = new Map<string, User>()
  readonly repos = new Map<string, Repo>()
  readonly teams = new Map<string, Team>()
  readonly faults: Fault[] = []
  readonly clock = new Clock()
  private lastId = 1000

  nextId(): number {
    return ++this.lastId
  }

  // -- seeding -------------------------------------------------------------------------------

  addToken(value: string, options: TokenOptions = {}): Token {
    const kind = options.kind ?? 'github-token'
    const app =
      kind === 'github-token'
        ? { id: 15368, slug: 'github-actions' }
        : kind === 'app'
          ? { id: options.appId ?? 90210, slug: options.appSlug ?? 'modelgate-app' }
          : undefined
    const token: Token = {
      value,
      login: options.login ?? (app ? `${app.slug}[bot]` : 'token-owner'),
      kind,
      readOnly: options.readOnly ?? false,
      deniedPermissions: options.deniedPermissions ?? [],
      ...(app ? { app } : {}),
      canReadOrgTeams: options.canReadOrgTeams ?? kind !== 'github-token',
      teamReadDenial: options.teamReadDenial ?? 404,
      limit: options.rateLimit ?? (kind === 'github-token' ? 1000 : 5000),
      used: 0,
      resetAt: Math.floor(Date.now() / 1000) + 3600
    }
    this.user(token.login, token.login.endsWith('[bot]') ? 'Bot' : 'User')
    this.tokens.set(value, token)
    return token
  }

  /** Gets or creates a user; users the stand-in knows answer permission look-ups. */
  user(login: string, type: User['type'] = login.endsWith('[bot]') ? 'Bot' : 'User'): User {
    const key = login.toLowerCase()
    let user = this.users.get(key)
    if (!user) {
      user = { login, id: this.nextId(), type }
      this.users.set(key, user)
    }
    return user
  }

  addRepo(options: {
    owner: string
    name: string
    defaultBranch?: string
    private?: boolean
    ownerType?: 'Organization' | 'User'
  }): Repo {
    const key = `${options.owner}/${options.name}`.toLowerCase()
    if (this.repos.has(key)) throw new Error(`${options.owner}/${options.name} already exists`)
    const ownerType = options.ownerType ?? 'Organization'
    this.user(options.owner, ownerType)
    const repo = new Repo(
      this,
      this.nextId(),
      options.owner,
      options.name,
      options.defaultBranch ?? 'main',
      options.private ?? true,
      ownerType,
      this.clock.iso()
    )
    this.repos.set(key, repo)
    return repo
  }

  /** The repository `owner/name` (seeded with addRepo). */
  repo(fullName: string): Repo {
    const repo = this.repos.get(fullName.toLowerCase())
    if (!repo) throw new Error(`${fullName} was never seeded`)
    return repo
  }

  findRepo(owner: string, name: string): Repo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase())
  }

  addTeam(
    org: string,
    slug: string,
    options: { name?: string; members?: string[]; maintainers?: string[]; secret?: boolean } = {}
  ): Team {
    this.user(org, 'Organization')
    const team: Team = {
      id: this.nextId(),
      org,
      slug,
      name: options.name ?? slug,
      privacy: options.secret ? 'secret' : 'closed',
      members: new Map()
    }
    this.teams.set(`${org}/${slug}`.toLowerCase(), team)
    for (const login of options.members ?? []) this.addTeamMember(org, slug, login)
    for (const login of options.maintainers ?? [])
      this.addTeamMember(org, slug, login, 'maintainer')
    return team
  }

  addTeamMember(
    org: string,
    slug: string,
    login: string,
    role: 'member' | 'maintainer' = 'member'
  ) {
    const team = this.findTeam(org, slug)
    if (!team) throw new Error(`team ${org}/${slug} was never seeded`)
    this.user(login)
    team.members.set(login.toLowerCase(), role)
  }

  findTeam(org: string, slug: string): Team | undefined {
    return this.teams.get(`${org}/${slug}`.toLowerCase())
  }

  injectFault(options: FaultOptions): Fault {
    if (!options.operationId && !(options.method && options.route)) {
      throw new Error('a fault needs an operationId, or a method and a route template')
    }
    const kind = options.kind ?? 'error'
    const fault: Fault = {
      ...options,
      kind,
      status: options.status ?? (kind === 'error' ? 500 : 403),
      times: options.times ?? 1,
      retryAfter: options.retryAfter === undefined ? 1 : options.retryAfter,
      fired: 0
    }
    this.faults.push(fault)
    return fault
  }

  // -- inspection ----------------------------------------------------------------------------

  /** Requests that reached an operation, optionally only one operationId. */
  requestsTo(operationId?: string): RequestRecord[] {
    return this.requests.filter(r => (operationId ? r.operationId === operationId : true))
  }

  count(operationId?: string): number {
    return this.requestsTo(operationId).length
  }
}

/** A stable 40-hex SHA derived from a label, for seeds that do not care about the value. */
export function fakeSha(label: string): string {
  let hex = ''
  let seed = 0x811c9dc5
  for (let round = 0; hex.length < 40; round++) {
    for (const char of `${label}#${round}`) seed = Math.imul(seed ^ char.charCodeAt(0), 0x01000193)
    hex += (seed >>> 0).toString(16).padStart(8, '0')
  }
  return hex.slice(0, 40)
}
