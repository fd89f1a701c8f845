// Deployments, deployment statuses and repository_dispatch events, as GitHub keeps them: the
// routes `repos/list-deployments`, `repos/create-deployment`, `repos/list-deployment-statuses`,
// `repos/create-deployment-status` and `repos/create-dispatch-event`. Kept beside the repository
// (one log a repository) so state.ts does not grow; the server checks every request and answer
// against GitHub's OpenAPI description, as for the other routes.
//
// GitHub's rules mirrored here (docs.github.com, "REST API endpoints for deployments" and
// "... for repository dispatch"):
// - a deployment needs a ref GitHub knows (a branch or a commit SHA): otherwise 422 "No ref found";
// - without `required_contexts: []`, every commit status context on the ref must be `success`
//   (409 otherwise); `auto_merge` (default true) would merge the default branch in: the
//   stand-in records it and answers as if nothing needed merging;
// - a `success` status with `auto_inactive` (default true) marks `inactive` every earlier
//   deployment of the same environment whose latest state was `success`, unless the deployment
//   is transient or a production environment;
// - statuses and deployments are listed newest first; descriptions over 140 characters are 422;
// - a dispatch answers 204 and is kept for the test to read (`dispatchesOf(repo)`).
// A token made with `deniedPermissions: ['deployments']` (or `'contents'`, for dispatches) gets
// 403 "Resource not accessible by integration" on those writes, as a GITHUB_TOKEN whose
// workflow's `permissions:` leave them out.

import type { Handler, HandlerContext, Reply } from './handlers.js'
import { notAccessibleByIntegration, notFound } from './handlers.js'
import type { GitHubState, Repo } from './state.js'

type Json = Record<string, unknown>

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success'

export interface DeploymentStatus {
  id: number
  state: DeploymentState
  description: string
  environment: string
  environmentUrl: string
  logUrl: string
  creator: string
  createdAt: string
  /** Set by GitHub itself (auto_inactive), not by a request. */
  automatic?: boolean
}

export interface Deployment {
  id: number
  sha: string
  ref: string
  task: string
  environment: string
  payload: Json | string
  description: string | null
  transient: boolean
  production: boolean
  autoMerge: boolean
  requiredContexts: string[] | null
  creator: string
  createdAt: string
  app?: { id: number; slug: string }
  /** Oldest first. */
  statuses: DeploymentStatus[]
}

export interface DispatchEvent {
  eventType: string
  clientPayload: Json | undefined
  sender: string
  at: string
}

interface Log {
  deployments: Deployment[]
  dispatches: DispatchEvent[]
}

const logs = new WeakMap<Repo, Log>()

function logOf(repo: Repo): Log {
  let log = logs.get(repo)
  if (!log) {
    log = { deployments: [], dispatches: [] }
    logs.set(repo, log)
  }
  return log
}

/** Every deployment of the repository, oldest first. */
export function deploymentsOf(repo: Repo, environment?: string): Deployment[] {
  return logOf(repo).deployments.filter(
    d => environment === undefined || d.environment === environment
  )
}

/** The latest status of a deployment (undefined before its first). */
export function latestStatus(deployment: Deployment): DeploymentStatus | undefined {
  return deployment.statuses[deployment.statuses.length - 1]
}

/** Every repository_dispatch event sent to the repository, oldest first. */
export function dispatchesOf(repo: Repo): DispatchEvent[] {
  return logOf(repo).dispatches
}

/** GitHub's limit on a deployment status description, in characters. */
export const DEPLOYMENT_DESCRIPTION_LIMIT = 140

function withRepo(handler: (context: HandlerContext, repo: Repo) => Reply): Handler {
  return context => {
    const repo = context.state.findRepo(context.params.owner!, context.params.repo!)
    return repo ? handler(context, repo) : notFound(context)
  }
}

function denied(context: HandlerContext, permission: string): Reply | undefined {
  return context.token.deniedPermissions.includes(permission)
    ? notAccessibleByIntegration(context)
    : undefined
}

function unprocessable(context: HandlerContext, message: string): Reply {
  return { status: 422, body: { message, documentation_url: context.docsUrl, status: '422' } }
}

