import type { Candidate } from '../src/candidate/types.js'
import { NotFoundError } from '../src/errors.js'
import { decide, evaluateStage, type EvaluateInput } from '../src/gates/evaluate.js'
import type { GateResult } from '../src/gates/types.js'
import { Policy } from '../src/policy/schema.js'

const now = new Date('2026-11-23T09:00:00Z')

const policy = Policy.parse({
  model: 'clinical-risk',
  metrics: {
    accuracy: { goal: 'maximize' },
    roc_auc: { goal: 'maximize' },
    latency_p95_ms: { goal: 'minimize' }
  },
  stages: {
    dev: { from: ['candidate'] },
    staging: {
      from: ['candidate'],
      thresholds: { accuracy: { min: 0.85 }, roc_auc: { min: 0.8 } },
      artifact: { max_size_mb: 100, require: ['MLmodel'] }
    },
    production: {
      from: ['staging'],
      min_days_in_source_stage: 7,
      regression: { accuracy: { max_drop: 0 }, roc_auc: { max_drop: 0.005 } },
      schema: { compatibility: 'exact' },
      checks: ['smoke-tests'],
      approvals: { groups: [{ name: 'data-science', teams: ['acme/ds-leads'] }] }
    }
  }
})

function candidate(overrides: Partial<Candidate> = {}): EvaluateInput['candidate'] {
  return {
    label: 'v1.4.0',
    dir: '/work/candidate',
    metrics: { accuracy: 0.881, roc_auc: 0.915 },
    invalidMetrics: {},
    files: [
      { path: 'MLmodel', size: 699, sha256: 'a'.repeat(64) },
      { path: 'model.pkl', size: 51, sha256: 'b'.repeat(64) }
    ],
    totalBytes: 750,
    info: { version: 'v1.4.0' },
    ...overrides
  }
}

const champion: EvaluateInput['champion'] = {
  label: 'v1.3.0',
  version: 'v1.3.0',
  metrics: { accuracy: 0.874, roc_auc: 0.912 },
  signature: {
    source: 'MLmodel',
    inputs: [{ name: 'age', type: 'double', required: true }],
    outputs: []
  }
}

