import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seriesFileLoader } from '../src/monitor/file-load.js'
import { fileSource, parseSeriesFile } from '../src/monitor/file-source.js'
import { matches, parseSelector } from '../src/monitor/selector.js'
import { MetricSourceError } from '../src/monitor/types.js'
import type { RangeQuery } from '../src/monitor/types.js'

const T0 = Date.UTC(2026, 0, 5)
const S0 = T0 / 1000

async function failure(action: () => unknown): Promise<MetricSourceError> {
  try {
    await action()
  } catch (error) {
    if (error instanceof MetricSourceError) return error
    throw error
  }
  throw new Error('expected a MetricSourceError')
}

const range = (query: string, version = 'v1', start = T0, end = T0 + 3600_000): RangeQuery => ({
  query,
  values: { model: 'clf', version, stage: 'production' },
  start,
  end,
  stepMs: 60_000
})

const JSON_FILE = JSON.stringify({
  series: [
    {
      metric: 'error_rate',
      labels: { model: 'clf', version: 'v1' },
      samples: [
        ['2026-01-05T00:01:00Z', 0.02],
        [S0, 0.01],
        [S0 + 120, 'NaN'],
        [S0 + 180, '+Inf'],
        [S0 + 240, '-Inf'],
        [S0 + 7200, 0.5]
      ]
    },
    { metric: 'error_rate', labels: { model: 'clf', version: '1.0' }, samples: [[S0, 0.3]] },
    { metric: 'error_rate', labels: { model: 'clf', version: '100' }, samples: [[S0, 0.4]] },
    { metric: 'latency', labels: { model: 'clf', version: 'v1' }, samples: [[S0, 120]] }
  ]
})

const CSV_FILE = [
  'time,metric,value,model,version',
  '2026-01-05T00:00:00Z,error_rate,0.01,clf,v1',
  `${S0 + 60},error_rate,NaN,clf,v1`,
  '2026-01-05T01:00:00+01:00,error_rate,0.03,clf,v1',
  '"2026-01-05T00:00:00Z",error_rate,0.2,clf,"v2, ""quoted"""',
  `${S0},up,1,,v1`,
  ''
].join('\r\n')

describe('fileSource', () => {
  const json = fileSource({ name: 'live.json', load: async () => JSON_FILE })

  it('answers the series a selector matches, in time order, inside the range', async () => {
    const series = await json.queryRange(
      range('error_rate{model="$model", version="$version"}', 'v1', T0, T0 + 240_000)
    )
    expect(series).toEqual([
      {
        labels: { __name__: 'error_rate', model: 'clf', version: 'v1' },
        samples: [
          { time: T0, value: 0.01 },
          { time: T0 + 60_000, value: 0.02 },
          { time: T0 + 120_000, value: NaN },
          { time: T0 + 180_000, value: Infinity },
          { time: T0 + 240_000, value: -Infinity }
        ]
      }
    ])
    expect(json.description).toBe('file live.json')
  })

  it('answers nothing for no data, and leaves out series with no sample in the range', async () => {
    expect(await json.queryRange(range('error_rate{version="$version"}', 'v9'))).toEqual([])
    const late = await json.queryRange(range('latency', 'v1', T0 + 1, T0 + 3600_000))
    expect(late).toEqual([])
  })

  it('quotes the version in a regex matcher, as the Prometheus source does', async () => {
    const series = await json.queryRange(range('error_rate{version=~"$version"}', '1.0'))
    expect(series.map(s => s.labels.version)).toEqual(['1.0'])
  })

  it('refuses a misplaced placeholder, and reads the file once', async () => {
    let loads = 0
    const source = fileSource({ name: 'f.json', load: async () => (loads++, JSON_FILE) })
    const error = await failure(() => source.queryRange(range('$model{a="b"}')))
    expect(error.message).toContain('the query is refused: $model at character 1')
    await source.queryRange(range('latency'))
    await source.queryRange(range('error_rate'))
    expect(loads).toBe(1)
  })

  it('reads CSV: quoted cells, zones, Unix seconds, empty label cells', async () => {
    const csv = fileSource({ name: 'live.csv', load: async () => CSV_FILE })
    const v1 = await csv.queryRange(range('error_rate{version="$version"}'))
    expect(v1[0]?.samples).toEqual(
      [
        { time: T0, value: 0.01 },
        { time: T0 + 60_000, value: NaN },
        { time: T0, value: 0.03 }
      ].sort((a, b) => a.time - b.time)
    )
    const quoted = await csv.queryRange(range('error_rate{version="$version"}', 'v2, "quoted"'))
    expect(quoted[0]?.samples).toEqual([{ time: T0, value: 0.2 }])
    const up = await csv.queryRange(range('up{model=""}'))
    expect(up[0]?.labels).toEqual({ __name__: 'up', version: 'v1' })
  })
})

