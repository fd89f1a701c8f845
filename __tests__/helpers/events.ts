// Event payloads for end-to-end tests, built from GitHub's own examples in
// @octokit/webhooks-examples: the example is cloned and re-pointed at the test's repository,
// pull request, commits and people, so every field a real payload has is there.
//
//   const event = pullRequestEvent({ repo: { owner: 'acme', name: 'models' }, number: 7,
//     head: { ref: 'promote', sha }, base: { ref: 'main', sha: baseSha }, author: 'alice' })
//   const written = await writeEvent(event)      // GITHUB_EVENT_PATH and the runner's variables
//   await runAction(inputs, { ...written.env, GITHUB_API_URL: gh.url })
//   await written.cleanup()

import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { WebhookDefinition } from '@octokit/webhooks-examples'

type Definitions = WebhookDefinition[]
type Json = Record<string, unknown>

export interface RepoRef {
  owner: string
  name: string
  defaultBranch?: string
  private?: boolean
  /** Default Organization (teams need an org). */
  ownerType?: 'Organization' | 'User'
}

export interface BuiltEvent {
  /** GITHUB_EVENT_NAME */
  name:
    | 'pull_request'
    | 'pull_request_target'
    | 'pull_request_review'
    | 'push'
    | 'workflow_dispatch'
    | 'schedule'
  payload: Json
  /** The variables a runner sets for this event (all but GITHUB_EVENT_PATH). */
  env: Record<string, string>
}

export interface PullRequestEventOptions {
  repo: RepoRef
  action?: 'opened' | 'synchronize' | 'reopened' | 'closed'
  /** `pull_request_target` runs in the base branch's context (GITHUB_SHA = base SHA). */
  target?: boolean
  number: number
  head: { ref: string; sha: string }
  base: { ref?: string; sha: string }
  author?: string
  /** Who triggered the event (default: the author). */
  sender?: string
  title?: string
  body?: string | null
  /** For `synchronize`: the head SHA before the push. */
  before?: string
  /** The test merge commit GitHub makes for `refs/pull/N/merge` (GITHUB_SHA on pull_request). */
  mergeSha?: string
  merged?: boolean
  mergeCommitSha?: string
  /**
   * The head is in a fork: `head.repo` is that repository (`owner`, default name the base's), or
   * `null` when the fork was deleted, as GitHub sends it. Fork runs get a read-only token.
   */
  fork?: { owner: string; name?: string } | 'deleted'
}

export interface PullRequestReviewEventOptions extends Omit<
  PullRequestEventOptions,
  'action' | 'before' | 'target'
> {
  review: {
    user: string
    state:
      | 'approved'
      | 'changes_requested'
      | 'commented'
      | 'APPROVED'
      | 'CHANGES_REQUESTED'
      | 'COMMENTED'
    /** Default: the PR head SHA. */
    commitId?: string
    id?: number
    body?: string | null
    submittedAt?: string
  }
}

export interface PushEventOptions {
  repo: RepoRef
  /** Default: refs/heads/<default branch>. */
  ref?: string
  before: string
  after: string
  pusher?: string
  message?: string
}

export interface WorkflowDispatchEventOptions {
  repo: RepoRef
  /** Default: refs/heads/<default branch>. */
  ref?: string
  /** The commit the ref points at (GITHUB_SHA). */
  sha: string
  inputs?: Record<string, string | boolean | number>
  sender?: string
  workflow?: string
}

// ---------------------------------------------------------------------------------------------

const require = createRequire(import.meta.url)
let definitions: Definitions | undefined

function example(name: string, pick: (payload: Json) => boolean): Json {
  definitions ??= JSON.parse(
    readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')
  ) as Definitions
  const definition = definitions.find(candidate => candidate.name === name)
  const found = (definition?.examples as Json[] | undefined)?.find(pick)
  if (!found) throw new Error(`@octokit/webhooks-examples has no matching ${name} example`)
  return structuredClone(found)
}

