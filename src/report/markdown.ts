import { formatNumber, formatSigned, formatSize, plural } from '../gates/format.js'
import { showBidiControls } from './log.js'
import { skippedWarning } from '../gates/evaluate.js'
import { utc } from '../gates/min-days.js'
import { RELATIVE_EPSILON } from '../gates/regression.js'
import type { Decision, Evaluation, GateResult, GateStatus, MetricCheck } from '../gates/types.js'

/**
 * The one report: the sticky PR comment, the job summary, the CLI and the `report` output all
 * print exactly this. Pure and deterministic: the same evaluation gives the same bytes.
 * Text that comes from users (model and metric names, labels, file names, messages quoting
 * them) is escaped, so it cannot break the table or inject markup. Ends with a newline.
 */
export function renderMarkdown(evaluation: Evaluation, options: RenderOptions = {}): string {
  // Forced past gates that did not pass: the report says so, never "Blocked" above a promotion.
  const forced = passed(evaluation.decision) ? undefined : options.forced
  const blocks = [heading(evaluation, forced), overview(evaluation, forced)]
  const table = metricTable(evaluation)
  if (table) blocks.push(table)
  blocks.push(gateList(evaluation.gates))
  const warnings = otherWarnings(evaluation)
  if (warnings.length > 0) blocks.push(warningList(warnings))
  blocks.push(footer(evaluation))
  return `${blocks.join('\n\n')}\n`
}

export interface RenderOptions {
  /** A promotion forced past the gates: `done` when written, `planned` on a dry run. */
  forced?: 'done' | 'planned'
}

const STATUS_SYMBOL: Record<GateStatus, string> = {
  pass: '✅',
  fail: '❌',
  pending: '⏳',
  skipped: '⏭️'
}

const DECISION_TEXT: Record<Decision, string> = {
  pass: '✅ Passed',
  'pass-with-warnings': '⚠️ Passed with warnings',
  pending: '⏳ Pending',
  blocked: '❌ Blocked'
}

/** How the report names each gate; an unknown gate is shown by its identifier. */
const GATE_TITLE: Record<string, string> = {
  thresholds: 'Thresholds',
  regression: 'Regression vs champion',
  schema: 'Signature compatibility',
  transition: 'Stage order',
  artifact: 'Artifact integrity',
  min_days_in_source_stage: 'Days in source stage',
  checks: 'Required checks',
  approvals: 'Approvals',
  rolled_back: 'Rolled back from this stage',
  shadow_ready: 'Shadow ready',
  model_scan: 'Model-file scan',
  data_quality: 'Data quality',
  monitoring: 'Monitoring configured',
  provenance: 'Provenance'
}

/** Details shown per gate; the rest are counted, and all of them are in the JSON report. */
export const MAX_DETAILS = 20

function heading(evaluation: Evaluation, forced: RenderOptions['forced']): string {
  const past = forcedPast(evaluation.gates)
  const decision =
    forced === 'done'
      ? `⚠️ ${past.charAt(0).toUpperCase()}${past.slice(1)}`
      : forced === 'planned'
        ? `⚠️ Would be ${past}`
        : DECISION_TEXT[evaluation.decision]
  return `## ${decision}: ${escape(evaluation.model)} → ${escape(evaluation.stage)}`
}

function passed(decision: Decision): boolean {
  return decision === 'pass' || decision === 'pass-with-warnings'
}

/** The gates a forced promotion went past: those that failed, and those still pending. */
function overridden<G extends { gate: string; status: GateStatus }>(gates: readonly G[]) {
  return {
    failing: gates.filter(gate => gate.status === 'fail'),
    pending: gates.filter(gate => gate.status === 'pending')
  }
}

/**
 * What a forced promotion did, in the words the report, the registry's record and `history`
 * all use: `forced past 2 failing gates` (and `1 pending gate`, when one was still pending).
 */
export function forcedPast(gates: readonly { gate: string; status: GateStatus }[]): string {
  const { failing, pending } = overridden(gates)
  const parts = [
    ...(failing.length > 0 ? [plural(failing.length, 'failing gate')] : []),
    ...(pending.length > 0 ? [plural(pending.length, 'pending gate')] : [])
  ]
  return `forced past ${parts.length > 0 ? parts.join(' and ') : 'no failing gate'}`
}

