import { readdirSync, readFileSync } from 'node:fs'
import { loadPolicy } from '../src/policy/load.js'
import { policyJsonSchema, policySchemaFileText } from '../src/policy/json-schema.js'
import {
  POLICY_REFERENCE_FILE,
  policyReferenceMarkdown,
  REFERENCE_END,
  REFERENCE_START,
  replaceReferenceSection
} from '../scripts/docs/policy-reference.js'

const STALE = 'is stale: run `npm run schema` and commit the result'

/** The generated files and sections, compared with what is committed (jest runs from the repository root). */
describe('generated from the zod schema, and committed', () => {
  it('policies/policy.schema.json is fresh', () => {
    const committed = readFileSync('policies/policy.schema.json', 'utf8')
    if (committed !== policySchemaFileText()) {
      throw new Error(`policies/policy.schema.json ${STALE}`)
    }
  })

  it('the policy reference in docs/policy.md is fresh', () => {
    expect(POLICY_REFERENCE_FILE).toBe('docs/policy.md')
    const page = readFileSync(POLICY_REFERENCE_FILE, 'utf8')
    const generated = replaceReferenceSection(page, policyReferenceMarkdown(policyJsonSchema()))
    if (page !== generated) {
      throw new Error(
        `The policy reference in ${POLICY_REFERENCE_FILE} (between ${REFERENCE_START} and ${REFERENCE_END}) ${STALE}`
      )
    }
  })
})

describe('policyJsonSchema', () => {
  const schema = policyJsonSchema() as {
    $schema: string
    $id: string
    title: string
    required: string[]
    additionalProperties: boolean
    properties: Record<string, { additionalProperties: { required?: string[] } }>
  }

  it('is a draft 2020-12 schema with an id and title, strict at the root', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe('urn:modelgate:policy')
    expect(schema.title).toBe('ModelGate policy')
    expect(schema.required).toEqual(['model', 'stages'])
    expect(schema.additionalProperties).toBe(false)
  })

  it('describes what a user writes: keys with defaults are optional', () => {
    const stage = schema.properties.stages?.additionalProperties as {
      required: string[]
      properties: Record<string, { required?: string[]; properties: Record<string, unknown> }>
    }
    expect(stage.required).toEqual(['from'])
    expect(stage.properties.artifact?.required).toBeUndefined()
    expect(stage.properties.artifact?.properties.checksums).toMatchObject({
      default: 'optional',
      enum: ['required', 'optional']
    })
  })
})

describe('policyReferenceMarkdown', () => {
  const reference = policyReferenceMarkdown(policyJsonSchema())

  it('has one row per key path with type, required, default and the schema description', () => {
    const row = (path: string) =>
      reference.split('\n').find(line => line.startsWith(`| \`${path}\` |`))
    expect(row('model')).toBe('| `model` | string | yes |  | The registered model name. |')
    expect(row('stages.<stage>.thresholds.<metric>.min')).toBe(
      '| `stages.<stage>.thresholds.<metric>.min` | number | no |  | The candidate must be at least this (inclusive). |'
    )
    expect(row('stages.<stage>.artifact.checksums')).toContain(
      '| one of `required`, `optional` | no | `optional` | `required`: a sha256sum-format'
    )
    expect(row('stages.<stage>.approvals.groups[].min')).toContain('| integer ≥ 1 | no | `1` |')
    expect(row('registry')).toContain('| mapping | no | `{ type: git }` |')
    expect(row('registry.uri')).toContain('(only with `type: mlflow`)')
  })

  it('replaces only the text between the markers, and again the same way', () => {
    const readme = `# Title\n\n${REFERENCE_START}\nold\n${REFERENCE_END}\n\n## After\n`
    const once = replaceReferenceSection(readme, 'new')
    expect(once).toBe(`# Title\n\n${REFERENCE_START}\n\nnew\n\n${REFERENCE_END}\n\n## After\n`)
    expect(replaceReferenceSection(once, 'new')).toBe(once)
    expect(() => replaceReferenceSection('# no markers\n', 'new')).toThrow(REFERENCE_START)
  })
})

