/**
 * Golden reports: what reviewers read, committed under __tests__/__outputs__/ so any change to
 * it shows in the diff. `UPDATE_GOLDEN=1 npm test -- __tests__/report-golden` rewrites them;
 * otherwise a difference fails.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type {
  Candidate,
  ChecksumReport,
  Signature,
  SignatureField
} from '../src/candidate/types.js'
import { evaluateStage, type EvaluateInput } from '../src/gates/evaluate.js'
import type { Evaluation } from '../src/gates/types.js'
import { toJson } from '../src/report/json.js'
import { renderMarkdown } from '../src/report/markdown.js'
import { Policy } from '../src/policy/schema.js'

const OUTPUTS = join(process.cwd(), '__tests__', '__outputs__')
const UPDATE = process.env.UPDATE_GOLDEN === '1'

const now = new Date('2026-11-23T09:00:00Z')
const CHECK_LACKS = ['approvals', 'checks', 'source-stage-dates'] as const

/** The clinical classifier team's policy: accuracy ≥ 0.85, ROC AUC ≥ 0.80, p95 ≤ 100 ms, ≤ 100 MB. */
const policy = Policy.parse({
  model: 'clinical-risk',
  metrics: {
    accuracy: { goal: 'maximize' },
    roc_auc: { goal: 'maximize' },
    latency_p95_ms: { goal: 'minimize' }
  },
  stages: {
    staging: {
      from: ['candidate'],
      thresholds: {
        accuracy: { min: 0.85 },
        roc_auc: { min: 0.8 },
        latency_p95_ms: { max: 100 }
      },
      artifact: { max_size_mb: 100, require: ['MLmodel'], checksums: 'required' }
    },
    production: {
      from: ['staging'],
      min_days_in_source_stage: 7,
      thresholds: {
        accuracy: { min: 0.85 },
        roc_auc: { min: 0.8 },
        latency_p95_ms: { max: 100 }
      },
      regression: {
        accuracy: { max_drop: 0 },
        roc_auc: { max_drop: 0.005 },
        latency_p95_ms: { max_relative_drop: 0.1 }
      },
      schema: { compatibility: 'exact' },
      checks: ['smoke-tests'],
      approvals: {
        groups: [
          { name: 'data-science', teams: ['acme/ds-leads'], min: 1 },
          { name: 'ml-engineering', users: ['a-reviewer-login'], min: 1 }
        ]
      }
    },
    'production-eu': {
      from: ['staging'],
      regression: { accuracy: { max_drop: 0.01 } },
      schema: { compatibility: 'backward' }
    }
  }
})

const field = (name: string, type: string, required = true): SignatureField => ({
  name,
  type,
  required
})

const signature: Signature = {
  source: 'MLmodel',
  inputs: [
    field('age', 'double'),
    field('bmi', 'double'),
    field('systolic_bp', 'long'),
    field('smoker', 'string')
  ],
  outputs: [field('risk', 'double')]
}

const hash = (seed: string): string => seed.repeat(64).slice(0, 64)

const files = [
  { path: 'MLmodel', size: 699, sha256: hash('73185b34') },
  { path: 'SHA256SUMS', size: 389, sha256: hash('0f0f') },
  { path: 'metrics.json', size: 127, sha256: hash('a4eb847c') },
  { path: 'model.pkl', size: 48_318_221, sha256: hash('57e867ab') },
  { path: 'model.yaml', size: 183, sha256: hash('b11de6da') },
  { path: 'requirements.txt', size: 39, sha256: hash('41241084') }
]

const verified: ChecksumReport = {
  file: 'SHA256SUMS',
  verified: ['MLmodel', 'metrics.json', 'model.pkl', 'model.yaml', 'requirements.txt'],
  missing: [],
  mismatched: [],
  unlisted: []
}

function candidate(label: string, overrides: Partial<Candidate> = {}): EvaluateInput['candidate'] {
  return {
    label,
    dir: `/work/models/${label}`,
    metrics: { accuracy: 0.881, roc_auc: 0.915, latency_p95_ms: 64.5, 'eval.f1': 0.812 },
    invalidMetrics: {},
    signature,
    info: { version: label, owner: 'clinical-ml' },
    files,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    checksums: verified,
    ...overrides
  }
}

const champion: EvaluateInput['champion'] = {
  label: 'v1.3.0',
  version: 'v1.3.0',
  metrics: { accuracy: 0.874, roc_auc: 0.912, latency_p95_ms: 61, 'eval.f1': 0.801 },
  signature
}

