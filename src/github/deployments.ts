import { PermissionError } from '../errors.js'
import {
  apiError,
  field,
  httpStatus,
  numberField,
  stringField,
  unexpected,
  type GitHubApi,
  type RepoRef
} from './client.js'
import { clip } from './statuses.js'

/** The permission a workflow's token needs to create deployments and their statuses. */
export const DEPLOYMENTS_PERMISSION = 'deployments: write'

/** A deployment status state ModelGate sets. GitHub has more (queued, in_progress, …). */
export type DeploymentState = 'success' | 'inactive' | 'failure'

/** A GitHub Deployment to create: what serving should run in one environment. */
export interface NewDeployment {
  /** The ref deployed: the run's commit (a SHA) or a branch. */
  ref: string
  /** `<model>/<stage>`: one environment a model and stage. */
  environment: string
  /** The hand-off's facts (at most a few short strings and numbers). */
  payload: Record<string, string | number | null>
  /** Short (GitHub shows it in the environment's list); cut at 140 characters. */
  description: string
  /** Whether end users meet this environment (GitHub keeps production deployments active). */
  production: boolean
}

export interface DeploymentStatusUpdate {
  state: DeploymentState
  /** At most 140 characters (cut here). */
  description: string
  /** The run's page. */
  logUrl?: string
  /** Where the environment is reached, when the policy or input names it. */
  environmentUrl?: string
}

/** A deployment as listed: enough to find the one holding a version. */
export interface ListedDeployment {
  id: number
  environment: string
  /** The payload's `version`, when the payload is ModelGate's. */
  version?: string
  createdAt?: string
}

/** GitHub Deployments of one repository: the port the hand-off to serving writes through. */
export interface DeploymentSink {
  create(deployment: NewDeployment): Promise<{ id: number }>
  setStatus(id: number, status: DeploymentStatusUpdate): Promise<void>
  /** The newest deployments of an environment, newest first (one page, at most `limit`). */
  recent(environment: string, limit?: number): Promise<ListedDeployment[]>
}

/**
 * The Deployments API over an Octokit: `POST /repos/{owner}/{repo}/deployments` with
 * `auto_merge: false` (never merge anything into the ref) and `required_contexts: []` (the
 * gates already decided; ModelGate's own pending status must not block its deployment), then
 * `POST …/deployments/{id}/statuses`. A 403 or 404 is the token lacking `deployments: write`
 * (GitHub answers 404 to a fine-grained token without access): a {@link PermissionError}.
 */
export function octokitDeploymentSink(api: GitHubApi, repo: RepoRef): DeploymentSink {
  return {
    async create(deployment) {
      let data: unknown
      try {
        ;({ data } = await api.request('POST /repos/{owner}/{repo}/deployments', {
          ...repo,
          ref: deployment.ref,
          environment: deployment.environment,
          payload: deployment.payload,
          description: clip(deployment.description),
          auto_merge: false,
          required_contexts: [],
          transient_environment: false,
          production_environment: deployment.production
        }))
      } catch (error) {
        throw deploymentError(error, `creating a deployment for ${deployment.environment}`)
      }
      const id = numberField(data, 'id')
      // 202 (a merge in progress) has no id: never the case with auto_merge false.
      if (id === undefined) throw unexpected('creating a deployment', data)
      return { id }
    },

    async setStatus(id, status) {
      try {
        await api.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
          ...repo,
          deployment_id: id,
          state: status.state,
          description: clip(status.description),
          ...(status.logUrl ? { log_url: status.logUrl } : {}),
          ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {})
        })
      } catch (error) {
        throw deploymentError(error, `setting deployment ${id} ${status.state}`)
      }
    },

    async recent(environment, limit = 30) {
      let data: unknown
      try {
        ;({ data } = await api.request('GET /repos/{owner}/{repo}/deployments', {
          ...repo,
          environment,
          per_page: Math.min(100, Math.max(1, limit))
        }))
      } catch (error) {
        throw deploymentError(error, `listing the deployments of ${environment}`)
      }
      if (!Array.isArray(data)) throw unexpected('listing deployments', data)
      return data.flatMap(item => {
        const id = numberField(item, 'id')
        if (id === undefined) return []
        const version = stringField(field(item, 'payload'), 'version')
        const createdAt = stringField(item, 'created_at')
        return [
          {
            id,
            environment: stringField(item, 'environment') ?? environment,
            ...(version !== undefined ? { version } : {}),
            ...(createdAt !== undefined ? { createdAt } : {})
          }
        ]
      })
    }
  }
}

/** 403 and 404 are a missing `deployments: write`; anything else keeps its cause. */
function deploymentError(error: unknown, doing: string): Error {
  const status = httpStatus(error)
  if (status === 404) {
    return new PermissionError(
      `GitHub API: ${doing} failed (HTTP 404): the token cannot see this repository's deployments; the workflow's token needs ${DEPLOYMENTS_PERMISSION}`,
      { cause: error }
    )
  }
  return apiError(error, doing, DEPLOYMENTS_PERMISSION)
}
