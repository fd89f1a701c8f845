// A re-run of a step's job (GitHub "Re-run job": the same GITHUB_RUN_ID, a later attempt) writes
// nothing twice: every step is stored with the run that took it, and `decideStep` judges a
// request from a run that already recorded a step of the same kind in the stage as recorded
// already, whatever the registry did since (min_step_duration passed, another step, a new
// rollout), except an abort: a run's abort of an earlier rollout never suppresses an abort of
// the rollout running now (that would fail open). Without a run (the CLI) the rules are the ones
// they were.
import type { RolloutStep, RolloutStepRequest } from '../src/registry/port.js'
import { decideStep, recordedByRun, rolloutFacts, stepOfEvent } from '../src/rollout/steps.js'

const T0 = Date.parse('2026-12-01T10:00:00Z')
const HOUR = 3600_000
const WHERE = { model: 'm', stage: 'canary' }
const REPEAT = { noop: 'step already recorded' }

function at(hours: number, request: RolloutStepRequest): RolloutStep {
  return {
    ...request,
    model: 'm',
    stage: 'canary',
    at: new Date(T0 + hours * HOUR),
    by: 'github-actions',
    id: `m#canary#${hours}`
  }
}

const start = at(0, { kind: 'start', version: 'v2', percent: 5, run: '101' })
const to10 = at(1, { kind: 'advance', version: 'v2', percent: 10, from: 5, run: '102' })

