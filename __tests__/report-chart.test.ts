// The sticky comment's metric history (issue 16, "Also"): the generic Mermaid xychart renderer
// (src/report/chart.ts) keeps every label inside its quoted string and the block; the history
// (src/report/stage-trend.ts) is read from audit records alone (src/commands/stage-trend.ts);
// the comment stays under GitHub's limit by dropping the charts, then the table's oldest rows.
import { rollbackAudit, type AuditRecord } from '../src/audit/record.js'
import { stageTrend } from '../src/commands/stage-trend.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import { Policy } from '../src/policy/schema.js'
import type { Registry, RegistryEvent } from '../src/registry/port.js'
import { mermaidText, mermaidXyChart } from '../src/report/chart.js'
import { COMMENT_LIMIT, renderComment } from '../src/report/comment.js'
import { renderTrend, type StageTrend } from '../src/report/stage-trend.js'

const HOSTILE = [
  'v1"]\n```\n<script>alert(1)</script>',
  'v2 --> B[click me](https://evil.example)',
  "v3'`;%%{init: {'theme':'dark'}}%%",
  'v4]\r\nline [1, 2, 3]',
  'v5 #quot; & &lt; @admin'
]

/** The lines of each mermaid block in `markdown`. */
function mermaidBlocks(markdown: string): string[][] {
  const blocks: string[][] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```mermaid') continue
    const end = lines.indexOf('```', i + 1)
    expect(end).toBeGreaterThan(i)
    blocks.push(lines.slice(i + 1, end))
    i = end
  }
  return blocks
}

/** A block's shape: nothing but the five statements, each label a safe quoted string. */
function expectSafeBlock(block: string[], series: number) {
  expect(block).toHaveLength(4 + series)
  expect(block[0]).toBe('xychart-beta')
  expect(block[1]).toMatch(/^ {4}title "[A-Za-z0-9 ._+/:()=-]+"$/)
  expect(block[2]).toMatch(/^ {4}x-axis \["[A-Za-z0-9 ._+/:()=-]+"(, "[A-Za-z0-9 ._+/:()=-]+")*\]$/)
  expect(block[3]).toMatch(/^ {4}y-axis ("[A-Za-z0-9 ._+/:()=-]+" )?-?[0-9.]+ --> -?[0-9.]+$/)
  for (const line of block.slice(4))
    expect(line).toMatch(/^ {4}(line|bar) \[-?[0-9.]+(, -?[0-9.]+)*\]$/)
  expect(block.join('\n')).not.toContain('-->"')
  expect(block.join('\n').match(/-->/g)).toHaveLength(1)
}

describe('mermaidText', () => {
  it.each(HOSTILE)('keeps %j inside a quoted label', text => {
    const safe = mermaidText(text)
    expect(safe).toMatch(/^[A-Za-z0-9 ._+/:()=-]+$/)
    expect(safe).not.toContain('-->')
    expect(safe.length).toBeLessThanOrEqual(32)
  })

  it('keeps ordinary version and metric names as they are, and never gives an empty label', () => {
    expect(['v1.2.0', 'latency_p95_ms', 'roc-auc', '7'].map(t => mermaidText(t))).toEqual([
      'v1.2.0',
      'latency_p95_ms',
      'roc-auc',
      '7'
    ])
    expect(mermaidText('')).toBe('_')
    expect(mermaidText('a'.repeat(50))).toBe(`${'a'.repeat(29)}...`)
  })
})

describe('mermaidXyChart', () => {
  it('draws a line with a padded y range; hostile labels stay in their strings', () => {
    const chart = mermaidXyChart({
      title: HOSTILE[0] as string,
      labels: HOSTILE,
      yLabel: HOSTILE[1],
      series: [{ kind: 'line', values: [0.8, 0.9, 0.85, 1e-7, 12345678] }]
    })
    const [block] = mermaidBlocks(chart)
    expectSafeBlock(block as string[], 1)
    expect(block?.[4]).toBe('    line [0.8, 0.9, 0.85, 0.0000001, 12345700]')
  })

  it('refuses a series that does not match its labels or holds a non-finite value', () => {
    expect(() =>
      mermaidXyChart({ title: 't', labels: ['a'], series: [{ kind: 'line', values: [1, 2] }] })
    ).toThrow('2 values for 1 labels')
    expect(() =>
      mermaidXyChart({ title: 't', labels: ['a'], series: [{ kind: 'bar', values: [NaN] }] })
    ).toThrow('finite')
  })
})

