// A Sigstore of our own for tests: a mock Fulcio CA, CT log and Rekor log from @sigstore/mock, the
// trusted root that trusts them, and attestation bundles shaped as GitHub's attestations API
// returns them (bundle v0.3, a DSSE envelope holding an in-toto statement of SLSA provenance, a
// Fulcio certificate carrying the GitHub Actions workflow identity). Each bundle is built from its
// parts, so a test can make exactly one of them wrong.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import * as sigstoreMock from '@sigstore/mock'

/** An entry as Rekor (v1) returns it. */
interface RekorEntry {
  body: string
  integratedTime: number
  logID: string
  logIndex: number
  verification?: {
    signedEntryTimestamp: string
    inclusionProof?: { logIndex: number; treeSize: number; rootHash: string; checkpoint: string }
  }
}

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'
const REKOR_URL = 'https://rekor.sigstore.dev'
const IN_TOTO = 'application/vnd.in-toto+json'

/** Fulcio's certificate extensions for GitHub Actions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
export const OID = {
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  runnerEnvironment: '1.3.6.1.4.1.57264.1.11',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18'
} as const

export interface MockIdentity {
  repository: string
  /** `.github/workflows/train.yml` */
  workflow: string
  ref: string
  runner: string
  issuer: string
  /** Extensions (by name in {@link OID}) to leave out of the certificate. */
  omit: Array<keyof typeof OID>
  /** Overrides of single extension values, by name. */
  override: Partial<Record<keyof typeof OID, string>>
  /** The certificate's subject alternative name; default: the workflow URI. */
  san: string
}

export interface AttestOptions {
  subjects: Array<{ name: string; sha256: string }>
  identity?: Partial<MockIdentity>
  /** Sign the envelope with a key other than the certificate's. */
  signWithOtherKey?: boolean
  /** Issue the certificate from a CA the trusted root does not hold. */
  untrustedCa?: boolean
  /** Log the entry this long after the certificate was issued (Fulcio certificates last 10 minutes). */
  loggedAfterMs?: number
  predicateType?: string
}

export interface MockSigstore {
  /** The trusted root (protobuf JSON) that trusts this mock's CA and logs. */
  trustedRoot: Record<string, unknown>
  /** A bundle (JSON, as the attestations API returns it). */
  attest(options: AttestOptions): Promise<Record<string, unknown>>
}

export const DEFAULT_IDENTITY = {
  repository: 'acme/churn-training',
  workflow: '.github/workflows/train.yml',
  ref: 'refs/heads/main',
  runner: 'github-hosted',
  issuer: GITHUB_ACTIONS_ISSUER
}

const b64 = (bytes: Uint8Array | ArrayBufferView) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest()
const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

/** A mock Sigstore whose clock (certificate issuance, log time) is `clock`. */
export async function createMockSigstore(clock = new Date()): Promise<MockSigstore> {
  const ctKeys = p256()
  const tlogKeys = p256()
  const ctlog = await sigstoreMock.initializeCTLog(ctKeys, clock)
  const ca = await sigstoreMock.initializeCA(p256(), ctlog, clock)
  const otherCa = await sigstoreMock.initializeCA(p256(), ctlog, clock)
  const tlogPublic = tlogKeys.publicKey.export({ format: 'der', type: 'spki' })
  const since = new Date(clock.getTime() - 24 * 3600 * 1000).toISOString()

  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: REKOR_URL,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(tlogPublic),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: since }
        },
        logId: { keyId: b64(sha256(tlogPublic)) }
      }
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: 'https://fulcio.sigstore.dev',
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: since }
      }
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.sigstore.dev/test',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(ctlog.publicKey),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: since }
        },
        logId: { keyId: b64(ctlog.logID) }
      }
    ],
    timestampAuthorities: []
  }

  async function attest(options: AttestOptions): Promise<Record<string, unknown>> {
    const id = { ...DEFAULT_IDENTITY, omit: [], override: {}, ...options.identity }
    const workflowUri = `https://github.com/${id.repository}/${id.workflow}@${id.ref}`
    const values: Record<keyof typeof OID, string> = {
      issuer: id.issuer,
      buildSignerUri: workflowUri,
      runnerEnvironment: id.runner,
      sourceRepositoryUri: `https://github.com/${id.repository}`,
      sourceRepositoryDigest: 'f'.repeat(40),
      sourceRepositoryRef: id.ref,
      buildConfigUri: workflowUri,
      ...id.override
    }
    const extensions = (Object.keys(OID) as Array<keyof typeof OID>)
      .filter(name => !id.omit.includes(name))
      .map(name => ({ oid: OID[name], value: values[name] }))

    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: options.subjects.map(s => ({ name: s.name, digest: { sha256: s.sha256 } })),
      predicateType: options.predicateType ?? 'https://slsa.dev/provenance/v1',
      predicate: {
        buildDefinition: {
          buildType: 'https://actions.github.io/buildtypes/workflow/v1',
          externalParameters: {
            workflow: { ref: id.ref, repository: values.sourceRepositoryUri, path: id.workflow }
          }
        },
        runDetails: { builder: { id: `https://github.com/actions/runner/${id.runner}` } }
      }
    }
    const payload = Buffer.from(JSON.stringify(statement))
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${IN_TOTO.length} ${IN_TOTO} ${payload.length} `),
      payload
    ])
    const signer = p256()
    const signingKey: KeyObject = options.signWithOtherKey ? p256().privateKey : signer.privateKey
    const signature = sign('sha256', pae, signingKey)
    const certificate = Buffer.from(
      (
        await (options.untrustedCa ? otherCa : ca).issueCertificate({
          publicKey: new Uint8Array(signer.publicKey.export({ format: 'der', type: 'spki' })),
          subjectAltName: id.san ?? workflowUri,
          extensions
        })
      ).buffer
    )
    const pem = `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64')}\n-----END CERTIFICATE-----\n`
    const envelope = {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO,
      signatures: [{ sig: signature.toString('base64'), keyid: '' }]
    }
    const logged = new Date(clock.getTime() + (options.loggedAfterMs ?? 1000))
    const tlog = await sigstoreMock.initializeTLog(REKOR_URL, tlogKeys, logged)
    const entries = await tlog.log({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: {
          algorithm: 'sha256',
          value: sha256(JSON.stringify(envelope)).toString('hex')
        },
        payloadHash: { algorithm: 'sha256', value: sha256(payload).toString('hex') },
        signatures: [
          { signature: signature.toString('base64'), verifier: Buffer.from(pem).toString('base64') }
        ]
      }
    })
    const entry = Object.values(entries as Record<string, RekorEntry>)[0]
    if (!entry?.verification?.inclusionProof) throw new Error('the mock log returned no entry')
    const proof = entry.verification.inclusionProof
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: certificate.toString('base64') },
        tlogEntries: [
          {
            logIndex: String(entry.logIndex),
            logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(entry.integratedTime),
            inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
            inclusionProof: {
              logIndex: String(proof.logIndex),
              rootHash: Buffer.from(proof.rootHash, 'hex').toString('base64'),
              treeSize: String(proof.treeSize),
              hashes: [],
              checkpoint: { envelope: proof.checkpoint }
            },
            canonicalizedBody: entry.body
          }
        ],
        timestampVerificationData: { rfc3161Timestamps: [] }
      },
      dsseEnvelope: envelope
    }
  }

  return { trustedRoot, attest }
}
