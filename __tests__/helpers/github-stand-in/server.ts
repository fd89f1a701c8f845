// The HTTP side: every request is matched to an operation of GitHub's OpenAPI description and
// checked (route, method, path and query parameters, JSON body) before a handler sees it.
// What GitHub would refuse is answered with GitHub's status code and recorded as a violation.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GRAPHQL_OPERATION, GRAPHQL_PATH, graphqlHandler } from './graphql.js'
import { DEPLOYMENT_HANDLERS } from './deployments.js'
import { HANDLERS as BASE_HANDLERS, notAccessibleByIntegration, type Reply } from './handlers.js'
import { describeValue, formatProblem } from './schema.js'
import { Shapes } from './shapes.js'
import { loadSpec, type Operation, type Spec, type SpecStats } from './spec.js'
import {
  GitHubState,
  type Fault,
  type RequestRecord,
  type Token,
  type TokenOptions,
  type Violation,
  type ViolationKind
} from './state.js'

export interface StartOptions {
  /** Extra tokens the stand-in accepts, by value. `token` (GITHUB_TOKEN-like) is always added. */
  tokens?: Record<string, TokenOptions>
  /**
   * Also refuse what GitHub silently ignores but is always a client bug: query parameters and
   * top-level body fields the operation does not define (a `perPage` that never paginates, a
   * `targetUrl` that never links). Default true.
   */
  strict?: boolean
  /** Use (and write) the spec index cache under node_modules/.cache. Default true. */
  useSpecCache?: boolean
}

export interface StandIn {
  /** Base URL for Octokit's `baseUrl` / GITHUB_API_URL, e.g. `http://127.0.0.1:43121`. */
  url: string
  /** A GITHUB_TOKEN-like token: login github-actions[bot], cannot read org teams. */
  token: string
  state: GitHubState
  /** Every request, in order (the same array as state.requests). */
  requests: RequestRecord[]
  /** Every refusal GitHub's description (or a GitHub limit) would make (= state.violations). */
  violations: Violation[]
  /** How the OpenAPI description was loaded, and how long it took. */
  spec: SpecStats
  /** Throws, listing them, when any request violated the description. */
  assertNoViolations(): void
  /** Returns the violations so far and forgets them (for tests that provoke some). */
  takeViolations(): Violation[]
  close(): Promise<void>
}

/** Every operation answered: handlers.ts's and the deployments' (deployments.ts). */
const HANDLERS = { ...BASE_HANDLERS, ...DEPLOYMENT_HANDLERS }

const API_VERSION = '2022-11-28'
const REST_DOCS = 'https://docs.github.com/rest'

