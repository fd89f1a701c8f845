import { ExitCode, ModelGateError } from '../errors.js'

/**
 * The registry changed under a write and the write could not be completed
 * safely: the race was lost more often than the retry budget allows, or the
 * registry holds events in the future of this machine's clock. Nothing was
 * left written. Exit 2 (blocked): re-run later.
 */
export class RegistryConflictError extends ModelGateError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, ExitCode.Blocked, options)
    this.name = 'RegistryConflictError'
  }
}
