// A rollout step written in the registry, as the stage change the action hands to serving
// (action/hand-off.ts `rolloutStepChange`): the step's share, its kind, and the champion serving
// the rest of the split (none when the version is the champion itself, at complete).
import { handOffPayload, rolloutStepChange } from '../src/action/hand-off.js'
import type { RecordedStep } from '../src/commands/rollout-step.js'
import type { RolloutStepRequest } from '../src/registry/port.js'

const recorded = (step: RolloutStepRequest, champion?: string): RecordedStep => ({
  model: 'churn-model',
  stage: 'canary',
  step,
  actor: 'Ada Lovelace',
  reason: 'error spike in eu',
  ...(champion !== undefined ? { champion } : {}),
  result: { written: true, events: [], attempts: 1 }
})

describe('rolloutStepChange', () => {
  it('an advance: the version at the step share, the champion serving the rest', () => {
    expect(
      rolloutStepChange(
        recorded({ kind: 'advance', version: 'v1.5.0', percent: 25, from: 10 }, 'v1.4.0')
      )
    ).toEqual({
      kind: 'rollout-step',
      model: 'churn-model',
      stage: 'canary',
      version: 'v1.5.0',
      trafficPercent: 25,
      rolloutStep: 'advance',
      championVersion: 'v1.4.0'
    })
  })

  it('an abort: 0%, and no free text (the reason) in the payload', () => {
    const change = rolloutStepChange(
      recorded({ kind: 'abort', version: 'v1.5.0', percent: 0 }, 'v1.4.0')
    )
    expect(change).toMatchObject({
      trafficPercent: 0,
      rolloutStep: 'abort',
      championVersion: 'v1.4.0'
    })
    expect(JSON.stringify(handOffPayload(change))).not.toContain('eu')
  })

  it('complete: the version holds the full stage, so no other version is named', () => {
    const change = rolloutStepChange(
      recorded({ kind: 'complete', version: 'v1.5.0', percent: 100 }, 'v1.5.0')
    )
    expect(change).toMatchObject({
      trafficPercent: 100,
      rolloutStep: 'complete',
      championVersion: null
    })
  })

  it('no champion (the full stage holds nothing): null', () => {
    const change = rolloutStepChange(recorded({ kind: 'start', version: 'v1.5.0', percent: 5 }))
    expect(change.championVersion).toBeNull()
  })
})
