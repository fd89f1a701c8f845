// rollout/drive.ts: what `monitor` does with a running rollout, from literal inputs.
import { driveDecision } from '../src/rollout/drive.js'
import type { RolloutPolicy } from '../src/policy/rollout.js'
import { rolloutState } from '../src/rollout/steps.js'
import type { RolloutStep } from '../src/registry/port.js'

const canary = {
  type: 'canary',
  steps: [5, 10, 25, 50],
  min_step_duration: '30m',
  source: { prometheus: { url: 'http://127.0.0.1:9090', timeout: '30s' } },
  triggers: []
} as unknown as RolloutPolicy
const shadow = { type: 'shadow', shadows: 'production' } as RolloutPolicy
const T = Date.UTC(2026, 0, 5)
const at = (minutes: number) => new Date(T + minutes * 60_000)
const step = (kind: RolloutStep['kind'], percent: number, minutes: number): RolloutStep => ({
  model: 'm',
  stage: 'canary',
  version: 'v2.0.0',
  kind,
  percent,
  at: at(minutes),
  by: 'a',
  id: `t${minutes}`
})
const next: Array<{ stage: string; holder: string | undefined }> = [
  { stage: 'production', holder: 'v1.0.0' }
]
const decide = (
  steps: RolloutStep[],
  verdict: 'healthy' | 'inconclusive' | 'breach',
  minutes: number,
  rollout = canary,
  more: { alertOnly?: boolean; nextStages?: typeof next } = {}
) =>
  driveDecision({
    rollout,
    state: rolloutState(steps),
    verdict,
    alertOnly: more.alertOnly ?? false,
    now: at(minutes),
    nextStages: more.nextStages ?? next
  })

describe('driveDecision', () => {
  const started = [step('start', 5, 0)]
  it('advances a healthy canary whose step is due, to the next step', () => {
    expect(decide(started, 'healthy', 30)).toEqual({
      kind: 'advance',
      step: { kind: 'advance', version: 'v2.0.0', percent: 10, from: 5 }
    })
  })
  it('waits before min_step_duration, healthy or inconclusive', () => {
    expect(decide(started, 'healthy', 29)).toEqual({ kind: 'wait', until: at(30) })
    expect(decide(started, 'inconclusive', 29)).toEqual({ kind: 'wait', until: at(30) })
  })
  it('aborts on a breach at any time, or only alerts when every breached trigger says so', () => {
    expect(decide(started, 'breach', 1)).toEqual({
      kind: 'abort',
      step: { kind: 'abort', version: 'v2.0.0', percent: 0 }
    })
    expect(decide(started, 'breach', 1, canary, { alertOnly: true })).toEqual({ kind: 'alert' })
  })
  it('holds an inconclusive canary once due; a hold does not restart the step time', () => {
    expect(decide(started, 'inconclusive', 31)).toEqual({
      kind: 'hold',
      step: { kind: 'hold', version: 'v2.0.0', percent: 5 }
    })
    const held = [...started, step('hold', 5, 31)]
    expect(decide(held, 'healthy', 32)).toMatchObject({ kind: 'advance' })
  })
  it('at the last step, or in shadow, is ready for promotion to the next stage', () => {
    const last = [step('start', 5, 0), { ...step('advance', 50, 10), from: 25 }]
    expect(decide(last, 'healthy', 40)).toEqual({ kind: 'ready', next: ['production'] })
    const shadowed = [{ ...step('start', 0, 0), stage: 'shadow' }]
    const canaryNext = [{ stage: 'canary', holder: undefined }]
    expect(decide(shadowed, 'healthy', 0, shadow, { nextStages: canaryNext })).toEqual({
      kind: 'ready',
      next: ['canary']
    })
  })
  it('completes once the version holds the next stage; nothing for an ended rollout', () => {
    const promoted = [{ stage: 'production', holder: 'v2.0.0' }]
    expect(decide(started, 'breach', 5, canary, { nextStages: promoted })).toEqual({
      kind: 'complete',
      step: { kind: 'complete', version: 'v2.0.0', percent: 100 },
      into: 'production'
    })
    const aborted = [...started, step('abort', 0, 3)]
    expect(decide(aborted, 'healthy', 40)).toEqual({ kind: 'none', why: 'no running rollout' })
    expect(decide([], 'healthy', 40)).toEqual({ kind: 'none', why: 'no running rollout' })
  })
  it('judges a shadow before completing it: a breach aborts it though it moved on to the next stage', () => {
    const shadowStarted = [step('start', 0, 0)]
    const movedOn = [{ stage: 'canary', holder: 'v2.0.0' }]
    expect(decide(shadowStarted, 'breach', 5, shadow, { nextStages: movedOn })).toEqual({
      kind: 'abort',
      step: { kind: 'abort', version: 'v2.0.0', percent: 0 }
    })
    expect(
      decide(shadowStarted, 'breach', 5, shadow, { nextStages: movedOn, alertOnly: true })
    ).toEqual({ kind: 'alert' })
    expect(decide(shadowStarted, 'healthy', 5, shadow, { nextStages: movedOn })).toEqual({
      kind: 'complete',
      step: { kind: 'complete', version: 'v2.0.0', percent: 100 },
      into: 'canary'
    })
  })
})
