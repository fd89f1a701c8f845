import type { CommandOutcome } from '../commands/registry-context.js'
import { InvalidInputError, PermissionError } from '../errors.js'
import type { MonitorSettings } from '../inputs.js'
import { runCommand } from './commands.js'
import { readPayload, type EventContext } from './github-context.js'

/** The events `command: monitor` runs on: a schedule, or a start by hand or by an alerting system. */
export const MONITOR_EVENTS = ['schedule', 'workflow_dispatch', 'repository_dispatch'] as const

/**
 * `command: monitor`. A monitor run may roll a stage back by itself, so the policy (its source,
 * triggers and bounds) and a `file:` source must be the default branch's: `schedule` and
 * `repository_dispatch` always run on it; a `workflow_dispatch` is refused on any other ref, so
 * nobody can dispatch a branch whose policy points at metrics they wrote. An alert payload
 * starts an evaluation only: the run reads the source itself.
 */
export async function monitorForEvent(
  settings: MonitorSettings,
  context: EventContext
): Promise<CommandOutcome> {
  const event = context.eventName
  if (!(MONITOR_EVENTS as readonly string[]).includes(event)) {
    throw new InvalidInputError(
      `ModelGate does not support the ${event} event here: command "monitor" runs on ${MONITOR_EVENTS.join(', ')}`
    )
  }
  if (event === 'workflow_dispatch') {
    const payload = await readPayload(context)
    const repository = payload.repository as { default_branch?: unknown } | undefined
    const defaultBranch =
      typeof repository?.default_branch === 'string' ? repository.default_branch : undefined
    const ref = typeof payload.ref === 'string' ? payload.ref : context.ref
    if (!defaultBranch || ref !== `refs/heads/${defaultBranch}`) {
      throw new PermissionError(
        `command "monitor" may roll back, so it runs on the default branch's policy only: dispatch it on ${defaultBranch ?? 'the default branch'}, not ${ref ?? 'an unknown ref'}. Nothing written.`
      )
    }
  }
  return runCommand(settings, context)
}
