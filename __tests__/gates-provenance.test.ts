// Issue 16, provenance: the gate over the bundles read for a candidate's digests. Bundles are made
// with @sigstore/mock against a mock trusted root; the gate itself is pure (literal inputs).
import { createHash } from 'node:crypto'
import type { CandidateFile, ChecksumReport } from '../src/candidate/types.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import { provenanceGate, type ProvenanceEvidence } from '../src/gates/provenance.js'
import { parsePolicy } from '../src/policy/load.js'
import { renderMarkdown } from '../src/report/markdown.js'
import type { ProvenancePolicy } from '../src/policy/provenance.js'
import { createProvenanceVerifier, type ProvenanceVerifier } from '../src/provenance/verify.js'
import { collectAttestations } from '../src/provenance/collect.js'
import { createMockSigstore, DEFAULT_IDENTITY, type MockSigstore } from './helpers/sigstore-mock.js'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const file = (path: string, content: string): CandidateFile => ({
  path,
  size: content.length,
  sha256: sha(content)
})
const MODEL = file('model.pkl', 'model bytes')
const METRICS = file('metrics.json', '{"accuracy":0.91}')
const SUMS = file('SHA256SUMS', `${MODEL.sha256}  model.pkl\n${METRICS.sha256}  metrics.json\n`)
const subject = (f: CandidateFile) => ({ name: f.path, sha256: f.sha256 })

const rules: ProvenancePolicy = {
  repository: DEFAULT_IDENTITY.repository,
  workflow: DEFAULT_IDENTITY.workflow,
  ref: DEFAULT_IDENTITY.ref,
  github_hosted_runners_only: true
}

let sigstore: MockSigstore
let verifier: ProvenanceVerifier

beforeAll(async () => {
  sigstore = await createMockSigstore()
  verifier = createProvenanceVerifier(sigstore.trustedRoot, 'mock-root.json')
})

/** GitHub's answer: each bundle listed under each of its subjects' digests. */
function evidence(
  bundles: Array<{ bundle: Record<string, unknown>; digests: string[] }>,
  asked: CandidateFile[]
): ProvenanceEvidence {
  const lookups: ProvenanceEvidence['lookups'] = {}
  for (const f of asked) {
    lookups[f.sha256] = {
      bundles: bundles.filter(b => b.digests.includes(f.sha256)).map(b => b.bundle)
    }
  }
  return { repository: rules.repository, lookups }
}

/** The gate over `files`, GitHub answering with `bundles`, and the checksums report if any. */
function gateOver(
  files: CandidateFile[],
  bundles: Array<{ bundle: Record<string, unknown>; digests: string[] }>,
  checksums?: ChecksumReport
) {
  const evidenceOf = evidence(bundles, files)
  return checksums
    ? provenanceGate({ rules, files, checksums, evidence: evidenceOf, verifier })
    : provenanceGate({ rules, files, evidence: evidenceOf, verifier })
}

