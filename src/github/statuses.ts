import { clip, type CommitState } from '../report/commit-status.js'
import { apiError, numberField, type GitHubApi, type RepoRef } from './client.js'

// The text (descriptions, their limit) is report/commit-status.ts's; re-exported for callers here.
export {
  clip,
  commitStatusFor,
  STATUS_DESCRIPTION_LIMIT,
  type CommitState
} from '../report/commit-status.js'

/** The status context for a model and stage, the name branch protection requires. */
export function statusContext(model: string, stage: string): string {
  return `modelgate/${model}/${stage}`
}

export interface CommitStatus {
  sha: string
  context: string
  state: CommitState
  description: string
  /** The workflow run's page: `${GITHUB_SERVER_URL}/${repo}/actions/runs/${GITHUB_RUN_ID}`. */
  targetUrl?: string
}

/** `POST /repos/{owner}/{repo}/statuses/{sha}`; returns the status id. */
export async function setCommitStatus(
  api: GitHubApi,
  repo: RepoRef,
  status: CommitStatus
): Promise<number | undefined> {
  try {
    const { data } = await api.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
      ...repo,
      sha: status.sha,
      state: status.state,
      context: status.context,
      description: clip(status.description),
      ...(status.targetUrl ? { target_url: status.targetUrl } : {})
    })
    return numberField(data, 'id')
  } catch (error) {
    throw apiError(error, `setting status ${status.context} on ${status.sha}`, 'statuses: write')
  }
}
