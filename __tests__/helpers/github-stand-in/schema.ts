// A validator for the subset of OpenAPI 3.0 schema objects that GitHub's REST description uses.
// The keywords below are every validation keyword found in api.github.com.json (measured when
// this was written); annotations (description, example, title, default, deprecated, x-*) are
// ignored. Small enough to read in one sitting, so no JSON-Schema library is needed.

export type Schema = { [keyword: string]: unknown }

/** One reason a value does not fit, located by a path such as `body.labels[0]`. */
export interface Problem {
  at: string
  message: string
}

/** Every validation keyword the validator understands; the spec cache keeps only these. */
export const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  '$ref',
  'type',
  'nullable',
  'enum',
  'format',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'readOnly',
  'writeOnly'
])

export type ResolveRef = (ref: string) => Schema

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i
const patternCache = new Map<string, RegExp | null>()

export class SchemaValidator {
  constructor(private readonly resolve: ResolveRef) {}

  /** Returns every problem found; an empty list means the value fits. */
  validate(schema: Schema, value: unknown, at: string): Problem[] {
    const problems: Problem[] = []
    this.check(schema, value, at, problems, 0)
    return problems
  }

  private deref(schema: Schema): Schema {
    let current = schema
    for (let hops = 0; typeof current.$ref === 'string'; hops++) {
      if (hops > 32) throw new Error(`$ref chain too long at ${String(schema.$ref)}`)
      current = this.resolve(current.$ref as string)
    }
    return current
  }

  private check(raw: Schema, value: unknown, at: string, problems: Problem[], depth: number): void {
    if (depth > 64) return // the spec has recursive schemas; real payloads are never this deep
    const schema = this.deref(raw)
    if (value === null && schema.nullable === true) return

    for (const sub of (schema.allOf as Schema[] | undefined) ?? []) {
      this.check(sub, value, at, problems, depth + 1)
    }
    // oneOf is checked as anyOf: GitHub's alternatives overlap (objects without
    // additionalProperties: false), so "exactly one" would reject requests GitHub accepts.
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const alternatives = schema[keyword] as Schema[] | undefined
      if (alternatives) this.checkAlternatives(keyword, alternatives, value, at, problems, depth)
    }
    if (schema.not && this.validateAt(schema.not as Schema, value, at, depth).length === 0) {
      problems.push({ at, message: 'matches a shape that is not allowed here' })
    }

    if (value === null) {
      const types = typeList(schema.type)
      const allowsNull =
        schema.nullable === true ||
        types.includes('null') ||
        (Array.isArray(schema.enum) && schema.enum.includes(null))
      if (!allowsNull && (types.length > 0 || Array.isArray(schema.enum))) {
        problems.push({ at, message: `is null, expected ${describeType(schema)}` })
      }
      return
    }

    const types = typeList(schema.type).filter(type => type !== 'null')
    if (types.length > 0 && !types.some(type => hasType(value, type))) {
      problems.push({ at, message: `is ${describeValue(value)}, expected ${types.join(' or ')}` })
      return
    }

    if (Array.isArray(schema.enum) && !schema.enum.some(option => option === value)) {
      problems.push({
        at,
        message: `is ${describeValue(value)}, expected one of ${JSON.stringify(schema.enum)}`
      })
    }

