/**
 * The `notify-webhook` notification: one short JSON POST per promotion, rollback or monitor
 * verdict that calls for one, each with a severity (`critical`, `warning`, `info`) that routes it
 * (route.ts).
 *
 * The payload suits a Slack incoming webhook (`text`, in mrkdwn; Slack ignores the other
 * fields) and any other receiver (`modelgate`, the facts as JSON). Delivery is best effort: a
 * webhook that fails is a warning, never a failed promotion, so {@link postNotification}
 * never throws.
 *
 * Secrets: the webhook URL is one (Slack's and Discord's carry the token in the path, others
 * in the query). Nothing here logs it or returns it; messages name the host only, and
 * {@link maskableParts} gives the caller the strings to mask in the job log.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from '../log.js'
import type { Severity } from '../monitor/notice.js'
import {
  slackText,
  webhookLines,
  type NotificationAction,
  type NotificationEvent
} from '../report/notification.js'

export type { Severity } from '../monitor/notice.js'
// The event and its Slack line are rendered in report/notification.ts; named here as well for
// the callers that send it.
export { escapeSlack } from '../report/notification.js'
export type {
  MonitorFacts,
  NotificationAction,
  NotificationEvent,
  RolloutFacts
} from '../report/notification.js'

/** The severity of each action: what routes it to a webhook. */
export const SEVERITY: Record<NotificationAction, Severity> = {
  promoted: 'info',
  'force-promoted': 'warning',
  'rolled-back': 'warning',
  'automatic-rollback': 'critical',
  'recovery-failed': 'critical',
  'breach-not-rolled-back': 'critical',
  'breach-alert': 'warning',
  inconclusive: 'warning',
  'watch-ended': 'info',
  // The rollout steps `monitor` takes: an abort means a bad version had traffic; a hold, that
  // the monitor cannot see; advance and complete are the rollout going as planned.
  'rollout-abort': 'critical',
  'rollout-hold': 'warning',
  'rollout-advance': 'info',
  'rollout-complete': 'info',
  // Breaching, not aborted (every breached trigger says `action: alert`): as a stage's alert.
  'rollout-alert': 'warning'
}

export const NOTIFICATION_SCHEMA = 'modelgate.notification/v1'

/** The body POSTed: Slack's `text` and the facts under `modelgate`. */
export interface NotificationPayload {
  /** One line of Slack mrkdwn. */
  text: string
  /** The event's facts as JSON, with the format's name. */
  modelgate: Omit<NotificationEvent, 'at' | 'severity'> & {
    schema: typeof NOTIFICATION_SCHEMA
    severity: Severity
    /**
     * The same for every notification of one state (model, stage, version, action; for a
     * rollout step also its share): a receiver can deduplicate on it, as a breach that lasts is
     * told by every run.
     */
    key: string
    /** ISO 8601, UTC. */
    at: string
  }
}

/** The payload for an event: pure, the same event gives the same payload. */
export function notificationFor(event: NotificationEvent): NotificationPayload {
  const facts: NotificationPayload['modelgate'] = {
    schema: NOTIFICATION_SCHEMA,
    severity: event.severity ?? SEVERITY[event.action],
    key: [
      event.model,
      event.stage,
      event.version,
      event.action,
      // Each advance of one rollout is its own state.
      ...(event.rollout ? [event.rollout.percent] : [])
    ].join('|'),
    action: event.action,
    model: event.model,
    version: event.version,
    stage: event.stage,
    ...(event.previous !== undefined && { previous: event.previous }),
    actor: event.actor,
    ...(event.reason !== undefined && { reason: event.reason }),
    ...(event.decision !== undefined && { decision: event.decision }),
    ...(event.runUrl !== undefined && { runUrl: event.runUrl }),
    ...(event.pullRequest !== undefined && { pullRequest: { ...event.pullRequest } }),
    ...(event.repository !== undefined && { repository: event.repository }),
    ...(event.monitor !== undefined && { monitor: event.monitor }),
    ...(event.rollout !== undefined && { rollout: { ...event.rollout } }),
    at: event.at.toISOString()
  }
  return { text: slackText(event, facts.severity), modelgate: facts }
}

/** What {@link postNotification} needs of `fetch`: Node's global fetch satisfies it. */
export type WebhookFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }
) => Promise<{
  status: number
  headers: { get(name: string): string | null }
  text(): Promise<string>
}>

export interface PostNotificationOptions {
  /** Where warnings (and a line on delivery) go: `@actions/core` fits. */
  logger: Logger
  /** The input the URL came from, named in messages. Default `notify-webhook`. */
  input?: string
  /** Default: the global fetch. */
  fetch?: WebhookFetch
  /** One attempt without an answer for this long is abandoned. Default 10 000. */
  timeoutMs?: number
  /** The wait before the one retry (a 429's `Retry-After` is honoured up to 5 s). Default 1 000. */
  retryDelayMs?: number
}

export interface NotificationResult {
  delivered: boolean
  /** The last HTTP status, when the receiver answered. */
  status?: number
  /** Why it was not delivered; names the host at most, never the URL. */
  problem?: string
}

const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_RETRY_DELAY_MS = 1_000
const MAX_RETRY_AFTER_MS = 5_000

