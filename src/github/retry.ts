import { ModelGateError, ExitCode } from '../errors.js'
import { retryLine } from '../report/github-log.js'

/**
 * One retry policy for every GitHub API call: at most {@link RetryPolicy.maxAttempts} requests
 * per call, whatever went wrong, waiting what GitHub asks for (`retry-after`, or the rate
 * limit's reset) and never longer than {@link RetryPolicy.maxWaitSeconds} for one wait. It
 * replaces Octokit's retry and throttling plugins, which stacked: a persistent 429 became
 * 3 throttling attempts of 4 retry attempts each, 12 requests, ignoring `retry-after`.
 */
export interface RetryPolicy {
  /** Requests per call, the first included. */
  maxAttempts: number
  /**
   * The longest single wait, in seconds. GitHub asking for longer (a primary limit that resets
   * in 40 minutes, a `retry-after: 3600`) fails the call at once with a {@link RateLimitedError}:
   * a job should not sleep for an hour holding a runner.
   */
  maxWaitSeconds: number
  /** Milliseconds per second of wait (tests shrink it). */
  baseMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  maxWaitSeconds: 120,
  baseMs: 1000
}

/** GitHub's advice when a secondary rate limit comes without `retry-after`: wait a minute. */
const SECONDARY_LIMIT_WAIT_SECONDS = 60

/** What went wrong with one request, as far as retrying goes. */
export type Failure =
  | { kind: 'server'; waitSeconds?: number }
  | { kind: 'primary-limit'; waitSeconds: number }
  | { kind: 'secondary-limit'; waitSeconds: number }
  | { kind: 'final' }

interface FailedRequest {
  status?: unknown
  message?: unknown
  response?: { headers?: Record<string, unknown> }
}

/**
 * Reads a failed request: a 5xx (Octokit's 500 for no answer too) is worth retrying after a
 * short backoff; 429, and 403 with `retry-after` or "secondary rate limit", are secondary
 * limits; 403 (or 429) with `x-ratelimit-remaining: 0` is the primary limit, lifted at
 * `x-ratelimit-reset`. Any other 4xx is final: a refused permission stays refused.
 */
export function classify(error: unknown, nowMs: number): Failure {
  const failed = (error ?? {}) as FailedRequest
  const status = typeof failed.status === 'number' ? failed.status : undefined
  const headers = failed.response?.headers ?? {}
  const header = (name: string) => {
    const value = headers[name]
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
  }
  const retryAfter = seconds(header('retry-after'))
  // No status: not an answer from GitHub but a bug or a bad argument; retrying cannot help.
  // (Octokit reports a request that got no answer, a reset connection or a timeout, as 500.)
  if (status === undefined) return { kind: 'final' }
  if (status >= 500) {
    return retryAfter === undefined
      ? { kind: 'server' }
      : { kind: 'server', waitSeconds: retryAfter }
  }
  if (status !== 403 && status !== 429) return { kind: 'final' }
  const message = typeof failed.message === 'string' ? failed.message : ''
  if (retryAfter !== undefined) return { kind: 'secondary-limit', waitSeconds: retryAfter }
  if (header('x-ratelimit-remaining') === '0') {
    const reset = seconds(header('x-ratelimit-reset'))
    // One second past the reset, as GitHub advises.
    const wait = reset === undefined ? 60 : Math.max(0, reset - Math.floor(nowMs / 1000)) + 1
    return { kind: 'primary-limit', waitSeconds: wait }
  }
  if (status === 429 || /secondary rate limit/i.test(message)) {
    return { kind: 'secondary-limit', waitSeconds: SECONDARY_LIMIT_WAIT_SECONDS }
  }
  return { kind: 'final' }
}

/** Thrown when a call stays rate-limited: retries used up, or GitHub asks for too long a wait. */
export class RateLimitedError extends ModelGateError {
  readonly status: number | undefined
  constructor(message: string, status: number | undefined, cause: unknown) {
    super(message, ExitCode.Blocked, { cause })
    this.name = 'RateLimitedError'
    this.status = status
  }
}

export interface RetryLog {
  warning(message: string): void
}

/**
 * Sends `send` under the policy: returns its first success, or throws its last failure (a
 * rate limit as a {@link RateLimitedError} naming the limit, the wait and the bound).
 */
export async function withRetries<T>(
  send: () => Promise<T>,
  what: string,
  policy: RetryPolicy,
  log: RetryLog,
  sleep: (ms: number) => Promise<void> = ms => new Promise(resolve => setTimeout(resolve, ms))
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send()
    } catch (error) {
      const failure = classify(error, Date.now())
      if (failure.kind === 'final') throw error
      const limit =
        failure.kind === 'primary-limit'
          ? 'primary rate limit'
          : failure.kind === 'secondary-limit'
            ? 'secondary rate limit'
            : undefined
      const status = (error as FailedRequest | null)?.status
      const code = typeof status === 'number' ? status : undefined
      const hit = `GitHub ${limit ?? `server error${code ? ` (HTTP ${code})` : ''}`} on ${what}`
      // Server errors back off 1, 2, 4 s unless GitHub says how long.
      const wait =
        failure.kind === 'server'
          ? (failure.waitSeconds ?? 2 ** (attempt - 1))
          : failure.waitSeconds
      if (attempt >= policy.maxAttempts) {
        if (!limit) throw error
        throw new RateLimitedError(
          `${hit} (HTTP ${code}): still limited after ${policy.maxAttempts} requests; re-run the job later`,
          code,
          error
        )
      }
      if (wait > policy.maxWaitSeconds) {
        const message = `${hit}${code ? ` (HTTP ${code})` : ''}: GitHub asks to wait ${wait} s, longer than ModelGate waits (${policy.maxWaitSeconds} s); re-run the job later`
        if (!limit) throw new Error(message, { cause: error })
        throw new RateLimitedError(message, code, error)
      }
      log.warning(retryLine(hit, attempt, policy.maxAttempts - 1, wait))
      await sleep(wait * policy.baseMs)
    }
  }
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined
  return Number(value)
}
