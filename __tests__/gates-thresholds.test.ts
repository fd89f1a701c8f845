import { describeRule, thresholdsGate } from '../src/gates/thresholds.js'

const clinical = {
  accuracy: { min: 0.85 },
  roc_auc: { min: 0.8 },
  latency_p95_ms: { max: 100 }
}

describe('thresholds gate', () => {
  it('passes when every metric is within its bounds', () => {
    const result = thresholdsGate({
      rules: clinical,
      candidate: { metrics: { accuracy: 0.881, roc_auc: 0.915, latency_p95_ms: 64.5 } }
    })
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('all 3 metrics are within bounds')
    expect(result.details).toBeUndefined()
    expect(result.checks).toEqual([
      { metric: 'accuracy', candidate: 0.881, rule: '≥ 0.85', status: 'pass' },
      { metric: 'roc_auc', candidate: 0.915, rule: '≥ 0.8', status: 'pass' },
      { metric: 'latency_p95_ms', candidate: 64.5, rule: '≤ 100', status: 'pass' }
    ])
  })

  it('treats min and max as inclusive', () => {
    const result = thresholdsGate({
      rules: { accuracy: { min: 0.85, max: 0.95 }, latency_p95_ms: { max: 100 } },
      candidate: { metrics: { accuracy: 0.85, latency_p95_ms: 100 } }
    })
    expect(result.status).toBe('pass')
    const upper = thresholdsGate({
      rules: { accuracy: { min: 0.85, max: 0.95 } },
      candidate: { metrics: { accuracy: 0.95 } }
    })
    expect(upper.status).toBe('pass')
  })

  it('fails below the minimum and above the maximum, with the numbers', () => {
    const result = thresholdsGate({
      rules: clinical,
      candidate: { metrics: { accuracy: 0.849, roc_auc: 0.9, latency_p95_ms: 118 } }
    })
    expect(result.status).toBe('fail')
    expect(result.summary).toBe('2 of 3 metrics out of bounds or unusable')
    expect(result.details).toEqual([
      'accuracy is 0.849, below the minimum 0.85',
      'latency_p95_ms is 118, above the maximum 100'
    ])
    expect(result.checks?.[0]).toEqual({
      metric: 'accuracy',
      candidate: 0.849,
      rule: '≥ 0.85',
      status: 'fail',
      problem: 'is 0.849, below the minimum 0.85'
    })
  })

  it('never prints a failing value and its bound as the same number', () => {
    const result = thresholdsGate({
      rules: { accuracy: { min: 0.85 } },
      candidate: { metrics: { accuracy: 0.84999 } }
    })
    expect(result.details).toEqual(['accuracy is 0.84999, below the minimum 0.85'])
  })

  it('fails a missing metric, naming it', () => {
    const result = thresholdsGate({
      rules: clinical,
      candidate: { metrics: { roc_auc: 0.9, latency_p95_ms: 50 } }
    })
    expect(result.status).toBe('fail')
    expect(result.details).toEqual(['accuracy is missing'])
    expect(result.checks?.[0]).toEqual({
      metric: 'accuracy',
      rule: '≥ 0.85',
      status: 'fail',
      problem: 'is missing'
    })
  })

  it.each([
    ['is NaN', 'roc_auc is NaN'],
    ['is a string ("n/a")', 'roc_auc is a string ("n/a")'],
    ['is infinite', 'roc_auc is infinite'],
    ['is null', 'roc_auc is null']
  ])('fails a metric the reader marked invalid (%s)', (why, message) => {
    const result = thresholdsGate({
      rules: clinical,
      candidate: {
        metrics: { accuracy: 0.9, latency_p95_ms: 50 },
        invalidMetrics: { roc_auc: why }
      }
    })
    expect(result.status).toBe('fail')
    expect(result.details).toEqual([message])
    expect(result.checks?.[1]?.candidate).toBeUndefined()
  })

  it('fails closed on non-finite numbers that reached the metrics map anyway', () => {
    const result = thresholdsGate({
      rules: { a: { min: 0 }, b: { max: 1 }, c: { min: 0 } },
      candidate: {
        metrics: { a: Number.NaN, b: Number.NEGATIVE_INFINITY, c: '0.9' as unknown as number }
      }
    })
    expect(result.status).toBe('fail')
    expect(result.details).toEqual(['a is NaN', 'b is infinite', 'c is a string'])
  })

  it('prefers the invalid reason over a value of the same name', () => {
    const result = thresholdsGate({
      rules: { accuracy: { min: 0.5 } },
      candidate: { metrics: { accuracy: 0.9 }, invalidMetrics: { accuracy: 'is NaN' } }
    })
    expect(result.status).toBe('fail')
  })

  it('does not find metrics on the object prototype', () => {
    const result = thresholdsGate({
      rules: { constructor: { min: 0 }, toString: { max: 1 } },
      candidate: { metrics: {} }
    })
    expect(result.status).toBe('fail')
    expect(result.details).toEqual(['constructor is missing', 'toString is missing'])
  })

  it('still requires a metric listed with no bound to be present and a number', () => {
    expect(
      thresholdsGate({ rules: { accuracy: {} }, candidate: { metrics: { accuracy: 0.1 } } }).status
    ).toBe('pass')
    expect(thresholdsGate({ rules: { accuracy: {} }, candidate: { metrics: {} } }).status).toBe(
      'fail'
    )
  })

  it('shows the champion value for reference without judging it', () => {
    const result = thresholdsGate({
      rules: { accuracy: { min: 0.85 } },
      candidate: { metrics: { accuracy: 0.9 } },
      champion: { metrics: { accuracy: 0.5 } }
    })
    expect(result.status).toBe('pass')
    expect(result.checks?.[0]?.champion).toBe(0.5)
  })

  it('says so for one metric within bounds, and is skipped exactly with no rules', () => {
    expect(thresholdsGate({ rules: {}, candidate: { metrics: {} } })).toEqual({
      gate: 'thresholds',
      status: 'skipped',
      summary: 'no thresholds configured'
    })
    expect(
      thresholdsGate({
        rules: { accuracy: { min: 0.5 } },
        candidate: { metrics: { accuracy: 0.6 } }
      }).summary
    ).toBe('accuracy is within bounds')
  })

  it('is skipped, not passed, with no rules', () => {
    expect(thresholdsGate({ rules: {}, candidate: { metrics: {} } }).status).toBe('skipped')
  })

  it('describes rules', () => {
    expect(describeRule({ min: 0.85 })).toBe('≥ 0.85')
    expect(describeRule({ max: 100 })).toBe('≤ 100')
    expect(describeRule({ min: 0.8, max: 0.9 })).toBe('≥ 0.8 and ≤ 0.9')
    expect(describeRule({})).toBe('present')
  })
})
