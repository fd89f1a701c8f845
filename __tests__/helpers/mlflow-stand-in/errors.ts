// MLflow's error answers and its request checks: the error codes with their HTTP statuses, the
// field types the protobuf parser accepts, and the name, tag, alias and version rules of
// mlflow/utils/validation.py (OSS) and the Unity Catalog service. Each check throws an ApiError
// carrying the code and the message a real server sends.

export class ApiError extends Error {
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

/** Databricks: "You can assign a maximum of 50 tags to a single securable object." */
const UC_MAX_TAGS = 50

export type FieldType = 'string' | 'int' | 'bool' | 'array'
export interface FieldSpec {
  type: FieldType
  required?: boolean
}

export function error(code: string, message: string): { error_code: string; message: string } {
  return { error_code: code, message }
}

export function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value)
}

export function typeMatches(value: unknown, type: FieldType, fromQuery: boolean): boolean {
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

export function pyType(value: unknown): string {
  if (value === null) return 'NoneType'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  return Array.isArray(value) ? 'list' : 'dict'
}

export function pyRepr(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'string' || typeof value === 'number') return String(value)
  return JSON.stringify(value)
}

export function checkName(name: string, uc: boolean): void {
  if (uc && name.split('.').length !== 3) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Model name '${name}' is not a three-level name (catalog.schema.model).`
    )
  }
}

/** Unity Catalog: at most 50 tags on one securable object (a registered model, a model version). */
export function checkTagCount(tags: Map<string, string>, key: string, uc: boolean): void {
  if (uc && !tags.has(key) && tags.size >= UC_MAX_TAGS) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Cannot add tag '${key}': an object can have at most ${UC_MAX_TAGS} tags.`
    )
  }
}

export function validateTag(key: string, value: string, uc: boolean): void {
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

export function validateAlias(alias: string): void {
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

export function validateVersion(version: string): void {
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