/** Replaces text in every string of a JSON value. */
function replaceText(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.split(from).join(to)
  if (Array.isArray(value)) return value.map(item => replaceText(item, from, to))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceText(item, from, to)])
    )
  }
  return value
}

/** A stable numeric id for a login or name, so payload ids agree across builders. */
function idFor(label: string): number {
  let hash = 0x811c9dc5
  for (const char of label) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193)
  return ((hash >>> 0) % 90_000_000) + 10_000_000
}

function userLike(template: Json, login: string, type = 'User'): Json {
  const oldLogin = String(template.login ?? template.name)
  const user = replaceText(template, oldLogin, login) as Json
  return {
    ...user,
    login,
    id: idFor(login),
    node_id: `U_${Buffer.from(login).toString('base64url')}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${idFor(login)}?v=4`,
    type
  }
}

/** Points the example's repository (and every URL naming it) at the test's repository. */
function retarget(payload: Json, repo: RepoRef): Json {
  const exampleRepo = payload.repository as Json
  const fullName = `${repo.owner}/${repo.name}`
  const retargeted = replaceText(payload, String(exampleRepo.full_name), fullName) as Json
  const repository = retargeted.repository as Json
  const ownerTemplate = repository.owner as Json
  const ownerType = repo.ownerType ?? 'Organization'
  const defaultBranch = repo.defaultBranch ?? 'main'
  const isPrivate = repo.private ?? true
  retargeted.repository = {
    ...repository,
    id: idFor(fullName),
    node_id: `R_${Buffer.from(fullName).toString('base64url')}`,
    name: repo.name,
    full_name: fullName,
    private: isPrivate,
    visibility: isPrivate ? 'private' : 'public',
    owner: userLike(ownerTemplate, repo.owner, ownerType),
    default_branch: defaultBranch,
    ...('master_branch' in repository ? { master_branch: defaultBranch } : {})
  }
  if (retargeted.organization && ownerType === 'Organization') {
    const organization = retargeted.organization as Json
    retargeted.organization = {
      ...(replaceText(organization, String(organization.login), repo.owner) as Json),
      login: repo.owner,
      id: idFor(repo.owner)
    }
  } else {
    delete retargeted.organization
  }
  return retargeted
}

function pullRequestObject(payload: Json, options: PullRequestEventOptions): Json {
  const pull = payload.pull_request as Json
  const repository = payload.repository as Json
  const userTemplate = (pull.user ?? payload.sender) as Json
  const author = options.author ?? 'pr-author'
  const baseRef = options.base.ref ?? options.repo.defaultBranch ?? 'main'
  const oldNumber = String(pull.number)
  const renumbered = replaceText(
    replaceText(pull, `/pull/${oldNumber}`, `/pull/${options.number}`),
    `/pulls/${oldNumber}`,
    `/pulls/${options.number}`
  ) as Json
  const issueFixed = replaceText(
    renumbered,
    `/issues/${oldNumber}`,
    `/issues/${options.number}`
  ) as Json
  const side = (ref: string, sha: string): Json => ({
    ...((pull.head as Json) ?? {}),
    label: `${options.repo.owner}:${ref}`,
    ref,
    sha,
    user: repository.owner,
    repo: repository
  })
  const head = side(options.head.ref, options.head.sha)
  const fork = options.fork
  if (fork === 'deleted') {
    Object.assign(head, { label: `unknown:${options.head.ref}`, repo: null })
  } else if (fork) {
    const forkName = fork.name ?? options.repo.name
    const fullName = `${fork.owner}/${forkName}`
    const forkRepo = replaceText(repository, String(repository.full_name), fullName) as Json
    const owner = userLike(repository.owner as Json, fork.owner, 'User')
    Object.assign(head, {
      label: `${fork.owner}:${options.head.ref}`,
      user: owner,
      repo: {
        ...forkRepo,
        id: idFor(fullName),
        node_id: `R_${Buffer.from(fullName).toString('base64url')}`,
        name: forkName,
        full_name: fullName,
        owner,
        fork: true,
        private: false,
        visibility: 'public'
      }
    })
  }
  const merged = options.merged ?? false
  return {
    ...issueFixed,
    id: idFor(`${repository.full_name}#${options.number}`),
    number: options.number,
    title: options.title ?? `Promote model (#${options.number})`,
    body: options.body === undefined ? 'Promotion request.' : options.body,
    user: userLike(userTemplate, author),
    state: merged || options.action === 'closed' ? 'closed' : 'open',
    draft: false,
    locked: false,
    merged,
    merge_commit_sha:
      options.mergeCommitSha ?? (merged ? null : (options.mergeSha ?? mergeShaFor(options))),
    merged_by: merged ? userLike(userTemplate, options.sender ?? author) : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: [],
    milestone: null,
    statuses_url: `https://api.github.com/repos/${repository.full_name}/statuses/${options.head.sha}`,
    head,
    base: side(baseRef, options.base.sha)
  }
}