describe('evaluateStage', () => {
  it('throws NotFoundError listing the stages for an unknown stage', () => {
    const run = () => evaluateStage({ policy, stage: 'prod', candidate: candidate(), now })
    expect(run).toThrow(NotFoundError)
    expect(run).toThrow(
      'stage "prod" is not defined in the policy for clinical-risk; it defines: dev, staging, production'
    )
    try {
      run()
    } catch (error) {
      expect((error as NotFoundError).exitCode).toBe(3)
    }
    expect(() =>
      evaluateStage({ policy, stage: 'constructor', candidate: candidate(), now })
    ).toThrow(NotFoundError)
  })

  it('passes a stage whose gates all pass', () => {
    const evaluation = evaluateStage({
      policy,
      stage: 'staging',
      candidate: candidate(),
      champion,
      now
    })
    expect(evaluation.decision).toBe('pass')
    expect(evaluation.warnings).toEqual([])
    expect(evaluation.gates.map(gate => [gate.gate, gate.status])).toEqual([
      ['thresholds', 'pass'],
      ['artifact', 'pass']
    ])
    expect(evaluation).toMatchObject({
      model: 'clinical-risk',
      stage: 'staging',
      evaluatedAt: '2026-11-23T09:00:00.000Z',
      candidate: { label: 'v1.4.0', version: 'v1.4.0', totalBytes: 750, fileCount: 2 },
      champion: { label: 'v1.3.0', version: 'v1.3.0', metrics: { accuracy: 0.874, roc_auc: 0.912 } }
    })
    expect(evaluation.champion).not.toHaveProperty('signature')
  })

  it('records the sides exactly: a version given wins over model.yaml, absent fields stay absent', () => {
    const given = evaluateStage({
      policy,
      stage: 'dev',
      candidate: { ...candidate({ invalidMetrics: { f1: 'is NaN' } }), version: 'v2.0.0' },
      champion: { label: 'main', metrics: { accuracy: 0.8 }, invalidMetrics: { f1: 'is null' } },
      now
    })
    expect(given.candidate).toStrictEqual({
      label: 'v1.4.0',
      version: 'v2.0.0',
      metrics: { accuracy: 0.881, roc_auc: 0.915 },
      invalidMetrics: { f1: 'is NaN' },
      totalBytes: 750,
      fileCount: 2
    })
    expect(given.champion).toStrictEqual({
      label: 'main',
      metrics: { accuracy: 0.8 },
      invalidMetrics: { f1: 'is null' }
    })
    const bare = evaluateStage({
      policy,
      stage: 'dev',
      candidate: candidate({ info: undefined }),
      champion: { label: 'main', metrics: {} },
      now
    })
    expect(bare.candidate).not.toHaveProperty('version')
    expect(bare.champion).toStrictEqual({ label: 'main', metrics: {} })
  })

  it('omits the champion on a first promotion', () => {
    const evaluation = evaluateStage({ policy, stage: 'staging', candidate: candidate(), now })
    expect(evaluation).not.toHaveProperty('champion')
  })

  it('blocks on any failing gate', () => {
    const evaluation = evaluateStage({
      policy,
      stage: 'staging',
      candidate: candidate({ metrics: { roc_auc: 0.9 } }),
      now
    })
    expect(evaluation.decision).toBe('blocked')
    expect(evaluation.gates[0]?.details).toEqual(['accuracy is missing'])
  })

  describe('context the caller could not provide', () => {
    const unavailable = ['approvals', 'checks', 'source-stage-dates'] as const

    it('skips those gates, with a warning each, and never passes plainly', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'production',
        candidate: candidate({ signature: champion?.signature }),
        champion,
        now,
        unavailable,
        evaluator: 'check'
      })
      expect(evaluation.gates.map(gate => [gate.gate, gate.status, gate.summary])).toEqual([
        [
          'regression',
          'pass',
          'all 2 metrics are within the allowed regression vs champion v1.3.0'
        ],
        ['schema', 'pass', 'same signature as champion v1.3.0 (1 input, 0 outputs)'],
        [
          'min_days_in_source_stage',
          'skipped',
          'not evaluated by check: needs the date the version entered staging'
        ],
        ['checks', 'skipped', 'not evaluated by check: needs the check runs on the head commit'],
        ['approvals', 'skipped', 'not evaluated by check: needs pull-request reviews']
      ])
      expect(evaluation.gates[4]?.details).toEqual(['data-science: 1 of team acme/ds-leads'])
      expect(evaluation.gates[3]?.details).toEqual(['required: smoke-tests'])
      expect(evaluation.warnings).toEqual([
        'min_days_in_source_stage skipped: not evaluated by check: needs the date the version entered staging',
        'checks skipped: not evaluated by check: needs the check runs on the head commit',
        'approvals skipped: not evaluated by check: needs pull-request reviews'
      ])
      expect(evaluation.decision).toBe('pass-with-warnings')
    })

    it('says "in this run" without an evaluator name', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'production',
        candidate: candidate(),
        champion,
        now,
        unavailable
      })
      expect(evaluation.gates.at(-1)?.summary).toBe(
        'not evaluated in this run: needs pull-request reviews'
      )
    })

    it('fails approvals and checks the caller did not declare unavailable but did not supply', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'production',
        candidate: candidate({ signature: champion?.signature }),
        champion,
        now,
        unavailable: ['source-stage-dates']
      })
      const byGate = Object.fromEntries(evaluation.gates.map(gate => [gate.gate, gate]))
      expect(byGate.checks?.status).toBe('fail')
      expect(byGate.approvals?.status).toBe('fail')
      expect(byGate.approvals?.summary).toBe(
        'no pull-request reviews were supplied, so approvals cannot be verified'
      )
      expect(evaluation.decision).toBe('blocked')
    })

    it('fails the soak gate without a date the caller claimed it could give', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'production',
        candidate: candidate(),
        champion,
        now,
        unavailable: ['approvals', 'checks']
      })
      const soak = evaluation.gates.find(gate => gate.gate === 'min_days_in_source_stage')
      expect(soak?.status).toBe('fail')
    })

    describe('which source stage the soak gate names', () => {
      const soakPolicy = Policy.parse({
        model: 'clinical-risk',
        metrics: {},
        stages: {
          dev: { from: ['candidate'] },
          staging: { from: ['dev'] },
          canary: { from: ['dev'] },
          production: { from: ['staging'], min_days_in_source_stage: 7 },
          'production-eu': { from: ['staging', 'canary'], min_days_in_source_stage: 7 }
        }
      })
      const soak = (stage: string, extra: Partial<EvaluateInput>) =>
        evaluateStage({ policy: soakPolicy, stage, candidate: candidate(), now, ...extra }).gates[0]

      it('the only stage of from:, when the date is unavailable or missing', () => {
        expect(soak('production', { unavailable: ['source-stage-dates'] })?.summary).toBe(
          'not evaluated in this run: needs the date the version entered staging'
        )
        expect(soak('production', {})?.summary).toBe(
          'needs 7 days in staging, but there is no record of when the version entered it'
        )
      })

      it('every stage of a from: listing several, when the date is unavailable', () => {
        expect(soak('production-eu', { unavailable: ['source-stage-dates'] })).toEqual({
          gate: 'min_days_in_source_stage',
          status: 'skipped',
          summary:
            'not evaluated in this run: needs the date the version entered staging or canary',
          details: ['7 days in the source stage required']
        })
        expect(soak('production-eu', {})?.summary).toBe(
          'needs 7 days in its source stage, but there is no record of when the version entered it'
        )
      })

      it('the stage the caller found the version in, over the only stage of from:', () => {
        const source = { stage: 'canary', enteredAt: new Date('2026-11-01T09:00:00Z') }
        expect(soak('production-eu', { source })?.summary).toBe(
          '22 days in canary, at least 7 days required'
        )
        expect(soak('production', { source, unavailable: ['source-stage-dates'] })?.summary).toBe(
          'not evaluated in this run: needs the date the version entered canary'
        )
      })
    })

    it('describes what an approvals section asks when reviews are unavailable', () => {
      const approvalsPolicy = (approvals: Record<string, unknown>) =>
        Policy.parse({
          model: 'clinical-risk',
          metrics: {},
          stages: { dev: { from: ['candidate'], approvals } }
        })
      const details = (approvals: Record<string, unknown>) =>
        evaluateStage({
          policy: approvalsPolicy(approvals),
          stage: 'dev',
          candidate: candidate(),
          now,
          unavailable: ['approvals']
        }).gates[0]?.details
      expect(details({ required: 0 })).toEqual([
        'an approvals section with no required count or groups'
      ])
      expect(details({ required: 1 })).toEqual(['1 approval from reviewers with write access'])
      expect(
        details({ required: 0, groups: [{ name: 'leads', users: ['bob'], teams: ['acme/x'] }] })
      ).toEqual(['leads: 1 of team acme/x, user bob'])
      expect(details({ required: 2, groups: [{ name: 'leads', users: ['bob', 'eve'] }] })).toEqual([
        '2 approvals from reviewers with write access',
        'leads: 1 of user bob, user eve'
      ])
    })

    it('is pending while the soak period runs', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'production',
        candidate: candidate({ signature: champion?.signature }),
        champion,
        now,
        source: { stage: 'staging', enteredAt: new Date('2026-11-20T09:00:00Z') },
        unavailable: ['approvals', 'checks']
      })
      const soak = evaluation.gates.find(gate => gate.gate === 'min_days_in_source_stage')
      expect(soak?.status).toBe('pending')
      expect(evaluation.decision).toBe('pending')
    })
  })

  describe('a stage with no gates', () => {
    it('passes with a warning that nothing was checked', () => {
      const evaluation = evaluateStage({ policy, stage: 'dev', candidate: candidate(), now })
      expect(evaluation.gates).toEqual([])
      expect(evaluation.warnings).toEqual([
        'dev configures no gates beyond its stage order (no thresholds, regression, artifact, approvals or other checks), so none of those was checked'
      ])
      expect(evaluation.decision).toBe('pass-with-warnings')
    })

    it('treats empty threshold, regression and check lists and a zero soak as no gates', () => {
      const empty = Policy.parse({
        model: 'm',
        stages: {
          dev: {
            from: ['candidate'],
            thresholds: {},
            regression: {},
            checks: [],
            min_days_in_source_stage: 0
          }
        }
      })
      const evaluation = evaluateStage({ policy: empty, stage: 'dev', candidate: candidate(), now })
      expect(evaluation.gates).toEqual([])
      expect(evaluation.decision).toBe('pass-with-warnings')
    })

    it('still verifies a checksums file that came with the candidate, and blocks on a mismatch', () => {
      const checksums = {
        file: 'SHA256SUMS',
        verified: ['MLmodel'],
        missing: [],
        mismatched: [{ path: 'model.pkl', expected: 'c'.repeat(64), actual: 'b'.repeat(64) }],
        unlisted: []
      }
      const evaluation = evaluateStage({
        policy,
        stage: 'dev',
        candidate: candidate({ checksums }),
        now
      })
      expect(evaluation.gates.map(gate => [gate.gate, gate.status])).toEqual([['artifact', 'fail']])
      expect(evaluation.decision).toBe('blocked')
      const fine = evaluateStage({
        policy,
        stage: 'dev',
        candidate: candidate({
          checksums: { ...checksums, verified: ['MLmodel', 'model.pkl'], mismatched: [] }
        }),
        now
      })
      expect(fine.gates.map(gate => [gate.gate, gate.status])).toEqual([['artifact', 'pass']])
      expect(fine.decision).toBe('pass-with-warnings')
    })
  })

  it('blocks a registry version (no files known) on a stage with artifact rules', () => {
    const sizeOnly = Policy.parse({
      model: 'clinical-risk',
      metrics: {},
      stages: { production: { from: ['candidate'], artifact: { max_size_mb: 100 } } }
    })
    const evaluation = evaluateStage({
      policy: sizeOnly,
      stage: 'production',
      candidate: candidate({ files: [], totalBytes: 0 }),
      now
    })
    expect(evaluation.gates.map(gate => [gate.gate, gate.status])).toEqual([['artifact', 'fail']])
    expect(evaluation.decision).toBe('blocked')
    // Without artifact rules there is nothing to verify, and no artifact gate.
    const noRules = evaluateStage({
      policy,
      stage: 'dev',
      candidate: candidate({ files: [], totalBytes: 0 }),
      now
    })
    expect(noRules.gates).toEqual([])
  })

  it('counts each configured gate once: two gates are never "no gates"', () => {
    const stagePolicy = (stage: Record<string, unknown>) =>
      Policy.parse({
        model: 'clinical-risk',
        metrics: { accuracy: { goal: 'maximize' } },
        stages: { dev: { from: ['candidate'], thresholds: { accuracy: { min: 0 } }, ...stage } }
      })
    for (const stage of [
      { regression: { accuracy: { max_drop: 0 } } },
      { schema: { compatibility: 'exact' } },
      { min_days_in_source_stage: 1 },
      { artifact: { max_size_mb: 100 } }
    ]) {
      const evaluation = evaluateStage({
        policy: stagePolicy(stage),
        stage: 'dev',
        candidate: candidate(),
        now,
        unavailable: ['source-stage-dates']
      })
      expect({ stage, warnings: evaluation.warnings.filter(w => w.includes('no gates')) }).toEqual({
        stage,
        warnings: []
      })
    }
    const artifactOnly = Policy.parse({
      model: 'clinical-risk',
      metrics: {},
      stages: { dev: { from: ['candidate'], artifact: { max_size_mb: 100 } } }
    })
    const evaluation = evaluateStage({
      policy: artifactOnly,
      stage: 'dev',
      candidate: candidate(),
      now
    })
    expect(evaluation.warnings).toEqual([])
    expect(evaluation.decision).toBe('pass')
  })

  it('runs the checks gate on the check runs given', () => {
    const checksPolicy = Policy.parse({
      model: 'clinical-risk',
      metrics: {},
      stages: { dev: { from: ['candidate'], checks: ['smoke-tests'] } }
    })
    const evaluation = evaluateStage({
      policy: checksPolicy,
      stage: 'dev',
      candidate: candidate(),
      now,
      checkRuns: {
        headSha: 'c0ffee1234567890',
        runs: [{ id: 1, name: 'smoke-tests', status: 'completed', conclusion: 'failure' }]
      }
    })
    expect(evaluation.gates[0]).toMatchObject({ gate: 'checks', status: 'fail' })
    const missing = evaluateStage({
      policy: checksPolicy,
      stage: 'dev',
      candidate: candidate(),
      now
    })
    expect(missing.gates[0]?.summary).toBe(
      'no check-run results were supplied, so the required checks cannot be verified'
    )
  })

  it('describes a group listing nobody (a policy built without the parser)', () => {
    const built = {
      ...policy,
      stages: {
        dev: {
          from: ['candidate'],
          approvals: { required: 0, stale_after_push: true, groups: [{ name: 'leads', min: 1 }] }
        }
      }
    } as unknown as Policy
    const evaluation = evaluateStage({
      policy: built,
      stage: 'dev',
      candidate: candidate(),
      now,
      unavailable: ['approvals']
    })
    expect(evaluation.gates[0]?.details).toEqual(['leads: 1 of nobody listed'])
  })

  it('says an invalid metric another stage checks is not checked here, not unused', () => {
    const evaluation = evaluateStage({
      policy,
      stage: 'dev',
      candidate: candidate({ invalidMetrics: { recall: 'is NaN' } }),
      now
    })
    expect(evaluation.warnings).toContain('metrics.json: recall is NaN — not used by this policy')
    const other = Policy.parse({
      model: 'clinical-risk',
      metrics: {},
      stages: {
        dev: { from: ['candidate'] },
        staging: { from: ['dev'], thresholds: { recall: { min: 0.5 } } }
      }
    })
    const named = evaluateStage({
      policy: other,
      stage: 'dev',
      candidate: candidate({ invalidMetrics: { recall: 'is NaN' } }),
      now
    })
    expect(named.warnings).toEqual([
      'dev configures no gates beyond its stage order (no thresholds, regression, artifact, approvals or other checks), so none of those was checked',
      'metrics.json: recall is NaN — not checked for dev'
    ])
  })

  describe('invalid candidate metrics', () => {
    it('warns about each one no gate looked at', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'staging',
        candidate: candidate({
          invalidMetrics: { notes: 'is a string ("retrained")', latency_p95_ms: 'is NaN' }
        }),
        now
      })
      expect(evaluation.warnings).toEqual([
        'metrics.json: latency_p95_ms is NaN — not checked for staging',
        'metrics.json: notes is a string ("retrained") — not used by this policy'
      ])
      expect(evaluation.decision).toBe('pass-with-warnings')
      expect(evaluation.candidate.invalidMetrics).toEqual({
        notes: 'is a string ("retrained")',
        latency_p95_ms: 'is NaN'
      })
    })

    it('does not warn about one a gate failed on', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'staging',
        candidate: candidate({ metrics: { accuracy: 0.9 }, invalidMetrics: { roc_auc: 'is NaN' } }),
        now
      })
      expect(evaluation.warnings).toEqual([])
      expect(evaluation.decision).toBe('blocked')
    })

    it('warns about one only a skipped gate would have looked at', () => {
      const evaluation = evaluateStage({
        policy,
        stage: 'production',
        candidate: candidate({ metrics: { accuracy: 0.9 }, invalidMetrics: { roc_auc: 'is NaN' } }),
        now,
        unavailable: ['approvals', 'checks', 'source-stage-dates']
      })
      expect(evaluation.warnings).toContain(
        'metrics.json: roc_auc is NaN — not checked for production'
      )
    })
  })
})

describe('decide', () => {
  const gate = (status: GateResult['status']): GateResult => ({ gate: 'g', status, summary: '' })

  it('orders fail over pending over warnings over pass', () => {
    expect(decide([gate('pass'), gate('pending'), gate('fail')], [])).toBe('blocked')
    expect(decide([gate('pass'), gate('pending'), gate('skipped')], ['w'])).toBe('pending')
    expect(decide([gate('pass'), gate('skipped')], [])).toBe('pass-with-warnings')
    expect(decide([gate('pass')], ['w'])).toBe('pass-with-warnings')
    expect(decide([gate('pass')], [])).toBe('pass')
  })
})
