/**
 * An MLflow tracking server stand-in on 127.0.0.1, built from MLflow's REST
 * documentation and source (`mlflow/protos/model_registry.proto`,
 * `mlflow/server/handlers.py`, `mlflow/server/validation.py`,
 * `mlflow/utils/validation.py`, the Unity Catalog service proto) and from
 * what real 2.7.1 / 3.9 servers answered (shared/MLFLOW-API.md):
 *
 * - state: registered models (tags, aliases), versions (tags, legacy stage,
 *   status), runs (metrics with history, tags), MLmodel files;
 * - MLflow's error JSON and codes: a missing alias is 400
 *   INVALID_PARAMETER_VALUE ("Registered model alias … not found."), a missing
 *   model 404 RESOURCE_DOES_NOT_EXIST, an existing one 400
 *   RESOURCE_ALREADY_EXISTS; a POST without `Content-Type: application/json`
 *   is 400; a field of the wrong JSON type ("version": 7) is 400 with
 *   MLflow's "Invalid value … Hint: Value was of type 'int'" message; unknown
 *   fields are ignored (as protobuf's ParseDict with ignore_unknown_fields
 *   does) but logged;
 * - an unknown path: 404 ENDPOINT_NOT_FOUND JSON (or Flask's HTML page, as an
 *   OSS server answers, with `unknownRoute: 'html'`); a wrong method: 405 HTML;
 * - auth (bearer or basic → 401 UNAUTHENTICATED), `forbid` → 403;
 * - Unity Catalog routes (`/api/2.0/mlflow/unity-catalog/...`): three-level
 *   names, tag keys without `. , - = / :`, values ≤ 1000 characters, at most
 *   50 tags on a registered model or a model version (a new key beyond that
 *   is 400), aliases as `{alias, version}` on versions, a missing alias
 *   answered 404;
 * - fault injection by method, path, predicate, or write number: 5xx, 429
 *   (with Retry-After), an HTML 502, a connection reset, a slow answer, each
 *   either before or after the request takes effect;
 * - a request log, for counting calls;
 * - what a real 2.7.1 server (SQLite store) did on a second look: a metric
 *   logged as ±Infinity comes back from `runs/get` clamped to ±DBL_MAX, NaN as
 *   the string "NaN"; `model-versions/delete` leaves the version's aliases in
 *   place, and reading such a dangling alias answers 404 RESOURCE_DOES_NOT_EXIST;
 *   `/model-versions/get-artifact` answers 404 "Run '<id>' not found" for a
 *   `runs:/` source while `/get-artifact?run_uuid=&path=` (the run's own
 *   artifacts, resolved from the backend store) serves it; aliases carry no
 *   timestamp; searches answer `aliases: null`; any non-empty model name is
 *   accepted (`/`, spaces, quotes).
 *
 * The parts: state.ts (what the registry holds, and the test API that seeds it), routes.ts
 * (each endpoint's fields and handler), errors.ts (MLflow's error codes and request checks),
 * shapes.ts (answer bodies), faults.ts (the request log's entries, injected faults), server.ts
 * (HTTP: auth, routing, parsing, fault answers, `startMlflowStandIn`).
 */

export {
  startMlflowStandIn,
  MlflowStandIn,
  type StandInAuth,
  type StandInOptions
} from './server.js'
export type { Fault, FaultKind, LoggedRequest } from './faults.js'
