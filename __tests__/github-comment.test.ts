/**
 * The sticky PR comment (src/report/comment.ts): golden bodies for the states a reviewer sees,
 * committed under __tests__/__outputs__/comment-*.md. `UPDATE_GOLDEN=1 npm test --
 * __tests__/github-comment` rewrites them; otherwise a difference fails.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Candidate } from '../src/candidate/types.js'
import type { Review, ReviewEvidence, TeamMembership } from '../src/gates/approvals.js'
import { evaluateStage, type EvaluateInput } from '../src/gates/evaluate.js'
import type { Evaluation } from '../src/gates/types.js'
import { Policy } from '../src/policy/schema.js'
import {
  addDone,
  COMMENT_LIMIT,
  commentMarker,
  renderComment,
  type CommentInput,
  type DoneAction
} from '../src/report/comment.js'
import { renderMarkdown } from '../src/report/markdown.js'
import type { StageTrend } from '../src/report/stage-trend.js'

const OUTPUTS = join(process.cwd(), '__tests__', '__outputs__')
const UPDATE = process.env.UPDATE_GOLDEN === '1'

const HEAD = 'c0ffee1234567890c0ffee1234567890c0ffee12'
const OLD = '0ld5ha1234567890aaaabbbbccccddddeeeeffff'
const RUN = 'https://github.com/acme/models/actions/runs/4242'
const now = new Date('2026-11-23T09:00:00Z')

const policy = Policy.parse({
  model: 'churn-model',
  metrics: {
    accuracy: { goal: 'maximize' },
    roc_auc: { goal: 'maximize' },
    latency_p95_ms: { goal: 'minimize' }
  },
  stages: {
    production: {
      from: ['candidate'],
      thresholds: { accuracy: { min: 0.85 }, latency_p95_ms: { max: 100 } },
      regression: { accuracy: { max_drop: 0 }, roc_auc: { max_drop: 0.005 } },
      checks: ['smoke-tests'],
      approvals: {
        groups: [
          { name: 'data-science', teams: ['acme/ds-leads'], min: 1 },
          { name: 'ml-engineering', users: ['bob', 'carol'], min: 1 }
        ]
      }
    }
  }
})

function candidate(overrides: Partial<Candidate> = {}): EvaluateInput['candidate'] {
  return {
    label: 'v1.4.0',
    version: 'v1.4.0',
    dir: '/work/candidate',
    metrics: { accuracy: 0.881, roc_auc: 0.915, latency_p95_ms: 64.5 },
    invalidMetrics: {},
    files: [{ path: 'model.pkl', size: 48_318_221, sha256: 'a'.repeat(64) }],
    totalBytes: 48_318_221,
    ...overrides
  }
}

const champion: EvaluateInput['champion'] = {
  label: 'v1.3.0',
  version: 'v1.3.0',
  metrics: { accuracy: 0.874, roc_auc: 0.912, latency_p95_ms: 61 }
}

const approve = (user: string, commitId = HEAD): Review => ({ user, state: 'APPROVED', commitId })

function reviews(
  list: Review[],
  teams: Record<string, TeamMembership> = { 'acme/ds-leads': new Set(['alice']) }
): ReviewEvidence {
  return {
    author: 'pr-author',
    headSha: HEAD,
    reviews: list,
    permissions: new Map([
      ['alice', 'write'],
      ['bob', 'maintain'],
      ['carol', 'write'],
      ['dave', 'write'],
      ['rita', 'read']
    ]),
    teams: new Map(Object.entries(teams))
  }
}

const checksGreen = {
  headSha: HEAD,
  runs: [{ id: 1, name: 'smoke-tests', status: 'completed', conclusion: 'success' }]
}

function evaluate(overrides: Partial<EvaluateInput>): Evaluation {
  return evaluateStage({
    policy,
    stage: 'production',
    candidate: candidate(),
    champion,
    now,
    checkRuns: checksGreen,
    ...overrides
  })
}

/**
 * The stage's last holders as their promotions' audit records keep them: the metric history a
 * pull request into a stage with earlier promotions shows (ready and promoted scenarios only, so
 * the goldens that change are the ones where the chart appears).
 */
