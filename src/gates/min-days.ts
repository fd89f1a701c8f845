import { formatNumber } from './format.js'
import type { GateResult } from './types.js'

export interface MinDaysContext {
  /** `stages.<stage>.min_days_in_source_stage`. */
  minDays: number
  /** The stage the version is promoted from, for messages; `its source stage` when unknown. */
  sourceStage?: string
  /** When the version entered its source stage; absent when no record of it exists. */
  enteredAt?: Date
  now: Date
}

const DAY_MS = 86_400_000

/**
 * Time the version has spent in its source stage (a soak period). Enough days → `pass`; not
 * yet → `pending`, with the moment it becomes eligible (time alone will fix it). Fails closed:
 * no entry date, an invalid date, or an entry date after `now` → `fail`. A caller that cannot
 * know the date at all (the `check` command has no registry) does not call this gate:
 * `evaluateStage` marks it skipped instead.
 */
export function minDaysGate(context: MinDaysContext): GateResult {
  const gate = 'min_days_in_source_stage'
  const source = context.sourceStage ?? 'its source stage'
  const needed = dayCount(context.minDays)
  const { enteredAt, now } = context
  if (Number.isNaN(now.getTime())) {
    return { gate, status: 'fail', summary: 'the current time is not a valid date' }
  }
  if (!enteredAt || Number.isNaN(enteredAt.getTime())) {
    return {
      gate,
      status: 'fail',
      summary: `needs ${needed} in ${source}, but there is no record of when the version entered it`
    }
  }
  const elapsedMs = now.getTime() - enteredAt.getTime()
  const details = [`entered ${source} at ${utc(enteredAt)}`]
  if (elapsedMs < 0) {
    return {
      gate,
      status: 'fail',
      summary: `the recorded entry into ${source} (${utc(enteredAt)}) is after now (${utc(now)})`,
      details
    }
  }
  const requiredMs = context.minDays * DAY_MS
  // Rounded down, so a version 6.96 days in never reads as "7 days" while still pending.
  const days = dayCount(Math.floor((elapsedMs / DAY_MS) * 10) / 10)
  if (elapsedMs >= requiredMs) {
    return {
      gate,
      status: 'pass',
      summary: `${days} in ${source}, at least ${needed} required`,
      details
    }
  }
  // Rounded up to the minute shown, so "eligible from" is never a moment when it is not.
  const eligible = new Date(Math.ceil((enteredAt.getTime() + requiredMs) / 60_000) * 60_000)
  return {
    gate,
    status: 'pending',
    summary: `${days} in ${source} of the ${needed} required; eligible from ${utc(eligible)}`,
    details
  }
}

function dayCount(days: number): string {
  return `${formatNumber(days)} ${days === 1 ? 'day' : 'days'}`
}

/** `2026-11-23 09:00 UTC`: minutes are enough for people; the JSON keeps the exact `now`. */
export function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
