import { utc } from './min-days.js'
import type { GateResult } from './types.js'

/**
 * What `monitor` would do now with the shadow a canary starts from (commands/monitor-rollout.ts,
 * rollout/drive.ts), as this gate reads it: `ready` (healthy past its `min_step_duration`) and
 * everything else, or `error` when the shadow could not be judged (its source unreachable, a
 * query refused).
 */
export interface ShadowReading {
  /** The shadow stage. */
  stage: string
  /** The version whose canary starts. */
  version: string
  action: 'ready' | 'wait' | 'hold' | 'abort' | 'alert' | 'complete' | 'advance' | 'none' | 'error'
  verdict?: 'healthy' | 'inconclusive' | 'breach' | 'not-watched'
  /** The version the shadow's running rollout is of, when it has one. */
  running?: string
  /** A wait: when the shadow may be judged. */
  until?: Date
  /** Why: the breach's evidence, why nothing runs, or the error. */
  why?: string
  /** Each trigger's verdict, one line each. */
  triggers?: string[]
}

/**
 * A canary after a shadow with triggers starts only when the shadow is judged ready now, the
 * same judgement `monitor` makes: healthy, and past its `min_step_duration`. A breach,
 * inconclusive data, a shadow still waiting, one that is not running this version, or a source
 * that cannot answer all fail (fail closed); only a forced start goes past.
 */
export function shadowReadyGate(reading: ShadowReading): GateResult {
  const name = `${reading.stage} ${reading.version}`
  const details = reading.triggers ?? []
  const fail = (summary: string): GateResult => ({
    gate: 'shadow_ready',
    status: 'fail',
    summary: `${name}: ${summary}`,
    details
  })
  if (reading.action === 'error') return fail(`could not be judged: ${reading.why ?? 'unknown'}`)
  if (reading.running !== reading.version) {
    return fail(
      `not ready: ${reading.stage} has no running rollout of ${reading.version}${reading.running ? ` (it runs ${reading.running})` : ''}`
    )
  }
  switch (reading.action) {
    case 'ready':
      return {
        gate: 'shadow_ready',
        status: 'pass',
        summary: `${name}: ready (healthy past its min_step_duration, as monitor judges it now)`,
        details
      }
    case 'wait':
      return fail(
        `wait: ${reading.verdict ?? 'not judged'} so far, judged only once its min_step_duration has passed${reading.until ? ` (${utc(reading.until)})` : ''}`
      )
    case 'abort':
    case 'alert':
      return fail(`breach${reading.why ? `: ${reading.why}` : ''}`)
    case 'hold':
      return fail('inconclusive: too little data to judge it healthy')
    default:
      return fail(`not ready: ${reading.verdict ?? 'not judged'} (${reading.action})`)
  }
}
