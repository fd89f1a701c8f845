import { auditRecordOf } from '../audit/record.js'
import { ExitCode, NotFoundError } from '../errors.js'
import type { ModelStatus, RegistryEvent } from '../registry/port.js'
import { escape, recordOutcome } from '../report/markdown.js'
import type { CommandOutcome, RegistryContext } from './registry-context.js'

/** `modelgate status`: who holds each stage, since when, assigned by whom. */
export async function status(
  context: Pick<RegistryContext, 'registry'>,
  model?: string
): Promise<CommandOutcome> {
  const models = await context.registry.status(model)
  if (model && models.length === 0)
    throw new NotFoundError(`No model named ${model} in the registry`)
  return {
    markdown: renderStatus(models),
    json: JSON.stringify(models, null, 2),
    exitCode: ExitCode.Pass
  }
}

export function renderStatus(models: readonly ModelStatus[]): string {
  if (models.length === 0) return 'The registry holds no models yet.\n'
  const rows = models.flatMap(entry =>
    entry.stages.length === 0
      ? [`| ${escape(entry.model)} | — | — | — | — |`]
      : entry.stages.map(
          holder =>
            `| ${escape(entry.model)}${entry.deprecated ? ' (deprecated)' : ''} | ${escape(holder.stage)} | ${escape(holder.version)}${holder.dangling ? ' (deleted: dangling alias)' : ''} | ${isoSeconds(holder.assignedAt)} | ${escape(holder.assignedBy)} |`
        )
  )
  // Holders decided among assignments made in the same second (by other tools).
  const ties = models.flatMap(entry =>
    entry.stages.flatMap(holder =>
      holder.sameSecondAs?.length
        ? [
            `- ${escape(entry.model)} ${escape(holder.stage)}: ${escape(holder.version)} was assigned in the same second as ${holder.sameSecondAs.map(escape).join(', ')}; the order within that second is ambiguous, GTO 1.10 shows ${escape(holder.version)} (it breaks such ties by registration order), and so does ModelGate.`
          ]
        : []
    )
  )
  return (
    ['| Model | Stage | Version | Since | By |', '| :-- | :-- | :-- | :-- | :-- |', ...rows].join(
      '\n'
    ) +
    '\n' +
    (ties.length > 0 ? `\n${ties.join('\n')}\n` : '')
  )
}

export interface HistoryFilter {
  /** Only events at or after this time. */
  since?: Date
  stage?: string
}

/** `modelgate history`: every event, newest first, from the registry alone. */
export async function history(
  context: Pick<RegistryContext, 'registry'>,
  model: string | undefined,
  filter: HistoryFilter = {}
): Promise<CommandOutcome> {
  const events = (await context.registry.history(model)).filter(
    event =>
      (!filter.since || event.at >= filter.since) && (!filter.stage || event.stage === filter.stage)
  )
  if (model && events.length === 0 && !filter.since && !filter.stage) {
    throw new NotFoundError(`No model named ${model} in the registry`)
  }
  return {
    markdown: renderHistory(events),
    json: JSON.stringify(events, null, 2),
    exitCode: ExitCode.Pass
  }
}

/**
 * The trail as a table, newest first: each event with the audit record ModelGate stored with
 * it (decision, previous holder, pull request and approvers, reason) when there is one.
 */
export function renderHistory(events: readonly RegistryEvent[]): string {
  if (events.length === 0) return 'No events.\n'
  const rows = events.map(event => {
    const record = auditRecordOf(event.audit)
    const pr = record?.pullRequest
    const approvers = pr?.approvers.map(approver => approver.login).join(', ')
    const cells = [
      isoSeconds(event.at),
      escape(event.model),
      event.kind,
      escape(event.version ?? '—'),
      escape(event.stage ?? '—'),
      escape(event.by),
      record ? recordOutcome(record) : '—',
      escape(record?.previous ?? '—'),
      pr ? `#${pr.number}${approvers ? ` (${escape(approvers)})` : ''}` : '—',
      escape(record?.reason ?? event.summary ?? '')
    ]
    return `| ${cells.join(' | ')} |`
  })
  return (
    [
      '| When (UTC) | Model | Event | Version | Stage | By | Decision | Previous | Pull request | Reason / summary |',
      '| :-- | :-- | :-- | :-- | :-- | :-- | :-- | :-- | :-- | :-- |',
      ...rows
    ].join('\n') + '\n'
  )
}

function isoSeconds(date: Date): string {
  // A registry that keeps no date for an assignment (an MLflow alias set by hand).
  if (Number.isNaN(date.getTime())) return 'unknown'
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')
}
