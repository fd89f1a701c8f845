/**
 * Which webhook a notification goes to, by its severity: `notify-webhook-<severity>` when given,
 * else `notify-webhook`; `none` for a severity sends nothing of it (e.g. no `info` to the
 * on-call channel that `notify-webhook` names). Pure.
 */
import type { Severity } from './webhook.js'

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info']

/** The word that turns a severity off. */
export const NO_WEBHOOK = 'none'

export interface WebhookRoutes {
  /** `notify-webhook`: every severity without its own. */
  default?: string
  critical?: string
  warning?: string
  info?: string
}

export interface WebhookRoute {
  url: string
  /** The input the URL came from, for messages (never the URL: it is a secret). */
  input: string
}

export function webhookFor(routes: WebhookRoutes, severity: Severity): WebhookRoute | undefined {
  const own = routes[severity]
  if (own === NO_WEBHOOK) return undefined
  if (own) return { url: own, input: `notify-webhook-${severity}` }
  return routes.default ? { url: routes.default, input: 'notify-webhook' } : undefined
}

/** Every URL of the routes (not `none`): the secrets to mask. */
export function webhookUrls(routes: WebhookRoutes): string[] {
  return [routes.default, ...SEVERITIES.map(s => routes[s])].filter(
    (url): url is string => url !== undefined && url !== '' && url !== NO_WEBHOOK
  )
}
