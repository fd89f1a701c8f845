import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chunks, MAX_POINTS, prometheusSource } from '../src/monitor/prometheus.js'
import { MetricQueryError, MetricSourceError } from '../src/monitor/types.js'
import type { RangeQuery } from '../src/monitor/types.js'
import { triggerVerdict, type TriggerRule } from '../src/monitor/verdict.js'
import { BASE_SECONDS, samplesEvery, startPrometheus } from './helpers/prometheus.js'
import type { PrometheusServer, SeriesSpec } from './helpers/prometheus.js'

/** The monitor's Prometheus source against a real Prometheus, and a proxy stand-in for faults. */

const MINUTE = 60
const BASE_MS = BASE_SECONDS * 1000
const HOSTILE = '2.0"} or vector(1) # \\ \n'
const labels = (version: string) => ({ model: 'clf', stage: 'production', version })
const gauge = (version: string, values: number[]): SeriesSpec => ({
  name: 'model_error_rate',
  labels: labels(version),
  samples: samplesEvery(BASE_SECONDS, MINUTE, values.length, i => values[i] as number)
})

const SERIES: SeriesSpec[] = [
  gauge('healthy', Array(20).fill(0.01)),
  gauge('breaching', [...Array(10).fill(0.01), ...Array(5).fill(0.2), ...Array(5).fill(0.01)]),
  gauge('blip', [...Array(10).fill(0.01), 0.2, 0.2, ...Array(8).fill(0.01)]),
  gauge('nan', Array(20).fill(NaN)),
  gauge('inf', [Infinity, -Infinity, Infinity, -Infinity]),
  gauge(HOSTILE, Array(20).fill(0.5)),
  gauge('1.0', Array(20).fill(0.01)),
  gauge('100', Array(20).fill(0.9)),
  // A counter at 1 request a second whose process restarts after 10 minutes (600, then 60,
  // 120, …): rate() sees through the reset and stays at 1.
  {
    name: 'requests_total',
    type: 'counter',
    labels: labels('reset'),
    samples: samplesEvery(BASE_SECONDS, MINUTE, 21, i => (i <= 10 ? i : i - 10) * 60)
  },
  // Every second for four hours: more points than one range query may ask for.
  {
    name: 'dense',
    labels: labels('dense'),
    samples: samplesEvery(BASE_SECONDS, 1, 4 * 3600, () => 1)
  }
]

const RULE: TriggerRule = {
  name: 'error rate',
  max: 0.05,
  failure_limit: 3,
  min_samples: 5,
  no_data: 'inconclusive'
}

/** A range over the loaded 20 minutes, one sample a minute, for `version`. */
function range(query: string, version: string): RangeQuery {
  return {
    query,
    values: { model: 'clf', version, stage: 'production' },
    start: BASE_MS,
    end: BASE_MS + 19 * MINUTE * 1000,
    stepMs: MINUTE * 1000
  }
}

const ERROR_RATE = 'model_error_rate{model="$model", stage="$stage", version="$version"}'

async function failure(promise: Promise<unknown>): Promise<MetricSourceError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof MetricSourceError) return error
    throw error
  }
  throw new Error('expected a MetricSourceError, but the query answered')
}

type ProxyMode =
  | 'forward'
  | '503'
  | 'html502'
  | 'slow'
  | 'status-error'
  | 'vector'
  | 'bad-value'
  | 'bad-json'
  | 'histograms'

