/**
 * Why `monitor` watched nothing on a stage, and why a breach only alerts: the command
 * (src/commands/monitor.ts) returns the reason as a kind with its facts; the sentence is chosen
 * here, for the report's markdown (escaped there), its JSON (`idle`, `action.detail`) and the
 * notification's detail. Plain text: whoever prints it escapes it for where it goes.
 */
import type { AlertReason } from '../monitor/verdict.js'

/** Why a stage had nothing to watch. */
export type IdleReason =
  /** No version holds the stage. */
  | { kind: 'no-holder'; model: string; stage: string }
  /** The holder was assigned after the evaluation time (`--at` in the past). */
  | { kind: 'entered-after'; version: string; stage: string }

/** E.g. `no version of churn holds production`. */
export function idleText(reason: IdleReason): string {
  switch (reason.kind) {
    case 'no-holder':
      return `no version of ${reason.model} holds ${reason.stage}`
    case 'entered-after':
      return `${reason.version} entered ${reason.stage} after the evaluation time`
  }
}

/** Why a breach only alerts (`why`, the monitor's `AlertReason`), with the facts behind it. */
export type AlertFacts =
  /** Every breached trigger says `action: alert`. */
  | { why: 'action-alert' }
  /** The version an automatic rollback restored breaches too. */
  | { why: 'recovery-failed'; version: string; since: Date }
  /** `count` automatic rollbacks within one `watch_for`, at least `cap`. */
  | {
      why: 'cap-reached'
      stage: string
      count: number
      cap: number
      watchFor: string
      /** The latest of them: its record's time, and the version it took out. */
      latest?: { at: string; from: string | null }
    }
  /** No earlier version held the stage. */
  | { why: 'no-earlier-holder'; model: string; stage: string }
  /** The version a rollback would restore was itself taken out of the stage. */
  | { why: 'target-taken-out'; version: string; stage: string; at: Date }

// Every alert reason has its facts, and nothing else has.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameReasons: Same<AlertFacts['why'], AlertReason> = true
void sameReasons

/** The alert's detail sentence, e.g. `no earlier version of churn held production to put back`. */
export function alertDetail(alert: AlertFacts): string {
  switch (alert.why) {
    case 'action-alert':
      return 'every breached trigger says action: alert'
    case 'recovery-failed':
      return `${alert.version}, restored by an automatic rollback at ${alert.since.toISOString()}, breaches too: a person must decide (no further automatic rollback)`
    case 'cap-reached':
      return alert.cap === 0
        ? 'max_automatic_rollbacks is 0: this stage is never rolled back automatically'
        : `${alert.count} automatic rollback(s) of ${alert.stage} within the last ${alert.watchFor} (max_automatic_rollbacks ${alert.cap})${alert.latest ? `, the latest at ${alert.latest.at} from ${alert.latest.from}` : ''}`
    case 'no-earlier-holder':
      return `no earlier version of ${alert.model} held ${alert.stage} to put back`
    case 'target-taken-out':
      return `${alert.version}, the version a rollback would put back, was itself taken out of ${alert.stage} at ${alert.at.toISOString()}`
  }
}
