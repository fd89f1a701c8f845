import type { CheckRun } from '../gates/checks.js'
import {
  apiError,
  field,
  numberField,
  stringField,
  unexpected,
  type GitHubApi,
  type RepoRef
} from './client.js'

/**
 * The check runs on a commit with the given names (every page; GitHub's own `filter: latest`
 * keeps the newest run per name and app). One name asks GitHub to filter (`check_name`); more
 * names list the commit's runs and keep those named. No names: no request.
 */
export async function listCheckRuns(
  api: GitHubApi,
  repo: RepoRef,
  ref: string,
  names: readonly string[]
): Promise<CheckRun[]> {
  const wanted = new Set(names)
  if (wanted.size === 0) return []
  let data: unknown[]
  try {
    data = await api.paginate('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
      ...repo,
      ref,
      filter: 'latest',
      per_page: 100,
      ...(wanted.size === 1 ? { check_name: [...wanted][0] } : {})
    })
  } catch (error) {
    throw apiError(error, `listing the check runs of ${ref}`, 'checks: read')
  }
  return data.map(parseCheckRun).filter(run => wanted.has(run.name))
}

function parseCheckRun(data: unknown): CheckRun {
  const name = stringField(data, 'name')
  const status = stringField(data, 'status')
  if (!name || !status) throw unexpected('a check run', data)
  const id = numberField(data, 'id')
  const conclusion = stringField(data, 'conclusion')
  const app = stringField(field(data, 'app'), 'slug')
  const url = stringField(data, 'html_url')
  return {
    name,
    status,
    conclusion: conclusion ?? null,
    ...(id !== undefined ? { id } : {}),
    ...(app ? { app } : {}),
    ...(url ? { url } : {})
  }
}
