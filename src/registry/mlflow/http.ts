/**
 * The MLflow REST client: one request, retried when the failure is transient,
 * mapped to ModelGate errors when it is not. No registry logic here.
 *
 * Retry policy (defaults, see DEFAULT_RETRY): a call is tried at most 5 times;
 * between attempts it waits an exponential backoff with jitter (0.5 s, 1 s,
 * 2 s, 4 s, each between half and the full value, capped at 8 s; a 429's
 * `Retry-After` is honoured up to the cap); each attempt is abandoned after
 * 10 s without an answer; no new attempt starts 30 s after the first. So one
 * call gives up after at most ~30 s plus one attempt's timeout (≤ 40 s).
 * Retried: 429, 5xx, connection errors (resets, refusals) and timeouts. Every
 * write ModelGate sends is idempotent (setting an alias or tag to the value it
 * already has changes nothing), so retrying a write whose answer was lost is
 * safe.
 *
 * Secrets: the token or password only ever goes into the Authorization header.
 * Messages name the server by origin and path, never with credentials or headers;
 * a server message quoted in one has every credential taken out first (a server
 * may echo the request's headers), and {@link authSecrets} lists what to mask.
 */
import { CommandBudget, DEFAULT_COMMAND_BUDGET_MS, DEFAULT_UNDO_GRACE_MS } from './budget.js'
import {
  ExitCode,
  InvalidInputError,
  ModelGateError,
  NotFoundError,
  PermissionError
} from '../../errors.js'

/** What the adapter needs of `fetch`: Node's global fetch satisfies it. */
export type FetchLike = (
  url: string,
  init: {
    method: string
    headers: Record<string, string>
    body?: string
    signal?: AbortSignal
  }
) => Promise<{
  status: number
  headers: { get(name: string): string | null }
  text(): Promise<string>
}>

/** Credentials, as MLflow's own clients take them from the environment. */
export type MlflowAuth = { token: string } | { username: string; password: string } | undefined

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  attempts: number
  /** The first backoff; doubled on every further attempt. */
  baseDelayMs: number
  /** Cap of one backoff (and of a 429's Retry-After). */
  maxDelayMs: number
  /** One attempt without an answer for this long is abandoned (and retried). */
  timeoutMs: number
  /** No attempt starts later than this after the first one. */
  deadlineMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  timeoutMs: 10_000,
  deadlineMs: 30_000
}

export interface MlflowHttpOptions {
  trackingUri: string
  fetch: FetchLike
  auth?: MlflowAuth
  retry?: Partial<RetryPolicy>
  sleep?: (ms: number) => Promise<void>
  /** In [0, 1): the jitter. Default Math.random. */
  random?: () => number
  /** Milliseconds since the epoch. Default Date.now. */
  now?: () => number
  /** All calls of one command together (budget.ts). Default 90 s. */
  commandBudgetMs?: number
  /** More time, once, for undoing a failed write. Default 30 s. */
  undoGraceMs?: number
}

/** Query parameters of a GET, or the fields of a JSON body (which may hold a list of tags). */
export type Query = Record<
  string,
  string | number | boolean | undefined | ReadonlyArray<Record<string, string>>
>

/** An answer of MLflow that is an error and not one of the mapped kinds (400s mostly). */
export class MlflowApiError extends ModelGateError {
  readonly status: number
  /** `INVALID_PARAMETER_VALUE`, ...; undefined when the body was not MLflow's error JSON. */
  readonly errorCode: string | undefined
  readonly serverMessage: string
  readonly method: string
  readonly path: string

  constructor(
    message: string,
    details: {
      status: number
      errorCode: string | undefined
      serverMessage: string
      method: string
      path: string
    },
    exitCode: ExitCode = ExitCode.Blocked
  ) {
    super(message, exitCode)
    this.name = 'MlflowApiError'
    this.status = details.status
    this.errorCode = details.errorCode
    this.serverMessage = details.serverMessage
    this.method = details.method
    this.path = details.path
  }
}

