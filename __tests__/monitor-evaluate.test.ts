import { evaluateTrigger } from '../src/monitor/evaluate.js'
import { prometheusSource } from '../src/monitor/prometheus.js'
import { watchWindow } from '../src/monitor/window.js'
import type { TriggerPolicy } from '../src/policy/monitor.js'
import { BASE_SECONDS, samplesEvery, startPrometheus } from './helpers/prometheus.js'
import type { PrometheusServer } from './helpers/prometheus.js'

/**
 * The three triggers of the promotion guidelines (error rate over 5%, accuracy down more than
 * 10%, latency up) evaluated against a real Prometheus: v1 held production for an hour, then v2
 * was promoted; v2's error rate climbs to 10% half an hour after the promotion.
 */

const MINUTE = 60
const PROMOTED = BASE_SECONDS + 60 * MINUTE
const labels = (version: string) => ({ model: 'clf', stage: 'production', version })

/** Requests at 10 a second; errors at 0.1 a second, then 1 a second from `worseAfter` minutes. */
function traffic(version: string, start: number, minutes: number, worseAfter = Infinity) {
  let errors = 0
  const errorSamples = samplesEvery(start, MINUTE, minutes, i => {
    if (i > 0) errors += (i > worseAfter ? 1 : 0.1) * MINUTE
    return errors
  })
  return [
    {
      name: 'requests_total',
      type: 'counter' as const,
      labels: labels(version),
      samples: samplesEvery(start, MINUTE, minutes, i => i * 10 * MINUTE)
    },
    {
      name: 'errors_total',
      type: 'counter' as const,
      labels: labels(version),
      samples: errorSamples
    }
  ]
}

const gauge = (name: string, version: string, start: number, minutes: number, value: number) => ({
  name,
  labels: labels(version),
  samples: samplesEvery(start, MINUTE, minutes, () => value)
})

const trigger = (fields: Partial<TriggerPolicy> & Pick<TriggerPolicy, 'name' | 'query'>) =>
  ({
    failure_limit: 3,
    min_samples: 5,
    step: '1m',
    no_data: 'inconclusive',
    action: 'rollback',
    ...fields
  }) as TriggerPolicy

const ERROR_RATE = trigger({
  name: 'error rate',
  query:
    'sum(rate(errors_total{model="$model", version="$version"}[5m])) / sum(rate(requests_total{model="$model", version="$version"}[5m]))',
  max: 0.05
})
const ACCURACY = trigger({
  name: 'accuracy',
  query: 'avg(model_accuracy{version="$version"})',
  relative: { baseline: 'audit', metric: 'accuracy', max_decrease_pct: 10 }
})
const LATENCY = trigger({
  name: 'latency',
  query: 'max(latency_p95_seconds{version="$version"})',
  relative: { baseline: 'previous_holder', max_increase_pct: 50 }
})

