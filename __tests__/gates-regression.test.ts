import type { RegressionRule } from '../src/policy/schema.js'
import {
  describeRegression,
  regressionGate,
  type RegressionContext
} from '../src/gates/regression.js'

const goals: RegressionContext['goals'] = {
  accuracy: { goal: 'maximize' },
  roc_auc: { goal: 'maximize' },
  latency_p95_ms: { goal: 'minimize' }
}

function run(
  rules: Record<string, RegressionRule>,
  candidate: Record<string, number>,
  champion: Record<string, number> | undefined,
  extra: Partial<RegressionContext> = {}
) {
  return regressionGate({
    rules,
    goals,
    candidate: { metrics: candidate },
    champion: champion && { label: 'v1.3.0', metrics: champion },
    stage: 'production',
    ...extra
  })
}

describe('regression gate', () => {
  it('is skipped with no champion, saying so, and keeps the rows', () => {
    const result = run({ accuracy: { max_drop: 0 } }, { accuracy: 0.9 }, undefined)
    expect(result.gate).toBe('regression')
    expect(result.status).toBe('skipped')
    expect(result.summary).toBe(
      'no champion in production yet (first promotion), nothing to compare against'
    )
    expect(result.checks).toEqual([
      {
        metric: 'accuracy',
        candidate: 0.9,
        rule: 'no drop',
        status: 'skipped',
        problem: 'no champion yet'
      }
    ])
  })

  it('passes an improvement and an equal value', () => {
    const result = run(
      { accuracy: { max_drop: 0 }, latency_p95_ms: { max_drop: 0 } },
      { accuracy: 0.881, latency_p95_ms: 61 },
      { accuracy: 0.874, latency_p95_ms: 61 }
    )
    expect(result.status).toBe('pass')
    expect(result.summary).toBe(
      'all 2 metrics are within the allowed regression vs champion v1.3.0'
    )
    expect(result.checks?.[0]).toEqual({
      metric: 'accuracy',
      candidate: 0.881,
      champion: 0.874,
      rule: 'no drop',
      status: 'pass'
    })
  })

  it('fails a drop of a maximised metric beyond max_drop', () => {
    const result = run({ accuracy: { max_drop: 0.01 } }, { accuracy: 0.861 }, { accuracy: 0.874 })
    expect(result.status).toBe('fail')
    expect(result.summary).toBe('1 of 1 metric fails against champion v1.3.0')
    expect(result.details).toEqual([
      'accuracy dropped 0.013, more than the 0.01 allowed (0.874 → 0.861)'
    ])
    expect(result.checks?.[0]?.problem).toBe('dropped 0.013, more than the 0.01 allowed')
  })

  it('leaves out a side that has no usable value, and says why each side failed', () => {
    const result = run({ accuracy: { max_drop: 0 } }, {}, { accuracy: Number.NaN })
    expect(result.checks).toStrictEqual([
      {
        metric: 'accuracy',
        rule: 'no drop',
        status: 'fail',
        problem: "is missing; champion's value is NaN"
      }
    ])
    expect(result.details).toEqual([
      "accuracy is missing; accuracy: champion v1.3.0's value is NaN, cannot compare"
    ])
    const noGoal = run({ f1: { max_drop: 0 } }, { f1: 0.5 }, { f1: 0.6 })
    expect(noGoal.checks).toStrictEqual([
      {
        metric: 'f1',
        rule: 'no worsening',
        status: 'fail',
        candidate: 0.5,
        champion: 0.6,
        problem: 'no direction under metrics'
      }
    ])
  })

  it('words its summary for one metric and for several failing', () => {
    expect(run({ accuracy: { max_drop: 0 } }, { accuracy: 0.9 }, { accuracy: 0.9 }).summary).toBe(
      'accuracy is within the allowed regression vs champion v1.3.0'
    )
    const two = run(
      { accuracy: { max_drop: 0 }, roc_auc: { max_drop: 0 }, latency_p95_ms: { max_drop: 0 } },
      { accuracy: 0.8, roc_auc: 0.8, latency_p95_ms: 61 },
      { accuracy: 0.9, roc_auc: 0.9, latency_p95_ms: 61 }
    )
    expect(two.summary).toBe('2 of 3 metrics fail against champion v1.3.0')
    expect(two.checks?.map(check => check.status)).toEqual(['fail', 'fail', 'pass'])
  })

  it('is skipped, not passed, with no rules', () => {
    expect(run({}, { accuracy: 0.9 }, { accuracy: 0.9 })).toEqual({
      gate: 'regression',
      status: 'skipped',
      summary: 'no regression limits configured'
    })
  })

  it('says no drop is allowed when max_drop is 0', () => {
    const result = run({ accuracy: { max_drop: 0 } }, { accuracy: 0.861 }, { accuracy: 0.874 })
    expect(result.details).toEqual(['accuracy dropped 0.013, no drop allowed (0.874 → 0.861)'])
  })

  describe('minimize direction', () => {
    it('treats a rise as the worsening', () => {
      const result = run(
        { latency_p95_ms: { max_drop: 10 } },
        { latency_p95_ms: 72 },
        { latency_p95_ms: 61 }
      )
      expect(result.status).toBe('fail')
      expect(result.details).toEqual(['latency_p95_ms rose 11, more than the 10 allowed (61 → 72)'])
      expect(result.checks?.[0]?.rule).toBe('rise ≤ 10')
    })

    it('passes a fall however large, and a rise within the limit', () => {
      expect(
        run({ latency_p95_ms: { max_drop: 0 } }, { latency_p95_ms: 20 }, { latency_p95_ms: 61 })
          .status
      ).toBe('pass')
      expect(
        run({ latency_p95_ms: { max_drop: 10 } }, { latency_p95_ms: 71 }, { latency_p95_ms: 61 })
          .status
      ).toBe('pass')
    })
  })

  describe('relative tolerance', () => {
    it('allows a fraction of the champion value', () => {
      // 10% of 61 is 6.1
      expect(
        run(
          { latency_p95_ms: { max_relative_drop: 0.1 } },
          { latency_p95_ms: 67.1 },
          { latency_p95_ms: 61 }
        ).status
      ).toBe('pass')
      const result = run(
        { latency_p95_ms: { max_relative_drop: 0.1 } },
        { latency_p95_ms: 67.2 },
        { latency_p95_ms: 61 }
      )
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        'latency_p95_ms rose 6.2, more than the 6.1 allowed (61 → 67.2)'
      ])
      expect(result.checks?.[0]?.rule).toBe('rise ≤ 10%')
    })

    it('says nothing about a champion of 0 when the champion is not 0', () => {
      const rule = { accuracy: { max_relative_drop: 0.5 } }
      const result = run(rule, { accuracy: 0.9 }, { accuracy: 0.9 })
      expect(result.status).toBe('pass')
      expect(result.details).toBeUndefined()
      const fails = run(rule, { accuracy: 0.1 }, { accuracy: 0.9 })
      expect(fails.details).toEqual([
        'accuracy dropped 0.8, more than the 0.45 allowed (0.9 → 0.1)'
      ])
    })

    it('says nothing about a champion of 0 for a max_drop rule', () => {
      const result = run({ accuracy: { max_drop: 0.1 } }, { accuracy: 0 }, { accuracy: 0 })
      expect(result.details).toBeUndefined()
    })

    it('uses the magnitude of a negative champion', () => {
      // 1% of |-2| is 0.02
      expect(
        run({ accuracy: { max_relative_drop: 0.01 } }, { accuracy: -2.02 }, { accuracy: -2 }).status
      ).toBe('pass')
      expect(
        run({ accuracy: { max_relative_drop: 0.01 } }, { accuracy: -2.03 }, { accuracy: -2 }).status
      ).toBe('fail')
    })

    it('requires both limits to hold when both are given', () => {
      const rule = { accuracy: { max_drop: 0.01, max_relative_drop: 0.005 } }
      // drop 0.006: within max_drop 0.01, beyond 0.5% of 0.9 = 0.0045
      expect(run(rule, { accuracy: 0.894 }, { accuracy: 0.9 }).status).toBe('fail')
      // drop 0.004: within both
      expect(run(rule, { accuracy: 0.896 }, { accuracy: 0.9 }).status).toBe('pass')
      const loose = { accuracy: { max_drop: 0.001, max_relative_drop: 0.5 } }
      // drop 0.004: within 50%, beyond max_drop 0.001
      expect(run(loose, { accuracy: 0.896 }, { accuracy: 0.9 }).status).toBe('fail')
      expect(describeRegression(rule.accuracy, 'maximize')).toBe('drop ≤ 0.01 and ≤ 0.5%')
    })

    it('allows no worsening against a champion of 0, and says so', () => {
      const rule = { latency_p95_ms: { max_relative_drop: 0.5 } }
      const worse = run(rule, { latency_p95_ms: 0.001 }, { latency_p95_ms: 0 })
      expect(worse.status).toBe('fail')
      expect(worse.details).toEqual([
        'latency_p95_ms rose 0.001, no rise allowed (0 → 0.001)',
        "latency_p95_ms: the champion's value is 0, so max_relative_drop allows no rise"
      ])
      const equal = run(rule, { latency_p95_ms: 0 }, { latency_p95_ms: 0 })
      expect(equal.status).toBe('pass')
      expect(equal.details).toEqual([
        "latency_p95_ms: the champion's value is 0, so max_relative_drop allows no rise"
      ])
    })
  })

  describe('floating point', () => {
    it('passes 0.900 → 0.895 under max_drop 0.005 despite 0.9 - 0.895 = 0.005000000000000004', () => {
      expect(0.9 - 0.895).toBeGreaterThan(0.005)
      const result = run({ roc_auc: { max_drop: 0.005 } }, { roc_auc: 0.895 }, { roc_auc: 0.9 })
      expect(result.status).toBe('pass')
    })

    it('fails 0.900 → 0.8949 under max_drop 0.005', () => {
      const result = run({ roc_auc: { max_drop: 0.005 } }, { roc_auc: 0.8949 }, { roc_auc: 0.9 })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        'roc_auc dropped 0.0051, more than the 0.005 allowed (0.9 → 0.8949)'
      ])
    })

    it('tolerates rounding in the minimize direction too', () => {
      expect(1.1 - 1.0).toBeGreaterThan(0.1)
      expect(
        run({ latency_p95_ms: { max_drop: 0.1 } }, { latency_p95_ms: 1.1 }, { latency_p95_ms: 1 })
          .status
      ).toBe('pass')
    })

    it('tolerates rounding of a relative allowance', () => {
      // 5% of 0.9 = 0.045000000000000005; 0.9 - 0.855 = 0.04500000000000004
      expect(
        run({ accuracy: { max_relative_drop: 0.05 } }, { accuracy: 0.855 }, { accuracy: 0.9 })
          .status
      ).toBe('pass')
      expect(
        run({ accuracy: { max_relative_drop: 0.05 } }, { accuracy: 0.8549 }, { accuracy: 0.9 })
          .status
      ).toBe('fail')
    })

    it('scales the tolerance with the larger magnitude: 1e-12 × 1,000,000 = 1e-6 either side', () => {
      const rule = { accuracy: { max_drop: 0.005 } }
      // 1000000.9 - 1000000.895 is 0.005 plus about 5e-12 of rounding: within the tolerance.
      expect(run(rule, { accuracy: 1_000_000.895 }, { accuracy: 1_000_000.9 }).status).toBe('pass')
      // 5e-7 beyond the allowance: within 1e-6.
      expect(run(rule, { accuracy: 999_999.9949995 }, { accuracy: 1_000_000 }).status).toBe('pass')
      // 2e-6 beyond: not rounding any more.
      expect(run(rule, { accuracy: 999_999.994998 }, { accuracy: 1_000_000 }).status).toBe('fail')
    })

    it('takes the larger of the two magnitudes, whichever side holds it', () => {
      // A drop of 999,999.5 against 999,999.4999999: 1e-7 beyond, within 1e-12 × 1,000,000
      // though far beyond 1e-12 × 0.5 (the smaller side).
      const rule = { accuracy: { max_drop: 999_999.4999999 } }
      expect(run(rule, { accuracy: 0.5 }, { accuracy: 1_000_000 }).status).toBe('pass')
      const rise = { latency_p95_ms: { max_drop: 999_999.4999999 } }
      expect(run(rise, { latency_p95_ms: 1_000_000 }, { latency_p95_ms: 0.5 }).status).toBe('pass')
      // 2e-6 beyond: fails on either side.
      const tight = { accuracy: { max_drop: 999_999.499998 } }
      expect(run(tight, { accuracy: 0.5 }, { accuracy: 1_000_000 }).status).toBe('fail')
    })

    it('has no tolerance at all when both values are 0: an equal 0 passes exactly', () => {
      const result = run({ accuracy: { max_drop: 0 } }, { accuracy: 0 }, { accuracy: 0 })
      expect(result.status).toBe('pass')
      expect(result.details).toBeUndefined()
    })

    it('shows a worsening just beyond the limit with enough digits to differ', () => {
      const result = run(
        { accuracy: { max_drop: 0.005 } },
        { accuracy: 0.894999 },
        { accuracy: 0.9 }
      )
      expect(result.status).toBe('fail')
      expect(result.checks?.[0]?.problem).toBe('dropped 0.005001, more than the 0.005 allowed')
    })
  })

  describe('fails closed', () => {
    it('fails when the candidate metric is missing', () => {
      const result = run({ accuracy: { max_drop: 0.1 } }, {}, { accuracy: 0.874 })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual(['accuracy is missing'])
      expect(result.checks?.[0]).toEqual({
        metric: 'accuracy',
        champion: 0.874,
        rule: 'drop ≤ 0.1',
        status: 'fail',
        problem: 'is missing'
      })
    })

    it('fails when the candidate metric is invalid', () => {
      const result = regressionGate({
        rules: { roc_auc: { max_drop: 0.1 } },
        goals,
        candidate: { metrics: {}, invalidMetrics: { roc_auc: 'is NaN' } },
        champion: { label: 'v1.3.0', metrics: { roc_auc: 0.9 } },
        stage: 'production'
      })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual(['roc_auc is NaN'])
    })

    it('fails when the champion metric is missing, naming the champion', () => {
      const result = run({ accuracy: { max_drop: 0.1 } }, { accuracy: 0.9 }, {})
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        "accuracy: champion v1.3.0's value is missing, cannot compare"
      ])
      expect(result.checks?.[0]?.problem).toBe("champion's value is missing")
    })

    it('fails when the champion metric is invalid', () => {
      const result = regressionGate({
        rules: { accuracy: { max_drop: 0.1 } },
        goals,
        candidate: { metrics: { accuracy: 0.9 } },
        champion: { label: 'v1.3.0', metrics: {}, invalidMetrics: { accuracy: 'is infinite' } },
        stage: 'production'
      })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        "accuracy: champion v1.3.0's value is infinite, cannot compare"
      ])
    })

    it('names both sides when both are unusable', () => {
      const result = run({ accuracy: { max_drop: 0.1 } }, {}, { accuracy: Number.NaN })
      expect(result.checks?.[0]?.problem).toBe("is missing; champion's value is NaN")
    })

    it('fails a metric with no direction', () => {
      const result = run({ f1: { max_drop: 0.1 } }, { f1: 0.9 }, { f1: 0.9 })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        'f1 has no direction (maximize or minimize) under metrics; cannot compare'
      ])
    })

    it('allows no worsening for a rule with no limit', () => {
      expect(run({ accuracy: {} }, { accuracy: 0.9 }, { accuracy: 0.9 }).status).toBe('pass')
      expect(run({ accuracy: {} }, { accuracy: 0.8999 }, { accuracy: 0.9 }).status).toBe('fail')
    })

    it('notes the candidate problem on a skipped row', () => {
      const result = regressionGate({
        rules: { roc_auc: { max_drop: 0.1 } },
        goals,
        candidate: { metrics: {}, invalidMetrics: { roc_auc: 'is NaN' } },
        stage: 'production'
      })
      expect(result.status).toBe('skipped')
      expect(result.checks?.[0]?.problem).toBe("no champion yet; the candidate's value is NaN")
    })
  })

  it('describes rules in the direction of the metric', () => {
    expect(describeRegression({ max_drop: 0.005 }, 'maximize')).toBe('drop ≤ 0.005')
    expect(describeRegression({ max_drop: 0 }, 'maximize')).toBe('no drop')
    expect(describeRegression({ max_relative_drop: 0 }, 'minimize')).toBe('no rise')
    expect(describeRegression({ max_relative_drop: 0.1 }, 'minimize')).toBe('rise ≤ 10%')
    expect(describeRegression({ max_relative_drop: 0.07 }, 'maximize')).toBe('drop ≤ 7%')
    expect(describeRegression({}, undefined)).toBe('no worsening')
  })
})
