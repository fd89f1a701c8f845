/**
 * `npm run schema`: writes policies/policy.schema.json and schemas/audit-record.schema.json from the zod
 * schemas, the policy reference in docs/policy.md from the policy's schema, and the README's inputs/outputs
 * from action.yml. Run from the repository root (npm does).
 * __tests__/policy-schema.test.ts and __tests__/readme.test.ts fail while any of them is stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { auditSchemaFileText } from '../src/audit/record.js'
import { policyJsonSchema, policySchemaFileText } from '../src/policy/json-schema.js'
import {
  POLICY_REFERENCE_FILE,
  policyReferenceMarkdown,
  replaceReferenceSection
} from './docs/policy-reference.js'
import {
  ACTION_END,
  ACTION_REFERENCE_FILE,
  ACTION_START,
  actionReferenceMarkdown,
  replaceSection
} from './docs/action-reference.js'

const SCHEMA_FILE = 'policies/policy.schema.json'
const AUDIT_SCHEMA_FILE = 'schemas/audit-record.schema.json'

async function main(): Promise<void> {
  await writeFile(SCHEMA_FILE, policySchemaFileText())
  await mkdir('schemas', { recursive: true })
  await writeFile(AUDIT_SCHEMA_FILE, auditSchemaFileText())
  const policyPage = await readFile(POLICY_REFERENCE_FILE, 'utf8')
  const reference = policyReferenceMarkdown(policyJsonSchema())
  await writeFile(POLICY_REFERENCE_FILE, replaceReferenceSection(policyPage, reference))
  const actionPage = await readFile(ACTION_REFERENCE_FILE, 'utf8')
  const actionReference = actionReferenceMarkdown(await readFile('action.yml', 'utf8'))
  await writeFile(
    ACTION_REFERENCE_FILE,
    replaceSection(actionPage, ACTION_START, ACTION_END, actionReference)
  )
  console.log(
    `wrote ${SCHEMA_FILE}, ${AUDIT_SCHEMA_FILE}, the policy reference in ${POLICY_REFERENCE_FILE} and the action reference in ${ACTION_REFERENCE_FILE}`
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
