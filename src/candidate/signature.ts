import { isMap, isScalar, isSeq, type Node } from 'yaml'
import type { SourceLocation } from '../errors.js'
import { JsonSyntaxError, parseJson, type JsonNode, type JsonPosition } from './json.js'
import { invalid } from './problems.js'
import type { Signature, SignatureField } from './types.js'
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js'

/**
 * Model signatures, from an MLflow `MLmodel` file or a `schema.json` feature list,
 * normalised to `SignatureField { name, type, required }`:
 *
 * - column spec `{"name":"age","type":"long","required":true}` → `age`, `long`;
 *   `required` defaults to true, `"optional": true` means not required;
 *   an unnamed column is `#index`;
 * - tensor spec `{"type":"tensor","tensor-spec":{"dtype":"float32","shape":[-1,4]}}`
 *   → type `tensor:float32[-1,4]`, name as given or `#index`;
 * - MLflow's nested types become one comparable string: `array<string>`,
 *   `map<double>`, `object{a:long,b?:string}` (properties sorted, `?` = optional).
 *
 * Two fields with the same name in one list are an error (the schema gate
 * compares by name). In `schema.json`, a ModelGate file, unknown keys are errors;
 * in `MLmodel`, written by MLflow, unknown keys are ignored so newer MLflow
 * versions keep working.
 */

type ObjectNode = Extract<JsonNode, { kind: 'object' }>
/** Where a problem at a JSON position sits in the user's file. */
type Locator = (pos: JsonPosition, keyPath: string, problem: string) => SourceLocation

const FIELD_KEYS = new Set([
  'name',
  'type',
  'required',
  'optional',
  'description',
  'tensor-spec',
  'items',
  'properties',
  'values'
])

class Problems {
  readonly locations: SourceLocation[] = []
  constructor(readonly locator: Locator) {}
  /** A problem at a node, or at a key (`{ pos: keyPos }`). */
  add(at: { pos: JsonPosition }, keyPath: string, problem: string): void {
    this.locations.push(this.locator(at.pos, keyPath, problem))
  }
}

/**
 * The signature in an `MLmodel` file, or undefined when the file has none.
 * `file` names it in errors; `source` is what `Signature.source` records.
 */
export function parseMlmodelSignature(
  text: string,
  file: string,
  source = 'MLmodel'
): Signature | undefined {
  const yaml = parseYamlSource(text, file)
  const root = yaml.doc.contents
  if (!isMap(root)) {
    throw invalid(`${file} is not an MLflow MLmodel file`, [
      locate(yaml, root, undefined, root ? 'the top level must be a mapping' : 'the file is empty')
    ])
  }
  const signatureNode = root.get('signature', true)
  if (signatureNode === undefined || (isScalar(signatureNode) && signatureNode.value === null)) {
    return undefined
  }
  if (!isMap(signatureNode)) {
    throw invalid(`Invalid signature in ${file}`, [
      locate(yaml, signatureNode, 'signature', 'must be a mapping with inputs and outputs')
    ])
  }
  const locations: SourceLocation[] = []
  const read = (side: 'inputs' | 'outputs'): SignatureField[] => {
    const node = signatureNode.get(side, true)
    const keyPath = `signature.${side}`
    if (node === undefined || (isScalar(node) && node.value === null)) {
      // MLflow may write a signature without outputs; one without inputs is broken.
      if (side === 'inputs') locations.push(locate(yaml, signatureNode, keyPath, 'is missing'))
      return []
    }
    const json = mlmodelSpecJson(yaml, node, keyPath, locations)
    if (json === undefined) return []
    const problems = new Problems((_pos, path, problem) => locate(yaml, node, path, problem))
    const fields = convertFieldList(json, keyPath, problems, false)
    locations.push(...problems.locations)
    return fields
  }
  const inputs = read('inputs')
  const outputs = read('outputs')
  if (locations.length > 0) throw invalid(`Invalid signature in ${file}`, locations)
  return { source, inputs, outputs }
}

