import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { ModelGateError, PermissionError, errorMessage } from '../errors.js'

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
}

/** The repository an adapter works on. */
export interface RepoRef {
  owner: string
  repo: string
}

/** Where the GitHub adapters log: `@actions/core` fits (`core.debug`, `core.info`, `core.warning`). */
export interface Logger {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
}

export interface OctokitOptions {
  /** The REST API root: `GITHUB_API_URL` on a runner (`https://ghe.example.com/api/v3` on GHES). */
  baseUrl: string
  /** Rate-limit waits and retries are reported here; nothing logged carries the token. */
  logger?: Logger
  /** Retries after hitting the primary or secondary rate limit. Default 2. */
  rateLimitRetries?: number
  /**
   * Longest wait, in seconds, for a rate-limit reset that is still worth retrying for; a later
   * reset fails the request at once (a job should not sleep for an hour). Default 120.
   */
  maxRateLimitWaitSeconds?: number
  /** Multiplies every retry delay GitHub or the plugins ask for, in ms per second. Default 1000. */
  retryAfterBaseMs?: number
  /** A `fetch` to send requests with; default: the proxy-aware one of `@actions/github`. */
  fetch?: typeof fetch
}

/** The Octokit {@link createOctokit} returns: REST methods, `paginate`, retry and throttling. */
export type Octokit = ReturnType<typeof getOctokit>

/**
 * An Octokit for the action: `@actions/github`'s (proxy support, REST methods, `paginate`),
 * with the retry plugin (server errors and timeouts: 3 retries, growing waits; never 4xx) and
 * the throttling plugin (GitHub's pacing of writes; on a primary or secondary rate limit it
 * retries at most `rateLimitRetries` times, and only when the wait is at most
 * `maxRateLimitWaitSeconds`). The token goes into the auth header only; it is never logged.
 */
export function createOctokit(token: string, options: OctokitOptions): Octokit {
  const logger = options.logger ?? silent
  const retries = options.rateLimitRetries ?? 2
  const maxWait = options.maxRateLimitWaitSeconds ?? 120
  const baseMs = options.retryAfterBaseMs ?? 1000
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method?: string; url?: string },
      _o: unknown,
      count: number
    ) => {
      const what = `${request.method ?? 'GET'} ${request.url ?? ''}`.trim()
      if (count < retries && retryAfter <= maxWait) {
        logger.warning(
          `GitHub ${kind} rate limit hit by ${what}; retry ${count + 1} of ${retries} in ${retryAfter} s`
        )
        return true
      }
      logger.warning(
        `GitHub ${kind} rate limit hit by ${what}; not retrying (${
          count >= retries ? `${retries} retries used` : `the limit resets in ${retryAfter} s`
        })`
      )
      return false
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
      retry: { retryAfterBaseValue: baseMs },
      throttle: {
        retryAfterBaseValue: baseMs,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary')
      },
      // Only when given: `@actions/github`'s defaults hold the proxy-aware fetch, and a
      // `request` option here would replace them all.
      ...(options.fetch ? { request: { fetch: options.fetch } } : {})
    },
    retry,
    throttling
  )
}

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
