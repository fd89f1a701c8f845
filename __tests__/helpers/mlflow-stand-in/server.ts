// The HTTP side: reads a request into the log, then answers in MLflow's order: authentication
// (401), the route (404 JSON or Flask's HTML, 405 HTML), `forbid` (403), an injected fault
// before or after the request takes effect, the protobuf-style parse of query or JSON body,
// and the handler's answer or its ApiError as MLflow's error JSON.

import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiError, error, pyRepr, pyType, typeMatches } from './errors.js'
import { FaultPlan, WRITE_METHODS, type Fault, type LoggedRequest } from './faults.js'
import { MlflowRoutes, UC, type Request, type Route } from './routes.js'
import { MlflowState } from './state.js'

export type StandInAuth = { token: string } | { username: string; password: string }

export interface StandInOptions {
  auth?: StandInAuth
  /** How an unknown path is answered: Databricks-style JSON (default) or Flask's HTML 404. */
  unknownRoute?: 'json' | 'html'
  /** 403 PERMISSION_DENIED for the requests it returns true for. */
  forbid?: (request: LoggedRequest) => boolean
  now?: () => number
}

export class MlflowStandIn extends MlflowState {
  readonly log: LoggedRequest[] = []
  private readonly faults = new FaultPlan()
  private readonly routes: MlflowRoutes
  url = ''

  constructor(
    private readonly server: Server,
    private readonly options: StandInOptions
  ) {
    super(options.now)
    this.routes = new MlflowRoutes(this)
  }

  // ---- test API (the registry's own seeding and reading methods are MlflowState's) ----------

  addFault(fault: Fault): void {
    this.faults.add(fault)
  }

  clearFaults(): void {
    this.faults.clear()
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
    const byMethod = this.routes.table.get(url.pathname)
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

    const fault = this.faults.firing(logged)
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
    if (route.text && status === 200) {
      logged.status = 200
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end(String(answer))
      return
    }
    this.send(res, logged, status, answer)
  }

  private authenticated(req: IncomingMessage): boolean {
    const auth = this.options.auth
    if (!auth) return true
    const header = req.headers.authorization ?? ''
    if ('token' in auth) return header === `Bearer ${auth.token}`
    return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
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
      if ((logged.method === 'POST' || logged.method === 'PUT') && !route.text) {
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
