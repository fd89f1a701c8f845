// Issue 15, "Chart": the canary's metrics against the champion's over the rollout. The data is
// read by commands/rollout-chart.ts (here from a hand-written MetricSource), rendered by
// report/rollout-chart.ts as a Mermaid xychart-beta (candidate, champion) and a table (time,
// share with the step boundaries, candidate, champion). Every label is kept safe.
import { chartStepMs, rolloutChart } from '../src/commands/rollout-chart.js'
import type { MetricSource, RangeQuery, Series } from '../src/monitor/types.js'
import { MetricSourceError } from '../src/monitor/types.js'
import { Trigger, type TriggerPolicy } from '../src/policy/monitor.js'
import {
  CHART_POINTS,
  MAX_CHART_SERIES,
  renderRolloutChart,
  type RolloutChart
} from '../src/report/rollout-chart.js'

const T0 = Date.UTC(2026, 0, 5, 4, 0, 0)
const MIN = 60_000
const SAFE = /^[A-Za-z0-9 ._+/:()=-]+$/

const HOSTILE_VERSION = 'v1"]\n```\n<script>x</script> @admin'
const HOSTILE_TRIGGER = 'err --> B[click](https://evil.example) `|` #1'

function trigger(fields: Record<string, unknown>): TriggerPolicy {
  const bound = 'relative' in fields || 'min' in fields ? {} : { max: 0.05 }
  return Trigger.parse({ name: 'error rate', query: 'q{version="$version"}', ...bound, ...fields })
}

/** A source answering each version's series from a function of the time; records the queries. */
function fakeSource(
  answer: (query: RangeQuery) => Series[]
): MetricSource & { asked: RangeQuery[] } {
  const asked: RangeQuery[] = []
  return {
    description: 'fake',
    asked,
    async queryRange(query) {
      asked.push(query)
      return answer(query)
    }
  }
}

/** Samples on Prometheus' grid: start plus whole steps. */
function grid(query: RangeQuery, value: (time: number) => number) {
  const samples = []
  for (let t = query.start; t <= query.end; t += query.stepMs)
    samples.push({ time: t, value: value(t) })
  return samples
}

function mermaidBlocks(markdown: string): string[][] {
  const blocks: string[][] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```mermaid') continue
    const end = lines.indexOf('```', i + 1)
    expect(end).toBeGreaterThan(i)
    blocks.push(lines.slice(i + 1, end))
    i = end
  }
  return blocks
}

const STEPS = [
  { kind: 'start' as const, percent: 5, at: T0 },
  { kind: 'advance' as const, percent: 10, at: T0 + 31 * MIN }
]

