/** Policy tests that expect a policy to be refused. */
import { InvalidInputError, ModelGateError } from '../../src/errors.js'
import { parsePolicy } from '../../src/policy/load.js'

/**
 * What parsing `text` (as `file`) threw, as `line:column keyPath: problem`; fails the test when it
 * did not throw, or threw anything but an InvalidInputError (exit 2) located in `file`.
 */
export function policyProblems(text: string, file = 'p.yml'): string[] {
  try {
    parsePolicy(text, file)
  } catch (error) {
    if (!(error instanceof ModelGateError)) throw error
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.exitCode).toBe(2)
    return error.locations.map(({ file: located, line, column, keyPath, problem }) => {
      expect(located).toBe(file)
      return `${line}:${column} ${keyPath}: ${problem}`
    })
  }
  throw new Error('expected an error, but the policy was accepted')
}
