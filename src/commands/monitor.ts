import { monitorEvidence, type MonitorEvidence } from '../audit/monitor-evidence.js'
import { auditRecordOf, type AuditRecord } from '../audit/record.js'
import { ExitCode, InvalidInputError, NotFoundError } from '../errors.js'
import { evaluateTrigger, type TriggerEvaluation } from '../monitor/evaluate.js'
import { monitorNotice } from '../monitor/notice.js'
import type { NotificationEvent } from '../notify/webhook.js'
import type { PlaceholderValues } from '../monitor/promql.js'
import { MetricQueryError, type MetricSource } from '../monitor/types.js'
import { watchWindow, type WatchWindow } from '../monitor/window.js'
import { durationMs, type MonitorPolicy } from '../policy/monitor.js'
import type { Policy } from '../policy/schema.js'
import type { RegistryEvent, StageHolder } from '../registry/port.js'
import { storedPullRequest } from '../registry/stored-audit.js'
import {
  breachReason,
  inconclusiveWarnings,
  type IdleReason,
  type MonitorReport,
  type MonitorAction,
  type StageMonitorResult,
  type StageVerdict
} from '../report/monitor.js'
import type { CommandResult, RegistryContext } from './registry-context.js'
import { StageChangedHandsError, rollback } from './rollback.js'
import { driveRollout, drivenRollouts, nothingToDrive, rolloutExitCode } from './monitor-rollout.js'
import { rolloutNotifications, stageNotifications } from './monitor-notifications.js'
import { heldWarnings, type RolloutDriveResult } from '../report/monitor-rollout.js'

/**
 * `modelgate monitor`: each watched stage's holder judged on live metrics, from its promotion
 * (or, after an automatic rollback, from that rollback) to the evaluation time. Runs keep no
 * state: what a run does follows from the registry (holder, its audit record, earlier automatic
 * rollbacks) and the source's range data, so a re-run reads the same and writes nothing new.
 *
 * Fail-closed: no data, NaN, infinities and source failures are inconclusive (never healthy,
 * never a rollback unless a trigger says `no_data: breach`). A breach rolls back through the
 * rollback command (kind `automatic-rollback`, the evidence in its audit record) only when the
 * stage has an earlier holder that was not itself taken out, and fewer than
 * `max_automatic_rollbacks` were made within one `watch_for`; otherwise it alerts.
 */

export interface MonitorOptions {
  policy: Policy
  model: string
  /** One stage; default every stage with a `monitor:` block. */
  stage?: string
  /** The evaluation time; default the context's now. */
  at?: Date
  dryRun?: boolean
  /** The policy's file, named when the source refuses one of its queries. */
  policyFile?: string
  /** The metric source of a stage's monitor block, chosen at the composition root. */
  sourceFor: (monitor: MonitorPolicy, stage: string) => MetricSource
}

export interface MonitorOutcome extends CommandResult {
  report: { command: 'monitor'; report: MonitorReport }
  model: string
  stages: StageMonitorResult[]
  /** Range queries sent, over every stage (the bench counts them). */
  queries: number
  /** Notifications the verdicts call for, sent by the root (none on a dry run). */
  notifications: NotificationEvent[]
  /** Annotations the action shows for inconclusive stages, plain text. */
  warnings: string[]
}

/** Exit codes by severity: the run exits with its most severe stage's. */
const SEVERITY: ExitCode[] = [
  ExitCode.Pass,
  ExitCode.PassWithWarnings,
  ExitCode.MonitorRolledBack,
  ExitCode.MonitorNeedsPerson
]

