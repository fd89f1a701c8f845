// The one GraphQL query the stand-in answers: `{ viewer { login } }`, which tells a client who
// its token acts as. REST `GET /user` answers 403 "Resource not accessible by integration" to
// an installation token (GITHUB_TOKEN, a GitHub App's); GraphQL's `viewer` answers every kind
// of token: the user of a PAT, `<app-slug>[bot]` for an installation token. GraphQL is outside
// the REST description, so anything else is answered with GraphQL's error shape and recorded
// as a `not-implemented` violation.

import type { Handler } from './handlers.js'
import type { Operation } from './spec.js'

/** GitHub's GraphQL endpoint: `/graphql` on api.github.com, `/api/graphql` on GHES. */
export const GRAPHQL_PATH = /^(?:\/api)?\/graphql\/?$/

/** What the request log and `injectFault({ operationId: 'graphql' })` call a GraphQL request. */
export const GRAPHQL_OPERATION: Operation = {
  method: 'post',
  path: '/graphql',
  operationId: 'graphql',
  docsUrl: 'https://docs.github.com/graphql',
  parameters: []
}

const VIEWER_FIELDS = new Set(['login', 'databaseId', '__typename'])

export function graphqlHandler(raw: Buffer): Handler {
  return context => {
    const refuse = (message: string) => {
      context.state.violations.push({
        kind: 'not-implemented',
        method: 'POST',
        path: '/graphql',
        operationId: 'graphql',
        message,
        problems: []
      })
      return { status: 200, body: { errors: [{ message }] } }
    }
    let query: unknown
    try {
      query = (JSON.parse(raw.toString('utf8')) as { query?: unknown }).query
    } catch {
      return {
        status: 400,
        body: { message: 'Problems parsing JSON', documentation_url: context.docsUrl }
      }
    }
    if (typeof query !== 'string') return refuse('a GraphQL request without a query')
    const fields = viewerFields(query)
    if (!fields) {
      return refuse(
        `the stand-in answers only { viewer { ${[...VIEWER_FIELDS].join(' ')} } }, not: ${query.slice(0, 200)}`
      )
    }
    const user = context.state.user(context.token.login)
    const values: Record<string, unknown> = {
      login: user.login,
      databaseId: user.id,
      __typename: user.type === 'Bot' ? 'Bot' : 'User'
    }
    const viewer = Object.fromEntries(fields.map(field => [field, values[field]]))
    return { status: 200, body: { data: { viewer } } }
  }
}

/** The fields of a `{ viewer { … } }` query (optionally `query Name { … }`), or undefined. */
function viewerFields(query: string): string[] | undefined {
  const match = /^\s*(?:query\s*\w*\s*)?\{\s*viewer\s*\{([\s\w,]*)\}\s*\}\s*$/.exec(query)
  if (!match) return undefined
  const fields = (match[1] ?? '').split(/[\s,]+/).filter(Boolean)
  if (fields.length === 0 || fields.some(field => !VIEWER_FIELDS.has(field))) return undefined
  return fields
}