/** Every attempt of one call failed transiently (429, 5xx, reset, timeout). Exit 2. */
export class MlflowUnavailableError extends ModelGateError {
  readonly attempts: number
  constructor(message: string, attempts: number) {
    super(message, ExitCode.Blocked)
    this.name = 'MlflowUnavailableError'
    this.attempts = attempts
  }
}

interface ErrorBody {
  errorCode: string | undefined
  message: string
}

const sleepTimer = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/** Longest server message quoted in an error: enough to act on, not a page of HTML. */
const MAX_QUOTED = 300

export class MlflowHttp {
  /** `https://host/prefix`, without a trailing slash: what messages show. */
  readonly server: string
  private readonly fetch: FetchLike
  private readonly authHeader: string | undefined
  /** Every form of the credentials a server could echo back, longest first. */
  private readonly secrets: string[]
  private readonly retry: RetryPolicy
  private readonly sleep: (ms: number) => Promise<void>
  private readonly random: () => number
  private readonly now: () => number
  readonly budget: CommandBudget

  constructor(options: MlflowHttpOptions) {
    this.server = normaliseTrackingUri(options.trackingUri)
    this.fetch = options.fetch
    this.authHeader = authorization(options.auth)
    this.secrets = echoableForms(options.auth)
    this.retry = { ...DEFAULT_RETRY, ...options.retry }
    this.retry.attempts = Math.max(1, Math.floor(this.retry.attempts))
    this.sleep = options.sleep ?? sleepTimer
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.budget = new CommandBudget(
      options.commandBudgetMs ?? DEFAULT_COMMAND_BUDGET_MS,
      options.undoGraceMs ?? DEFAULT_UNDO_GRACE_MS,
      this.now
    )
  }