describe('rolloutChart (the data)', () => {
  it('reads candidate and champion over the whole rollout at a step that keeps it under CHART_POINTS', async () => {
    const source = fakeSource(q => [
      {
        labels: {},
        samples: grid(q, t => (q.values.version === 'v2' ? 0.02 : 0.01) + (t - T0) / MIN / 1e4)
      }
    ])
    const chart = await rolloutChart(source, {
      triggers: [trigger({ relative: { baseline: 'champion', max_increase_pct: 20 } })],
      values: { model: 'm', version: 'v2', stage: 'canary' },
      version: 'v2',
      champion: 'v1',
      steps: STEPS,
      start: T0,
      end: T0 + 60 * MIN
    })
    expect(source.asked.map(q => q.values.version)).toEqual(['v2', 'v1'])
    expect(source.asked.every(q => q.start === T0 && q.end === T0 + 60 * MIN)).toBe(true)
    expect(chart.stepMs).toBe(3 * MIN) // 60 minutes in at most 24 points, whole minutes
    const points = chart.series[0]?.points ?? []
    expect(points.length).toBeLessThanOrEqual(CHART_POINTS)
    expect(points[0]).toEqual({ time: T0, percent: 5, candidate: 0.02, champion: 0.01 })
    expect(points.find(p => p.time === T0 + 33 * MIN)).toMatchObject({ percent: 10 })
    expect(points.find(p => p.time === T0 + 30 * MIN)).toMatchObject({ percent: 5 })
  })

  it('keeps the trigger step when it is coarser; one query for a trigger that does not compare', async () => {
    expect(chartStepMs(T0, T0 + 60 * MIN, 10 * MIN)).toBe(10 * MIN)
    expect(chartStepMs(T0, T0 + 10 * MIN, MIN)).toBe(MIN)
    expect(chartStepMs(T0, T0 + 7 * 24 * 60 * MIN, MIN)).toBe(439 * MIN)
    const source = fakeSource(q => [{ labels: {}, samples: grid(q, () => 0.97) }])
    const chart = await rolloutChart(source, {
      triggers: [trigger({ query: 'a{champion="$champion"}', min: 0.9 })],
      values: { model: 'm', version: 'v2', stage: 'shadow' },
      version: 'v2',
      champion: 'v1',
      steps: [{ kind: 'start', percent: 0, at: T0 }],
      start: T0,
      end: T0 + 10 * MIN
    })
    expect(source.asked).toHaveLength(1)
    expect(source.asked[0]?.values).toMatchObject({ version: 'v2', champion: 'v1' })
    expect(chart.series[0]?.compared).toBe(false)
  })

  it('matches segments by the by: label, caps the series, and fails open on a source failure', async () => {
    const segments = ['eu', 'us', 'apac', 'latam', 'mea', 'na', 'anz', 'cn']
    const source = fakeSource(q =>
      segments.map(segment => ({
        labels: { segment },
        samples: grid(
          q,
          () => (q.values.version === 'v2' ? 0.02 : 0.01) + segments.indexOf(segment)
        )
      }))
    )
    const input = {
      triggers: [
        trigger({ by: 'segment', relative: { baseline: 'champion', max_increase_pct: 20 } })
      ],
      values: { model: 'm', version: 'v2', stage: 'canary' },
      version: 'v2',
      champion: 'v1',
      steps: STEPS,
      start: T0,
      end: T0 + 5 * MIN
    }
    const chart = await rolloutChart(source, input)
    expect(chart.series).toHaveLength(MAX_CHART_SERIES)
    expect(chart.omitted).toBe(segments.length - MAX_CHART_SERIES)
    expect(chart.series[1]).toMatchObject({ segment: 'segment="us"' })
    expect(chart.series[1]?.points[0]).toMatchObject({ candidate: 1.02, champion: 1.01 })
    const failing = fakeSource(() => {
      throw new MetricSourceError('Prometheus at http://127.0.0.1:9 could not be reached')
    })
    const none = await rolloutChart(failing, input)
    expect(none.series).toEqual([])
    expect(none.unavailable).toContain('could not be reached')
    const text = renderRolloutChart(none) as string
    expect(text).toContain('No chart: Prometheus at http')
    expect(text).toContain('127.0.0.1:9 could not be reached')
    expect(mermaidBlocks(text)).toEqual([])
  })

  it('shows a trigger without data as a table of empty points, and NaN as no value', async () => {
    const source = fakeSource(q =>
      q.values.version === 'v2' ? [] : [{ labels: {}, samples: grid(q, () => NaN) }]
    )
    const chart = await rolloutChart(source, {
      triggers: [trigger({ relative: { baseline: 'champion', max_increase_pct: 20 } })],
      values: { model: 'm', version: 'v2', stage: 'canary' },
      version: 'v2',
      champion: 'v1',
      steps: STEPS,
      start: T0,
      end: T0 + 3 * MIN
    })
    expect(chart.series[0]?.points.map(p => [p.candidate, p.champion])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined]
    ])
    const text = renderRolloutChart(chart) as string
    expect(mermaidBlocks(text)).toEqual([])
    expect(text).toContain(
      '| 2026-01-05 04:00:00 | **5%** ← start 5% at 2026-01-05 04:00:00 | — | — |'
    )
  })
})