describe('provenance gate', () => {
  it('passes when one bundle attests every file (any listed subject matches, not only the first)', async () => {
    const bundle = await sigstore.attest({ subjects: [subject(METRICS), subject(MODEL)] })
    const files = [METRICS, MODEL]
    const result = gateOver(files, [{ bundle, digests: [METRICS.sha256, MODEL.sha256] }])
    expect(result.status).toBe('pass')
    expect(result.summary).toBe(
      '2 files attested by acme/churn-training .github/workflows/train.yml@refs/heads/main, verified against mock-root.json'
    )
    expect(result.provenance?.attested.map(a => [a.path, a.ref, a.runner])).toEqual([
      ['metrics.json', 'refs/heads/main', 'github-hosted'],
      ['model.pkl', 'refs/heads/main', 'github-hosted']
    ])
    expect(result.provenance?.unattested).toEqual([])
  })

  it('passes through the attested checksums file when it lists every file with matching hashes', async () => {
    const bundle = await sigstore.attest({ subjects: [subject(SUMS)] })
    const files = [METRICS, MODEL, SUMS]
    const checksums: ChecksumReport = {
      file: 'SHA256SUMS',
      verified: ['metrics.json', 'model.pkl'],
      missing: [],
      mismatched: [],
      unlisted: []
    }
    const result = gateOver(files, [{ bundle, digests: [SUMS.sha256] }], checksums)
    expect(result.status).toBe('pass')
    expect(result.details).toContain('2 files attested through SHA256SUMS')
    expect(result.provenance?.attested.find(a => a.path === 'model.pkl')?.via).toBe('SHA256SUMS')
  })

  it('fails a tampered file: its digest is no subject of the attestation', async () => {
    const bundle = await sigstore.attest({ subjects: [subject(METRICS), subject(MODEL)] })
    const tampered = file('model.pkl', 'model bytes, changed after training')
    const files = [METRICS, tampered]
    const result = gateOver(files, [{ bundle, digests: [METRICS.sha256, MODEL.sha256] }])
    expect(result.status).toBe('fail')
    expect(result.summary).toBe(
      '1 file of 2 not attested by acme/churn-training .github/workflows/train.yml@refs/heads/main'
    )
    expect(result.details?.[0]).toMatch(
      /^model\.pkl \(sha256 [0-9a-f]{12}…\): no attestation found$/
    )
  })

  it('fails a tampered file covered only by checksums that no longer match', async () => {
    const bundle = await sigstore.attest({ subjects: [subject(SUMS)] })
    const tampered = file('model.pkl', 'changed')
    const files = [METRICS, tampered, SUMS]
    const result = gateOver(files, [{ bundle, digests: [SUMS.sha256] }], {
      file: 'SHA256SUMS',
      verified: ['metrics.json'],
      missing: [],
      mismatched: [{ path: 'model.pkl', expected: MODEL.sha256, actual: tampered.sha256 }],
      unlisted: []
    })
    expect(result.status).toBe('fail')
    expect(result.provenance?.unattested).toEqual([
      {
        path: 'metrics.json',
        sha256: METRICS.sha256,
        why: 'no attestation found (SHA256SUMS lists it, but does not match every file)'
      },
      {
        path: 'model.pkl',
        sha256: tampered.sha256,
        why: 'no attestation found (not verified by SHA256SUMS either)'
      }
    ])
  })

  it('fails files listed only by a checksums file that is not attested itself', () => {
    const files = [METRICS, MODEL, SUMS]
    const result = gateOver(files, [], {
      file: 'SHA256SUMS',
      verified: ['metrics.json', 'model.pkl'],
      missing: [],
      mismatched: [],
      unlisted: []
    })
    expect(result.provenance?.unattested.map(u => u.why)).toEqual([
      'no attestation found (nor is SHA256SUMS, which lists it)',
      'no attestation found (nor is SHA256SUMS, which lists it)',
      'no attestation found'
    ])
  })

  it('fails a missing attestation (GitHub knows none for the digest)', () => {
    const files = [MODEL]
    const result = gateOver(files, [])
    expect(result.status).toBe('fail')
    expect(result.provenance?.unattested).toEqual([
      { path: 'model.pkl', sha256: MODEL.sha256, why: 'no attestation found' }
    ])
  })

  const REQUIRED =
    'acme/churn-training .github/workflows/train.yml@refs/heads/main (github-hosted runners only)'
  it.each([
    [
      'wrong repository',
      { repository: 'acme/other' },
      'acme/other .github/workflows/train.yml@refs/heads/main (github-hosted runner)'
    ],
    [
      'wrong workflow',
      { workflow: '.github/workflows/nightly.yml' },
      'acme/churn-training .github/workflows/nightly.yml@refs/heads/main (github-hosted runner)'
    ],
    [
      'wrong ref',
      { ref: 'refs/heads/experiment' },
      'acme/churn-training .github/workflows/train.yml@refs/heads/experiment (github-hosted runner)'
    ],
    [
      'self-hosted runner',
      { runner: 'self-hosted' },
      'acme/churn-training .github/workflows/train.yml@refs/heads/main (self-hosted runner)'
    ]
  ])(
    'fails an attestation from the %s, naming who signed and who must, as written',
    async (_name, identity, signer) => {
      const bundle = await sigstore.attest({ subjects: [subject(MODEL)], identity })
      const files = [MODEL]
      const result = provenanceGate({
        rules,
        files,
        evidence: evidence([{ bundle, digests: [MODEL.sha256] }], files),
        verifier
      })
      expect(result.status).toBe('fail')
      expect(result.provenance?.unattested[0]?.why).toBe(
        `attested, but by ${signer}, not the required ${REQUIRED}`
      )
    }
  )

  it('names the required identity as the policy wrote it when it names no ref', async () => {
    const bundle = await sigstore.attest({
      subjects: [subject(MODEL)],
      identity: { workflow: '.github/workflows/nightly.yml', runner: 'self-hosted' }
    })
    const result = provenanceGate({
      rules: { ...rules, ref: undefined, github_hosted_runners_only: false },
      files: [MODEL],
      evidence: evidence([{ bundle, digests: [MODEL.sha256] }], [MODEL]),
      verifier
    })
    expect(result.provenance?.unattested[0]?.why).toBe(
      'attested, but by acme/churn-training .github/workflows/nightly.yml@refs/heads/main (self-hosted runner), ' +
        'not the required acme/churn-training .github/workflows/train.yml, any ref (github-hosted or self-hosted runner)'
    )
  })

  it('names the field when the signer is the required one but its certificate disagrees elsewhere', async () => {
    const bundle = await sigstore.attest({
      subjects: [subject(MODEL)],
      identity: { override: { sourceRepositoryUri: 'https://github.com/evil/x' } }
    })
    const result = provenanceGate({
      rules,
      files: [MODEL],
      evidence: evidence([{ bundle, digests: [MODEL.sha256] }], [MODEL]),
      verifier
    })
    expect(result.provenance?.unattested[0]?.why).toBe(
      '1 attestation found, none verified: ' +
        'attested by acme/churn-training .github/workflows/train.yml@refs/heads/main (github-hosted runner), ' +
        'but its certificate extension Source Repository URI (1.3.6.1.4.1.57264.1.12) is ' +
        '"https://github.com/evil/x", expected "https://github.com/acme/churn-training"'
    )
  })

  describe('a file listed by a checksums file whose attestation did not verify', () => {
    const files = [METRICS, MODEL, SUMS]
    const checksums: ChecksumReport = {
      file: 'SHA256SUMS',
      verified: ['metrics.json', 'model.pkl'],
      missing: [],
      mismatched: [],
      unlisted: []
    }

    it('says the checksums file is attested, but by whom, not "no attestation"', async () => {
      const bundle = await sigstore.attest({
        subjects: [subject(SUMS)],
        identity: { workflow: '.github/workflows/notebook.yml' }
      })
      const result = provenanceGate({
        rules,
        files,
        checksums,
        evidence: evidence([{ bundle, digests: [SUMS.sha256] }], files),
        verifier
      })
      expect(result.status).toBe('fail')
      const by =
        'by acme/churn-training .github/workflows/notebook.yml@refs/heads/main (github-hosted runner), ' +
        `not the required ${REQUIRED}`
      expect(result.provenance?.unattested.map(u => [u.path, u.why])).toEqual([
        [
          'metrics.json',
          `no attestation of its own, and SHA256SUMS, which lists it, is attested, but ${by}`
        ],
        [
          'model.pkl',
          `no attestation of its own, and SHA256SUMS, which lists it, is attested, but ${by}`
        ],
        ['SHA256SUMS', `attested, but ${by}`]
      ])
      // The required identity as a person wrote it, never the anchored pattern behind it.
      for (const detail of result.details ?? []) {
        expect(detail).not.toMatch(/no attestation found|\\|\^https|\$$/)
      }
    })

    it('gives the verification failure of the checksums file', async () => {
      const bundle = await sigstore.attest({ subjects: [subject(SUMS)], signWithOtherKey: true })
      const result = provenanceGate({
        rules,
        files,
        checksums,
        evidence: evidence([{ bundle, digests: [SUMS.sha256] }], files),
        verifier
      })
      expect(result.status).toBe('fail')
      expect(result.provenance?.unattested[0]?.why).toMatch(
        /^no attestation of its own, and SHA256SUMS, which lists it, has 1 attestation, none verified: dsseEnvelope\.signatures /
      )
    })

    it("says when the checksums file's attestations could not be read", () => {
      const result = provenanceGate({
        rules,
        files,
        checksums,
        evidence: {
          repository: rules.repository,
          lookups: {
            [METRICS.sha256]: { bundles: [] },
            [MODEL.sha256]: { bundles: [] },
            [SUMS.sha256]: { error: 'GitHub API: reading … failed (HTTP 403)' }
          }
        },
        verifier
      })
      expect(result.status).toBe('fail')
      expect(result.provenance?.unattested[0]?.why).toBe(
        'no attestation of its own, and SHA256SUMS, which lists it, could not be checked: GitHub API: reading … failed (HTTP 403)'
      )
    })
  })

  it.each([
    ['expired certificate', { loggedAfterMs: 30 * 60 * 1000 }, /certificate.*expired/],
    ['mismatched certificate', { signWithOtherKey: true }, /dsseEnvelope\.signatures/]
  ])('fails a %s', async (_name, options, why) => {
    const bundle = await sigstore.attest({ subjects: [subject(MODEL)], ...options })
    const files = [MODEL]
    const result = gateOver(files, [{ bundle, digests: [MODEL.sha256] }])
    expect(result.status).toBe('fail')
    expect(result.provenance?.unattested[0]?.why).toMatch(why)
  })

  it('passes when a bad bundle sits beside a good one for the same file', async () => {
    const bad = await sigstore.attest({
      subjects: [subject(MODEL)],
      identity: { ref: 'refs/heads/x' }
    })
    const good = await sigstore.attest({ subjects: [subject(MODEL)] })
    const files = [MODEL]
    const result = gateOver(files, [
      { bundle: bad, digests: [MODEL.sha256] },
      { bundle: good, digests: [MODEL.sha256] }
    ])
    expect(result.status).toBe('pass')
  })

  it('fails closed when GitHub could not be read, with its message', () => {
    const result = provenanceGate({
      rules,
      files: [MODEL],
      evidence: {
        repository: rules.repository,
        lookups: { [MODEL.sha256]: { error: 'GitHub API: reading … failed (HTTP 403)' } }
      },
      verifier
    })
    expect(result.status).toBe('fail')
    expect(result.details?.[0]).toMatch(/HTTP 403/)
  })

  it('fails closed without evidence', () => {
    expect(provenanceGate({ rules, files: [MODEL] })).toMatchObject({
      status: 'fail',
      summary:
        'no attestations were read, so provenance from acme/churn-training .github/workflows/train.yml@refs/heads/main cannot be verified'
    })
  })
})

