// Issue 16, "the README shows the report of a candidate that fails each": docs/gates.md embeds the
// golden reports the clinical example's e2e tests compare with (scripts/docs/clinical-failures.ts,
// run by `npm run schema`). Fails while the page is stale, or a golden shows another failing gate.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { replaceSection } from '../scripts/docs/action-reference.js'
import {
  CLINICAL_END,
  CLINICAL_FAILURES,
  CLINICAL_FAILURES_FILE,
  CLINICAL_OUTPUTS_DIR,
  CLINICAL_START,
  clinicalFailuresMarkdown
} from '../scripts/docs/clinical-failures.js'
import { REPO_ROOT } from './helpers/run-action.js'

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8')
const goldens = Object.fromEntries(
  CLINICAL_FAILURES.map(({ file }) => [file, read(`${CLINICAL_OUTPUTS_DIR}/${file}`)])
)

describe("docs/gates.md: the clinical example's report failing each gate", () => {
  it('embeds the golden reports as `npm run schema` writes them', () => {
    const page = read(CLINICAL_FAILURES_FILE)
    const generated = replaceSection(
      page,
      CLINICAL_START,
      CLINICAL_END,
      clinicalFailuresMarkdown(goldens),
      CLINICAL_FAILURES_FILE
    )
    if (generated !== page) {
      throw new Error(`${CLINICAL_FAILURES_FILE} is stale: run \`npm run schema\` and commit`)
    }
    for (const report of Object.values(goldens)) expect(page).toContain(report.trimEnd())
  })

  it.each(CLINICAL_FAILURES.map(({ file, title }) => [title, file]))(
    '%s: the report is blocked by that gate alone',
    (title, file) => {
      const report = goldens[file] as string
      expect(report).toContain('## ❌ Blocked: clinical-classifier → production')
      expect(report).toContain(`Blocked by a failing gate: ${title}.`)
      expect(report.match(/^- ❌ \*\*(.+?)\*\* fail/gm)).toEqual([`- ❌ **${title}** fail`])
    }
  )

  it('names every trust gate the clinical policy requires for production', () => {
    expect(CLINICAL_FAILURES.map(({ title }) => title)).toEqual([
      'Model-file scan',
      'Data quality',
      'Provenance',
      'Monitoring configured'
    ])
  })
})
