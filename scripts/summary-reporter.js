// A jest reporter that ends every run with one plain line, `tests: N passed, N failed`,
// the closing line CI reads whatever the runner. Counts come from jest's own results.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    // A suite that failed outside any test (it could not load) counts as one failure.
    const failed = Math.max(
      results.numFailedTests + results.numRuntimeErrorTestSuites,
      results.numFailedTestSuites
    )
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${failed} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        '\n'
    )
  }
}
