import type { z } from 'zod'

/**
 * Plain-word messages for zod issues, used as the per-parse error map: a message
 * the schema sets itself (a regex rule, a refinement) takes precedence over these.
 * Each message completes a sentence whose subject is the key path, e.g.
 * `stages.staging.thresholds.accuracy.min: must be a number, got the string "0.85"`.
 */
export function plainMessage(issue: z.core.$ZodRawIssue): string {
  const got = `, got ${describeValue(issue.input)}`
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required'
      return `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}${got}`
    case 'invalid_value':
      return `must be ${oneOf(issue.values)}${got}`
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && Array.isArray(issue.options)) {
        // The issue's input is the whole mapping; its path ends at the discriminator key.
        const value = (issue.input as Record<string, unknown>)[issue.discriminator]
        const options = oneOf(issue.options)
        if (value === undefined) return `is required: ${options}`
        return `must be ${options}, got ${describeValue(value)}`
      }
      return `does not match any of the allowed forms${got}`
    case 'too_small':
      return `${bound(issue.origin, issue.minimum, issue.inclusive, 'least', 'more')}${got}`
    case 'too_big':
      return `${bound(issue.origin, issue.maximum, issue.inclusive, 'most', 'less')}${got}`
    case 'invalid_format':
      if (issue.format === 'regex') return `must match the pattern ${issue.pattern ?? ''}${got}`
      return `must be a valid ${issue.format}${got}`
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}${got}`
    case 'unrecognized_keys':
      return `allowed here: ${allowedKeys(issue.inst).join(', ') || 'none'}`
    case 'invalid_key':
      return `is not a valid name: ${issue.issues.map(inner => inner.message).join('; ')}`
    default:
      return 'is not valid'
  }
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)'
}

/** How a YAML value reads in a message: `the string "0.85"`, `the number 3`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'an empty value'
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
    return `the string ${JSON.stringify(shown)}`
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan (not a number)'
    if (!Number.isFinite(value)) return `${value > 0 ? '' : '-'}.inf (infinite)`
    return `the number ${value}`
  }
  if (typeof value === 'boolean') return `${value}`
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return typeof value
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map(v => JSON.stringify(v))
  return shown.length === 1 ? `${shown[0]}` : `one of ${shown.join(', ')}`
}

function bound(
  origin: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
  inclusiveWord: 'least' | 'most',
  exclusiveWord: 'more' | 'less'
): string {
  if (origin === 'array') {
    return `must list at ${inclusiveWord} ${limit} item${limit === 1 ? '' : 's'}`
  }
  if (origin === 'string') {
    if (inclusiveWord === 'least' && limit === 1) return 'must not be empty'
    return `must be at ${inclusiveWord} ${limit} characters long`
  }
  return inclusive === false
    ? `must be ${exclusiveWord} than ${limit}`
    : `must be at ${inclusiveWord} ${limit}`
}

/** The keys a strict object accepts, read from the schema that raised the issue. */
function allowedKeys(inst: unknown): string[] {
  const shape = (inst as { shape?: unknown } | undefined)?.shape
  return shape && typeof shape === 'object' ? Object.keys(shape) : []
}
