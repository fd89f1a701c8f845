/**
 * Verifying one attestation bundle: pure (no I/O, no clock; the log's signed time is the time the
 * certificate is checked at, as Sigstore does), against a trusted root given as data.
 *
 * Two layers, both required:
 * 1. `@sigstore/verify` checks the bundle's cryptography (the certificate chains to a Fulcio CA of
 *    the trusted root and holds a CT log's signed timestamp; the transparency-log entry is signed by
 *    a log of the root and matches the envelope; the DSSE signature verifies with the certificate's
 *    key; the certificate was valid when the entry was logged) and a certificate identity: the
 *    subject alternative name against an anchored pattern and the Fulcio issuer exactly.
 * 2. Our own whole-value check of the Fulcio extensions a GitHub Actions certificate carries
 *    (issuer, source repository, build signer and build config URI, source ref, runner
 *    environment): each must be present and equal the expected value. The library (1.2.1) matches
 *    the subject alternative name as an unanchored pattern; the anchor and this check make sure a
 *    look-alike repository or workflow (`acme/train-evil`, `train.yml.bak`) never passes.
 *
 * Every failure names the field at fault.
 */
import { bundleFromJSON, type Bundle } from '@sigstore/bundle'
import { X509Certificate } from '@sigstore/core'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import {
  PolicyError,
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier
} from '@sigstore/verify'
import type {
  AttestedSubject,
  BundleVerdict,
  CertificateIdentity,
  ExpectedIdentity,
  ProvenanceVerifier,
  SignerFacts
} from '../gates/provenance.js'

// The verifier's types are the gate's (gates/ owns what it needs); named here as well for callers.
export type {
  AttestedSubject,
  BundleVerdict,
  CertificateIdentity,
  ExpectedIdentity,
  ProvenanceVerifier,
  SignerFacts
}

export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com'
export const GITHUB_SERVER = 'https://github.com'
const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json'
const IN_TOTO_STATEMENTS = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1'

/** The Fulcio extensions checked, with the names errors use (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
const EXTENSIONS = {
  issuer: { oid: '1.3.6.1.4.1.57264.1.8', name: 'Issuer (V2)' },
  buildSignerUri: { oid: '1.3.6.1.4.1.57264.1.9', name: 'Build Signer URI' },
  runnerEnvironment: { oid: '1.3.6.1.4.1.57264.1.11', name: 'Runner Environment' },
  sourceRepositoryUri: { oid: '1.3.6.1.4.1.57264.1.12', name: 'Source Repository URI' },
  sourceRepositoryRef: { oid: '1.3.6.1.4.1.57264.1.14', name: 'Source Repository Ref' },
  buildConfigUri: { oid: '1.3.6.1.4.1.57264.1.18', name: 'Build Config URI' }
} as const
type ExtensionName = keyof typeof EXTENSIONS

/** Thrown when the trusted root itself cannot be read: a configuration error, never a gate result. */
export class TrustedRootError extends Error {}

/**
 * A verifier trusting `trustedRoot` (protobuf JSON, `trusted_root.json`). Requires one
 * transparency-log entry and one CT log timestamp per bundle (Sigstore's public-good defaults).
 *
 * @throws TrustedRootError when the trusted root is not one.
 */
export function createProvenanceVerifier(
  trustedRoot: unknown,
  source = 'the trusted root'
): ProvenanceVerifier {
  let verifier: Verifier
  try {
    const root = TrustedRoot.fromJSON(trustedRoot)
    if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
      throw new Error('it lists no certificate authority or no transparency log')
    }
    verifier = new Verifier(toTrustMaterial(root), {
      tlogThreshold: 1,
      ctlogThreshold: 1,
      tsaThreshold: 0
    })
  } catch (error) {
    throw new TrustedRootError(`${source} cannot be used: ${messageOf(error)}`, { cause: error })
  }
  return { root: source, verify: (bundle, expected) => verifyBundle(verifier, bundle, expected) }
}