export async function start(options: StartOptions = {}): Promise<StandIn> {
  const spec = loadSpec(Object.keys(HANDLERS), options.useSpecCache ?? true)
  const state = new GitHubState()
  const token = `ghs_standin${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`
  state.addToken(token, { kind: 'github-token' })
  for (const [value, tokenOptions] of Object.entries(options.tokens ?? {})) {
    state.addToken(value, tokenOptions)
  }

  const live: { shapes?: Shapes } = {}
  const strict = options.strict ?? true
  let requestCounter = 0
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      try {
        const raw = Buffer.concat(chunks)
        serve(
          { spec, state, shapes: live.shapes!, strict, id: ++requestCounter },
          request,
          raw,
          response
        )
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
        response.end(JSON.stringify({ message: `GitHub API stand-in crashed: ${message}` }))
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  live.shapes = new Shapes(spec, state, url)

  return {
    url,
    token,
    state,
    requests: state.requests,
    violations: state.violations,
    spec: spec.stats,
    assertNoViolations() {
      if (state.violations.length === 0) return
      throw new Error(
        `the GitHub API stand-in refused ${state.violations.length} request(s) GitHub would refuse:\n` +
          state.violations.map(formatViolation).join('\n')
      )
    },
    takeViolations() {
      return state.violations.splice(0, state.violations.length)
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    }
  }
}

export function formatViolation(violation: Violation): string {
  const where = `${violation.method} ${violation.path}${violation.operationId ? ` (${violation.operationId})` : ''}`
  const problems = violation.problems.map(problem => `\n    - ${problem}`).join('')
  return `  [${violation.kind}] ${where}: ${violation.message}${problems}`
}

// ---------------------------------------------------------------------------------------------

interface ServeContext {
  spec: Spec
  state: GitHubState
  shapes: Shapes
  strict: boolean
  id: number
}

function serve(
  context: ServeContext,
  request: IncomingMessage,
  raw: Buffer,
  response: ServerResponse
): void {
  const { spec, state } = context
  const method = (request.method ?? 'GET').toUpperCase()
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  url.host = request.headers.host ?? url.host
  const query = Object.fromEntries(url.searchParams.entries())
  const record: RequestRecord = { method, path: safeDecode(url.pathname), query, status: 0 }
  state.requests.push(record)

  const reply = (result: Reply, token?: Token): void => {
    record.status = result.status
    send(context, response, result, token)
  }
  const refuse = (
    kind: ViolationKind,
    status: number,
    message: string,
    problems: string[] = [],
    operation?: Operation
  ): void => {
    state.violations.push({
      kind,
      method,
      path: record.path,
      ...(operation ? { operationId: operation.operationId } : {}),
      message,
      problems
    })
    const detail = problems.length > 0 ? `\n\n${problems.join('\n')}` : ''
    const base =
      status === 404 ? 'Not Found' : status === 401 ? 'Bad credentials' : 'Invalid request.'
    reply({
      status,
      body: {
        message: `${base} (GitHub API stand-in: ${message})${detail}`,
        documentation_url: operation?.docsUrl ?? REST_DOCS,
        status: String(status)
      }
    })
  }

  // 1. The route and the method must exist in the description (GraphQL is outside it).
  const graphql = method === 'POST' && GRAPHQL_PATH.test(url.pathname)
  const match = graphql
    ? { kind: 'match' as const, operation: GRAPHQL_OPERATION, params: {} }
    : spec.match(method, url.pathname)
  if (match.kind === 'no-route') {
    return refuse('route', 404, `${method} ${record.path} matches no path in GitHub's REST API`)
  }
  if (match.kind === 'no-method') {
    return refuse(
      'method',
      404,
      `${match.template} takes ${match.allowed.join(', ')}, not ${method}`
    )
  }
  const { operation, params } = match
  record.route = operation.path
  record.operationId = operation.operationId

  // 2. Authentication: a known token, as `token X` or `Bearer X`.
  const authorization = request.headers.authorization
  const credential = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
  if (authorization) state.tokensSeen.add(credential ?? authorization)
  if (!credential) {
    return refuse(
      'auth',
      401,
      authorization
        ? 'the Authorization header is neither `token …` nor `Bearer …`'
        : 'no Authorization header (Requires authentication)',
      [],
      operation
    )
  }
  const token = state.tokens.get(credential)
  if (!token) return refuse('auth', 401, 'unknown token (Bad credentials)', [], operation)
  record.login = token.login

  // 3. Path parameters (a bad one is a 404 on GitHub), query parameters, then the body.
  const pathProblems: string[] = []
  const coerced: Record<string, string> = {}
  for (const parameter of operation.parameters.filter(p => p.in === 'path')) {
    const value = params[parameter.name]
    if (value === undefined) continue
    coerced[parameter.name] = value
    const problems = spec.validator.validate(
      parameter.schema,
      coerce(spec, parameter.schema, value),
      `path.${parameter.name}`
    )
    pathProblems.push(...problems.map(formatProblem))
  }
  if (pathProblems.length > 0) {
    return refuse('path-param', 404, 'a path parameter does not fit', pathProblems, operation)
  }

  const queryProblems: string[] = []
  for (const parameter of operation.parameters.filter(p => p.in === 'query')) {
    const value = url.searchParams.get(parameter.name)
    if (value === null) {
      if (parameter.required) queryProblems.push(`query.${parameter.name} is required`)
      continue
    }
    const problems = spec.validator.validate(
      parameter.schema,
      coerce(spec, parameter.schema, value),
      `query.${parameter.name}`
    )
    queryProblems.push(...problems.map(formatProblem))
  }
  if (context.strict) {
    const known = new Set(operation.parameters.filter(p => p.in === 'query').map(p => p.name))
    for (const name of url.searchParams.keys()) {
      if (!known.has(name)) {
        queryProblems.push(
          `query.${name} is not a parameter of ${operation.operationId} (GitHub would ignore it)`
        )
      }
    }
  }
  if (queryProblems.length > 0) {
    return refuse('query', 422, 'a query parameter does not fit', queryProblems, operation)
  }

  let body: Record<string, unknown> | undefined
  const requestBody = operation.requestBody
  if (requestBody && (raw.length > 0 || requestBody.required)) {
    const mediaType = (request.headers['content-type'] ?? 'application/json').split(';')[0]!
    const takesJson = requestBody.contentTypes.includes('application/json')
    if (raw.length > 0 && !/[/+]json$/i.test(mediaType.trim())) {
      if (!requestBody.contentTypes.includes(mediaType.trim())) {
        return refuse(
          'content-type',
          415,
          `a ${mediaType} body; this operation takes ${requestBody.contentTypes.join(', ')}`,
          [],
          operation
        )
      }
    } else if (takesJson) {
      let parsed: unknown = {}
      if (raw.length > 0) {
        try {
          parsed = JSON.parse(raw.toString('utf8'))
        } catch (error) {
          return refuse(
            'body',
            400,
            'Problems parsing JSON',
            [String((error as Error).message)],
            operation
          )
        }
      }
      const problems = requestBody.schema
        ? spec.validator.validate(requestBody.schema, parsed, 'body').map(formatProblem)
        : []
      if (context.strict && requestBody.schema && isPlainObject(parsed)) {
        problems.push(...unknownFields(spec, requestBody.schema, parsed, operation.operationId))
      }
      if (problems.length > 0) {
        return refuse('body', 422, 'the JSON body does not fit', problems, operation)
      }
      body = isPlainObject(parsed) ? parsed : undefined
    }
  }

  // 4. The rate limit, then any injected fault, then the handler.
  token.used++
  if (token.used > token.limit) {
    return reply(primaryRateLimit(token), token)
  }
  const fault = state.faults.find(
    candidate => candidate.fired < candidate.times && faultMatches(candidate, operation)
  )
  if (fault) {
    fault.fired++
    record.fault = fault.kind
    return reply(faultReply(fault, operation, token, context.id), token)
  }
  const docsUrl = operation.docsUrl ?? REST_DOCS
  if (token.readOnly && !graphql && method !== 'GET' && method !== 'HEAD') {
    return reply(notAccessibleByIntegration({ docsUrl }), token)
  }

  const handler = graphql ? graphqlHandler(raw) : HANDLERS[operation.operationId]
  if (!handler) {
    return refuse(
      'not-implemented',
      404,
      `${operation.operationId} is valid but the stand-in does not answer it yet ` +
        '(add a handler in __tests__/helpers/github-stand-in/handlers.ts)',
      [],
      operation
    )
  }
  const result = handler({
    params: coerced,
    query,
    body,
    token,
    state,
    shapes: context.shapes,
    accept: String(request.headers.accept ?? ''),
    url,
    docsUrl
  })
  if (result.limit) {
    state.violations.push({
      kind: 'limit',
      method,
      path: record.path,
      operationId: operation.operationId,
      message: result.limit,
      problems: []
    })
  }
  if (operation.response?.schema && result.status === operation.response.status && result.body) {
    const problems = spec.validator.validate(operation.response.schema, result.body, 'response')
    if (problems.length > 0) {
      state.violations.push({
        kind: 'response',
        method,
        path: record.path,
        operationId: operation.operationId,
        message: "the stand-in's answer does not fit GitHub's response schema (a stand-in bug)",
        problems: problems.map(formatProblem)
      })
    }
  }
  reply(result, token)
}

function send(
  context: ServeContext,
  response: ServerResponse,
  result: Reply,
  token: Token | undefined
): void {
  const headers: Record<string, string> = {
    'x-github-request-id': `5A1D:${context.id.toString(16).toUpperCase()}:STANDIN`,
    'x-github-api-version-selected': API_VERSION,
    'x-github-media-type': 'github.v3; format=json',
    ...(token ? rateLimitHeaders(token) : {}),
    ...result.headers
  }
  let payload: Buffer | undefined
  if (result.raw) {
    headers['content-type'] = result.raw.contentType
    payload = result.raw.data
  } else if (result.body !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8'
    payload = Buffer.from(JSON.stringify(result.body))
  }
  if (payload) headers['content-length'] = String(payload.length)
  response.writeHead(result.status, headers)
  response.end(payload)
}

function rateLimitHeaders(token: Token): Record<string, string> {
  return {
    'x-ratelimit-limit': String(token.limit),
    'x-ratelimit-remaining': String(Math.max(0, token.limit - token.used)),
    'x-ratelimit-reset': String(token.resetAt),
    'x-ratelimit-used': String(Math.min(token.used, token.limit)),
    'x-ratelimit-resource': 'core'
  }
}

function primaryRateLimit(token: Token): Reply {
  return {
    status: 403,
    body: {
      message: `API rate limit exceeded for ${token.login}.`,
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#primary-rate-limit',
      status: '403'
    },
    headers: { 'x-ratelimit-remaining': '0' }
  }
}

function faultMatches(fault: Fault, operation: Operation): boolean {
  if (fault.operationId) return fault.operationId === operation.operationId
  return fault.method?.toLowerCase() === operation.method && fault.route === operation.path
}

function faultReply(fault: Fault, operation: Operation, token: Token, id: number): Reply {
  if (fault.kind === 'secondary-rate-limit') {
    return {
      status: fault.status,
      headers: fault.retryAfter === null ? {} : { 'retry-after': String(fault.retryAfter) },
      body: {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try ' +
          `again. If you reach out to GitHub Support for help, please include the request ID 5A1D:${id}.`,
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(fault.status)
      }
    }
  }
  if (fault.kind === 'rate-limit') {
    return {
      status: fault.status,
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': String(token.limit),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + (fault.retryAfter ?? 60))
      },
      body: {
        message: `API rate limit exceeded for ${token.login}.`,
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#primary-rate-limit',
        status: String(fault.status)
      }
    }
  }
  return {
    status: fault.status,
    body: {
      message: fault.status >= 500 ? 'Server Error' : 'Injected fault',
      documentation_url: operation.docsUrl ?? REST_DOCS,
      status: String(fault.status)
    }
  }
}