describe('collectAttestations', () => {
  it('asks once per distinct digest and records what each answer was', async () => {
    const asked: string[] = []
    const duplicate = { ...METRICS, path: 'copy/metrics.json' }
    const result = await collectAttestations(
      {
        repository: 'acme/churn-training',
        bundlesFor: async digest => {
          asked.push(digest)
          return digest === MODEL.sha256 ? { error: 'HTTP 500' } : { bundles: [] }
        }
      },
      { files: [METRICS, MODEL, duplicate] }
    )
    expect(asked.sort()).toEqual([METRICS.sha256, MODEL.sha256].sort())
    expect(result.lookups[MODEL.sha256]).toEqual({ error: 'HTTP 500' })
    expect(result.lookups[METRICS.sha256]).toEqual({ bundles: [] })
  })
})

describe('evaluateStage with provenance:', () => {
  const policy = parsePolicy(
    [
      'model: churn',
      'metrics: { accuracy: { goal: maximize } }',
      'stages:',
      '  production:',
      '    from: [candidate]',
      '    provenance:',
      '      repository: acme/churn-training',
      '      workflow: .github/workflows/train.yml',
      ''
    ].join('\n'),
    'policies/churn.yml'
  )
  const candidate = {
    dir: '/tmp/c',
    label: 'v2',
    metrics: {},
    invalidMetrics: {},
    files: [MODEL],
    totalBytes: 11
  }

  it('defaults to GitHub-hosted runners only', () => {
    expect(policy.stages.production?.provenance?.github_hosted_runners_only).toBe(true)
  })

  it('skips the gate (with a warning) where attestations cannot be read, as check does', () => {
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate,
      now: new Date(),
      unavailable: ['attestations'],
      evaluator: 'check'
    })
    expect(evaluation.gates[0]).toMatchObject({ gate: 'provenance', status: 'skipped' })
    expect(evaluation.decision).toBe('pass-with-warnings')
  })

  it('fails the gate where attestations were not supplied', () => {
    const evaluation = evaluateStage({ policy, stage: 'production', candidate, now: new Date() })
    expect(evaluation.gates[0]).toMatchObject({ gate: 'provenance', status: 'fail' })
    expect(evaluation.decision).toBe('blocked')
  })

  it('passes on verified evidence', async () => {
    const bundle = await sigstore.attest({ subjects: [subject(MODEL)] })
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate,
      now: new Date(),
      provenance: { evidence: evidence([{ bundle, digests: [MODEL.sha256] }], [MODEL]), verifier }
    })
    expect(evaluation.gates[0]).toMatchObject({ gate: 'provenance', status: 'pass' })
    expect(evaluation.decision).toBe('pass')
  })
})

