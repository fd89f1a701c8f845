import { evaluateStage } from '../src/gates/evaluate.js'
import { monitoringGate } from '../src/gates/monitoring.js'
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

  it('fails when a trigger finds no series for the holder, passes when all do', () => {
    const monitor = monitorOf({ monitor: MONITOR })
    const probe = (latency: number) => ({
      source: 'prometheus http://127.0.0.1:9090',
      holder: 'v1',
      seriesByTrigger: { 'error rate': 1, latency }
    })
    const empty = monitoringGate({ stage: 'production', monitor, holder: 'v1', probe: probe(0) })
    expect(empty).toEqual({
      gate: 'monitoring',
      status: 'fail',
      summary: 'prometheus http://127.0.0.1:9090 has no series for v1 on 1 trigger: latency',
      details: ['error rate: 1 series for v1', 'latency: 0 series for v1']
    })
    const full = monitoringGate({ stage: 'production', monitor, holder: 'v1', probe: probe(3) })
    expect(full.status).toBe('pass')
    expect(full.summary).toBe('prometheus http://127.0.0.1:9090 receives data for v1 on 2 triggers')
  })

  it('passes on the block alone on a first promotion (no holder, no series yet)', () => {
    const result = monitoringGate({ stage: 'production', monitor: monitorOf({ monitor: MONITOR }) })
    expect(result.status).toBe('pass')
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
})
