// The action's step outputs of a monitor run that drives several rollouts (src/action/rollout.ts
// `monitorRolloutOutputs`, pure): the single outputs are the most severe step's, a canary's
// before a shadow's between equals, and `rollout-steps` lists every step in the policy's order.
import { monitorRolloutOutputs } from '../src/action/rollout.js'
import type { RolloutDriveResult } from '../src/report/monitor-rollout.js'

type Kind = 'start' | 'advance' | 'hold' | 'abort' | 'complete'

function stepped(
  stage: string,
  type: 'shadow' | 'canary',
  kind: Kind,
  percent: number,
  version = 'v2'
): RolloutDriveResult {
  return {
    stage,
    type,
    version,
    champion: 'v1',
    verdict: 'healthy',
    triggers: [],
    action: { kind: 'none' },
    queries: 0,
    source: 'file',
    step: { kind, version, percent }
  }
}

const waiting: RolloutDriveResult = {
  stage: 'idle',
  type: 'canary',
  verdict: 'healthy',
  triggers: [],
  action: { kind: 'wait', until: new Date(0) },
  queries: 0,
  source: 'file'
}

const single = (outputs: Record<string, string>) => ({
  step: outputs['rollout-step'],
  stage: outputs['rollout-stage'],
  percent: outputs['traffic-percent'],
  version: outputs.version
})

describe('monitorRolloutOutputs', () => {
  it('sets nothing when no rollout took a step', () => {
    expect(monitorRolloutOutputs([])).toEqual({})
    expect(monitorRolloutOutputs([waiting])).toEqual({})
  })

  it("never lets a shadow's hold, listed first, hide a canary's abort", () => {
    const outputs = monitorRolloutOutputs([
      stepped('shadow', 'shadow', 'hold', 0, 'v3'),
      waiting,
      stepped('canary', 'canary', 'abort', 0)
    ])
    expect(single(outputs)).toEqual({ step: 'abort', stage: 'canary', percent: '0', version: 'v2' })
    expect(JSON.parse(outputs['rollout-steps'] ?? '')).toEqual([
      {
        stage: 'shadow',
        rollout_step: 'hold',
        traffic_percent: 0,
        version: 'v3',
        champion_version: 'v1'
      },
      {
        stage: 'canary',
        rollout_step: 'abort',
        traffic_percent: 0,
        version: 'v2',
        champion_version: 'v1'
      }
    ])
  })

  it("a shadow's abort outranks a canary's hold", () => {
    const outputs = monitorRolloutOutputs([
      stepped('canary', 'canary', 'hold', 10),
      stepped('shadow', 'shadow', 'abort', 0, 'v3')
    ])
    expect(single(outputs)).toEqual({ step: 'abort', stage: 'shadow', percent: '0', version: 'v3' })
  })

  it("between equal steps a canary's comes first: a shadow's share is never read as the canary's", () => {
    const outputs = monitorRolloutOutputs([
      stepped('shadow', 'shadow', 'complete', 100),
      stepped('canary', 'canary', 'advance', 10)
    ])
    expect(single(outputs)).toEqual({
      step: 'advance',
      stage: 'canary',
      percent: '10',
      version: 'v2'
    })
  })

  it('between two canaries with equal steps, the policy’s first', () => {
    const outputs = monitorRolloutOutputs([
      stepped('canary-eu', 'canary', 'advance', 10, 'v5'),
      stepped('canary-us', 'canary', 'advance', 25, 'v6')
    ])
    expect(single(outputs)).toEqual({
      step: 'advance',
      stage: 'canary-eu',
      percent: '10',
      version: 'v5'
    })
  })

  it('after complete the champion is the version itself, now the full stage’s holder', () => {
    const outputs = monitorRolloutOutputs([stepped('canary', 'canary', 'complete', 100)])
    expect(outputs['champion-version']).toBe('v2')
    expect(JSON.parse(outputs['rollout-steps'] ?? '')[0]).toMatchObject({ champion_version: 'v2' })
  })
})
