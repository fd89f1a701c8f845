/**
 * `npm run schema`: writes policies/policy.schema.json and the README's policy
 * reference from the zod schema, and the README's inputs/outputs from action.yml. Run from the repository root (npm does).
 * __tests__/policy-schema.test.ts fails while either is stale.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { policyJsonSchema, policySchemaFileText } from '../src/policy/json-schema.js'
import { policyReferenceMarkdown, replaceReferenceSection } from '../src/policy/reference.js'
import {
  ACTION_END,
  ACTION_START,
  actionReferenceMarkdown,
  replaceSection
} from '../src/docs/action-reference.js'

const SCHEMA_FILE = 'policies/policy.schema.json'
const README = 'README.md'

async function main(): Promise<void> {
  await writeFile(SCHEMA_FILE, policySchemaFileText())
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
  console.log(`wrote ${SCHEMA_FILE}, the policy reference and the action reference in ${README}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
