import type { Evaluation } from '../src/gates/types.js'
import { toJson } from '../src/report/json.js'

const evaluation: Evaluation = {
  warnings: ['metrics.json: notes is NaN — not used by this policy'],
  decision: 'blocked',
  gates: [
    {
      details: ['roc_auc is missing'],
      checks: [
        {
          status: 'fail',
          rule: '≥ 0.8',
          metric: 'roc_auc',
          problem: 'is missing',
          champion: 0.912
        },
        { status: 'pass', rule: '≥ 0.85', metric: 'accuracy', candidate: 0.881, champion: 0.874 }
      ],
      summary: '1 of 2 metrics out of bounds or unusable',
      status: 'fail',
      gate: 'thresholds'
    }
  ],
  champion: { metrics: { roc_auc: 0.912, accuracy: 0.874 }, version: 'v1.3.0', label: 'v1.3.0' },
  candidate: {
    fileCount: 5,
    totalBytes: 1449,
    invalidMetrics: { notes: 'is NaN' },
    metrics: { 'eval.f1': 0.8, accuracy: 0.881 },
    label: 'v1.4.0'
  },
  evaluatedAt: '2026-11-23T09:00:00.000Z',
  stage: 'production',
  model: 'clinical-risk'
}

describe('toJson', () => {
  it('writes keys in a fixed order whatever the input order, metric maps sorted', () => {
    const text = toJson(evaluation)
    const parsed = JSON.parse(text) as Record<string, unknown>
    expect(Object.keys(parsed)).toEqual([
      'model',
      'stage',
      'decision',
      'evaluatedAt',
      'candidate',
      'champion',
      'gates',
      'warnings'
    ])
    expect(parsed).toEqual(evaluation)
    expect(text).toContain(
      [
        '  "candidate": {',
        '    "label": "v1.4.0",',
        '    "metrics": {',
        '      "accuracy": 0.881,',
        '      "eval.f1": 0.8',
        '    },',
        '    "invalidMetrics": {',
        '      "notes": "is NaN"',
        '    },',
        '    "totalBytes": 1449,',
        '    "fileCount": 5',
        '  },'
      ].join('\n')
    )
    expect(text).toContain(
      [
        '        {',
        '          "metric": "roc_auc",',
        '          "champion": 0.912,',
        '          "rule": "≥ 0.8",',
        '          "status": "fail",',
        '          "problem": "is missing"',
        '        },'
      ].join('\n')
    )
    expect(text).toMatch(
      /^ {2}"gates": \[\n {4}\{\n {6}"gate": "thresholds",\n {6}"status": "fail",\n {6}"summary"/m
    )
  })

  it('is stable and has no trailing newline', () => {
    expect(toJson(evaluation)).toBe(toJson(structuredClone(evaluation)))
    expect(toJson(evaluation).endsWith('}')).toBe(true)
  })

  it('omits absent fields rather than writing null', () => {
    const first: Evaluation = { ...evaluation, champion: undefined }
    const text = toJson(first)
    expect(text).not.toContain('"champion": {')
    expect(text).not.toContain('null')
  })

  it('keeps a metric named __proto__ as data', () => {
    const metrics = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, number>
    const parsed = JSON.parse(
      toJson({ ...evaluation, candidate: { ...evaluation.candidate, metrics } })
    ) as {
      candidate: { metrics: Record<string, number> }
    }
    expect(Object.keys(parsed.candidate.metrics)).toEqual(['__proto__', 'a'])
  })
})
