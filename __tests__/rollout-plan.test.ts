import { InvalidInputError, ModelGateError, NotFoundError } from '../src/errors.js'
import type { CanaryPolicy, RolloutPolicy } from '../src/policy/rollout.js'
import type { RolloutStep, RolloutStepRequest } from '../src/registry/port.js'
import { planStep, type PlanInput, type RolloutAction } from '../src/rollout/plan.js'
import { decideStep, rolloutState, stepOfEvent } from '../src/rollout/steps.js'

const CANARY: CanaryPolicy = {
  type: 'canary',
  steps: [5, 10, 25, 50],
  min_step_duration: '1h',
  source: { prometheus: { url: 'http://127.0.0.1:9090', timeout: '30s' } },
  triggers: []
}
const SHADOW: RolloutPolicy = { type: 'shadow', shadows: 'production' }
const T0 = Date.parse('2026-12-01T10:00:00Z')
const HOUR = 3600_000
const WHERE = { model: 'm', stage: 'canary' }

/** A recorded step at `hours` after T0. */
function at(hours: number, request: RolloutStepRequest, by = 'ana', reason?: string): RolloutStep {
  return {
    ...request,
    model: 'm',
    stage: 'canary',
    at: new Date(T0 + hours * HOUR),
    by,
    ...(reason ? { reason } : {}),
    id: `m#canary#${hours}`
  }
}

const start = at(0, { kind: 'start', version: 'v2.0.0', percent: 5 })
const to10 = at(1, { kind: 'advance', version: 'v2.0.0', percent: 10, from: 5 })

function plan(
  action: RolloutAction,
  steps: RolloutStep[],
  hours: number,
  extra: Partial<PlanInput> = {}
): RolloutStepRequest {
  return planStep({
    ...WHERE,
    rollout: CANARY,
    steps,
    action,
    now: new Date(T0 + hours * HOUR),
    actor: 'ana',
    from: ['staging'],
    ...extra
  })
}

