/**
 * Sends notifications, each to its severity's webhook (route.ts), one after the other. Best
 * effort: {@link postNotification} never throws, and a failure is a warning in the logger.
 */
import type { Logger } from '../log.js'
import { webhookFor, type WebhookRoutes } from './route.js'
import {
  notificationFor,
  postNotification,
  type NotificationEvent,
  type WebhookFetch
} from './webhook.js'

export async function sendNotifications(
  events: readonly NotificationEvent[],
  routes: WebhookRoutes,
  options: { logger: Logger; fetch?: WebhookFetch; repository?: string }
): Promise<void> {
  for (const event of events) {
    const repository = event.repository ?? options.repository
    const payload = notificationFor({ ...event, ...(repository ? { repository } : {}) })
    const route = webhookFor(routes, payload.modelgate.severity)
    if (!route) continue
    await postNotification(route.url, payload, {
      logger: options.logger,
      input: route.input,
      ...(options.fetch ? { fetch: options.fetch } : {})
    })
  }
}
