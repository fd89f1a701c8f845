import { utc } from '../gates/min-days.js'
import { plural } from '../gates/format.js'
import type { ApprovalTally, Evaluation, GateResult, ReviewerAt } from '../gates/types.js'
import { escape, renderMarkdown } from './markdown.js'
import { renderTrend, TREND_HOLDERS as TREND_ROWS_MAX, type StageTrend } from './stage-trend.js'
import { renderPromotedRollout, type RolloutChart } from './rollout-chart.js'

/** GitHub refuses comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536

/**
 * The hidden first line that finds the sticky comment again: one comment per model and stage.
 * Stage names cannot hold `:`, so `model:stage` is unambiguous even for `dir/sub:model` names.
 */
export function commentMarker(model: string, stage: string): string {
  // Without `>` no name can end the HTML comment early (`-->`, `--!>`) and inject markup.
  return `<!-- modelgate:${`${model}:${stage}`.replace(/>/g, '&gt;')} -->`
}

/** What a run did to the registry, shown at the top of the comment once it happened. */
export interface DoneAction {
  action: 'promoted' | 'rolled-back'
  stage: string
  /** The version that holds the stage now. */
  version: string
  /** The version that held it before, when there was one. */
  previous?: string
  /** Who triggered it (a login). */
  actor?: string
  /** Why (rollbacks and forced promotions). */
  reason?: string
  forced?: boolean
  at: Date
  /** The workflow run that did it. */
  runUrl?: string
  /** An automatic rollback by `monitor`: its verdict and the triggers that breached. */
  automatic?: { verdict: string; breached: { name: string; summary: string }[] }
}

export interface CommentInput {
  evaluation: Evaluation
  /**
   * When this workflow promotes: on merge of the pull request (default), or as soon as every
   * gate passes on the pull request (`promote-on: approval`). Drives "what happens on merge".
   */
  promoteOn?: 'merge' | 'approval'
  /** The pull request is merged (the `push` run): say what the merge did, not what it will do. */
  merged?: boolean
  /** Set when the pull request changes the policy file: the evaluation used the base branch's. */
  policyChanged?: { path: string }
  /** After a promotion or rollback: what was done. */
  done?: DoneAction
  /** The workflow run, whose job summary holds the full report: linked when shortening. */
  runUrl?: string
  /** The stage's last holders and their metrics (registry audit records): a chart and a table. */
  trend?: StageTrend
  /** The canary rollout of the version, when the stage follows a canary: its steps and chart. */
  rollout?: RolloutChart
}

export interface CommentOptions {
  /** Longest body allowed, in UTF-16 code units (never fewer than GitHub's characters). */
  limit?: number
}

/** Names listed per line of the reviews section before "and N more". */
const MAX_NAMES = 30

/**
 * The sticky PR comment: the marker, what was done (after a promotion or rollback), a note
 * when the pull request changes the policy, the one markdown report ({@link renderMarkdown},
 * byte for byte), who has approved and which groups still need someone, and what happens on
 * merge, before the report's footer line.
 *
 * Kept within `limit` (GitHub's 65,536) by shortening, in this order: gate details go, then
 * metric rows from the end of the table, then (only for pathological input) the report's
 * tail is cut at a line. A shortened comment says so and points to the job summary, which
 * always holds the full report.
 */
