import { errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { tokenLoginLine } from '../report/github-log.js'
import { field, httpStatus, stringField, type GitHubApi } from './client.js'

/**
 * The login the token acts as, so that ModelGate edits only comments it wrote itself; undefined
 * when GitHub does not say (then nothing that may be someone else's is ever edited).
 *
 * - GraphQL `{ viewer { login } }` answers every kind of token: a personal access token's user,
 *   and `<app-slug>[bot]` for an installation token (`github-actions[bot]` for GITHUB_TOKEN),
 *   the login its REST comments carry. One request.
 * - REST `GET /user` answers a personal access token's user, and 403 "Resource not accessible
 *   by integration" to an installation token (GITHUB_TOKEN, a GitHub App's): asked only when
 *   GraphQL is not available or fails.
 */
export async function tokenLogin(api: GitHubApi, logger?: Logger): Promise<string | undefined> {
  if (api.graphql) {
    try {
      const data = await api.graphql('query { viewer { login } }')
      const login = stringField(field(data, 'viewer'), 'login')
      if (login) return login
      logger?.debug(tokenLoginLine({ kind: 'graphql-no-login' }))
    } catch (error) {
      logger?.debug(tokenLoginLine({ kind: 'graphql-failed', message: errorMessage(error) }))
    }
  }
  try {
    const { data } = await api.request('GET /user')
    return stringField(data, 'login') || undefined
  } catch (error) {
    const status = httpStatus(error)
    logger?.debug(
      tokenLoginLine(
        status === 403
          ? { kind: 'installation-token' }
          : { kind: 'user-failed', message: errorMessage(error) }
      )
    )
    return undefined
  }
}