const at = (n: number) => new Date(Date.UTC(2026, 10, 1 + n))

function trendOf(count: number, names = ['accuracy', 'latency_p95_ms']): StageTrend {
  return {
    stage: 'production',
    metrics: names,
    holders: Array.from({ length: count }, (_, i) => ({
      version: HOSTILE[i % HOSTILE.length] ?? `v${i}`,
      at: at(i),
      forced: i === 1,
      metrics: Object.fromEntries(names.map((name, j) => [name, 0.8 + i / 100 + j]))
    }))
  }
}

describe('renderTrend', () => {
  it('draws one chart a metric and the same data in an escaped table, oldest first', () => {
    const names = ['acc"]\n```', 'lat --> x`<b>']
    const markdown = renderTrend(trendOf(5, names)) as string
    const blocks = mermaidBlocks(markdown)
    expect(blocks).toHaveLength(2)
    for (const block of blocks) expectSafeBlock(block, 1)
    const outside = markdown.replace(/```mermaid\n[\s\S]*?\n```/g, '')
    // Outside the charts: no raw HTML, no code fence, no link, no mention, and one table.
    expect(outside).not.toMatch(/(?<!\\)[<`[]/)
    expect(outside).not.toContain('@admin')
    const rows = outside.split('\n').filter(line => line.startsWith('| '))
    expect(rows).toHaveLength(2 + 5)
    expect(rows[2]).toContain('2026-11-01 00:00:00')
    expect(rows[3]).toContain('(forced)')
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(6)
  })

  it('charts a metric only at the holders whose record has it, and nothing without holders', () => {
    const trend = trendOf(3)
    delete (trend.holders[1] as { metrics: Record<string, number> }).metrics.accuracy
    const markdown = renderTrend(trend) as string
    const [accuracy] = mermaidBlocks(markdown)
    expect(accuracy?.[4]?.split(',')).toHaveLength(2)
    expect(markdown).toContain('| — |')
    expect(renderTrend({ ...trend, holders: [] })).toBeUndefined()
    expect(renderTrend(undefined)).toBeUndefined()
  })
})

describe('a value too large to chart', () => {
  it('is left out of the chart and kept in the table, so the axis stays finite and readable', () => {
    // Records are read from the registry: anyone who can push a tag can write 1e300 in one.
    const trend = trendOf(3)
    const metrics = (trend.holders[1] as { metrics: Record<string, number> }).metrics
    metrics.accuracy = 1.7e308
    const markdown = renderTrend(trend) as string
    const [accuracy] = mermaidBlocks(markdown)
    expect(accuracy?.[4]?.split(',')).toHaveLength(2)
    expect(accuracy?.join('\n')).not.toMatch(/Infinity|e\+/)
    expect(markdown).toMatch(/1\.7e\+308|1\.7×10/)
  })
})

describe('the sticky comment with the metric history', () => {
  const policy = Policy.parse({
    model: 'churn',
    metrics: { accuracy: { goal: 'maximize' } },
    stages: { production: { from: ['candidate'], thresholds: { accuracy: { min: 0.5 } } } }
  })
  const evaluation = evaluateStage({
    policy,
    stage: 'production',
    candidate: {
      label: 'v9',
      version: 'v9',
      dir: '/c',
      metrics: { accuracy: 0.9 },
      invalidMetrics: {},
      files: [],
      totalBytes: 0
    },
    now: at(30)
  })
  // Long metric names make each holder's row and chart large.
  const names = Array.from({ length: 8 }, (_, i) => `metric_${i}_${'x'.repeat(200)}`)
  const trend = trendOf(20, names)

  it('holds the charts and the table when they fit', () => {
    const body = renderComment({ evaluation, trend })
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(mermaidBlocks(body)).toHaveLength(8)
    expect(body).not.toContain('Shortened')
  })

  it('drops the charts before the table, then the oldest rows, and says so', () => {
    const full = renderComment({ evaluation, trend })
    const withoutCharts = renderComment({ evaluation, trend }, { limit: full.length - 1 })
    expect(withoutCharts.length).toBeLessThan(full.length)
    expect(mermaidBlocks(withoutCharts)).toHaveLength(0)
    expect(withoutCharts).toContain('the metric charts are left out (their table stays)')
    const tableRows = (body: string) => body.split('\n').filter(l => l.startsWith('| v')).length
    expect(tableRows(withoutCharts)).toBe(20)

    const limit = withoutCharts.length - 1
    const fewer = renderComment({ evaluation, trend }, { limit })
    expect(fewer.length).toBeLessThanOrEqual(limit)
    const kept = tableRows(fewer)
    expect(kept).toBeLessThan(20)
    expect(fewer).toContain(
      `the oldest ${20 - kept === 1 ? '1 row' : `${20 - kept} rows`} of their table are left out`
    )
    // The newest holder stays; the oldest went first.
    expect(fewer).toContain('2026-11-20 00:00:00')
    expect(fewer).not.toContain('2026-11-01 00:00:00')
    // The report itself is whole: its gate section is there.
    expect(fewer).toContain(renderComment({ evaluation }).split('\n')[2] as string)
  })

  it('drops the whole history before cutting into the report, and says so', () => {
    const bare = renderComment({ evaluation })
    const body = renderComment({ evaluation, trend }, { limit: bare.length + 200 })
    expect(body.length).toBeLessThanOrEqual(bare.length + 200)
    expect(body).not.toContain('Promoted (UTC)')
    expect(body).toContain('the metric history of the stage, ')
  })

  it('says the history went when the report itself must be cut at a line', () => {
    const body = renderComment({ evaluation, trend }, { limit: 400 })
    expect(body.length).toBeLessThanOrEqual(400)
    expect(body).toContain('the metric history of the stage, the report is cut short here')
  })
})

describe('stageTrend reads the audit records alone', () => {
  const base = rollbackAudit({
    model: 'churn',
    stage: 'production',
    restored: 'v1',
    rolledBack: null,
    written: true,
    actor: 'a',
    run: {},
    at: at(0)
  })
  const promotionRecord = (
    version: string,
    metrics: Record<string, number>,
    kind: AuditRecord['kind'] = 'promotion'
  ): AuditRecord => ({
    ...base,
    kind,
    version,
    from: 'staging',
    decision: 'pass',
    metrics: { candidate: metrics, champion: null }
  })
  const event = (n: number, stage: string, record?: AuditRecord): RegistryEvent => ({
    kind: 'assignment',
    model: 'churn',
    version: record?.version ?? `v${n}`,
    stage,
    at: at(n),
    by: 'a',
    id: `churn#${stage}#${n}`,
    ...(record ? { audit: { record: { ...record, to: stage } } } : {})
  })

  it('keeps the last 20 promotions to the stage, oldest first, with the policy metrics only', async () => {
    const events: RegistryEvent[] = []
    for (let n = 0; n < 25; n++) {
      events.push(
        event(
          n,
          'production',
          promotionRecord(
            `v${n}`,
            { accuracy: n / 100, extra: 1 },
            n === 24 ? 'forced-promotion' : 'promotion'
          )
        )
      )
    }
    events.push(event(30, 'staging', promotionRecord('v30', { accuracy: 0.3 })))
    // A hand-made tag has no record; a rollback's record is no promotion.
    events.push(event(31, 'production'))
    events.push(event(32, 'production', { ...promotionRecord('v3', {}), kind: 'rollback' }))
    const registry = { history: async () => [...events].reverse() } as unknown as Registry
    const trend = await stageTrend(
      registry,
      { model: 'churn', metrics: { accuracy: { goal: 'maximize' } } } as never,
      'production'
    )
    expect(trend.holders.map(h => h.version)).toEqual(
      Array.from({ length: 20 }, (_, i) => `v${i + 5}`)
    )
    expect(trend.holders.at(-1)).toEqual({
      version: 'v24',
      at: at(24),
      forced: true,
      metrics: { accuracy: 0.24 }
    })
    expect(trend.metrics).toEqual(['accuracy'])
  })
})
