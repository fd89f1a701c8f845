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
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type StandInAuth = { token: string } | { username: string; password: string }

export interface StandInOptions {
  auth?: StandInAuth
  /** How an unknown path is answered: Databricks-style JSON (default) or Flask's HTML 404. */
  unknownRoute?: 'json' | 'html'
  /** 403 PERMISSION_DENIED for the requests it returns true for. */
  forbid?: (request: LoggedRequest) => boolean
  now?: () => number
}

export type FaultKind = 500 | 502 | 503 | 504 | 429 | 'html502' | 'reset' | 'slow'

export interface Fault {
  method?: string
  /** The request path without the query; a string matches exactly, a RegExp by test. */
  path?: string | RegExp
  /** Only POST, PATCH, PUT and DELETE count. */
  writesOnly?: boolean
  match?: (request: LoggedRequest) => boolean
  /** The first matching request that fails (1-based). Default 1. */
  nth?: number
  /** How many matching requests fail from there on. Default 1; Infinity for all. */
  times?: number
  kind: FaultKind
  /** `slow`: how long before answering. */
  delayMs?: number
  /** `429`: the Retry-After header. */
  retryAfter?: string
  /** Let the request take effect, then fail its answer (a lost answer). */
  after?: boolean
}

export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string>
  body: unknown
  /** Fields of a JSON body the endpoint does not know (MLflow ignores them). */
  unknownFields: string[]
  authorization?: string
  contentType?: string
  status?: number
  fault?: string
}

interface VersionState {
  version: string
  creation: number
  lastUpdated: number
  userId: string
  stage: string
  source: string
  runId?: string
  status: string
  description?: string
  tags: Map<string, string>
}

interface ModelState {
  name: string
  creation: number
  lastUpdated: number
  description?: string
  tags: Map<string, string>
  aliases: Map<string, string>
  versions: Map<string, VersionState>
  nextVersion: number
  /** `version/path` → file content. */
  artifacts: Map<string, string>
}

interface MetricPoint {
  key: string
  value: number
  timestamp: number
  step: number
}

interface RunState {
  runId: string
  experimentId: string
  userId: string
  start: number
  metrics: MetricPoint[]
  params: Map<string, string>
  tags: Map<string, string>
  /** Artifact path inside the run (`model/MLmodel`) → file content. */
  artifacts: Map<string, string>
}

class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = STATUS_OF[code] ?? 400
  ) {
    super(message)
  }
}

const STATUS_OF: Record<string, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503
}

type FieldType = 'string' | 'int' | 'bool' | 'array'
interface FieldSpec {
  type: FieldType
  required?: boolean
}

interface Request {
  logged: LoggedRequest
  params: Record<string, unknown>
  uc: boolean
}

interface Route {
  fields: Record<string, FieldSpec>
  handle(request: Request): unknown
}

const API = '/api/2.0/mlflow'
const UC = '/api/2.0/mlflow/unity-catalog'
const STAGES = ['None', 'Staging', 'Production', 'Archived']
/** Databricks: "You can assign a maximum of 50 tags to a single securable object." */
const UC_MAX_TAGS = 50
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

export class MlflowStandIn {
  readonly models = new Map<string, ModelState>()
  readonly runs = new Map<string, RunState>()
  readonly log: LoggedRequest[] = []
  private faults: Array<Fault & { seen: number; fired: number }> = []
  private readonly routes = new Map<string, Map<string, Route>>()
  private runCounter = 0
  url = ''

