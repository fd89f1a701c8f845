/**
 * `npm run schema`: writes policies/policy.schema.json, schemas/audit-record.schema.json and the README's policy
 * reference from the zod schema, and the README's inputs/outputs from action.yml. Run from the repository root (npm does).
 * __tests__/policy-schema.test.ts fails while either is stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { auditSchemaFileText } from '../src/audit/record.js'
import { policyJsonSchema, policySchemaFileText } from '../src/policy/json-schema.js'
import { policyReferenceMarkdown, replaceReferenceSection } from './docs/policy-reference.js'
import {
  ACTION_END,
  ACTION_START,
  actionReferenceMarkdown,
  replaceSection
} from './docs/action-reference.js'

const SCHEMA_FILE = 'policies/policy.schema.json'
const README = 'README.md'
const AUDIT_SCHEMA_FILE = 'schemas/audit-record.schema.json'

async function main(): Promise<void> {
  await writeFile(SCHEMA_FILE, policySchemaFileText())
  await mkdir('schemas', { recursive: true })
  await writeFile(AUDIT_SCHEMA_FILE, auditSchemaFileText())
  const readme = await readFile(README, 'utf8')
  const reference = policyReferenceMarkdown(policyJsonSchema())
  const actionReference = actionReferenceMarkdown(await readFile('action.yml', 'utf8'))
  await writeFile(
    README,
    replaceSection(
      replaceReferenceSection(readme, reference),
      ACTION_START,
      ACTION_END,
      actionReference
    )
  )
  console.log(
    `wrote ${SCHEMA_FILE}, ${AUDIT_SCHEMA_FILE}, the policy reference and the action reference in ${README}`
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
