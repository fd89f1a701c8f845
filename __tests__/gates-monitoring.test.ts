import { evaluateStage } from '../src/gates/evaluate.js'
import { monitoringGate, type MonitoringProbe } from '../src/gates/monitoring.js'
import { Policy } from '../src/policy/schema.js'

const MONITOR = {
  source: { prometheus: { url: 'http://127.0.0.1:9090' } },
  watch_for: '14d',
  triggers: [
    { name: 'error rate', query: 'sum(rate(errors_total{version="$version"}[5m]))', max: 0.05 },
    { name: 'latency', query: 'max(latency_p95{version="$version"})', max: 200 }
  ]
}
const policy = (stage: Record<string, unknown>) =>
  Policy.parse({ model: 'm', stages: { production: { from: ['candidate'], ...stage } } })
const monitorOf = (stage: Record<string, unknown>) => policy(stage).stages.production?.monitor

describe('monitoringGate', () => {
  it('fails a stage with no monitor block', () => {
    const result = monitoringGate({ stage: 'production', holder: 'v1' })
    expect(result.status).toBe('fail')
    expect(result.summary).toBe(
      'production has no monitor: block, and the policy requires monitoring'
    )
  })

  it('fails closed when no probe was made', () => {
    const result = monitoringGate({
      stage: 'production',
      monitor: monitorOf({ monitor: MONITOR }),
      holder: 'v1'
    })
    expect(result.status).toBe('fail')
    expect(result.summary).toMatch(/no probe of the monitor source was made/)
  })

  const WINDOW = { start: '2026-12-01T23:00:00.000Z', end: '2026-12-02T00:00:00.000Z' }
  const probeOf = (triggers: MonitoringProbe['triggers'], holder = 'v1'): MonitoringProbe => ({
    source: 'prometheus http://127.0.0.1:9090',
    holder,
    window: WINDOW,
    triggers
  })
  /** The gate on production's MONITOR block, held by v1, over `probe`. */
  const gateOver = (probe: MonitoringProbe) =>
    monitoringGate({
      stage: 'production',
      monitor: monitorOf({ monitor: MONITOR }),
      holder: 'v1',
      probe
    })

  it('fails naming the triggers with no finite sample for the holder, passes when all have one', () => {
    const probe = (latency: { series: number; samples: number }) =>
      probeOf({ 'error rate': { series: 1, samples: 60 }, latency })
    const empty = gateOver(probe({ series: 0, samples: 0 }))
    expect(empty).toEqual({
      gate: 'monitoring',
      status: 'fail',
      summary: 'prometheus http://127.0.0.1:9090 has no data for v1 on 1 trigger: latency',
      details: [
        'looked from 2026-12-01 23:00 UTC to 2026-12-02 00:00 UTC',
        'error rate: 1 series, 60 finite samples',
        'latency: 0 series, 0 finite samples'
      ]
    })
    // Series that hold only NaN or infinities are no data either.
    const nan = gateOver(probe({ series: 2, samples: 0 }))
    expect(nan.status).toBe('fail')
    expect(nan.summary).toBe(
      'prometheus http://127.0.0.1:9090 has no data for v1 on 1 trigger: latency'
    )
    expect(nan.details).toContain('latency: 2 series, 0 finite samples')
    const full = gateOver(probe({ series: 1, samples: 1 }))
    expect(full).toEqual({
      gate: 'monitoring',
      status: 'pass',
      summary: 'prometheus http://127.0.0.1:9090 receives data for v1 on 2 triggers',
      details: [
        'looked from 2026-12-01 23:00 UTC to 2026-12-02 00:00 UTC',
        'error rate: 1 series, 60 finite samples',
        'latency: 1 series, 1 finite sample'
      ]
    })
  })

  it('fails closed naming the source when it could not answer', () => {
    const result = gateOver(
      probeOf({
        'error rate': { failure: 'HTTP 503 Service Unavailable' },
        latency: { series: 1, samples: 5 }
      })
    )
    expect(result).toEqual({
      gate: 'monitoring',
      status: 'fail',
      summary:
        'prometheus http://127.0.0.1:9090 could not be probed for v1 (1 trigger: error rate), so it is not known to receive data',
      details: [
        'looked from 2026-12-01 23:00 UTC to 2026-12-02 00:00 UTC',
        'error rate: source failure: HTTP 503 Service Unavailable',
        'latency: 1 series, 5 finite samples'
      ]
    })
  })

  it('fails a trigger the probe did not answer, and a probe of another version', () => {
    const partial = gateOver(probeOf({ 'error rate': { series: 1, samples: 5 } }))
    expect(partial.status).toBe('fail')
    expect(partial.summary).toBe(
      'prometheus http://127.0.0.1:9090 has no data for v1 on 1 trigger: latency'
    )
    expect(partial.details).toContain('latency: not probed')
    const other = gateOver(
      probeOf({ 'error rate': { series: 1, samples: 5 }, latency: { series: 1, samples: 5 } }, 'v0')
    )
    expect(other.status).toBe('fail')
    expect(other.summary).toBe(
      'the probe of prometheus http://127.0.0.1:9090 looked for v0, not for v1 (the holder of production)'
    )
  })

  it('passes on the block alone on a first promotion (no holder, no series yet)', () => {
    const result = monitoringGate({ stage: 'production', monitor: monitorOf({ monitor: MONITOR }) })
    expect(result.status).toBe('pass')
    expect(result.summary).toBe(
      'production is monitored (2 triggers); no version holds it yet, so there is nothing to probe'
    )
  })
})

