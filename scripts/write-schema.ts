/**
 * `npm run schema`: writes policies/policy.schema.json and schemas/audit-record.schema.json from the zod
 * schemas, the policy reference in docs/policy.md from the policy's schema, and the README's inputs/outputs
 * from action.yml, and the clinical example's failing reports in docs/gates.md from their golden files.
 * Run from the repository root (npm does).
 * __tests__/policy-schema.test.ts and __tests__/readme.test.ts fail while any of them is stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
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
import {
  CLINICAL_END,
  CLINICAL_FAILURES,
  CLINICAL_FAILURES_FILE,
  CLINICAL_OUTPUTS_DIR,
  CLINICAL_START,
  clinicalFailuresMarkdown
} from './docs/clinical-failures.js'

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
  const goldens: Record<string, string> = {}
  for (const { file } of CLINICAL_FAILURES) {
    goldens[file] = await readFile(path.join(CLINICAL_OUTPUTS_DIR, file), 'utf8')
  }
  const gatesPage = await readFile(CLINICAL_FAILURES_FILE, 'utf8')
  await writeFile(
    CLINICAL_FAILURES_FILE,
    replaceSection(
      gatesPage,
      CLINICAL_START,
      CLINICAL_END,
      clinicalFailuresMarkdown(goldens),
      CLINICAL_FAILURES_FILE
    )
  )
  console.log(
    `wrote ${SCHEMA_FILE}, ${AUDIT_SCHEMA_FILE}, the policy reference in ${POLICY_REFERENCE_FILE}, the action reference in ${ACTION_REFERENCE_FILE} and the clinical example's failing reports in ${CLINICAL_FAILURES_FILE}`
  )
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