const trend = (withCandidate: boolean): StageTrend => ({
  stage: 'production',
  metrics: ['accuracy', 'roc_auc', 'latency_p95_ms'],
  holders: [
    {
      version: 'v1.1.0',
      at: new Date('2026-09-02T10:00:00Z'),
      forced: false,
      metrics: { accuracy: 0.861, roc_auc: 0.9, latency_p95_ms: 72 }
    },
    {
      version: 'v1.2.0',
      at: new Date('2026-10-05T10:00:00Z'),
      forced: true,
      metrics: { accuracy: 0.858, latency_p95_ms: 58 }
    },
    {
      version: 'v1.3.0',
      at: new Date('2026-11-01T10:00:00Z'),
      forced: false,
      metrics: { accuracy: 0.874, roc_auc: 0.912, latency_p95_ms: 61 }
    },
    ...(withCandidate
      ? [
          {
            version: 'v1.4.0',
            at: new Date('2026-11-23T09:12:00Z'),
            forced: false,
            metrics: { accuracy: 0.881, roc_auc: 0.915, latency_p95_ms: 64.5 }
          }
        ]
      : [])
  ]
})

const scenarios: Record<string, () => CommentInput> = {
  'comment-pending': () => ({
    evaluation: evaluate({
      reviews: reviews(
        [approve('bob'), approve('carol', OLD), approve('rita'), approve('pr-author')],
        {
          'acme/ds-leads': {
            unknown: true,
            reason: 'the token cannot read team acme/ds-leads (HTTP 403)'
          }
        }
      )
    }),
    policyChanged: { path: 'policies/churn-model.yml' },
    runUrl: RUN
  }),

  'comment-blocked': () => ({
    evaluation: evaluate({
      candidate: candidate({ metrics: { accuracy: 0.861, roc_auc: 0.915, latency_p95_ms: 64.5 } }),
      reviews: reviews([
        approve('alice'),
        approve('bob'),
        { user: 'dave', state: 'CHANGES_REQUESTED', commitId: HEAD },
        { user: 'dave', state: 'COMMENTED', commitId: HEAD }
      ])
    }),
    runUrl: RUN
  }),

  'comment-ready': () => ({
    evaluation: evaluate({ reviews: reviews([approve('alice'), approve('bob')]) }),
    runUrl: RUN,
    trend: trend(false)
  }),

  'comment-promoted': () => ({
    evaluation: evaluate({ reviews: reviews([approve('alice'), approve('bob')]) }),
    done: {
      action: 'promoted',
      stage: 'production',
      version: 'v1.4.0',
      previous: 'v1.3.0',
      actor: 'bob',
      at: new Date('2026-11-23T09:12:00Z'),
      runUrl: RUN
    },
    runUrl: RUN,
    trend: trend(true)
  }),

  'comment-merged-not-promoted': () => ({
    evaluation: evaluate({ reviews: reviews([approve('alice', OLD), approve('bob')]) }),
    merged: true,
    runUrl: RUN
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
      `missing golden ${path}; run UPDATE_GOLDEN=1 npm test -- __tests__/github-comment`,
      { cause: error }
    )
  }
  expect(actual).toBe(expected)
}

