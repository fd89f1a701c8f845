// A re-run of a scheduled monitor run's job ("Re-run failed jobs": the same GITHUB_RUN_ID) on the
// in-memory registry, with a MetricSource passed in: when the run's step of an earlier rollout is
// recorded already, the outputs say where the stage stands now (the current rollout's version,
// share and latest step), never that old step beside today's share; and a run that once aborted
// an earlier rollout still aborts the breaching rollout running now (never swallowed: fail closed).
import { auditCollector } from '../src/audit/log.js'
import { monitorRolloutOutputs } from '../src/action/rollout.js'
import { driveRollout, type DriveOptions } from '../src/commands/monitor-rollout.js'
import type { RegistryContext } from '../src/commands/registry-context.js'
import type { MetricSource, Sample } from '../src/monitor/types.js'
import { parsePolicy } from '../src/policy/load.js'
import type { RolloutStepRequest } from '../src/registry/port.js'
import { rolloutMarkdown } from '../src/report/monitor-rollout.js'
import { MemoryRegistry } from './helpers/memory-registry.js'

const MINUTE = 60_000
const T0 = Date.UTC(2026, 0, 5)

const policy = parsePolicy(
  `model: m
metrics:
  accuracy: { goal: maximize }
stages:
  staging:
    from: [candidate]
  canary:
    from: [staging]
    rollout:
      type: canary
      steps: [5, 10, 25, 50]
      min_step_duration: 30m
      source: { prometheus: { url: "http://127.0.0.1:9" } }
      triggers:
        - { name: errors, query: 'error_ratio{version="$version"}', max: 0.05 }
  production:
    from: [canary]
`,
  'policy.yml'
)

/** The error ratio of each version, one sample a minute over any range. */
function source(values: Record<string, number>): MetricSource {
  return {
    description: 'test source',
    async queryRange(range) {
      const value = values[range.values.version]
      if (value === undefined) return []
      const samples: Sample[] = []
      for (let time = range.start; time <= range.end; time += range.stepMs) {
        samples.push({ time, value })
      }
      return [{ labels: {}, samples }]
    }
  }
}

describe('monitor re-runs of a run that stepped an earlier rollout (memory registry)', () => {
  const now = { t: T0 }
  const registry = new MemoryRegistry({ now: () => now.t })
  const audit = { actor: 'github-actions' }
  const step = (minutes: number, request: RolloutStepRequest) => {
    now.t = T0 + minutes * MINUTE
    return registry.recordRolloutStep('m', 'canary', request, audit)
  }
  const context = (run: string): RegistryContext => ({
    registry,
    audits: auditCollector(),
    models: {} as RegistryContext['models'],
    actor: 'github-actions',
    now: () => new Date(now.t),
    runFacts: { runUrl: `https://github.com/acme/models/actions/runs/${run}` }
  })
  const drive = (run: string, minutes: number, values: Record<string, number>) => {
    now.t = T0 + minutes * MINUTE
    const options: DriveOptions = {
      policy,
      model: 'm',
      at: new Date(now.t),
      dryRun: false,
      sourceFor: () => source(values),
      refused: error => error
    }
    const rollout = policy.stages.canary?.rollout
    if (!rollout) throw new Error('the policy has a canary')
    return driveRollout(context(run), options, 'canary', rollout)
  }
  const single = (outputs: Record<string, string>) => ({
    step: outputs['rollout-step'],
    version: outputs.version,
    percent: outputs['traffic-percent']
  })

  beforeAll(async () => {
    for (const v of ['v2', 'v3']) await registry.register('m', v, `ref-${v}`, audit)
    // Run 101 advanced v2 and run 102 aborted it; v3 then started and was advanced to 25%.
    await step(0, { kind: 'start', version: 'v2', percent: 5, run: '100' })
    await step(31, { kind: 'advance', version: 'v2', percent: 10, from: 5, run: '101' })
    await step(40, { kind: 'abort', version: 'v2', percent: 0, run: '102' })
    await step(41, { kind: 'start', version: 'v3', percent: 5, run: '103' })
    await step(72, { kind: 'advance', version: 'v3', percent: 10, from: 5, run: '104' })
    await step(103, { kind: 'advance', version: 'v3', percent: 25, from: 10, run: '105' })
  })

  it("the re-run of an old advance writes nothing; its outputs are today's rollout at 25%, not v2's advance", async () => {
    const before = (await registry.rolloutSteps('m', 'canary')).length
    const result = await drive('101', 140, { v3: 0.01 })
    expect(result.result).toMatchObject({ written: false, reason: 'step already recorded' })
    expect(single(monitorRolloutOutputs([result]))).toEqual({
      step: 'advance',
      version: 'v3',
      percent: '25'
    })
    // The report names the step the run recorded (v2's, at 10%) and where the stage stands now.
    const text = rolloutMarkdown(result).join('\n')
    expect(text).toContain('Advanced v2 from 5% to 10% is recorded already: nothing written.')
    expect(text).toContain(
      'Recorded already by this workflow run at 2026-01-05 00:31:00 UTC: advance (10%) of v2; the stage stands now at advance (25%) of v3.'
    )
    expect((await registry.rolloutSteps('m', 'canary')).length).toBe(before)
  })

  it('the re-run of the run that aborted v2 aborts v3, which breaches now; a second re-run writes nothing', async () => {
    const result = await drive('102', 141, { v3: 0.5 })
    expect(result.result).toMatchObject({ written: true })
    expect(single(monitorRolloutOutputs([result]))).toEqual({
      step: 'abort',
      version: 'v3',
      percent: '0'
    })
    const steps = await registry.rolloutSteps('m', 'canary')
    expect(steps.at(-1)).toMatchObject({ kind: 'abort', version: 'v3', run: '102' })
    // Aborted: nothing runs in the stage, so the next re-run has nothing to drive.
    const again = await drive('102', 142, { v3: 0.5 })
    expect(again.action).toEqual({ kind: 'none' })
    expect(monitorRolloutOutputs([again])).toEqual({})
    expect((await registry.rolloutSteps('m', 'canary')).length).toBe(steps.length)
  })
})