describe('decideStep: a request from a run that recorded a step of the same kind', () => {
  it('advance: the re-run after min_step_duration takes no second step; another run does', () => {
    const next: RolloutStepRequest = { kind: 'advance', version: 'v2', percent: 25, from: 10 }
    expect(decideStep([start, to10], { ...next, run: '102' }, WHERE)).toEqual(REPEAT)
    expect(decideStep([start, to10], { ...next, run: '103' }, WHERE)).toBe('write')
    // The start's run advancing is a new step: its own kind was a start.
    expect(decideStep([start, to10], { ...next, run: '101' }, WHERE)).toBe('write')
  })

  it('advance: a re-run after another run advanced further, or after a new rollout, writes nothing', () => {
    const to25 = at(2, { kind: 'advance', version: 'v2', percent: 25, from: 10, run: '103' })
    const again: RolloutStepRequest = { kind: 'advance', version: 'v2', percent: 50, from: 25 }
    expect(decideStep([start, to10, to25], { ...again, run: '102' }, WHERE)).toEqual(REPEAT)
    const abort = at(3, { kind: 'abort', version: 'v2', percent: 0, run: '104' })
    const restart = at(4, { kind: 'start', version: 'v3', percent: 5, run: '105' })
    const steps = [start, to10, abort, restart]
    const advanceV3: RolloutStepRequest = { kind: 'advance', version: 'v3', percent: 10, from: 5 }
    expect(decideStep(steps, { ...advanceV3, run: '102' }, WHERE)).toEqual(REPEAT)
    expect(decideStep(steps, { ...advanceV3, run: '106' }, WHERE)).toBe('write')
  })

  it('start: the re-run after the rollout was aborted does not start it again', () => {
    const abort = at(2, { kind: 'abort', version: 'v2', percent: 0, run: '103' })
    const request: RolloutStepRequest = { kind: 'start', version: 'v2', percent: 5 }
    expect(decideStep([start, to10, abort], { ...request, run: '101' }, WHERE)).toEqual(REPEAT)
    expect(decideStep([start, to10, abort], { ...request, run: '104' }, WHERE)).toBe('write')
    expect(decideStep([start, to10, abort], request, WHERE)).toBe('write')
  })

  it('hold: the re-run after the share moved on holds nothing (the monitor re-run case)', () => {
    const hold = at(2, { kind: 'hold', version: 'v2', percent: 10, run: '103' })
    const to25 = at(3, { kind: 'advance', version: 'v2', percent: 25, from: 10, run: '104' })
    const request: RolloutStepRequest = { kind: 'hold', version: 'v2', percent: 25 }
    expect(decideStep([start, to10, hold, to25], { ...request, run: '103' }, WHERE)).toEqual(REPEAT)
    expect(decideStep([start, to10, hold, to25], { ...request, run: '105' }, WHERE)).toBe('write')
  })

  it('complete: the re-run after a new rollout of the same version leaves it alone', () => {
    const ended = at(2, { kind: 'complete', version: 'v2', percent: 100, run: '103' })
    const restart = at(3, { kind: 'start', version: 'v2', percent: 5, run: '104' })
    const request: RolloutStepRequest = { kind: 'complete', version: 'v2', percent: 100 }
    expect(decideStep([start, to10, ended, restart], { ...request, run: '103' }, WHERE)).toEqual(
      REPEAT
    )
    // Another run (or the CLI) acts on the new rollout.
    expect(decideStep([start, to10, ended, restart], { ...request, run: '105' }, WHERE)).toBe(
      'write'
    )
    expect(decideStep([start, to10, ended, restart], request, WHERE)).toBe('write')
  })

  it('abort: the re-run after a new rollout aborts it (an abort asked for now is never swallowed by an old one)', () => {
    // Run 103 aborted the first rollout of v2; its job is re-run while the second one runs: the
    // abort is asked for now, of the rollout running now. Suppressing it would fail open.
    const ended = at(2, { kind: 'abort', version: 'v2', percent: 0, run: '103' })
    for (const version of ['v2', 'v3']) {
      const restart = at(3, { kind: 'start', version, percent: 5, run: '104' })
      const request: RolloutStepRequest = { kind: 'abort', version, percent: 0 }
      expect(decideStep([start, to10, ended, restart], { ...request, run: '103' }, WHERE)).toBe(
        'write'
      )
      expect(decideStep([start, to10, ended, restart], { ...request, run: '105' }, WHERE)).toBe(
        'write'
      )
    }
  })

  it('abort: the re-run of the run that aborted the current rollout writes nothing', () => {
    const ended = at(2, { kind: 'abort', version: 'v2', percent: 0, run: '103' })
    const request: RolloutStepRequest = { kind: 'abort', version: 'v2', percent: 0, run: '103' }
    expect(decideStep([start, to10, ended], request, WHERE)).toEqual(REPEAT)
    expect(recordedByRun([start, to10, ended], request)).toMatchObject({ id: 'm#canary#2' })
    // The same run's abort of an earlier rollout is not this one's.
    const restart = at(3, { kind: 'start', version: 'v2', percent: 5, run: '104' })
    expect(recordedByRun([start, to10, ended, restart], request)).toBeUndefined()
    // Other kinds match in any rollout: an old advance's re-run must not advance today's.
    const advance: RolloutStepRequest = { kind: 'advance', version: 'v2', percent: 10, run: '102' }
    expect(recordedByRun([start, to10, ended, restart], advance)).toMatchObject({
      id: 'm#canary#1'
    })
  })

  it('without a run (the CLI), a second advance after min_step_duration is a new step', () => {
    const cliStart = at(0, { kind: 'start', version: 'v2', percent: 5 })
    const cliTo10 = at(1, { kind: 'advance', version: 'v2', percent: 10, from: 5 })
    expect(
      decideStep(
        [cliStart, cliTo10],
        { kind: 'advance', version: 'v2', percent: 25, from: 10 },
        WHERE
      )
    ).toBe('write')
  })
})

describe('the run with the stored step', () => {
  it('is in the facts a registry keeps, and read back from them', () => {
    const request: RolloutStepRequest = {
      kind: 'advance',
      version: 'v2',
      percent: 10,
      from: 5,
      run: '123456789'
    }
    const facts = rolloutFacts(request)
    expect(facts).toEqual({ step: 'advance', percent: 10, from: 5, run: '123456789' })
    const event = {
      model: 'm',
      version: 'v2',
      stage: 'canary',
      at: new Date(T0),
      by: 'ana',
      id: 'm#canary#3'
    }
    expect(stepOfEvent({ ...event, audit: { rollout: facts } })?.run).toBe('123456789')
    expect(rolloutFacts({ kind: 'start', version: 'v2', percent: 5 })).not.toHaveProperty('run')
    // A run that is not a run id is left out; the step stays readable.
    for (const run of [42, '', 'x'.repeat(65), 'a b']) {
      const step = stepOfEvent({ ...event, audit: { rollout: { ...facts, run } } })
      expect(step).toMatchObject({ kind: 'advance', percent: 10 })
      expect(step).not.toHaveProperty('run')
    }
  })
})
