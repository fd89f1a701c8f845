import type { MonitoringProbe, TriggerProbe } from '../gates/monitoring.js'
import { durationMs, type MonitorPolicy } from '../policy/monitor.js'
import { MetricSourceError, type MetricSource } from './types.js'

/**
 * The probe behind `monitoring: required`: does the stage's monitor source receive data for the
 * version holding the stage? Each trigger's own query runs once for the holder over the last
 * hour before now (a trigger whose `step` is longer looks back one step instead, so a sample
 * can fall in the window), with the trigger's step. The last hour, not the watch: the question
 * is whether data arrives now, and a holder's watch may have ended long ago while it still
 * serves. `$model`, `$version` and `$stage` go to the source apart from the query, which
 * substitutes them safely (promql.ts), as `monitor` does.
 */

/** How far back the probe looks. */
export const PROBE_WINDOW_MS = 3600_000

/** Whose series to look for, and when. */
export interface ProbeSubject {
  model: string
  stage: string
  /** The version holding the stage. */
  version: string
  now: Date
}

/** The port `promote` is given: probes a stage's monitor source for its holder. */
export type MonitoringProber = (
  monitor: MonitorPolicy,
  subject: ProbeSubject
) => Promise<MonitoringProbe>

/** The prober over the sources the composition root opens (open-source.ts). */
export function monitoringProber(
  sourceFor: (monitor: MonitorPolicy) => MetricSource
): MonitoringProber {
  return (monitor, subject) => probeMonitoring(sourceFor(monitor), monitor, subject)
}

/**
 * One range query a trigger. A source that cannot answer (MetricSourceError: unreachable, 5xx,
 * timeout, a malformed answer) is recorded as that trigger's failure, never as data or no data;
 * any other error is a defect and is thrown.
 */
export async function probeMonitoring(
  source: MetricSource,
  monitor: MonitorPolicy,
  subject: ProbeSubject
): Promise<MonitoringProbe> {
  const end = subject.now.getTime()
  const values = { model: subject.model, version: subject.version, stage: subject.stage }
  let earliest = end - PROBE_WINDOW_MS
  const answers = await Promise.all(
    monitor.triggers.map(async (trigger): Promise<[string, TriggerProbe]> => {
      // The schema has checked the step; the default keeps this total for typed callers.
      const stepMs = durationMs(trigger.step) ?? 60_000
      const start = end - Math.max(PROBE_WINDOW_MS, stepMs)
      earliest = Math.min(earliest, start)
      try {
        const series = await source.queryRange({ query: trigger.query, values, start, end, stepMs })
        const samples = series.reduce(
          (count, one) => count + one.samples.filter(s => Number.isFinite(s.value)).length,
          0
        )
        return [trigger.name, { series: series.length, samples }]
      } catch (error) {
        if (!(error instanceof MetricSourceError)) throw error
        return [trigger.name, { failure: error.message }]
      }
    })
  )
  return {
    source: source.description,
    holder: subject.version,
    window: { start: new Date(earliest).toISOString(), end: new Date(end).toISOString() },
    triggers: Object.fromEntries(answers)
  }
}
