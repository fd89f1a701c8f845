/**
 * `modelgate report`: a compliance report of a time window, read from the registry alone (its
 * events and current holders, through the port): the promotions and forced promotions with
 * their approvers, the rollbacks (automatic by `monitor`, or by hand), how long each version held
 * each stage within the window, and the stage changes ModelGate did not make. A stage event
 * without a ModelGate record of its own (a hand-made `git tag` in GTO's format, a GTO-made
 * assignment, an MLflow alias set outside ModelGate, or a tag whose message copies another
 * event's record: registry/git/tag-audit.ts) is such a change, and makes the report exit 1 so a
 * scheduled job can alert on it.
 */
import { auditRecordOf, type AuditRecord } from '../audit/record.js'
import { ExitCode, InvalidInputError, NotFoundError } from '../errors.js'
import type { ModelStatus, RegistryEvent } from '../registry/port.js'
import type {
  ComplianceReport,
  PromotionEntry,
  RollbackEntry,
  StageTime,
  UnrecordedChange
} from '../report/compliance.js'
import type { CommandResult, RegistryContext } from './registry-context.js'

export interface ReportRequest {
  model?: string
  /** The window: events at or after `since` and before `until`. */
  since: Date
  until: Date
}

export interface ReportOutcome extends CommandResult {
  report: { command: 'report'; compliance: ComplianceReport }
  compliance: ComplianceReport
}

/** `modelgate report`: exit 0 when every stage change in the window was ModelGate's, else 1. */
export async function complianceReport(
  context: Pick<RegistryContext, 'registry' | 'now'>,
  request: ReportRequest
): Promise<ReportOutcome> {
  const { since, until, model } = request
  if (until.getTime() <= since.getTime()) {
    throw new InvalidInputError(
      `--until (${until.toISOString()}) must be later than --since (${since.toISOString()})`
    )
  }
  const [events, holders] = await Promise.all([
    context.registry.history(model),
    context.registry.status(model)
  ])
  if (model && events.length === 0 && holders.length === 0) {
    throw new NotFoundError(`No model named ${model} in the registry`)
  }
  const end = new Date(Math.min(until.getTime(), context.now().getTime()))
  const compliance = buildReport(events, holders, { model, since, until, end })
  return {
    report: { command: 'report', compliance },
    exitCode: compliance.unrecorded.length > 0 ? ExitCode.PassWithWarnings : ExitCode.Pass,
    compliance
  }
}

interface Window {
  model: string | undefined
  since: Date
  until: Date
  /** Where time in a stage stops counting: `until`, or now when that is earlier. */
  end: Date
}

/** The report from the registry's events (newest first, as `history` gives them) and holders. */
export function buildReport(
  events: readonly RegistryEvent[],
  holders: readonly ModelStatus[],
  window: Window
): ComplianceReport {
  const oldestFirst = [...events].reverse()
  const inWindow = (at: Date) => at >= window.since && at < window.until
  const stageEvents = oldestFirst.filter(
    event =>
      (event.kind === 'assignment' || event.kind === 'unassignment') && event.stage !== undefined
  )
  const promotions: PromotionEntry[] = []
  const rollbacks: RollbackEntry[] = []
  const unrecorded: UnrecordedChange[] = []
  const seenRollbacks = new Set<string>()
  for (const event of stageEvents.filter(e => inWindow(e.at))) {
    if (event.audit === undefined) {
      unrecorded.push({
        at: event.at,
        model: event.model,
        stage: event.stage as string,
        kind: event.kind === 'assignment' ? 'assignment' : 'unassignment',
        ...(event.version === undefined ? {} : { version: event.version }),
        by: event.by,
        id: event.id
      })
      continue
    }
    const record = auditRecordOf(event.audit)
    if (!record || !record.written) continue
    if (
      (record.kind === 'promotion' || record.kind === 'forced-promotion') &&
      event.kind === 'assignment'
    ) {
      promotions.push(promotionOf(event, record))
    } else if (record.kind === 'rollback' || record.kind === 'automatic-rollback') {
      // A rollback writes two events (the holder out, the restored version in), one record.
      const key = `${record.model}\u0000${record.to}\u0000${record.timestamp}`
      if (seenRollbacks.has(key)) continue
      seenRollbacks.add(key)
      rollbacks.push(rollbackOf(event, record))
    }
  }
  // A holder with no record whose assignment is not among the events read (an MLflow alias set
  // by hand: MLflow keeps no history of aliases, nor when one was set).
  const listed = new Set(unrecorded.map(change => change.id))
  for (const entry of holders) {
    for (const holder of entry.stages) {
      if (holder.audit !== undefined || listed.has(holder.eventId)) continue
      const known = !Number.isNaN(holder.assignedAt.getTime())
      if (known && (!inWindow(holder.assignedAt) || events.some(e => e.id === holder.eventId)))
        continue
      unrecorded.push({
        at: holder.assignedAt,
        model: entry.model,
        stage: holder.stage,
        kind: 'holder',
        version: holder.version,
        by: holder.assignedBy,
        id: holder.eventId
      })
    }
  }
  return {
    ...(window.model === undefined ? {} : { model: window.model }),
    since: window.since,
    until: window.until,
    promotions,
    rollbacks,
    stageTime: stageTimes(stageEvents, window),
    unrecorded
  }
}

