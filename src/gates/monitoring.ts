import type { StagePolicy } from '../policy/schema.js'
import { plural } from './format.js'
import type { GateResult } from './types.js'

/** What a probe of the stage's monitor source found for the version holding the source stage. */
export interface MonitoringProbe {
  /** The source, as it describes itself (`prometheus http://…`). */
  source: string
  /** The version whose series were looked for. */
  holder: string
  /** Series found, by trigger name. */
  seriesByTrigger: Record<string, number>
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
 * Pure. Fails when the stage has no `monitor:` block, when no probe of its source was made
 * (configured is not the same as receiving), and when a trigger's query finds no series for the
 * current holder: monitoring that receives nothing is not monitoring. On a first promotion (no
 * holder) the block alone passes: there is nothing to have series for yet.
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
      summary: `${context.stage} is monitored (${plural(triggers.length, 'trigger')}); no version holds it yet, so no series is expected`,
      details: [`triggers: ${triggers.join(', ')}`]
    }
  }
  if (!context.probe) {
    return fail('no probe of the monitor source was made, so it is not known to receive data', [
      `triggers: ${triggers.join(', ')}`
    ])
  }
  const { probe } = context
  const empty = triggers.filter(name => (probe.seriesByTrigger[name] ?? 0) === 0)
  const details = triggers.map(
    name =>
      `${name}: ${plural(probe.seriesByTrigger[name] ?? 0, 'series', 'series')} for ${probe.holder}`
  )
  if (empty.length > 0) {
    return fail(
      `${probe.source} has no series for ${probe.holder} on ${plural(empty.length, 'trigger')}: ${empty.join(', ')}`,
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