describe('certificate values in the report', () => {
  it('are escaped where the signer is named: markup, workflow commands, mentions inert', async () => {
    const bundle = await sigstore.attest({
      subjects: [subject(MODEL)],
      identity: {
        repository: 'acme/<img src=x onerror=alert(1)>',
        ref: 'refs/heads/x\n::error::pwned @here'
      }
    })
    const policy = parsePolicy(
      [
        'model: churn',
        'metrics: { accuracy: { goal: maximize } }',
        'stages:',
        '  production:',
        '    from: [candidate]',
        '    provenance: { repository: acme/churn-training, workflow: .github/workflows/train.yml }',
        ''
      ].join('\n'),
      'policies/churn.yml'
    )
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate: {
        dir: '/c',
        label: 'v2',
        metrics: {},
        invalidMetrics: {},
        files: [MODEL],
        totalBytes: 1
      },
      now: new Date('2026-01-01T00:00:00Z'),
      provenance: { evidence: evidence([{ bundle, digests: [MODEL.sha256] }], [MODEL]), verifier }
    })
    const gate = evaluation.gates[0]
    expect(gate?.status).toBe('fail')
    expect(gate?.details?.[0]).toContain(
      'attested, but by acme/<img src=x onerror=alert(1)> .github/workflows/train.yml@refs/heads/x\\u000a::error::pwned @here (github-hosted runner)'
    )
    const markdown = renderMarkdown(evaluation)
    expect(markdown).toContain('acme/\\<img src=x onerror=alert(1)\\>')
    expect(markdown).not.toMatch(/[^\\]<img/)
    expect(markdown).not.toMatch(/^::/m)
    expect(markdown).not.toContain('@here')
  })

  it('are escaped: no markup, no workflow command, no line break from a hostile certificate', async () => {
    const hostile =
      'https://github.com/acme/churn-training/.github/workflows/train.yml@refs/heads/<img src=x onerror=alert(1)>\n::error::pwned @here'
    const bundle = await sigstore.attest({
      subjects: [subject(MODEL)],
      identity: { san: hostile, override: { sourceRepositoryRef: '<b>x</b>\n::warning::y' } }
    })
    const policy = parsePolicy(
      [
        'model: churn',
        'metrics: { accuracy: { goal: maximize } }',
        'stages:',
        '  production:',
        '    from: [candidate]',
        '    provenance: { repository: acme/churn-training, workflow: .github/workflows/train.yml }',
        ''
      ].join('\n'),
      'policies/churn.yml'
    )
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate: {
        dir: '/c',
        label: 'v2',
        metrics: {},
        invalidMetrics: {},
        files: [MODEL],
        totalBytes: 1
      },
      now: new Date('2026-01-01T00:00:00Z'),
      provenance: { evidence: evidence([{ bundle, digests: [MODEL.sha256] }], [MODEL]), verifier }
    })
    const gate = evaluation.gates[0]
    expect(gate?.status).toBe('fail')
    // The field at fault is named; the value is shown with its line break made visible.
    expect(gate?.details?.[0]).toMatch(/certificate subjectAlternativeName/)
    expect(gate?.details?.[0]).toContain('\\u000a::error::pwned')
    const markdown = renderMarkdown(evaluation)
    // Markdown-escaped (`\<img`), so GitHub shows it as text.
    expect(markdown).toContain('\\<img')
    expect(markdown).not.toMatch(/[^\\]<img/)
    expect(markdown).not.toMatch(/^::/m)
    expect(markdown).not.toContain('@here')
  })
})
