// Issue 15's finding on a rollout's start, the pure parts: the shadow-ready gate, the
// rolled-back gate naming a rollout's abort, and the words for a completed shadow (it moved on
// to the next stage; it never took "full traffic").
import { rolledBackGate } from '../src/gates/rolled-back.js'
import { shadowReadyGate } from '../src/gates/shadow-ready.js'
import { stepSummary } from '../src/rollout/step-summary.js'
import { driveActionText, type RolloutDriveResult } from '../src/report/monitor-rollout.js'

const AT = new Date('2026-12-03T04:10:05Z')

describe('the shadow-ready gate', () => {
  const reading = { stage: 'shadow', version: 'v2.0.0', running: 'v2.0.0' } as const
  it('passes only a shadow of this version judged ready now', () => {
    const ready = shadowReadyGate({ ...reading, action: 'ready', verdict: 'healthy' })
    expect(ready).toMatchObject({ gate: 'shadow_ready', status: 'pass' })
    expect(ready.summary).toBe(
      'shadow v2.0.0: ready (healthy past its min_step_duration, as monitor judges it now)'
    )
  })
  it('fails a breach, a wait, inconclusive data, another version, and a source that cannot answer', () => {
    const fails = [
      [
        { ...reading, action: 'abort', verdict: 'breach', why: 'agreement 0.9 < 0.95' },
        'shadow v2.0.0: breach: agreement 0.9 < 0.95'
      ],
      [{ ...reading, action: 'alert', verdict: 'breach' }, 'shadow v2.0.0: breach'],
      [
        { ...reading, action: 'wait', verdict: 'healthy', until: AT },
        'shadow v2.0.0: wait: healthy so far, judged only once its min_step_duration has passed (2026-12-03 04:10 UTC)'
      ],
      [
        { ...reading, action: 'hold', verdict: 'inconclusive' },
        'shadow v2.0.0: inconclusive: too little data to judge it healthy'
      ],
      [
        { ...reading, running: 'v1.0.0', action: 'ready', verdict: 'healthy' },
        'shadow v2.0.0: not ready: shadow has no running rollout of v2.0.0 (it runs v1.0.0)'
      ],
      [
        { stage: 'shadow', version: 'v2.0.0', action: 'none', verdict: 'not-watched' },
        'shadow v2.0.0: not ready: shadow has no running rollout of v2.0.0'
      ],
      [
        { stage: 'shadow', version: 'v2.0.0', action: 'error', why: 'connect ECONNREFUSED' },
        'shadow v2.0.0: could not be judged: connect ECONNREFUSED'
      ]
    ] as const
    for (const [input, summary] of fails) {
      expect(shadowReadyGate(input)).toMatchObject({ status: 'fail', summary })
    }
  })
})

describe("the rolled-back gate on a rollout's abort", () => {
  it('names the abort and its reason, and that only a forced start returns it', () => {
    const gate = rolledBackGate({
      version: 'v1.2.0',
      stage: 'canary',
      removal: {
        at: AT,
        by: 'modelgate',
        reason: 'error rate breached',
        eventId: 'm#canary!#7',
        rolloutAbort: true
      }
    })
    expect(gate).toMatchObject({ gate: 'rolled_back', status: 'fail' })
    expect(gate?.summary).toBe(
      'the rollout of v1.2.0 in canary was aborted at 2026-12-03 04:10 UTC by modelgate: error rate breached; it starts there again only when forced'
    )
  })
})

describe('a completed shadow', () => {
  it('is worded as the version moving on, never as full traffic', () => {
    const complete = { kind: 'complete', version: 'v2.0.0', percent: 100 } as const
    expect(stepSummary('m', 'shadow', complete)).toBe(
      'Complete rollout of m v2.0.0 in shadow: moved on to the next stage'
    )
    const result = (type: 'shadow' | 'canary', into: string) =>
      ({
        stage: type,
        type,
        version: 'v2.0.0',
        verdict: 'healthy',
        triggers: [],
        action: { kind: 'complete', into, written: true, dryRun: false },
        queries: 0,
        source: ''
      }) as RolloutDriveResult
    expect(driveActionText(result('shadow', 'canary'))).toBe(
      'Completed the shadow of v2.0.0: it moved on to canary.'
    )
    expect(driveActionText(result('canary', 'production'))).toBe(
      'Completed the rollout of v2.0.0: it holds production, full traffic.'
    )
  })
})

describe('a shadow ready for the next stage', () => {
  const ready = (next: string[], starts: string[]) =>
    ({
      stage: 'shadow',
      type: 'shadow',
      version: 'v2.0.0',
      verdict: 'healthy',
      triggers: [],
      action: { kind: 'ready', next, model: 'churn', starts },
      queries: 0,
      source: ''
    }) as RolloutDriveResult
  it('says how to start a next stage that is a rollout stage (promote --to it is refused)', () => {
    expect(driveActionText(ready(['canary'], ['canary']))).toBe(
      'v2.0.0 is ready for canary, a rollout stage: start it there (judged by its gates) with modelgate rollout churn --stage canary --start --version v2.0.0. Nothing written.'
    )
  })
  it('calls an ordinary next stage an ordinary promotion', () => {
    expect(driveActionText(ready(['production'], []))).toBe(
      'v2.0.0 is ready for promotion to production: an ordinary promotion with its gates. Nothing written.'
    )
  })
})