describe('renderRolloutChart (the text)', () => {
  const chart = (over: Partial<RolloutChart> = {}): RolloutChart => ({
    version: 'v2',
    champion: 'v1',
    start: T0,
    end: T0 + 40 * MIN,
    stepMs: 10 * MIN,
    steps: STEPS,
    omitted: 0,
    series: [
      {
        trigger: 'error rate',
        compared: true,
        points: [0, 10, 20, 30, 40].map(m => ({
          time: T0 + m * MIN,
          percent: m > 31 ? 10 : 5,
          candidate: 0.01 + m / 1000,
          ...(m === 20 ? {} : { champion: 0.01 })
        }))
      }
    ],
    ...over
  })

  it('draws candidate and champion as two lines and marks the step boundaries in the table', () => {
    const text = renderRolloutChart(chart()) as string
    const [block] = mermaidBlocks(text)
    expect(block).toEqual([
      'xychart-beta',
      '    title "error rate"',
      '    x-axis ["04:00", "04:10", "04:30", "04:40"]',
      '    y-axis 0.008 --> 0.052',
      '    line [0.01, 0.02, 0.04, 0.05]',
      '    line [0.01, 0.01, 0.01, 0.01]'
    ])
    expect(text).toContain('| Time (UTC) | Share | v2 (candidate) | v1 (champion) |')
    expect(text).toContain('| 2026-01-05 04:20:00 | 5% | 0.03 | — |')
    expect(text).toContain(
      '| 2026-01-05 04:40:00 | **10%** ← advance 10% at 2026-01-05 04:31:00 | 0.05 | 0.01 |'
    )
    expect(text).toContain('One point every 10m.')
    // Without the chart (the comment's ladder), the table stays.
    const tableOnly = renderRolloutChart(chart(), { chart: false }) as string
    expect(mermaidBlocks(tableOnly)).toEqual([])
    expect(tableOnly).toContain('| 2026-01-05 04:40:00 |')
  })

  it('leaves a value too large to chart out of the chart, keeping the axis finite', () => {
    const base = chart()
    const points = base.series[0]?.points.map(p =>
      p.time === T0 + 10 * MIN ? { ...p, candidate: 1e300 } : p
    )
    const text = renderRolloutChart(
      chart({
        series: [{ ...(base.series[0] as RolloutChart['series'][0]), points: points ?? [] }]
      })
    ) as string
    const [block] = mermaidBlocks(text)
    expect(block?.[2]).toBe('    x-axis ["04:00", "04:30", "04:40"]')
    expect(block?.join('\n')).not.toMatch(/Infinity|e\+/)
  })

  it('keeps hostile versions and trigger names out of the Mermaid syntax and escapes them in the table', () => {
    const hostile = chart({
      version: HOSTILE_VERSION,
      champion: HOSTILE_VERSION.replace('v1', 'v0'),
      series: [
        {
          ...(chart().series[0] as RolloutChart['series'][0]),
          trigger: HOSTILE_TRIGGER,
          segment: 'segment="eu\n```"'
        }
      ]
    })
    const text = renderRolloutChart(hostile) as string
    const blocks = mermaidBlocks(text)
    expect(blocks).toHaveLength(1)
    const block = blocks[0] as string[]
    expect(block).toHaveLength(6)
    expect(block[1]).toMatch(/^ {4}title "[A-Za-z0-9 ._+/:()=-]+"$/)
    expect(block[1]?.slice(11, -1)).toMatch(SAFE)
    expect(block.join('\n').match(/-->/g)).toHaveLength(1)
    // One fence opened and closed per block: nothing ends it early.
    expect(text.split('\n').filter(line => line.startsWith('```'))).toEqual(['```mermaid', '```'])
    expect(text).not.toContain('<script>')
    expect(text).not.toContain('](https://evil')
    expect(text).toContain('\\<script\\>')
    expect(text).not.toMatch(/@admin/)
  })

  it('says when there is no champion, counts what is not charted, and draws one line for a trigger that does not compare', () => {
    const one = chart({
      champion: undefined,
      omitted: 2,
      series: [{ ...(chart().series[0] as RolloutChart['series'][0]), compared: false }]
    })
    const text = renderRolloutChart(one) as string
    expect(text).toContain('No champion to compare with.')
    expect(text).toContain('2 more series are not charted (at most 6 a rollout).')
    expect(mermaidBlocks(text)[0]?.filter(line => line.startsWith('    line'))).toHaveLength(1)
    expect(text).toContain('| Time (UTC) | Share | v2 (candidate) |\n')
    expect(renderRolloutChart(undefined)).toBeUndefined()
    expect(renderRolloutChart(chart({ series: [] }))).toBeUndefined()
  })
})
