import type { AuditRecord } from '../audit/record.js'
import { uploadAuditRecords, type AuditUploader } from '../audit/publish.js'
import { auditSummaryMarkdown, auditUploadWarning } from '../report/audit-summary.js'
import type { Logger } from '../log.js'
import type { WebhookRoutes } from '../notify/route.js'
import { sendNotifications } from '../notify/send.js'
import {
  type NotificationAction,
  type NotificationEvent,
  type WebhookFetch
} from '../notify/webhook.js'

export interface AfterRunOptions {
  /** `GITHUB_RUN_ID`, part of each audit artifact's name. */
  runId: string
  /** `GITHUB_RUN_ATTEMPT`. */
  attempt?: number
  /** `GITHUB_REPOSITORY`, for the notification. */
  repository?: string
  /** Uploads audit artifacts; absent outside a runner (nothing to upload to). */
  uploader?: AuditUploader
  /** The `notify-webhook` inputs, by severity. */
  webhooks?: WebhookRoutes
  /** Notifications the command asked for (a monitor's verdicts). */
  notifications?: readonly NotificationEvent[]
  fetch?: WebhookFetch
  /** Appends to the job summary. */
  summary: (markdown: string) => Promise<void>
  logger: Logger
}

/**
 * What a run leaves besides the registry: every audit record in the job summary and as a
 * workflow artifact, and webhook notifications (see {@link notifyAll}). Runs after the registry
 * write (or refusal), so nothing here can fail the step: problems are warnings.
 */
export async function afterRun(
  records: readonly AuditRecord[],
  options: AfterRunOptions
): Promise<void> {
  await publishRecords(records, options)
  await notifyAll(records, options)
}

async function publishRecords(
  records: readonly AuditRecord[],
  options: AfterRunOptions
): Promise<void> {
  if (records.length === 0) return
  const published = options.uploader
    ? await uploadAuditRecords(records, options.runId, options.uploader, options.attempt)
    : records.map(record => ({ record, problem: 'not running in GitHub Actions' }))
  for (const { problem, record } of published) {
    if (problem && options.uploader) {
      options.logger.warning(auditUploadWarning(record, problem))
    }
  }
  await options.summary(auditSummaryMarkdown(published))
}

/**
 * Sends each notification to its severity's webhook (route.ts): the command's own (a monitor's
 * verdicts) and one for every promotion and rollback written, unless the command already told
 * it (an automatic rollback is told by the monitor's notification, with its verdict). Best
 * effort: a webhook that fails is a warning.
 */
async function notifyAll(records: readonly AuditRecord[], options: AfterRunOptions): Promise<void> {
  const routes = options.webhooks
  if (!routes) return
  const told = options.notifications ?? []
  const fromRecords = records
    .map(record => recordEvent(record, options.repository))
    .filter((event): event is NotificationEvent => event !== undefined)
    .filter(
      event =>
        !told.some(
          t =>
            t.action === event.action &&
            t.model === event.model &&
            t.stage === event.stage &&
            t.version === event.version
        )
    )
  await sendNotifications([...told, ...fromRecords], routes, {
    logger: options.logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.repository ? { repository: options.repository } : {})
  })
}

/** The notification of a promotion or rollback written, from its audit record. */
function recordEvent(
  record: AuditRecord,
  repository: string | undefined
): NotificationEvent | undefined {
  const action = notificationAction(record)
  if (!action || !record.version) return undefined
  const decision =
    record.decision === 'rolled-back' || record.decision === 'denied' ? undefined : record.decision
  return {
    action,
    model: record.model,
    version: record.version,
    stage: record.to,
    ...(record.previous ? { previous: record.previous } : {}),
    actor: record.actor,
    ...(record.reason ? { reason: record.reason } : {}),
    ...(decision ? { decision } : {}),
    ...(record.runUrl ? { runUrl: record.runUrl } : {}),
    ...(record.pullRequest
      ? {
          pullRequest: {
            number: record.pullRequest.number,
            ...(record.pullRequest.url ? { url: record.pullRequest.url } : {})
          }
        }
      : {}),
    ...(repository ? { repository } : {}),
    at: new Date(record.timestamp)
  }
}

function notificationAction(record: AuditRecord): NotificationAction | undefined {
  if (!record.written) return undefined
  switch (record.kind) {
    case 'promotion':
      return 'promoted'
    case 'forced-promotion':
      return 'force-promoted'
    case 'rollback':
      return 'rolled-back'
    case 'automatic-rollback':
      return 'automatic-rollback'
    default:
      return undefined
  }
}