/** MLflow writes each side as a JSON string; a YAML list is accepted too. */
function mlmodelSpecJson(
  yaml: YamlSource,
  node: Node,
  keyPath: string,
  locations: SourceLocation[]
): JsonNode | undefined {
  let text: string
  if (isScalar(node) && typeof node.value === 'string') {
    text = node.value
  } else if (isSeq(node)) {
    text = JSON.stringify(node.toJSON())
  } else {
    locations.push(
      locate(yaml, node, keyPath, 'must be a JSON string (as MLflow writes it) or a list')
    )
    return undefined
  }
  try {
    return parseJson(text)
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error
    locations.push(
      locate(
        yaml,
        node,
        keyPath,
        `invalid JSON in the signature string at its column ${error.position.column}: ${error.message}`
      )
    )
    return undefined
  }
}

/**
 * A `schema.json` feature list: `{"inputs": [...], "outputs": [...]}` (outputs
 * optional) or a bare array, which is the inputs.
 */
export function parseSchemaJson(text: string, file: string, source = 'schema.json'): Signature {
  let root: JsonNode
  try {
    root = parseJson(text)
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error
    const { line, column } = error.position
    throw invalid(
      `${file} is not valid JSON`,
      [{ file, line, column, problem: error.message }],
      error
    )
  }
  const problems = new Problems((pos, keyPath, problem) => ({
    file,
    line: pos.line,
    column: pos.column,
    ...(keyPath === '' ? {} : { keyPath }),
    problem
  }))
  let inputs: SignatureField[] = []
  let outputs: SignatureField[] = []
  if (root.kind === 'array') {
    inputs = convertFieldList(root, 'inputs', problems, true)
  } else if (root.kind === 'object') {
    let sawInputs = false
    for (const { key, keyPos, value } of root.entries) {
      if (key === 'inputs') {
        sawInputs = true
        inputs = convertFieldList(value, 'inputs', problems, true)
      } else if (key === 'outputs') {
        outputs = convertFieldList(value, 'outputs', problems, true)
      } else {
        problems.add({ pos: keyPos }, key, 'unknown key (allowed: inputs, outputs)')
      }
    }
    if (!sawInputs) problems.add(root, 'inputs', 'is missing')
  } else {
    problems.add(root, '', 'must be an object with inputs and outputs, or an array of inputs')
  }
  if (problems.locations.length > 0) throw invalid(`Invalid ${file}`, problems.locations)
  return { source, inputs, outputs }
}

function convertFieldList(
  node: JsonNode,
  keyPath: string,
  problems: Problems,
  strict: boolean
): SignatureField[] {
  if (node.kind !== 'array') {
    problems.add(node, keyPath, 'must be a list of fields')
    return []
  }
  const fields: SignatureField[] = []
  const firstIndex = new Map<string, number>()
  node.items.forEach((item, index) => {
    const path = `${keyPath}[${index}]`
    const field = convertField(item, index, path, problems, strict)
    if (!field) return
    const first = firstIndex.get(field.name)
    if (first !== undefined) {
      problems.add(item, path, `the name "${field.name}" is also used by ${keyPath}[${first}]`)
      return
    }
    firstIndex.set(field.name, index)
    fields.push(field)
  })
  return fields
}

function convertField(
  node: JsonNode,
  index: number,
  keyPath: string,
  problems: Problems,
  strict: boolean
): SignatureField | undefined {
  if (node.kind !== 'object') {
    problems.add(node, keyPath, 'must be an object with a type')
    return undefined
  }
  const nameNode = entry(node, 'name')
  let name = `#${index}`
  if (nameNode) {
    if (nameNode.kind !== 'string' || nameNode.value === '') {
      problems.add(nameNode, `${keyPath}.name`, 'must be a non-empty string')
      return undefined
    }
    name = nameNode.value
  }
  const type = describeType(node, keyPath, problems, strict)
  const required = readRequired(node, keyPath, problems)
  if (type === undefined || required === undefined) return undefined
  return { name, type, required }
}

