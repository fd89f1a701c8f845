import {
  formatApart,
  formatBytes,
  formatInteger,
  formatNumber,
  formatPercent,
  formatSigned
} from '../src/gates/format.js'
import type { Evaluation, GateResult, GateStatus } from '../src/gates/types.js'
import {
  MAX_DETAILS,
  escape,
  forcedPast,
  forcedPastNamed,
  recordOutcome,
  renderMarkdown
} from '../src/report/markdown.js'

function evaluation(overrides: Partial<Evaluation> = {}): Evaluation {
  return {
    model: 'clinical-risk',
    stage: 'staging',
    evaluatedAt: '2026-11-23T09:00:00.000Z',
    candidate: {
      label: 'v1.4.0',
      metrics: { accuracy: 0.881 },
      invalidMetrics: {},
      totalBytes: 1449,
      fileCount: 5
    },
    champion: { label: 'v1.3.0', metrics: { accuracy: 0.874 } },
    gates: [],
    warnings: [],
    decision: 'pass',
    ...overrides
  }
}

describe('number formatting', () => {
  it.each([
    [0.8949, '0.8949'],
    [0.881, '0.881'],
    [118, '118'],
    [64.5, '64.5'],
    [12500, '12500'],
    [0.123456, '0.1235'],
    [123.456789, '123.4568'],
    [0.0051, '0.0051'],
    [0.00001234, '0.00001234'],
    [0.000012345678, '0.00001235'],
    [1.5e-9, '1.5e-9'],
    [1e-9, '1e-9'],
    [-0.013, '-0.013'],
    [0, '0'],
    [-0, '0'],
    [-0.00000000001, '-1e-11'],
    [0.007000000000000006, '0.007'],
    [0.9 - 0.895, '0.005'],
    [1e21, '1e+21']
  ])('formatNumber(%p) is %p', (value, text) => {
    expect(formatNumber(value)).toBe(text)
  })

  it('never prints -0 after rounding', () => {
    expect(formatNumber(-0.00004)).toBe('-0.00004')
    expect(formatNumber(-1234.00000001)).toBe('-1234')
    expect(formatSigned(-0)).toBe('0')
    expect(formatSigned(0)).toBe('0')
  })

  it('signs differences', () => {
    expect(formatSigned(0.007)).toBe('+0.007')
    expect(formatSigned(-0.013)).toBe('-0.013')
  })

  it('keeps two different numbers apart', () => {
    expect(formatApart(0.84999, 0.85)).toEqual(['0.84999', '0.85'])
    expect(formatApart(100.00001, 100)).toEqual(['100.00001', '100'])
    expect(formatApart(0.5, 0.5)).toEqual(['0.5', '0.5'])
  })

  it('formats percentages, integers and sizes without locale', () => {
    expect(formatPercent(0.07)).toBe('7%')
    expect(formatPercent(0.005)).toBe('0.5%')
    expect(formatInteger(124151398)).toBe('124,151,398')
    expect(formatInteger(999)).toBe('999')
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(1023)).toBe('1,023 bytes')
    expect(formatBytes(1449)).toBe('1.4 KiB')
    expect(formatBytes(48_318_221)).toBe('46.1 MiB')
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.00 GiB')
  })
})