describe('parseSeriesFile refuses a malformed file whole, naming where', () => {
  it.each([
    ['{"series": 1}', 'f.json: must be an object with a "series" list'],
    ['{"series": [', /^f\.json is not valid JSON: /],
    ['{"series": [{"labels": {}}]}', 'f.json series[0].metric: must be a metric name'],
    [
      '{"series": [{"metric": "m", "labels": {"a": 1}, "samples": []}]}',
      'f.json series[0].labels.a: must be a string'
    ],
    ['{"series": [{"metric": "m"}]}', 'f.json series[0].samples: must be a list'],
    [
      '{"series": [{"metric": "m", "samples": [[1]]}]}',
      'f.json series[0].samples[0]: must be [time, value]'
    ],
    [
      '{"series": [{"metric": "m", "samples": [["2026-01-05 00:00", 1]]}]}',
      'f.json series[0].samples[0][0]: "2026-01-05 00:00" is not a time'
    ],
    [
      '{"series": [{"metric": "m", "samples": [["2026-01-05T00:00:00", 1]]}]}',
      'f.json series[0].samples[0][0]: "2026-01-05T00:00:00" is not a time'
    ],
    [
      '{"series": [{"metric": "m", "samples": [[1, "1,5"]]}]}',
      'f.json series[0].samples[0][1]: "1,5" is not a number'
    ],
    [
      '{"series": [{"metric": "m", "samples": [[1, null]]}]}',
      'f.json series[0].samples[0][1]: null is not a number'
    ],
    [
      '{"series": [{"metric": "m", "samples": [[1, ""]]}]}',
      'f.json series[0].samples[0][1]: "" is not a number'
    ]
  ])('JSON %s', (text, message) => {
    expect(() => parseSeriesFile('f.json', text)).toThrow(message)
  })

  it.each([
    ['', 'f.csv:1: the header must start with time,metric,value'],
    ['time,value,metric\n', 'f.csv:1: the header must start with time,metric,value'],
    ['time,metric,value\n1,m,1\n2,m\n', 'f.csv:3: has 2 cells, the header 3'],
    ['time,metric,value\nyesterday,m,1\n', 'f.csv:2: "yesterday" is not a time'],
    ['time,metric,value\n1,m,\n', 'f.csv:2: "" is not a number'],
    ['time,metric,value\n1,,1\n', 'f.csv:2: has no metric name'],
    ['time,metric,value,v\n1,m,1,"open\n', 'f.csv:2: a quoted cell is not closed'],
    ['time,metric,value,v\n1,m,1,"two\nlines"\n1,m,x,a\n', 'f.csv:4: "x" is not a number']
  ])('CSV %j', (text, message) => {
    expect(() => parseSeriesFile('f.csv', text)).toThrow(message)
  })
})

