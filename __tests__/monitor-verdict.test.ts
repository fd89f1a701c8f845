import type { Series } from '../src/monitor/types.js'
import {
  judgeSample,
  resolveBounds,
  seriesVerdict,
  triggerVerdict,
  type TriggerRule
} from '../src/monitor/verdict.js'

const MINUTE = 60_000
const T0 = Date.UTC(2026, 0, 5)

/** A series of `values`, one a minute from T0. */
function series(values: number[], labels: Record<string, string> = {}): Series {
  return { labels, samples: values.map((value, i) => ({ time: T0 + i * MINUTE, value })) }
}

const RULE: TriggerRule = {
  name: 'error rate',
  max: 0.05,
  failure_limit: 3,
  min_samples: 5,
  no_data: 'inconclusive'
}

/** Breaching (B) and within (w) values for RULE. */
const B = 0.2
const w = 0.01

describe('judgeSample', () => {
  it('keeps both bounds inclusive', () => {
    expect(judgeSample(0.05, { max: 0.05 })).toBe('within')
    expect(judgeSample(0.0500001, { max: 0.05 })).toBe('max')
    expect(judgeSample(0.8, { min: 0.8 })).toBe('within')
    expect(judgeSample(0.7999999, { min: 0.8 })).toBe('min')
    expect(judgeSample(0.9, { min: 0.8, max: 1 })).toBe('within')
  })

  it('never takes NaN as a sample', () => {
    expect(judgeSample(NaN, { max: 1 })).toBe('invalid')
    expect(judgeSample(NaN, { min: 1 })).toBe('invalid')
    expect(judgeSample(NaN, {})).toBe('invalid')
  })

  it('takes an infinity past a bound as breaching, and as no sample otherwise', () => {
    expect(judgeSample(Infinity, { max: 1 })).toBe('max')
    expect(judgeSample(-Infinity, { min: 1 })).toBe('min')
    expect(judgeSample(Infinity, { min: 1 })).toBe('invalid')
    expect(judgeSample(-Infinity, { max: 1 })).toBe('invalid')
    expect(judgeSample(Infinity, {})).toBe('invalid')
    expect(judgeSample(-Infinity, {})).toBe('invalid')
  })

  it('takes any finite value as within when there is no bound', () => {
    expect(judgeSample(1e300, {})).toBe('within')
    expect(judgeSample(-1e300, {})).toBe('within')
  })
})

