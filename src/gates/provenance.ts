import type { CandidateFile, ChecksumReport } from '../candidate/types.js'
import type { ProvenancePolicy } from '../policy/provenance.js'
import { plural } from './format.js'
import type { GateResult, ProvenanceFinding } from './types.js'

/** Who must have signed: the workflow of `provenance:` in the policy. */
export interface ExpectedIdentity {
  /** `owner/name`. */
  repository: string
  /** The workflow file in that repository: `.github/workflows/train.yml`. */
  workflow: string
  /** `refs/heads/main`; absent: any ref. */
  ref?: string
  /** Refuse certificates from self-hosted runners. */
  githubHostedOnly: boolean
}

/** What a verified bundle's certificate says, for the report and the audit record. */
export interface SignerFacts {
  workflow: string
  ref: string
  runner: string
  /** The commit the workflow ran on. */
  commit?: string
  /** When the transparency log recorded the signature (ISO 8601). */
  loggedAt?: string
}

export interface AttestedSubject {
  name: string
  /** Lowercase hex. */
  sha256: string
}

/**
 * Who a certificate says signed, in the policy's terms (`repository`, `workflow`, `ref`, runner),
 * read from a bundle whose signature, chain and log entry verified; certificate text with
 * control characters made visible.
 */
export interface CertificateIdentity {
  repository: string
  workflow: string
  ref: string
  /** `github-hosted`, `self-hosted`; absent when the certificate states none. */
  runner?: string
}

export type BundleVerdict =
  | { ok: true; subjects: AttestedSubject[]; signer: SignerFacts }
  | {
      ok: false
      field: string
      why: string
      /** Who signed, when only the identity failed (the cryptography verified). */
      signer?: CertificateIdentity
    }

/** Verifies one attestation bundle (pure); provenance/verify.ts makes one over a trusted root. */
export interface ProvenanceVerifier {
  /** The trusted root it verifies against, as named to it (a file). */
  readonly root: string
  verify(bundle: unknown, expected: ExpectedIdentity): BundleVerdict
}

/** What GitHub answered for one digest: the bundles (none: no attestation), or why it could not be read. */
export type AttestationLookup = { bundles: unknown[] } | { error: string }

/** The attestation bundles read for the candidate's digests. */
export interface ProvenanceEvidence {
  /** `owner/name` they were read from. */
  repository: string
  /** By digest (lowercase hex). */
  lookups: Record<string, AttestationLookup>
}

export interface ProvenanceContext {
  /** `stages.<stage>.provenance`. */
  rules: ProvenancePolicy
  files: readonly CandidateFile[]
  /** The candidate's checksums file, verified against its files, when it has one. */
  checksums?: ChecksumReport
  evidence?: ProvenanceEvidence
  /** Verifies one bundle against the pinned trusted root (pure). */
  verifier?: ProvenanceVerifier
}

/**
 * The candidate's files were attested by the policy's workflow. Pure: the bundles were read
 * before; verifying them is computation. Every bundle read is verified once (signature, chain,
 * transparency log, certificate identity); every subject of a verified bundle counts, not only
 * the first. A file passes when its own SHA-256 is such a subject, or when the checksums file's
 * is and the checksums file lists the file with a matching hash (and lists every file, none
 * missing or mismatched). Fails closed: no bundles read, a read that failed, a file no verified
 * bundle covers (each named, with why: no attestation, or each bundle's field at fault).
 */
