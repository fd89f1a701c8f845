import { probeMonitoring, PROBE_WINDOW_MS } from '../src/monitor/probe.js'
import { MetricSourceError, type MetricSource, type RangeQuery } from '../src/monitor/types.js'
import { Policy } from '../src/policy/schema.js'
import type { MonitorPolicy } from '../src/policy/monitor.js'

/** `monitoring: required`'s probe, against a hand-written source: what it asks, what it counts. */

const monitor = Policy.parse({
  model: 'm',
  stages: {
    production: {
      from: ['candidate'],
      monitoring: 'required',
      monitor: {
        source: { prometheus: { url: 'http://127.0.0.1:9090' } },
        watch_for: '14d',
        triggers: [
          { name: 'error rate', query: 'max(err{version="$version"})', max: 0.05 },
          { name: 'latency', query: 'max(lat{version="$version"})', max: 1, step: '2h' },
          { name: 'accuracy', query: 'avg(acc{version="$version"})', min: 0.8 }
        ]
      }
    }
  }
}).stages.production?.monitor as MonitorPolicy

const NOW = new Date('2026-12-02T12:00:00Z')

/** A source answering from a table by query text, recording what it was asked. */
function fakeSource(answers: Record<string, () => Promise<number[][]>>) {
  const asked: RangeQuery[] = []
  const source: MetricSource = {
    description: 'prometheus http://127.0.0.1:9090',
    async queryRange(range) {
      asked.push(range)
      const answer = answers[range.query]
      if (!answer) throw new Error(`unexpected query ${range.query}`)
      return (await answer()).map(values => ({
        labels: { version: range.values.version },
        samples: values.map((value, i) => ({ time: range.start + i * range.stepMs, value }))
      }))
    }
  }
  return { source, asked }
}

describe('probeMonitoring', () => {
  it("runs each trigger's query for the holder over the last hour and counts finite samples", async () => {
    const { source, asked } = fakeSource({
      'max(err{version="$version"})': async () => [[0.01, 0.02]],
      'max(lat{version="$version"})': async () => [[NaN, Infinity], [-Infinity]],
      'avg(acc{version="$version"})': async () => []
    })
    const probe = await probeMonitoring(source, monitor, {
      model: 'm',
      stage: 'production',
      version: 'v1.2.0',
      now: NOW
    })
    expect(probe).toEqual({
      source: 'prometheus http://127.0.0.1:9090',
      holder: 'v1.2.0',
      // From the earliest start any trigger looked at: the 2h-step trigger's.
      window: { start: '2026-12-02T10:00:00.000Z', end: '2026-12-02T12:00:00.000Z' },
      triggers: {
        'error rate': { series: 1, samples: 2 },
        latency: { series: 2, samples: 0 },
        accuracy: { series: 0, samples: 0 }
      }
    })
    // The values go to the source apart from the query: it substitutes them safely itself.
    expect(asked.map(q => q.values)).toEqual(
      Array(3).fill({ model: 'm', version: 'v1.2.0', stage: 'production' })
    )
    expect(PROBE_WINDOW_MS).toBe(3600_000)
    expect(asked.map(q => [q.start, q.end, q.stepMs])).toEqual([
      [NOW.getTime() - 3600_000, NOW.getTime(), 60_000],
      // A step longer than the hour widens the window to one step, so a sample can fall in it.
      [NOW.getTime() - 7200_000, NOW.getTime(), 7200_000],
      [NOW.getTime() - 3600_000, NOW.getTime(), 60_000]
    ])
  })

  it('records a source failure per trigger, never as data or as no data', async () => {
    const { source } = fakeSource({
      'max(err{version="$version"})': async () => {
        throw new MetricSourceError('HTTP 503 Service Unavailable')
      },
      'max(lat{version="$version"})': async () => [[1]],
      'avg(acc{version="$version"})': async () => [[0.9]]
    })
    const probe = await probeMonitoring(source, monitor, {
      model: 'm',
      stage: 'production',
      version: 'v1',
      now: NOW
    })
    expect(probe.triggers).toEqual({
      'error rate': { failure: 'HTTP 503 Service Unavailable' },
      latency: { series: 1, samples: 1 },
      accuracy: { series: 1, samples: 1 }
    })
  })

  it('lets an error that is not a source failure through (a defect, not a verdict)', async () => {
    const { source } = fakeSource({})
    await expect(
      probeMonitoring(source, monitor, { model: 'm', stage: 'production', version: 'v1', now: NOW })
    ).rejects.toThrow('unexpected query')
  })
})