export async function monitor(
  context: RegistryContext,
  options: MonitorOptions
): Promise<MonitorOutcome> {
  const watched = watchedStages(options)
  const now = context.now()
  const at = options.at ?? now
  if (at.getTime() > now.getTime()) {
    // Data after now does not exist yet: a future time would judge a window still filling.
    throw new InvalidInputError(
      `--at ${at.toISOString()} is in the future (now ${now.toISOString()})`
    )
  }
  const rollouts: RolloutDriveResult[] = []
  for (const [stage, rollout] of drivenRollouts(options.policy, options.stage)) {
    const refused = (error: MetricQueryError, where: string, trigger: string, key: string) =>
      queryRefused(error, where, trigger, key, options.policyFile)
    const drive = { ...options, at, dryRun: options.dryRun === true, refused }
    rollouts.push(await driveRollout(context, drive, stage, rollout))
  }
  const results: StageMonitorResult[] = []
  for (const [stage, policy] of watched) {
    const { result } = await monitorStage(context, options, at, stage, policy)
    const notice = monitorNotice(result, {
      at: at.getTime(),
      // The schema has checked both durations; the fallbacks keep this total for typed callers.
      warnInconclusiveAfterMs: durationMs(policy.warn_inconclusive_after) ?? 3600_000,
      runsEveryMs: durationMs(policy.runs_every) ?? 3600_000
    })
    if (notice) result.notice = notice
    results.push(result)
  }
  const exitCode = [...results.map(stageExitCode), ...rollouts.map(rolloutExitCode)].reduce(
    (worst, code) => (SEVERITY.indexOf(code) > SEVERITY.indexOf(worst) ? code : worst),
    ExitCode.Pass
  )
  return {
    report: {
      command: 'monitor',
      report: {
        model: options.model,
        at,
        dryRun: options.dryRun === true,
        stages: results,
        rollouts,
        exitCode
      }
    },
    exitCode,
    model: options.model,
    stages: results,
    queries: results.reduce((sum, r) => sum + r.queries, 0),
    warnings: [...inconclusiveWarnings(results), ...heldWarnings(rollouts)],
    // A dry run writes nothing and tells nobody: its report shows what would be notified.
    notifications:
      options.dryRun === true
        ? []
        : [
            ...results.flatMap(r => stageNotifications(context, options.model, r)),
            ...rolloutNotifications(context, options.model, rollouts)
          ]
  }
}

/** The stages to watch: `--stage` (which must have a monitor block), else every one that has. */
function watchedStages(options: MonitorOptions): [string, MonitorPolicy][] {
  const stages = options.policy.stages
  if (options.stage !== undefined) {
    if (!Object.hasOwn(stages, options.stage)) {
      throw new NotFoundError(
        `The policy has no stage "${options.stage}"; it defines ${Object.keys(stages).join(', ')}.`
      )
    }
    const block = stages[options.stage]?.monitor
    if (!block && drivenRollouts(options.policy, options.stage).length === 0) {
      throw nothingToDrive(options.stage)
    }
    return block ? [[options.stage, block]] : []
  }
  const all = Object.entries(stages).flatMap(([stage, s]): [string, MonitorPolicy][] =>
    s.monitor ? [[stage, s.monitor]] : []
  )
  if (all.length === 0 && drivenRollouts(options.policy).length === 0) {
    throw new InvalidInputError(
      `The policy for ${options.model} has no stage with a monitor: block or rollout triggers: nothing to watch.`
    )
  }
  return all
}

export function stageExitCode(result: StageMonitorResult): ExitCode {
  const { action, verdict } = result
  // Another run handled the breach first: as a re-run, nothing for this one.
  if (action.kind === 'rolled-back-by-another') return ExitCode.Pass
  if (action.kind === 'rollback') return ExitCode.MonitorRolledBack
  if (action.kind === 'alert') return ExitCode.MonitorNeedsPerson
  return verdict === 'inconclusive' ? ExitCode.PassWithWarnings : ExitCode.Pass
}