describe('seriesVerdict', () => {
  const judge = (values: number[], rule: Partial<TriggerRule> = {}) =>
    seriesVerdict({ ...RULE, ...rule }, { max: 0.05 }, series(values))

  it('is healthy with min_samples valid samples and no breaching run', () => {
    expect(judge([w, w, w, w, w])).toMatchObject({
      status: 'healthy',
      reason: 'within-bounds',
      valid: 5,
      invalid: 0,
      longestRun: 0
    })
    expect(judge([w, w, w, w, w]).breachRun).toBeUndefined()
  })

  it('is a breach only from failure_limit breaching samples in a row', () => {
    const short = judge([w, B, B, w, B, B, w])
    expect(short).toMatchObject({ status: 'healthy', longestRun: 2 })
    expect(short.breachRun).toBeUndefined()
    const breach = judge([w, B, B, B, w, w])
    expect(breach).toMatchObject({ status: 'breach', reason: 'breached', longestRun: 3 })
    expect(breach.breachRun).toEqual([
      { time: T0 + MINUTE, value: B, bound: 'max' },
      { time: T0 + 2 * MINUTE, value: B, bound: 'max' },
      { time: T0 + 3 * MINUTE, value: B, bound: 'max' }
    ])
  })

  it('breaches on one sample with failure_limit 1', () => {
    expect(judge([w, w, B, w, w], { failure_limit: 1 })).toMatchObject({ status: 'breach' })
  })

  it('reports the first breaching run whole, and the longest run', () => {
    const verdict = judge([B, B, B, B, w, B, B, B, B, B, w])
    expect(verdict.breachRun?.map(s => s.time)).toEqual([0, 1, 2, 3].map(i => T0 + i * MINUTE))
    expect(verdict.longestRun).toBe(5)
  })

  it('does not let a NaN or an unjudgeable infinity end or extend a run', () => {
    const verdict = judge([w, B, NaN, B, -Infinity, B, w])
    expect(verdict).toMatchObject({ status: 'breach', valid: 5, invalid: 2, longestRun: 3 })
    expect(verdict.breachRun?.map(s => s.value)).toEqual([B, B, B])
    expect(judge([B, NaN, NaN, NaN, B, w, w, w])).toMatchObject({
      status: 'healthy',
      longestRun: 2
    })
  })

  it('counts +Inf above max as a breaching sample', () => {
    expect(judge([Infinity, Infinity, Infinity])).toMatchObject({ status: 'breach', valid: 3 })
  })

  it('counts breaches of either bound in one run, naming the bound of each', () => {
    const verdict = seriesVerdict(RULE, { min: 0.1, max: 0.9 }, series([0.95, 0.05, 1, 0.5]))
    expect(verdict.breachRun?.map(s => s.bound)).toEqual(['max', 'min', 'max'])
  })

  it('is no data with fewer than min_samples valid samples, NaN not counted', () => {
    expect(judge([w, w, w, w])).toMatchObject({
      status: 'inconclusive',
      reason: 'too-few-samples',
      valid: 4
    })
    expect(judge([w, w, w, w, NaN, -Infinity])).toMatchObject({
      status: 'inconclusive',
      valid: 4,
      invalid: 2
    })
    expect(judge([NaN, NaN, NaN, NaN, NaN, NaN])).toMatchObject({ status: 'inconclusive' })
    expect(judge([])).toMatchObject({ status: 'inconclusive', valid: 0, invalid: 0 })
    expect(judge([w, w, w, w], { no_data: 'breach' })).toMatchObject({
      status: 'breach',
      reason: 'too-few-samples'
    })
    expect(judge([w, w, w, w], { no_data: 'breach' }).breachRun).toBeUndefined()
  })

  it('breaches on a full run even with fewer than min_samples samples', () => {
    expect(judge([B, B, B], { min_samples: 10 })).toMatchObject({
      status: 'breach',
      reason: 'breached'
    })
  })

  it('judges samples in time order, whatever order they came in', () => {
    const shuffled: Series = {
      labels: {},
      samples: [
        { time: T0 + 2 * MINUTE, value: B },
        { time: T0, value: B },
        { time: T0 + 3 * MINUTE, value: w },
        { time: T0 + MINUTE, value: B },
        { time: T0 + 4 * MINUTE, value: w }
      ]
    }
    const verdict = seriesVerdict(RULE, { max: 0.05 }, shuffled)
    expect(verdict.status).toBe('breach')
    expect(verdict.samples.map(s => s.time)).toEqual([0, 1, 2, 3, 4].map(i => T0 + i * MINUTE))
    expect(shuffled.samples[0]?.time).toBe(T0 + 2 * MINUTE)
  })
})

