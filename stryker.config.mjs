// @ts-check
/**
 * Mutation testing of the gates (`npm run mutate`, not run in CI: too slow for it).
 * Each surviving mutant is a decision no test pins; the equivalent ones that may stay are
 * marked in the source with `// Stryker disable next-line <mutator>: <why>`.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ['src/gates/**/*.ts', 'src/candidate/metrics.ts'],
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
