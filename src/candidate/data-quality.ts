import type { DataQualityCheck, DataQualityReport } from './types.js'

/**
 * Reading the data-quality report a training job leaves in the candidate, `data_quality.json`,
 * in one of two formats, told apart by shape:
 *
 * - ModelGate's own: `{"format": "modelgate.data-quality/v1", "snapshot": "...", "checks":
 *   [{"name": "...", "passed": true, "value": 0.01, "threshold": 0.05}]}` (`value` and
 *   `threshold` optional, any JSON);
 * - a Great Expectations checkpoint result (`checkpoint.run()` written as JSON, 0.x or 1.x):
 *   `success`, and `run_results` whose validation results list each expectation's `success`
 *   and `expectation_config` (`type` or `expectation_type`, `kwargs.column`). The snapshot is
 *   the run's `run_id.run_name`: pass the training-data snapshot as the run name.
 *
 * Never throws for what the file holds: a report that cannot be read carries a `problem`, and
 * the data-quality gate fails on it (a stage without the gate ignores the file).
 */
export const DATA_QUALITY_FORMAT = 'modelgate.data-quality/v1'

export function parseDataQuality(text: string, file: string): DataQualityReport {
  let root: unknown
  try {
    root = JSON.parse(text)
  } catch (error) {
    return broken(file, `is not valid JSON (${(error as Error).message})`)
  }
  if (!isObject(root)) return broken(file, 'is not a JSON object')
  if (root.format === DATA_QUALITY_FORMAT) return modelgateReport(root, file)
  if (isObject(root.run_results)) return greatExpectations(root, file)
  return broken(
    file,
    `is neither a ModelGate report ("format": "${DATA_QUALITY_FORMAT}") nor a Great Expectations checkpoint result (run_results)`
  )
}

function modelgateReport(root: Record<string, unknown>, file: string): DataQualityReport {
  const report: DataQualityReport = { file, format: 'modelgate', checks: [] }
  if (typeof root.snapshot === 'string') report.snapshot = root.snapshot
  if (!Array.isArray(root.checks)) return { ...report, problem: '"checks" must be an array' }
  for (const [index, check] of root.checks.entries()) {
    if (!isObject(check) || typeof check.name !== 'string' || typeof check.passed !== 'boolean') {
      return { ...report, problem: `checks[${index}] needs a string "name" and a boolean "passed"` }
    }
    const entry: DataQualityCheck = { name: check.name, passed: check.passed }
    const observed = describeValue(check.value, check.threshold)
    if (observed !== undefined) entry.observed = observed
    report.checks.push(entry)
  }
  return report
}

function greatExpectations(root: Record<string, unknown>, file: string): DataQualityReport {
  const report: DataQualityReport = { file, format: 'great_expectations', checks: [] }
  if (typeof root.success === 'boolean') report.success = root.success
  const runId = root.run_id
  if (isObject(runId) && typeof runId.run_name === 'string') report.snapshot = runId.run_name
  for (const [key, run] of Object.entries(root.run_results as Record<string, unknown>)) {
    // 0.x nests the validation result under validation_result; 1.x gives it directly.
    const validation =
      isObject(run) && isObject(run.validation_result) ? run.validation_result : run
    if (!isObject(validation) || !Array.isArray(validation.results)) {
      return { ...report, problem: `run_results["${key}"] has no validation results` }
    }
    for (const result of validation.results) {
      if (!isObject(result) || typeof result.success !== 'boolean') {
        return { ...report, problem: `run_results["${key}"] has a result without "success"` }
      }
      const config = isObject(result.expectation_config) ? result.expectation_config : {}
      const type =
        typeof config.type === 'string'
          ? config.type
          : typeof config.expectation_type === 'string'
            ? config.expectation_type
            : 'expectation'
      const kwargs = isObject(config.kwargs) ? config.kwargs : {}
      const name = typeof kwargs.column === 'string' ? `${type}(${kwargs.column})` : type
      const entry: DataQualityCheck = { name, passed: result.success }
      const observed = isObject(result.result)
        ? describeValue(result.result.observed_value ?? result.result.unexpected_percent, undefined)
        : undefined
      if (observed !== undefined) entry.observed = observed
      report.checks.push(entry)
    }
  }
  return report
}

function describeValue(value: unknown, threshold: unknown): string | undefined {
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
  if (value === undefined || value === null) return undefined
  const shown = text(value).slice(0, 80)
  return threshold === undefined ? shown : `${shown} (threshold ${text(threshold).slice(0, 40)})`
}

function broken(file: string, problem: string): DataQualityReport {
  return { file, format: 'modelgate', checks: [], problem: `${file} ${problem}` }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
