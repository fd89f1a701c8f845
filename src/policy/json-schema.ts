import { z } from 'zod'
import { Policy } from './schema.js'

/** The `$id` of the published schema. */
export const POLICY_SCHEMA_ID = 'urn:modelgate:policy'

/**
 * The policy's JSON Schema (draft 2020-12), derived from the zod schema, for
 * editors. It describes what a user writes: keys with defaults are optional.
 * Rules that cross-reference the policy (known stages, metric directions, min
 * not above max) are not expressible in it; the loader checks those.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Policy, { target: 'draft-2020-12', io: 'input' })
  const { $schema, ...rest } = schema
  return { $schema, $id: POLICY_SCHEMA_ID, title: 'ModelGate policy', ...rest }
}

/** `policies/policy.schema.json` exactly as `npm run schema` writes it. */
export function policySchemaFileText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`
}
