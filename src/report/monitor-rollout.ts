/**
 * What `monitor` prints about the rollouts it drives: per rollout stage the version, its share,
 * the champion it is compared with, each trigger's verdict over the current step, and what was
 * done (advanced, held, aborted with the evidence, completed, waiting, ready for promotion).
 * The command hands over a `RolloutDriveResult`; markdown and JSON are worded here.
 */
import type { TriggerEvaluation } from '../monitor/evaluate.js'
import type { WatchWindow } from '../monitor/window.js'
import type { RolloutStepRequest, WriteResult } from '../registry/port.js'
import type { RolloutState } from '../rollout/steps.js'
import { escape } from './markdown.js'
import { triggerRows, triggerJson } from './monitor.js'
import { recordedAlreadyText } from './rollout.js'
import { renderRolloutChart, rolloutChartJson, type RolloutChart } from './rollout-chart.js'

type Written = { written: boolean; dryRun: boolean }

export type RolloutDriveAction =
  | { kind: 'none' }
  /** Healthy or inconclusive so far; judged when the step is due. */
  | { kind: 'wait'; until: Date }
  /**
   * At the last step (or a shadow): ready for the next stage, an ordinary promotion; or, for
   * `starts` (next stages that are rollout stages themselves: a canary after a shadow), a start.
   */
  | { kind: 'ready'; next: string[]; model?: string; starts?: string[] }
  | { kind: 'alert'; detail: string }
  | ({ kind: 'advance'; from: number; to: number } & Written)
  | ({ kind: 'hold'; percent: number } & Written)
  | ({ kind: 'abort'; from: number } & Written)
  | ({ kind: 'complete'; into: string } & Written)

export interface RolloutDriveResult {
  stage: string
  type: 'shadow' | 'canary'
  version?: string
  /** The holder of the stage the rollout serves or shadows, compared with as `$champion`. */
  champion?: string
  percent?: number
  phase?: RolloutState['phase']
  /** When the current share was reached: the start of the window judged. */
  since?: Date
  window?: WatchWindow
  verdict: 'healthy' | 'inconclusive' | 'breach' | 'not-watched'
  idle?: string
  triggers: TriggerEvaluation[]
  action: RolloutDriveAction
  /** The evidence of a breach (the abort's recorded reason). */
  reason?: string
  queries: number
  source: string
  /** The step recorded (or that would be, or was already). */
  step?: RolloutStepRequest
  /** Nothing written, the step recorded already: where the stage stands now (the outputs). */
  now?: RolloutStepRequest
  /** A re-run of a workflow run's job: the step that run recorded, and when. */
  recorded?: RolloutStepRequest & { at: Date }
  result?: WriteResult
  /** Each trigger over the whole rollout so far, candidate and champion (report/rollout-chart.ts). */
  chart?: RolloutChart
}

const VERDICT: Record<RolloutDriveResult['verdict'], string> = {
  healthy: '✅ healthy',
  inconclusive: '❔ inconclusive',
  breach: '❌ breach',
  'not-watched': '➖ not watched'
}

const utc = (time: Date | number) => new Date(time).toISOString().replace('.000Z', 'Z')