/** A stand-in in front of the real server: forwards, or answers one fault. */
async function startProxy(target: string) {
  const state = { mode: 'forward' as ProxyMode, requests: 0 }
  const answer = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type })
    res.end(body)
  }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++
    const chunksIn: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunksIn.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunksIn)
      switch (state.mode) {
        case 'forward':
          void fetch(`${target}${req.url}`, {
            method: req.method,
            headers: { 'content-type': req.headers['content-type'] ?? '' },
            body: req.method === 'POST' ? body : undefined
          }).then(async response => answer(res, response.status, await response.text()))
          return
        case '503':
          return answer(
            res,
            503,
            '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}'
          )
        case 'html502':
          return answer(res, 502, '<html><body>Bad Gateway</body></html>', 'text/html')
        case 'slow':
          setTimeout(() => answer(res, 200, '{"status":"success"}'), 3000).unref()
          return
        case 'status-error':
          return answer(res, 200, '{"status":"error","errorType":"internal","error":"boom"}')
        case 'vector':
          return answer(res, 200, '{"status":"success","data":{"resultType":"vector","result":[]}}')
        case 'bad-value':
          return answer(
            res,
            200,
            '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,""]]}]}}'
          )
        case 'bad-json':
          return answer(res, 200, '{"status":"succ')
        case 'histograms':
          return answer(
            res,
            200,
            '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"histograms":[]}]}}'
          )
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    state,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

describe('prometheusSource against a real Prometheus', () => {
  let prometheus: PrometheusServer
  let proxy: Awaited<ReturnType<typeof startProxy>>
  const direct = () => prometheusSource({ url: prometheus.url, timeoutMs: 10_000, fetch })
  const viaProxy = (timeoutMs = 10_000) =>
    prometheusSource({ url: `${proxy.url}/`, timeoutMs, fetch })

  beforeAll(async () => {
    prometheus = await startPrometheus(SERIES)
    proxy = await startProxy(prometheus.url)
  })

  afterAll(async () => {
    await proxy?.close()
    await prometheus?.stop()
  })

  beforeEach(() => {
    proxy.state.mode = 'forward'
    proxy.state.requests = 0
  })

  it('answers the loaded series with their labels and times; healthy', async () => {
    const series = await direct().queryRange(range(ERROR_RATE, 'healthy'))
    expect(series).toHaveLength(1)
    expect(series[0]?.labels).toEqual({ __name__: 'model_error_rate', ...labels('healthy') })
    expect(series[0]?.samples).toHaveLength(20)
    expect(series[0]?.samples[0]).toEqual({ time: BASE_MS, value: 0.01 })
    expect(series[0]?.samples[19]).toEqual({ time: BASE_MS + 19 * 60_000, value: 0.01 })
    expect(triggerVerdict(RULE, series).status).toBe('healthy')
  })

  it('finds a breach, and lets a blip shorter than failure_limit pass', async () => {
    const breach = triggerVerdict(RULE, await direct().queryRange(range(ERROR_RATE, 'breaching')))
    expect(breach.status).toBe('breach')
    expect(breach.series[0]?.breachRun?.map(s => s.time)).toEqual(
      [10, 11, 12, 13, 14].map(i => BASE_MS + i * 60_000)
    )
    const blip = triggerVerdict(RULE, await direct().queryRange(range(ERROR_RATE, 'blip')))
    expect(blip).toMatchObject({ status: 'healthy', summary: expect.stringContaining('run 2') })
  })

  it('passes NaN and ±Inf on as numbers; the verdict is never healthy', async () => {
    const nan = await direct().queryRange(range(ERROR_RATE, 'nan'))
    expect(nan[0]?.samples.every(s => Number.isNaN(s.value))).toBe(true)
    expect(triggerVerdict(RULE, nan).status).toBe('inconclusive')
    const inf = await direct().queryRange({
      ...range(ERROR_RATE, 'inf'),
      end: BASE_MS + 3 * 60_000
    })
    expect(inf[0]?.samples.map(s => s.value)).toEqual([Infinity, -Infinity, Infinity, -Infinity])
    expect(triggerVerdict({ ...RULE, max: undefined, min: 0 }, inf).status).toBe('inconclusive')
  })

  it('passes a timeout of a fraction of a second on in a form Prometheus accepts', async () => {
    const source = prometheusSource({ url: prometheus.url, timeoutMs: 2500, fetch })
    const series = await source.queryRange(range(ERROR_RATE, 'healthy'))
    expect(series[0]?.samples).toHaveLength(20)
  })

  it('answers no series for no data; the verdict is inconclusive', async () => {
    const series = await direct().queryRange(range(ERROR_RATE, 'missing'))
    expect(series).toEqual([])
    expect(triggerVerdict(RULE, series).status).toBe('inconclusive')
  })

  it('reads rate() across a counter reset', async () => {
    const series = await direct().queryRange({
      ...range('rate(requests_total{version="$version"}[3m])', 'reset'),
      start: BASE_MS + 3 * 60_000
    })
    const values = series[0]?.samples.map(s => s.value) ?? []
    expect(values).toHaveLength(17)
    for (const value of values) expect(value).toBeCloseTo(1, 9)
    expect(triggerVerdict({ ...RULE, max: 1.5 }, series).status).toBe('healthy')
  })

  it('keeps a hostile version one label value, and quotes it in a regex matcher', async () => {
    const exact = await direct().queryRange(range(ERROR_RATE, HOSTILE))
    expect(exact.map(s => s.labels.version)).toEqual([HOSTILE])
    const regex = await direct().queryRange(range('model_error_rate{version=~"$version"}', '1.0'))
    expect(regex.map(s => s.labels.version)).toEqual(['1.0'])
    const none = await direct().queryRange(range('model_error_rate{version="$version"}', '.*'))
    expect(none).toEqual([])
  })

  it('refuses a misplaced placeholder before asking anything', async () => {
    const error = await failure(viaProxy().queryRange(range('$model{a="b"}', 'v1')))
    expect(error.message).toContain('the query is refused: $model at character 1')
    expect(proxy.state.requests).toBe(0)
  })

  it('reports a query Prometheus rejects, with its error type', async () => {
    const error = await failure(direct().queryRange(range('rate(model_error_rate)', 'v1')))
    // Refused, not failed: the policy's bug, which the monitor command makes exit 2.
    expect(error).toBeInstanceOf(MetricQueryError)
    expect(error.message).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ refused the query \(HTTP 400, bad_data\): /
    )
  })

  it('asks for a long range in pieces Prometheus accepts, and joins them', async () => {
    const series = await viaProxy().queryRange({
      ...range('dense{version="$version"}', 'dense'),
      end: BASE_MS + (4 * 3600 - 1) * 1000,
      stepMs: 1000
    })
    expect(proxy.state.requests).toBe(2)
    expect(series).toHaveLength(1)
    const times = series[0]?.samples.map(s => s.time) ?? []
    expect(times).toHaveLength(4 * 3600)
    expect(new Set(times).size).toBe(4 * 3600)
    expect(times[times.length - 1]).toBe(BASE_MS + (4 * 3600 - 1) * 1000)
  })

  it.each([
    ['503', /answered HTTP 503, an error \(timeout\): query timed out in expression evaluation$/],
    ['html502', /answered HTTP 502 with a body that is not JSON: <html><body>Bad Gateway/],
    ['status-error', /answered HTTP 200, an error \(internal\): boom$/],
    ['vector', /answered a result of type "vector", not a range matrix$/],
    ['bad-value', /answered a malformed series \(result\[0\]\): values\[0\] is ""$/],
    ['bad-json', /answered HTTP 200 with a body that is not JSON/],
    ['histograms', /native histograms are not supported$/]
  ] as [ProxyMode, RegExp][])('takes a %s answer as a source failure', async (mode, message) => {
    proxy.state.mode = mode
    const error = await failure(viaProxy().queryRange(range(ERROR_RATE, 'healthy')))
    expect(error.message).toMatch(message)
    expect(error.message).toContain(`Prometheus at ${proxy.url}/`)
  })

  it('gives up after the timeout', async () => {
    proxy.state.mode = 'slow'
    const started = Date.now()
    const error = await failure(viaProxy(300).queryRange(range(ERROR_RATE, 'healthy')))
    expect(error.message).toBe(`Prometheus at ${proxy.url}/ did not answer within 0.3 s`)
    expect(Date.now() - started).toBeLessThan(2500)
  })

  it('says when the server cannot be reached', async () => {
    const closed = await startProxy(prometheus.url)
    await closed.close()
    const source = prometheusSource({ url: closed.url, timeoutMs: 5000, fetch })
    const error = await failure(source.queryRange(range(ERROR_RATE, 'healthy')))
    expect(error.message).toMatch(
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ could not be reached: fetch failed \(.*ECONNREFUSED/
    )
  })
})

describe('chunks', () => {
  it('cuts a range into pieces of at most MAX_POINTS points sharing no point', () => {
    expect(chunks(0, 10, 1)).toEqual([[0, 10]])
    expect(chunks(0, (MAX_POINTS - 1) * 5, 5)).toEqual([[0, (MAX_POINTS - 1) * 5]])
    expect(chunks(0, MAX_POINTS * 5, 5)).toEqual([
      [0, (MAX_POINTS - 1) * 5],
      [MAX_POINTS * 5, MAX_POINTS * 5]
    ])
    expect(chunks(7, 7, 1000)).toEqual([[7, 7]])
  })

  it('refuses a step of 0 or an end before the start, as a source failure', async () => {
    const source = prometheusSource({ url: 'http://127.0.0.1:1', timeoutMs: 100, fetch })
    for (const bad of [{ stepMs: 0 }, { stepMs: NaN }, { end: BASE_MS - 1 }]) {
      const error = await failure(source.queryRange({ ...range(ERROR_RATE, 'v'), ...bad }))
      expect(error.message).toContain('a range query needs a step above 0')
    }
  })
})
