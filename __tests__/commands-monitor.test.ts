// The monitor command's safety rules and evidence bounds on the in-memory registry, with a
// MetricSource passed in (no module mocks): the paths the e2e suite cannot reach on git (a
// backend whose rollback would restore a version that was taken out), the cap at 0, a run over
// two stages, and the audit record's bounds on a breach of many series.
import { ExitCode } from '../src/errors.js'
import { monitor, type MonitorOptions } from '../src/commands/monitor.js'
import type { RegistryContext } from '../src/commands/registry-context.js'
import { MAX_EVIDENCE_SERIES, MAX_RECENT_SAMPLES } from '../src/audit/monitor-evidence.js'
import type { MetricSource, RangeQuery, Sample, Series } from '../src/monitor/types.js'
import { parsePolicy } from '../src/policy/load.js'
import type { Registry } from '../src/registry/port.js'
import { MemoryRegistry } from './helpers/memory-registry.js'
import { auditCollector } from '../src/audit/log.js'
import { rendered } from '../src/report/command.js'

const HOUR = 3600_000
const T0 = Date.UTC(2026, 0, 5)

const POLICY = (monitorExtra = '') => `model: m
metrics:
  accuracy: { goal: maximize }
stages:
  staging:
    from: [candidate]
    monitor:
      source: { file: live.csv }
      watch_for: 2h
      triggers:
        - { name: errors, query: 'error_ratio{version="$version"}', max: 0.05 }
  production:
    from: [staging]
    monitor:
      source: { prometheus: { url: "http://127.0.0.1:9" } }
      watch_for: 2h
${monitorExtra}      triggers:
        - { name: errors, query: 'error_ratio{version="$version"}', max: 0.05 }
`

/** Per version: how many series and the value of every sample, one a minute over the range. */
function source(values: Record<string, { series?: number; value: number }>): MetricSource & {
  queries: RangeQuery[]
} {
  const queries: RangeQuery[] = []
  return {
    description: 'test source',
    queries,
    async queryRange(range) {
      queries.push(range)
      const wanted = values[range.values.version]
      if (!wanted) return []
      const samples: Sample[] = []
      for (let time = range.start; time <= range.end; time += range.stepMs) {
        samples.push({ time, value: wanted.value })
      }
      return Array.from({ length: wanted.series ?? 1 }, (_, i): Series => ({
        labels: { pod: `p${i}` },
        samples: [...samples]
      }))
    }
  }
}

async function registryWith(now: { t: number }) {
  const registry = new MemoryRegistry({ now: () => now.t })
  const audit = { actor: 'tester' }
  for (const v of ['v1', 'v2', 'v3']) await registry.register('m', v, `ref-${v}`, audit)
  return { registry, audit }
}

const audits = auditCollector()

function context(registry: Registry, now: { t: number }): RegistryContext {
  return {
    registry,
    audits,
    models: {} as RegistryContext['models'],
    actor: 'scheduler',
    now: () => new Date(now.t)
  }
}

const options = (
  sourceFor: MonitorOptions['sourceFor'],
  extra: Partial<MonitorOptions> = {},
  policyExtra = ''
): MonitorOptions => ({
  policy: parsePolicy(POLICY(policyExtra), 'policy.yml'),
  model: 'm',
  stage: 'production',
  sourceFor,
  ...extra
})

describe('monitor safety rules (memory registry)', () => {
  it('alerts, writing nothing, when the version a rollback would restore was taken out of the stage', async () => {
    const now = { t: T0 }
    const { registry, audit } = await registryWith(now)
    await registry.assign('m', 'v1', 'production', audit)
    now.t += HOUR
    await registry.assign('m', 'v2', 'production', audit)
    now.t += HOUR
    // v2 rolled back by hand: v1 again, v2 taken out.
    await registry.rollback('m', 'production', undefined, { ...audit, reason: 'bad' })
    now.t += HOUR
    await registry.assign('m', 'v3', 'production', audit)
    now.t += HOUR / 2
    // A backend whose own choice would put v2 back (the port does not promise it skips removals).
    const careless: Registry = Object.create(registry, {
      rollback: {
        value: (model: string, stage: string, to: string | undefined, ...rest: unknown[]) =>
          (registry.rollback as (...args: unknown[]) => unknown).call(
            registry,
            model,
            stage,
            to ?? 'v2',
            ...rest
          )
      }
    })
    const before = (await registry.history('m')).length
    const outcome = await monitor(
      context(careless, now),
      options(() => source({ v3: { value: 0.5 } }))
    )
    expect(outcome.exitCode).toBe(ExitCode.MonitorNeedsPerson)
    expect(outcome.stages[0]?.action).toMatchObject({ kind: 'alert', why: 'target-taken-out' })
    expect((await registry.history('m')).length).toBe(before)
    expect((await registry.getStage('m', 'production'))?.version).toBe('v3')
  })

  it('max_automatic_rollbacks: 0 never rolls back', async () => {
    const now = { t: T0 }
    const { registry, audit } = await registryWith(now)
    await registry.assign('m', 'v1', 'production', audit)
    now.t += HOUR
    await registry.assign('m', 'v2', 'production', audit)
    now.t += HOUR / 2
    const outcome = await monitor(
      context(registry, now),
      options(() => source({ v2: { value: 0.5 } }), {}, '      max_automatic_rollbacks: 0\n')
    )
    expect(outcome.exitCode).toBe(ExitCode.MonitorNeedsPerson)
    expect(outcome.stages[0]?.action).toMatchObject({ kind: 'alert', why: 'cap-reached' })
    expect((await registry.getStage('m', 'production'))?.version).toBe('v2')
  })

  it('a run over every watched stage exits with the most severe: inconclusive over healthy', async () => {
    const now = { t: T0 }
    const { registry, audit } = await registryWith(now)
    await registry.assign('m', 'v1', 'staging', audit)
    await registry.assign('m', 'v2', 'production', audit)
    now.t += HOUR
    const sources = { staging: source({ v1: { value: 0.01 } }), production: source({}) }
    const outcome = await monitor(context(registry, now), {
      ...options((_, stage) => sources[stage as 'staging' | 'production']),
      stage: undefined
    })
    expect(outcome.stages.map(s => [s.stage, s.verdict])).toEqual([
      ['staging', 'healthy'],
      ['production', 'inconclusive']
    ])
    expect(outcome.exitCode).toBe(ExitCode.PassWithWarnings)
    expect(outcome.queries).toBe(2)
  })

  it("bounds the rollback's evidence: a few series, the latest samples, the rest counted", async () => {
    const now = { t: T0 }
    const { registry, audit } = await registryWith(now)
    await registry.assign('m', 'v1', 'production', audit)
    now.t += HOUR
    await registry.assign('m', 'v2', 'production', audit)
    now.t += HOUR
    const outcome = await monitor(
      context(registry, now),
      options(() => source({ v2: { series: 10, value: 0.5 } }))
    )
    expect(outcome.exitCode).toBe(ExitCode.MonitorRolledBack)
    const [record] = audits.drain()
    const evidence = record?.monitor
    expect(record?.kind).toBe('automatic-rollback')
    const trigger = evidence?.triggers[0]
    expect(trigger?.series).toHaveLength(MAX_EVIDENCE_SERIES)
    expect(trigger?.seriesOmitted).toBe(10 - MAX_EVIDENCE_SERIES)
    expect(trigger?.series[0]?.samples).toBe(61)
    expect(trigger?.series[0]?.recent).toHaveLength(MAX_RECENT_SAMPLES)
    expect(trigger?.series[0]?.breachRun).toHaveLength(20)
    expect(trigger?.series[0]?.breachRunLength).toBe(61)
    expect(JSON.stringify(record).length).toBeLessThan(20_000)
    expect((await registry.getStage('m', 'production'))?.version).toBe('v1')
  })
})