function pullEnv(options: PullRequestEventOptions, name: BuiltEvent['name'], actor: string) {
  const baseRef = options.base.ref ?? options.repo.defaultBranch ?? 'main'
  const target = name === 'pull_request_target'
  return {
    ...commonEnv(options.repo, name, actor),
    // pull_request(_review): the test merge commit; pull_request_target: the base branch.
    GITHUB_SHA: target ? options.base.sha : (options.mergeSha ?? mergeShaFor(options)),
    GITHUB_REF: target ? `refs/heads/${baseRef}` : `refs/pull/${options.number}/merge`,
    GITHUB_REF_NAME: target ? baseRef : `${options.number}/merge`,
    GITHUB_REF_TYPE: 'branch',
    GITHUB_HEAD_REF: options.head.ref,
    GITHUB_BASE_REF: baseRef
  }
}

function commonEnv(repo: RepoRef, name: string, actor: string): Record<string, string> {
  return {
    GITHUB_EVENT_NAME: name,
    GITHUB_REPOSITORY: `${repo.owner}/${repo.name}`,
    GITHUB_REPOSITORY_OWNER: repo.owner,
    GITHUB_REPOSITORY_ID: String(idFor(`${repo.owner}/${repo.name}`)),
    GITHUB_ACTOR: actor,
    GITHUB_TRIGGERING_ACTOR: actor,
    GITHUB_RUN_ATTEMPT: '1'
  }
}

/**
 * The same event re-run from the Actions tab: GitHub replays the original payload and keeps
 * `GITHUB_ACTOR` (the first attempt's actor), but names whoever re-ran it in
 * `GITHUB_TRIGGERING_ACTOR` and counts up `GITHUB_RUN_ATTEMPT`.
 */
export function rerun(event: BuiltEvent, options: { by: string; attempt?: number }): BuiltEvent {
  const attempt = options.attempt ?? Number(event.env.GITHUB_RUN_ATTEMPT ?? '1') + 1
  return {
    ...event,
    payload: structuredClone(event.payload),
    env: { ...event.env, GITHUB_TRIGGERING_ACTOR: options.by, GITHUB_RUN_ATTEMPT: String(attempt) }
  }
}

/** The SHA GitHub would give refs/pull/N/merge, stable for the same head and base. */
export function mergeShaFor(options: { head: { sha: string }; base: { sha: string } }): string {
  return stableSha(`merge:${options.head.sha}:${options.base.sha}`)
}

function stableSha(label: string): string {
  let hex = ''
  let seed = 0x811c9dc5
  for (let round = 0; hex.length < 40; round++) {
    for (const char of `${label}#${round}`) seed = Math.imul(seed ^ char.charCodeAt(0), 0x01000193)
    hex += (seed >>> 0).toString(16).padStart(8, '0')
  }
  return hex.slice(0, 40)
}

