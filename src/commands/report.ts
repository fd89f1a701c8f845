/**
 * `modelgate report`: a compliance report of a time window, read from the registry alone (its
 * events and current holders, through the port): the promotions and forced promotions with
 * their approvers, the rollbacks (automatic by `monitor`, or by hand), the rollout steps, how
 * long each version held each stage within the window, and the changes ModelGate did not make:
 * an event that audit/made-by.ts does not judge ModelGate's (a hand-made `git tag` in GTO's
 * format, a GTO-made assignment, an MLflow alias set outside ModelGate, a message with no record
 * of a write that fits it, a copied record: registry/git/tag-audit.ts), every deregistration and
 * deprecation, and a current holder of that kind whatever its date. Events dated in the future
 * or out of step with the registry's count are flagged too. Any of these makes the report exit 1
 * so a scheduled job can alert on it.
 */
import { madeByModelGate } from '../audit/made-by.js'
import { auditRecordOf, type AuditRecord } from '../audit/record.js'
import { ExitCode, InvalidInputError, NotFoundError } from '../errors.js'
import type { ModelStatus, RegistryEvent } from '../registry/port.js'
import type {
  ComplianceReport,
  DoubtfulDate,
  PromotionEntry,
  RollbackEntry,
  StageTime,
  UnrecordedChange
} from '../report/compliance.js'
import { utcSeconds } from '../report/registry-tables.js'
import { stepOfEvent } from '../rollout/steps.js'
import type { RolloutStep } from '../rollout/step-types.js'
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
  const now = context.now()
  const compliance = buildReport(events, holders, { model, since, until, end, now })
  const doubts = compliance.unrecorded.length + compliance.doubtfulDates.length
  return {
    report: { command: 'report', compliance },
    exitCode: doubts > 0 ? ExitCode.PassWithWarnings : ExitCode.Pass,
    compliance
  }
}

interface Window {
  model: string | undefined
  since: Date
  until: Date
  /** Where time in a stage stops counting: `until`, or now when that is earlier. */
  end: Date
  now: Date
}

/** The registry events the report judges: stage changes, deregistrations and deprecations. */
function watched(event: RegistryEvent): boolean {
  if (event.kind === 'deregistration' || event.kind === 'deprecation') return true
  return (event.kind === 'assignment' || event.kind === 'unassignment') && event.stage !== undefined
}