/** `^https://github\.com/owner/name/\.github/workflows/train\.yml@refs/heads/main$` */
export function workflowIdentityPattern(expected: ExpectedIdentity): string {
  const ref = expected.ref === undefined ? 'refs/\\S+' : escapeRegExp(expected.ref)
  return `^${escapeRegExp(workflowUri(expected, ''))}${ref}$`
}

function workflowUri(expected: ExpectedIdentity, ref: string): string {
  return `${GITHUB_SERVER}/${expected.repository}/${expected.workflow}@${ref}`
}

function verifyBundle(
  verifier: Verifier,
  json: unknown,
  expected: ExpectedIdentity
): BundleVerdict {
  let bundle: Bundle
  try {
    bundle = bundleFromJSON(json)
  } catch (error) {
    return { ok: false, field: 'bundle', why: `not a Sigstore bundle: ${messageOf(error)}` }
  }
  const content = bundle.content
  if (content.$case !== 'dsseEnvelope') {
    return { ok: false, field: 'bundle.dsseEnvelope', why: 'the bundle holds no DSSE envelope' }
  }
  const leaf = leafCertificate(bundle)
  if (!leaf) {
    return {
      ok: false,
      field: 'bundle.verificationMaterial.certificate',
      why: 'the bundle is signed by a key, not a Fulcio certificate'
    }
  }

  try {
    verifier.verify(toSignedEntity(bundle), {
      subjectAlternativeName: workflowIdentityPattern(expected),
      extensions: { issuer: GITHUB_ACTIONS_ISSUER }
    })
  } catch (error) {
    // The library checks the identity last (1.2.1, Verifier.verify): a PolicyError means the
    // signature, chain and log verified, so the certificate's identity is worth naming.
    if (!(error instanceof PolicyError)) return { ok: false, ...libraryFailure(error) }
    const signer = certificateIdentity(leaf)
    const failure = /issuer/.test(messageOf(error))
      ? libraryFailure(error)
      : {
          field: 'certificate subjectAlternativeName',
          why: `is ${quote(leaf.subjectAltName ?? '(none)')}, expected ${quote(workflowUri(expected, expected.ref ?? 'refs/…'))}`
        }
    return { ok: false, ...failure, ...(signer ? { signer } : {}) }
  }

  const checked = checkExtensions(leaf, expected)
  if (!checked.ok) {
    const signer = certificateIdentity(leaf)
    return { ...checked, ...(signer ? { signer } : {}) }
  }

  const envelope = content.dsseEnvelope
  if (envelope.payloadType !== IN_TOTO_PAYLOAD) {
    return {
      ok: false,
      field: 'dsseEnvelope.payloadType',
      why: `is ${quote(envelope.payloadType)}, not ${IN_TOTO_PAYLOAD}`
    }
  }
  const statement = parseStatement(envelope.payload)
  if (!statement.ok) return statement
  const entry = bundle.verificationMaterial.tlogEntries[0]
  const loggedAt = entry ? new Date(Number(entry.integratedTime) * 1000) : undefined
  return {
    ok: true,
    subjects: statement.subjects,
    signer: {
      workflow: checked.workflow,
      ref: checked.ref,
      runner: checked.runner,
      ...(checked.commit ? { commit: checked.commit } : {}),
      ...(loggedAt && !Number.isNaN(loggedAt.getTime()) ? { loggedAt: loggedAt.toISOString() } : {})
    }
  }
}

function leafCertificate(bundle: Bundle): X509Certificate | undefined {
  const material = bundle.verificationMaterial.content
  const raw =
    material.$case === 'certificate'
      ? material.certificate.rawBytes
      : material.$case === 'x509CertificateChain'
        ? material.x509CertificateChain.certificates[0]?.rawBytes
        : undefined
  if (!raw) return undefined
  try {
    return X509Certificate.parse(raw)
  } catch {
    return undefined
  }
}

