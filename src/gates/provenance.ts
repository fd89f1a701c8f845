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

export type BundleVerdict =
  | { ok: true; subjects: AttestedSubject[]; signer: SignerFacts }
  | { ok: false; field: string; why: string }

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
  const refusals = new Map<string, string[]>()
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
        refusals.set(digest, [...(refusals.get(digest) ?? []), `${verdict.field} ${verdict.why}`])
      } else if (!verdict.subjects.some(subject => subject.sha256 === digest)) {
        refusals.set(digest, [
          ...(refusals.get(digest) ?? []),
          'statement.subject does not list this digest'
        ])
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
      why: whyNot(file, evidence.lookups[file.sha256], refusals.get(file.sha256), checksums, {
        attested: checksumsSigner !== undefined,
        clean: checksumsClean
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

function whyNot(
  file: CandidateFile,
  lookup: AttestationLookup | undefined,
  refused: string[] | undefined,
  checksums: ChecksumReport | undefined,
  through: { attested: boolean; clean: boolean }
): string {
  const listed =
    !checksums || checksums.file === file.path
      ? ''
      : !checksums.verified.includes(file.path)
        ? ` (not verified by ${checksums.file} either)`
        : !through.attested
          ? ` (nor is ${checksums.file}, which lists it)`
          : !through.clean
            ? ` (${checksums.file} lists it, but does not match every file)`
            : ''
  if (!lookup) return `its attestations were not read${listed}`
  if ('error' in lookup) return `${lookup.error}${listed}`
  if (refused && refused.length > 0) {
    const shown = refused.slice(0, 3).join('; ')
    const more = refused.length > 3 ? `; and ${refused.length - 3} more` : ''
    return `${plural(refused.length, 'attestation')} found, none verified: ${shown}${more}${listed}`
  }
  return `no attestation found${listed}`
}