describe('renderMarkdown', () => {
  it('is deterministic and ends with one newline', () => {
    const input = evaluation()
    const text = renderMarkdown(input)
    expect(renderMarkdown(input)).toBe(text)
    expect(text.endsWith('\n')).toBe(true)
    expect(text.endsWith('\n\n')).toBe(false)
  })

  it('names the model, the stage and the decision in words as well as a symbol', () => {
    const heading = (decision: Evaluation['decision']) =>
      renderMarkdown(evaluation({ decision })).split('\n')[0]
    expect(heading('pass')).toBe('## ✅ Passed: clinical-risk → staging')
    expect(heading('pass-with-warnings')).toBe(
      '## ⚠️ Passed with warnings: clinical-risk → staging'
    )
    expect(heading('pending')).toBe('## ⏳ Pending: clinical-risk → staging')
    expect(heading('blocked')).toBe('## ❌ Blocked: clinical-risk → staging')
  })

  it('renders one table row per metric check, with a signed delta and — for absent values', () => {
    const gates: GateResult[] = [
      {
        gate: 'thresholds',
        status: 'fail',
        summary: '1 of 2 metrics out of bounds or unusable',
        checks: [
          { metric: 'accuracy', candidate: 0.881, champion: 0.874, rule: '≥ 0.85', status: 'pass' },
          { metric: 'roc_auc', champion: 0.9, rule: '≥ 0.8', status: 'fail', problem: 'is NaN' }
        ]
      },
      {
        gate: 'regression',
        status: 'pass',
        summary: 'accuracy is within the allowed regression vs champion v1.3.0',
        checks: [
          { metric: 'accuracy', candidate: 0.881, champion: 0.874, rule: 'no drop', status: 'pass' }
        ]
      }
    ]
    const text = renderMarkdown(evaluation({ gates, decision: 'blocked' }))
    expect(text).toContain(
      [
        '| Metric | Champion | Candidate | Δ | Rule | Result |',
        '| :-- | --: | --: | --: | :-- | :-- |',
        '| accuracy | 0.874 | 0.881 | +0.007 | ≥ 0.85 | ✅ pass |',
        '| accuracy | 0.874 | 0.881 | +0.007 | no drop | ✅ pass |',
        '| roc_auc | 0.9 | — | — | ≥ 0.8 | ❌ fail: NaN |'
      ].join('\n')
    )
  })

  it('shows a rounding residue as a zero delta', () => {
    const gates: GateResult[] = [
      {
        gate: 'regression',
        status: 'pass',
        summary: 's',
        checks: [
          { metric: 'm', candidate: 0.3, champion: 0.1 + 0.2, rule: 'no drop', status: 'pass' }
        ]
      }
    ]
    expect(renderMarkdown(evaluation({ gates }))).toContain(
      '| m | 0.3 | 0.3 | 0 | no drop | ✅ pass |'
    )
  })

  it('leaves the table out when no gate compares metrics', () => {
    const text = renderMarkdown(
      evaluation({ gates: [{ gate: 'artifact', status: 'pass', summary: '5 files' }] })
    )
    expect(text).not.toContain('| Metric |')
    expect(text).toContain('- ✅ **Artifact integrity** pass: 5 files')
  })

  it('lists gates with details as nested bullets, capped', () => {
    const details = Array.from(
      { length: MAX_DETAILS + 3 },
      (_, i) => `file-${i}.bin is not listed in SHA256SUMS`
    )
    const text = renderMarkdown(
      evaluation({
        gates: [
          { gate: 'artifact', status: 'fail', summary: `${details.length} problems`, details }
        ],
        decision: 'blocked'
      })
    )
    expect(text).toContain(
      '- ❌ **Artifact integrity** fail: 23 problems\n  - file-0.bin is not listed'
    )
    expect(text).toContain(`  - file-${MAX_DETAILS - 1}.bin`)
    expect(text).not.toContain(`file-${MAX_DETAILS}.bin`)
    expect(text).toContain('  - … and 3 more in the JSON report')
  })

  it('shows an unknown gate by its identifier', () => {
    const text = renderMarkdown(
      evaluation({ gates: [{ gate: 'drift', status: 'pending', summary: 'waiting' }] })
    )
    expect(text).toContain('- ⏳ **drift** pending: waiting')
  })

  it('says when a stage has no gates', () => {
    const text = renderMarkdown(
      evaluation({
        decision: 'pass-with-warnings',
        warnings: ['dev configures no gates, so nothing was checked']
      })
    )
    expect(text).toContain('Nothing was checked: see the warning below.')
    expect(text).toContain('No gates are configured for this stage.')
    expect(text).toContain('### ⚠️ Warnings\n\n- dev configures no gates, so nothing was checked')
  })

  it('does not repeat skipped gates under warnings, but counts them', () => {
    const gate: GateResult = {
      gate: 'approvals',
      status: 'skipped',
      summary: 'not evaluated by check: needs pull-request reviews'
    }
    const text = renderMarkdown(
      evaluation({
        gates: [gate],
        warnings: [
          `approvals skipped: ${gate.summary}`,
          'metrics.json: notes is NaN — not used by this policy'
        ],
        decision: 'pass-with-warnings'
      })
    )
    expect(text).toContain('No gate failed; 1 gate skipped, 1 warning below.')
    expect(text).toContain(
      '### ⚠️ Warnings\n\n- metrics.json: notes is NaN — not used by this policy\n'
    )
    expect(text).not.toContain('- approvals skipped')
  })

  it('says when there is no champion', () => {
    expect(renderMarkdown(evaluation({ champion: undefined }))).toContain(
      'Candidate **v1.4.0**; no champion in staging yet (first promotion).'
    )
  })

  it('ends with the candidate file count, total size and evaluation time', () => {
    const text = renderMarkdown(evaluation())
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '*ModelGate · candidate v1.4.0: 5 files, 1.4 KiB (1,449 bytes) · evaluated 2026-11-23 09:00 UTC*'
    )
  })

  it('escapes user text so it cannot break the table or inject markup', () => {
    const text = renderMarkdown(
      evaluation({
        model: 'a*b',
        candidate: {
          label: '<img src=x onerror=alert(1)>',
          metrics: {},
          invalidMetrics: {},
          totalBytes: 0,
          fileCount: 0
        },
        gates: [
          {
            gate: 'thresholds',
            status: 'fail',
            summary: 's',
            checks: [{ metric: 'a|b\nc', rule: '≥ 1', status: 'fail', problem: 'is missing' }]
          }
        ]
      })
    )
    expect(text).toContain('| a\\|b c | — | — | — | ≥ 1 | ❌ fail: missing |')
    expect(text).toContain('Candidate **\\<img src=x onerror=alert(1)\\>**')
    expect(text).toContain('a\\*b')
    expect(text).not.toMatch(/(^|[^\\])<img/m)
    expect(text).toContain('0 files, 0 bytes · evaluated')
  })

  it('escapes markdown punctuation but leaves underscores and plain text alone', () => {
    expect(escape('latency_p95_ms')).toBe('latency_p95_ms')
    expect(escape('[x](y) `z` ~s~ \\')).toBe('\\[x\\](y) \\`z\\` \\~s\\~ \\\\')
  })
})