describe('monitoring: required in the evaluation', () => {
  const candidate = {
    dir: '/c',
    label: 'v2',
    metrics: {},
    invalidMetrics: {},
    files: [{ path: 'metrics.json', size: 2, sha256: 'a'.repeat(64) }],
    totalBytes: 2
  }
  const champion = { label: 'v1', version: 'v1', metrics: {} }
  const now = new Date('2026-12-02T00:00:00Z')

  it('only `required` is accepted', () => {
    expect(policy({ monitoring: 'required' }).stages.production?.monitoring).toBe('required')
    expect(() => policy({ monitoring: 'yes' })).toThrow()
  })

  it('blocks without a monitor block, skips in check (no probe there), fails closed elsewhere', () => {
    const gate = (stage: Record<string, unknown>, unavailable: 'monitoring-probe'[] = []) =>
      evaluateStage({
        policy: policy(stage),
        stage: 'production',
        candidate,
        champion,
        now,
        unavailable
      })
        .gates.filter(g => g.gate === 'monitoring')
        .map(g => `${g.status}: ${g.summary}`)
    expect(gate({ monitoring: 'required' }, ['monitoring-probe'])).toEqual([
      'fail: production has no monitor: block, and the policy requires monitoring'
    ])
    expect(gate({ monitoring: 'required', monitor: MONITOR }, ['monitoring-probe'])).toEqual([
      'skipped: not evaluated in this run: needs a probe of the monitor source for v1'
    ])
    expect(gate({ monitoring: 'required', monitor: MONITOR })).toEqual([
      'fail: no probe of the monitor source was made, so it is not known to receive data'
    ])
    expect(gate({ monitor: MONITOR })).toEqual([])
  })

  it('runs on the probe promote supplies', () => {
    const evaluation = evaluateStage({
      policy: policy({ monitoring: 'required', monitor: MONITOR }),
      stage: 'production',
      candidate,
      champion,
      now,
      monitoringProbe: {
        source: 'prometheus http://127.0.0.1:9090',
        holder: 'v1',
        window: { start: '2026-12-01T23:00:00.000Z', end: '2026-12-02T00:00:00.000Z' },
        triggers: { 'error rate': { series: 1, samples: 3 }, latency: { series: 0, samples: 0 } }
      }
    })
    expect(evaluation.gates.map(g => `${g.gate} ${g.status}`)).toEqual(['monitoring fail'])
    expect(evaluation.decision).toBe('blocked')
  })
})
