import type { CommandOutcome } from '../commands/registry-context.js'
import { InvalidInputError } from '../errors.js'
import { parsePullRequest } from '../github/pulls.js'
import type { CheckSettings } from '../inputs.js'
import { baseBranchAt, baseBranchNote, withNote } from '../report/flow-notes.js'
import { withCandidateArtifact } from './candidate-artifact.js'
import { runCommand } from './commands.js'
import { readPayload, type EventContext } from './github-context.js'
import { policyAt } from './policy-at.js'

/**
 * `command: check` on a pull-request event: judged by the policy as the base commit has it,
 * never as the pull request changes it, or a pull request could loosen the gates of its own
 * check step. The candidate is still the checkout's (the pull request's) files: `check` is
 * advisory and writes nothing; what is promoted is judged again on merge.
 */
export async function checkOnPullRequest(
  settings: CheckSettings,
  context: EventContext
): Promise<CommandOutcome> {
  const payload = await readPayload(context)
  if (!payload.pull_request) {
    throw new InvalidInputError(`the ${context.eventName} payload has no pull_request`)
  }
  const pr = parsePullRequest(payload.pull_request)
  const { api, repo } = context.github(`Reading the policy of pull request #${pr.number}'s base`)
  const file = settings.policy
  const what = baseBranchAt(pr.baseRef, pr.baseSha)
  const { policy } = await policyAt(file, { rev: pr.baseSha, what }, { context, api, repo })
  const outcome = await withCandidateArtifact(settings, context, policy, resolved =>
    runCommand(resolved, context, { policy })
  )
  return { ...outcome, markdown: withNote(outcome.markdown, baseBranchNote(file, what, pr.number)) }
}
