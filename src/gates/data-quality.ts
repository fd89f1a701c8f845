import type { DataQualityReport, ModelInfo } from '../candidate/types.js'
import type { DataQualityPolicy } from '../policy/schema.js'
import { plural } from './format.js'
import type { GateResult } from './types.js'

export interface DataQualityContext {
  /** `stages.<stage>.data_quality`. */
  rules: Partial<DataQualityPolicy>
  /** The candidate's `data_quality.json`, read; absent when it has none. */
  report?: DataQualityReport
  /** The candidate's `model.yaml`, which names the training-data snapshot. */
  info?: ModelInfo
}

/**
 * The training data passed its quality checks. Pure. Fails closed:
 * - no report, or one that cannot be read;
 * - no `training_data_snapshot` in model.yaml (which data is unknown), or a report for another
 *   snapshot, or one that names none;
 * - with `checks` listed: any listed check missing from the report or failed; without: any
 *   check failed, a report whose own verdict is failure, or a report with no checks at all.
 */
export function dataQualityGate(context: DataQualityContext): GateResult {
  const fail = (summary: string, details: string[] = []): GateResult => ({
    gate: 'data_quality',
    status: 'fail',
    summary,
    details
  })
  const report = context.report
  if (!report) return fail('no data-quality report (data_quality.json) in the candidate')
  if (report.problem) return fail('the data-quality report cannot be read', [report.problem])
  const snapshot = context.info?.training_data_snapshot
  if (snapshot === undefined) {
    return fail('model.yaml names no training_data_snapshot, so the report cannot be matched')
  }
  if (report.snapshot === undefined) {
    return fail(`${report.file} names no snapshot; model.yaml names ${snapshot}`)
  }
  if (report.snapshot !== snapshot) {
    return fail(`${report.file} is for another snapshot`, [
      `report: ${report.snapshot}`,
      `model.yaml training_data_snapshot: ${snapshot}`
    ])
  }
  const wanted = context.rules.checks
  const problems: string[] = []
  const facts: string[] = []
  const line = (check: { name: string; passed: boolean; observed?: string }) =>
    `${check.name}: ${check.passed ? 'passed' : 'failed'}${check.observed ? `, ${check.observed}` : ''}`
  if (wanted && wanted.length > 0) {
    for (const name of wanted) {
      const found = report.checks.filter(check => check.name === name)
      if (found.length === 0) problems.push(`${name}: not in the report`)
      for (const check of found) (check.passed ? facts : problems).push(line(check))
    }
  } else {
    if (report.checks.length === 0) problems.push('the report lists no checks')
    if (report.success === false) problems.push('the report itself says it failed')
    for (const check of report.checks) (check.passed ? facts : problems).push(line(check))
  }
  const counted = wanted && wanted.length > 0 ? wanted.length : report.checks.length
  if (problems.length > 0) {
    return fail(`${plural(problems.length, 'data-quality problem')} for snapshot ${snapshot}`, [
      ...problems,
      ...facts
    ])
  }
  return {
    gate: 'data_quality',
    status: 'pass',
    summary: `${plural(counted, 'check')} passed on snapshot ${snapshot} (${report.format === 'great_expectations' ? 'Great Expectations' : 'ModelGate report'})`,
    details: facts
  }
}