/** Query and path values arrive as text; read them as the schema's type before validating. */
function coerce(spec: Spec, schema: Record<string, unknown>, value: string): unknown {
  let resolved = schema
  while (typeof resolved.$ref === 'string') resolved = spec.resolve(resolved.$ref)
  switch (resolved.type) {
    case 'integer':
      return /^-?\d+$/.test(value) ? Number(value) : value
    case 'number':
      return value.trim() !== '' && !isNaN(Number(value)) ? Number(value) : value
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value
    case 'array':
      return value.split(',')
    default:
      return value
  }
}

/** Top-level fields the body schema does not define, when it lists its properties. */
function unknownFields(
  spec: Spec,
  schema: Record<string, unknown>,
  body: Record<string, unknown>,
  operationId: string
): string[] {
  let resolved = schema
  while (typeof resolved.$ref === 'string') resolved = spec.resolve(resolved.$ref)
  if (resolved.additionalProperties !== undefined) return [] // the validator already decided
  const branches = [resolved, ...((resolved.allOf ?? []) as Record<string, unknown>[])]
  const alternatives = [
    ...((resolved.oneOf ?? []) as Record<string, unknown>[]),
    ...((resolved.anyOf ?? []) as Record<string, unknown>[])
  ]
  const known = new Set<string>()
  for (const branch of [...branches, ...alternatives]) {
    let current = branch
    while (typeof current.$ref === 'string') current = spec.resolve(current.$ref)
    for (const name of Object.keys((current.properties ?? {}) as object)) known.add(name)
  }
  if (known.size === 0) return []
  return Object.keys(body)
    .filter(name => !known.has(name))
    .map(
      name =>
        `body.${name} (${describeValue(body[name])}) is not a field of ${operationId} (GitHub would ignore it)`
    )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