describe('parseSelector and matches', () => {
  it('reads a name, matchers of each kind, and Go escapes', () => {
    expect(parseSelector(' m{a="x", b!=\'y\', c=~"z.*", d!~"\\"\\\\\\n\\x41\\u00e9",} ')).toEqual([
      { label: '__name__', op: '=', value: 'm' },
      { label: 'a', op: '=', value: 'x' },
      { label: 'b', op: '!=', value: 'y' },
      { label: 'c', op: '=~', value: 'z.*' },
      { label: 'd', op: '!~', value: '"\\\nAé' }
    ])
    expect(parseSelector('{a="1"}')).toEqual([{ label: 'a', op: '=', value: '1' }])
  })

  it.each([
    ['', 'it selects nothing'],
    ['{}', 'it selects nothing'],
    ['rate(m[5m])', 'unexpected "(m[5m])"'],
    ['m{a}', 'expected =, !=, =~ or !~ after a'],
    ['m{a=b}', 'expected a quoted label value'],
    ['m{a="b" c="d"}', 'expected , or } after a matcher'],
    ['m{a="b}', 'a label value is not closed'],
    ['m{a="\\q"}', 'unknown escape \\q'],
    ['m{a="\\ud800"}', 'invalid escape'],
    ['m{1="b"}', 'expected a label name']
  ])('refuses %j', (text, why) => {
    expect(() => parseSelector(text)).toThrow(
      `the selector ${JSON.stringify(text)} is not valid: ${why}`
    )
  })

  it('matches anchored regexes and absent labels as empty', () => {
    const labels = { __name__: 'm', version: '1.0' }
    expect(matches(labels, parseSelector('m{version=~"1"}'))).toBe(false)
    expect(matches(labels, parseSelector('m{version=~"1.*"}'))).toBe(true)
    expect(matches(labels, parseSelector('m{version!~"1.*"}'))).toBe(false)
    expect(matches(labels, parseSelector('m{stage=""}'))).toBe(true)
    expect(matches(labels, parseSelector('m{stage!=""}'))).toBe(false)
    expect(matches(labels, parseSelector('n'))).toBe(false)
    expect(() => matches(labels, parseSelector('m{a=~"("}'))).toThrow(
      'the regular expression "(" is not valid'
    )
  })
})

describe('seriesFileLoader', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'modelgate-series-'))
    await mkdir(join(root, 'metrics'))
    await writeFile(join(root, 'metrics', 'live.csv'), CSV_FILE)
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })
  const io = () => ({ root, readFile: (p: string) => readFile(p, 'utf8'), fetch, timeoutMs: 300 })

  it('reads a path inside the repository', async () => {
    expect(await seriesFileLoader('metrics/live.csv', io())()).toBe(CSV_FILE)
    expect(await seriesFileLoader('./metrics/../metrics/live.csv', io())()).toBe(CSV_FILE)
  })

  it.each([
    ['../outside.csv', '../outside.csv: must be a path inside the repository'],
    ['/etc/passwd', '/etc/passwd: must be a path inside the repository'],
    ['metrics/../../x', 'metrics/../../x: must be a path inside the repository'],
    ['ftp://host/x.csv', 'ftp://host/x.csv: only http(s) URLs and repository paths'],
    ['file:///etc/passwd', 'file:///etc/passwd: only http(s) URLs and repository paths'],
    ['metrics/none.csv', 'metrics/none.csv does not exist']
  ])('refuses %s', async (location, message) => {
    expect((await failure(seriesFileLoader(location, io()))).message).toBe(message)
  })

  it('reads a URL, and takes a non-2xx answer or a timeout as a source failure', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/ok.csv') res.end(CSV_FILE)
      else if (req.url === '/slow.csv') setTimeout(() => res.end(CSV_FILE), 2000).unref()
      else {
        res.statusCode = 503
        res.end('unavailable')
      }
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      expect(await seriesFileLoader(`${base}/ok.csv`, io())()).toBe(CSV_FILE)
      expect((await failure(seriesFileLoader(`${base}/down.csv`, io()))).message).toBe(
        `${base}/down.csv answered HTTP 503`
      )
      expect((await failure(seriesFileLoader(`${base}/slow.csv`, io()))).message).toBe(
        `${base}/slow.csv did not answer within 0.3 s`
      )
    } finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
