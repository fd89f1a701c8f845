import { ExitCode } from '../errors.js'
import type { Decision } from '../gates/types.js'

/** The documented exit code for a decision: only `pass` is 0, and nothing blocked exits below 2. */
export function exitCodeFor(decision: Decision): ExitCode {
  switch (decision) {
    case 'pass':
      return ExitCode.Pass
    case 'pass-with-warnings':
      return ExitCode.PassWithWarnings
    case 'pending':
    case 'blocked':
      return ExitCode.Blocked
  }
}
