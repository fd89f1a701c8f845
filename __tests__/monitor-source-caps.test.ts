// The metric sources cap what they read: an answer past the byte cap is abandoned while it
// streams (never buffered whole), and too many series or samples are refused; each is an
// inconclusive source failure naming the source and the cap. Stand-in servers on 127.0.0.1.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileSource } from '../src/monitor/file-source.js'
import { seriesFileLoader } from '../src/monitor/file-load.js'
import { MAX_RESPONSE_BYTES, MAX_SERIES } from '../src/monitor/limits.js'
import { prometheusSource } from '../src/monitor/prometheus.js'
import { MetricSourceError } from '../src/monitor/types.js'
import type { RangeQuery } from '../src/monitor/types.js'

const MB = 1024 * 1024

interface Streamer {
  server: Server
  url: string
  /** Bytes the server wrote before the client went away (or it finished). */
  written: () => number
  closed: Promise<void>
}

/** A server that streams `total` bytes: an opening, then padding, in 1 MB chunks. */
async function streaming(total: number, opening: string): Promise<Streamer> {
  let written = 0
  let done: () => void = () => {}
  const closed = new Promise<void>(resolve => (done = resolve))
  const server = createServer((request, response) => {
    request.resume()
    response.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(MB, ' ')
    response.on('close', done)
    const pump = () => {
      if (written === 0) {
        response.write(opening)
        written += opening.length
      }
      while (written < total) {
        written += chunk.length
        if (!response.write(chunk)) return void response.once('drain', pump)
      }
      response.end()
    }
    pump()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}`, written: () => written, closed }
}

/** A server that answers `body` to every request. */
async function answering(body: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume()
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}` }
}

const close = (server: Server) => new Promise(resolve => server.close(resolve))

const range: RangeQuery = {
  query: 'max(error_ratio{version="$version"})',
  values: { model: 'm', version: 'v1', stage: 'production' },
  start: 1_700_000_000_000,
  end: 1_700_000_000_000 + 600_000,
  stepMs: 60_000
}

async function failure(promise: Promise<unknown>): Promise<MetricSourceError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof MetricSourceError) return error
    throw error
  }
  throw new Error('expected a MetricSourceError, but the query answered')
}

const matrix = (series: number, samples: number) =>
  JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: Array.from({ length: series }, (_, i) => ({
        metric: { i: String(i) },
        values: Array.from({ length: samples }, (_, j) => [1_700_000_000 + j * 60, '0.01'])
      }))
    }
  })

describe('metric source caps', () => {
  it('Prometheus: an answer past 50 MB is abandoned while it streams, with a clear message', async () => {
    const stand = await streaming(200 * MB, '{"status":"success","data":{"resultType":"matrix"')
    try {
      const source = prometheusSource({ url: stand.url, timeoutMs: 20_000, fetch })
      const error = await failure(source.queryRange(range))
      expect(error.message).toBe(
        `Prometheus at ${stand.url} answered more than ${MAX_RESPONSE_BYTES / MB} MB, the cap on one answer: read no further. Narrow the query (aggregate the series, a longer step).`
      )
      await stand.closed
      // Stopped near the cap, not after the whole 200 MB.
      expect(stand.written()).toBeLessThan(MAX_RESPONSE_BYTES + 20 * MB)
    } finally {
      await close(stand.server)
    }
  }, 30_000)

  it('Prometheus: more series than the cap is refused, naming the cap', async () => {
    const stand = await answering(matrix(MAX_SERIES + 1, 1))
    try {
      const source = prometheusSource({ url: stand.url, timeoutMs: 5_000, fetch })
      const error = await failure(source.queryRange(range))
      expect(error.message).toBe(
        `Prometheus at ${stand.url} answered ${MAX_SERIES + 1} series, more than the ${MAX_SERIES} one trigger's query may: aggregate the query (e.g. max by () or sum).`
      )
    } finally {
      await close(stand.server)
    }
  })

  it('Prometheus: more samples than the cap is refused, naming the cap', async () => {
    const stand = await answering(matrix(3, 10))
    try {
      const source = prometheusSource({ url: stand.url, timeoutMs: 5_000, fetch, maxSamples: 20 })
      const error = await failure(source.queryRange(range))
      expect(error.message).toBe(
        `Prometheus at ${stand.url} answered 30 samples, more than the 20 one trigger's query may: a longer step or a shorter watch.`
      )
    } finally {
      await close(stand.server)
    }
  })

  it('a file source URL past the byte cap is abandoned while it streams', async () => {
    const stand = await streaming(64 * MB, '{"series":[')
    try {
      const source = fileSource({
        name: `${stand.url}/series.json`,
        load: seriesFileLoader(`${stand.url}/series.json`, {
          root: '/nonexistent',
          readFile: () => Promise.reject(new Error('not read')),
          fetch,
          timeoutMs: 20_000,
          maxBytes: 2 * MB
        })
      })
      const error = await failure(
        source.queryRange({ ...range, query: 'error_ratio{version="$version"}' })
      )
      expect(error.message).toBe(
        `${stand.url}/series.json answered more than 2 MB, the cap on one answer: read no further. Keep less in the file (fewer series, less history).`
      )
      await stand.closed
      expect(stand.written()).toBeLessThan(24 * MB)
    } finally {
      await close(stand.server)
    }
  }, 30_000)
})
