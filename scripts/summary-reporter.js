// A jest reporter that ends every run with one plain line, `tests: N passed, N failed`, the
// closing line CI and the README promise whatever the runner. Counts come from jest's own results.
//
// It stands in for jest's `default` reporter rather than beside it: jest always adds its summary
// reporter ("Test Suites: …", "Ran all test suites.") after every configured one, so a reporter
// listed beside `default` printed its line above jest's summary. Here jest's default (or verbose)
// and summary reporters run inside this one, and the line is written after them.
import jestReporters from '@jest/reporters'

const { DefaultReporter, SummaryReporter, VerboseReporter } = jestReporters

/** The closing line for jest's aggregated results. */
export function summaryLine(results) {
  const skipped = results.numPendingTests + results.numTodoTests
  // A suite that failed outside any test (it could not load) counts as one failure.
  const failed = Math.max(
    results.numFailedTests + results.numRuntimeErrorTestSuites,
    results.numFailedTestSuites
  )
  return (
    `tests: ${results.numPassedTests} passed, ${failed} failed` +
    (skipped ? `, ${skipped} skipped` : '') +
    '\n'
  )
}

export default class SummaryLastReporter {
  constructor(globalConfig, options = {}) {
    this.reporters = [
      globalConfig.verbose ? new VerboseReporter(globalConfig) : new DefaultReporter(globalConfig),
      new SummaryReporter(globalConfig, options)
    ]
    // Where the line goes; a test passes its own.
    this.write = options.write ?? (text => process.stdout.write(text))
  }

  // Each hook as jest's own dispatcher calls it, for each inner reporter in turn.
  async onRunStart(results, options) {
    for (const reporter of this.reporters) await reporter.onRunStart?.(results, options)
  }

  async onTestFileStart(test) {
    for (const reporter of this.reporters) {
      if (reporter.onTestFileStart) await reporter.onTestFileStart(test)
      else await reporter.onTestStart?.(test)
    }
  }

  async onTestCaseStart(test, info) {
    for (const reporter of this.reporters) await reporter.onTestCaseStart?.(test, info)
  }

  async onTestCaseResult(test, result) {
    for (const reporter of this.reporters) await reporter.onTestCaseResult?.(test, result)
  }

  async onTestFileResult(test, testResult, results) {
    for (const reporter of this.reporters) {
      if (reporter.onTestFileResult) await reporter.onTestFileResult(test, testResult, results)
      else await reporter.onTestResult?.(test, testResult, results)
    }
  }

  async onRunComplete(contexts, results) {
    for (const reporter of this.reporters) await reporter.onRunComplete?.(contexts, results)
    this.write(summaryLine(results))
  }

  getLastError() {
    for (const reporter of this.reporters) {
      const error = reporter.getLastError?.()
      if (error) return error
    }
    return undefined
  }
}