/** {@link forcedPast} naming the gates, as plain text (a tag message's first line). */
export function forcedPastNamed(gates: readonly { gate: string; status: GateStatus }[]): string {
  const { failing, pending } = overridden(gates)
  const names = [...failing, ...pending].map(gate => gateName(gate.gate))
  return names.length > 0 ? `${forcedPast(gates)}: ${names.join(', ')}` : forcedPast(gates)
}

/** An audit record's outcome in a word or two (`history`): a forced promotion by what it did. */
export function recordOutcome(record: {
  kind: string
  decision: string
  written: boolean
  gates: readonly { gate: string; status: GateStatus }[]
}): string {
  return record.kind === 'forced-promotion' && record.written
    ? forcedPast(record.gates)
    : `${record.kind}: ${record.decision}`
}

function overview(evaluation: Evaluation, forced: RenderOptions['forced']): string {
  const candidate = `Candidate **${escape(evaluation.candidate.label)}**`
  const stage = escape(evaluation.stage)
  const championStage = escape(evaluation.championStage ?? evaluation.stage)
  const against = evaluation.champion
    ? `${candidate} vs champion **${escape(evaluation.champion.label)}**, the version in ${championStage} now.`
    : `${candidate}; no champion in ${stage} yet (first promotion).`
  return `${against}\n\n${forced ? forcedVerdict(evaluation, forced) : verdict(evaluation)}`
}

/** Which gates the force went past, by name and status. */
function forcedVerdict(evaluation: Evaluation, forced: 'done' | 'planned'): string {
  const { failing, pending } = overridden(evaluation.gates)
  const named = (gates: GateResult[]) => gates.map(gate => title(gate.gate)).join(', ')
  const what = [
    ...(failing.length > 0 ? [`${named(failing)} failed`] : []),
    ...(pending.length > 0 ? [`${named(pending)} pending`] : [])
  ].join('; ')
  return `${forced === 'done' ? 'Overridden' : 'Would be overridden'} by force: ${what}.`
}

/** One sentence saying why the decision is what it is. */
function verdict(evaluation: Evaluation): string {
  const named = (status: GateStatus): string[] =>
    evaluation.gates.filter(gate => gate.status === status).map(gate => title(gate.gate))
  const failed = named('fail')
  const pending = named('pending')
  const skipped = named('skipped').length
  const warnings = otherWarnings(evaluation).length
  const notes = [
    ...(skipped > 0 ? [`${plural(skipped, 'gate')} skipped`] : []),
    ...(warnings > 0 ? [`${plural(warnings, 'warning')} below`] : [])
  ]
  switch (evaluation.decision) {
    case 'blocked':
      return `Blocked by ${failed.length === 1 ? 'a failing gate' : `${failed.length} failing gates`}: ${failed.join(', ')}.`
    case 'pending':
      return `Nothing failed; waiting on: ${pending.join(', ')}.`
    case 'pass-with-warnings':
      return evaluation.gates.length === 0
        ? 'Nothing was checked: see the warning below.'
        : `No gate failed; ${notes.join(', ')}.`
    case 'pass':
      return 'Every gate passed.'
  }
}

function metricTable(evaluation: Evaluation): string | undefined {
  const rows = groupByMetric(evaluation.gates.flatMap(gate => gate.checks ?? []))
  if (rows.length === 0) return undefined
  const lines = [
    '| Metric | Champion | Candidate | Δ | Rule | Result |',
    '| :-- | --: | --: | --: | :-- | :-- |'
  ]
  for (const check of rows) {
    const delta =
      check.candidate !== undefined && check.champion !== undefined
        ? formatSigned(difference(check.candidate, check.champion))
        : '—'
    // Problems are worded to follow the metric name (`is NaN`); after `fail:` the `is` goes.
    const result = check.problem
      ? `${STATUS_SYMBOL[check.status]} ${check.status}: ${check.problem.replace(/^is /, '')}`
      : `${STATUS_SYMBOL[check.status]} ${check.status}`
    const cells = [
      check.metric,
      value(check.champion),
      value(check.candidate),
      delta,
      check.rule,
      result
    ]
    lines.push(`| ${cells.map(cell => escape(cell)).join(' | ')} |`)
  }
  return lines.join('\n')
}

/** Rows of the same metric together, metrics in order of first appearance, gates in their order. */
function groupByMetric(checks: MetricCheck[]): MetricCheck[] {
  const order: string[] = []
  const byMetric = new Map<string, MetricCheck[]>()
  for (const check of checks) {
    const group = byMetric.get(check.metric)
    if (group) group.push(check)
    else {
      order.push(check.metric)
      byMetric.set(check.metric, [check])
    }
  }
  return order.flatMap(metric => byMetric.get(metric) ?? [])
}