export function provenanceGate(context: ProvenanceContext): GateResult {
  const { rules, evidence, verifier } = context
  const expected = {
    repository: rules.repository,
    workflow: rules.workflow,
    ...(rules.ref === undefined ? {} : { ref: rules.ref }),
    githubHostedOnly: rules.github_hosted_runners_only
  }
  const who = `${rules.repository} ${rules.workflow}${rules.ref ? `@${rules.ref}` : ''}`
  const required = requiredIdentity(expected)
  const finding: ProvenanceFinding = {
    repository: rules.repository,
    workflow: rules.workflow,
    ...(rules.ref === undefined ? {} : { ref: rules.ref }),
    attested: [],
    unattested: []
  }
  if (!evidence || !verifier) {
    return {
      gate: 'provenance',
      status: 'fail',
      summary: `no attestations were read, so provenance from ${who} cannot be verified`,
      details: [],
      provenance: finding
    }
  }

  // Each distinct bundle verified once; its subjects (by digest) with the signer.
  const verdicts = new Map<string, ReturnType<ProvenanceVerifier['verify']>>()
  const attestedBy = new Map<string, SignerFacts>()
  /** Why the bundles read for a digest did not verify. */
  const refusals = new Map<string, Refusal[]>()
  const refuse = (digest: string, refusal: Refusal) =>
    refusals.set(digest, [...(refusals.get(digest) ?? []), refusal])
  for (const [digest, lookup] of Object.entries(evidence.lookups)) {
    if ('error' in lookup) continue
    for (const bundle of lookup.bundles) {
      const key = JSON.stringify(bundle) ?? 'undefined'
      let verdict = verdicts.get(key)
      if (!verdict) {
        verdict = verifier.verify(bundle, expected)
        verdicts.set(key, verdict)
        if (verdict.ok) {
          for (const subject of verdict.subjects) {
            if (!attestedBy.has(subject.sha256)) attestedBy.set(subject.sha256, verdict.signer)
          }
        }
      }
      if (!verdict.ok) {
        refuse(digest, refusalOf(verdict, expected))
      } else if (!verdict.subjects.some(subject => subject.sha256 === digest)) {
        refuse(digest, { text: 'statement.subject does not list this digest' })
      }
    }
  }

  // The checksums file, when attested itself and consistent with every file, covers what it lists.
  const checksums = context.checksums
  const checksumsFile = checksums && context.files.find(file => file.path === checksums.file)
  const checksumsSigner = checksumsFile && attestedBy.get(checksumsFile.sha256)
  const checksumsClean =
    checksums !== undefined &&
    checksums.missing.length === 0 &&
    checksums.mismatched.length === 0 &&
    checksums.unlisted.length === 0
  const viaChecksums = new Set(checksumsSigner && checksumsClean ? checksums.verified : [])

  for (const file of context.files) {
    const own = attestedBy.get(file.sha256)
    const signer = own ?? (viaChecksums.has(file.path) ? checksumsSigner : undefined)
    if (signer) {
      finding.attested.push({
        path: file.path,
        sha256: file.sha256,
        ...(own || !checksums ? {} : { via: checksums.file }),
        ref: signer.ref,
        ...(signer.commit ? { commit: signer.commit } : {}),
        runner: signer.runner,
        ...(signer.loggedAt ? { loggedAt: signer.loggedAt } : {})
      })
      continue
    }
    finding.unattested.push({
      path: file.path,
      sha256: file.sha256,
      why: whyNot(file, evidence.lookups[file.sha256], refusals.get(file.sha256), required, {
        checksums,
        attested: checksumsSigner !== undefined,
        clean: checksumsClean,
        ...(checksumsFile
          ? {
              lookup: evidence.lookups[checksumsFile.sha256],
              refused: refusals.get(checksumsFile.sha256)
            }
          : {})
      })
    })
  }

  const viaCount = finding.attested.filter(entry => entry.via).length
  const refs = [...new Set(finding.attested.map(entry => `${entry.ref} (${entry.runner})`))]
  const facts = [
    ...(viaCount > 0 && checksums
      ? [`${plural(viaCount, 'file')} attested through ${checksums.file}`]
      : []),
    ...refs.map(ref => `signed by ${rules.workflow} at ${ref}`)
  ]
  if (finding.unattested.length > 0 || finding.attested.length === 0) {
    return {
      gate: 'provenance',
      status: 'fail',
      summary:
        context.files.length === 0
          ? 'the candidate has no files to attest'
          : `${plural(finding.unattested.length, 'file')} of ${context.files.length} not attested by ${who}`,
      details: [
        ...finding.unattested.map(
          entry => `${entry.path} (sha256 ${entry.sha256.slice(0, 12)}…): ${entry.why}`
        ),
        ...facts
      ],
      provenance: finding
    }
  }
  return {
    gate: 'provenance',
    status: 'pass',
    summary: `${plural(finding.attested.length, 'file')} attested by ${who}, verified against ${verifier.root}`,
    details: facts,
    provenance: finding
  }
}

/** Why one bundle did not verify: who signed instead, when that is all that is wrong. */
interface Refusal {
  text: string
  /** The signer's identity, when the bundle verified but was signed by someone else. */
  by?: string
}

