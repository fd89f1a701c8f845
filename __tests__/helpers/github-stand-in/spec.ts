// GitHub's REST description (@octokit/openapi), loaded once per process and indexed for the
// stand-in: every route and method, each operation's parameters and JSON request body, and,
// for the operations the stand-in answers, the success response schema and example.
//
// The source is generated/api.github.com.json: the same description as the .deref.json file
// with its $refs kept, a sixth of the size (13 MB against 73 MB), so refs are resolved on
// demand instead of parsing every inlined copy. What the stand-in keeps of it (about 0.6 MB:
// the validation keywords and the component schemas they reach) is cached under
// node_modules/.cache, keyed by the package version, the file's size and mtime and the
// operation list, so later test files skip the 13 MB parse. Validation uses the spec's own
// schemas either way; the cache is a projection, never a hand-written copy.

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { SCHEMA_KEYWORDS, SchemaValidator, type Schema } from './schema.js'

const FORMAT = 4
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

export interface Parameter {
  name: string
  in: string
  required: boolean
  schema: Schema
  /** `x-multi-segment`: the value may contain `/` unencoded (contents paths, refs, branches). */
  multiSegment: boolean
}

export interface Operation {
  method: string
  path: string
  operationId: string
  /** The REST docs page, what GitHub puts in `documentation_url`. */
  docsUrl?: string
  parameters: Parameter[]
  requestBody?: { required: boolean; contentTypes: string[]; schema?: Schema }
  /** Kept only for the operations the stand-in answers. */
  response?: { status: number; schema?: Schema; example?: unknown }
}

interface IndexData {
  format: number
  key: string
  specVersion: string
  operations: Operation[]
  refs: Record<string, Schema>
}

export type MatchResult =
  | { kind: 'match'; operation: Operation; params: Record<string, string> }
  | { kind: 'no-route' }
  | { kind: 'no-method'; template: string; allowed: string[] }

type Segment = { literal: string } | { param: string; multi: boolean }

interface Route {
  template: string
  segments: Segment[]
  literals: number
  methods: Map<string, Operation>
}

export interface SpecStats {
  source: 'spec' | 'cache'
  specVersion: string
  loadMs: number
  operations: number
  cacheFile?: string
}

export class Spec {
  readonly validator: SchemaValidator
  private readonly byId = new Map<string, Operation>()
  private routes: Map<string, Route[]> | undefined

  constructor(
    private readonly data: IndexData,
    readonly stats: SpecStats
  ) {
    this.validator = new SchemaValidator(ref => this.resolve(ref))
    for (const operation of data.operations) this.byId.set(operation.operationId, operation)
  }

  resolve(ref: string): Schema {
    const schema = this.data.refs[ref]
    if (!schema) throw new Error(`the OpenAPI index has no ${ref}`)
    return schema
  }

  operation(operationId: string): Operation | undefined {
    return this.byId.get(operationId)
  }

  /** Every operation of the description, in its order. */
  operations(): readonly Operation[] {
    return this.data.operations
  }

  /** Finds the operation for a request path (raw, percent-encoded) and method. */
  match(method: string, rawPath: string): MatchResult {
    const segments = rawPath.split('/').slice(1).map(safeDecode)
    const candidates: { route: Route; params: Record<string, string> }[] = []
    for (const route of this.routeTable().get(segments[0] ?? '') ?? []) {
      const params = matchSegments(route.segments, segments)
      if (params) candidates.push({ route, params })
    }
    if (candidates.length === 0) return { kind: 'no-route' }
    // A literal segment beats a parameter (`/pulls/comments` over `/pulls/{pull_number}`).
    candidates.sort((a, b) => b.route.literals - a.route.literals)
    const wanted = method.toLowerCase()
    for (const { route, params } of candidates) {
      const operation = route.methods.get(wanted)
      if (operation) return { kind: 'match', operation, params }
    }
    const first = candidates[0]!.route
    return {
      kind: 'no-method',
      template: first.template,
      allowed: [...new Set(candidates.flatMap(c => [...c.route.methods.keys()]))].map(m =>
        m.toUpperCase()
      )
    }
  }

