/**
 * The log lines of the GitHub adapters (src/github/) and of the candidate artifact's download
 * (src/action/candidate-artifact.ts): what they did or left out, for the job log. The adapters
 * hand over the facts; the sentences are chosen here. Every line is made unable to act as a
 * workflow command (log.ts): names and messages in it can come from users.
 */
import { neutraliseCommands } from './log.js'

/** A problem with the sticky comments on an issue or pull request (comments.ts). */
export function commentProblemLine(issueNumber: number, message: string): string {
  return neutraliseCommands(`On #${issueNumber}, ${message}`)
}

/** A second ModelGate comment with the same marker, deleted (comments.ts). */
export function duplicateCommentLine(id: number, issueNumber: number): string {
  return `Deleting duplicate ModelGate comment ${id} on #${issueNumber}`
}

/** A merged pull request whose author's account is deleted, not taken as the commit's (pulls.ts). */
export function authorlessPullRequestLine(number: number | undefined, sha: string): string {
  return `Pull request #${number ?? '?'}, merged as ${sha.slice(0, 7)}, has no author (GitHub answers user: null for a deleted account): whose reviews count cannot be judged, so it is not taken as this commit's pull request`
}

/** Reviews by deleted accounts, not counted (reviews.ts). */
export function ghostReviewsLine(count: number, pullRequest: number): string {
  return `${count} review(s) of #${pullRequest} by deleted accounts (GitHub answers user: null) are not counted: whose they were cannot be judged`
}

/** A rate limit or a server error, retried after a wait (retry.ts); `hit` says which. */
export function retryLine(hit: string, attempt: number, of: number, waitSeconds: number): string {
  return neutraliseCommands(`${hit}; retry ${attempt} of ${of} in ${waitSeconds} s`)
}

/** The candidate artifact downloaded and unpacked (action/candidate-artifact.ts). */
export function candidateArtifactLine(
  name: string,
  artifact: { id: number; unpackedBytes: number },
  dir: string
): string {
  return neutraliseCommands(
    `Candidate artifact ${name} (id ${artifact.id}, ${artifact.unpackedBytes} bytes unpacked) is in ${dir}`
  )
}

/** Why the token's login could not be read (identity.ts): a debug line, the error's first line. */
export function tokenLoginLine(
  problem:
    | { kind: 'graphql-no-login' }
    | { kind: 'graphql-failed'; message: string }
    | { kind: 'installation-token' }
    | { kind: 'user-failed'; message: string }
): string {
  switch (problem.kind) {
    case 'graphql-no-login':
      return 'GitHub GraphQL: viewer has no login'
    case 'graphql-failed':
      return neutraliseCommands(
        `GitHub GraphQL viewer failed: ${problem.message.split('\n', 1)[0]}`
      )
    case 'installation-token':
      return 'GitHub GET /user: 403, an installation token (GITHUB_TOKEN or a GitHub App)'
    case 'user-failed':
      return neutraliseCommands(`GitHub GET /user failed: ${problem.message.split('\n', 1)[0]}`)
  }
}
