// Issue 15, "Chart", on the promoting pull request: when a version is promoted into the stage
// after a canary, the sticky comment shows that version's canary rollout, its steps from the
// registry and its triggers over the rollout from the canary's source
// (commands/rollout-chart.ts promotedCanaryChart), the charts dropped first when the comment
// must shrink; a source that cannot answer leaves the steps and says why.
import { promotedCanaryChart } from '../src/commands/rollout-chart.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import type { MetricSource, RangeQuery } from '../src/monitor/types.js'
import { MetricSourceError } from '../src/monitor/types.js'
import { Policy } from '../src/policy/schema.js'
import type { Registry } from '../src/registry/port.js'
import { renderComment } from '../src/report/comment.js'
import { renderPromotedRollout } from '../src/report/rollout-chart.js'
import type { RolloutStep } from '../src/rollout/step-types.js'

const T0 = Date.UTC(2026, 0, 5, 0, 0, 0)
const MIN = 60_000

const policy = Policy.parse({
  model: 'churn',
  metrics: { accuracy: { goal: 'maximize' } },
  stages: {
    staging: { from: ['candidate'] },
    canary: {
      from: ['staging'],
      rollout: {
        type: 'canary',
        steps: [5, 10, 25, 50],
        min_step_duration: '30m',
        source: { prometheus: { url: 'http://127.0.0.1:9090' } },
        triggers: [
          {
            name: 'error rate',
            query: 'max(error_ratio{version="$version"})',
            relative: { baseline: 'champion', max_increase_pct: 50 }
          }
        ]
      }
    },
    production: { from: ['canary'] }
  }
})

function step(kind: RolloutStep['kind'], percent: number, minutes: number): RolloutStep {
  return {
    model: 'churn',
    stage: 'canary',
    version: 'v2',
    kind,
    percent,
    at: new Date(T0 + minutes * MIN),
    by: 'Ana',
    id: `churn#canary#${minutes}`
  }
}

const STEPS = [
  step('start', 5, 0),
  step('advance', 10, 31),
  step('advance', 25, 62),
  step('advance', 50, 93)
]

/** The registry port, as far as the chart reads it: the canary's steps. */
function stepsRegistry(steps: RolloutStep[]): Registry {
  const registry: Partial<Registry> = {
    rolloutSteps: async (model, stage) => (model === 'churn' && stage === 'canary' ? steps : [])
  }
  return registry as Registry
}

function source(answer: (q: RangeQuery) => number): MetricSource & { asked: RangeQuery[] } {
  const asked: RangeQuery[] = []
  return {
    description: 'fake',
    asked,
    async queryRange(q) {
      asked.push(q)
      const samples = []
      for (let t = q.start; t <= q.end; t += q.stepMs) samples.push({ time: t, value: answer(q) })
      return [{ labels: {}, samples }]
    }
  }
}

const request = (sourceFor: () => MetricSource, version = 'v2') => ({
  stage: 'production',
  version,
  champion: 'v1',
  at: new Date(T0 + 120 * MIN),
  sourceFor
})

describe('promotedCanaryChart', () => {
  it("reads the promoted version's canary: its steps, and candidate and champion over the rollout", async () => {
    const fed = source(q => (q.values.version === 'v2' ? 0.02 : 0.01))
    const chart = await promotedCanaryChart(
      stepsRegistry(STEPS),
      policy,
      request(() => fed)
    )
    expect(chart).toMatchObject({ stage: 'canary', version: 'v2', champion: 'v1' })
    expect(chart?.steps.map(s => s.percent)).toEqual([5, 10, 25, 50])
    expect(fed.asked.map(q => [q.values.version, q.start, q.end])).toEqual([
      ['v2', T0, T0 + 120 * MIN],
      ['v1', T0, T0 + 120 * MIN]
    ])
    const point = chart?.series[0]?.points.find(p => p.time === T0 + 66 * MIN)
    expect(point).toEqual({ time: T0 + 66 * MIN, percent: 25, candidate: 0.02, champion: 0.01 })
    const text = renderPromotedRollout(chart) as string
    expect(text).toContain('### canary: the rollout of **v2**')
    expect(text).toContain('| 2026-01-05 00:31:00 | advance | 10% |')
    expect(text).toContain('```mermaid')
  })

  it('charts an ended rollout to its last step; nothing for a stage after no canary or another version', async () => {
    const fed = source(() => 0.02)
    const complete = [...STEPS, step('complete', 100, 100)]
    const chart = await promotedCanaryChart(
      stepsRegistry(complete),
      policy,
      request(() => fed)
    )
    expect(chart?.end).toBe(T0 + 100 * MIN)
    const other = await promotedCanaryChart(
      stepsRegistry(STEPS),
      policy,
      request(() => fed, 'v3')
    )
    expect(other).toBeUndefined()
    const staging = await promotedCanaryChart(stepsRegistry(STEPS), policy, {
      ...request(() => fed),
      stage: 'staging'
    })
    expect(staging).toBeUndefined()
  })

  it('keeps the steps and says why when the source cannot answer (fail open)', async () => {
    const down: MetricSource = {
      description: 'down',
      queryRange: async () => {
        throw new MetricSourceError('Prometheus at http://127.0.0.1:9090 did not answer within 2 s')
      }
    }
    const chart = await promotedCanaryChart(
      stepsRegistry(STEPS),
      policy,
      request(() => down)
    )
    expect(chart?.unavailable).toContain('did not answer within 2 s')
    const text = renderPromotedRollout(chart) as string
    expect(text).toContain('| 2026-01-05 01:33:00 | advance | 50% |')
    expect(text).toContain('No chart: Prometheus at')
    expect(text).not.toContain('```mermaid')
  })
})

describe('the sticky comment with the rollout', () => {
  const evaluation = evaluateStage({
    policy,
    stage: 'production',
    candidate: {
      label: 'v2',
      version: 'v2',
      dir: '/c',
      metrics: { accuracy: 0.9 },
      invalidMetrics: {},
      files: [],
      totalBytes: 0
    },
    now: new Date(T0 + 120 * MIN)
  })

  it('shows the rollout, and drops its charts first (tables stay), then the section, saying so', async () => {
    const fed = source(q => (q.values.version === 'v2' ? 0.02 : 0.01))
    const rollout = await promotedCanaryChart(
      stepsRegistry(STEPS),
      policy,
      request(() => fed)
    )
    const full = renderComment({ evaluation, ...(rollout ? { rollout } : {}) })
    expect(full).toContain('### canary: the rollout of **v2**')
    expect(full.match(/```mermaid/g)).toHaveLength(1)
    expect(full).not.toContain('Shortened')
    const tables = renderComment(
      { evaluation, ...(rollout ? { rollout } : {}) },
      { limit: full.length - 1 }
    )
    expect(tables.length).toBeLessThan(full.length)
    expect(tables).not.toContain('```mermaid')
    expect(tables).toContain('| 2026-01-05 00:31:00 | advance | 10% |')
    expect(tables).toContain('the rollout charts are left out (their tables stay)')
    const bare = renderComment({ evaluation })
    const none = renderComment(
      { evaluation, ...(rollout ? { rollout } : {}) },
      { limit: bare.length + 150 }
    )
    expect(none.length).toBeLessThanOrEqual(bare.length + 150)
    expect(none).not.toContain('the rollout of')
    expect(none).toContain('the rollout chart and tables, ')
  })
})