  private routeTable(): Map<string, Route[]> {
    if (this.routes) return this.routes
    const byTemplate = new Map<string, Route>()
    for (const operation of this.data.operations) {
      let route = byTemplate.get(operation.path)
      if (!route) {
        const segments = compileTemplate(operation.path)
        route = {
          template: operation.path,
          segments,
          literals: segments.filter(s => 'literal' in s).length,
          methods: new Map()
        }
        byTemplate.set(operation.path, route)
      }
      route.methods.set(operation.method, operation)
      // A parameter is multi-segment when any method on the path says so.
      for (const parameter of operation.parameters) {
        if (parameter.in !== 'path' || !parameter.multiSegment) continue
        for (const segment of route.segments) {
          if ('param' in segment && segment.param === parameter.name) segment.multi = true
        }
      }
    }
    const table = new Map<string, Route[]>()
    for (const route of byTemplate.values()) {
      const first = route.segments[0]
      const key = first && 'literal' in first ? first.literal : ''
      table.set(key, [...(table.get(key) ?? []), route])
    }
    this.routes = table
    return table
  }
}

function compileTemplate(template: string): Segment[] {
  return template
    .split('/')
    .slice(1)
    .map(part => {
      const param = /^\{([^}]+)\}$/.exec(part)
      return param ? { param: param[1]!, multi: false } : { literal: part }
    })
}

function matchSegments(route: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  const walk = (i: number, j: number): boolean => {
    if (i === route.length) return j === parts.length
    const segment = route[i]!
    if ('literal' in segment) return parts[j] === segment.literal && walk(i + 1, j + 1)
    if (j >= parts.length || parts[j] === '') return false
    const last = segment.multi ? parts.length : j + 1
    for (let k = last; k > j; k--) {
      params[segment.param] = parts.slice(j, k).join('/')
      if (walk(i + 1, k)) return true
    }
    delete params[segment.param]
    return false
  }
  return walk(0, 0) ? params : undefined
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

// ---------------------------------------------------------------------------------------------
// Loading: once per process (per jest test file), from the cache when it is current.

const require = createRequire(import.meta.url)
const loaded = new Map<string, Spec>()

export function specFile(): string {
  return require.resolve('@octokit/openapi/generated/api.github.com.json')
}

/**
 * The indexed description; `responseOperations` are the operationIds whose success
 * response schema and example are kept (the ones the stand-in answers).
 */
export function loadSpec(responseOperations: readonly string[], useCache = true): Spec {
  const ids = [...new Set(responseOperations)].sort()
  const memoKey = `${useCache}:${ids.join(',')}`
  const memo = loaded.get(memoKey)
  if (memo) return memo

  const started = performance.now()
  const file = specFile()
  const packageJson = path.join(path.dirname(file), '..', 'package.json')
  const specVersion = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
  const stat = statSync(file)
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, specVersion, stat.size, stat.mtimeMs, ids]))
    .digest('hex')
    .slice(0, 16)
  const cacheFile = cachePath(file, key)

  let data = useCache ? readCache(cacheFile, key) : undefined
  const source = data ? 'cache' : 'spec'
  if (!data) {
    const spec = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument
    data = buildIndex(spec, ids, key, specVersion)
    if (useCache) writeCache(cacheFile, data)
  }
  const result = new Spec(data, {
    source,
    specVersion,
    loadMs: Math.round(performance.now() - started),
    operations: data.operations.length,
    cacheFile: useCache ? cacheFile : undefined
  })
  loaded.set(memoKey, result)
  return result
}

function cachePath(specPath: string, key: string): string {
  const nodeModules = specPath.slice(0, specPath.lastIndexOf(`${path.sep}node_modules${path.sep}`))
  return path.join(
    nodeModules,
    'node_modules',
    '.cache',
    'modelgate-github-stand-in',
    `spec-index-${key}.json`
  )
}

function readCache(file: string, key: string): IndexData | undefined {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as IndexData
    return data.format === FORMAT && data.key === key ? data : undefined
  } catch {
    return undefined
  }
}

