/**
 * Which notification a stage's monitor verdict calls for, and at what severity. Pure: the
 * stage's result, the evaluation time and the policy in, at most one notice out. Runs keep no
 * state, so "once" is derived from time alone: a watch's final verdict belongs to the run whose
 * evaluation time falls within `runs_every` after the watch ended; later runs stay silent.
 *
 * - `critical`: an automatic rollback written; a restored version that did not recover; a
 *   breach the policy wanted rolled back that could not be (cap reached, no earlier holder, the
 *   earlier holder taken out): the bad version may still be serving.
 * - `warning`: a breach of triggers that say `action: alert`; a watch still inconclusive
 *   `warn_inconclusive_after` after it started.
 * - `info`: a watch that ended healthy (or recovered).
 */
import type { AlertReason, StageVerdict } from './verdict.js'
import type { WatchWindow } from './window.js'

export type Severity = 'critical' | 'warning' | 'info'

export type NoticeKind =
  | 'automatic-rollback'
  | 'recovery-failed'
  | 'breach-not-rolled-back'
  | 'breach-alert'
  | 'inconclusive'
  | 'watch-ended'

export interface MonitorNotice {
  severity: Severity
  kind: NoticeKind
}

/** The action taken on a stage, as {@link monitorNotice} is given it (report/monitor.ts's `MonitorAction` is one). */
export type NoticeAction =
  | { kind: 'none' | 'rolled-back-by-another' }
  /** Read for `why` only; any detail is report/'s to word (report/monitor-reasons.ts). */
  | { kind: 'alert'; why: AlertReason; detail?: unknown }
  | { kind: 'rollback'; written: boolean; dryRun: boolean }

/** What {@link monitorNotice} reads of a stage's result. */
export interface NoticeInput {
  mode: 'watch' | 'recovery' | 'idle'
  verdict: StageVerdict
  action: NoticeAction
  since?: Date
  window?: WatchWindow
}

export interface NoticeTiming {
  /** The evaluation time, Unix ms. */
  at: number
  /** `warn_inconclusive_after`, ms. */
  warnInconclusiveAfterMs: number
  /** `runs_every`, ms. */
  runsEveryMs: number
}

export function monitorNotice(stage: NoticeInput, timing: NoticeTiming): MonitorNotice | undefined {
  const { action, verdict, window, since } = stage
  if (stage.mode === 'idle' || !window || !since) return undefined
  // A rollback is written once (a re-run finds the restored version), so it is told whenever.
  if (action.kind === 'rollback') {
    return action.written && !action.dryRun
      ? { severity: 'critical', kind: 'automatic-rollback' }
      : undefined
  }
  // After the watch ended its verdict no longer changes: told by the first run after the end only.
  if (window.ended && timing.at >= window.watched.end + timing.runsEveryMs) return undefined
  if (verdict === 'recovery-failed') return { severity: 'critical', kind: 'recovery-failed' }
  if (action.kind === 'alert') {
    return action.why === 'action-alert'
      ? { severity: 'warning', kind: 'breach-alert' }
      : { severity: 'critical', kind: 'breach-not-rolled-back' }
  }
  if (verdict === 'inconclusive') {
    return timing.at - since.getTime() >= timing.warnInconclusiveAfterMs
      ? { severity: 'warning', kind: 'inconclusive' }
      : undefined
  }
  if ((verdict === 'healthy' || verdict === 'recovered') && window.ended) {
    return { severity: 'info', kind: 'watch-ended' }
  }
  return undefined
}
