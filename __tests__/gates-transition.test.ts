import { transitionGate, type TransitionContext } from '../src/gates/transition.js'

const registeredAt = new Date('2026-11-01T00:00:00Z')
const inDev = { stage: 'dev', since: new Date('2026-11-10T00:00:00Z') }
const inStaging = { stage: 'staging', since: new Date('2026-11-20T00:00:00Z') }

function context(overrides: Partial<TransitionContext> = {}): TransitionContext {
  return {
    version: 'v1.3.0',
    targetStage: 'production',
    allowedFrom: ['staging'],
    currentStages: [inStaging],
    registeredAt,
    ...overrides
  }
}

describe('transition gate (stage order)', () => {
  it('passes a version in a stage the target may be entered from', () => {
    expect(transitionGate(context())).toEqual({
      source: { stage: 'staging', enteredAt: inStaging.since },
      gate: {
        gate: 'transition',
        status: 'pass',
        summary: 'v1.3.0 is in staging; production may be entered from staging'
      }
    })
  })

  it('fails a version only in a stage the target does not list: dev never skips staging', () => {
    const result = transitionGate(context({ currentStages: [inDev] }))
    expect(result.source).toBeUndefined()
    expect(result.gate).toEqual({
      gate: 'transition',
      status: 'fail',
      summary: 'v1.3.0 is not in a stage production may be entered from (staging)',
      details: ['v1.3.0 is in: dev']
    })
  })

  it('fails a version in no stage, saying so', () => {
    const result = transitionGate(context({ currentStages: [] }))
    expect(result.source).toBeUndefined()
    expect(result.gate.status).toBe('fail')
    expect(result.gate.details).toEqual(['v1.3.0 is in: no stage'])
  })

  it('lists every stage the version is in when it fails, and every allowed source', () => {
    const result = transitionGate(
      context({
        allowedFrom: ['staging', 'canary'],
        currentStages: [inDev, { stage: 'shadow', since: inStaging.since }]
      })
    )
    expect(result.gate.summary).toBe(
      'v1.3.0 is not in a stage production may be entered from (staging, canary)'
    )
    expect(result.gate.details).toEqual(['v1.3.0 is in: dev, shadow'])
  })

  it('does not take a stage the target does not list, even one entered earlier', () => {
    const result = transitionGate(context({ currentStages: [inDev, inStaging] }))
    expect(result.gate.status).toBe('pass')
    expect(result.source).toEqual({ stage: 'staging', enteredAt: inStaging.since })
  })

  it('among several allowed sources takes the one entered first (the longest soak)', () => {
    const both = context({ allowedFrom: ['dev', 'staging'] })
    for (const currentStages of [
      [inDev, inStaging],
      [inStaging, inDev]
    ]) {
      const result = transitionGate({ ...both, currentStages })
      expect(result.source).toEqual({ stage: 'dev', enteredAt: inDev.since })
      expect(result.gate.summary).toBe(
        'v1.3.0 is in dev; production may be entered from dev, staging'
      )
    }
  })

  describe('candidate (any registered version)', () => {
    it('passes a version in no stage, from its registration', () => {
      const result = transitionGate(
        context({ targetStage: 'dev', allowedFrom: ['candidate'], currentStages: [] })
      )
      expect(result).toEqual({
        source: { stage: 'candidate', enteredAt: registeredAt },
        gate: {
          gate: 'transition',
          status: 'pass',
          summary: 'v1.3.0 is registered; dev accepts registered versions'
        }
      })
    })

    it('counts the registration as entered first when other sources are listed too', () => {
      const result = transitionGate(
        context({ allowedFrom: ['staging', 'candidate'], currentStages: [inStaging] })
      )
      expect(result.source).toEqual({ stage: 'candidate', enteredAt: registeredAt })
    })

    it('takes a listed stage entered before the registration date over the registration', () => {
      // Clocks disagree at times; the earliest recorded entry still wins.
      const early = { stage: 'staging', since: new Date('2026-10-01T00:00:00Z') }
      const result = transitionGate(
        context({ allowedFrom: ['candidate', 'staging'], currentStages: [early] })
      )
      expect(result.source).toEqual({ stage: 'staging', enteredAt: early.since })
      expect(result.gate.summary).toBe(
        'v1.3.0 is in staging; production may be entered from candidate, staging'
      )
    })

    it('is no source unless the target lists it', () => {
      const result = transitionGate(context({ currentStages: [] }))
      expect(result.gate.status).toBe('fail')
    })
  })
})
