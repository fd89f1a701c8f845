import type { MonitorOutcome } from '../commands/monitor.js'
import type { CommandOutcome } from '../commands/registry-context.js'
import { InvalidInputError, PermissionError, errorMessage } from '../errors.js'
import type { MonitorSettings } from '../inputs.js'
import { withNote } from '../report/flow-notes.js'
import type { StageMonitorResult } from '../report/monitor.js'
import { rollbackNoteFailedWarning } from '../report/dispatch.js'
import { runMonitor } from './commands.js'
import { noteRollbackOnPullRequest } from './dispatch.js'
import { readPayload, type EventContext } from './github-context.js'
import { monitorRolloutOutputs } from './rollout.js'

/** The events `command: monitor` runs on: a schedule, or a start by hand or by an alerting system. */
export const MONITOR_EVENTS = ['schedule', 'workflow_dispatch', 'repository_dispatch'] as const

/**
 * `command: monitor`. A monitor run may roll a stage back by itself, so the policy (its source,
 * triggers and bounds) and a `file:` source must be the default branch's: `schedule` and
 * `repository_dispatch` always run on it; a `workflow_dispatch` is refused on any other ref, so
 * nobody can dispatch a branch whose policy points at metrics they wrote. An alert payload
 * starts an evaluation only: the run reads the source itself. After an automatic rollback, the
 * pull request that promoted the version taken out gets the verdict on its sticky comment.
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
  const acting = monitorActor(context)
  const outcome = await runMonitor(settings, acting)
  let markdown = outcome.markdown
  for (const stage of outcome.stages) {
    const note = await notePromotingPullRequest(acting, outcome, stage)
    if (note) markdown = withNote(markdown, note)
  }
  const rollouts = outcome.report.report.rollouts ?? []
  return { ...outcome, markdown, outputs: monitorRolloutOutputs(rollouts) }
}

/**
 * Who acts in a monitor run. Nobody chose the moment of a `schedule` or `repository_dispatch`
 * run: the workflow acts, so its rollback is recorded as the workflow's, e.g.
 * `github-actions (workflow "monitor", schedule)`, with the person GitHub names (whoever last
 * edited the cron line; the dispatching token's owner) kept as `initialActor`. On a
 * `workflow_dispatch` the person who dispatched it acts, as for every command.
 */
export function monitorActor(context: EventContext): EventContext {
  const event = context.eventName
  if (event !== 'schedule' && event !== 'repository_dispatch') return context
  const workflow = context.env.GITHUB_WORKFLOW?.replace(/["<>\r\n\0]/g, ' ').trim()
  return {
    ...context,
    actor: `github-actions (${workflow ? `workflow "${workflow}", ` : ''}${event})`,
    initialActor: context.actor
  }
}

/**
 * The "rolled back" section, with the monitor's verdict and breached triggers, on the sticky
 * comment of the pull request whose promotion the rollback took out (from that promotion's
 * audit record). The rollback is written already: failing to comment is a warning.
 */
async function notePromotingPullRequest(
  context: EventContext,
  outcome: MonitorOutcome,
  stage: StageMonitorResult
): Promise<string | undefined> {
  const { action, holder } = stage
  if (action.kind !== 'rollback' || !action.written || action.dryRun) return undefined
  if (action.pullRequest === undefined || holder === undefined) return undefined
  let github
  try {
    github = context.github(`Noting the automatic rollback on pull request #${action.pullRequest}`)
  } catch (error) {
    context.logger?.warning(rollbackNoteFailedWarning(action.pullRequest, errorMessage(error)))
    return undefined
  }
  return noteRollbackOnPullRequest(github, context, {
    number: action.pullRequest,
    takenOut: holder,
    target: { model: outcome.model, stage: stage.stage },
    done: {
      action: 'rolled-back',
      stage: stage.stage,
      version: action.restored,
      previous: holder,
      actor: context.actor,
      ...(stage.reason ? { reason: stage.reason } : {}),
      at: new Date(),
      ...(context.runUrl ? { runUrl: context.runUrl } : {}),
      automatic: {
        verdict: stage.verdict,
        breached: stage.triggers
          .filter(t => t.verdict.status === 'breach')
          .map(t => ({ name: t.verdict.trigger, summary: t.verdict.summary }))
      }
    }
  })
}