  /**
   * One REST 2.0 call: `path` under `/api/2.0` (e.g. `/mlflow/registered-models/get`).
   * GET sends `params` as the query; other methods as a JSON body. Resolves with
   * the answer's JSON object (`{}` for an empty body).
   *
   * Throws NotFoundError (`RESOURCE_DOES_NOT_EXIST`, naming `what`),
   * PermissionError (401/403), MlflowUnavailableError (retries exhausted),
   * MlflowApiError (any other error answer).
   */
  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    params: Query,
    what?: string
  ): Promise<Record<string, unknown>> {
    const answer = await this.request(method, `/api/2.0${path}`, params)
    if (answer.status >= 200 && answer.status < 300) {
      if (answer.text.trim() === '') return {}
      try {
        const parsed: unknown = JSON.parse(answer.text)
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          return parsed as Record<string, unknown>
        }
      } catch {
        // fall through
      }
      throw new MlflowApiError(
        `${this.server} answered ${method} /api/2.0${path} with HTTP ${answer.status} but not a JSON object: is the tracking URI an MLflow server?`,
        { status: answer.status, errorCode: undefined, serverMessage: '', method, path }
      )
    }
    throw this.errorFor(method, `/api/2.0${path}`, answer.status, answer.text, what)
  }

  /**
   * A GET outside the REST API that answers a file (e.g. `/model-versions/get-artifact`).
   * Resolves undefined when the server says 404 (no such file or endpoint).
   */
  async getText(path: string, params: Query, what?: string): Promise<string | undefined> {
    const answer = await this.request('GET', path, params)
    if (answer.status >= 200 && answer.status < 300) return answer.text
    if (answer.status === 404) return undefined
    throw this.errorFor('GET', path, answer.status, answer.text, what)
  }

  /** The request with retries; resolves with the final non-transient answer. */
  private async request(
    method: string,
    path: string,
    params: Query
  ): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (this.authHeader) headers.Authorization = this.authHeader
    let url = this.server + path
    let body: string | undefined
    if (method === 'GET') {
      const query = new URLSearchParams()
      for (const [key, value] of Object.entries(params)) {
        if (value !== undefined) query.set(key, String(value))
      }
      const text = query.toString()
      if (text) url += `?${text}`
    } else {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(dropUndefined(params))
    }

    const started = this.now()
    let problem = ''
    let attempt = 0
    for (;;) {
      attempt++
      this.budget.touch()
      const left = this.budget.remaining()
      if (left <= 0) {
        throw new MlflowUnavailableError(
          `MLflow at ${this.server}: ${method} ${path} not ${attempt === 1 ? 'sent' : 'tried again'}: ${this.budget.describe()}${problem ? ` (last: ${problem})` : ''}`,
          attempt - 1
        )
      }
      let retryAfterMs: number | undefined
      try {
        const response = await this.fetch(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(Math.max(1, Math.min(this.retry.timeoutMs, left)))
        })
        const text = await response.text()
        if (!isTransient(response.status)) return { status: response.status, text }
        const error = parseErrorBody(text)
        problem = `HTTP ${response.status}${error.errorCode ? ` ${error.errorCode}` : ''}`
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now())
      } catch (error) {
        problem = describeNetworkError(error, this.retry.timeoutMs)
      }
      const elapsed = this.now() - started
      const delay = Math.min(
        this.retry.maxDelayMs,
        Math.max(retryAfterMs ?? 0, this.backoff(attempt))
      )
      const outOfTime = delay >= this.budget.remaining()
      if (attempt >= this.retry.attempts || elapsed + delay > this.retry.deadlineMs || outOfTime) {
        throw new MlflowUnavailableError(
          `MLflow at ${this.server} did not answer ${method} ${path} after ${attempt} attempt${attempt === 1 ? '' : 's'} over ${seconds(elapsed)} (last: ${problem})${outOfTime && attempt < this.retry.attempts ? `; ${this.budget.describe()}` : ''}`,
          attempt
        )
      }
      await this.sleep(delay)
    }
  }

  /** Exponential backoff with "equal jitter": between half and all of base·2^(n-1), capped. */
  private backoff(attempt: number): number {
    const full = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1))
    return Math.round(full / 2 + (this.random() * full) / 2)
  }

  private errorFor(
    method: string,
    path: string,
    status: number,
    text: string,
    what: string | undefined
  ): ModelGateError {
    const parsed = parseErrorBody(text)
    const errorCode = parsed.errorCode
    // Also what the error keeps: a caller may print serverMessage.
    const message = redact(parsed.message, this.secrets)
    const quoted = message ? `: ${quote(message)}` : ''
    const at = `${method} ${path}`
    if (status === 401 || status === 403) {
      return new PermissionError(
        `MLflow at ${this.server} refused ${at} (HTTP ${status}${errorCode ? ` ${errorCode}` : ''})${quoted}. ` +
          (status === 401
            ? 'Check the credentials: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.'
            : 'The credentials are valid but lack the permission for this call.')
      )
    }
    if (errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      return new NotFoundError(
        `${what ?? 'The requested resource'} does not exist in MLflow at ${this.server}${quoted}`
      )
    }
    const details = { status, errorCode, serverMessage: message, method, path }
    if ((status === 404 || status === 405) && (!errorCode || errorCode === 'ENDPOINT_NOT_FOUND')) {
      return new MlflowApiError(
        `MLflow at ${this.server} has no endpoint ${at} (HTTP ${status}): check the tracking URI, and that the server is MLflow 2.3 or later (model aliases).`,
        details
      )
    }
    return new MlflowApiError(
      `MLflow at ${this.server} rejected ${at} (HTTP ${status}${errorCode ? ` ${errorCode}` : ''})${quoted}`,
      details
    )
  }
}

/** 429 and 5xx: worth another attempt. */
export function isTransient(status: number): boolean {
  return status === 429 || status >= 500
}