function refusalOf(
  verdict: { field: string; why: string; signer?: CertificateIdentity },
  expected: ExpectedIdentity
): Refusal {
  const { signer } = verdict
  if (!signer) return { text: `${verdict.field} ${verdict.why}` }
  const by = signerIdentity(signer)
  const differs =
    signer.repository !== expected.repository ||
    signer.workflow !== expected.workflow ||
    (expected.ref !== undefined && signer.ref !== expected.ref) ||
    (signer.runner !== 'github-hosted' &&
      (expected.githubHostedOnly || signer.runner !== 'self-hosted'))
  // The same identity, yet refused: the field at fault says why (an issuer, an extension).
  return differs
    ? { text: '', by }
    : { text: `attested by ${by}, but its ${verdict.field} ${verdict.why}` }
}

/** `acme/x .github/workflows/train.yml@refs/heads/main (github-hosted runners only)`, as the policy says it. */
function requiredIdentity(expected: ExpectedIdentity): string {
  const ref = expected.ref === undefined ? ', any ref' : `@${expected.ref}`
  const runner = expected.githubHostedOnly
    ? 'github-hosted runners only'
    : 'github-hosted or self-hosted runner'
  return `${expected.repository} ${expected.workflow}${ref} (${runner})`
}

/** `acme/x .github/workflows/notebook.yml@refs/heads/main (github-hosted runner)`, from the certificate. */
function signerIdentity(signer: CertificateIdentity): string {
  const runner = signer.runner === undefined ? 'no runner stated' : `${signer.runner} runner`
  return `${signer.repository} ${signer.workflow}@${signer.ref} (${runner})`
}

/**
 * The bundles of one digest, none verified: `attested, but by …, not the required …` when each
 * was signed by someone else, else how many and each one's failure (at most three).
 */
function refusedText(refused: Refusal[], required: string, own: boolean): string {
  const bys = [...new Set(refused.map(refusal => refusal.by))]
  if (bys.every(by => by !== undefined)) {
    return `${own ? '' : 'is '}attested, but by ${bys.join(' and by ')}, not the required ${required}`
  }
  const texts = refused.map(refusal =>
    refusal.by === undefined
      ? refusal.text
      : `attested, but by ${refusal.by}, not the required ${required}`
  )
  const shown = texts.slice(0, 3).join('; ')
  const more = texts.length > 3 ? `; and ${texts.length - 3} more` : ''
  const count = plural(refused.length, 'attestation')
  return `${own ? `${count} found` : `has ${count}`}, none verified: ${shown}${more}`
}

/** What the checksums file that lists a file says for it. */
interface ThroughChecksums {
  checksums: ChecksumReport | undefined
  /** Its attestation verified. */
  attested: boolean
  /** It matches every file. */
  clean: boolean
  /** What GitHub answered for its digest, and why its bundles did not verify. */
  lookup?: AttestationLookup | undefined
  refused?: Refusal[] | undefined
}

function whyNot(
  file: CandidateFile,
  lookup: AttestationLookup | undefined,
  refused: Refusal[] | undefined,
  required: string,
  through: ThroughChecksums
): string {
  const { checksums } = through
  const listedBy = checksums && checksums.file !== file.path ? checksums.file : undefined
  // The checksums file lists this file but could not vouch for it: say what is wrong with it
  // (an attestation by someone else, one that failed, a failed read), never "no attestation".
  const checksumsWhy =
    listedBy === undefined || !checksums?.verified.includes(file.path) || through.attested
      ? undefined
      : through.lookup === undefined
        ? 'could not be checked: its attestations were not read'
        : 'error' in through.lookup
          ? `could not be checked: ${through.lookup.error}`
          : through.refused && through.refused.length > 0
            ? refusedText(through.refused, required, false)
            : undefined
  const listed =
    !checksums || listedBy === undefined || checksumsWhy !== undefined
      ? ''
      : !checksums.verified.includes(file.path)
        ? ` (not verified by ${checksums.file} either)`
        : !through.attested
          ? ` (nor is ${checksums.file}, which lists it)`
          : !through.clean
            ? ` (${checksums.file} lists it, but does not match every file)`
            : ''
  const alsoChecksums =
    checksumsWhy === undefined ? '' : `, and ${listedBy}, which lists it, ${checksumsWhy}`
  if (!lookup) return `its attestations were not read${listed}${alsoChecksums}`
  if ('error' in lookup) return `${lookup.error}${listed}${alsoChecksums}`
  if (refused && refused.length > 0) {
    return `${refusedText(refused, required, true)}${listed}${alsoChecksums}`
  }
  return checksumsWhy === undefined
    ? `no attestation found${listed}`
    : `no attestation of its own${alsoChecksums}`
}