  constructor(
    private readonly server: Server,
    private readonly options: StandInOptions
  ) {
    this.defineRoutes()
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  // ---- test API -----------------------------------------------------------------

  addFault(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0, fired: 0 })
  }

  clearFaults(): void {
    this.faults = []
  }

  resetLog(): void {
    this.log.length = 0
  }

  /** Requests so far, optionally only those a predicate picks. */
  count(filter?: (request: LoggedRequest) => boolean): number {
    return filter ? this.log.filter(filter).length : this.log.length
  }

  writes(): LoggedRequest[] {
    return this.log.filter(r => WRITE_METHODS.has(r.method))
  }

  createModel(name: string, tags: Record<string, string> = {}): void {
    if (this.models.has(name)) throw new Error(`model ${name} exists`)
    const now = this.now()
    this.models.set(name, {
      name,
      creation: now,
      lastUpdated: now,
      tags: new Map(Object.entries(tags)),
      aliases: new Map(),
      versions: new Map(),
      nextVersion: 1,
      artifacts: new Map()
    })
  }

  /** A run with metrics (an array: the history, the last is the latest) and tags. */
  createRun(
    spec: {
      metrics?: Record<string, number | number[]>
      tags?: Record<string, string>
      runId?: string
    } = {}
  ): string {
    const runId = spec.runId ?? `run${(++this.runCounter).toString().padStart(29, '0')}`
    const start = this.now()
    const metrics: MetricPoint[] = []
    for (const [key, value] of Object.entries(spec.metrics ?? {})) {
      const values = Array.isArray(value) ? value : [value]
      values.forEach((v, step) => metrics.push({ key, value: v, timestamp: start + step, step }))
    }
    this.runs.set(runId, {
      runId,
      experimentId: '1',
      userId: 'trainer',
      start,
      metrics,
      params: new Map(),
      tags: new Map(Object.entries(spec.tags ?? {})),
      artifacts: new Map()
    })
    return runId
  }

  /** A READY version (by default), from a run when given. */
  createVersion(
    name: string,
    spec: {
      runId?: string
      source?: string
      status?: string
      tags?: Record<string, string>
      userId?: string
      stage?: string
      mlmodel?: string
    } = {}
  ): string {
    const model = this.model(name)
    const version = String(model.nextVersion++)
    const now = this.now()
    model.versions.set(version, {
      version,
      creation: now,
      lastUpdated: now,
      userId: spec.userId ?? 'trainer',
      stage: spec.stage ?? 'None',
      source:
        spec.source ??
        (spec.runId
          ? `mlflow-artifacts:/1/${spec.runId}/artifacts/model`
          : `s3://bucket/${name}/${version}`),
      ...(spec.runId ? { runId: spec.runId } : {}),
      status: spec.status ?? 'READY',
      tags: new Map(Object.entries(spec.tags ?? {}))
    })
    if (spec.mlmodel !== undefined) {
      model.artifacts.set(`${version}/MLmodel`, spec.mlmodel)
      // `log_model` wrote it into the run's artifacts: the run routes serve it from there.
      const runs = /^runs:\/([^/]+)\/(.+?)\/?$/.exec(spec.source ?? '')
      const run = runs ? this.runs.get(runs[1] as string) : undefined
      if (run) run.artifacts.set(`${runs?.[2]}/MLmodel`, spec.mlmodel)
    }
    return version
  }

  /** `model-versions/delete` as 2.7.1 does it: the version goes, its aliases stay (dangling). */
  deleteVersion(name: string, version: string): void {
    if (!this.model(name).versions.delete(version)) throw new Error(`no version ${version}`)
  }

  setAlias(name: string, alias: string, version: string): void {
    this.model(name).aliases.set(alias, version)
  }

  /** A plain copy of one model's registry state, for comparing before and after. */
  snapshot(name: string): {
    aliases: Record<string, string>
    tags: Record<string, string>
    versions: Record<string, { stage: string; tags: Record<string, string> }>
  } {
    const model = this.model(name)
    return {
      aliases: Object.fromEntries([...model.aliases].sort()),
      tags: Object.fromEntries([...model.tags].sort()),
      versions: Object.fromEntries(
        [...model.versions].map(([v, s]) => [
          v,
          { stage: s.stage, tags: Object.fromEntries([...s.tags].sort()) }
        ])
      )
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  // ---- HTTP ---------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    const raw = await readBody(req)
    const logged: LoggedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      unknownFields: [],
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {})
    }
    if (raw.length > 0) {
      try {
        logged.body = JSON.parse(raw)
      } catch {
        logged.body = raw
      }
    }
    this.log.push(logged)

    if (!this.authenticated(req)) {
      return this.send(res, logged, 401, error('UNAUTHENTICATED', 'You are not authenticated.'), {
        'WWW-Authenticate': 'Basic realm="mlflow"'
      })
    }
    const byMethod = this.routes.get(url.pathname)
    if (!byMethod) {
      if (this.options.unknownRoute === 'html') {
        return this.sendHtml(
          res,
          logged,
          404,
          'Not Found',
          'The requested URL was not found on the server.'
        )
      }
      return this.send(
        res,
        logged,
        404,
        error('ENDPOINT_NOT_FOUND', `No API found for '${method} ${url.pathname}'`)
      )
    }
    const route = byMethod.get(method)
    if (!route) {
      return this.sendHtml(
        res,
        logged,
        405,
        'Method Not Allowed',
        'The method is not allowed for the requested URL.'
      )
    }
    if (this.options.forbid?.(logged)) {
      return this.send(res, logged, 403, error('PERMISSION_DENIED', 'Permission denied.'))
    }

    const fault = this.faultFor(logged)
    if (fault?.kind === 'slow') await delay(fault.delayMs ?? 1000)
    if (fault && fault.kind !== 'slow' && !fault.after) return this.fail(res, logged, fault)

    let status = 200
    let answer: unknown
    try {
      answer = route.handle(this.parse(logged, raw, route, url.pathname.startsWith(UC)))
    } catch (e) {
      if (!(e instanceof ApiError)) throw e
      status = e.status
      answer = error(e.code, e.message)
    }
    if (fault && fault.kind !== 'slow' && fault.after) return this.fail(res, logged, fault)
    if (this.textRoutes.has(route) && status === 200) {
      logged.status = 200
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end(String(answer))
      return
    }
    this.send(res, logged, status, answer)
  }

  /** Routes that answer a file, not JSON. */
  private readonly textRoutes = new Set<Route>()

  private authenticated(req: IncomingMessage): boolean {
    const auth = this.options.auth
    if (!auth) return true
    const header = req.headers.authorization ?? ''
    if ('token' in auth) return header === `Bearer ${auth.token}`
    return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
  }

  /** Every matching fault counts the request; the first one due fires. */
  private faultFor(request: LoggedRequest): (Fault & { seen: number; fired: number }) | undefined {
    let firing: (Fault & { seen: number; fired: number }) | undefined
    for (const fault of this.faults) {
      if (fault.method && fault.method !== request.method) continue
      if (fault.path !== undefined) {
        const ok =
          typeof fault.path === 'string'
            ? fault.path === request.path
            : fault.path.test(request.path)
        if (!ok) continue
      }
      if (fault.writesOnly && !WRITE_METHODS.has(request.method)) continue
      if (fault.match && !fault.match(request)) continue
      fault.seen++
      if (!firing && fault.seen >= (fault.nth ?? 1) && fault.fired < (fault.times ?? 1)) {
        fault.fired++
        request.fault = String(fault.kind)
        firing = fault
      }
    }
    return firing
  }

  private fail(res: ServerResponse, logged: LoggedRequest, fault: Fault): void {
    switch (fault.kind) {
      case 'reset':
        logged.status = 0
        res.socket?.destroy()
        return
      case 'html502':
        return this.sendHtml(
          res,
          logged,
          502,
          'Bad Gateway',
          'The proxy server received an invalid response.'
        )
      case 429:
        return this.send(
          res,
          logged,
          429,
          error('REQUEST_LIMIT_EXCEEDED', 'Too many requests.'),
          fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}
        )
      case 503:
        return this.send(res, logged, 503, error('TEMPORARILY_UNAVAILABLE', 'Service unavailable.'))
      case 'slow':
        return
      default:
        return this.send(res, logged, fault.kind, error('INTERNAL_ERROR', 'Internal server error.'))
    }
  }

  private send(
    res: ServerResponse,
    logged: LoggedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): void {
    logged.status = status
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  private sendHtml(
    res: ServerResponse,
    logged: LoggedRequest,
    status: number,
    title: string,
    text: string
  ): void {
    logged.status = status
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(
      `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${text}</p>\n`
    )
  }

  /** MLflow's `_get_request_message`: query for GET, JSON body otherwise, then the schema. */
  private parse(logged: LoggedRequest, raw: string, route: Route, uc: boolean): Request {
    let params: Record<string, unknown>
    if (logged.method === 'GET') {
      params = { ...logged.query }
    } else {
      if ((logged.method === 'POST' || logged.method === 'PUT') && !this.textRoutes.has(route)) {
        const type = (logged.contentType ?? '').split(';')[0]?.trim()
        if (type !== 'application/json') {
          throw new ApiError(
            'INVALID_PARAMETER_VALUE',
            `Bad Request. Content-Type must be one of [application/json].${type ? ` Got '${type}'.` : ''}`
          )
        }
      }
      let body: unknown = {}
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw)
        } catch {
          body = {} // Flask's get_json(silent=True): an unreadable body is no body
        }
      }
      params =
        typeof body === 'object' && body !== null && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : {}
    }
    logged.unknownFields = Object.keys(params).filter(k => !(k in route.fields))
    for (const [field, spec] of Object.entries(route.fields)) {
      const value = params[field]
      if (
        value !== undefined &&
        value !== null &&
        !typeMatches(value, spec.type, logged.method === 'GET')
      ) {
        throw new ApiError(
          'INVALID_PARAMETER_VALUE',
          `Invalid value ${pyRepr(value)} for parameter '${field}' supplied. Hint: Value was of type '${pyType(value)}'. See the API docs for more information about request parameters.`
        )
      }
      if (spec.required && (value === undefined || value === null || value === '')) {
        throw new ApiError(
          'INVALID_PARAMETER_VALUE',
          `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`
        )
      }
    }
    return { logged, params, uc }
  }

  // ---- the API --------------------------------------------------------------------

  private route(
    method: string,
    path: string,
    fields: Record<string, FieldSpec>,
    handle: (r: Request) => unknown
  ): Route {
    const route = { fields, handle }
    const byMethod = this.routes.get(path) ?? new Map<string, Route>()
    byMethod.set(method, route)
    this.routes.set(path, byMethod)
    return route
  }

  private defineRoutes(): void {
    const S = (required = false): FieldSpec => ({ type: 'string', required })
    const name = { name: S(true) }
    for (const base of [API, UC]) {
      const uc = base === UC
      this.route('GET', `${base}/registered-models/get`, name, r => ({
        registered_model: this.rmJson(this.modelOf(r, str(r.params.name)), uc)
      }))
      this.route(
        'GET',
        `${base}/registered-models/search`,
        { filter: S(), max_results: { type: 'int' }, page_token: S(), order_by: { type: 'array' } },
        r => this.searchModels(r)
      )
      this.route(
        'POST',
        `${base}/registered-models/create`,
        { name: S(true), tags: { type: 'array' }, description: S() },
        r => {
          const n = str(r.params.name)
          this.checkName(n, r.uc)
          if (this.models.has(n)) {
            throw new ApiError(
              'RESOURCE_ALREADY_EXISTS',
              `Registered Model (name=${n}) already exists.`
            )
          }
          this.createModel(n)
          return { registered_model: this.rmJson(this.model(n), uc) }
        }
      )
      this.route('GET', `${base}/registered-models/alias`, { name: S(true), alias: S(true) }, r =>
        this.getByAlias(r)
      )
      this.route(
        'POST',
        `${base}/registered-models/alias`,
        { name: S(true), alias: S(true), version: S(true) },
        r => {
          const alias = str(r.params.alias)
          validateAlias(alias)
          const version = str(r.params.version)
          validateVersion(version)
          const model = this.modelOf(r, str(r.params.name))
          this.versionOf(model, version)
          model.aliases.set(alias, version)
          model.lastUpdated = this.now()
          return {}
        }
      )
      this.route(
        'DELETE',
        `${base}/registered-models/alias`,
        { name: S(true), alias: S(true) },
        r => {
          const alias = str(r.params.alias)
          validateAlias(alias)
          const model = this.modelOf(r, str(r.params.name))
          model.aliases.delete(alias)
          return {}
        }
      )
      const rmTag = { name: S(true), key: S(true), value: S() }
      const setRmTag = (r: Request) => {
        const model = this.modelOf(r, str(r.params.name))
        const key = str(r.params.key)
        const value = str(r.params.value)
        this.validateTag(key, value, r.uc)
        this.checkTagCount(model.tags, key, r.uc)
        model.tags.set(key, value)
        model.lastUpdated = this.now()
        return {}
      }
      const deleteRmTag = (r: Request) => {
        const model = this.modelOf(r, str(r.params.name))
        const key = str(r.params.key)
        this.validateTag(key, '', r.uc)
        model.tags.delete(key)
        return {}
      }
      this.route('POST', `${base}/registered-models/${uc ? 'tags' : 'set-tag'}`, rmTag, setRmTag)
      this.route(
        'DELETE',
        `${base}/registered-models/${uc ? 'tags' : 'delete-tag'}`,
        { name: S(true), key: S(true) },
        deleteRmTag
      )

      this.route('GET', `${base}/model-versions/get`, { name: S(true), version: S(true) }, r => {
        const version = str(r.params.version)
        validateVersion(version)
        const model = this.models.get(str(r.params.name))
        const found = model?.versions.get(version)
        if (!model || !found || !this.visible(model, r)) {
          throw new ApiError(
            'RESOURCE_DOES_NOT_EXIST',
            `Model Version (name=${str(r.params.name)}, version=${version}) not found`
          )
        }
        return { model_version: this.mvJson(model, found, uc, true) }
      })
      this.route(
        'GET',
        `${base}/model-versions/search`,
        { filter: S(), max_results: { type: 'int' }, order_by: { type: 'array' }, page_token: S() },
        r => this.searchVersions(r, uc)
      )
      const mvTag = { name: S(true), version: S(true), key: S(true), value: S() }
      this.route('POST', `${base}/model-versions/${uc ? 'tags' : 'set-tag'}`, mvTag, r => {
        const key = str(r.params.key)
        const value = str(r.params.value)
        this.validateTag(key, value, r.uc)
        const version = this.versionOf(this.modelOf(r, str(r.params.name)), str(r.params.version))
        this.checkTagCount(version.tags, key, r.uc)
        version.tags.set(key, value)
        version.lastUpdated = this.now()
        return {}
      })
      this.route(
        'DELETE',
        `${base}/model-versions/${uc ? 'tags' : 'delete-tag'}`,
        { name: S(true), version: S(true), key: S(true) },
        r => {
          this.validateTag(str(r.params.key), '', r.uc)
          const version = this.versionOf(this.modelOf(r, str(r.params.name)), str(r.params.version))
          version.tags.delete(str(r.params.key))
          return {}
        }
      )
      if (!uc) {
        this.route(
          'POST',
          `${base}/model-versions/create`,
          {
            name: S(true),
            source: S(true),
            run_id: S(),
            tags: { type: 'array' },
            run_link: S(),
            description: S()
          },
          r => {
            const model = this.modelOf(r, str(r.params.name))
            const tags: Record<string, string> = {}
            for (const tag of (r.params.tags as Array<{ key?: unknown; value?: unknown }>) ?? []) {
              this.validateTag(str(tag.key), str(tag.value), false)
              tags[str(tag.key)] = str(tag.value)
            }
            const version = this.createVersion(model.name, {
              source: str(r.params.source),
              ...(r.params.run_id ? { runId: str(r.params.run_id) } : {}),
              tags
            })
            return {
              model_version: this.mvJson(model, this.versionOf(model, version), false, true)
            }
          }
        )
        this.route(
          'POST',
          `${base}/model-versions/transition-stage`,
          {
            name: S(true),
            version: S(true),
            stage: S(true),
            archive_existing_versions: { type: 'bool', required: true }
          },
          r => this.transition(r)
        )
        this.route('GET', `${base}/runs/get`, { run_id: S(), run_uuid: S() }, r => this.getRun(r))
        this.route(
          'DELETE',
          `${base}/model-versions/delete`,
          { name: S(true), version: S(true) },
          r => {
            const model = this.modelOf(r, str(r.params.name))
            this.versionOf(model, str(r.params.version))
            this.deleteVersion(model.name, str(r.params.version))
            return {}
          }
        )
      }
    }
    const versionArtifact = this.route(
      'GET',
      '/model-versions/get-artifact',
      { name: S(true), version: S(true), path: S(true) },
      r => {
        const model = this.modelOf(r, str(r.params.name))
        const source = model.versions.get(str(r.params.version))?.source ?? ''
        const runs = /^runs:\/([^/]+)/.exec(source)
        if (runs) {
          // 2.7.1 resolves a runs:/ source through its default tracking URI, not its backend store.
          throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run '${runs[1]}' not found`)
        }
        const text = model.artifacts.get(`${str(r.params.version)}/${str(r.params.path)}`)
        if (text === undefined) {
          throw new ApiError('RESOURCE_DOES_NOT_EXIST', `File ${str(r.params.path)} not found`)
        }
        return text
      }
    )
    this.textRoutes.add(versionArtifact)
    // handlers.get_artifact_handler: `run_id` or `run_uuid`, `path`; the run from the backend store.
    const runArtifact = this.route(
      'GET',
      '/get-artifact',
      { run_id: S(), run_uuid: S(), path: S(true) },
      r => {
        const id = str(r.params.run_id) || str(r.params.run_uuid)
        const run = this.runs.get(id)
        if (!run) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`)
        const text = run.artifacts.get(str(r.params.path))
        if (text === undefined) {
          throw new ApiError('RESOURCE_DOES_NOT_EXIST', `File ${str(r.params.path)} not found`)
        }
        return text
      }
    )
    this.textRoutes.add(runArtifact)
  }

  private checkName(name: string, uc: boolean): void {
    if (uc && name.split('.').length !== 3) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        `Model name '${name}' is not a three-level name (catalog.schema.model).`
      )
    }
  }

  /** A UC route sees only three-level names; an OSS route sees any. */
  private visible(model: ModelState, r: Request): boolean {
    return !r.uc || model.name.split('.').length === 3
  }

  private model(name: string): ModelState {
    const model = this.models.get(name)
    if (!model) throw new Error(`no model ${name}`)
    return model
  }

  private modelOf(r: Request, name: string): ModelState {
    this.checkName(name, r.uc)
    const model = this.models.get(name)
    if (!model || !this.visible(model, r)) {
      throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`)
    }
    return model
  }

  private versionOf(model: ModelState, version: string): VersionState {
    validateVersion(version)
    const found = model.versions.get(version)
    if (!found) {
      throw new ApiError(
        'RESOURCE_DOES_NOT_EXIST',
        `Model Version (name=${model.name}, version=${version}) not found`
      )
    }
    return found
  }

  /** Unity Catalog: at most 50 tags on one securable object (a registered model, a model version). */
  private checkTagCount(tags: Map<string, string>, key: string, uc: boolean): void {
    if (uc && !tags.has(key) && tags.size >= UC_MAX_TAGS) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        `Cannot add tag '${key}': an object can have at most ${UC_MAX_TAGS} tags.`
      )
    }
  }

  private validateTag(key: string, value: string, uc: boolean): void {
    if (uc) {
      if (/[.,\-=/:]/.test(key) || key.trim() !== key) {
        throw new ApiError(
          'INVALID_PARAMETER_VALUE',
          `Invalid tag key '${key}': the characters . , - = / : are not allowed.`
        )
      }
      if (key.length > 255)
        throw new ApiError('INVALID_PARAMETER_VALUE', 'Tag key exceeds 255 characters.')
      if (value.length > 1000)
        throw new ApiError('INVALID_PARAMETER_VALUE', 'Tag value exceeds 1000 characters.')
      return
    }
    const normalised = posixNormalise(key)
    if (!/^[/\w.\- :]*$/.test(key)) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${JSON.stringify(key)} for parameter 'key' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`
      )
    }
    if (normalised !== key || key === '.' || key.startsWith('..') || key.startsWith('/')) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${JSON.stringify(key)} for parameter 'key' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`
      )
    }
    if (key.length > 250)
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        "'key' exceeds the maximum length of 250 characters"
      )
    if ([...value].length > 5000) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        "'value' exceeds the maximum length of 5000 characters"
      )
    }
  }

  private getByAlias(r: Request): unknown {
    const name = str(r.params.name)
    const alias = str(r.params.alias)
    const model = this.models.get(name)
    if (r.uc) this.checkName(name, true)
    let version: string | undefined
    if (model && this.visible(model, r)) {
      version =
        alias.toLowerCase() === 'latest'
          ? String(Math.max(...[...model.versions.keys()].map(Number)))
          : model.aliases.get(alias)
    }
    if (!model || version === undefined) {
      if (r.uc)
        throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Alias ${alias} of ${name} not found.`)
      throw new ApiError('INVALID_PARAMETER_VALUE', `Registered model alias ${alias} not found.`)
    }
    return { model_version: this.mvJson(model, this.versionOf(model, version), r.uc, true) }
  }

  private transition(r: Request): unknown {
    const model = this.modelOf(r, str(r.params.name))
    const version = this.versionOf(model, str(r.params.version))
    const requested = str(r.params.stage)
    const stage = STAGES.find(s => s.toLowerCase() === requested.toLowerCase())
    if (!stage) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        `Invalid Model Version stage: ${requested}. Value must be one of None, Staging, Production, Archived.`
      )
    }
    const archive = r.params.archive_existing_versions === true
    if (archive && (stage === 'Staging' || stage === 'Production')) {
      for (const other of model.versions.values()) {
        if (other !== version && other.stage === stage) {
          other.stage = 'Archived'
          other.lastUpdated = this.now()
        }
      }
    }
    version.stage = stage
    version.lastUpdated = this.now()
    return { model_version: this.mvJson(model, version, false, true) }
  }

  private getRun(r: Request): unknown {
    const id = str(r.params.run_id) || str(r.params.run_uuid)
    if (!id) {
      throw new ApiError(
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters."
      )
    }
    const run = this.runs.get(id)
    if (!run) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found`)
    const latest = new Map<string, MetricPoint>()
    for (const point of run.metrics) {
      const seen = latest.get(point.key)
      if (
        !seen ||
        point.step > seen.step ||
        (point.step === seen.step && point.timestamp >= seen.timestamp)
      ) {
        latest.set(point.key, point)
      }
    }
    return {
      run: {
        info: {
          run_id: run.runId,
          run_uuid: run.runId,
          experiment_id: run.experimentId,
          user_id: run.userId,
          status: 'FINISHED',
          start_time: run.start,
          end_time: run.start + 1000,
          artifact_uri: `mlflow-artifacts:/1/${run.runId}/artifacts`,
          lifecycle_stage: 'active'
        },
        data: omitEmpty({
          metrics: [...latest.values()].map(p => ({
            key: p.key,
            value: jsonDouble(p.value),
            timestamp: p.timestamp,
            step: p.step
          })),
          params: [...run.params].map(([key, value]) => ({ key, value })),
          tags: [...run.tags].map(([key, value]) => ({ key, value }))
        })
      }
    }
  }

  private searchModels(r: Request): unknown {
    const filter = r.params.filter === undefined ? undefined : str(r.params.filter)
    let names = [...this.models.values()]
      .filter(m => this.visible(m, r))
      .map(m => m.name)
      .sort()
    if (filter) {
      const match = /^name\s*=\s*'([^']*)'$/.exec(filter.trim())
      if (!match) throw new ApiError('INVALID_PARAMETER_VALUE', `Unsupported filter: ${filter}`)
      names = names.filter(n => n === match[1])
    }
    const { page, next } = paginate(names, r.params)
    return omitEmpty({
      // 2.7.1's searches answer `aliases: null`.
      registered_models: page.map(n => ({
        ...(this.rmJson(this.model(n), r.uc) as object),
        aliases: null
      })),
      ...(next ? { next_page_token: next } : {})
    })
  }

  private searchVersions(r: Request, uc: boolean): unknown {
    const filter = str(r.params.filter ?? '')
    const match = /^name\s*=\s*'([^']*)'$/.exec(filter.trim())
    if (filter && !match)
      throw new ApiError('INVALID_PARAMETER_VALUE', `Unsupported filter: ${filter}`)
    const models = [...this.models.values()].filter(
      m => this.visible(m, r) && (!match || m.name === match[1])
    )
    const versions = models.flatMap(m =>
      [...m.versions.values()]
        .sort((a, b) => Number(b.version) - Number(a.version))
        .map(v => ({ m, v }))
    )
    const { page, next } = paginate(versions, r.params)
    return omitEmpty({
      model_versions: page.map(({ m, v }) => ({
        ...(this.mvJson(m, v, uc, false) as object),
        aliases: null
      })),
      ...(next ? { next_page_token: next } : {})
    })
  }

  private rmJson(model: ModelState, uc: boolean): unknown {
    const latest = new Map<string, VersionState>()
    for (const v of model.versions.values()) {
      if (v.status !== 'READY') continue
      const seen = latest.get(v.stage)
      if (!seen || Number(v.version) > Number(seen.version)) latest.set(v.stage, v)
    }
    return omitEmpty({
      name: model.name,
      creation_timestamp: model.creation,
      last_updated_timestamp: model.lastUpdated,
      ...(model.description ? { description: model.description } : {}),
      ...(uc
        ? {}
        : { latest_versions: [...latest.values()].map(v => this.mvJson(model, v, false, false)) }),
      tags: [...model.tags].map(([key, value]) => ({ key, value })),
      aliases: [...model.aliases].map(([alias, version]) => ({ alias, version }))
    })
  }

  private mvJson(model: ModelState, v: VersionState, uc: boolean, withAliases: boolean): unknown {
    const aliases = [...model.aliases].filter(([, version]) => version === v.version)
    return omitEmpty({
      name: model.name,
      version: v.version,
      creation_timestamp: v.creation,
      last_updated_timestamp: v.lastUpdated,
      user_id: v.userId,
      ...(uc ? {} : { current_stage: v.stage }),
      source: v.source,
      ...(v.runId ? { run_id: v.runId } : {}),
      status: v.status,
      tags: [...v.tags].map(([key, value]) => ({ key, value })),
      ...(withAliases
        ? {
            aliases: uc
              ? aliases.map(([alias, version]) => ({ alias, version }))
              : aliases.map(([alias]) => alias)
          }
        : {})
    })
  }
}

function error(code: string, message: string): { error_code: string; message: string } {
  return { error_code: code, message }
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value)
}

function typeMatches(value: unknown, type: FieldType, fromQuery: boolean): boolean {
  if (fromQuery) return true // a query string has only strings; the proto parses them
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'int':
      return (
        (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && /^-?\d+$/.test(value))
      )
    case 'bool':
      return typeof value === 'boolean'
    case 'array':
      return Array.isArray(value)
  }
}

function pyType(value: unknown): string {
  if (value === null) return 'NoneType'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  return Array.isArray(value) ? 'list' : 'dict'
}

function pyRepr(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'string' || typeof value === 'number') return String(value)
  return JSON.stringify(value)
}

function validateAlias(alias: string): void {
  if (!alias)
    throw new ApiError('INVALID_PARAMETER_VALUE', 'Registered model alias name cannot be empty.')
  if (!/^[\w-]*$/.test(alias)) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`
    )
  }
  if (alias.length > 255) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      "'Registered model alias name' exceeds the maximum length of 255 characters"
    )
  }
  if (alias.toLowerCase() === 'latest') {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      "'latest' alias name (case insensitive) is reserved."
    )
  }
  if (/^[vV]\d+$/.test(alias))
    throw new ApiError('INVALID_PARAMETER_VALUE', `Version alias name '${alias}' is reserved.`)
}