/** The report from the registry's events (newest first, as `history` gives them) and holders. */
export function buildReport(
  events: readonly RegistryEvent[],
  holders: readonly ModelStatus[],
  window: Window
): ComplianceReport {
  const oldestFirst = [...events].reverse()
  const inWindow = (at: Date) => at >= window.since && at < window.until
  const promotions: PromotionEntry[] = []
  const rollbacks: RollbackEntry[] = []
  const rolloutSteps: RolloutStep[] = []
  const unrecorded: UnrecordedChange[] = []
  const seenRollbacks = new Set<string>()
  for (const event of oldestFirst.filter(e => watched(e) && inWindow(e.at))) {
    if (!madeByModelGate(event, events)) {
      unrecorded.push({
        at: event.at,
        model: event.model,
        ...(event.stage === undefined ? {} : { stage: event.stage }),
        kind: event.kind as UnrecordedChange['kind'],
        ...(event.version === undefined ? {} : { version: event.version }),
        by: event.by,
        id: event.id
      })
      continue
    }
    const step = stepOfEvent(event)
    if (step) {
      rolloutSteps.push(step)
      continue
    }
    const record = auditRecordOf(event.audit)
    if (!record) continue // a removal that made way for a version: its assignment is listed
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
  // A current holder whose assignment ModelGate did not make, whenever it is dated: a date is
  // whatever the tag's maker set (2020, 2030), and an MLflow alias set by hand has none at all.
  const listed = new Set(unrecorded.map(change => change.id))
  for (const entry of holders) {
    for (const holder of entry.stages) {
      if (listed.has(holder.eventId)) continue
      const assignment = {
        kind: 'assignment',
        model: entry.model,
        version: holder.version,
        stage: holder.stage,
        at: holder.assignedAt,
        by: holder.assignedBy,
        id: holder.eventId,
        ...(holder.audit === undefined ? {} : { audit: holder.audit })
      }
      // Judged by its event in the history when there (an MLflow holder's own facts may be a
      // journal entry's, without the record the history reads).
      const event = events.find(e => e.id === holder.eventId)
      if (event ? madeByModelGate(event, events) : madeByModelGate(assignment)) continue
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
    rolloutSteps,
    stageTime: stageTimes(oldestFirst, window),
    unrecorded,
    doubtfulDates: doubtfulDates(oldestFirst, window.now)
  }
}

/**
 * Events dated later than `now`, or earlier than an event of the same model with a lower count
 * (`sequence`, git's `#N`: ModelGate dates each tag after the artifact's latest event, so its
 * own tags never fall out of step). All of the registry's events, not only the window's: such a
 * date is how a change is moved out of a window.
 */
function doubtfulDates(oldestFirst: readonly RegistryEvent[], now: Date): DoubtfulDate[] {
  const doubtful = new Map<RegistryEvent, string>()
  for (const event of oldestFirst) {
    if (event.at.getTime() > now.getTime()) {
      doubtful.set(event, `dated in the future (now is ${utcSeconds(now)})`)
    }
  }
  const models = new Set(oldestFirst.map(event => event.model))
  for (const model of models) {
    const counted = oldestFirst
      .filter(e => e.model === model && e.sequence !== undefined)
      .sort((a, b) => (a.sequence as number) - (b.sequence as number))
    let latest: RegistryEvent | undefined
    for (const event of counted) {
      if (latest && event.at.getTime() < latest.at.getTime() && !doubtful.has(event)) {
        doubtful.set(
          event,
          `dated before ${latest.id} (#${latest.sequence}, ${utcSeconds(latest.at)}), which was counted before it`
        )
      }
      if (!latest || event.at.getTime() > latest.at.getTime()) latest = event
    }
  }
  return oldestFirst.flatMap(event => {
    const why = doubtful.get(event)
    if (why === undefined) return []
    return [
      {
        at: event.at,
        model: event.model,
        kind: event.kind,
        ...(event.stage === undefined ? {} : { stage: event.stage }),
        ...(event.version === undefined ? {} : { version: event.version }),
        by: event.by,
        id: event.id,
        why
      }
    ]
  })
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
 * How long each version held each stage within the window, replaying the registry's events
 * oldest first: a stage's holder is the version assigned to it last and not taken out since (as
 * `status` reads it); when the holder is taken out, the latest earlier one still in it holds it.
 * A deregistration takes the version out of every stage, for good.
 */
function stageTimes(events: readonly RegistryEvent[], window: Window): StageTime[] {
  const totals = new Map<string, StageTime>()
  const stages = new Map<string, { model: string; stage: string }>()
  for (const event of events) {
    if (event.kind !== 'assignment' && event.kind !== 'unassignment') continue
    if (event.stage === undefined) continue
    stages.set(`${event.model}\u0000${event.stage}`, { model: event.model, stage: event.stage })
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
  for (const { model, stage } of stages.values()) {
    const inStage: string[] = []
    const deregistered = new Set<string>()
    let holder: { version: string; since: Date } | undefined
    for (const event of events) {
      if (event.model !== model || event.version === undefined) continue
      const moves =
        (event.kind === 'assignment' || event.kind === 'unassignment') && event.stage === stage
      if (!moves && event.kind !== 'deregistration') continue
      if (event.at >= window.end) break
      const at = inStage.indexOf(event.version)
      if (at >= 0) inStage.splice(at, 1)
      if (event.kind === 'deregistration') deregistered.add(event.version)
      if (event.kind === 'assignment' && !deregistered.has(event.version)) {
        inStage.push(event.version)
      }
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
