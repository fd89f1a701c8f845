import { apiError, field, httpStatus, type GitHubApi, type RepoRef } from './client.js'
import { errorMessage } from '../errors.js'
import type { AttestationSource } from '../provenance/collect.js'

/** More pages than this for one digest is not a training workflow's output: the rest are not read. */
const MAX_PAGES = 10

/**
 * `GET /repos/{owner}/{repo}/attestations/sha256:{digest}` (GitHub's artifact attestations API),
 * every page by its `after` cursor. 404 is GitHub's answer for a digest with no attestation.
 * Reading needs the token's `attestations: read` (and the repository readable by the token).
 */
export function gitHubAttestationSource(api: GitHubApi, repo: RepoRef): AttestationSource {
  const repository = `${repo.owner}/${repo.repo}`
  return {
    repository,
    async bundlesFor(sha256) {
      const bundles: unknown[] = []
      let after: string | undefined
      try {
        for (let page = 0; page < MAX_PAGES; page++) {
          const response = (await api.request(
            'GET /repos/{owner}/{repo}/attestations/{subject_digest}',
            {
              ...repo,
              subject_digest: `sha256:${sha256}`,
              per_page: 100,
              ...(after ? { after } : {})
            }
          )) as { data: unknown; headers?: Record<string, string | undefined> }
          const listed = field(response.data, 'attestations')
          if (!Array.isArray(listed)) {
            return { error: `GitHub's answer for sha256:${sha256} lists no attestations array` }
          }
          for (const item of listed) bundles.push(field(item, 'bundle'))
          after = nextCursor(response.headers?.link)
          if (!after) break
        }
      } catch (error) {
        if (httpStatus(error) === 404) return { bundles }
        return {
          error: errorMessage(
            apiError(
              error,
              `reading the attestations of sha256:${sha256} in ${repository}`,
              'attestations: read'
            )
          )
        }
      }
      return { bundles }
    }
  }
}

/** The `after` cursor of a Link header's `rel="next"`. */
function nextCursor(link: string | undefined): string | undefined {
  const next = link?.split(',').find(part => /rel="next"/.test(part))
  const url = next?.match(/<([^>]+)>/)?.[1]
  if (!url) return undefined
  try {
    return new URL(url).searchParams.get('after') ?? undefined
  } catch {
    return undefined
  }
}
