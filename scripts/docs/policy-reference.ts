import { stringify } from 'yaml'

/**
 * The policy reference (docs/policy.md), rendered from the policy's JSON Schema (itself
 * derived from the zod schema), so the descriptions written once in schema.ts are
 * what users read. `npm run schema` writes it between the markers; a test fails
 * when the page holds anything else.
 */

export const REFERENCE_START = '<!-- policy-reference:start -->'
export const REFERENCE_END = '<!-- policy-reference:end -->'

/** A JSON Schema node, as far as the reference reads it. */
interface SchemaNode {
  type?: string
  const?: unknown
  enum?: unknown[]
  format?: string
  minimum?: number
  default?: unknown
  description?: string
  properties?: Record<string, SchemaNode>
  required?: string[]
  additionalProperties?: SchemaNode | boolean
  items?: SchemaNode
  oneOf?: SchemaNode[]
}

interface Row {
  path: string
  type: string
  required: boolean
  default?: unknown
  description: string
}

/** What a name the user chooses stands for, by the key that holds it. */
const PLACEHOLDERS: Record<string, string> = {
  stages: '<stage>',
  metrics: '<metric>',
  thresholds: '<metric>',
  regression: '<metric>'
}

/** Rules the loader checks that a JSON Schema cannot say; keep in step with schema.ts. */
const CROSS_RULES = [
  'Every stage in a `from` list is a stage of the policy or `candidate`, and not the stage itself; `candidate` is not a stage you define.',
  'Every stage can be reached from `candidate` by following `from` lists.',
  'A threshold has `min`, `max` or both, and `min` is not above `max`.',
  'A regression rule has `max_drop`, `max_relative_drop` or both, on a metric with a `goal` under `metrics`.',
  'An approval group lists users or teams; with users only, at least `min` of them.',
  '`exclude_author` stays `true`.'
]

/** The markdown that goes between the markers in docs/policy.md (markers excluded). */
export function policyReferenceMarkdown(schema: Record<string, unknown>): string {
  const rows = collectRows(schema as SchemaNode, '', true).slice(1)
  const table = [
    '| Key | Type | Required | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      row =>
        `| ${cell(`\`${row.path}\``)} | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${
          row.default === undefined ? '' : cell(`\`${flow(row.default)}\``)
        } | ${cell(row.description)} |`
    )
  ]
  return [
    '<!-- Generated from src/policy/schema.ts by `npm run schema`: edit the schema, not this section. -->',
    '',
    'Every key a policy may hold; any other key is an error. `<stage>` and `<metric>` stand for names you choose. "Required" applies when the enclosing key is present. Editors that read `# yaml-language-server: $schema=./policy.schema.json` autocomplete from `policies/policy.schema.json`.',
    '',
    // Prettier would pad every cell to the widest one; the generator owns this table's layout.
    '<!-- prettier-ignore-start -->',
    ...table,
    '<!-- prettier-ignore-end -->',
    '',
    'The loader also checks what the JSON Schema cannot express:',
    '',
    ...CROSS_RULES.map(rule => `- ${rule}`)
  ].join('\n')
}

/** The page that holds the policy reference, relative to the repository root. */
export const POLICY_REFERENCE_FILE = 'docs/policy.md'

/** `page` (the text of `file`) with the text between the markers replaced by `section`. */
export function replaceReferenceSection(
  page: string,
  section: string,
  file = POLICY_REFERENCE_FILE
): string {
  const start = page.indexOf(REFERENCE_START)
  const end = page.indexOf(REFERENCE_END)
  if (start < 0 || end < start) {
    throw new Error(`${file} must hold ${REFERENCE_START} followed by ${REFERENCE_END}`)
  }
  return `${page.slice(0, start + REFERENCE_START.length)}\n\n${section}\n\n${page.slice(end)}`
}

function collectRows(node: SchemaNode, path: string, required: boolean): Row[] {
  const rows: Row[] = [
    {
      path,
      type: typeName(node),
      required,
      default: node.default,
      description: node.description ?? ''
    }
  ]
  const prefix = path === '' ? '' : `${path}.`
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    rows.push(...collectRows(child, `${prefix}${key}`, node.required?.includes(key) ?? false))
  }
  if (typeof node.additionalProperties === 'object') {
    const name = PLACEHOLDERS[path.split('.').pop() ?? ''] ?? '<name>'
    rows.push(...collectRows(node.additionalProperties, `${prefix}${name}`, false))
  }
  if (node.items?.properties) {
    rows.push(...collectRows(node.items, `${path}[]`, true).slice(1))
  }
  if (node.oneOf) rows.push(...variantRows(node.oneOf, prefix))
  return rows
}

/**
 * The keys of a tagged union of mappings (`registry`): the tag lists each variant
 * with its description; every other key says which variant it belongs to.
 */
function variantRows(variants: SchemaNode[], prefix: string): Row[] {
  const tag = Object.keys(variants[0]?.properties ?? {}).find(key =>
    variants.every(v => v.properties?.[key]?.const !== undefined)
  )
  if (!tag) return []
  const tagOf = (v: SchemaNode) => String(v.properties?.[tag]?.const)
  const rows: Row[] = [
    {
      path: `${prefix}${tag}`,
      type: `one of ${variants.map(v => `\`${tagOf(v)}\``).join(', ')}`,
      required: true,
      description: variants.map(v => `\`${tagOf(v)}\`: ${v.description ?? ''}`).join(' ')
    }
  ]
  for (const variant of variants) {
    for (const [key, child] of Object.entries(variant.properties ?? {})) {
      if (key === tag) continue
      const only = `(only with \`${tag}: ${tagOf(variant)}\`)`
      rows.push({
        ...collectRows(child, `${prefix}${key}`, variant.required?.includes(key) ?? false)[0]!,
        description: `${child.description ?? ''} ${only}`.trim()
      })
    }
  }
  return rows
}

function typeName(node: SchemaNode): string {
  if (node.const !== undefined) return `\`${String(node.const)}\``
  if (node.enum) return `one of ${node.enum.map(v => `\`${String(v)}\``).join(', ')}`
  if (node.oneOf) return 'mapping'
  const atLeast = node.minimum === undefined ? '' : ` ≥ ${node.minimum}`
  switch (node.type) {
    case 'string':
      return node.format === 'uri' ? 'URL' : 'string'
    case 'number':
      return `number${atLeast}`
    case 'integer':
      return `integer${atLeast}`
    case 'array':
      return node.items?.type === 'object' ? 'list of mappings' : `list of ${node.items?.type}s`
    case 'object':
      return 'mapping'
    default:
      return node.type ?? 'any'
  }
}

/** A default as it would be written in YAML flow style: `{ type: git }`, `optional`, `0`. */
function flow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow' }).trim()
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}
