// @ts-check
/**
 * Mutation testing of the gates (`npm run mutate`, not run in CI: too slow for it).
 * A surviving mutant is a decision no test pins. Equivalent mutants are marked in the source
 * with `// Stryker disable next-line <mutator>: <why>` where every mutant of that kind on the
 * line is equivalent. Where a line also holds mutants that tests do kill, the equivalent one
 * survives and is listed here, with why:
 *
 * - approvals.ts `canWrite = permission !== undefined && …` → `true && …`: an unknown
 *   permission ranks `undefined`, and `undefined >= 3` is false as well.
 * - thresholds.ts `rule.min !== undefined && value < rule.min` → `true && …`, and the same
 *   for `max`: a comparison with an absent bound is false as well.
 * - format.ts `if (!Number.isFinite(value))` → `false`: NaN and ±Infinity print the same
 *   through the branches below (`toFixed` of NaN digits is `toFixed(0)`).
 * - format.ts `magnitude >= 1e21` → `> 1e21`: exactly 1e21 prints `1e+21` either way.
 * - format.ts `magnitude >= 1 ? 4 : …` → `false` or `> 1`: for a magnitude of 1 or more
 *   the other branch also gives max(4, 3 − k) = 4 decimals.
 * - format.ts `text === '-0' ? '0' : text` → `false`: a guard; with at least 4 significant
 *   digits no branch rounds a non-zero value to `-0`.
 * - format.ts `precision <= 17` → `true`: 17 significant digits always tell two different
 *   doubles apart, so the loop ends there anyway.
 *
 * src/candidate/metrics.ts is mutated for its survivors' sake; its tests are the candidate
 * reader's, and its score is not part of the gates' 95%.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ['src/gates/**/*.ts', 'src/candidate/metrics.ts', 'src/monitor/verdict.ts'],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.stryker.config.js',
    enableFindRelatedTests: true
  },
  // Jest runs the ESM test files under node's VM modules, as `npm test` does.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings'],
  coverageAnalysis: 'perTest',
  // Results are reused for mutants whose code and tests did not change. The file stays out of
  // git (under .build/, ignored): it is a cache of one machine's runs, and a missing or stale
  // one only costs a full run, never a wrong score.
  incremental: true,
  incrementalFile: '.build/stryker/incremental.json',
  // The machine is shared: two cores at most.
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: '.build/stryker/mutation.html' },
  tempDirName: '.build/stryker-tmp',
  // The sandbox needs only the sources, tests and fixtures.
  ignorePatterns: ['dist', '.build', 'coverage', 'examples'],
  cleanTempDir: 'always',
  thresholds: { high: 95, low: 90, break: null }
}
