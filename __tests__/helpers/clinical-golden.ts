/**
 * The clinical example's failing reports (issue 16): each e2e test of a gate writes, or compares
 * with, a golden file under __tests__/__outputs__/, masked where a run differs from the next
 * (evaluation times, 127.0.0.1 ports, transparency-log times). docs/gates.md embeds them
 * (scripts/docs/clinical-failures.ts, run by `npm run schema`).
 * `UPDATE_GOLDEN=1` rewrites them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from './run-action.js'

export const CLINICAL_OUTPUTS = path.join(REPO_ROOT, '__tests__', '__outputs__')

/** What changes between runs of the same scenario, replaced by a fixed stand-in. */
export function maskRun(report: string, replace: Record<string, string> = {}): string {
  let text = report
  for (const [from, to] of Object.entries(replace)) text = text.split(from).join(to)
  return text
    .replace(/\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( UTC|Z)?/g, 'YYYY-MM-DD hh:mm UTC')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
}

/**
 * Compares `report` (masked, and each key of `replace` replaced by its value) with the golden
 * `name`, or writes it under UPDATE_GOLDEN=1.
 */
export function expectGolden(
  name: string,
  report: string,
  replace: Record<string, string> = {}
): void {
  const file = path.join(CLINICAL_OUTPUTS, name)
  const actual = maskRun(report, replace)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(CLINICAL_OUTPUTS, { recursive: true })
    writeFileSync(file, actual)
    return
  }
  let expected: string
  try {
    expected = readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`missing golden ${file}; run UPDATE_GOLDEN=1 on this test`, { cause: error })
  }
  expect(actual).toBe(expected)
}
