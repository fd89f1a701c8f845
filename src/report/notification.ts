/**
 * The Slack line of a notification (notify/webhook.ts POSTs it as the payload's `text`, in
 * Slack's mrkdwn), and the facts of the event it tells.
 */
import type { Decision } from '../gates/types.js'
import type { NoticeKind, Severity } from '../monitor/notice.js'
import { neutraliseCommands } from './log.js'

/**
 * What happened: a promotion, a rollback by hand, a promotion forced past failing gates, or a
 * monitor verdict (monitor/notice.ts), the automatic rollback among them.
 */
export type NotificationAction =
  'promoted' | 'rolled-back' | 'force-promoted' | NoticeKind | RolloutNotificationAction

/** A rollout step `monitor` wrote (docs/rollout.md, "Driven by monitor"). */
export type RolloutNotificationAction =
  'rollout-advance' | 'rollout-hold' | 'rollout-abort' | 'rollout-complete' | 'rollout-alert'

/** A rollout step's facts, for the rollout actions. */
export interface RolloutFacts {
  type: 'shadow' | 'canary'
  /** `alert`: a breach of triggers that all say `action: alert`; nothing was written. */
  step: 'advance' | 'hold' | 'abort' | 'complete' | 'alert'
  /** The version's share of the traffic after the step (a shadow: 0). */
  percent: number
  /** The share before the step. */
  from?: number
  /** The holder of the stage the rollout serves or shadows. */
  champion?: string
  /** After `complete`: the stage the version was promoted to. */
  into?: string
}

/** A monitor verdict's facts, for the monitor actions. */
export interface MonitorFacts {
  verdict: string
  /** Why a breach only alerted, or what was restored. */
  detail?: string
  /** When the watch started (the promotion, or the automatic rollback in recovery). */
  since: string
  watched: { start: string; end: string; ended: boolean }
  triggers: { name: string; verdict: string; summary: string }[]
}

/** The facts of one promotion or rollback, as the caller knows them. */
export interface NotificationEvent {
  action: NotificationAction
  /** Default: the action's (notify/webhook.ts `SEVERITY`). */
  severity?: Severity
  model: string
  /** The version the stage holds now (after a rollback: the version rolled back to). */
  version: string
  stage: string
  /** The version the stage held before, if any. */
  previous?: string
  /** Who did it: the GitHub login on a runner, the user in a terminal. */
  actor: string
  /** Why, as given (`--reason`); required for a forced promotion. */
  reason?: string
  /** The gates' decision; for a forced promotion, the one that was overridden. */
  decision?: Decision
  /** The workflow run, e.g. `https://github.com/o/r/actions/runs/1`. */
  runUrl?: string
  pullRequest?: { number: number; url?: string }
  /** `owner/repo`. */
  repository?: string
  /** For the monitor actions (and the rollout steps `monitor` takes). */
  monitor?: MonitorFacts
  /** For the rollout actions. */
  rollout?: RolloutFacts
  at: Date
}

/** Longest reason quoted in `text`; the JSON carries it whole. */
const MAX_REASON = 120

/**
 * One line, e.g. ``ModelGate: *fraud* `v1.3.0` promoted to *production* (was `v1.2.0`) by alice
 * · <https://github.com/o/r/pull/7|o/r#7> · <https://github.com/o/r/actions/runs/1|run>``.
 * `severity` is the event's (notify/webhook.ts decides it): a monitor verdict's icon.
 */
export function slackText(event: NotificationEvent, severity: Severity): string {
  const model = `*${escapeSlack(event.model)}*`
  const stage = `*${escapeSlack(event.stage)}*`
  const version = code(event.version)
  const by = event.actor.trim() ? ` by ${escapeSlack(event.actor.trim())}` : ''
  let what: string
  switch (event.action) {
    case 'promoted':
      what = `${model} ${version} promoted to ${stage}${was(event.previous)}`
      break
    case 'force-promoted':
      what =
        `:warning: ${model} ${version} force-promoted to ${stage}${was(event.previous)}` +
        (event.decision ? ` despite gates ${event.decision}` : '')
      break
    case 'rolled-back':
      what =
        `${model} ${stage} rolled back to ${version}` +
        (event.previous !== undefined ? ` (from ${code(event.previous)})` : '')
      break
    case 'rollout-advance':
    case 'rollout-hold':
    case 'rollout-abort':
    case 'rollout-complete':
    case 'rollout-alert':
      what = rolloutText(event, severity, model, stage, version)
      break
    default:
      what = monitorText(event, severity, model, stage, version)
  }
  const parts = [`ModelGate: ${what}${by}`]
  const reason = event.reason?.replace(/\s+/g, ' ').trim()
  if (reason) parts.push(`reason: “${escapeSlack(truncate(reason, MAX_REASON))}”`)
  const pr = pullRequestLabel(event)
  if (pr) parts.push(pr)
  const run = event.runUrl && slackLink(event.runUrl, 'run')
  if (run) parts.push(run)
  return parts.join(' · ')
}