const scenarios: Record<string, () => Evaluation> = {
  'staging-pass': () =>
    evaluateStage({
      policy,
      stage: 'staging',
      candidate: candidate('v1.4.0'),
      champion,
      now,
      unavailable: CHECK_LACKS,
      evaluator: 'check'
    }),

  'production-blocked': () =>
    evaluateStage({
      policy,
      stage: 'production',
      candidate: candidate('v1.4.1', {
        metrics: { accuracy: 0.861, latency_p95_ms: 118, 'eval.f1': 0.79 },
        invalidMetrics: { notes: 'is a string ("retrained on Nov data")' }
      }),
      champion,
      now,
      unavailable: CHECK_LACKS,
      evaluator: 'check'
    }),

  'first-promotion': () =>
    evaluateStage({
      policy,
      stage: 'production',
      candidate: candidate('v1.0.0'),
      now,
      unavailable: CHECK_LACKS,
      evaluator: 'check'
    }),

  'schema-mismatch': () =>
    evaluateStage({
      policy,
      stage: 'production-eu',
      candidate: candidate('v1.5.0', {
        signature: {
          source: 'MLmodel',
          inputs: [
            field('age', 'float'),
            field('bmi', 'double'),
            field('systolic_bp', 'long'),
            field('hba1c', 'double'),
            field('postcode', 'string', false)
          ],
          outputs: [field('risk', 'double'), field('risk_band', 'string')]
        }
      }),
      champion,
      now,
      unavailable: CHECK_LACKS,
      evaluator: 'check'
    }),

  'checksum-mismatch': () =>
    evaluateStage({
      policy,
      stage: 'staging',
      candidate: candidate('v1.4.2', {
        files: [...files, { path: 'notes.txt', size: 12, sha256: hash('99') }],
        checksums: {
          file: 'SHA256SUMS',
          verified: ['MLmodel', 'metrics.json', 'model.yaml'],
          missing: ['requirements.txt'],
          mismatched: [{ path: 'model.pkl', expected: hash('57e867ab'), actual: hash('fd67fe77') }],
          unlisted: ['notes.txt']
        }
      }),
      champion,
      now,
      unavailable: CHECK_LACKS,
      evaluator: 'check'
    }),

  'soak-pending': () =>
    evaluateStage({
      policy,
      stage: 'production',
      candidate: candidate('v1.4.0'),
      champion,
      now,
      source: { stage: 'staging', enteredAt: new Date('2026-11-19T15:30:00Z') },
      unavailable: ['approvals', 'checks'],
      evaluator: 'check'
    })
}

function golden(name: string, actual: string): void {
  const path = join(OUTPUTS, name)
  if (UPDATE) {
    mkdirSync(OUTPUTS, { recursive: true })
    writeFileSync(path, actual)
    return
  }
  let expected: string
  try {
    expected = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(
      `missing golden ${path}; run UPDATE_GOLDEN=1 npm test -- __tests__/report-golden`,
      {
        cause: error
      }
    )
  }
  expect(actual).toBe(expected)
}

describe('golden reports', () => {
  it.each(Object.keys(scenarios))('%s.md', name => {
    const evaluation = scenarios[name]?.()
    if (!evaluation) throw new Error(`no scenario ${name}`)
    golden(`${name}.md`, renderMarkdown(evaluation))
  })

  it('production-blocked.json', () => {
    golden('production-blocked.json', `${toJson(scenarios['production-blocked']!())}\n`)
  })

  // A promotion forced past the gates (issue 12): the heading says so, never "Blocked".
  it.each([
    ['forced-promotion.md', 'done'],
    ['forced-promotion-dry-run.md', 'planned']
  ] as const)('%s', (name, forced) => {
    golden(name, renderMarkdown(scenarios['production-blocked']!(), { forced }))
  })

  it('decides each scenario as its name says', () => {
    const decisions = Object.fromEntries(
      Object.entries(scenarios).map(([name, build]) => [name, build().decision])
    )
    expect(decisions).toEqual({
      'staging-pass': 'pass',
      'production-blocked': 'blocked',
      'first-promotion': 'pass-with-warnings',
      'schema-mismatch': 'blocked',
      'checksum-mismatch': 'blocked',
      'soak-pending': 'pending'
    })
  })
})