/** What the stage's holder is watched from: its promotion, or the automatic rollback that restored it. */
interface Watch {
  mode: 'watch' | 'recovery'
  holder: StageHolder
  /** When the watch starts: the assignment of the holder. */
  since: Date
  /** Baseline facts: the promotion record's metrics and the version before. */
  auditMetrics?: Record<string, number>
  previousVersion?: string
  /** Recovery: the baseline window lies before the breached version's promotion. */
  baselineEnd?: Date
}

async function monitorStage(
  context: RegistryContext,
  options: MonitorOptions,
  at: Date,
  stage: string,
  policy: MonitorPolicy
): Promise<{ result: StageMonitorResult; record?: AuditRecord }> {
  const { model } = options
  const holder = await context.registry.getStage(model, stage)
  const idle = (why: IdleReason): { result: StageMonitorResult } => ({
    result: {
      stage,
      mode: 'idle',
      verdict: 'not-watched',
      idle: why,
      triggers: [],
      action: { kind: 'none' },
      queries: 0,
      source: ''
    }
  })
  if (!holder) return idle({ kind: 'no-holder', model, stage })
  const history = await context.registry.history(model)
  const watch = await watchOf(context, model, stage, holder, history)
  // The schema has checked watch_for; the fallback keeps this total for typed callers.
  const watchForMs = durationMs(policy.watch_for) ?? 0
  const found = watchWindow(watch.since.getTime(), at.getTime(), watchForMs)
  if (!found) {
    return idle({ kind: 'entered-after', version: holder.version, stage })
  }
  const window = recoveryWindow(found, watch)
  const source = options.sourceFor(policy, stage)
  const values: PlaceholderValues = { model, version: holder.version, stage }
  const triggers: { name: string; evaluation: TriggerEvaluation }[] = []
  for (const [index, trigger] of policy.triggers.entries()) {
    const evaluation = await evaluateTrigger(source, trigger, {
      values,
      window,
      ...(watch.auditMetrics ? { auditMetrics: watch.auditMetrics } : {}),
      ...(watch.previousVersion ? { previousVersion: watch.previousVersion } : {})
    }).catch((error: unknown) => {
      if (error instanceof MetricQueryError) {
        const keyPath = `stages.${stage}.monitor.triggers[${index}].query`
        throw queryRefused(error, stage, trigger.name, keyPath, options.policyFile)
      }
      throw error
    })
    triggers.push({ name: trigger.name, evaluation })
  }
  const statuses = triggers.map(t => t.evaluation.verdict.status)
  const status = statuses.includes('breach')
    ? 'breach'
    : statuses.includes('inconclusive')
      ? 'inconclusive'
      : 'healthy'
  const verdict: StageVerdict =
    watch.mode === 'recovery'
      ? status === 'healthy'
        ? 'recovered'
        : status === 'breach'
          ? 'recovery-failed'
          : 'inconclusive'
      : status
  const result: StageMonitorResult = {
    stage,
    mode: watch.mode,
    holder: holder.version,
    since: watch.since,
    window,
    verdict,
    triggers: triggers.map(t => t.evaluation),
    action: { kind: 'none' },
    queries: triggers.reduce((sum, t) => sum + t.evaluation.queries, 0),
    source: source.description,
    ...(watch.previousVersion ? { previous: watch.previousVersion } : {})
  }
  if (verdict === 'recovery-failed') {
    result.action = {
      kind: 'alert',
      why: 'recovery-failed',
      version: holder.version,
      since: watch.since
    }
    return { result }
  }
  if (verdict !== 'breach') return { result }
  const breached = triggers.filter(t => t.evaluation.verdict.status === 'breach')
  const evidence = monitorEvidence({
    source: source.description,
    at,
    watched: {
      version: holder.version,
      since: watch.since,
      ...(watch.previousVersion ? { previous: watch.previousVersion } : {})
    },
    values,
    triggers
  })
  const reason = breachReason(
    model,
    stage,
    holder.version,
    breached.map(t => t.evaluation)
  )
  result.reason = reason
  if (!breached.some(t => t.evaluation.action === 'rollback')) {
    result.action = { kind: 'alert', why: 'action-alert' }
    return { result }
  }
  const decided = await rollbackDecision(context, {
    model,
    stage,
    holder,
    history,
    at,
    policy,
    watchForMs,
    reason,
    evidence,
    dryRun: options.dryRun === true
  })
  result.action = decided.action
  return { result, ...(decided.record ? { record: decided.record } : {}) }
}