// ---------------------------------------------------------------------------------------------
// Builders

/** `pull_request` (opened, synchronize, reopened, closed) or, with `target`, `pull_request_target`. */
export function pullRequestEvent(options: PullRequestEventOptions): BuiltEvent {
  const action = options.action ?? 'opened'
  const name = options.target ? 'pull_request_target' : 'pull_request'
  // The synchronize example carries before/after and an installation, like the real thing.
  const source = example(
    'pull_request',
    p => p.action === (action === 'synchronize' ? 'synchronize' : 'opened')
  )
  const payload = retarget(source, options.repo)
  const author = options.author ?? 'pr-author'
  const senderLogin = options.sender ?? author
  payload.action = action
  payload.number = options.number
  payload.pull_request = pullRequestObject(payload, { ...options, action })
  payload.sender = userLike(payload.sender as Json, senderLogin)
  if (action === 'synchronize') {
    payload.before = options.before ?? options.base.sha
    payload.after = options.head.sha
  } else {
    delete payload.before
    delete payload.after
  }
  return { name, payload, env: pullEnv(options, name, senderLogin) }
}

/** `pull_request_review` with action `submitted`. */
export function pullRequestReviewEvent(options: PullRequestReviewEventOptions): BuiltEvent {
  const source = example('pull_request_review', p => p.action === 'submitted')
  const payload = retarget(source, options.repo)
  const repository = payload.repository as Json
  const reviewer = options.review.user
  const template = payload.review as Json
  const reviewId = options.review.id ?? idFor(`${reviewer}:${options.number}:${options.head.sha}`)
  const htmlPull = `https://github.com/${repository.full_name}/pull/${options.number}`
  payload.pull_request = pullRequestObject(payload, options)
  payload.review = {
    ...template,
    id: reviewId,
    node_id: `PRR_${Buffer.from(String(reviewId)).toString('base64url')}`,
    user: userLike(template.user as Json, reviewer),
    body: options.review.body ?? null,
    state: options.review.state.toLowerCase(),
    commit_id: options.review.commitId ?? options.head.sha,
    submitted_at: options.review.submittedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    html_url: `${htmlPull}#pullrequestreview-${reviewId}`,
    pull_request_url: `https://api.github.com/repos/${repository.full_name}/pulls/${options.number}`,
    _links: {
      html: { href: `${htmlPull}#pullrequestreview-${reviewId}` },
      pull_request: {
        href: `https://api.github.com/repos/${repository.full_name}/pulls/${options.number}`
      }
    }
  }
  payload.sender = userLike(payload.sender as Json, options.sender ?? reviewer)
  return {
    name: 'pull_request_review',
    payload,
    env: pullEnv(options, 'pull_request_review', options.sender ?? reviewer)
  }
}

