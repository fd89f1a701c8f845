import type { RolloutStep } from '../src/registry/port.js'
import { renderRollout, rolloutLine } from '../src/report/rollout.js'
import { rolloutState } from '../src/rollout/steps.js'

const T0 = Date.parse('2026-12-03T04:10:05Z')

function step(minutes: number, fields: Partial<RolloutStep>): RolloutStep {
  return {
    model: 'churn',
    stage: 'canary',
    version: 'v1.5.0',
    kind: 'start',
    percent: 5,
    at: new Date(T0 + minutes * 60_000),
    by: 'ana',
    id: `churn#canary#${minutes}`,
    ...fields
  }
}

describe('the rollout report', () => {
  it('says where a canary stands: running, held, aborted; a shadow as a shadow', () => {
    const start = step(0, {})
    const advance = step(60, { kind: 'advance', percent: 25, from: 5 })
    const hold = step(90, { kind: 'hold', percent: 25, by: 'bo', reason: 'peak' })
    const abort = step(120, { kind: 'abort', percent: 0, by: 'bo', reason: 'errors' })
    const line = (steps: RolloutStep[]) => rolloutLine(rolloutState(steps) ?? fail())
    expect(line([start, advance])).toBe('canary v1.5.0 at 25% since 2026-12-03 05:10:05 UTC')
    expect(line([start, advance, hold])).toBe(
      'held canary v1.5.0 at 25% since 2026-12-03 05:10:05 UTC (held 2026-12-03 05:40:05 UTC by bo)'
    )
    expect(line([start, advance, hold, abort])).toBe(
      'aborted canary v1.5.0 at 0%, aborted 2026-12-03 06:10:05 UTC by bo: errors'
    )
    expect(line([step(0, { percent: 0 })])).toBe(
      'shadow v1.5.0 at 0% since 2026-12-03 04:10:05 UTC'
    )
  })

  it('escapes what people wrote: a reason cannot break the table or add markup', () => {
    const hostile = 'spike | <img src=x> [link](http://x) `code`'
    const steps = [step(0, {}), step(5, { kind: 'abort', percent: 0, reason: hostile })]
    const { markdown, json } = renderRollout({
      model: 'churn',
      stage: 'canary',
      steps,
      ...(rolloutState(steps) ? { state: rolloutState(steps) } : {})
    })
    expect(markdown).not.toMatch(/(?<!\\)<img/)
    expect(markdown).not.toMatch(/(?<!\\)\[link\]/)
    expect(markdown).toContain('spike \\| \\<img src=x\\>')
    const rows = markdown.split('\n').filter(l => l.startsWith('| 2026'))
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(10)
    expect(JSON.parse(json).steps[1].reason).toBe(hostile)
  })

  it('with no rollout: says none has been started, and lists no steps', () => {
    const { markdown } = renderRollout({ model: 'churn', stage: 'canary', steps: [] })
    expect(markdown).toBe(
      '**churn canary**: the rollout as the registry records it.\n\nNo rollout has been started in this stage.\n\nNo rollout steps.\n'
    )
  })
})

function fail(): never {
  throw new Error('expected a rollout')
}