/**
 * A query the source refused (a parse error): the policy's bug, the same on every run, so not
 * inconclusive but invalid input (exit 2), pointing at the trigger's query in the policy file.
 */
function queryRefused(
  error: MetricQueryError,
  stage: string,
  trigger: string,
  keyPath: string,
  file: string | undefined
): InvalidInputError {
  const where = file !== undefined ? `${file} (${keyPath})` : `the policy (${keyPath})`
  return new InvalidInputError(
    `ModelGate monitor: ${stage}, trigger "${trigger}": ${error.message}. Fix the query in ${where}.`,
    { cause: error, ...(file !== undefined ? { locations: [{ file, keyPath }] } : {}) }
  )
}

/**
 * Where the holder's watch starts and what its baselines are. A holder that an automatic
 * rollback put back is in recovery: watched from the rollback, against its own promotion's
 * record and its own values before the breached version came in.
 */
async function watchOf(
  context: RegistryContext,
  model: string,
  stage: string,
  holder: StageHolder,
  history: readonly RegistryEvent[]
): Promise<Watch> {
  const record = auditRecordOf(holder.audit)
  if (record?.kind === 'automatic-rollback' && record.version === holder.version) {
    const promotion = promotionRecordOf(history, stage, holder.version, holder.eventId)
    const breachedSince = record.monitor?.watched.since
    return {
      mode: 'recovery',
      holder,
      since: holder.assignedAt,
      ...(promotion ? { auditMetrics: promotion.metrics.candidate } : {}),
      // Its own values before the breached version came in are the baseline it must return to.
      previousVersion: holder.version,
      ...(breachedSince ? { baselineEnd: new Date(breachedSince) } : {})
    }
  }
  const previous =
    record && record.previous !== null && record.version === holder.version
      ? record.previous
      : previousAssigned(history, stage, holder)
  return {
    mode: 'watch',
    holder,
    since: holder.assignedAt,
    ...(record && record.kind !== 'rollback' ? { auditMetrics: record.metrics.candidate } : {}),
    ...(previous ? { previousVersion: previous } : {})
  }
}

/** In recovery, the baseline window ends just before the breached version's promotion. */
function recoveryWindow(window: WatchWindow, watch: Watch): WatchWindow {
  if (watch.baselineEnd === undefined) return window
  const length = window.watched.end - window.watched.start
  const end = watch.baselineEnd.getTime() - 1
  return { ...window, baseline: { start: end - length, end } }
}

/** The newest promotion record of `version` into `stage` before the event `beforeId`. */
function promotionRecordOf(
  history: readonly RegistryEvent[],
  stage: string,
  version: string,
  beforeId: string
): AuditRecord | undefined {
  let passed = false
  for (const event of history) {
    if (event.id === beforeId) passed = true
    if (!passed || event.kind !== 'assignment' || event.stage !== stage) continue
    if (event.version !== version) continue
    const record = auditRecordOf(event.audit)
    if (record && (record.kind === 'promotion' || record.kind === 'forced-promotion')) {
      return record
    }
  }
  return undefined
}

/** The version assigned to `stage` before the holder's assignment, from the history. */
function previousAssigned(
  history: readonly RegistryEvent[],
  stage: string,
  holder: StageHolder
): string | undefined {
  let passed = false
  for (const event of history) {
    if (event.id === holder.eventId) {
      passed = true
      continue
    }
    if (passed && event.kind === 'assignment' && event.stage === stage) {
      if (event.version !== undefined && event.version !== holder.version) return event.version
    }
  }
  return undefined
}