    if (typeof value === 'string') this.checkString(schema, value, at, problems)
    else if (typeof value === 'number') checkNumber(schema, value, at, problems)
    else if (Array.isArray(value)) this.checkArray(schema, value, at, problems, depth)
    else if (typeof value === 'object')
      this.checkObject(schema, value as object, at, problems, depth)
  }

  private validateAt(schema: Schema, value: unknown, at: string, depth: number): Problem[] {
    const problems: Problem[] = []
    this.check(schema, value, at, problems, depth + 1)
    return problems
  }

  private checkAlternatives(
    keyword: string,
    alternatives: Schema[],
    value: unknown,
    at: string,
    problems: Problem[],
    depth: number
  ): void {
    let closest: Problem[] | undefined
    for (const alternative of alternatives) {
      const found = this.validateAt(alternative, value, at, depth)
      if (found.length === 0) return
      if (!closest || found.length < closest.length) closest = found
    }
    problems.push({
      at,
      message:
        `matches none of the ${alternatives.length} shapes allowed by ${keyword}` +
        (closest?.length ? `; closest: ${closest.map(formatProblem).join('; ')}` : '')
    })
  }

  private checkString(schema: Schema, value: string, at: string, problems: Problem[]): void {
    const length = [...value].length
    if (typeof schema.minLength === 'number' && length < schema.minLength) {
      problems.push({ at, message: `is shorter than ${schema.minLength} characters` })
    }
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
      problems.push({ at, message: `is longer than ${schema.maxLength} characters` })
    }
    if (typeof schema.pattern === 'string') {
      const pattern = compilePattern(schema.pattern)
      if (pattern && !pattern.test(value)) {
        problems.push({ at, message: `${JSON.stringify(value)} does not match ${schema.pattern}` })
      }
    }
    if (schema.format === 'date-time' && !(DATE_TIME.test(value) && !isNaN(Date.parse(value)))) {
      problems.push({ at, message: `${JSON.stringify(value)} is not an ISO 8601 date-time` })
    }
  }

  private checkArray(
    schema: Schema,
    value: unknown[],
    at: string,
    problems: Problem[],
    depth: number
  ): void {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      problems.push({
        at,
        message: `has ${value.length} items, at least ${schema.minItems} needed`
      })
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      problems.push({
        at,
        message: `has ${value.length} items, at most ${schema.maxItems} allowed`
      })
    }
    if (schema.uniqueItems === true) {
      const seen = new Set(value.map(item => JSON.stringify(item)))
      if (seen.size !== value.length) problems.push({ at, message: 'has duplicate items' })
    }
    if (schema.items && typeof schema.items === 'object') {
      value.forEach((item, index) =>
        this.check(schema.items as Schema, item, `${at}[${index}]`, problems, depth + 1)
      )
    }
  }

  private checkObject(
    schema: Schema,
    value: object,
    at: string,
    problems: Problem[],
    depth: number
  ): void {
    const record = value as Record<string, unknown>
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {}
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (record[name] === undefined) {
        problems.push({ at: `${at}.${name}`, message: "is required but wasn't supplied" })
      }
    }
    const keys = Object.keys(record).filter(key => record[key] !== undefined)
    if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) {
      problems.push({
        at,
        message: `has ${keys.length} properties, at least ${schema.minProperties}`
      })
    }
    if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) {
      problems.push({
        at,
        message: `has ${keys.length} properties, at most ${schema.maxProperties}`
      })
    }
    for (const key of keys) {
      const property = properties[key]
      if (property) {
        this.check(property, record[key], `${at}.${key}`, problems, depth + 1)
      } else if (schema.additionalProperties === false) {
        problems.push({ at: `${at}.${key}`, message: 'is not a known property (none allowed)' })
      } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const extra = schema.additionalProperties as Schema
        this.check(extra, record[key], `${at}.${key}`, problems, depth + 1)
      }
    }
  }
}

function checkNumber(schema: Schema, value: number, at: string, problems: Problem[]): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema
  if (typeof minimum === 'number') {
    if (exclusiveMinimum === true ? value <= minimum : value < minimum) {
      problems.push({ at, message: `is ${value}, below the minimum ${minimum}` })
    }
  }
  if (typeof maximum === 'number') {
    if (exclusiveMaximum === true ? value >= maximum : value > maximum) {
      problems.push({ at, message: `is ${value}, above the maximum ${maximum}` })
    }
  }
}

function compilePattern(source: string): RegExp | null {
  let compiled = patternCache.get(source)
  if (compiled === undefined) {
    try {
      compiled = new RegExp(source, 'u')
    } catch {
      compiled = null // a pattern in a dialect JavaScript does not read is skipped, not guessed at
    }
    patternCache.set(source, compiled)
  }
  return compiled
}

function typeList(type: unknown): string[] {
  if (typeof type === 'string') return [type]
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === 'string')
  return []
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'array':
      return Array.isArray(value)
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    default:
      return true
  }
}

function describeType(schema: Schema): string {
  const types = typeList(schema.type)
  if (types.length > 0) return types.join(' or ')
  if (Array.isArray(schema.enum)) return `one of ${JSON.stringify(schema.enum)}`
  return 'a value'
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
    return `the string ${JSON.stringify(shown)}`
  }
  if (typeof value === 'number')
    return `${Number.isInteger(value) ? 'the integer' : 'the number'} ${value}`
  return `${typeof value} ${String(value)}`
}

export function formatProblem(problem: Problem): string {
  return `${problem.at} ${problem.message}`
}
