/**
 * The notes the action's event flows add to a command's report (job summary) and to the
 * sticky comment: where the policy was read, why a pull request's run wrote nothing, what a
 * push promoted from. The flows hand over the facts; the sentences are chosen here.
 */
import { commentMarker } from './comment.js'
import { escape } from './markdown.js'

/** A report with a note under it, after a blank line. */
export function withNote(markdown: string, note: string): string {
  return `${markdown}\n${note}\n`
}

/** Where a pull request's policy is read: `the base branch (main at 1234567)`. */
export function baseBranchAt(baseRef: string, baseSha: string): string {
  return `the base branch (${baseRef} at ${baseSha.slice(0, 7)})`
}

/** Where a push's policy is read: `main before this push (1234567)`. */
export function beforePush(branch: string, before: string): string {
  return `${branch} before this push (${before.slice(0, 7)})`
}

/** `check` on a pull request: the policy is the base branch's, the candidate the head's. */
export function baseBranchNote(file: string, what: string, pullRequest: number): string {
  return `Judged by ${escape(file)} as ${escape(what)} has it, not as pull request #${pullRequest} changes it; the candidate is the pull request's files.`
}

/** The comment's note when the candidate already holds the stage. */
export function heldNote(version: string, stage: string): string {
  return `${escape(version)} already holds ${escape(stage)}: merging writes nothing.`
}

/** Why a pull request into another branch than the default one is only reported on. */
export function otherBaseReason(
  pullRequest: number,
  baseRef: string,
  defaultBranch: string | undefined
): string {
  return `pull request #${pullRequest} is into ${baseRef}, not the default branch (${defaultBranch ?? 'unknown: the payload names none'})`
}

/** The comment's note for a pull request into another branch (`otherBaseReason`). */
export function otherBaseNote(reason: string): string {
  return `This ${escape(reason)}: ModelGate reports on it and writes nothing to the registry, on approval or on merge.`
}

/** A pull request's report with its run's note (`pullRequestRunNote`) under it. */
export function withPullRequestRunNote(
  markdown: string,
  run: Parameters<typeof pullRequestRunNote>[0]
): string {
  return `${markdown}\n${pullRequestRunNote(run)}`
}

/** The job summary's note under a pull request's evaluation: written, or why not. */
export function pullRequestRunNote(run: {
  written: boolean
  pullRequest: number
  /** Set when the pull request is into another branch (`otherBaseReason`). */
  otherBase?: { reason: string; statusContext: string; sharedContext: string }
  eventName: string
  promoteOn: string | undefined
}): string {
  if (run.written) return `Promoted from pull request #${run.pullRequest} (promote-on: approval).\n`
  if (run.otherBase) {
    const { reason, statusContext, sharedContext } = run.otherBase
    return `Evaluated: ${escape(reason)}, so nothing was written to the registry and the status is ${escape(statusContext)}, not ${escape(sharedContext)}.\n`
  }
  return `Evaluated for pull request #${run.pullRequest}; nothing was written to the registry on ${run.eventName} (promote-on: ${run.promoteOn}).\n`
}

/** A push's report when nothing was evaluated (already done): which merge it was. */
export function mergedReport(pullRequest: number | undefined, markdown: string): string {
  return pullRequest !== undefined
    ? `Merged pull request #${pullRequest}: ${markdown.trim()}\n`
    : markdown
}

/** What a push promoted from: the merge of a pull request, or a commit and why no evidence. */
export function pushOrigin(push: {
  sha: string
  defaultBranch: string | undefined
  /** The pull request merged into the default branch by this push. */
  pullRequest?: number
  /** Else a merged pull request into another branch that produced the commit. */
  mergedElsewhere?: { number: number; baseRef: string }
}): string {
  if (push.pullRequest !== undefined) return `the merge of pull request #${push.pullRequest}`
  const commit = `commit ${push.sha.slice(0, 7)}`
  return push.mergedElsewhere
    ? `${commit}, the merge of pull request #${push.mergedElsewhere.number} into ${escape(push.mergedElsewhere.baseRef)}, not ${escape(String(push.defaultBranch))} (so its reviews and check runs do not count here)`
    : `${commit}, which no merged pull request produced (so no reviews or check runs were available)`
}

/** A push's report with its note (`pushNote`) under it. */
export function withPushNote(markdown: string, written: boolean, origin: string): string {
  return `${markdown}\n${pushNote(written, origin)}`
}

/** The note under a push's report: promoted or not, from `pushOrigin`. */
export function pushNote(written: boolean, origin: string): string {
  return written ? `Promoted on ${origin}.\n` : `Not promoted on ${origin}.\n`
}

/** A rollback's note: the promoting pull request's comment now says it was rolled back. */
export function notedOnPullRequest(pullRequest: number, version: string): string {
  return `Noted on pull request #${pullRequest}, which had promoted ${version}.`
}

/**
 * The comment with notes under its marker (the marker stays first, so it is found again). The
 * notes are markdown already (their builders escape what users wrote), so they are not escaped
 * again here: a version `a*b` reads `a*b`, not `a\*b`.
 */
export function withCommentNotes(
  body: string,
  target: { model: string; stage: string },
  notes: readonly string[]
): string {
  const marker = commentMarker(target.model, target.stage)
  const rest = body.startsWith(marker) ? body.slice(marker.length).replace(/^\n+/, '') : body
  const block = ['> [!NOTE]', ...notes.map(note => `> ${note.replace(/\r?\n|\r/g, ' ')}`)].join(
    '\n>\n'
  )
  return `${marker}\n\n${block}\n\n${rest}`
}