describe('triggerVerdict', () => {
  it('is healthy when every series is, with the bounds and the longest run', () => {
    const verdict = triggerVerdict(RULE, [series([w, B, B, w, w, w], { instance: 'a' })])
    expect(verdict).toMatchObject({
      trigger: 'error rate',
      status: 'healthy',
      reason: 'within-bounds',
      summary: 'within bounds; longest breaching run 2 (limit 3)',
      bounds: { max: 0.05 },
      failureLimit: 3,
      minSamples: 5
    })
    expect(verdict.series[0]?.labels).toEqual({ instance: 'a' })
    // Absent, not undefined: the verdict goes into JSON evidence as it is.
    expect(Object.keys(verdict)).not.toContain('baseline')
    // The longest run over all series.
    expect(triggerVerdict(RULE, [series([w, B, w, w, w]), series([B, B, w, w, w])]).summary).toBe(
      'within bounds; longest breaching run 2 (limit 3)'
    )
  })

  it('is a breach with the run as evidence', () => {
    const verdict = triggerVerdict(RULE, [series([w, B, B, B, B, w])])
    expect(verdict).toMatchObject({
      status: 'breach',
      reason: 'breached',
      summary: '4 breaching samples in a row (limit 3)'
    })
  })

  it('judges each series alone: one breach is a breach of the trigger', () => {
    const verdict = triggerVerdict(RULE, [series([w, w, w, w, w]), series([B, B, B, w, w])])
    expect(verdict.status).toBe('breach')
    expect(verdict.summary).toBe('3 breaching samples in a row (limit 3) in 1 of 2 series')
    expect(verdict.series.map(s => s.status)).toEqual(['healthy', 'breach'])
    // Two series alternating do not make one run.
    expect(triggerVerdict(RULE, [series([B, w, B, w, B]), series([w, B, w, B, w])]).status).toBe(
      'healthy'
    )
  })

  it('is inconclusive when one series has too few samples and none breaches', () => {
    const verdict = triggerVerdict(RULE, [series([w, w, w, w, w]), series([w, NaN])])
    expect(verdict).toMatchObject({
      status: 'inconclusive',
      reason: 'too-few-samples',
      summary: 'no data: fewer than 5 valid samples in 1 of 2 series (inconclusive)'
    })
  })

  it('puts a real breach before a no-data breach', () => {
    const rule = { ...RULE, no_data: 'breach' as const }
    const verdict = triggerVerdict(rule, [series([w]), series([B, B, B])])
    expect(verdict).toMatchObject({ status: 'breach', reason: 'breached' })
    expect(triggerVerdict(rule, [series([w]), series([w, w, w, w, w])])).toMatchObject({
      status: 'breach',
      reason: 'too-few-samples',
      summary: 'no data: fewer than 5 valid samples in 1 of 2 series (no_data: breach)'
    })
  })

  it('takes no series as no data: inconclusive by default, a breach only when the policy says', () => {
    expect(triggerVerdict(RULE, [])).toEqual({
      trigger: 'error rate',
      status: 'inconclusive',
      reason: 'no-series',
      summary: 'no data: the query matched no series (inconclusive)',
      failureLimit: 3,
      minSamples: 5,
      series: []
    })
    expect(triggerVerdict({ ...RULE, no_data: 'breach' }, [])).toMatchObject({
      status: 'breach',
      reason: 'no-series',
      summary: 'no data: the query matched no series (no_data: breach)'
    })
  })

  it('is never healthy on NaN only or ±Inf only samples', () => {
    for (const value of [NaN, -Infinity]) {
      expect(triggerVerdict(RULE, [series(Array(10).fill(value))]).status).toBe('inconclusive')
    }
    expect(triggerVerdict(RULE, [series(Array(10).fill(Infinity))]).status).toBe('breach')
    expect(
      triggerVerdict({ ...RULE, max: undefined, min: 0.8 }, [series(Array(10).fill(Infinity))])
        .status
    ).toBe('inconclusive')
  })

  describe('a relative bound', () => {
    const accuracy: TriggerRule = {
      name: 'accuracy',
      relative: { baseline: 'audit', metric: 'accuracy', max_decrease_pct: 10 },
      failure_limit: 2,
      min_samples: 3,
      no_data: 'breach'
    }
    const audit = (value: number | undefined) =>
      ({ from: 'audit', metric: 'accuracy', value }) as const

    it('compares with the audit value', () => {
      const healthy = triggerVerdict(accuracy, [series([0.9, 0.82, 0.85])], audit(0.9))
      expect(healthy.status).toBe('healthy')
      expect(healthy.bounds?.min).toBeCloseTo(0.81, 12)
      expect(healthy.bounds?.max).toBeUndefined()
      expect(healthy.baseline).toEqual({ from: 'audit', value: 0.9 })
      expect(triggerVerdict(accuracy, [series([0.9, 0.8, 0.79])], audit(0.9)).status).toBe('breach')
    })

    it('uses the magnitude of the baseline, so negative and zero baselines work', () => {
      const both = {
        ...accuracy,
        relative: {
          baseline: 'audit' as const,
          metric: 'm',
          max_increase_pct: 10,
          max_decrease_pct: 20
        }
      }
      expect(resolveBounds(both, audit(-10)).bounds).toEqual({ min: -12, max: -9 })
      expect(resolveBounds(both, audit(10)).bounds).toEqual({ min: 8, max: 11 })
      expect(resolveBounds(both, audit(0)).bounds).toEqual({ min: 0, max: 0 })
    })

    it('is inconclusive without a usable baseline, whatever no_data says', () => {
      const cases: [Parameters<typeof triggerVerdict>[2], string][] = [
        [undefined, 'the audit baseline was not given'],
        [{ from: 'previous_holder', series: [] }, 'the audit baseline was not given'],
        [audit(undefined), 'the audit record holds no accuracy'],
        [audit(NaN), "the audit record's accuracy is NaN"],
        [audit(Infinity), "the audit record's accuracy is Infinity"]
      ]
      for (const [baseline, problem] of cases) {
        const verdict = triggerVerdict(accuracy, [series([0.1, 0.1, 0.1])], baseline)
        expect(verdict).toMatchObject({
          status: 'inconclusive',
          reason: 'no-baseline',
          summary: `no baseline: ${problem}`,
          baseline: { from: 'audit', problem }
        })
        expect(verdict.bounds).toBeUndefined()
        expect(verdict.series[0]).toMatchObject({
          status: 'inconclusive',
          reason: 'no-baseline',
          valid: 3
        })
      }
    })

    it('takes no series as no data before it looks at the baseline', () => {
      expect(triggerVerdict(accuracy, [], undefined)).toMatchObject({
        status: 'breach',
        reason: 'no-series'
      })
    })

    const previous: TriggerRule = {
      ...accuracy,
      relative: { baseline: 'previous_holder', max_increase_pct: 50 }
    }
    const holder = (...s: Series[]) => ({ from: 'previous_holder', series: s }) as const

    it('compares with the mean of the previous holder, NaN left out', () => {
      const verdict = triggerVerdict(
        previous,
        [series([100, 140, 160, 160])],
        holder(series([80, NaN, 120, 100, Infinity]))
      )
      expect(verdict.baseline).toEqual({ from: 'previous_holder', value: 100, samples: 3 })
      expect(verdict.bounds).toEqual({ max: 150 })
      expect(verdict.status).toBe('breach')
      expect(verdict.series[0]?.breachRun?.map(s => s.value)).toEqual([160, 160])
    })

    it('needs exactly one previous-holder series with min_samples valid samples', () => {
      const cases: [Series[], string][] = [
        [[], 'the query matched no series for the previous holder'],
        [
          [series([1, 1, 1]), series([1, 1, 1])],
          'the query matched 2 series for the previous holder, not one'
        ],
        [[series([1, 1, NaN, Infinity])], 'the previous holder has 2 valid samples, fewer than 3']
      ]
      for (const [baselineSeries, problem] of cases) {
        expect(
          triggerVerdict(previous, [series([1, 1, 1])], holder(...baselineSeries))
        ).toMatchObject({
          status: 'inconclusive',
          reason: 'no-baseline',
          baseline: { from: 'previous_holder', problem }
        })
      }
      expect(triggerVerdict(previous, [series([1, 1, 1])], holder(series([1, 1, 1]))).status).toBe(
        'healthy'
      )
      expect(triggerVerdict(previous, [series([1, 1, 1])])).toMatchObject({
        status: 'inconclusive',
        summary: 'no baseline: the previous holder baseline was not given'
      })
    })

    it('refuses a previous-holder mean that overflows', () => {
      expect(
        triggerVerdict(previous, [series([1, 1, 1])], holder(series([1.7e308, 1.7e308, 1.7e308])))
      ).toMatchObject({
        status: 'inconclusive',
        baseline: { problem: "the previous holder's mean overflows", samples: 3 }
      })
    })
  })
})

describe('resolveBounds', () => {
  it('keeps only the absolute bounds a rule sets', () => {
    const minOnly: TriggerRule = { ...RULE, min: 0.8 }
    delete minOnly.max
    expect(resolveBounds(minOnly, undefined)).toStrictEqual({
      bounds: { min: 0.8 }
    })
    expect(resolveBounds(RULE, undefined)).toStrictEqual({ bounds: { max: 0.05 } })
    expect(resolveBounds({ ...RULE, min: 0 }, undefined)).toStrictEqual({
      bounds: { min: 0, max: 0.05 }
    })
  })
})