export function renderComment(input: CommentInput, options: CommentOptions = {}): string {
  const limit = options.limit ?? COMMENT_LIMIT
  const report = renderMarkdown(input.evaluation)
  const trend = renderTrend(input.trend)
  const rollout = renderPromotedRollout(input.rollout)
  const full = compose(input, report, undefined, trend, rollout)
  if (full.length <= limit) return full
  // The rollout's charts go first (their tables stay), then the rollout section whole.
  const rolloutLost = rollout === undefined ? '' : 'the rollout chart and tables, '
  if (rollout !== undefined) {
    const note = shortenedNote('the rollout charts are left out (their tables stay)', input.runUrl)
    const tables = renderPromotedRollout(input.rollout, { chart: false })
    const body = compose(input, report, note, trend, tables)
    if (body.length <= limit) return body
  }
  if (trend !== undefined) {
    const fitted = fitTrend(input, report, limit, rolloutLost)
    if (fitted !== undefined) return fitted
  }

  const noDetails: Evaluation = {
    ...input.evaluation,
    gates: input.evaluation.gates.map(withoutDetails)
  }
  // The metric history goes first, whole, before anything of the report itself.
  const lost = rolloutLost + (trend === undefined ? '' : 'the metric history of the stage, ')
  const shortened = (report: string, what: string) =>
    compose(input, report, shortenedNote(lost + what, input.runUrl))
  const body = shortened(renderMarkdown(noDetails), 'gate details are left out')
  if (body.length <= limit) return body

  const metrics = metricOrder(noDetails.gates)
  const fits = (kept: number) => {
    const keptMetrics = new Set(metrics.slice(0, kept))
    const evaluation = {
      ...noDetails,
      gates: noDetails.gates.map(gate => keepMetrics(gate, keptMetrics))
    }
    const dropped = metrics.length - kept
    return shortened(
      renderMarkdown(evaluation),
      `gate details and the last ${plural(dropped, 'metric')} of the table are left out`
    )
  }
  // The largest number of metrics that still fits: binary search, the body grows with it.
  let low = 0
  let high = metrics.length - 1
  let best: string | undefined
  while (low <= high) {
    const middle = Math.floor((low + high) / 2)
    const candidate = fits(middle)
    if (candidate.length <= limit) {
      best = candidate
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  if (best !== undefined) return best
  return cutToFit(input, fits(0), limit, lost)
}

/** Last resort: the report (already without details and table) cut at a line boundary. */
function cutToFit(input: CommentInput, body: string, limit: number, lost = ''): string {
  const note = shortenedNote(`${lost}the report is cut short here`, input.runUrl)
  const report = renderMarkdown({
    ...input.evaluation,
    gates: input.evaluation.gates.map(gate => keepMetrics(withoutDetails(gate), new Set()))
  })
  const overhead = compose(input, '', note).length
  const room = limit - overhead - 1
  if (room <= 0) return compose(input, '', note).slice(0, limit)
  const cut = report.slice(0, room)
  const atLine = cut.lastIndexOf('\n')
  const shortReport = `${atLine > 0 ? cut.slice(0, atLine) : cut}\n`
  const result = compose(input, shortReport, note)
  return result.length <= limit ? result : body.slice(0, limit)
}

/**
 * The comment with the metric history shortened to fit: its charts left out, then its table's
 * rows oldest first; undefined when even one row does not fit with the whole report.
 */
function fitTrend(
  input: CommentInput,
  report: string,
  limit: number,
  lost = ''
): string | undefined {
  const holders = input.trend?.holders.length ?? 0
  const withRows = (rows: number) => {
    const dropped = Math.min(holders, TREND_ROWS_MAX) - rows
    const what =
      dropped > 0
        ? `the metric charts and the oldest ${plural(dropped, 'row')} of their table are left out`
        : 'the metric charts are left out (their table stays)'
    return compose(
      input,
      report,
      shortenedNote(lost + what, input.runUrl),
      renderTrend(input.trend, { chart: false, rows })
    )
  }
  const all = Math.min(holders, TREND_ROWS_MAX)
  if (withRows(all).length <= limit) return withRows(all)
  // The most rows that still fit: binary search, the body grows with them.
  let low = 1
  let high = all - 1
  let best: string | undefined
  while (low <= high) {
    const middle = Math.floor((low + high) / 2)
    const body = withRows(middle)
    if (body.length <= limit) {
      best = body
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return best
}

function compose(
  input: CommentInput,
  report: string,
  note?: string,
  trend?: string,
  rollout?: string
): string {
  const { evaluation } = input
  const lines = report.replace(/\n$/, '').split('\n')
  // The report ends with its footer line; our sections go above it.
  const footer = lines.at(-1)?.startsWith('*ModelGate') ? lines.pop() : undefined
  const blocks = [commentMarker(evaluation.model, evaluation.stage)]
  if (input.done) blocks.push(doneSection(input.done))
  if (input.policyChanged) blocks.push(policyNote(input.policyChanged.path))
  const body = lines.join('\n').trim()
  if (body) blocks.push(body)
  if (trend) blocks.push(trend)
  if (rollout) blocks.push(rollout)
  const approvals = approvalsSection(evaluation.gates.find(gate => gate.gate === 'approvals'))
  if (approvals) blocks.push(approvals)
  if (!input.done) blocks.push(mergeSection(input))
  if (note) blocks.push(note)
  if (footer) blocks.push(footer)
  return `${blocks.join('\n\n')}\n`
}

function doneSection(done: DoneAction): string {
  const by = done.actor ? ` by ${code(done.actor)}` : ''
  const when = ` at ${utc(done.at)}`
  const run = done.runUrl ? ` · [workflow run](${done.runUrl})` : ''
  const reason = done.reason ? `\n\nReason: ${escape(done.reason)}` : ''
  const version = `**${escape(done.version)}**`
  const stage = `**${escape(done.stage)}**`
  if (done.action === 'promoted') {
    const previous = done.previous
      ? `, replacing ${escape(done.previous)} (kept for rollback)`
      : ' (first version in this stage)'
    const forced = done.forced ? ' **forced**, gates overridden,' : ''
    return `### ✅ Promoted\n\n${version} is now in ${stage}${previous}: promoted${forced}${by}${when}${run}.${reason}`
  }
  const previous = done.previous ? ` (was ${escape(done.previous)})` : ''
  const how = done.automatic ? ' **automatically** by `modelgate monitor`, run' : ''
  return `### ↩️ Rolled back\n\n${stage} is back on ${version}${previous}: rolled back${how}${by}${when}${run}.${automaticText(done.automatic)}${reason}`
}

/** The verdict of an automatic rollback and each breached trigger with its summary. */
function automaticText(automatic: DoneAction['automatic']): string {
  if (!automatic) return ''
  const triggers = automatic.breached.map(t => `- **${escape(t.name)}**: ${escape(t.summary)}`)
  return `\n\nMonitor verdict: **${escape(automatic.verdict)}**; breached trigger${automatic.breached.length === 1 ? '' : 's'}:\n\n${triggers.join('\n')}`
}

/**
 * An existing sticky comment with what was done added at its top (below the marker), the
 * report and earlier "what was done" sections kept: how a rollback, which has no evaluation of
 * its own, is told on the pull request that promoted the version. Without an existing body the
 * comment is the marker and the section alone. Adding the same section twice (a re-run) changes
 * nothing. Stays within `limit` by cutting the old report's tail at a line.
 */
export function addDone(
  existing: string | undefined,
  done: DoneAction,
  target: { model: string; stage: string },
  options: CommentOptions = {}
): string {
  const limit = options.limit ?? COMMENT_LIMIT
  const marker = commentMarker(target.model, target.stage)
  const section = doneSection(done)
  const rest = (existing ?? '').startsWith(marker)
    ? (existing ?? '').slice(marker.length).trim()
    : (existing ?? '').trim()
  if (rest.includes(section)) return existing ?? ''
  const head = `${marker}\n\n${section}\n`
  const body = rest ? `${head}\n${rest}\n` : head
  if (body.length <= limit) return body
  const note = shortenedNote('the earlier report is cut short here', done.runUrl)
  const room = limit - head.length - note.length - 4
  const cut = rest.slice(0, Math.max(0, room))
  const atLine = cut.lastIndexOf('\n')
  return `${head}\n${atLine > 0 ? cut.slice(0, atLine) : ''}\n\n${note}\n`
}

function policyNote(path: string): string {
  return [
    '> [!NOTE]',
    `> This pull request changes the policy file ${code(path)}. The policy change takes effect after merge; this evaluation used the base branch's policy.`
  ].join('\n')
}

function approvalsSection(gate: GateResult | undefined): string | undefined {
  const tally = gate?.approvals
  if (!tally) return undefined
  const lines = ['### Reviews', '']
  lines.push(
    `- Approved: ${tally.approvedBy.length > 0 ? names(tally.approvedBy, true) : 'nobody yet'}`
  )
  if (tally.changesRequestedBy.length > 0) {
    lines.push(`- Changes requested (blocks): ${names(tally.changesRequestedBy, true)}`)
  }
  if (tally.stale.length > 0) {
    lines.push(`- Approved before the latest push, not counted: ${names(tally.stale, true)}`)
  }
  if (tally.noPermission.length > 0) {
    lines.push(
      `- Without write access, not counted: ${list(
        tally.noPermission.map(r => `${code(r.login)} (${escape(r.permission)})`)
      )}`
    )
  }
  if (tally.byAuthor.length > 0) {
    lines.push(`- The author's own review, not counted: ${names(tally.byAuthor, false)}`)
  }
  const needs = stillNeeded(tally)
  lines.push(
    needs.length > 0
      ? `- Still needed: ${needs.join('; ')}`
      : '- Still needed: nobody, every approval requirement is met'
  )
  return lines.join('\n')
}

function stillNeeded(tally: ApprovalTally): string[] {
  const needs: string[] = []
  for (const group of tally.groups) {
    const missing = group.min - group.approvers.length
    if (missing <= 0) continue
    let text = `${missing} more from **${escape(group.name)}**`
    if (group.unknownTeams.length > 0) {
      text += ` (membership of ${group.unknownTeams.map(t => code(t.team)).join(', ')} cannot be read with this token)`
    }
    needs.push(text)
  }
  const missing = tally.required.min - tally.required.have
  if (missing > 0) needs.push(`${missing} more from anyone with write access`)
  return needs
}

function mergeSection(input: CommentInput): string {
  const { evaluation } = input
  const version = `**${escape(evaluation.candidate.version ?? evaluation.candidate.label)}**`
  const stage = `**${escape(evaluation.stage)}**`
  const replacing = evaluation.champion ? `, replacing ${escape(evaluation.champion.label)}` : ''
  const waiting = evaluation.gates
    .filter(gate => gate.status === 'pending')
    .map(gate => gate.gate.replace(/_/g, ' '))
  if (input.merged) return afterMergeSection(evaluation, version, stage, waiting)
  const approval = input.promoteOn === 'approval'
  const heading = approval ? '### On approval' : '### On merge'
  let text: string
  switch (evaluation.decision) {
    case 'pass':
    case 'pass-with-warnings':
      text = approval
        ? `Every gate passes: ModelGate promotes ${version} to ${stage}${replacing}.`
        : `Merging promotes ${version} to ${stage}${replacing}. The gates are checked again on merge.`
      break
    case 'pending':
      text = approval
        ? `${version} is promoted to ${stage} as soon as every gate passes; waiting on ${waiting.join(', ')}.`
        : `Not yet: merging now will not promote ${version} to ${stage}; waiting on ${waiting.join(', ')}.`
      break
    case 'blocked':
      text = `Blocked: ${approval ? 'ModelGate' : 'merging'} will not promote ${version} to ${stage} until the failing gates pass.`
      break
  }
  return `${heading}\n\n${text}`
}

function afterMergeSection(
  evaluation: Evaluation,
  version: string,
  stage: string,
  waiting: readonly string[]
): string {
  const why =
    evaluation.decision === 'pending'
      ? `waiting on ${waiting.join(', ')}`
      : evaluation.decision === 'blocked'
        ? 'gates fail'
        : 'this run was a dry run'
  return `### After merge\n\nMerged, but ${version} was **not** promoted to ${stage}: ${why}. A merged pull request takes no more reviews: open a new promotion pull request, or a maintainer can promote by hand from workflow_dispatch (a forced promotion needs a reason and is recorded).`
}

function shortenedNote(what: string, runUrl: string | undefined): string {
  const summary = runUrl ? `[job summary](${runUrl})` : 'job summary of the workflow run'
  return `> [!NOTE]\n> Shortened to fit GitHub's comment limit: ${what}. The full report is in the ${summary}.`
}

function withoutDetails(gate: GateResult): GateResult {
  const copy = { ...gate }
  delete copy.details
  return copy
}

function keepMetrics(gate: GateResult, keep: ReadonlySet<string>): GateResult {
  return gate.checks ? { ...gate, checks: gate.checks.filter(c => keep.has(c.metric)) } : gate
}

/** Metrics in the order the report's table shows them: first appearance across the gates. */
function metricOrder(gates: readonly GateResult[]): string[] {
  return [...new Set(gates.flatMap(gate => (gate.checks ?? []).map(check => check.metric)))]
}

function names(reviewers: readonly ReviewerAt[], withCommit: boolean): string {
  return list(
    reviewers.map(r =>
      withCommit && r.commit ? `${code(r.login)} (${r.commit.slice(0, 7)})` : code(r.login)
    )
  )
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, MAX_NAMES).join(', ')
  return items.length > MAX_NAMES ? `${shown} and ${items.length - MAX_NAMES} more` : shown
}

/** A login or path as code (no @-mention, no markup); escaped text when it holds a backtick. */
function code(text: string): string {
  return text.includes('`') ? escape(text) : `\`${text.replace(/\r?\n|\r/g, ' ')}\``
}
