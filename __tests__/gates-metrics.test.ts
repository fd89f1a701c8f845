import { readMetric } from '../src/gates/metrics.js'

describe('readMetric', () => {
  it('reads a finite number', () => {
    expect(readMetric({ metrics: { auc: 0.9 } }, 'auc')).toEqual({ ok: true, value: 0.9 })
    expect(readMetric({ metrics: { auc: 0 } }, 'auc')).toEqual({ ok: true, value: 0 })
  })

  it('gives the reason the reader listed over any value, and a default reason', () => {
    expect(readMetric({ metrics: { auc: 0.9 }, invalidMetrics: { auc: 'is NaN' } }, 'auc')).toEqual(
      { ok: false, problem: 'is NaN' }
    )
    const noReason = { metrics: {}, invalidMetrics: { auc: undefined } } as unknown as Parameters<
      typeof readMetric
    >[0]
    expect(readMetric(noReason, 'auc')).toEqual({ ok: false, problem: 'is not a number' })
  })

  it('is missing when absent, and finds nothing on the prototype', () => {
    expect(readMetric({ metrics: {} }, 'auc')).toEqual({ ok: false, problem: 'is missing' })
    expect(readMetric({ metrics: {}, invalidMetrics: {} }, 'constructor')).toEqual({
      ok: false,
      problem: 'is missing'
    })
    expect(readMetric({ metrics: { auc: 1 }, invalidMetrics: {} }, 'auc')).toEqual({
      ok: true,
      value: 1
    })
  })

  it('fails closed on a value that is not a finite number, saying what it is', () => {
    const read = (value: unknown) =>
      readMetric({ metrics: { auc: value } } as unknown as Parameters<typeof readMetric>[0], 'auc')
    expect(read(null)).toEqual({ ok: false, problem: 'is null' })
    expect(read('0.9')).toEqual({ ok: false, problem: 'is a string' })
    expect(read(true)).toEqual({ ok: false, problem: 'is a boolean' })
    expect(read(Number.NaN)).toEqual({ ok: false, problem: 'is NaN' })
    expect(read(Infinity)).toEqual({ ok: false, problem: 'is infinite' })
    expect(read(-Infinity)).toEqual({ ok: false, problem: 'is infinite' })
  })
})