describe('the example policies', () => {
  const files = readdirSync('policies').filter(name => name.endsWith('.yml'))

  it('there are at least two', () => {
    expect(files.length).toBeGreaterThanOrEqual(2)
  })

  it.each(files)('%s parses and points editors at the schema', async name => {
    const file = `policies/${name}`
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=./policy.schema.json'
    )
    const policy = await loadPolicy(file)
    expect(Object.keys(policy.stages).length).toBeGreaterThan(0)
  })

  it('clinical-classifier.yml holds the clinical team’s gates', async () => {
    const policy = await loadPolicy('policies/clinical-classifier.yml')
    const staging = policy.stages.staging
    const production = policy.stages.production
    expect(policy.model).toBe('clinical-classifier')
    expect(policy.metrics).toEqual({
      accuracy: { goal: 'maximize' },
      roc_auc: { goal: 'maximize' },
      latency_p95_ms: { goal: 'minimize' }
    })
    const thresholds = {
      accuracy: { min: 0.85 },
      roc_auc: { min: 0.8 },
      latency_p95_ms: { max: 100 }
    }
    expect(staging?.from).toEqual(['candidate'])
    expect(staging?.thresholds).toEqual(thresholds)
    expect(staging?.artifact).toEqual({
      max_size_mb: 100,
      require: ['MLmodel'],
      checksums: 'required'
    })
    expect(staging?.approvals?.required).toBe(1)
    expect(production?.from).toEqual(['staging'])
    expect(production?.thresholds).toEqual(thresholds)
    expect(production?.regression).toEqual({
      accuracy: { max_drop: 0 },
      roc_auc: { max_drop: 0.005 },
      latency_p95_ms: { max_relative_drop: 0.1 }
    })
    expect(production?.schema).toEqual({ compatibility: 'exact' })
    expect(production?.min_days_in_source_stage).toBe(7)
    expect(production?.checks).toEqual(['smoke-tests'])
    expect(production?.approvals?.groups?.length).toBeGreaterThan(0)
    expect(policy.rollback?.allowed.permission).toBe('maintain')
  })
})

describe('a key too long to quote back', () => {
  // Found by CI: random bytes made a 7,000-character key, quoted whole on each of five lines.
  it('is cut in the key path and in the message, on one short line each', async () => {
    const { parsePolicy } = await import('../src/policy/load.js')
    const long = 'k'.repeat(5000)
    let message = ''
    try {
      parsePolicy(`model: m\n? ${long}\n: 1\nstages:\n  dev:\n    from: [candidate]\n`, 'p.yml')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('p.yml:2:3')
    expect(message).toContain(`${'k'.repeat(40)}…`)
    expect(message).toContain('(5000 characters)')
    expect(message.length).toBeLessThan(600)

    let yamlMessage = ''
    try {
      parsePolicy(`"${'\\u0007'.repeat(3000)}" x: 1\n`, 'q.yml')
    } catch (error) {
      yamlMessage = (error as Error).message
    }
    expect(yamlMessage).toContain('q.yml:1:')
    expect(yamlMessage.length).toBeLessThan(1500)
  })

  it('lists at most 10 problems and a deep key path cut to its end', async () => {
    const { parsePolicy } = await import('../src/policy/load.js')
    const key = (i: number) => `${String(i).padStart(2, '0')}${'x'.repeat(70)}`
    const deep = Array.from({ length: 8 }, (_, i) => `${'  '.repeat(i)}${key(i)}:`).join('\n')
    const many = Array.from({ length: 30 }, (_, i) => `unknown_${i}: 1`).join('\n')
    let message = ''
    try {
      parsePolicy(`model: m\nstages:\n  dev:\n    from: [candidate]\n${many}\n${deep} 1\n`, 'r.yml')
    } catch (error) {
      message = (error as Error).message
    }
    const lines = message.split('\n')
    expect(lines[0]).toBe('Policy r.yml has 31 problems (the first 10 listed):')
    expect(lines).toHaveLength(12)
    expect(lines[11]).toBe('… and 21 more in r.yml.')
    expect(Math.max(...lines.map(line => line.length))).toBeLessThan(400)
  })
})
