/**
 * What `monitor` prints: for each watched stage the holder, the window, each trigger's query,
 * samples, breaching values and times, baseline and verdict, and what was done about it (a
 * rollback, an alert and why, nothing). Markdown for the summary and a terminal, JSON for a
 * machine; the rollback's audit record carries the same evidence (audit/monitor-evidence.ts).
 */
import { jsonValue } from '../audit/monitor-evidence.js'
import { formatNumber } from '../gates/format.js'
import type { TriggerEvaluation } from '../monitor/evaluate.js'
import type { MonitorNotice } from '../monitor/notice.js'
import type { AlertReason, StageVerdict } from '../monitor/verdict.js'
import type { WatchWindow } from '../monitor/window.js'
import { escape } from './markdown.js'
import { renderRollback, type RollbackResult } from './rollback.js'
import { rolloutJson, rolloutMarkdown, type RolloutDriveResult } from './monitor-rollout.js'
import { alertDetail, idleText, type AlertFacts, type IdleReason } from './monitor-reasons.js'

// The monitor's own verdict types (monitor/verdict.ts), named here as well for the commands.
export type { AlertReason, StageVerdict }
export type { AlertFacts, IdleReason }

export type MonitorAction =
  | { kind: 'none' }
  /** Why the breach only alerts, with its facts (`alertDetail` words them). */
  | ({ kind: 'alert' } & AlertFacts)
  /** The breach was another run's to handle: it changed the stage first (a concurrent run). */
  | { kind: 'rolled-back-by-another'; holder: string | null }
  | {
      kind: 'rollback'
      restored: string
      written: boolean
      dryRun: boolean
      /** The rollback command's own result, rendered under the stage as `rollback` prints it. */
      report: RollbackResult
      /** The pull request that promoted the version taken out, from its promotion's audit record. */
      pullRequest?: number
    }

export interface StageMonitorResult {
  stage: string
  /** `watch`: after a promotion; `recovery`: after an automatic rollback; `idle`: nothing to watch. */
  mode: 'watch' | 'recovery' | 'idle'
  holder?: string
  /** When the watch started (the holder's assignment). */
  since?: Date
  window?: WatchWindow
  previous?: string
  verdict: StageVerdict
  /** Why nothing was watched. */
  idle?: IdleReason
  triggers: TriggerEvaluation[]
  action: MonitorAction
  /** The rollback reason, on a breach. */
  reason?: string
  queries: number
  source: string
  /** The notification the verdict calls for (sent by the action; none on a dry run). */
  notice?: MonitorNotice
}

export interface MonitorReport {
  model: string
  at: Date
  dryRun: boolean
  stages: StageMonitorResult[]
  /** The rollouts the run drove (stages with `rollout:` triggers). */
  rollouts?: RolloutDriveResult[]
  exitCode: number
}

const VERDICT_TEXT: Record<StageVerdict, string> = {
  healthy: '✅ healthy',
  inconclusive: '❔ inconclusive',
  breach: '❌ breach',
  recovered: '✅ recovered',
  'recovery-failed': '🚨 recovery failed',
  'not-watched': '➖ not watched'
}

const ALERT_TEXT: Record<AlertReason, string> = {
  'action-alert': 'alert only (policy)',
  'cap-reached': 'alert only: automatic rollback cap reached',
  'no-earlier-holder': 'alert only: no earlier holder',
  'target-taken-out': 'alert only: the earlier holder was itself taken out',
  'recovery-failed': 'escalation: the restored version did not recover'
}

/** Breaching samples shown per series in the markdown and the rollback reason. */
const SHOWN_SAMPLES = 5

export function renderMonitor(report: MonitorReport): { markdown: string; json: string } {
  return { markdown: markdown(report), json: JSON.stringify(json(report), null, 2) }
}

function markdown(report: MonitorReport): string {
  const lines = [
    `## 📈 Monitor: ${escape(report.model)}${report.dryRun ? ' (dry run)' : ''}`,
    '',
    `Evaluated at ${iso(report.at)}.`,
    ''
  ]
  for (const stage of report.stages) lines.push(...stageMarkdown(stage, report.dryRun), '')
  for (const rollout of report.rollouts ?? []) lines.push(...rolloutMarkdown(rollout), '')
  return lines.join('\n').replace(/\n+$/, '\n')
}

function stageMarkdown(stage: StageMonitorResult, dryRun: boolean): string[] {
  const name = escape(stage.stage)
  const lines = [`### ${name}: ${VERDICT_TEXT[stage.verdict]}`, '']
  if (stage.mode === 'idle') {
    lines.push(
      `Nothing to watch: ${escape(stage.idle ? idleText(stage.idle) : '')}. Nothing written.`
    )
    return lines
  }
  const holder = escape(stage.holder ?? '')
  const window = stage.window as WatchWindow
  const what =
    stage.mode === 'recovery'
      ? `Recovery of **${holder}**, restored by an automatic rollback at ${iso(stage.since)}`
      : `**${holder}**, promoted at ${iso(stage.since)}`
  lines.push(
    `${what}; watched ${iso(window.watched.start)} → ${iso(window.watched.end)}${window.ended ? ' (watch ended)' : ''}; source ${escape(stage.source)}.`,
    '',
    ...triggerRows(stage.triggers)
  )
  lines.push('', actionText(stage, dryRun))
  if (stage.notice) {
    const { severity, kind } = stage.notice
    lines.push(
      '',
      `Notification: **${severity}** (${kind})${dryRun ? ' — not sent on a dry run' : ''}.`
    )
  }
  return lines
}