/**
 * The library's error, with the bundle field it concerns. Its message quotes certificate values
 * as they are (`got <subject alternative name>`): control characters are made visible and the
 * length bounded here; report/ escapes the rest for markdown, HTML and workflow commands.
 */
function libraryFailure(error: unknown): { field: string; why: string } {
  const message = visible(messageOf(error))
  if (error instanceof PolicyError) {
    return /issuer/.test(message)
      ? { field: `certificate extension ${EXTENSIONS.issuer.name}`, why: message }
      : { field: 'certificate subjectAlternativeName', why: message }
  }
  if (error instanceof VerificationError) {
    const code = (error as { code?: string }).code ?? ''
    const field = code.startsWith('CERTIFICATE')
      ? 'bundle.verificationMaterial.certificate'
      : code.startsWith('SIGNATURE')
        ? 'dsseEnvelope.signatures'
        : code.startsWith('TLOG') || code.startsWith('TIMESTAMP')
          ? 'bundle.verificationMaterial.tlogEntries'
          : 'bundle'
    const cause = (error as { cause?: unknown }).cause
    return { field, why: cause ? `${message} (${visible(messageOf(cause))})` : message }
  }
  return { field: 'bundle', why: message }
}

type ExtensionCheck =
  | { ok: true; workflow: string; ref: string; runner: string; commit?: string }
  | { ok: false; field: string; why: string }

/** Every extension present and equal to what is expected, as a whole value. */
function checkExtensions(leaf: X509Certificate, expected: ExpectedIdentity): ExtensionCheck {
  const read: Partial<Record<ExtensionName, string>> = {}
  for (const name of Object.keys(EXTENSIONS) as ExtensionName[]) {
    const value = extensionText(leaf, EXTENSIONS[name].oid)
    if (value === undefined) {
      return {
        ok: false,
        field: `certificate extension ${EXTENSIONS[name].name} (${EXTENSIONS[name].oid})`,
        why: 'is missing or not a UTF-8 string'
      }
    }
    read[name] = value
  }
  const values = read as Record<ExtensionName, string>
  const mismatch = (name: ExtensionName, want: string): ExtensionCheck => ({
    ok: false,
    field: `certificate extension ${EXTENSIONS[name].name} (${EXTENSIONS[name].oid})`,
    why: `is ${quote(values[name])}, expected ${quote(want)}`
  })
  if (values.issuer !== GITHUB_ACTIONS_ISSUER) return mismatch('issuer', GITHUB_ACTIONS_ISSUER)
  const repository = `${GITHUB_SERVER}/${expected.repository}`
  if (values.sourceRepositoryUri !== repository) return mismatch('sourceRepositoryUri', repository)
  const ref = values.sourceRepositoryRef
  if (expected.ref !== undefined && ref !== expected.ref) {
    return mismatch('sourceRepositoryRef', expected.ref)
  }
  if (!/^refs\/\S+$/.test(ref)) return mismatch('sourceRepositoryRef', 'refs/…')
  // The workflow ran from the ref checked above: both URIs name that workflow at that ref.
  const workflow = workflowUri(expected, ref)
  if (values.buildConfigUri !== workflow) return mismatch('buildConfigUri', workflow)
  if (values.buildSignerUri !== workflow) return mismatch('buildSignerUri', workflow)
  if (leaf.subjectAltName !== workflow) {
    return {
      ok: false,
      field: 'certificate subjectAlternativeName',
      why: `is ${quote(leaf.subjectAltName ?? '(none)')}, expected ${quote(workflow)}`
    }
  }
  const runner = values.runnerEnvironment
  if (runner !== 'github-hosted' && (expected.githubHostedOnly || runner !== 'self-hosted')) {
    return mismatch('runnerEnvironment', 'github-hosted')
  }
  const commit = extensionText(leaf, '1.3.6.1.4.1.57264.1.13')
  return {
    ok: true,
    workflow: expected.workflow,
    ref,
    runner,
    ...(commit && /^[0-9a-f]{40,64}$/.test(commit) ? { commit } : {})
  }
}

