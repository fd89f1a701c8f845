// Per-segment comparison with the champion (monitor/verdict.ts), from literal series.
import { triggerVerdict, type TriggerRule } from '../src/monitor/verdict.js'
import type { Series } from '../src/monitor/types.js'

const rule: TriggerRule = {
  name: 'error rate',
  relative: { baseline: 'champion', max_increase_pct: 50 },
  by: 'segment',
  failure_limit: 2,
  min_samples: 3,
  no_data: 'inconclusive'
}
const series = (segment: string, values: number[]): Series => ({
  labels: { segment },
  samples: values.map((value, i) => ({ time: i * 60_000, value }))
})

describe('a per-segment comparison with the champion', () => {
  const champion = [series('eu', [0.01, 0.01, 0.01]), series('us', [0.01, 0.01, 0.01])]

  it('breaches when one segment does, though the average is better, and names it', () => {
    const candidate = [series('eu', [0.016, 0.016, 0.016]), series('us', [0.002, 0.002, 0.002])]
    const verdict = triggerVerdict(rule, candidate, { from: 'champion', series: champion })
    expect(verdict.status).toBe('breach')
    expect(verdict.summary).toBe(
      '3 breaching samples in a row (limit 2) in 1 of 2 series (segment="eu")'
    )
    expect(verdict.series.map(s => [s.segment, s.status, s.bounds?.max])).toEqual([
      ['eu', 'breach', 0.015],
      ['us', 'healthy', 0.015]
    ])
  })

  it('is healthy when every segment is within its own champion segment', () => {
    const candidate = [series('eu', [0.012, 0.012, 0.012]), series('us', [0.01, 0.01, 0.01])]
    const verdict = triggerVerdict(rule, candidate, { from: 'champion', series: champion })
    expect(verdict.status).toBe('healthy')
  })

  it('is inconclusive for a segment the champion has no data for', () => {
    const candidate = [series('eu', [0.01, 0.01, 0.01]), series('apac', [0.01, 0.01, 0.01])]
    const verdict = triggerVerdict(rule, candidate, { from: 'champion', series: champion })
    expect(verdict).toMatchObject({ status: 'inconclusive', reason: 'no-baseline' })
    expect(verdict.summary).toBe(
      'no champion baseline for segment="apac": the query matched no series for the champion'
    )
  })

  it('does not advance past a segment the champion serves and the candidate sends nothing for', () => {
    // The candidate's eu pods stopped exporting: the segment is judged as no data, not skipped.
    const candidate = [series('us', [0.002, 0.002, 0.002])]
    const verdict = triggerVerdict(rule, candidate, { from: 'champion', series: champion })
    expect(verdict.status).toBe('inconclusive')
    expect(verdict.summary).toContain('segment="eu"')
    expect(verdict.series.map(s => [s.segment, s.status])).toEqual([
      ['us', 'healthy'],
      ['eu', 'inconclusive']
    ])
    const strict = triggerVerdict({ ...rule, no_data: 'breach' }, candidate, {
      from: 'champion',
      series: champion
    })
    expect(strict.status).toBe('breach')
  })

  it('without by, compares with the champion as one series', () => {
    const one = { ...rule, by: undefined }
    const verdict = triggerVerdict(one, [series('all', [0.02, 0.02, 0.02])], {
      from: 'champion',
      series: [series('all', [0.01, 0.01, 0.01])]
    })
    expect(verdict).toMatchObject({ status: 'breach', bounds: { max: 0.015 } })
  })
})