function promotionOf(event: RegistryEvent, record: AuditRecord): PromotionEntry {
  return {
    at: event.at,
    model: event.model,
    stage: record.to,
    version: record.version ?? event.version ?? '',
    from: record.from,
    previous: record.previous,
    forced: record.kind === 'forced-promotion',
    actor: record.actor,
    approvers: record.pullRequest?.approvers.map(approver => approver.login) ?? [],
    ...(record.pullRequest ? { pullRequest: record.pullRequest.number } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
    id: event.id
  }
}

function rollbackOf(event: RegistryEvent, record: AuditRecord): RollbackEntry {
  return {
    at: event.at,
    model: event.model,
    stage: record.to,
    restored: record.version,
    removed: record.previous,
    automatic: record.kind === 'automatic-rollback',
    actor: record.actor,
    ...(record.reason ? { reason: record.reason } : {}),
    id: event.id
  }
}

/**
 * How long each version held each stage within the window, replaying the stage events oldest
 * first: a stage's holder is the version assigned to it last and not taken out since (as
 * `status` reads it); when the holder is taken out, the latest earlier one still in it holds it.
 */
function stageTimes(events: readonly RegistryEvent[], window: Window): StageTime[] {
  const totals = new Map<string, StageTime>()
  const byStage = new Map<string, RegistryEvent[]>()
  for (const event of events) {
    const key = `${event.model}\u0000${event.stage}`
    byStage.set(key, [...(byStage.get(key) ?? []), event])
  }
  const add = (
    model: string,
    stage: string,
    version: string,
    from: Date,
    to: Date,
    now: boolean
  ) => {
    const start = Math.max(from.getTime(), window.since.getTime())
    const stop = Math.min(to.getTime(), window.end.getTime())
    if (stop <= start) return
    const key = `${model}\u0000${stage}\u0000${version}`
    const entry = totals.get(key) ?? { model, stage, version, ms: 0, holdsAtEnd: false }
    entry.ms += stop - start
    if (now) entry.holdsAtEnd = true
    totals.set(key, entry)
  }
  for (const stageEvents of byStage.values()) {
    const inStage: string[] = []
    let holder: { version: string; since: Date } | undefined
    const { model, stage } = stageEvents[0] as RegistryEvent & { stage: string }
    for (const event of stageEvents) {
      if (event.at >= window.end) break
      if (event.version === undefined) continue
      const at = inStage.indexOf(event.version)
      if (at >= 0) inStage.splice(at, 1)
      if (event.kind === 'assignment') inStage.push(event.version)
      const next = inStage.at(-1)
      if (next === holder?.version) continue
      if (holder) add(model, stage, holder.version, holder.since, event.at, false)
      holder = next === undefined ? undefined : { version: next, since: event.at }
    }
    if (holder) add(model, stage, holder.version, holder.since, window.end, true)
  }
  return [...totals.values()].sort(
    (a, b) => a.model.localeCompare(b.model) || a.stage.localeCompare(b.stage) || b.ms - a.ms
  )
}
