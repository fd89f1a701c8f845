import { JsonSyntaxError, parseJson, type JsonNode, type JsonPosition } from './json.js'
import { invalid } from './problems.js'

export interface ParsedMetrics {
  /** Finite numbers, flattened with dots: `eval.accuracy`. */
  metrics: Record<string, number>
  /** Every other leaf, with why it is not a metric. */
  invalidMetrics: Record<string, string>
}

/**
 * Parse the text of `metrics.json`. `file` names it in errors.
 *
 * - Python's `NaN`, `Infinity` and `-Infinity` tokens are read, and land in
 *   `invalidMetrics` (`is NaN`, `is infinite (...)`), as does a number too
 *   large for a double (`1e999`).
 * - Nested objects are flattened with dots. Two keys that flatten to the same
 *   name (`{"a.b": 1, "a": {"b": 2}}`) are an error, as is a key given twice
 *   or an empty key: the file would say two things at once.
 * - Strings, booleans, null, arrays and empty nested objects are not metrics.
 * - The top level must be an object; `{}` is fine (gates fail on what is missing).
 */
export function parseMetrics(text: string, file: string): ParsedMetrics {
  let root: JsonNode
  try {
    root = parseJson(text, { allowNonFinite: true })
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = error.position
      throw invalid(
        `${file} is not valid JSON`,
        [{ file, line, column, problem: error.message }],
        error
      )
    }
    throw error
  }
  if (root.kind !== 'object') {
    const problem = `the top level must be an object of metrics, not ${describeKind(root)}`
    throw invalid(`Invalid ${file}`, [
      { file, line: root.pos.line, column: root.pos.column, problem }
    ])
  }

  // Null-prototype records: a lookup of `constructor` or `toString` finds nothing, not a function.
  const result: ParsedMetrics = {
    metrics: Object.create(null) as Record<string, number>,
    invalidMetrics: Object.create(null) as Record<string, string>
  }
  const seen = new Map<string, JsonPosition>()
  const fail = (pos: JsonPosition, keyPath: string, problem: string): never => {
    throw invalid(`Invalid ${file}`, [
      { file, line: pos.line, column: pos.column, keyPath, problem }
    ])
  }

  const visit = (node: Extract<JsonNode, { kind: 'object' }>, prefix: string): void => {
    for (const { key, keyPos, value } of node.entries) {
      const name = prefix === '' ? key : `${prefix}.${key}`
      if (key === '') fail(keyPos, name, 'a metric name (or part of one) is empty')
      if (value.kind === 'object' && value.entries.length > 0) {
        visit(value, name)
        continue
      }
      const first = seen.get(name)
      if (first) {
        fail(
          keyPos,
          name,
          `the metric "${name}" is given twice (also at line ${first.line}, column ${first.column})`
        )
      }
      seen.set(name, keyPos)
      const reason = whyNotAMetric(value)
      if (reason === undefined && value.kind === 'number') {
        setOwn(result.metrics, name, value.value)
      } else {
        setOwn(result.invalidMetrics, name, reason ?? 'is not a number')
      }
    }
  }
  visit(root, '')
  return result
}

/** Why a leaf is not a usable metric, or undefined when it is a finite number. */
function whyNotAMetric(node: JsonNode): string | undefined {
  switch (node.kind) {
    case 'number':
      if (Number.isNaN(node.value)) return 'is NaN'
      if (!Number.isFinite(node.value)) {
        return node.raw.includes('Infinity')
          ? `is infinite (${node.raw})`
          : `is infinite (${node.raw} overflows a double)`
      }
      return undefined
    case 'string':
      return `is a string (${quote(node.value)})`
    case 'boolean':
      return `is a boolean (${node.value})`
    case 'null':
      return 'is null'
    case 'array':
      return 'is an array'
    case 'object':
      return 'is an empty object'
  }
}

function describeKind(node: JsonNode): string {
  switch (node.kind) {
    case 'array':
      return 'an array'
    case 'string':
      return 'a string'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'a boolean'
    case 'null':
      return 'null'
    case 'object':
      return 'an object'
  }
}

function quote(value: string): string {
  const max = 40
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value)
}

/** Assign without ever touching a prototype, whatever the key (`__proto__` included). */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true
  })
}