/** `required` (default true) from `required` or `optional`; undefined after reporting a problem. */
function readRequired(node: ObjectNode, keyPath: string, problems: Problems): boolean | undefined {
  const requiredNode = entry(node, 'required')
  const optionalNode = entry(node, 'optional')
  for (const [key, value] of [
    ['required', requiredNode],
    ['optional', optionalNode]
  ] as const) {
    if (value && value.kind !== 'boolean') {
      problems.add(value, `${keyPath}.${key}`, 'must be true or false')
      return undefined
    }
  }
  const required = requiredNode?.kind === 'boolean' ? requiredNode.value : undefined
  const optional = optionalNode?.kind === 'boolean' ? optionalNode.value : undefined
  if (required !== undefined && optional !== undefined && required === optional) {
    problems.add(node, keyPath, '"required" and "optional" contradict each other')
    return undefined
  }
  return required ?? (optional === undefined ? true : !optional)
}

/** One comparable type string for a field spec, or undefined after reporting a problem. */
function describeType(
  node: ObjectNode,
  keyPath: string,
  problems: Problems,
  strict: boolean
): string | undefined {
  if (strict) {
    for (const { key, keyPos } of node.entries) {
      if (!FIELD_KEYS.has(key)) {
        problems.add(
          { pos: keyPos },
          `${keyPath}.${key}`,
          `unknown key (allowed: ${[...FIELD_KEYS].join(', ')})`
        )
      }
    }
  }
  const typeNode = entry(node, 'type')
  if (!typeNode || typeNode.kind !== 'string' || typeNode.value === '') {
    problems.add(
      typeNode ?? node,
      `${keyPath}.type`,
      typeNode ? 'must be a non-empty string' : 'is missing'
    )
    return undefined
  }
  const nested = (key: string): ObjectNode | undefined => {
    const child = entry(node, key)
    if (child?.kind === 'object') return child
    problems.add(
      child ?? node,
      `${keyPath}.${key}`,
      child ? 'must be an object' : `is missing (needed for type ${typeNode.value})`
    )
    return undefined
  }
  switch (typeNode.value) {
    case 'tensor': {
      const spec = nested('tensor-spec')
      if (!spec) return undefined
      const dtype = entry(spec, 'dtype')
      const shape = entry(spec, 'shape')
      let ok = true
      if (dtype?.kind !== 'string' || dtype.value === '') {
        problems.add(dtype ?? spec, `${keyPath}.tensor-spec.dtype`, 'must be a non-empty string')
        ok = false
      }
      const dims: number[] = []
      if (shape?.kind !== 'array') {
        problems.add(shape ?? spec, `${keyPath}.tensor-spec.shape`, 'must be a list of integers')
        ok = false
      } else {
        for (const dim of shape.items) {
          if (dim.kind !== 'number' || !Number.isInteger(dim.value)) {
            problems.add(dim, `${keyPath}.tensor-spec.shape`, 'must be a list of integers')
            ok = false
          } else {
            dims.push(dim.value)
          }
        }
      }
      return ok && dtype?.kind === 'string' ? `tensor:${dtype.value}[${dims.join(',')}]` : undefined
    }
    case 'array': {
      const items = nested('items')
      const inner = items && describeType(items, `${keyPath}.items`, problems, strict)
      return inner === undefined ? undefined : `array<${inner}>`
    }
    case 'map': {
      const values = nested('values')
      const inner = values && describeType(values, `${keyPath}.values`, problems, strict)
      return inner === undefined ? undefined : `map<${inner}>`
    }
    case 'object': {
      const properties = nested('properties')
      if (!properties) return undefined
      const parts: string[] = []
      let ok = true
      for (const { key, value } of [...properties.entries].sort((a, b) =>
        a.key < b.key ? -1 : a.key > b.key ? 1 : 0
      )) {
        const path = `${keyPath}.properties.${key}`
        if (value.kind !== 'object') {
          problems.add(value, path, 'must be an object with a type')
          ok = false
          continue
        }
        const inner = describeType(value, path, problems, strict)
        const required = readRequired(value, path, problems)
        if (inner === undefined || required === undefined) {
          ok = false
          continue
        }
        parts.push(`${key}${required ? '' : '?'}:${inner}`)
      }
      return ok ? `object{${parts.join(',')}}` : undefined
    }
    default:
      return typeNode.value
  }
}

function entry(node: ObjectNode, key: string): JsonNode | undefined {
  return node.entries.find(candidate => candidate.key === key)?.value
}