function writeCache(file: string, data: IndexData): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`
    writeFileSync(temporary, JSON.stringify(data))
    renameSync(temporary, file) // atomic: parallel jest workers never read half a file
  } catch {
    // A read-only node_modules only costs the next process the full parse.
  }
}

// ---------------------------------------------------------------------------------------------
// Building the index from the full description.

type Json = Record<string, unknown>

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>
  components: Record<string, Record<string, unknown>>
}

export function buildIndex(
  spec: OpenApiDocument,
  responseOperations: readonly string[],
  key = '',
  specVersion = ''
): IndexData {
  const wantResponse = new Set(responseOperations)
  const lookup = (ref: string): Json => {
    if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref} is not supported`)
    let node: unknown = spec
    for (const part of ref.slice(2).split('/')) {
      node = (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    }
    if (!node || typeof node !== 'object') throw new Error(`$ref ${ref} does not resolve`)
    return node as Json
  }
  const follow = (node: unknown): Json => {
    let current = node as Json
    while (typeof current.$ref === 'string') current = lookup(current.$ref)
    return current
  }

  const refs: Record<string, Schema> = {}
  const pending: string[] = []
  const trim = (schema: unknown): Schema => {
    const source = schema as Json
    if (typeof source.$ref === 'string') {
      if (!(source.$ref in refs) && !pending.includes(source.$ref)) pending.push(source.$ref)
      return { $ref: source.$ref }
    }
    const out: Schema = {}
    for (const [keyword, value] of Object.entries(source)) {
      if (!SCHEMA_KEYWORDS.has(keyword)) continue
      if (keyword === 'properties') {
        out.properties = Object.fromEntries(
          Object.entries(value as Json).map(([name, sub]) => [name, trim(sub)])
        )
      } else if (keyword === 'items' || keyword === 'not') {
        out[keyword] = trim(value)
      } else if (keyword === 'additionalProperties') {
        out[keyword] = typeof value === 'object' && value !== null ? trim(value) : value
      } else if (keyword === 'allOf' || keyword === 'oneOf' || keyword === 'anyOf') {
        out[keyword] = (value as unknown[]).map(trim)
      } else {
        out[keyword] = value
      }
    }
    return out
  }

  const operations: Operation[] = []
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = (item.parameters as unknown[] | undefined) ?? []
    for (const method of METHODS) {
      const op = item[method] as Json | undefined
      if (!op) continue
      const operationId = String(op.operationId)
      const parameters = [...shared, ...((op.parameters as unknown[] | undefined) ?? [])].map(
        raw => {
          const parameter = follow(raw)
          return {
            name: String(parameter.name),
            in: String(parameter.in),
            required: parameter.required === true,
            schema: trim(parameter.schema ?? {}),
            multiSegment: parameter['x-multi-segment'] === true
          }
        }
      )
      const docsUrl = (op.externalDocs as Json | undefined)?.url
      const operation: Operation = {
        method,
        path: template,
        operationId,
        ...(typeof docsUrl === 'string' ? { docsUrl } : {}),
        parameters
      }
      if (op.requestBody) {
        const body = follow(op.requestBody)
        const content = (body.content as Record<string, Json> | undefined) ?? {}
        const json = content['application/json']
        operation.requestBody = {
          required: body.required === true,
          contentTypes: Object.keys(content),
          ...(json?.schema ? { schema: trim(json.schema) } : {})
        }
      }
      if (wantResponse.has(operationId)) operation.response = successResponse(op, follow, trim)
      operations.push(operation)
    }
  }
  while (pending.length > 0) {
    const ref = pending.shift()!
    refs[ref] = {} // reserve first: recursive schemas refer to themselves
    refs[ref] = trim(lookup(ref))
  }
  return { format: FORMAT, key, specVersion, operations, refs }
}

function successResponse(
  op: Json,
  follow: (node: unknown) => Json,
  trim: (schema: unknown) => Schema
): Operation['response'] {
  const responses = (op.responses as Record<string, unknown> | undefined) ?? {}
  const status = Object.keys(responses).find(code => /^2\d\d$/.test(code))
  if (!status) return undefined
  const response = follow(responses[status])
  const json = (response.content as Record<string, Json> | undefined)?.['application/json']
  if (!json) return { status: Number(status) }
  const examples = (json.examples as Record<string, unknown> | undefined) ?? {}
  const firstExample = Object.values(examples)[0]
  const example = firstExample !== undefined ? follow(firstExample).value : json.example
  return {
    status: Number(status),
    ...(json.schema ? { schema: trim(json.schema) } : {}),
    ...(example !== undefined ? { example } : {})
  }
}
