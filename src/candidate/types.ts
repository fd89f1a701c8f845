import type { ModelScan } from '../scan/types.js'

// The scan's findings are part of what a candidate is: named here for the gates, which read only
// candidate/ and policy/ types.
export type { ModelScan, ScannedImport, ScannedStream } from '../scan/types.js'

/** A model artifact as read from disk (or later, from a registry). */

/** One column or tensor of a model signature, normalised from MLmodel or schema.json. */
export interface SignatureField {
  /** Column name; tensors without a name get `#index`. */
  name: string
  /** Type as written (`double`, `long`, `string`, `tensor:float32[-1,4]`, ...). */
  type: string
  /** False when the source marks the column optional (`required: false` / `optional: true`). */
  required: boolean
}

export interface Signature {
  /** Where it came from, relative to the candidate directory: `MLmodel` or `schema.json`. */
  source: string
  inputs: SignatureField[]
  outputs: SignatureField[]
}

/** `model.yaml`: facts about the version that the audit record carries. */
export interface ModelInfo {
  version?: string
  run_id?: string
  training_data_snapshot?: string
  feature_view_version?: string
  owner?: string
}

export interface CandidateFile {
  /** POSIX path relative to the candidate directory. */
  path: string
  size: number
  sha256: string
}

/** The result of checking the files against a sha256sum-format checksums file. */
export interface ChecksumReport {
  /** Path of the checksums file, relative to the candidate directory. */
  file: string
  /** Entries whose hash matched. */
  verified: string[]
  /** Listed but not present. */
  missing: string[]
  /** Present but with another hash: path, expected, actual. */
  mismatched: Array<{ path: string; expected: string; actual: string }>
  /** Present but not listed (the checksums file itself excluded). */
  unlisted: string[]
}

export interface Candidate {
  /** Absolute path of the directory read. */
  dir: string
  /** Valid metrics, flattened with dots: `eval.accuracy`. */
  metrics: Record<string, number>
  /** Leaves of metrics.json that are not finite numbers, with why: `is a string ("n/a")`, `is NaN`. */
  invalidMetrics: Record<string, string>
  signature?: Signature
  info?: ModelInfo
  /**
   * Every regular file (a symlink to a file inside the directory counts, under the
   * link's path), sorted by path in code-unit order, hashed. Nothing is skipped.
   */
  files: CandidateFile[]
  totalBytes: number
  /** Present when a checksums file was found. */
  checksums?: ChecksumReport
  /** `data_quality.json`, when the candidate has one. */
  dataQuality?: DataQualityReport
  /** What the model-file scan found in files that can hold code; absent when the files were not read. */
  scan?: ModelScan
  /** Things worth telling a reviewer that are not errors, e.g. which of MLmodel and schema.json was used. */
  notes?: string[]
}

/** One named check of a data-quality report. */
export interface DataQualityCheck {
  name: string
  passed: boolean
  /** What was measured, as the report gives it (`0.07`, `0.07 (threshold 0.05)`). */
  observed?: string
}

/** The data-quality report the training job left in the candidate (`data_quality.json`). */
export interface DataQualityReport {
  /** Its path in the candidate. */
  file: string
  format: 'great_expectations' | 'modelgate'
  /** The training-data snapshot the checks ran on. */
  snapshot?: string
  /** The report's own overall verdict, when it gives one. */
  success?: boolean
  checks: DataQualityCheck[]
  /** Why the file could not be read as a report; the gate then fails. */
  problem?: string
}
