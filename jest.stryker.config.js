// The jest config `npm run mutate` runs: only the tests of the mutated files, without the
// summary reporter. ts-jest already transpiles without type-checking (tsconfig sets
// isolatedModules), which matters when it compiles every mutant.
import base from './jest.config.js'

export default {
  ...base,
  reporters: ['default'],
  // Stryker's sandbox lives under .build/ (tempDirName): there, those are the tests to run.
  testPathIgnorePatterns: ['/node_modules/'],
  testMatch: [
    '**/__tests__/gates-*.test.ts',
    '**/__tests__/policy*.test.ts',
    '**/__tests__/candidate.test.ts',
    '**/__tests__/candidate-json.test.ts',
    '**/__tests__/monitor-verdict.test.ts',
    // The number formats the gates' messages use are pinned with the report's.
    '**/__tests__/report-markdown.test.ts'
  ]
}
