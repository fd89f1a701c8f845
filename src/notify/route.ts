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

/** The CLI's environment variables for the routes: secrets stay out of argv and shell history. */
export const WEBHOOK_ENV: Record<keyof WebhookRoutes, string> = {
  default: 'MODELGATE_NOTIFY_WEBHOOK',
  critical: 'MODELGATE_NOTIFY_WEBHOOK_CRITICAL',
  warning: 'MODELGATE_NOTIFY_WEBHOOK_WARNING',
  info: 'MODELGATE_NOTIFY_WEBHOOK_INFO'
}

/**
 * The routes from the environment, and the problems of each variable that is neither an
 * http(s) URL nor (per severity) `none`; a problem names the variable, never its value.
 */
export function webhookRoutesFromEnv(env: Record<string, string | undefined>): {
  routes: WebhookRoutes
  problems: string[]
} {
  const routes: WebhookRoutes = {}
  const problems: string[] = []
  for (const [key, name] of Object.entries(WEBHOOK_ENV) as [keyof WebhookRoutes, string][]) {
    const value = env[name]?.trim()
    if (!value) continue
    const none = key !== 'default' && value === NO_WEBHOOK
    if (!none && !/^https?:\/\/[^\s]+$/i.test(value)) {
      problems.push(`${name} must be an http(s) URL${key === 'default' ? '' : ` or ${NO_WEBHOOK}`}`)
      continue
    }
    routes[key] = value
  }
  return { routes, problems }
}
