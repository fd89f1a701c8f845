// ESM + ts-jest, as in actions/labeler: relative imports keep their .js suffix in source.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }
    ]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // Stryker's sandbox copies under .build/ are not this checkout's tests.
  testPathIgnorePatterns: ['/node_modules/', '/.build/'],
  testTimeout: 60000,
  // Jest's default reporter and summary run inside this one, so `tests: N passed, N failed` ends the output.
  reporters: ['<rootDir>/scripts/summary-reporter.js'],
  collectCoverageFrom: ['src/**/*.ts']
}