interface RollbackRequest {
  model: string
  stage: string
  holder: StageHolder
  history: readonly RegistryEvent[]
  at: Date
  policy: MonitorPolicy
  watchForMs: number
  reason: string
  evidence: MonitorEvidence
  dryRun: boolean
}

/**
 * Rolls the stage back, or says why it only alerts: the cap is reached, there is no earlier
 * holder, or the one the registry would restore was itself taken out of the stage.
 */
async function rollbackDecision(
  context: RegistryContext,
  request: RollbackRequest
): Promise<{ action: MonitorAction; record?: AuditRecord }> {
  const { model, stage, holder } = request
  const recent = automaticRollbacks(
    request.history,
    stage,
    request.at.getTime() - request.watchForMs
  )
  const cap = request.policy.max_automatic_rollbacks
  if (recent.length >= cap) {
    const last = recent[0]
    return {
      action: {
        kind: 'alert',
        why: 'cap-reached',
        stage,
        count: recent.length,
        cap,
        watchFor: request.policy.watch_for,
        ...(last ? { latest: { at: last.timestamp, from: last.previous } } : {})
      }
    }
  }
  let restored: string | undefined
  try {
    const preview = await rollback(context, {
      model,
      stage,
      fromVersion: holder.version,
      reason: request.reason,
      dryRun: true
    })
    // The stage changed hands since this run read it: a concurrent run rolled back first.
    if (preview.rolledBack.version !== holder.version) return byAnother(preview.rolledBack.version)
    restored = preview.restored
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    restored = undefined
  }
  if (restored === undefined) {
    return {
      action: {
        kind: 'alert',
        why: 'no-earlier-holder',
        model,
        stage
      }
    }
  }
  const removal = await context.registry.takenOutOf(model, restored, stage)
  if (removal) {
    return {
      action: {
        kind: 'alert',
        why: 'target-taken-out',
        version: restored,
        stage,
        at: removal.at
      }
    }
  }
  let outcome
  try {
    outcome = await rollback(context, {
      model,
      stage,
      fromVersion: holder.version,
      toVersion: restored,
      reason: request.reason,
      dryRun: request.dryRun,
      automatic: request.evidence
    })
  } catch (error) {
    // Lost the race at the write: the registry's revalidation found another holder.
    if (error instanceof StageChangedHandsError) return byAnother(error.holder)
    throw error
  }
  // Nothing written, not a dry run: the holder was already out when the rollback re-read.
  if (!outcome.written && !request.dryRun) {
    return byAnother((await context.registry.getStage(model, stage))?.version ?? null)
  }
  const pullRequest = storedPullRequest(holder.audit)
  return {
    action: {
      kind: 'rollback',
      restored: outcome.restored ?? restored,
      written: outcome.written,
      dryRun: request.dryRun,
      report: outcome.report.result,
      ...(pullRequest !== undefined ? { pullRequest } : {})
    }
  }
}

/** The breach another run handled first: nothing written, exit 0 as a re-run. */
function byAnother(holder: string | null): { action: MonitorAction } {
  return { action: { kind: 'rolled-back-by-another', holder } }
}

/** Automatic rollbacks of `stage` at or after `since` (Unix ms), newest first, one per rollback. */
function automaticRollbacks(
  history: readonly RegistryEvent[],
  stage: string,
  since: number
): AuditRecord[] {
  const seen = new Set<string>()
  const found: AuditRecord[] = []
  for (const event of history) {
    const record = auditRecordOf(event.audit)
    if (!record || record.kind !== 'automatic-rollback' || !record.written) continue
    if (record.to !== stage || Date.parse(record.timestamp) < since) continue
    // A rollback writes several events (the removal and the restore), each with the record.
    const key = `${record.timestamp} ${record.previous}`
    if (seen.has(key)) continue
    seen.add(key)
    found.push(record)
  }
  return found
}