/** The triggers' table, then their breaching samples (also for the rollouts monitor drives). */
export function triggerRows(triggers: readonly TriggerEvaluation[]): string[] {
  const lines = [
    '| Trigger | Query | Samples | Bounds | Baseline | Verdict |',
    '| --- | --- | --- | --- | --- | --- |'
  ]
  for (const t of triggers) {
    const v = t.verdict
    const samples = v.series.reduce((sum, s) => sum + s.samples.length, 0)
    const valid = v.series.reduce((sum, s) => sum + s.valid, 0)
    lines.push(
      `| ${escape(v.trigger)} | ${code(t.query)} | ${samples} (${valid} valid) | ${bounds(v.bounds)} | ${baseline(v.baseline)} | ${v.status}: ${escape(v.summary)} |`
    )
  }
  const breaches = triggers.flatMap(t => breachLines(t))
  if (breaches.length > 0) lines.push('', 'Breaching samples:', '', ...breaches)
  return lines
}

function breachLines(t: TriggerEvaluation): string[] {
  return t.verdict.series.flatMap(series => {
    if (!series.breachRun) return []
    const labels = Object.entries(series.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')
    return [
      `- ${escape(t.verdict.trigger)}${labels ? ` {${escape(labels)}}` : ''}: ${samplesText(series.breachRun)}`
    ]
  })
}

function actionText(stage: StageMonitorResult, dryRun: boolean): string {
  const { action } = stage
  if (action.kind === 'none') {
    return stage.verdict === 'inconclusive'
      ? 'Inconclusive: never a pass and never a rollback. Nothing written.'
      : 'Nothing to do. Nothing written.'
  }
  if (action.kind === 'alert') {
    return `**${ALERT_TEXT[action.why]}**: ${escape(alertDetail(action))}. Nothing written.`
  }
  if (action.kind === 'rolled-back-by-another') {
    return `Another run changed ${escape(stage.stage)} first (it holds ${escape(action.holder ?? 'nothing')} now): this run rolled nothing back. Nothing written.`
  }
  const restored = escape(action.restored)
  const head = dryRun
    ? `**Would roll back automatically** to ${restored} (dry run: nothing written).`
    : action.written
      ? `**Rolled back automatically** to ${restored}.`
      : `Rollback to ${restored}: nothing written.`
  return `${head}\n\n${renderRollback(action.report).markdown.replace(/^## /m, '#### ')}`
}

/**
 * The notification's detail for a stage's action: why a breach only alerts, or what a rollback
 * restored; nothing for the other actions.
 */
export function noticeDetail(action: MonitorAction): string | undefined {
  if (action.kind === 'alert') return alertDetail(action)
  return action.kind === 'rollback' ? `restored ${action.restored}` : undefined
}

/**
 * The rollback's reason: each breached trigger with its values and times, bounded, so the
 * registry's record reads on its own. Plain text: the registry stores it, the report escapes it.
 */
export function breachReason(
  model: string,
  stage: string,
  version: string,
  breached: TriggerEvaluation[]
): string {
  const parts = breached.map(t => {
    const runs = t.verdict.series.flatMap(s =>
      s.breachRun ? [`${segmentPrefix(s.segment, s.bounds)}${samplesText(s.breachRun)}`] : []
    )
    const where = runs.length > 0 ? `: ${runs.join('; ')}` : ''
    return `${t.verdict.trigger} (${t.verdict.summary}${bounds(t.verdict.bounds, true)})${where}`
  })
  return `modelgate monitor: ${model} ${version} breached in ${stage}: ${parts.join(' | ')}`
}

/**
 * The warning annotation of each inconclusive stage, so a run that could not see is not silently
 * green: the stage, its holder, and each inconclusive trigger's why. Plain text: the action
 * escapes it for a workflow command.
 */
export function inconclusiveWarnings(stages: readonly StageMonitorResult[]): string[] {
  return stages
    .filter(s => s.verdict === 'inconclusive')
    .map(s => {
      const why = s.triggers
        .filter(t => t.verdict.status === 'inconclusive')
        .map(t => `${t.verdict.trigger}: ${clip(t.verdict.summary)}`)
      const holder = s.holder !== undefined ? `${s.holder}; ` : ''
      return `ModelGate monitor: ${s.stage} is inconclusive (${holder}${why.join('; ')}). Nothing written.`
    })
}

/** `segment "eu" (max 0.015): ` before a segment's breaching samples; nothing without `by`. */
function segmentPrefix(segment: string | undefined, b: SeriesBounds | undefined): string {
  if (segment === undefined) return ''
  const limits = bounds(b, true).replace(/^; /, '')
  return `segment ${JSON.stringify(segment)}${limits ? ` (${limits})` : ''}: `
}
type SeriesBounds = { min?: number; max?: number }

/** One line of at most 300 characters. */
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

function samplesText(run: { time: number; value: number }[]): string {
  const shown = run.slice(0, SHOWN_SAMPLES).map(s => `${value(s.value)} at ${iso(s.time)}`)
  const more = run.length > SHOWN_SAMPLES ? ` and ${run.length - SHOWN_SAMPLES} more` : ''
  return shown.join(', ') + more
}

function bounds(b: { min?: number; max?: number } | undefined, inReason = false): string {
  const parts: string[] = []
  if (b?.min !== undefined) parts.push(`min ${value(b.min)}`)
  if (b?.max !== undefined) parts.push(`max ${value(b.max)}`)
  if (inReason) return parts.length > 0 ? `; ${parts.join(', ')}` : ''
  return parts.length > 0 ? parts.join(', ') : '–'
}

function baseline(b: TriggerEvaluation['verdict']['baseline']): string {
  if (!b) return '–'
  const from =
    b.from === 'audit' ? 'audit record' : b.from === 'champion' ? 'champion' : 'previous holder'
  // A per-segment comparison keeps each segment's baseline with its series.
  if (b.value === undefined && b.problem === undefined) return `${from}, segment by segment`
  if (b.value === undefined) return `${from}: ${escape(b.problem ?? 'none')}`
  return `${from}: ${value(b.value)}${b.samples !== undefined ? ` (mean of ${b.samples})` : ''}`
}

function value(v: number): string {
  const j = jsonValue(v)
  return typeof j === 'number' ? formatNumber(j) : j
}

/** A query as inline code: backticks cannot close it (a longer fence), pipes cannot split the table. */
function code(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|')
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map(m => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence} ${flat} ${fence}`
}

function iso(time: Date | number | undefined): string {
  if (time === undefined) return '?'
  return new Date(time).toISOString().replace('.000Z', 'Z')
}

function json(report: MonitorReport): Record<string, unknown> {
  return {
    model: report.model,
    at: report.at.toISOString(),
    dryRun: report.dryRun,
    exitCode: report.exitCode,
    stages: report.stages.map(stage => ({
      stage: stage.stage,
      mode: stage.mode,
      verdict: stage.verdict,
      ...(stage.idle ? { idle: idleText(stage.idle) } : {}),
      ...(stage.holder ? { holder: stage.holder } : {}),
      ...(stage.since ? { since: stage.since.toISOString() } : {}),
      ...(stage.previous ? { previous: stage.previous } : {}),
      ...(stage.window
        ? {
            window: {
              start: new Date(stage.window.watched.start).toISOString(),
              end: new Date(stage.window.watched.end).toISOString(),
              ended: stage.window.ended
            }
          }
        : {}),
      ...(stage.source ? { source: stage.source } : {}),
      queries: stage.queries,
      triggers: stage.triggers.map(triggerJson),
      action:
        stage.action.kind === 'rollback'
          ? {
              kind: 'rollback',
              restored: stage.action.restored,
              written: stage.action.written,
              dryRun: stage.action.dryRun
            }
          : stage.action.kind === 'alert'
            ? { kind: 'alert', why: stage.action.why, detail: alertDetail(stage.action) }
            : stage.action,
      ...(stage.reason ? { reason: stage.reason } : {}),
      ...(stage.notice ? { notification: stage.notice } : {})
    })),
    rollouts: (report.rollouts ?? []).map(rolloutJson)
  }
}

/** One trigger's evaluation as JSON (the monitor's stages and the rollouts it drives). */
export function triggerJson(t: TriggerEvaluation): Record<string, unknown> {
  return {
    name: t.verdict.trigger,
    query: t.query,
    action: t.action,
    stepSeconds: t.stepMs / 1000,
    verdict: t.verdict.status,
    reason: t.verdict.reason,
    summary: t.verdict.summary,
    ...(t.verdict.bounds ? { bounds: t.verdict.bounds } : {}),
    ...(t.verdict.baseline ? { baseline: t.verdict.baseline } : {}),
    failureLimit: t.verdict.failureLimit,
    minSamples: t.verdict.minSamples,
    series: t.verdict.series.map(s => ({
      labels: s.labels,
      status: s.status,
      samples: s.samples.length,
      valid: s.valid,
      invalid: s.invalid,
      longestRun: s.longestRun,
      ...(s.breachRun
        ? {
            breachRun: s.breachRun.map(p => ({
              time: new Date(p.time).toISOString(),
              value: jsonValue(p.value),
              bound: p.bound
            }))
          }
        : {})
    }))
  }
}
