/**
 * What every gate returns. Gates are pure: `(context) => GateResult`. They never
 * render; the report renders gate results.
 */
export type GateStatus = 'pass' | 'fail' | 'pending' | 'skipped'

/** One metric compared against one rule, the numbers behind a row of the report's table. */
export interface MetricCheck {
  metric: string
  /** The candidate's value; absent when missing or invalid (see `problem`). */
  candidate?: number
  /** The champion's value, for regression rules. */
  champion?: number
  /** Human-readable rule, e.g. `≥ 0.85` or `drop ≤ 0.005`. */
  rule: string
  status: GateStatus
  /** Why the check failed or was skipped, when it did: `missing`, `is NaN`, ... */
  problem?: string
}

export interface GateResult {
  /** Stable identifier: `thresholds`, `regression`, `schema`, `artifact`, ... */
  gate: string
  status: GateStatus
  /** One line a reviewer reads. */
  summary: string
  /** Metric-by-metric numbers, for gates that compare metrics. */
  checks?: MetricCheck[]
  /** Further facts, one line each (a missing file, a changed column, ...). */
  details?: string[]
  /** The approvals gate only: who counted and what is still missing, for the PR comment. */
  approvals?: ApprovalTally
  /** The model-scan gate only: each import or stream that failed it, for the audit record. */
  findings?: ScanFinding[]
  /** The provenance gate only: which files were attested, by what, and which were not. */
  provenance?: ProvenanceFinding
}

/** What the provenance gate established, for the audit record. */
export interface ProvenanceFinding {
  /** `owner/name` the attestations were read from and whose workflow had to sign. */
  repository: string
  workflow: string
  ref?: string
  attested: Array<{
    path: string
    sha256: string
    /** The checksums file whose attestation covers this file, when not attested itself. */
    via?: string
    /** The certificate's source ref, commit, runner, and the transparency log's time. */
    ref: string
    commit?: string
    runner: string
    loggedAt?: string
  }>
  unattested: Array<{ path: string; sha256: string; why: string }>
}

/** One import (or unreadable stream) that fails the model-scan gate. */
export interface ScanFinding {
  /** The candidate file and, inside it, the entries: `model.pt › archive/data.pkl`. */
  location: string
  /** Byte offset in the stream (decompressed, for a member of a zip or a gzip). */
  offset?: number
  /** `module.name`; absent for a stream that could not be read. */
  global?: string
  verdict: 'dangerous' | 'not-allowed' | 'unreadable'
  why: string
}

/** A reviewer and the commit their review was given on (absent when GitHub did not say). */
export interface ReviewerAt {
  login: string
  commit?: string
}

/** What the approvals gate counted, in structured form (its `details` say the same in words). */
export interface ApprovalTally {
  /** Approvals that count: fresh, by a reviewer with write access who is not the author. */
  approvedBy: ReviewerAt[]
  /** Approvals given on an older commit while `stale_after_push` is on. */
  stale: ReviewerAt[]
  /**
   * Reviews from reviewers without write access (`permission`: what they have, or `unknown` for
   * an approval whose reviewer could not be checked; such a change request blocks instead).
   */
  noPermission: (ReviewerAt & { permission: string })[]
  /** Latest reviews requesting changes that block. */
  changesRequestedBy: ReviewerAt[]
  /** The author's own standing review, which never counts. */
  byAuthor: ReviewerAt[]
  /** `stages.<stage>.approvals.required` and how many approvals count towards it. */
  required: { have: number; min: number }
  groups: ApprovalGroupTally[]
}

export interface ApprovalGroupTally {
  name: string
  min: number
  /** Counted approvers who belong to the group (listed user or team member). */
  approvers: string[]
  /** Teams of the group whose membership the token could not read, with why. */
  unknownTeams: { team: string; reason: string }[]
}

/**
 * The overall decision. `pass-with-warnings` means no gate failed or is pending,
 * but something deserves a look (a skipped gate, a bad value the policy does not use).
 */
export type Decision = 'pass' | 'pass-with-warnings' | 'pending' | 'blocked'

/** The side of a comparison as the report shows it. */
export interface ModelSide {
  /** How the report names it: a version (`v1.3.0`) or a directory. */
  label: string
  version?: string
  metrics: Record<string, number>
  /** Metrics present but unusable, with why (`is NaN`, `is a string ("n/a")`). */
  invalidMetrics?: Record<string, string>
}

/** Everything one evaluation decided, the single input of the report renderer and the JSON output. */
export interface Evaluation {
  model: string
  /** The target stage. */
  stage: string
  /** The `now` the gates were evaluated at, as an ISO 8601 UTC timestamp. */
  evaluatedAt: string
  candidate: ModelSide & {
    invalidMetrics: Record<string, string>
    totalBytes: number
    fileCount: number
  }
  /** Absent on a first promotion (no version holds the stage yet). */
  champion?: ModelSide
  /**
   * The stage the champion holds, when not the target stage: a rollout's start compares with
   * the stage it serves or shadows while its own stage is empty.
   */
  championStage?: string
  gates: GateResult[]
  /** Things worth a look that fail no gate. */
  warnings: string[]
  decision: Decision
}
