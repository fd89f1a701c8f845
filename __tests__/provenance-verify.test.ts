// Issue 16, provenance: one attestation bundle verified against a trusted root and the workflow
// identity the policy expects. Bundles come from @sigstore/mock (a mock Fulcio CA, CT log and Rekor)
// and a trusted root made for it; each case makes exactly one part wrong.
import { createHash } from 'node:crypto'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { bundleFromJSON } from '@sigstore/bundle'
import { PolicyError, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify'
import {
  createProvenanceVerifier,
  workflowIdentityPattern,
  TrustedRootError,
  type ExpectedIdentity,
  type ProvenanceVerifier
} from '../src/provenance/verify.js'
import { createMockSigstore, DEFAULT_IDENTITY, type MockSigstore } from './helpers/sigstore-mock.js'
import pinnedRoot from '../trust/sigstore-trusted-root.json' with { type: 'json' }

const digest = (text: string) => createHash('sha256').update(text).digest('hex')
const MODEL = { name: 'model.pkl', sha256: digest('model bytes') }
const METRICS = { name: 'metrics.json', sha256: digest('{"accuracy":0.9}') }

const expected: ExpectedIdentity = {
  repository: DEFAULT_IDENTITY.repository,
  workflow: DEFAULT_IDENTITY.workflow,
  ref: DEFAULT_IDENTITY.ref,
  githubHostedOnly: true
}

let sigstore: MockSigstore
let verifier: ProvenanceVerifier

beforeAll(async () => {
  sigstore = await createMockSigstore()
  verifier = createProvenanceVerifier(sigstore.trustedRoot)
})

describe('a bundle from the expected workflow', () => {
  it('verifies and lists every subject, not only the first', async () => {
    const bundle = await sigstore.attest({ subjects: [METRICS, MODEL] })
    const verdict = verifier.verify(bundle, expected)
    expect(verdict).toMatchObject({
      ok: true,
      subjects: [METRICS, MODEL],
      signer: {
        workflow: '.github/workflows/train.yml',
        ref: 'refs/heads/main',
        runner: 'github-hosted'
      }
    })
  })

  it('verifies when the policy names no ref (any ref of the workflow)', async () => {
    const bundle = await sigstore.attest({
      subjects: [MODEL],
      identity: { ref: 'refs/tags/v1.2.0' }
    })
    const anyRef: ExpectedIdentity = { ...expected }
    delete anyRef.ref
    expect(verifier.verify(bundle, anyRef)).toMatchObject({
      ok: true,
      signer: { ref: 'refs/tags/v1.2.0' }
    })
  })

  it('accepts a self-hosted runner only when the policy allows it', async () => {
    const bundle = await sigstore.attest({ subjects: [MODEL], identity: { runner: 'self-hosted' } })
    expect(verifier.verify(bundle, { ...expected, githubHostedOnly: false })).toMatchObject({
      ok: true,
      signer: { runner: 'self-hosted' }
    })
  })
})

describe('a bundle that must fail, naming the field at fault', () => {
  const cases: Array<[string, Parameters<MockSigstore['attest']>[0], RegExp, RegExp]> = [
    [
      'wrong repository',
      { subjects: [MODEL], identity: { repository: 'acme/other-repo' } },
      /subjectAlternativeName/,
      /acme\/other-repo/
    ],
    [
      'a look-alike repository (prefix of the expected one)',
      { subjects: [MODEL], identity: { repository: 'acme/churn-training-fork' } },
      /subjectAlternativeName/,
      /expected/
    ],
    [
      'wrong workflow',
      { subjects: [MODEL], identity: { workflow: '.github/workflows/release.yml' } },
      /subjectAlternativeName/,
      /release\.yml/
    ],
    [
      'wrong ref',
      { subjects: [MODEL], identity: { ref: 'refs/heads/feature' } },
      /subjectAlternativeName/,
      /refs\/heads\/feature/
    ],
    [
      'self-hosted runner',
      { subjects: [MODEL], identity: { runner: 'self-hosted' } },
      /Runner Environment \(1\.3\.6\.1\.4\.1\.57264\.1\.11\)/,
      /"self-hosted", expected "github-hosted"/
    ],
    [
      'another OIDC issuer',
      { subjects: [MODEL], identity: { issuer: 'https://accounts.google.com' } },
      /Issuer/,
      /accounts\.google\.com/
    ],
    [
      'the source repository extension disagreeing with the SAN',
      {
        subjects: [MODEL],
        identity: { override: { sourceRepositoryUri: 'https://github.com/evil/x' } }
      },
      /Source Repository URI/,
      /evil\/x/
    ],
    [
      'the source ref extension disagreeing',
      { subjects: [MODEL], identity: { override: { sourceRepositoryRef: 'refs/heads/dev' } } },
      /Source Repository Ref/,
      /refs\/heads\/dev/
    ],
    [
      'the build config URI naming another workflow',
      {
        subjects: [MODEL],
        identity: {
          override: {
            buildConfigUri:
              'https://github.com/acme/churn-training/.github/workflows/x.yml@refs/heads/main'
          }
        }
      },
      /Build Config URI/,
      /x\.yml/
    ],
    [
      'no runner environment extension',
      { subjects: [MODEL], identity: { omit: ['runnerEnvironment'] } },
      /Runner Environment/,
      /missing/
    ],
    [
      'no source repository extension',
      { subjects: [MODEL], identity: { omit: ['sourceRepositoryUri'] } },
      /Source Repository URI/,
      /missing/
    ],
    [
      'no build config URI extension',
      { subjects: [MODEL], identity: { omit: ['buildConfigUri'] } },
      /Build Config URI/,
      /missing/
    ],
    [
      'no issuer extension',
      { subjects: [MODEL], identity: { omit: ['issuer'] } },
      /Issuer/,
      /expected issuer=https:\/\/token\.actions\.githubusercontent\.com/
    ],
    [
      'expired certificate (logged after its 10 minutes)',
      { subjects: [MODEL], loggedAfterMs: 20 * 60 * 1000 },
      /verificationMaterial\.certificate/,
      /expired/
    ],
    [
      'mismatched certificate (the envelope signed by another key)',
      { subjects: [MODEL], signWithOtherKey: true },
      /dsseEnvelope\.signatures/,
      /signature verification failed/
    ],
    [
      'a certificate from a CA the trusted root does not hold',
      { subjects: [MODEL], untrustedCa: true },
      /verificationMaterial\.certificate/,
      /certificate chain/
    ],
    [
      'not SLSA provenance',
      { subjects: [MODEL], predicateType: 'https://spdx.dev/Document' },
      /statement\.predicateType/,
      /spdx/
    ]
  ]

  it.each(cases)('%s', async (_name, options, field, why) => {
    const verdict = verifier.verify(await sigstore.attest(options), expected)
    expect(verdict.ok).toBe(false)
    if (verdict.ok) return
    expect(verdict.field).toMatch(field)
    expect(verdict.why).toMatch(why)
  })

  it('a wrong identity: the values as written and who signed, never the anchored pattern', async () => {
    const verdict = verifier.verify(
      await sigstore.attest({
        subjects: [MODEL],
        identity: { workflow: '.github/workflows/notebook.yml' }
      }),
      expected
    )
    expect(verdict).toEqual({
      ok: false,
      field: 'certificate subjectAlternativeName',
      why:
        'is "https://github.com/acme/churn-training/.github/workflows/notebook.yml@refs/heads/main", ' +
        'expected "https://github.com/acme/churn-training/.github/workflows/train.yml@refs/heads/main"',
      signer: {
        repository: 'acme/churn-training',
        workflow: '.github/workflows/notebook.yml',
        ref: 'refs/heads/main',
        runner: 'github-hosted'
      }
    })
  })

  it('a failure of the cryptography names no signer: an unverified certificate says nothing', async () => {
    const verdict = verifier.verify(
      await sigstore.attest({
        subjects: [MODEL],
        signWithOtherKey: true,
        identity: { workflow: '.github/workflows/notebook.yml' }
      }),
      expected
    )
    expect(verdict.ok).toBe(false)
    expect(verdict).not.toHaveProperty('signer')
  })

  it('a tampered envelope (payload changed after signing)', async () => {
    const bundle = await sigstore.attest({ subjects: [MODEL] })
    const envelope = bundle.dsseEnvelope as { payload: string }
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as {
      subject: Array<{ digest: { sha256: string } }>
    }
    statement.subject[0]!.digest.sha256 = digest('tampered model')
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64')
    const verdict = verifier.verify(bundle, expected)
    expect(verdict).toMatchObject({ ok: false, field: 'bundle.verificationMaterial.tlogEntries' })
  })

  it('a bundle verified against another trusted root', async () => {
    const other = await createMockSigstore()
    const verdict = verifier.verify(await other.attest({ subjects: [MODEL] }), expected)
    expect(verdict).toMatchObject({ ok: false, field: 'bundle.verificationMaterial.tlogEntries' })
  })

  it('something that is not a bundle', () => {
    expect(verifier.verify({ mediaType: 'text/plain' }, expected)).toMatchObject({
      ok: false,
      field: 'bundle'
    })
    expect(verifier.verify('<html>', expected)).toMatchObject({ ok: false, field: 'bundle' })
  })
})

describe('the pinned @sigstore/verify (1.2.1) and certificate identities', () => {
  async function libraryVerify(subjectAlternativeName: string): Promise<unknown> {
    const bundle = bundleFromJSON(await sigstore.attest({ subjects: [MODEL] }))
    const library = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)))
    return library.verify(toSignedEntity(bundle), {
      subjectAlternativeName,
      extensions: { issuer: 'https://token.actions.githubusercontent.com' }
    })
  }

  it('rejects a wrong certificate identity (identity options are not silently ignored)', async () => {
    await expect(
      libraryVerify(
        '^https://github\\.com/acme/other/\\.github/workflows/train\\.yml@refs/heads/main$'
      )
    ).rejects.toThrow(PolicyError)
    await expect(
      libraryVerify(
        '^https://github\\.com/acme/other/\\.github/workflows/train\\.yml@refs/heads/main$'
      )
    ).rejects.toThrow(/certificate identity error/)
  })

  it('accepts the right identity', async () => {
    await expect(libraryVerify(workflowIdentityPattern(expected))).resolves.toBeDefined()
  })

  it('matches an unanchored identity as a substring, which is why ours is anchored', async () => {
    // A repository named `acme/churn` would "match" a certificate from `acme/churn-training`.
    await expect(libraryVerify('https://github.com/acme/churn')).resolves.toBeDefined()
    const anchored = workflowIdentityPattern({ ...expected, repository: 'acme/churn' })
    expect(anchored.startsWith('^') && anchored.endsWith('$')).toBe(true)
    await expect(libraryVerify(anchored)).rejects.toThrow(PolicyError)
  })
})

describe('trusted roots', () => {
  it('the pinned public-good root loads', () => {
    expect(() =>
      createProvenanceVerifier(pinnedRoot, 'trust/sigstore-trusted-root.json')
    ).not.toThrow()
  })

  it('a mock bundle fails against the pinned public-good root', async () => {
    const pinned = createProvenanceVerifier(pinnedRoot)
    expect(pinned.verify(await sigstore.attest({ subjects: [MODEL] }), expected)).toMatchObject({
      ok: false
    })
  })

  it('an empty or malformed root is a configuration error naming the file', () => {
    expect(() => createProvenanceVerifier({}, 'roots/empty.json')).toThrow(TrustedRootError)
    expect(() => createProvenanceVerifier({}, 'roots/empty.json')).toThrow(/roots\/empty\.json/)
    expect(() => createProvenanceVerifier('nope', 'roots/x.json')).toThrow(TrustedRootError)
  })
})