describe('two monitor runs at once (memory registry)', () => {
  /** v1 then v2 in production; v2 breaches. */
  async function breaching() {
    const now = { t: T0 }
    const { registry, audit } = await registryWith(now)
    await registry.assign('m', 'v1', 'production', audit)
    now.t += HOUR
    await registry.assign('m', 'v2', 'production', audit)
    now.t += HOUR / 2
    // One rollback writes several events (the removal, the restore), each holding its record.
    const automatic = async () =>
      new Set(
        (await registry.history('m')).flatMap(e => {
          const record = (e.audit as { record?: { kind?: string } } | undefined)?.record
          return record?.kind === 'automatic-rollback' ? [JSON.stringify(record)] : []
        })
      ).size
    return { now, registry, automatic }
  }
  const lost = (outcome: Awaited<ReturnType<typeof monitor>>) => {
    // As a re-run: exit 0, nothing written, the report says another run rolled back.
    expect(outcome.exitCode).toBe(ExitCode.Pass)
    expect(outcome.stages[0]).toMatchObject({
      verdict: 'breach',
      action: { kind: 'rolled-back-by-another', holder: 'v1' }
    })
    expect(rendered(outcome).markdown).toContain(
      'Another run changed production first (it holds v1 now): this run rolled nothing back. Nothing written.'
    )
    expect(JSON.parse(rendered(outcome).json)).toMatchObject({ exitCode: 0 })
    expect(outcome.notifications).toEqual([])
  }

  it('the other run rolls back while this one reads the metrics: this one writes nothing, exits 0', async () => {
    const { now, registry, automatic } = await breaching()
    let other: Awaited<ReturnType<typeof monitor>> | undefined
    const racing: MetricSource = {
      description: 'test source',
      async queryRange(range) {
        // The other run, started at the same moment, finishes first.
        other ??= await monitor(
          context(registry, now),
          options(() => source({ v2: { value: 0.5 } }))
        )
        return source({ v2: { value: 0.5 } }).queryRange(range)
      }
    }
    const outcome = await monitor(
      context(registry, now),
      options(() => racing)
    )
    expect(other?.exitCode).toBe(ExitCode.MonitorRolledBack)
    lost(outcome)
    expect(await automatic()).toBe(1)
    expect((await registry.getStage('m', 'production'))?.version).toBe('v1')
  })

  it("the other run writes between this one's preview and its write: this one writes nothing, exits 0", async () => {
    const { now, registry, automatic } = await breaching()
    let other: Awaited<ReturnType<typeof monitor>> | undefined
    const racing: Registry = Object.create(registry, {
      rollback: {
        value: async (...args: unknown[]) => {
          const writeOptions = args[4] as { dryRun?: boolean } | undefined
          if (!writeOptions?.dryRun && !other) {
            other = await monitor(
              context(registry, now),
              options(() => source({ v2: { value: 0.5 } }))
            )
          }
          return (registry.rollback as (...a: unknown[]) => unknown).apply(registry, args)
        }
      }
    })
    const outcome = await monitor(
      context(racing, now),
      options(() => source({ v2: { value: 0.5 } }))
    )
    expect(other?.exitCode).toBe(ExitCode.MonitorRolledBack)
    lost(outcome)
    expect(await automatic()).toBe(1)
    expect((await registry.getStage('m', 'production'))?.version).toBe('v1')
  })
})