/** `push` to a branch (default: the default branch), e.g. a merged promotion PR. */
export function pushEvent(options: PushEventOptions): BuiltEvent {
  const source = example('push', p => String(p.ref).startsWith('refs/heads/'))
  const payload = retarget(source, options.repo)
  const repository = payload.repository as Json
  const branch = options.repo.defaultBranch ?? 'main'
  const ref = options.ref ?? `refs/heads/${branch}`
  const pusher = options.pusher ?? 'merger'
  const template = (payload.head_commit as Json) ?? {}
  const headCommit = {
    ...template,
    id: options.after,
    tree_id: stableSha(`tree:${options.after}`),
    distinct: true,
    message: options.message ?? 'Merge pull request',
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    url: `https://github.com/${repository.full_name}/commit/${options.after}`,
    author: { name: pusher, email: `${pusher}@users.noreply.github.com`, username: pusher },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [],
    removed: [],
    modified: []
  }
  Object.assign(payload, {
    ref,
    before: options.before,
    after: options.after,
    base_ref: null,
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/${repository.full_name}/compare/${options.before.slice(0, 12)}...${options.after.slice(0, 12)}`,
    commits: [headCommit],
    head_commit: headCommit,
    pusher: { name: pusher, email: `${pusher}@users.noreply.github.com` },
    sender: userLike(payload.sender as Json, pusher)
  })
  const refName = ref.replace(/^refs\/(heads|tags)\//, '')
  return {
    name: 'push',
    payload,
    env: {
      ...commonEnv(options.repo, 'push', pusher),
      GITHUB_SHA: options.after,
      GITHUB_REF: ref,
      GITHUB_REF_NAME: refName,
      GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch'
    }
  }
}

/** `workflow_dispatch` with inputs (as strings, which is how the runner hands them over). */
export function workflowDispatchEvent(options: WorkflowDispatchEventOptions): BuiltEvent {
  const source = example('workflow_dispatch', p => Boolean(p.organization))
  const payload = retarget(source, options.repo)
  const ref = options.ref ?? `refs/heads/${options.repo.defaultBranch ?? 'main'}`
  const sender = options.sender ?? 'maintainer'
  payload.ref = ref
  payload.inputs = Object.fromEntries(
    Object.entries(options.inputs ?? {}).map(([key, value]) => [key, String(value)])
  )
  payload.workflow = options.workflow ?? '.github/workflows/modelgate-rollback.yml'
  payload.sender = userLike(payload.sender as Json, sender)
  return {
    name: 'workflow_dispatch',
    payload,
    env: {
      ...commonEnv(options.repo, 'workflow_dispatch', sender),
      GITHUB_SHA: options.sha,
      GITHUB_REF: ref,
      GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
      GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch'
    }
  }
}

/**
 * `schedule` on acme/models' main at `sha`, as GitHub sends it: the cron (default
 * `7,22,37,52 * * * *`) and the repository.
 */
export function scheduleEvent(sha: string, cron = '7,22,37,52 * * * *'): BuiltEvent {
  return {
    name: 'schedule',
    payload: {
      schedule: cron,
      repository: { full_name: 'acme/models', default_branch: 'main' }
    },
    env: { GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: sha }
  }
}

export interface WrittenEvent {
  /** GITHUB_EVENT_PATH */
  path: string
  /** The event's runner variables plus GITHUB_EVENT_PATH. */
  env: Record<string, string>
  cleanup(): Promise<void>
}

/** Writes the payload to a temp file, as the runner does for GITHUB_EVENT_PATH. */
export async function writeEvent(event: BuiltEvent, directory?: string): Promise<WrittenEvent> {
  const own = directory ? undefined : await mkdtemp(path.join(tmpdir(), 'modelgate-event-'))
  const file = path.join(directory ?? own!, `${event.name}.json`)
  await writeFile(file, JSON.stringify(event.payload, null, 2))
  return {
    path: file,
    env: { ...event.env, GITHUB_EVENT_PATH: file },
    cleanup: async () => {
      if (own) await rm(own, { recursive: true, force: true })
      else await rm(file, { force: true })
    }
  }
}

/**
 * A re-run on a runner that does not name who re-ran it (older GHES, other runners):
 * `GITHUB_RUN_ATTEMPT` counts up, `GITHUB_ACTOR` stays the first attempt's, and
 * `GITHUB_TRIGGERING_ACTOR` is unset, or set but empty with `empty`.
 */
export function rerunUnnamed(
  event: BuiltEvent,
  options: { attempt?: number; empty?: boolean } = {}
): BuiltEvent {
  const attempt = options.attempt ?? Number(event.env.GITHUB_RUN_ATTEMPT ?? '1') + 1
  const env = { ...event.env }
  delete env.GITHUB_TRIGGERING_ACTOR
  return {
    ...event,
    payload: structuredClone(event.payload),
    env: {
      ...env,
      ...(options.empty ? { GITHUB_TRIGGERING_ACTOR: '' } : {}),
      GITHUB_RUN_ATTEMPT: String(attempt)
    }
  }
}
