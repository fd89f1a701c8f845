import type { StagePolicy } from '../policy/schema.js'
import { plural } from './format.js'
import { utc } from './min-days.js'
import type { GateResult } from './types.js'

/** What one trigger's query answered for the holder: its series and their finite samples, or a failure. */
export type TriggerProbe =
  | {
      /** Series the query returned. */
      series: number
      /** Samples of those series that are numbers (not NaN, not infinite). */
      samples: number
    }
  | {
      /** Why the source could not answer (unreachable, 5xx, timeout, a malformed answer). */
      failure: string
    }

/** What a probe of the stage's monitor source found for the version holding the stage. */
export interface MonitoringProbe {
  /** The source, as it describes itself (`prometheus http://…`). */
  source: string
  /** The version whose series were looked for. */
  holder: string
  /** The time looked at, as ISO 8601 UTC timestamps. */
  window: { start: string; end: string }
  /** Each trigger's answer, by trigger name. */
  triggers: Record<string, TriggerProbe>
}

export interface MonitoringContext {
  stage: string
  /** `stages.<stage>.monitor`; absent when the stage configures none. */
  monitor?: StagePolicy['monitor']
  /** The probe's answer; absent when none was made. */
  probe?: MonitoringProbe
  /** The version holding the stage now; absent on a first promotion, when no series can exist yet. */
  holder?: string
}

/**
 * `monitoring: required`: the stage must be monitored, and the monitoring must receive data.
 * Pure. Fails when the stage has no `monitor:` block; when no probe of its source was made
 * (configured is not the same as receiving), or it was made for another version than the
 * holder; when the source could not answer for a trigger (fail closed, naming the source); and
 * when a trigger's query found no finite sample for the current holder: monitoring that
 * receives nothing is not monitoring. On a first promotion (no holder) the block alone passes:
 * there is nothing to probe yet.
 */
export function monitoringGate(context: MonitoringContext): GateResult {
  const fail = (summary: string, details: string[] = []): GateResult => ({
    gate: 'monitoring',
    status: 'fail',
    summary,
    details
  })
  if (!context.monitor) {
    return fail(`${context.stage} has no monitor: block, and the policy requires monitoring`)
  }
  const triggers = context.monitor.triggers.map(trigger => trigger.name)
  if (context.holder === undefined) {
    return {
      gate: 'monitoring',
      status: 'pass',
      summary: `${context.stage} is monitored (${plural(triggers.length, 'trigger')}); no version holds it yet, so there is nothing to probe`,
      details: [`triggers: ${triggers.join(', ')}`]
    }
  }
  if (!context.probe) {
    return fail('no probe of the monitor source was made, so it is not known to receive data', [
      `triggers: ${triggers.join(', ')}`
    ])
  }
  const { probe } = context
  if (probe.holder !== context.holder) {
    return fail(
      `the probe of ${probe.source} looked for ${probe.holder}, not for ${context.holder} (the holder of ${context.stage})`
    )
  }
  const answers = triggers.map(name => ({ name, answer: probe.triggers[name] }))
  const details = [
    // The report's time format (the probe keeps the exact ISO times for the JSON report).
    `looked from ${when(probe.window.start)} to ${when(probe.window.end)}`,
    ...answers.map(({ name, answer }) => `${name}: ${describeAnswer(answer)}`)
  ]
  const failed = answers.filter(({ answer }) => answer !== undefined && 'failure' in answer)
  if (failed.length > 0) {
    return fail(
      `${probe.source} could not be probed for ${probe.holder} (${plural(failed.length, 'trigger')}: ${failed.map(a => a.name).join(', ')}), so it is not known to receive data`,
      details
    )
  }
  const empty = answers.filter(({ answer }) => answer === undefined || samplesOf(answer) === 0)
  if (empty.length > 0) {
    return fail(
      `${probe.source} has no data for ${probe.holder} on ${plural(empty.length, 'trigger')}: ${empty.map(a => a.name).join(', ')}`,
      details
    )
  }
  return {
    gate: 'monitoring',
    status: 'pass',
    summary: `${probe.source} receives data for ${probe.holder} on ${plural(triggers.length, 'trigger')}`,
    details
  }
}

/** `2026-12-02 10:00 UTC`, as the rest of the report; a value that is no time, as it is. */
function when(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : utc(date)
}

function samplesOf(answer: TriggerProbe): number {
  return 'failure' in answer ? 0 : answer.samples
}

function describeAnswer(answer: TriggerProbe | undefined): string {
  if (answer === undefined) return 'not probed'
  if ('failure' in answer) return `source failure: ${answer.failure}`
  return `${plural(answer.series, 'series', 'series')}, ${plural(answer.samples, 'finite sample')}`
}