describe('a forced promotion in words (issue 12)', () => {
  const gate = (name: string, status: GateStatus) => ({ gate: name, status })

  it('counts the failing and the pending gates it went past', () => {
    expect(forcedPast([gate('thresholds', 'fail'), gate('transition', 'pass')])).toBe(
      'forced past 1 failing gate'
    )
    expect(
      forcedPastNamed([
        gate('thresholds', 'fail'),
        gate('approvals', 'fail'),
        gate('min_days_in_source_stage', 'pending'),
        gate('schema', 'skipped')
      ])
    ).toBe(
      'forced past 2 failing gates and 1 pending gate: Thresholds, Approvals, Days in source stage'
    )
  })

  it('names a written forced promotion in history by what it did, the rest by kind and decision', () => {
    const gates = [gate('approvals', 'fail'), gate('rolled_back', 'fail')]
    expect(
      recordOutcome({ kind: 'forced-promotion', decision: 'blocked', written: true, gates })
    ).toBe('forced past 2 failing gates')
    expect(recordOutcome({ kind: 'refused', decision: 'blocked', written: false, gates })).toBe(
      'refused: blocked'
    )
    expect(recordOutcome({ kind: 'promotion', decision: 'pass', written: true, gates: [] })).toBe(
      'promotion: pass'
    )
  })
})