/**
 * Who the certificate (of a bundle whose cryptography verified) says signed, as the policy would
 * write it: repository, workflow file and ref from the subject alternative name (the identity
 * Fulcio issued to), the runner environment from its extension. Undefined when the name is no
 * GitHub workflow URI. Values are certificate text: control characters made visible, length
 * bounded; report/ escapes them for markdown, HTML and workflow commands.
 */
function certificateIdentity(leaf: X509Certificate): CertificateIdentity | undefined {
  const san = leaf.subjectAltName
  const prefix = `${GITHUB_SERVER}/`
  if (!san || !san.startsWith(prefix)) return undefined
  const match = /^([^/@]+\/[^/@]+)\/([^@]+)@([\s\S]+)$/.exec(san.slice(prefix.length))
  if (!match) return undefined
  const [, repository = '', workflow = '', ref = ''] = match
  const runner = extensionText(leaf, EXTENSIONS.runnerEnvironment.oid)
  return {
    repository: visible(repository, 200),
    workflow: visible(workflow, 200),
    ref: visible(ref, 200),
    ...(runner === undefined ? {} : { runner: visible(runner, 100) })
  }
}

/** A Fulcio v2 extension's value: a DER UTF8String inside the extension's OCTET STRING. */
function extensionText(leaf: X509Certificate, oid: string): string | undefined {
  try {
    const inner = leaf.extension(oid)?.valueObj.subs[0]
    // UTF8String, tag 12
    if (!inner || inner.tag.number !== 12) return undefined
    return inner.value.toString('utf8')
  } catch {
    return undefined
  }
}

type Statement =
  { ok: true; subjects: AttestedSubject[] } | { ok: false; field: string; why: string }

function parseStatement(payload: Buffer): Statement {
  let statement: unknown
  try {
    statement = JSON.parse(payload.toString('utf8'))
  } catch {
    return { ok: false, field: 'dsseEnvelope.payload', why: 'is not JSON' }
  }
  if (!isRecord(statement)) {
    return { ok: false, field: 'dsseEnvelope.payload', why: 'is not an in-toto statement' }
  }
  if (!IN_TOTO_STATEMENTS.includes(String(statement._type))) {
    return {
      ok: false,
      field: 'statement._type',
      why: `is ${quote(String(statement._type))}, not an in-toto statement`
    }
  }
  if (statement.predicateType !== SLSA_PROVENANCE_V1) {
    return {
      ok: false,
      field: 'statement.predicateType',
      why: `is ${quote(String(statement.predicateType))}, not ${SLSA_PROVENANCE_V1}`
    }
  }
  if (!Array.isArray(statement.subject) || statement.subject.length === 0) {
    return { ok: false, field: 'statement.subject', why: 'lists no subject' }
  }
  const subjects: AttestedSubject[] = []
  for (const subject of statement.subject) {
    const digest = isRecord(subject) && isRecord(subject.digest) ? subject.digest.sha256 : undefined
    if (typeof digest === 'string' && /^[0-9a-fA-F]{64}$/.test(digest)) {
      subjects.push({
        name: isRecord(subject) && typeof subject.name === 'string' ? subject.name : '',
        sha256: digest.toLowerCase()
      })
    }
  }
  if (subjects.length === 0) {
    return { ok: false, field: 'statement.subject', why: 'lists no subject with a sha256 digest' }
  }
  return { ok: true, subjects }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A value from a certificate or bundle, quoted for an error; report/ escapes it when printed. */
function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)
}

/** Control and line-separator characters as `\uXXXX`, at most `max` characters. */
function visible(text: string, max = 300): string {
  const shown = Array.from(text, c => {
    const code = c.codePointAt(0) ?? 0
    const control =
      code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029
    return control ? `\\u${code.toString(16).padStart(4, '0')}` : c
  }).join('')
  return shown.length > max ? `${shown.slice(0, max)}…` : shown
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