function refusal(run: () => unknown): ModelGateError {
  try {
    run()
  } catch (error) {
    if (error instanceof ModelGateError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('planStep', () => {
  it('starts at the first step (a shadow at 0%) when the version holds a from stage', () => {
    const action = { kind: 'start', version: 'v2.0.0' } as const
    expect(plan(action, [], 0, { versionStages: ['staging'] })).toEqual({
      kind: 'start',
      version: 'v2.0.0',
      percent: 5
    })
    expect(plan(action, [], 0, { versionStages: ['staging'], rollout: SHADOW })).toEqual({
      kind: 'start',
      version: 'v2.0.0',
      percent: 0
    })
    const error = refusal(() => plan(action, [], 0, { versionStages: ['dev'] }))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toBe(
      'm canary: v2.0.0 is in dev; the policy starts a rollout of canary only from staging.'
    )
    expect(plan(action, [], 0, { versionStages: [], from: ['candidate'] }).percent).toBe(5)
  })

  it('advances to the next step once min_step_duration has passed, and not before', () => {
    expect(plan({ kind: 'advance' }, [start], 1)).toEqual({
      kind: 'advance',
      version: 'v2.0.0',
      percent: 10,
      from: 5
    })
    const early = refusal(() => plan({ kind: 'advance' }, [start], 0.5))
    expect(early).toBeInstanceOf(InvalidInputError)
    expect(early.message).toBe(
      'm canary: v2.0.0 reached 5% at 2026-12-01 10:00:00 UTC; min_step_duration is 1h, so it may advance from 2026-12-01 11:00:00 UTC.'
    )
    expect(plan({ kind: 'advance', to: 25 }, [start, to10], 2)).toEqual({
      kind: 'advance',
      version: 'v2.0.0',
      percent: 25,
      from: 10
    })
  })

  it('a hold does not restart the step clock; an advance resumes a held canary', () => {
    const hold = at(1.5, { kind: 'hold', version: 'v2.0.0', percent: 10 }, 'bo', 'peak')
    expect(rolloutState([start, to10, hold])).toMatchObject({
      phase: 'held',
      percent: 10,
      since: to10.at
    })
    expect(plan({ kind: 'advance' }, [start, to10, hold], 2).percent).toBe(25)
  })

  it('the same advance again is a re-run the registry writes once: --to, or the same person early', () => {
    const again = { kind: 'advance', version: 'v2.0.0', percent: 10, from: 5 }
    expect(plan({ kind: 'advance', to: 10 }, [start, to10], 5)).toEqual(again)
    expect(plan({ kind: 'advance' }, [start, to10], 1.2)).toEqual(again)
    expect(decideStep([start, to10], again as RolloutStepRequest, WHERE)).toEqual({
      noop: 'step already recorded'
    })
    // Someone else early: refused, naming when.
    expect(
      refusal(() => plan({ kind: 'advance' }, [start, to10], 1.2, { actor: 'bo' }))
    ).toBeInstanceOf(InvalidInputError)
  })

  it('refuses past the last step, a --to outside the steps, and advancing a shadow', () => {
    const steps = [
      start,
      to10,
      at(2, { kind: 'advance', version: 'v2.0.0', percent: 25, from: 10 }),
      at(3, { kind: 'advance', version: 'v2.0.0', percent: 50, from: 25 })
    ]
    expect(refusal(() => plan({ kind: 'advance' }, steps, 9)).message).toContain(
      'is at the last step (50%)'
    )
    expect(refusal(() => plan({ kind: 'advance', to: 30 }, steps, 9)).message).toContain(
      "--to 30 is not one of the policy's steps (5, 10, 25, 50)"
    )
    expect(refusal(() => plan({ kind: 'advance', to: 10 }, steps, 9)).message).toContain(
      'would lower it'
    )
    const shadowStart = at(0, { kind: 'start', version: 'v2.0.0', percent: 0 })
    expect(
      refusal(() => plan({ kind: 'advance' }, [shadowStart], 9, { rollout: SHADOW })).message
    ).toContain('a shadow takes no traffic')
  })

  it('completes only from the last step once the version holds the full stage', () => {
    const steps = [
      start,
      to10,
      at(2, { kind: 'advance', version: 'v2.0.0', percent: 25, from: 10 }),
      at(3, { kind: 'advance', version: 'v2.0.0', percent: 50, from: 25 })
    ]
    const full = (holder: string | undefined) => ({ fullStages: [{ stage: 'production', holder }] })
    expect(refusal(() => plan({ kind: 'complete' }, steps, 9, full('v1.0.0'))).message).toBe(
      'm canary: v2.0.0 does not hold production yet; the full share is an ordinary promotion with its gates (approvals included): promote it, then complete.'
    )
    expect(refusal(() => plan({ kind: 'complete' }, [start], 9, full('v2.0.0'))).message).toContain(
      'completes from its last step (50%)'
    )
    expect(plan({ kind: 'complete' }, steps, 9, full('v2.0.0'))).toEqual({
      kind: 'complete',
      version: 'v2.0.0',
      percent: 100
    })
  })

  it('nothing to act on is not found (exit 3); an ended rollout takes only its own step again', () => {
    expect(refusal(() => plan({ kind: 'hold' }, [], 0))).toBeInstanceOf(NotFoundError)
    const abort = at(2, { kind: 'abort', version: 'v2.0.0', percent: 0 }, 'bo', 'errors')
    expect(plan({ kind: 'abort' }, [start, to10, abort], 3)).toEqual({
      kind: 'abort',
      version: 'v2.0.0',
      percent: 0
    })
    expect(
      decideStep([start, to10, abort], plan({ kind: 'abort' }, [start, to10, abort], 3), WHERE)
    ).toEqual({
      noop: 'step already recorded'
    })
    expect(refusal(() => plan({ kind: 'advance' }, [start, to10, abort], 3)).message).toContain(
      'was aborted; start a new one'
    )
  })
})

describe('decideStep and rolloutState', () => {
  it('a new start after an abort begins a new rollout; a start of another version mid-rollout is refused', () => {
    const abort = at(2, { kind: 'abort', version: 'v2.0.0', percent: 0 })
    const again = at(3, { kind: 'start', version: 'v3.0.0', percent: 5 })
    expect(rolloutState([start, to10, abort, again])).toMatchObject({
      version: 'v3.0.0',
      phase: 'running',
      percent: 5,
      steps: [again]
    })
    expect(() =>
      decideStep([start], { kind: 'start', version: 'v3.0.0', percent: 5 }, WHERE)
    ).toThrow('v2.0.0 is already in rollout at 5%; abort it before starting v3.0.0.')
    expect(decideStep([start], { kind: 'start', version: 'v2.0.0', percent: 5 }, WHERE)).toEqual({
      noop: 'step already recorded'
    })
  })

  it('a stale advance (planned from another share) is refused', () => {
    expect(() =>
      decideStep([start, to10], { kind: 'advance', version: 'v2.0.0', percent: 25, from: 5 }, WHERE)
    ).toThrow('the canary is at 10%, not 5%')
  })

  it('reads a step from an event only when its stored facts are a valid step', () => {
    const event = {
      kind: 'assignment' as const,
      model: 'm',
      version: 'v2.0.0',
      stage: 'canary',
      at: new Date(T0),
      by: 'ana',
      id: 'm#canary#3'
    }
    expect(
      stepOfEvent({ ...event, audit: { rollout: { step: 'advance', percent: 10, from: 5 } } })
    ).toMatchObject({
      kind: 'advance',
      percent: 10,
      from: 5
    })
    for (const rollout of [
      { step: 'advance', percent: 101 },
      { step: 'jump', percent: 10 },
      { step: 'hold', percent: 10, from: -1 },
      'advance',
      [1]
    ]) {
      expect(stepOfEvent({ ...event, audit: { rollout } })).toBeUndefined()
    }
    expect(stepOfEvent(event)).toBeUndefined()
  })
})
