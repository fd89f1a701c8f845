import {
  BASE_SECONDS,
  openMetricsText,
  samplesEvery,
  startPrometheus
} from './helpers/prometheus.js'
import type { PrometheusServer } from './helpers/prometheus.js'

/** The test helper itself: the series it loads are the ones a query returns. */
describe('the test Prometheus', () => {
  let prometheus: PrometheusServer

  beforeAll(async () => {
    prometheus = await startPrometheus([
      {
        name: 'model_error_rate',
        labels: { model: 'clf', version: 'v1' },
        samples: samplesEvery(BASE_SECONDS, 60, 5, i => i / 100)
      },
      {
        name: 'model_error_rate',
        labels: { model: 'clf', version: 'odd "quoted"\\ value' },
        samples: [[BASE_SECONDS, NaN]]
      },
      {
        name: 'requests_total',
        type: 'counter',
        labels: { model: 'clf' },
        samples: samplesEvery(BASE_SECONDS, 60, 10, i => i * 10)
      }
    ])
  })

  afterAll(async () => {
    await prometheus?.stop()
  })

  async function queryRange(query: string, start: number, end: number, step: number) {
    const params = new URLSearchParams({ query, start: `${start}`, end: `${end}`, step: `${step}` })
    const response = await fetch(`${prometheus.url}/api/v1/query_range?${params}`)
    return (await response.json()) as {
      status: string
      data: { resultType: string; result: { metric: object; values: [number, string][] }[] }
    }
  }

  it('answers a range query with the loaded values, dated in the past', async () => {
    const body = await queryRange(
      'model_error_rate{version="v1"}',
      BASE_SECONDS,
      BASE_SECONDS + 240,
      60
    )
    expect(body.status).toBe('success')
    expect(body.data.resultType).toBe('matrix')
    expect(body.data.result).toEqual([
      {
        metric: { __name__: 'model_error_rate', model: 'clf', version: 'v1' },
        values: [
          [BASE_SECONDS, '0'],
          [BASE_SECONDS + 60, '0.01'],
          [BASE_SECONDS + 120, '0.02'],
          [BASE_SECONDS + 180, '0.03'],
          [BASE_SECONDS + 240, '0.04']
        ]
      }
    ])
  })

  it('keeps label values with quotes and backslashes, and NaN samples', async () => {
    const body = await queryRange(
      'model_error_rate{version="odd \\"quoted\\"\\\\ value"}',
      BASE_SECONDS,
      BASE_SECONDS,
      60
    )
    expect(body.data.result).toEqual([
      {
        metric: { __name__: 'model_error_rate', model: 'clf', version: 'odd "quoted"\\ value' },
        values: [[BASE_SECONDS, 'NaN']]
      }
    ])
  })

  it('loads counters, so rate() works over them', async () => {
    const at = BASE_SECONDS + 540
    const body = await queryRange('rate(requests_total[5m])', at, at, 60)
    expect(body.data.result[0]?.values).toEqual([[at, expect.any(String)]])
    expect(Number(body.data.result[0]?.values[0]?.[1])).toBeCloseTo(10 / 60, 5)
  })
})

describe('openMetricsText', () => {
  it('writes each family once with its series together, in time order, ending in # EOF', () => {
    expect(
      openMetricsText([
        {
          name: 'a',
          labels: { v: '1' },
          samples: [
            [20, 2],
            [10, Infinity]
          ]
        },
        { name: 'b_total', type: 'counter', samples: [[10, 1]] },
        { name: 'a', labels: { v: '2' }, samples: [[10, -Infinity]] }
      ])
    ).toBe(
      [
        '# TYPE a gauge',
        'a{v="1"} +Inf 10',
        'a{v="1"} 2 20',
        'a{v="2"} -Inf 10',
        '# TYPE b counter',
        'b_total 1 10',
        '# EOF',
        ''
      ].join('\n')
    )
  })

  it('refuses a counter whose name does not end in _total', () => {
    expect(() => openMetricsText([{ name: 'b', type: 'counter', samples: [] }])).toThrow(
      'counter b must end in _total'
    )
  })
})