function resolveRef(repo: Repo, ref: string): string | undefined {
  const name = ref.replace(/^refs\/heads\//, '').replace(/^heads\//, '')
  const branch = repo.branches.get(name)
  if (branch) return branch
  return repo.knowsCommit(name) ? name : undefined
}

function page<T>(context: HandlerContext, items: T[]): T[] {
  const perPage = Math.min(100, Math.max(1, Number(context.query.per_page ?? 30) || 30))
  const number = Math.max(1, Number(context.query.page ?? 1) || 1)
  return items.slice((number - 1) * perPage, number * perPage)
}

function shapeDeployment(context: HandlerContext, repo: Repo, d: Deployment): Json {
  const api = context.url.origin
  const url = `${api}/repos/${repo.fullName}/deployments/${d.id}`
  return {
    url,
    id: d.id,
    node_id: Buffer.from(`DE_${d.id}`).toString('base64'),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: context.shapes.user(d.creator),
    created_at: d.createdAt,
    updated_at: latestStatus(d)?.createdAt ?? d.createdAt,
    statuses_url: `${url}/statuses`,
    repository_url: `${api}/repos/${repo.fullName}`,
    transient_environment: d.transient,
    production_environment: d.production,
    performed_via_github_app: d.app ? context.shapes.app(d.app.id, d.app.slug) : null
  }
}

function shapeStatus(
  context: HandlerContext,
  repo: Repo,
  d: Deployment,
  s: DeploymentStatus
): Json {
  const api = context.url.origin
  const deploymentUrl = `${api}/repos/${repo.fullName}/deployments/${d.id}`
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: Buffer.from(`DES_${s.id}`).toString('base64'),
    state: s.state,
    creator: context.shapes.user(s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.logUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: deploymentUrl,
    repository_url: `${api}/repos/${repo.fullName}`,
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    performed_via_github_app: d.app ? context.shapes.app(d.app.id, d.app.slug) : null
  }
}

function addStatus(
  state: GitHubState,
  d: Deployment,
  status: Omit<DeploymentStatus, 'id' | 'createdAt'>
): DeploymentStatus {
  const added = { ...status, id: state.nextId(), createdAt: state.clock.tick() }
  d.statuses.push(added)
  return added
}

export const DEPLOYMENT_HANDLERS: Record<string, Handler> = {
  'repos/list-deployments': withRepo((context, repo) => {
    const { sha, ref, task, environment } = context.query
    const matching = deploymentsOf(repo)
      .filter(
        d =>
          (sha === undefined || d.sha === sha) &&
          (ref === undefined || d.ref === ref) &&
          (task === undefined || d.task === task) &&
          (environment === undefined || d.environment === environment)
      )
      .reverse()
    return {
      status: 200,
      body: page(context, matching).map(d => shapeDeployment(context, repo, d))
    }
  }),

  'repos/create-deployment': withRepo((context, repo) => {
    const refused = denied(context, 'deployments')
    if (refused) return refused
    const body = context.body!
    const ref = body.ref as string
    const sha = resolveRef(repo, ref)
    if (!sha) return unprocessable(context, `No ref found for: ${ref}`)
    const required = Array.isArray(body.required_contexts)
      ? (body.required_contexts as string[])
      : null
    const contexts = repo.combinedStatus(sha).statuses
    const unmet = contexts.filter(
      s => s.state !== 'success' && (required === null || required.includes(s.context))
    )
    if (unmet.length > 0) {
      return {
        status: 409,
        body: {
          message: `Conflict: Commit status checks failed for ${ref}.`,
          documentation_url: context.docsUrl,
          status: '409'
        }
      }
    }
    const environment = (body.environment as string | undefined) ?? 'production'
    const d: Deployment = {
      id: context.state.nextId(),
      sha,
      ref,
      task: (body.task as string | undefined) ?? 'deploy',
      environment,
      payload: (body.payload as Json | string | undefined) ?? {},
      description: (body.description as string | null | undefined) ?? '',
      transient: (body.transient_environment as boolean | undefined) ?? false,
      production:
        (body.production_environment as boolean | undefined) ?? environment === 'production',
      autoMerge: (body.auto_merge as boolean | undefined) ?? true,
      requiredContexts: required,
      creator: context.token.login,
      createdAt: context.state.clock.tick(),
      ...(context.token.app ? { app: context.token.app } : {}),
      statuses: []
    }
    logOf(repo).deployments.push(d)
    return { status: 201, body: shapeDeployment(context, repo, d) }
  }),

  'repos/list-deployment-statuses': withRepo((context, repo) => {
    const d = deploymentsOf(repo).find(x => x.id === Number(context.params.deployment_id))
    if (!d) return notFound(context)
    const statuses = [...d.statuses].reverse()
    return {
      status: 200,
      body: page(context, statuses).map(s => shapeStatus(context, repo, d, s))
    }
  }),

  'repos/create-deployment-status': withRepo((context, repo) => {
    const refused = denied(context, 'deployments')
    if (refused) return refused
    const d = deploymentsOf(repo).find(x => x.id === Number(context.params.deployment_id))
    if (!d) return notFound(context)
    const body = context.body!
    const description = (body.description as string | undefined) ?? ''
    const length = Array.from(description).length
    if (length > DEPLOYMENT_DESCRIPTION_LIMIT) {
      return {
        ...unprocessable(context, 'Validation Failed'),
        limit: `deployment status description has ${length} characters, GitHub allows ${DEPLOYMENT_DESCRIPTION_LIMIT}`
      }
    }
    const logUrl =
      (body.log_url as string | undefined) ?? (body.target_url as string | undefined) ?? ''
    const environment = (body.environment as string | undefined) ?? d.environment
    const status = addStatus(context.state, d, {
      state: body.state as DeploymentState,
      description,
      environment,
      environmentUrl: (body.environment_url as string | undefined) ?? '',
      logUrl,
      creator: context.token.login
    })
    if (status.state === 'success' && (body.auto_inactive ?? true) === true) {
      for (const earlier of deploymentsOf(repo, environment)) {
        if (earlier.id === d.id || earlier.transient || earlier.production) continue
        if (latestStatus(earlier)?.state !== 'success') continue
        addStatus(context.state, earlier, {
          state: 'inactive',
          description: '',
          environment,
          environmentUrl: '',
          logUrl: '',
          creator: context.token.login,
          automatic: true
        })
      }
    }
    return { status: 201, body: shapeStatus(context, repo, d, status) }
  }),

  'repos/create-dispatch-event': withRepo((context, repo) => {
    const refused = denied(context, 'contents')
    if (refused) return refused
    logOf(repo).dispatches.push({
      eventType: context.body!.event_type as string,
      clientPayload: context.body!.client_payload as Json | undefined,
      sender: context.token.login,
      at: context.state.clock.tick()
    })
    return { status: 204 }
  })
}