/**
 * POSTs the payload as JSON. A 2xx is delivered. Retried once, after a short wait: a connection
 * error, a 5xx or a 429. Not retried: a timeout (the receiver may have acted on it, and a second
 * wait doubles the job's delay) and other 4xx. Never throws; a failure, an invalid URL included,
 * is logged as a warning naming the host only, and returned as `delivered: false`.
 */
export async function postNotification(
  url: string,
  payload: NotificationPayload,
  options: PostNotificationOptions
): Promise<NotificationResult> {
  const { logger } = options
  const input = options.input ?? 'notify-webhook'
  const fail = (problem: string, status?: number): NotificationResult => {
    logger.warning(webhookLines.notSent(input, problem))
    return { delivered: false, ...(status !== undefined && { status }), problem }
  }
  let target: URL
  try {
    target = new URL(url.trim())
  } catch {
    return fail('the webhook URL is not a valid URL')
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return fail(`the webhook URL must be http(s), not ${target.protocol.replace(/:$/, '')}`)
  }
  const host = target.host
  try {
    const send = options.fetch ?? (fetch as unknown as WebhookFetch)
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const body = JSON.stringify(payload)
    let attempt = await attemptOnce(send, target.href, body, timeoutMs)
    if (attempt.retry) {
      logger.debug(webhookLines.retrying(input, host, String(attempt.problem)))
      await sleep(attempt.waitMs ?? options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS)
      attempt = await attemptOnce(send, target.href, body, timeoutMs)
    }
    if (attempt.problem === undefined) {
      logger.info(webhookLines.sent(input, host, attempt.status))
      return { delivered: true, status: attempt.status }
    }
    return fail(`${host}: ${attempt.problem}`, attempt.status)
  } catch (error) {
    // Nothing above should throw; a bug here must still not fail a promotion.
    return fail(`${host}: unexpected ${errorName(error)}`)
  }
}

interface Attempt {
  status?: number
  /** Absent when delivered. */
  problem?: string
  retry: boolean
  /** A 429's Retry-After, capped. */
  waitMs?: number
}

async function attemptOnce(
  send: WebhookFetch,
  href: string,
  body: string,
  timeoutMs: number
): Promise<Attempt> {
  let response: Awaited<ReturnType<WebhookFetch>>
  try {
    response = await send(href, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'modelgate' },
      body,
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (error) {
    const name = errorName(error)
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { problem: `no answer within ${(timeoutMs / 1000).toFixed(1)} s`, retry: false }
    }
    return { problem: `connection failed (${networkCode(error)})`, retry: true }
  }
  // Read the body: it frees the connection, and Slack explains a refusal in it (`no_service`).
  const text = await response.text().catch(() => '')
  const status = response.status
  if (status >= 200 && status < 300) return { status, retry: false }
  // Only a short error code is quoted: a longer body could echo the request, URL included.
  const code = /^[a-z][a-z0-9_]{0,39}$/.test(text.trim()) ? `: ${text.trim()}` : ''
  const problem = `answered HTTP ${status}${code}`
  if (status === 429) {
    const after = Number(response.headers.get('retry-after'))
    const waitMs = Number.isFinite(after) && after >= 0 ? after * 1000 : undefined
    return {
      status,
      problem,
      retry: true,
      ...(waitMs !== undefined && { waitMs: Math.min(waitMs, MAX_RETRY_AFTER_MS) })
    }
  }
  return { status, problem, retry: status >= 500 }
}

/** The error's name, duck-typed (errors from another realm fail `instanceof Error`). */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name
  return typeof name === 'string' ? name : typeof error
}

/** `ECONNREFUSED`, `ENOTFOUND`…: undici puts it on the cause. Never the message (it may hold the URL). */
function networkCode(error: unknown): string {
  const err = error as { code?: unknown; cause?: { code?: unknown } } | null
  const code = err?.cause?.code ?? err?.code
  return typeof code === 'string' ? code : errorName(error)
}

/**
 * The strings of a webhook URL to mask in the job log (`core.setSecret` each): the URL as
 * given and normalised, its path and query, its credentials, and every path segment or query
 * value that looks like a token or an id (not a plain word such as `services`: masking that
 * would mask the word everywhere in the log). An unparseable URL is masked whole.
 */
export function maskableParts(url: string): string[] {
  const given = url.trim()
  if (!given) return []
  const parts = new Set<string>([given])
  let parsed: URL
  try {
    parsed = new URL(given)
  } catch {
    return [...parts]
  }
  parts.add(parsed.href)
  const tail = `${parsed.pathname}${parsed.search}`
  if (tail !== '/') parts.add(tail)
  if (parsed.password) parts.add(parsed.password)
  const pieces = [
    parsed.username,
    ...parsed.pathname.split('/'),
    ...[...parsed.searchParams.values()],
    parsed.hash.replace(/^#/, '')
  ]
  for (const piece of pieces) if (looksLikeToken(piece)) parts.add(piece)
  return [...parts]
}

/** At least 8 characters and not a plain lowercase word: Slack's `T0A1B2C3D`, its token, a UUID. */
function looksLikeToken(piece: string): boolean {
  return piece.length >= 8 && !/^[a-z._-]+$/.test(piece)
}