const ICON: Record<Severity, string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:'
}

/** A monitor verdict in one line; the breached triggers named, their values in `reason`. */
function monitorText(
  event: NotificationEvent,
  severity: Severity,
  model: string,
  stage: string,
  version: string
) {
  const icon = ICON[severity]
  const breached = (event.monitor?.triggers ?? [])
    .filter(t => t.verdict === 'breach')
    .map(t => escapeSlack(t.name))
  const triggers = breached.length > 0 ? `: breached ${breached.join(', ')}` : ''
  switch (event.action) {
    case 'automatic-rollback':
      return `${icon} ${model} ${stage} rolled back automatically to ${version}${event.previous !== undefined ? ` (from ${code(event.previous)})` : ''}${triggers}`
    case 'recovery-failed':
      return `${icon} ${model} ${version}, restored in ${stage} by an automatic rollback, did not recover${triggers}: a person must decide`
    case 'breach-not-rolled-back':
      return `${icon} ${model} ${version} breached in ${stage} and was not rolled back${triggers}${event.monitor?.detail ? ` (${escapeSlack(truncate(event.monitor.detail, MAX_REASON))})` : ''}`
    case 'breach-alert':
      return `${icon} ${model} ${version} breached in ${stage} (alert only)${triggers}`
    case 'inconclusive':
      return `${icon} ${model} ${version} in ${stage}: monitoring inconclusive since ${event.monitor?.since ?? '?'}`
    default:
      return `${icon} ${model} ${version}: the watch of ${stage} ended ${event.monitor?.verdict ?? 'healthy'}`
  }
}

/**
 * A rollout step `monitor` took, in one line: the share before and after, the breached triggers
 * of an abort (their values are in `reason`), the stage a completed rollout was promoted to.
 */
function rolloutText(
  event: NotificationEvent,
  severity: Severity,
  model: string,
  stage: string,
  version: string
): string {
  const icon = ICON[severity]
  const facts = event.rollout
  const canary = facts?.type !== 'shadow'
  const percent = facts?.percent ?? 0
  const breached = (event.monitor?.triggers ?? [])
    .filter(t => t.verdict === 'breach')
    .map(t => escapeSlack(t.name))
  switch (event.action) {
    case 'rollout-advance':
      return `${icon} ${model} ${version} advanced in ${stage} from ${facts?.from ?? '?'}% to ${percent}%`
    case 'rollout-hold':
      return `${icon} ${model} ${version} held in ${stage}${canary ? ` at ${percent}%` : ''} (inconclusive)`
    case 'rollout-abort':
      return (
        `${icon} ${model} ${version} aborted in ${stage}` +
        (canary ? ` at ${facts?.from ?? '?'}%, traffic now 0%` : '') +
        (breached.length > 0 ? `: breached ${breached.join(', ')}` : '')
      )
    case 'rollout-alert':
      return (
        `${icon} ${model} ${version} breached in ${stage}${canary ? ` at ${percent}%` : ''} (alert only, not aborted)` +
        (breached.length > 0 ? `: breached ${breached.join(', ')}` : '') +
        ': a person must act'
      )
    default:
      return `${icon} ${model} ${version}: rollout in ${stage} complete${facts?.into !== undefined ? `, promoted to *${escapeSlack(facts.into)}*` : ''}`
  }
}

function was(previous: string | undefined): string {
  return previous === undefined ? '' : ` (was ${code(previous)})`
}

function pullRequestLabel(event: NotificationEvent): string | undefined {
  if (!event.pullRequest) return undefined
  const label = `${escapeSlack(event.repository ?? '')}#${event.pullRequest.number}`
  return (event.pullRequest.url && slackLink(event.pullRequest.url, label)) || label
}

/** `<url|label>`, or nothing for a URL Slack cannot link (not http(s), or with `|`, `<`, `>`, spaces). */
function slackLink(url: string, label: string): string | undefined {
  if (!/^https?:\/\/[^\s<>|]+$/i.test(url)) return undefined
  return `<${url.replace(/&/g, '&amp;')}|${label}>`
}

/** Slack's three control characters, as Slack asks: nothing else is entity-encoded. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** An inline code span; a backtick inside would end it early. */
function code(text: string): string {
  return `\`${escapeSlack(text.replace(/`/g, "'"))}\``
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * The log lines of a webhook post (notify/webhook.ts), naming the input and the host only: the
 * URL's path and query can hold its secret. Made unable to act as a workflow command.
 */
export const webhookLines = {
  /** A notification not sent: never a failed run. */
  notSent: (input: string, problem: string): string =>
    neutraliseCommands(`${input}: ${problem}; no notification sent (this does not fail the run)`),
  /** A first attempt that failed in a way worth one more. */
  retrying: (input: string, host: string, problem: string): string =>
    neutraliseCommands(`${input}: ${host}: ${problem}; retrying once`),
  /** Delivered. */
  sent: (input: string, host: string, status: number | undefined): string =>
    neutraliseCommands(`${input}: notified ${host} (HTTP ${status})`)
}
