import type { CommandOutcome } from '../commands/registry-context.js'
import { InvalidInputError } from '../errors.js'
import { loadPolicy } from '../policy/load.js'
import type { Settings } from '../inputs.js'
import { withCandidateArtifact } from './candidate-artifact.js'
import { checkOnPullRequest } from './check.js'
import { runCommand } from './commands.js'
import { monitorForEvent } from './monitor.js'
import { rolloutByDispatch } from './rollout.js'
import {
  forcedPromotionByDispatch,
  isDispatchWrite,
  promotionByDispatch,
  requireKnownActor,
  rollbackByDispatch
} from './dispatch.js'
import type { EventContext } from './github-context.js'
import { evaluatePullRequest, promoteOnMerge } from './pull-request.js'

export type { EventContext } from './github-context.js'

/** The events whose payload carries the pull request a promotion is evaluated on. */
export const PULL_REQUEST_EVENTS = [
  'pull_request',
  'pull_request_target',
  'pull_request_review'
] as const

/** Every event the action knows what to do with, named in the error for any other. */
export const SUPPORTED_EVENTS = [...PULL_REQUEST_EVENTS, 'push', 'workflow_dispatch'] as const

/**
 * The action's router by event. `promote` on a pull-request event evaluates (writing only with
 * `promote-on: approval`), on `push` promotes the merged pull request; `rollback` and a forced
 * `promote` run on `workflow_dispatch` after checking the actor's right; any other event is an
 * error for those two. `check`, `register`, `status` and `history` run on any event.
 */
export async function runForEvent(
  settings: Settings,
  context: EventContext
): Promise<CommandOutcome> {
  const event = context.eventName
  const isPullRequest = (PULL_REQUEST_EVENTS as readonly string[]).includes(event)
  if (event === 'workflow_dispatch' && isDispatchWrite(settings)) {
    requireKnownActor(settings, context)
  }
  if (settings.command === 'monitor') return monitorForEvent(settings, context)
  if (settings.command === 'rollout') {
    if (event !== 'workflow_dispatch') {
      throw unsupported(`command "rollout" runs on workflow_dispatch`, event)
    }
    return rolloutByDispatch(settings, context)
  }
  if (settings.command === 'rollback') {
    if (event !== 'workflow_dispatch') {
      throw unsupported(`command "rollback" runs on workflow_dispatch`, event)
    }
    return rollbackByDispatch(settings, context)
  }
  if (settings.command === 'promote' && settings.force) {
    if (event !== 'workflow_dispatch') {
      throw unsupported('a forced promotion runs on workflow_dispatch', event)
    }
    return forcedPromotionByDispatch(settings, context)
  }
  if (settings.command === 'promote' && isPullRequest) return evaluatePullRequest(settings, context)
  if (settings.command === 'promote' && event === 'push') return promoteOnMerge(settings, context)
  if (settings.command === 'promote' && event === 'workflow_dispatch') {
    return promotionByDispatch(settings, context)
  }
  if (settings.command === 'promote') {
    throw unsupported('command "promote" runs on these events only', event)
  }
  if (settings.command === 'check' && isPullRequest) return checkOnPullRequest(settings, context)
  const policy = settings.policy ? await loadPolicy(settings.policy) : undefined
  return withCandidateArtifact(settings, context, policy, resolved => runCommand(resolved, context))
}

function unsupported(what: string, event: string): InvalidInputError {
  return new InvalidInputError(
    `ModelGate does not support the ${event} event here: ${what}. Supported events: ${SUPPORTED_EVENTS.join(', ')} (promote on a pull request: ${PULL_REQUEST_EVENTS.join(', ')}; promote on merge: push; rollback and forced promote: workflow_dispatch)`
  )
}