function validateVersion(version: string): void {
  if (!/^-?\d+$/.test(version.trim())) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Parameter 'version' must be an integer, got '${version}'.`
    )
  }
}

function posixNormalise(path: string): string {
  if (path === '') return '.'
  const absolute = path.startsWith('/')
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop()
    else if (part !== '..' || !absolute) parts.push(part)
  }
  const joined = parts.join('/')
  return absolute ? `/${joined}` : joined || '.'
}

/** The SQL store clamps ±Infinity to ±DBL_MAX; NaN comes back as the string "NaN". */
function jsonDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE
  return value
}

/** MLflow leaves empty lists out of its answers. */
function omitEmpty<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(object).filter(([, v]) => !(Array.isArray(v) && v.length === 0))
  ) as Partial<T>
}

function paginate<T>(items: T[], params: Record<string, unknown>): { page: T[]; next?: string } {
  const max = params.max_results === undefined ? 100 : Number(params.max_results)
  if (!Number.isInteger(max) || max < 1) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value for request parameter max_results: ${String(params.max_results)}`
    )
  }
  const start = params.page_token
    ? Number(Buffer.from(String(params.page_token), 'base64').toString())
    : 0
  const page = items.slice(start, start + max)
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64') : undefined
  return next ? { page, next } : { page }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Starts a stand-in on 127.0.0.1 (a free port); `close()` it in afterAll. */
export async function startMlflowStandIn(options: StandInOptions = {}): Promise<MlflowStandIn> {
  const server = createServer()
  const standIn = new MlflowStandIn(server, options)
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    standIn.handle(req, res).catch(e => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(error('INTERNAL_ERROR', String(e))))
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  standIn.url = `http://127.0.0.1:${port}`
  return standIn
}
