/**
 * The MLflow registry adapter: the Registry port and ModelSource over the
 * MLflow Model Registry REST API 2.0 (`/api/2.0/mlflow/...`).
 *
 * ## Servers it is meant for
 *
 * - **OSS MLflow 2.3 or later** (registered-model aliases arrived in 2.3),
 *   including 3.x. Tested against a stand-in built from MLflow's protos and
 *   handlers, whose answers follow what real 2.7.1 and 3.9.0rc0 servers gave
 *   (shared/MLFLOW-API.md); not yet run against a live server in CI.
 * - **Databricks Unity Catalog** (`catalog.schema.model`), through the paths
 *   MLflow's own client uses, `/api/2.0/mlflow/unity-catalog/...` (not the
 *   public `/api/2.1/unity-catalog/models/...` API): aliases only, bearer token
 *   only. UC is chosen by `unityCatalog: true`, or by default when the tracking
 *   URI is a Databricks workspace host (`*.cloud.databricks.com`,
 *   `*.azuredatabricks.net`, `*.gcp.databricks.com`); `unityCatalog: false`
 *   there selects the workspace registry.
 * - **Legacy stages** (`legacyStages: true`, off by default): servers (or the
 *   Databricks workspace registry) that still use `transition-stage`; policy
 *   stages must map to `Staging` or `Production`.
 *
 * ## What it writes
 *
 * Stages are aliases (`aliasForStage`, default the stage name, e.g.
 * `production`). A promotion of version V into stage S (alias A), replacing H:
 *
 * | where | key | value |
 * | --- | --- | --- |
 * | registered model tag | `modelgate.history.A` | JSON list, newest first, of `{id, kind, stage, version, from, previous, at, by, email?, reason?, forced?, archived?, recorded?}`; oldest entries dropped to fit the tag limit |
 * | model version V tag | `modelgate.audit.<id>.<n>` | only for a record too large for its header: the rest of the encoded data, in parts `1..n` of at most the tag limit; `<id>` is the history entry's id |
 * | model version V tag | `modelgate.audit.<id>` | the caller's whole `record` (when given): `{encoding: "gzip+base64", parts, bytes, sha256, data}`, the JSON gzipped (level 9) and base64-encoded, `bytes`/`sha256` those of the JSON; `data` is all of it (`parts: 0`, the usual case on OSS: one tag) or what fits, the parts holding the rest; written after the parts. At most 20 tags a record (record-tags.ts); older headers without `encoding` (parts holding the JSON itself) are still read |
 * | model version V tag | `modelgate.promoted.A` | JSON audit record of V's latest entry into S: the entry's facts plus the caller's `record` (summarised as `{truncated, keys, tag}` if it does not fit; `tag` names the header). A rollback leaves it out (one call fewer) when it would say nothing the history entry and `modelgate.audit.<id>` do not: readers then take the holder's audit from the entry with that id and its record tags; it writes it as before when it would say more (a record not kept whole, `evicted`/`notMarked`, a reason or actor the history cuts) or holds a removal mark, and in legacy-stage mode |
 * | model version V tag | `modelgate.removed.A` | deleted (after the alias moves) when V had one: V is back in S |
 * | model version H tag | `modelgate.removed.A` | rollback and unassign only, on the version taken out: `{removed: true, kind, stage, at, by, reason?, id}` (removal-mark.ts), what `takenOutOf` reads; kept whatever the history trims |
 * | alias | `A` | V |
 * | alias | `A-previous` | H: the default rollback target (after a rollback: the holder before that, never the version rolled back) |
 * | model version H tag | `archived` | `true`, only when the caller asks to archive the replaced version |
 *
 * On Unity Catalog, whose tag keys may not contain `. , - = / :`, the keys are
 * `modelgate_history_A`, `modelgate_promoted_A`, `modelgate_removed_A`,
 * `modelgate_audit_<id>` and `modelgate_audit_<id>_<n>` (a `-` in A or the id
 * becomes `_`). Tag values are kept under 5,000 UTF-8 bytes (OSS) or 1,000
 * (UC); UC allows 50 tags on a model version, and a promotion that would pass
 * that fails before it changes anything. A rollback or an unassignment never
 * fails for it: the removal mark comes first (in place of H's
 * `modelgate_promoted_A` when no tag is left; without one, in a tag freed by
 * deleting ModelGate's own oldest `modelgate_audit_<id>` records on H, which
 * the event names under `evicted`; with none either, not at all, which the
 * event says under `notMarked`), then the audit tag, then the
 * record, kept whole if it fits, else as a summary in its header tag
 * (`{recordTruncated, why, bytes, sha256, keys}`), else only in the write's
 * answer. Rollback
 * needs nothing but the registry: the target is `A-previous` / the history,
 * or a named version. In legacy mode the alias steps are `transition-stage`
 * calls (the replaced version goes to `None`, or `Archived` when asked).
 *
 * A version's signature is read from the version tag `modelgate.signature`
 * (the MLmodel `signature` block as JSON, written by the training job), else
 * from older MLflow's run tag `mlflow.log-model.history`, else (OSS) from the
 * MLmodel: for a `runs:/<run>/<path>` source through the run's own artifacts
 * (`/get-artifact?run_uuid=&path=<path>/MLmodel`, which 2.7.1 resolves from its
 * backend store; its `/model-versions/get-artifact` answers 404 for such a
 * source), else through `/model-versions/get-artifact`; its metrics from its
 * run (`runs/get`, the latest value of each metric; ±1.7976931348623157e308,
 * what the SQL store returns for a metric logged as ±Infinity, is infinite).
 *
 * ## What it reads, and when it trusts it
 *
 * A command reads the registered model once, every version with one search,
 * each run once (`readOnce`, read-view.ts; any write forgets it all). Aliases
 * carry no date and no author: a stage's date and actor come from ModelGate's
 * history only while its newest entry names the version the alias points at
 * now (stage-facts.ts); else they are unknown and the days gate fails closed.
 * An alias left on a deleted version is shown as dangling and skipped by a
 * rollback, which restores the next earlier holder that still exists.
 *
 * `register` (register-run.ts): `--run` creates a version from the run with
 * `model-versions/create` (`runs:/<run>/<path>`, the candidate digest as the
 * version tag `modelgate.candidate_digest`); `--version` confirms one.
 *
 * ## Failures
 *
 * Each REST call is retried on 429, 5xx, connection resets and timeouts: at
 * most 5 attempts, exponential backoff with jitter from 0.5 s capped at 8 s,
 * 10 s per attempt, no new attempt after 30 s (so ≤ ~40 s per call). All
 * calls of one command together get 90 s, then 30 s more to undo a failed
 * write (budget.ts): a command ends within about two minutes. A write
 * is a fixed sequence of idempotent steps, the alias move in the middle; a
 * step that still fails undoes the earlier ones and the error states what was
 * changed, reverted, or left for a re-run to complete (a re-run finishes an
 * interrupted promotion, then changes nothing). RESOURCE_DOES_NOT_EXIST →
 * exit 3, 401/403 → exit 4. MLflow has no compare-and-swap: the alias is
 * re-read just before it is moved, and a write backs out if another writer
 * moved it. Credentials go only into the Authorization header.
 */
export { MlflowRegistry, createMlflowRegistry } from './adapter.js'
export type { MlflowRegistryOptions, MlflowWriteOptions } from './setup.js'
export {
  DEFAULT_RETRY,
  MlflowApiError,
  MlflowHttp,
  MlflowUnavailableError,
  normaliseTrackingUri
} from './http.js'
export type { FetchLike, MlflowAuth, RetryPolicy } from './http.js'
export { MlflowWriteError } from './steps.js'
export type { WriteFailure } from './steps.js'
export { mlflowAuthFromEnv } from './env.js'
export { LOG_MODEL_HISTORY_TAG, versionUri } from './candidate.js'
export { OSS_TAG_VALUE_LIMIT, UC_TAG_VALUE_LIMIT, tagKeys } from './names.js'
export type { TagKeys } from './names.js'
export type { JournalEntry } from './journal.js'