/** One line: what the run did about the rollout (plain text; escaped by the caller). */
export function driveActionText(result: RolloutDriveResult): string {
  const { action } = result
  // A re-run's step names the version that run stepped (maybe an earlier rollout's).
  const version = result.recorded?.version ?? result.version ?? ''
  const what = (done: string, would: string, a: Written) =>
    a.dryRun
      ? `Would ${would} (dry run: nothing written).`
      : a.written
        ? `${done}.`
        : `${done[0]?.toUpperCase()}${done.slice(1)} is recorded already: nothing written.`
  switch (action.kind) {
    case 'none':
      return `Nothing to drive: ${result.idle ?? 'no running rollout'}. Nothing written.`
    case 'wait':
      return `${result.verdict === 'inconclusive' ? 'Inconclusive so far' : 'Healthy so far'}; the step is judged from ${utc(action.until)} (min_step_duration). Nothing written.`
    case 'ready': {
      // `promote --to` a rollout stage is refused: the words name the command that starts it.
      const starts = action.model === undefined ? [] : (action.starts ?? [])
      const promotions = action.next.filter(stage => !starts.includes(stage))
      const start = starts.map(
        stage =>
          `${stage}, a rollout stage: start it there (judged by its gates) with modelgate rollout ${action.model} --stage ${stage} --start --version ${version}`
      )
      const promote =
        promotions.length > 0 || start.length === 0
          ? [
              `promotion to ${promotions.join(' or ') || 'the next stage'}: an ordinary promotion with its gates`
            ]
          : []
      return `${version} is ready for ${[...start, ...promote].join('; or ')}. Nothing written.`
    }
    case 'alert':
      return `Alert only: ${action.detail}. Nothing written.`
    case 'advance':
      return what(
        `Advanced ${version} from ${action.from}% to ${action.to}%`,
        `advance ${version} from ${action.from}% to ${action.to}%`,
        action
      )
    case 'hold':
      return what(
        `Held ${version} at ${action.percent}%`,
        `hold ${version} at ${action.percent}%`,
        action
      )
    case 'abort':
      return what(
        `Aborted the rollout of ${version} at ${action.from}%: traffic 0%, ${version} taken out of ${result.stage}`,
        `abort the rollout of ${version} at ${action.from}%`,
        action
      )
    case 'complete':
      return what(
        // A shadow took no traffic: its version moved on to the next stage.
        result.type === 'shadow'
          ? `Completed the shadow of ${version}: it moved on to ${action.into}`
          : `Completed the rollout of ${version}: it holds ${action.into}, full traffic`,
        `complete the rollout of ${version} (it holds ${action.into})`,
        action
      )
  }
}

export function rolloutMarkdown(result: RolloutDriveResult): string[] {
  const lines = [`### ${escape(result.stage)} (${result.type}): ${VERDICT[result.verdict]}`, '']
  if (result.version !== undefined && result.window) {
    const champion =
      result.champion !== undefined ? `; champion ${escape(result.champion)}` : '; no champion'
    lines.push(
      `**${escape(result.version)}** at ${result.percent ?? 0}%${result.phase === 'held' ? ' (held)' : ''} since ${utc(result.window.watched.start)}${champion}; judged ${utc(result.window.watched.start)} → ${utc(result.window.watched.end)}; source ${escape(result.source)}.`,
      '',
      ...triggerRows(result.triggers),
      ''
    )
  }
  lines.push(`**${escape(driveActionText(result))}**`)
  if (result.recorded && !result.result?.written) {
    lines.push('', escape(recordedAlreadyText(result.recorded, result.now)))
  }
  if (result.reason && result.action.kind === 'abort') {
    lines.push('', `Evidence: ${escape(result.reason)}`)
  }
  const chart = renderRolloutChart(result.chart)
  if (chart !== undefined) lines.push('', chart)
  return lines
}

export function rolloutJson(result: RolloutDriveResult): Record<string, unknown> {
  const { action } = result
  return {
    stage: result.stage,
    type: result.type,
    verdict: result.verdict,
    ...(result.idle ? { idle: result.idle } : {}),
    ...(result.version !== undefined ? { version: result.version } : {}),
    ...(result.champion !== undefined ? { champion: result.champion } : {}),
    ...(result.percent !== undefined ? { percent: result.percent } : {}),
    ...(result.phase ? { phase: result.phase } : {}),
    ...(result.since ? { since: result.since.toISOString() } : {}),
    ...(result.source ? { source: result.source } : {}),
    queries: result.queries,
    triggers: result.triggers.map(triggerJson),
    action: action.kind === 'wait' ? { kind: 'wait', until: action.until.toISOString() } : action,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.chart ? { chart: rolloutChartJson(result.chart) } : {}),
    summary: driveActionText(result)
  }
}

/** The warning annotation of each rollout the run held (or found held) as inconclusive. */
export function heldWarnings(results: readonly RolloutDriveResult[]): string[] {
  return results
    .filter(r => r.action.kind === 'hold')
    .map(
      r =>
        `ModelGate monitor: ${r.stage} ${r.type} of ${r.version ?? '?'} is inconclusive: ${driveActionText(r)}`
    )
}