function gateList(gates: GateResult[]): string {
  if (gates.length === 0) return '### Gates\n\nNo gates are configured for this stage.'
  const lines = ['### Gates', '']
  for (const gate of gates) {
    lines.push(
      `- ${STATUS_SYMBOL[gate.status]} **${title(gate.gate)}** ${gate.status}: ${escape(gate.summary)}`
    )
    const details = gate.details ?? []
    for (const detail of details.slice(0, MAX_DETAILS)) lines.push(`  - ${escape(detail)}`)
    if (details.length > MAX_DETAILS) {
      lines.push(`  - … and ${details.length - MAX_DETAILS} more in the JSON report`)
    }
  }
  return lines.join('\n')
}

/** Warnings other than "gate X skipped", which the gate list already shows as skipped. */
function otherWarnings(evaluation: Evaluation): string[] {
  const shown = new Set(
    evaluation.gates.filter(gate => gate.status === 'skipped').map(gate => skippedWarning(gate))
  )
  return evaluation.warnings.filter(warning => !shown.has(warning))
}

function warningList(warnings: string[]): string {
  return ['### ⚠️ Warnings', '', ...warnings.map(warning => `- ${escape(warning)}`)].join('\n')
}

function footer(evaluation: Evaluation): string {
  const { candidate } = evaluation
  const size = formatSize(candidate.totalBytes)
  const when = utc(new Date(evaluation.evaluatedAt))
  return `*ModelGate · candidate ${escape(candidate.label)}: ${plural(candidate.fileCount, 'file')}, ${size} · evaluated ${when}*`
}

/**
 * `candidate − champion`, with a rounding residue (`0.3 − (0.1 + 0.2)` is `-5.6e-17`) shown
 * as the 0 it is, using the regression gate's own tolerance.
 */
function difference(candidate: number, champion: number): number {
  const delta = candidate - champion
  const tolerance = RELATIVE_EPSILON * Math.max(Math.abs(candidate), Math.abs(champion))
  return Math.abs(delta) <= tolerance ? 0 : delta
}

function title(gate: string): string {
  return Object.hasOwn(GATE_TITLE, gate) ? (GATE_TITLE[gate] ?? gate) : escape(gate)
}

/** A gate's name as plain text, for text that is not markdown. */
function gateName(gate: string): string {
  return Object.hasOwn(GATE_TITLE, gate) ? (GATE_TITLE[gate] ?? gate) : gate
}

function value(number: number | undefined): string {
  return number === undefined ? '—' : formatNumber(number)
}

/**
 * Inline text made inert: markdown punctuation that could start emphasis, code, links, HTML or
 * entities is backslash-escaped, `|` too (table cells), and line breaks become spaces. `_` is
 * left alone: GitHub does not emphasise inside words, and metric names are full of it.
 * Then {@link unlinked}: no @-mention, bare URL or issue reference renders live.
 */
export function escape(text: string): string {
  return unlinked(
    showBidiControls(text)
      .replace(/\r?\n|\r/g, ' ')
      .replace(/[\\`*[\]<>|~&]/g, '\\$&')
  )
}

const ZERO_WIDTH_SPACE = '\u200B'

/**
 * Text that GitHub shows as typed but links nothing: a zero-width space after every `@` (a
 * mention `@user`, `@org/team` or an email address needs a name character right after it),
 * inside `://` and `www.` (bare URLs), and after a `#` before a digit (`#12`, `owner/repo#12`
 * reference an issue and notify it). Invisible when read; not for code spans, which link nothing.
 */
export function unlinked(text: string): string {
  return text
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/:(?=\/\/)/g, `:${ZERO_WIDTH_SPACE}`)
    .replace(/(www)(?=\.)/gi, `$1${ZERO_WIDTH_SPACE}`)
    .replace(/#(?=\d)/g, `#${ZERO_WIDTH_SPACE}`)
}

/**
 * Text inside an HTML block (a `<summary>`), where markdown escapes do not apply: `&`, `<`,
 * `>` and quotes as entities, line breaks as spaces, and {@link unlinked}.
 */
export function escapeHtml(text: string): string {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;'
  }
  // unlinked first: its `#` rule would split the `&#39;` entity.
  return unlinked(showBidiControls(text).replace(/\r?\n|\r/g, ' ')).replace(
    /[&<>"']/g,
    c => entities[c] ?? c
  )
}
