// A jest reporter that ends every run with one plain line, `tests: N passed, N failed`,
// the closing line CI reads whatever the runner. Counts come from jest's own results.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const counted = results.numFailedTests + results.numRuntimeErrorTestSuites
    // A run that failed outside any test (a broken config, a missing module) still says so.
    const failed = counted === 0 && !results.success ? 1 : counted
    process.stdout.write(
      `tests: ${results.numPassedTests} passed, ${failed} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        '\n'
    )
  }
}
