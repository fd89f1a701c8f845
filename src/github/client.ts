import { getOctokit } from '@actions/github'
import { ModelGateError, PermissionError, errorMessage } from '../errors.js'
import { DEFAULT_RETRY_POLICY, RateLimitedError, withRetries, type RetryPolicy } from './retry.js'
import type { Logger } from '../log.js'

/**
 * The part of an Octokit the adapters use: a route request and `paginate`. The Octokit from
 * {@link createOctokit} is one; tests pass a real Octokit over a fake `fetch`, or a hand-written
 * fake. Responses are `unknown` here: every adapter checks the fields it reads (fail closed on
 * a shape it does not expect).
 */
export interface GitHubApi {
  request(
    route: string,
    parameters?: Record<string, unknown>
  ): Promise<{ status: number; data: unknown }>
  paginate(route: string, parameters?: Record<string, unknown>): Promise<unknown[]>
  /**
   * A GraphQL query (Octokit's `graphql`, which finds the endpoint on GHES too); answers its
   * `data`. Optional: hand-written fakes may leave it out.
   */
  graphql?(query: string, variables?: Record<string, unknown>): Promise<unknown>
}

/** The repository an adapter works on. */
export interface RepoRef {
  owner: string
  repo: string
}

/** Where the GitHub adapters log: `@actions/core` fits (`core.debug`, `core.info`, `core.warning`). */
export interface OctokitOptions {
  /** The REST API root: `GITHUB_API_URL` on a runner (`https://ghe.example.com/api/v3` on GHES). */
  baseUrl: string
  /** Rate-limit waits and retries are reported here; nothing logged carries the token. */
  logger?: Logger
  /** Requests per call, the first included (server errors and rate limits alike). Default 4. */
  maxAttempts?: number
  /**
   * Longest single wait, in seconds, that is still worth retrying for; GitHub asking for longer
   * (`retry-after`, or a rate-limit reset) fails the call at once. Default 120.
   */
  maxRateLimitWaitSeconds?: number
  /** Multiplies every wait GitHub asks for or the backoff chooses, in ms per second. Default 1000. */
  retryAfterBaseMs?: number
  /** Least time between two writes (POST, PATCH, PUT, DELETE), in ms, as GitHub asks of integrations. Default 1000. */
  writeGapMs?: number
  /** A `fetch` to send requests with; default: the proxy-aware one of `@actions/github`. */
  fetch?: typeof fetch
}

/** The Octokit {@link createOctokit} returns: REST methods, `paginate`, `graphql`, retries. */
export type Octokit = ReturnType<typeof getOctokit>

/**
 * An Octokit for the action: `@actions/github`'s (proxy support, REST methods, `paginate`,
 * `graphql`), with one retry policy per call (see {@link withRetries}: at most `maxAttempts`
 * requests, honouring `retry-after`, never waiting longer than `maxRateLimitWaitSeconds`) and
 * writes spaced by `writeGapMs`. The token goes into the auth header only; it is never logged.
 */
export function createOctokit(token: string, options: OctokitOptions): Octokit {
  const logger = options.logger ?? silent
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    maxWaitSeconds: options.maxRateLimitWaitSeconds ?? DEFAULT_RETRY_POLICY.maxWaitSeconds,
    baseMs: options.retryAfterBaseMs ?? DEFAULT_RETRY_POLICY.baseMs
  }
  const writeGapMs = options.writeGapMs ?? 1000
  let nextWriteAt = 0
  /** Reserves the next write slot at once (so concurrent writes queue), then waits for it. */
  const paceWrite = async () => {
    const now = Date.now()
    const at = Math.max(now, nextWriteAt)
    nextWriteAt = at + writeGapMs
    if (at > now) await sleep(at - now)
  }
  const retrying: OctokitPlugin = octokit => {
    octokit.hook.wrap('request', async (request, requestOptions) => {
      const method = String(requestOptions.method ?? 'GET').toUpperCase()
      const url = String(requestOptions.url ?? '')
      const isWrite = method !== 'GET' && method !== 'HEAD' && !/\/graphql$/.test(url)
      return withRetries(
        async () => {
          if (isWrite) await paceWrite()
          return request(requestOptions)
        },
        // The route or path only: paginate's later pages come as full URLs with a query.
        `${method} ${url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '')}`,
        policy,
        logger
      )
    })
  }
  return getOctokit(
    token,
    {
      baseUrl: options.baseUrl,
      log: {
        debug: (message: string) => logger.debug(String(message)),
        info: (message: string) => logger.info(String(message)),
        warn: (message: string) => logger.warning(String(message)),
        error: (message: string) => logger.warning(String(message))
      },
      // Only when given: `@actions/github`'s defaults hold the proxy-aware fetch, and a
      // `request` option here would replace them all.
      ...(options.fetch ? { request: { fetch: options.fetch } } : {})
    },
    retrying
  )
}

/** An Octokit plugin, as `getOctokit` takes them after its options. */
type OctokitPlugin = NonNullable<Parameters<typeof getOctokit>[2]>

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

const silent: Logger = { debug: () => {}, info: () => {}, warning: () => {} }

/** The HTTP status of a failed request (Octokit's `RequestError`), if it has one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

/**
 * A failed request as an error a person can act on, naming what was being done. 401 and 403
 * become a {@link PermissionError} (exit 4) that names the permission the workflow needs;
 * anything else keeps its cause. Never includes request headers (the token).
 */
export function apiError(error: unknown, doing: string, needs?: string): ModelGateError | Error {
  if (error instanceof RateLimitedError) {
    // A limit, not a permission: never advise a permission for it.
    return new RateLimitedError(
      `GitHub API: ${doing} failed: ${error.message}`,
      error.status,
      error
    )
  }
  if (error instanceof ModelGateError) return error
  const status = httpStatus(error)
  const message = `GitHub API: ${doing} failed${status ? ` (HTTP ${status})` : ''}: ${firstLine(errorMessage(error))}`
  if (status === 401) {
    return new PermissionError(`${message}; the token was rejected (expired or revoked?)`, {
      cause: error
    })
  }
  if (status === 403 && needs) {
    return new PermissionError(`${message}; the workflow's token needs ${needs}`, { cause: error })
  }
  return new Error(message, { cause: error })
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? ''
}

/** An object field by name, or undefined: for reading API responses without trusting them. */
export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined
}

/** A string field, or undefined. */
export function stringField(value: unknown, name: string): string | undefined {
  const found = field(value, name)
  return typeof found === 'string' ? found : undefined
}

/** A number field, or undefined. */
export function numberField(value: unknown, name: string): number | undefined {
  const found = field(value, name)
  return typeof found === 'number' ? found : undefined
}

/** Thrown when GitHub answers with a shape an adapter does not understand: fail closed. */
export function unexpected(what: string, value: unknown): Error {
  const shape = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value
  return new Error(`GitHub API: unexpected response for ${what} (got ${shape})`)
}
