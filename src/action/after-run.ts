import type { AuditRecord } from '../audit/record.js'
import { uploadAuditRecords, type AuditUploader } from '../audit/publish.js'
import { auditSummaryMarkdown } from '../report/audit-summary.js'
import type { Logger } from '../log.js'
import {
  notificationFor,
  postNotification,
  type NotificationAction,
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
  /** The `notify-webhook` input. */
  webhook?: string
  fetch?: WebhookFetch
  /** Appends to the job summary. */
  summary: (markdown: string) => Promise<void>
  logger: Logger
}

/**
 * What a run leaves besides the registry: every audit record in the job summary and as a
 * workflow artifact, and a webhook notification for every promotion and rollback written. Runs
 * after the registry write (or refusal), so nothing here can fail the step: problems are
 * warnings.
 */
export async function afterRun(
  records: readonly AuditRecord[],
  options: AfterRunOptions
): Promise<void> {
  if (records.length === 0) return
  const published = options.uploader
    ? await uploadAuditRecords(records, options.runId, options.uploader, options.attempt)
    : records.map(record => ({ record, problem: 'not running in GitHub Actions' }))
  for (const { problem, record } of published) {
    if (problem && options.uploader) {
      options.logger.warning(
        `The audit record of ${record.model} ${record.version ?? ''} was not uploaded as an artifact: ${problem}. It is in the job summary${record.written ? ' and the registry' : ''}.`
      )
    }
  }
  await options.summary(auditSummaryMarkdown(published))
  if (!options.webhook) return
  for (const record of records) {
    const action = notificationAction(record)
    if (!action || !record.version) continue
    const decision =
      record.decision === 'rolled-back' || record.decision === 'denied'
        ? undefined
        : record.decision
    const payload = notificationFor({
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
      ...(options.repository ? { repository: options.repository } : {}),
      at: new Date(record.timestamp)
    })
    await postNotification(options.webhook, payload, {
      logger: options.logger,
      ...(options.fetch ? { fetch: options.fetch } : {})
    })
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
    case 'automatic-rollback':
      return 'rolled-back'
    default:
      return undefined
  }
}