describe('evaluateTrigger against a real Prometheus', () => {
  let prometheus: PrometheusServer

  beforeAll(async () => {
    prometheus = await startPrometheus([
      ...traffic('v1', BASE_SECONDS, 60),
      ...traffic('v2', PROMOTED, 60, 30),
      gauge('model_accuracy', 'v2', PROMOTED, 60, 0.9),
      gauge('latency_p95_seconds', 'v1', BASE_SECONDS, 60, 0.2),
      gauge('latency_p95_seconds', 'v2', PROMOTED, 60, 0.25)
    ])
  })

  afterAll(async () => {
    await prometheus?.stop()
  })

  const context = (minutesAfter: number) => ({
    values: { model: 'clf', version: 'v2', stage: 'production' },
    window: watchWindow(
      PROMOTED * 1000,
      (PROMOTED + minutesAfter * MINUTE) * 1000,
      14 * 86_400_000
    )!,
    auditMetrics: { accuracy: 0.92 },
    previousVersion: 'v1'
  })
  const source = () => prometheusSource({ url: prometheus.url, timeoutMs: 10_000, fetch })

  it('finds all three healthy 25 minutes after the promotion, in at most two queries each', async () => {
    const results = await Promise.all(
      [ERROR_RATE, ACCURACY, LATENCY].map(t => evaluateTrigger(source(), t, context(25)))
    )
    expect(results.map(r => [r.verdict.trigger, r.verdict.status])).toEqual([
      ['error rate', 'healthy'],
      ['accuracy', 'healthy'],
      ['latency', 'healthy']
    ])
    expect(results.map(r => r.queries)).toEqual([1, 1, 2])
    expect(results[1]?.verdict.baseline).toEqual({ from: 'audit', value: 0.92 })
    expect(results[2]?.verdict.baseline).toMatchObject({ from: 'previous_holder', samples: 26 })
    expect(results[2]?.verdict.baseline?.value).toBeCloseTo(0.2, 12)
    expect(results[2]?.verdict.bounds?.max).toBeCloseTo(0.3, 12)
  })

  it('finds the error-rate breach 50 minutes after the promotion, with the run as evidence', async () => {
    const result = await evaluateTrigger(source(), ERROR_RATE, context(50))
    expect(result).toMatchObject({
      query: ERROR_RATE.query,
      action: 'rollback',
      stepMs: 60_000,
      range: { start: PROMOTED * 1000, end: (PROMOTED + 50 * MINUTE) * 1000 }
    })
    expect(result.verdict.status).toBe('breach')
    const run = result.verdict.series[0]?.breachRun ?? []
    expect(run.length).toBeGreaterThanOrEqual(3)
    // The first breaching sample comes within the 5-minute rate window after errors rose.
    const first = (run[0]?.time ?? 0) / 1000 - PROMOTED
    expect(first).toBeGreaterThan(30 * MINUTE)
    expect(first).toBeLessThanOrEqual(35 * MINUTE)
    expect(run.every(s => s.value > 0.05 && s.bound === 'max')).toBe(true)
  })

  it('judges the past as it was: evaluated at 25 minutes, the later breach is not seen', async () => {
    const early = await evaluateTrigger(source(), ERROR_RATE, context(25))
    expect(early.verdict.status).toBe('healthy')
  })

  it('is inconclusive, not healthy, before any data of the new version', async () => {
    const result = await evaluateTrigger(source(), ACCURACY, {
      ...context(25),
      values: { model: 'clf', version: 'v3', stage: 'production' }
    })
    expect(result.verdict).toMatchObject({ status: 'inconclusive', reason: 'no-series' })
  })

  it('is inconclusive without an earlier holder for a previous-holder baseline', async () => {
    const result = await evaluateTrigger(source(), LATENCY, {
      ...context(25),
      previousVersion: undefined
    })
    expect(result.queries).toBe(1)
    expect(result.verdict).toMatchObject({ status: 'inconclusive', reason: 'no-baseline' })
  })

  it('is inconclusive with an audit record that lacks the metric', async () => {
    const result = await evaluateTrigger(source(), ACCURACY, { ...context(25), auditMetrics: {} })
    expect(result.verdict).toMatchObject({
      status: 'inconclusive',
      summary: 'no baseline: the audit record holds no accuracy'
    })
  })

  it('takes a source failure as inconclusive with the reason', async () => {
    const down = prometheusSource({ url: 'http://127.0.0.1:9', timeoutMs: 2000, fetch })
    const result = await evaluateTrigger(down, ERROR_RATE, context(50))
    expect(result.queries).toBe(1)
    expect(result.verdict).toMatchObject({
      trigger: 'error rate',
      status: 'inconclusive',
      reason: 'source-failure',
      series: []
    })
    expect(result.verdict.summary).toMatch(
      /^source failure: Prometheus at http:\/\/127\.0\.0\.1:9 could not be reached: /
    )
  })

  it('lets an error that is not the source’s through', async () => {
    const broken = {
      description: 'broken',
      queryRange: async () => {
        throw new TypeError('a bug')
      }
    }
    await expect(evaluateTrigger(broken, ERROR_RATE, context(25))).rejects.toThrow('a bug')
  })
})
