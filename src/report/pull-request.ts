/**
 * The lines of the pull-request flow (src/action/pull-request.ts) other than its notes
 * (flow-notes.ts) and its commit status (commit-status.ts): why GitHub gave the run a read-only
 * token, and the log lines about the sticky comment and the commit status. The flow hands over
 * the facts; the sentences are chosen here. Log lines are made unable to act as workflow
 * commands (log.ts).
 */
import { neutraliseCommands } from './log.js'

/** Why GitHub gives a pull-request run a read-only token whatever `permissions:` says. */
export type ReadOnlyReason =
  { kind: 'deleted-fork' } | { kind: 'fork'; repository: string } | { kind: 'dependabot' }

/** The reason in words, e.g. `the pull request comes from the fork a/b, and GitHub gives …`. */
export function readOnlyText(reason: ReadOnlyReason): string {
  switch (reason.kind) {
    case 'deleted-fork':
      return 'the pull request comes from a fork that no longer exists, and GitHub gives fork pull requests a read-only token'
    case 'fork':
      return `the pull request comes from the fork ${reason.repository}, and GitHub gives fork pull requests a read-only token`
    case 'dependabot':
      return 'Dependabot triggered this run, and GitHub gives runs Dependabot triggers a read-only token'
  }
}

/** What the flow writes on the pull request: the sticky comment, or a commit status. */
export type PublishedPart = { kind: 'comment' } | { kind: 'status'; context: string }

/**
 * The warning when GitHub refused the comment or the status and the run goes on (the registry
 * was written, or the token may not write): what was not written, and why. `readOnly` is given
 * when the refusal was a permission and the event shows a read-only token.
 */
export function notPublishedWarning(refused: {
  part: PublishedPart
  pullRequest: number
  written: boolean
  problem: string
  readOnly?: ReadOnlyReason
}): string {
  const what =
    refused.part.kind === 'comment' ? 'sticky comment' : `commit status ${refused.part.context}`
  const why = refused.readOnly
    ? `${readOnlyText(refused.readOnly)}, whatever \`permissions:\` says. The evaluation stands: it is in the job summary and the decision and report outputs (see "Fork pull requests" in docs/security.md)`
    : refused.problem
  const lead = refused.written ? 'The promotion was written, but the' : 'The'
  return neutraliseCommands(
    `${lead} ${what} on #${refused.pullRequest} could not be written: ${why}`
  )
}

/** The log line once the sticky comment is posted or edited. */
export function commentPublishedLine(action: string, pullRequest: number): string {
  return `Sticky comment ${action} on #${pullRequest}`
}
