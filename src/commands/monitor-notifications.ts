import type { NotificationEvent, RolloutFacts } from '../notify/webhook.js'
import { noticeDetail, type StageMonitorResult } from '../report/monitor.js'
import type { RolloutDriveResult } from '../report/monitor-rollout.js'
import { inconclusiveWhy } from './monitor-rollout.js'
import type { RegistryContext } from './registry-context.js'

/**
 * The notifications a monitor run asks its root to send (none on a dry run: monitor.ts): a
 * watched stage's notice (monitor/notice.ts decides it) and each rollout step the run wrote.
 * Facts only: notify/ routes them by severity, report/notification.ts words them.
 */

/** The notification of a stage's notice: facts only, the webhook module words them. */
export function stageNotifications(
  context: RegistryContext,
  model: string,
  result: StageMonitorResult
): NotificationEvent[] {
  const { notice, window, since, holder } = result
  if (!notice || !window || !since || holder === undefined) return []
  const { action } = result
  const rolledBack = action.kind === 'rollback'
  const detail = noticeDetail(action)
  const runUrl = context.runFacts?.runUrl
  return [
    {
      action: notice.kind,
      severity: notice.severity,
      model,
      stage: result.stage,
      // After a rollback the stage holds the restored version, and the breached one was before.
      version: rolledBack ? action.restored : holder,
      ...(rolledBack ? { previous: holder } : {}),
      actor: context.actor,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(runUrl ? { runUrl } : {}),
      monitor: monitorFacts(result, window, since, detail),
      at: context.now()
    }
  ]
}

/**
 * The notifications of the rollout steps a run wrote, one a step: an abort is `critical`, a hold
 * `warning`, an advance or complete `info` (notify/webhook.ts). A step recorded already (a re-run)
 * or a dry run's is told by nobody: the run that wrote it told it. Facts only; report/ words them.
 */
export function rolloutNotifications(
  context: Pick<RegistryContext, 'actor' | 'runFacts' | 'now'>,
  model: string,
  rollouts: readonly RolloutDriveResult[]
): NotificationEvent[] {
  const runUrl = context.runFacts?.runUrl
  return rollouts.flatMap((result): NotificationEvent[] => {
    const { action, step, window, since } = result
    if (action.kind === 'alert') {
      // Nothing written, so nothing makes it once: each run that finds the breach tells it, as a
      // watched stage's alert-only breach does (monitor.ts sends nothing on a dry run).
      if (!result.version || !window || !since) return []
      return [
        {
          action: 'rollout-alert',
          model,
          stage: result.stage,
          version: result.version,
          actor: context.actor,
          ...(result.reason !== undefined ? { reason: result.reason } : {}),
          ...(runUrl ? { runUrl } : {}),
          monitor: monitorFacts(result, window, since),
          rollout: {
            type: result.type,
            step: 'alert',
            percent: result.percent ?? 0,
            ...(result.champion !== undefined ? { champion: result.champion } : {})
          },
          at: context.now()
        }
      ]
    }
    if (
      action.kind !== 'advance' &&
      action.kind !== 'hold' &&
      action.kind !== 'abort' &&
      action.kind !== 'complete'
    ) {
      return []
    }
    if (!action.written || action.dryRun || !step || !window || !since) return []
    const facts: RolloutFacts = {
      type: result.type,
      step: action.kind,
      percent: step.percent,
      ...(result.percent !== undefined ? { from: result.percent } : {}),
      ...(result.champion !== undefined ? { champion: result.champion } : {}),
      ...(action.kind === 'complete' ? { into: action.into } : {})
    }
    return [
      {
        action: `rollout-${action.kind}`,
        model,
        stage: result.stage,
        version: step.version,
        actor: context.actor,
        // The evidence of an abort; the inconclusive triggers of a hold.
        ...(action.kind === 'abort' && result.reason !== undefined
          ? { reason: result.reason }
          : action.kind === 'hold'
            ? { reason: inconclusiveWhy(result.triggers) }
            : {}),
        ...(runUrl ? { runUrl } : {}),
        monitor: monitorFacts(result, window, since),
        rollout: facts,
        at: context.now()
      }
    ]
  })
}

/** The monitor's facts of a stage or rollout judged: its verdict, window and each trigger's. */
function monitorFacts(
  result: { verdict: string; triggers: RolloutDriveResult['triggers'] },
  window: NonNullable<RolloutDriveResult['window']>,
  since: Date,
  detail?: string
): NonNullable<NotificationEvent['monitor']> {
  return {
    verdict: result.verdict,
    ...(detail ? { detail } : {}),
    since: since.toISOString(),
    watched: {
      start: new Date(window.watched.start).toISOString(),
      end: new Date(window.watched.end).toISOString(),
      ended: window.ended
    },
    triggers: result.triggers.map(t => ({
      name: t.verdict.trigger,
      verdict: t.verdict.status,
      summary: t.verdict.summary
    }))
  }
}