/** The tracking URI, checked: http(s), no credentials in it, no query; no trailing slash. */
export function normaliseTrackingUri(uri: string): string {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new InvalidInputError(
      'The MLflow tracking URI is not a URL (expected e.g. https://mlflow.example.com).'
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(
      `The MLflow tracking URI must be http(s), not ${url.protocol.replace(':', '')}.`
    )
  }
  if (url.username || url.password) {
    // Never echo the URI: it holds a secret.
    throw new InvalidInputError(
      'The MLflow tracking URI contains credentials; pass them as MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (or a token) instead.'
    )
  }
  if (url.search || url.hash) {
    throw new InvalidInputError(
      'The MLflow tracking URI must not have a query or fragment (they may hold secrets and MLflow does not use them).'
    )
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

function authorization(auth: MlflowAuth): string | undefined {
  if (!auth) return undefined
  if ('token' in auth) {
    if (!auth.token) throw new InvalidInputError('The MLflow token is empty.')
    return `Bearer ${auth.token}`
  }
  if (!auth.username) throw new InvalidInputError('The MLflow username is empty.')
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
}

/**
 * The strings to mask in a log for these credentials: the token, or the password and the
 * Basic header's base64 of `user:password` (which hides neither unless masked itself).
 */
export function authSecrets(auth: MlflowAuth): string[] {
  if (!auth) return []
  if ('token' in auth) return auth.token ? [auth.token] : []
  return [
    ...(auth.password ? [auth.password] : []),
    Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')
  ]
}

/** {@link authSecrets} and the forms a server could echo them in (URL-encoded, `user:password`). */
function echoableForms(auth: MlflowAuth): string[] {
  const forms = new Set<string>()
  for (const secret of authSecrets(auth)) {
    forms.add(secret)
    forms.add(encodeURIComponent(secret))
  }
  if (auth && 'username' in auth && auth.password) forms.add(`${auth.username}:${auth.password}`)
  // Longest first: `user:password` goes whole before `password` is found inside it.
  return [...forms].filter(form => form.length > 0).sort((a, b) => b.length - a.length)
}

const REDACTED = '[redacted]'

/**
 * A server's message without credentials: the client's own secrets wherever they appear, and
 * any `Bearer …`, `Basic …`, `Token …` value or `Authorization`/`password`/`token`/`secret`
 * field it echoes, whoever's they are.
 */
export function redact(message: string, secrets: readonly string[] = []): string {
  let text = message
  for (const secret of secrets) text = text.split(secret).join(REDACTED)
  return (
    text
      // A credential has a digit or symbol; `basic authentication`, `token expired` stay.
      .replace(
        /\b(bearer|basic|token)(\s+)(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}/gi,
        `$1$2${REDACTED}`
      )
      .replace(
        /\b(authorization|proxy-authorization|password|passwd|pwd|secret|token|api[_-]?key)(["']?\s*[:=]\s*["']?)(?!\[redacted\])(?:(?:bearer|basic|token)\s+)?[^\s"',;}&]+/gi,
        `$1$2${REDACTED}`
      )
  )
}

/** MLflow's `{"error_code", "message"}`; any other body (HTML, text) gives no code. */
export function parseErrorBody(text: string): ErrorBody {
  try {
    const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown }
    if (typeof parsed === 'object' && parsed !== null) {
      return {
        errorCode: typeof parsed.error_code === 'string' ? parsed.error_code : undefined,
        message: typeof parsed.message === 'string' ? parsed.message : ''
      }
    }
  } catch {
    // not JSON
  }
  return { errorCode: undefined, message: '' }
}

function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  const secondsValue = Number(value)
  if (Number.isFinite(secondsValue) && secondsValue >= 0) return secondsValue * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string } }
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return `no answer within ${seconds(timeoutMs)}`
  }
  const code = err?.cause?.code
  return code ? `connection failed (${code})` : `connection failed (${err?.message ?? 'unknown'})`
}

function quote(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim()
  return JSON.stringify(flat.length > MAX_QUOTED ? `${flat.slice(0, MAX_QUOTED)}…` : flat)
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function dropUndefined(params: Query): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined))
}