describe('renderComment', () => {
  it.each(Object.keys(scenarios))('%s.md', name => {
    const input = scenarios[name]?.()
    if (!input) throw new Error(`no scenario ${name}`)
    golden(`${name}.md`, renderComment(input))
  })

  it('decides each scenario as its name says', () => {
    const decisions = Object.fromEntries(
      Object.entries(scenarios).map(([name, build]) => [name, build().evaluation.decision])
    )
    expect(decisions).toEqual({
      'comment-pending': 'pending',
      'comment-blocked': 'blocked',
      'comment-ready': 'pass',
      'comment-promoted': 'pass',
      'comment-merged-not-promoted': 'pending'
    })
  })

  it('starts with the marker and holds the one report byte for byte, footer last', () => {
    const input = scenarios['comment-ready']!()
    const body = renderComment(input)
    expect(body.startsWith(`${commentMarker('churn-model', 'production')}\n`)).toBe(true)
    const report = renderMarkdown(input.evaluation).trimEnd().split('\n')
    const footer = report.pop()!
    expect(body).toContain(report.join('\n'))
    expect(body.trimEnd().endsWith(footer)).toBe(true)
  })

  it('never @-mentions reviewers', () => {
    for (const build of Object.values(scenarios)) {
      expect(renderComment(build())).not.toMatch(/@[a-z]/i)
    }
  })

  it('says promotion happens on approval when so configured', () => {
    const body = renderComment({ ...scenarios['comment-ready']!(), promoteOn: 'approval' })
    expect(body).toContain(
      '### On approval\n\nEvery gate passes: ModelGate promotes **v1.4.0** to **production**, replacing v1.3.0.'
    )
  })

  describe('addDone: a rollback told on the pull request that promoted the version', () => {
    const target = { model: 'churn-model', stage: 'production' }
    const rollback: DoneAction = {
      action: 'rolled-back',
      stage: 'production',
      version: 'v1.3.0',
      previous: 'v1.4.0',
      actor: 'mia',
      reason: 'p95 latency doubled after the rollout (INC-2231)',
      at: new Date('2026-11-24T17:40:00Z'),
      runUrl: 'https://github.com/acme/models/actions/runs/4300'
    }

    it('golden: the promoted comment with the rollback on top', () => {
      const promoted = renderComment(scenarios['comment-promoted']!())
      golden('comment-rolled-back.md', addDone(promoted, rollback, target))
    })

    it('changes nothing when run again', () => {
      const once = addDone(renderComment(scenarios['comment-promoted']!()), rollback, target)
      expect(addDone(once, rollback, target)).toBe(once)
    })

    it('makes a comment of its own when the pull request has none', () => {
      const body = addDone(undefined, rollback, target)
      expect(
        body.startsWith(`${commentMarker('churn-model', 'production')}\n\n### ↩️ Rolled back`)
      ).toBe(true)
    })

    it('stays within the limit, cutting the old report', () => {
      const long = `${commentMarker('churn-model', 'production')}\n${'line of the old report\n'.repeat(3000)}`
      const body = addDone(long, rollback, target, { limit: 10_000 })
      expect(body.length).toBeLessThanOrEqual(10_000)
      expect(body).toContain('### ↩️ Rolled back')
      expect(body).toContain('the earlier report is cut short here')
    })
  })

  describe('shortening', () => {
    /** A candidate with many metrics and a gate with many details: a huge report. */
    function huge(metrics: number, detailLength: number): CommentInput {
      const names = Array.from(
        { length: metrics },
        (_, i) => `metric_${String(i).padStart(5, '0')}`
      )
      const big = Policy.parse({
        model: 'churn-model',
        stages: {
          production: {
            from: ['candidate'],
            thresholds: Object.fromEntries(names.map(name => [name, { min: 0.5 }])),
            approvals: { required: 1 }
          }
        }
      })
      const evaluation = evaluateStage({
        policy: big,
        stage: 'production',
        candidate: candidate({ metrics: Object.fromEntries(names.map(name => [name, 0.75])) }),
        now,
        reviews: reviews([approve('alice')])
      })
      evaluation.gates.push({
        gate: 'artifact',
        status: 'pass',
        summary: 'all files verified',
        details: Array.from({ length: 19 }, (_, i) => `${i}: ${'d'.repeat(detailLength)}`)
      })
      return { evaluation, runUrl: RUN }
    }

    it('leaves a comment that fits alone', () => {
      const input = huge(10, 10)
      expect(renderComment(input)).not.toContain('Shortened')
    })

    it('drops gate details first', () => {
      const input = huge(10, 4000)
      const body = renderComment(input)
      expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT)
      expect(body).toContain(
        `> Shortened to fit GitHub's comment limit: gate details are left out. The full report is in the [job summary](${RUN}).`
      )
      expect(body).not.toContain('dddd')
      expect(body).toContain('metric_00009')
      expect(body).toContain('### Reviews')
    })

    it('then drops metric rows from the end of the table, as few as it must', () => {
      const input = huge(3000, 4000)
      const full = renderComment(input, { limit: Number.MAX_SAFE_INTEGER })
      expect(full.length).toBeGreaterThan(COMMENT_LIMIT)
      const body = renderComment(input)
      expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT)
      expect(body.length).toBeGreaterThan(COMMENT_LIMIT - 200)
      expect(body).toMatch(/gate details and the last \d+ metrics of the table are left out/)
      expect(body).toContain('| metric_00000 |')
      expect(body).not.toContain('| metric_02999 |')
      expect(body.startsWith(commentMarker('churn-model', 'production'))).toBe(true)
      expect(body).toContain('### Reviews')
      expect(body).toContain('### On merge')
      expect(body.trimEnd()).toMatch(/\*ModelGate · .*\*$/)
    })

    it('says where the full report is when no link is given', () => {
      const input = { ...huge(10, 4000), runUrl: undefined }
      expect(renderComment(input)).toContain(
        'The full report is in the job summary of the workflow run.'
      )
    })

    it('cuts the report at a line as a last resort, and still fits', () => {
      const input = huge(10, 10)
      input.evaluation.warnings.push(
        ...Array.from({ length: 2000 }, (_, i) => `warning ${i} ${'w'.repeat(40)}`)
      )
      const body = renderComment(input, { limit: 20_000 })
      expect(body.length).toBeLessThanOrEqual(20_000)
      expect(body).toContain('the report is cut short here')
      expect(body).toContain('### Reviews')
    })

    it('golden: a shortened comment', () => {
      const input = huge(12, 300)
      golden('comment-shortened.md', renderComment(input, { limit: 4000 }))
    })
  })
})
