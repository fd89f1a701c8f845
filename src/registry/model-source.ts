import type { Candidate } from '../candidate/types.js'

/**
 * Reads what a registered version is made of: its metrics, signature, facts and,
 * where the backend keeps them, its files. The git registry reads the model's
 * directory at the version's commit; the MLflow registry reads the version's run.
 * Kept apart from `Registry` so a backend's reads of evidence and of stages can
 * be faked separately in tests.
 */
export interface ModelSource {
  /**
   * The version as a candidate. A backend without files returns `files: []` and
   * `totalBytes: 0` (artifact rules then fail closed). Throws NotFoundError when
   * the model or version does not exist.
   */
  loadVersion(model: string, version: string): Promise<Candidate>
  /**
   * The content digest (candidate/digest.ts) of the model's files at `ref` (git: a commit),
   * for a registration to record; undefined when the backend has no files to read there.
   */
  digestAt?(model: string, ref: string): Promise<string | undefined>
}
