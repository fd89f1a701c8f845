/**
 * The action's lines for a failed step (src/main.ts fails the step with them, or warns with a
 * blocked run's when `fail-on-blocked` is off): what stopped, and where to read why.
 */
import { ExitCode } from '../errors.js'

/** A run that ended blocked (exit code 2 or above): the command, and its stage if it has one. */
export interface BlockedRun {
  command: string
  stage?: string
  /** The gates' decision, when the command made one. */
  decision?: string
  exitCode: number
  /** The hand-off to serving of a change this run wrote failed (its own annotation says how). */
  handOffFailed?: boolean
}

/** E.g. `ModelGate check: production promotion is blocked; see the report.` */
export function blockedLine(run: BlockedRun): string {
  if (run.command === 'monitor') {
    const what =
      run.exitCode === ExitCode.MonitorRolledBack
        ? 'a breach rolled a stage back or aborted a rollout automatically'
        : run.exitCode === ExitCode.MonitorNeedsPerson
          ? 'a breach needs a person (see why in the report)'
          : 'blocked'
    return `ModelGate monitor: ${what}; see the report.${run.handOffFailed ? HAND_OFF_FAILED : ''}`
  }
  return `ModelGate ${run.command}: ${run.stage ?? 'the'} promotion is ${run.decision ?? 'blocked'}; see the report.`
}

/** Said with the monitor's own failure when its hand-off failed too: both are facts to act on. */
const HAND_OFF_FAILED =
  ' And the hand-off to serving failed (the annotation "ModelGate hand-off to serving" says what to do):' +
  ' serving may not have been told, so the traffic may not match the registry: it may still reach a version taken out.'

/** A failure no ModelGate error named (a bug, or a throw from a dependency). */
export function unexpectedFailureLine(message: string): string {
  return `ModelGate failed unexpectedly: ${message}`
}

/** The log group of the command's run, e.g. `modelgate promote`. */
export function commandGroupTitle(command: string): string {
  return `modelgate ${command}`
}

/** The log group and the annotation title of the hand-off to serving. */
export const HAND_OFF_GROUP_TITLE = 'modelgate hand-off to serving'
export const HAND_OFF_ANNOTATION_TITLE = 'ModelGate hand-off to serving'

/** The title of an annotation on a policy line. */
export const ANNOTATION_TITLE = 'ModelGate'
