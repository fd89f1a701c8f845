/**
 * What `modelgate report` prints: a compliance report of a time window (commands/report.ts
 * gathers it from the registry). Markdown (or aligned columns on a terminal) and JSON; every
 * registry string (names, logins, reasons, tag names) is escaped by the table renderer.
 */
import type { RolloutStep } from '../rollout/step-types.js'
import { escape } from './markdown.js'
import { utcSeconds } from './registry-tables.js'
import { renderTable, type Cell, type TableFormat } from './terminal-table.js'

export interface PromotionEntry {
  at: Date
  model: string
  stage: string
  version: string
  /** The stage the version came from (`candidate` for a registered version). */
  from: string | null
  /** The version that held the stage before. */
  previous: string | null
  forced: boolean
  actor: string
  /** The approvals that counted (logins). */
  approvers: string[]
  pullRequest?: number
  reason?: string
  /** The registry's identifier of the event (git: the tag). */
  id: string
}

export interface RollbackEntry {
  at: Date
  model: string
  stage: string
  restored: string | null
  removed: string | null
  /** By `modelgate monitor` on a breach (kind automatic-rollback), not by a person. */
  automatic: boolean
  actor: string
  reason?: string
  id: string
}

/** How long a version held a stage within the window. */
export interface StageTime {
  model: string
  stage: string
  version: string
  ms: number
  /** It still held the stage at the end of the window (or now). */
  holdsAtEnd: boolean
}

/**
 * A change ModelGate did not make (audit/made-by.ts): a stage event with no ModelGate record of
 * its own, a deregistration or a deprecation (ModelGate writes neither).
 */
export interface UnrecordedChange {
  /** Invalid (NaN) when the registry keeps no time for it (an MLflow alias set by hand). */
  at: Date
  model: string
  /** Absent for a deregistration or a deprecation: they touch no one stage. */
  stage?: string
  /**
   * `holder`: a current holder whose assignment was not made by ModelGate and is not among the
   * window's events (dated outside it, or not in the registry's history at all).
   */
  kind: 'assignment' | 'unassignment' | 'holder' | 'deregistration' | 'deprecation'
  version?: string
  by: string
  /** Git: the tag; MLflow: the alias. */
  id: string
}

/**
 * An event whose date cannot be right: later than now, or earlier than an event the registry
 * counted before it (git: a tag `#N` dated before a tag with a lower `#N`). Tag dates are set by
 * whoever makes the tag, so such a date was set by hand, to move the event out of a window.
 */
export interface DoubtfulDate {
  at: Date
  model: string
  /** The registry event's kind (assignment, deregistration, ...). */
  kind: string
  stage?: string
  version?: string
  by: string
  id: string
  /** Why the date is doubted, in words. */
  why: string
}

export interface ComplianceReport {
  model?: string
  since: Date
  until: Date
  promotions: PromotionEntry[]
  rollbacks: RollbackEntry[]
  /** Rollout steps written by `modelgate rollout` or `monitor` in the window, oldest first. */
  rolloutSteps: RolloutStep[]
  stageTime: StageTime[]
  unrecorded: UnrecordedChange[]
  /** Every event of the registry (in or out of the window) with a doubtful date. */
  doubtfulDates: DoubtfulDate[]
}

/** Why a change is listed, as status and history say it. */
const NOT_BY_MODELGATE =
  'no ModelGate record of its own: made by hand or by another tool (GTO, the MLflow client), or its message holds no record of a write that fits it, copies the record of another event or is not dated as its record'

const NONE = '—'

export function renderCompliance(
  report: ComplianceReport,
  format: TableFormat = 'md'
): { markdown: string; json: string } {
  const md = format === 'md'
  const text = (value: string) => (md ? escape(value) : value)
  const who = report.model === undefined ? 'every model' : text(report.model)
  const sections = [
    `## Compliance report: ${who}, ${utcSeconds(report.since)} to ${utcSeconds(report.until)} (UTC)`,
    unrecordedSection(report, format),
    ...(report.doubtfulDates.length > 0 ? [doubtfulSection(report, format)] : []),
    promotionsSection(report, format),
    rollbacksSection(report, format),
    rolloutSection(report, format),
    stageTimeSection(report, format)
  ]
  return { markdown: `${sections.join('\n\n').trimEnd()}\n`, json: complianceJson(report) }
}

function unrecordedSection(report: ComplianceReport, format: TableFormat): string {
  const changes = report.unrecorded
  if (changes.length === 0) {
    return '### Changes not made by ModelGate: none\n\nEvery stage change in the window has a ModelGate record.'
  }
  const rows = changes.map((change): Cell[] => [
    utcSeconds(change.at),
    change.model,
    change.kind === 'holder' ? 'holds the stage' : change.kind,
    change.stage ?? NONE,
    change.version ?? NONE,
    change.by,
    // A code span: the tag name copies as it is (no escapes or zero-width spaces inside).
    { text: change.id, markdown: codeSpan(change.id) }
  ])
  const table = renderTable(
    { headers: ['When (UTC)', 'Model', 'Event', 'Stage', 'Version', 'By', 'Tag / alias'], rows },
    format
  )
  return `### ⚠️ Changes not made by ModelGate: ${changes.length}\n\nEach has ${NOT_BY_MODELGATE}; a stage's current holder of that kind is listed whatever the window, and so is every deregistration and deprecation in the window (ModelGate writes neither). The report exits 1.\n\n${table.trimEnd()}`
}

function doubtfulSection(report: ComplianceReport, format: TableFormat): string {
  const rows = report.doubtfulDates.map((d): Cell[] => [
    utcSeconds(d.at),
    d.model,
    d.kind,
    d.stage ?? NONE,
    d.version ?? NONE,
    d.by,
    { text: d.id, markdown: codeSpan(d.id) },
    d.why
  ])
  const headers = ['When (UTC)', 'Model', 'Event', 'Stage', 'Version', 'By', 'Tag / alias', 'Why']
  return `### ⚠️ Dates out of step: ${report.doubtfulDates.length}\n\nA tag's date is whatever its maker set: these, in or out of the window, are later than now or earlier than an event counted before them, so they were set by hand. The report exits 1.\n\n${renderTable({ headers, rows }, format).trimEnd()}`
}

function rolloutSection(report: ComplianceReport, format: TableFormat): string {
  const steps = report.rolloutSteps
  const heading = `### Rollout steps: ${steps.length}`
  if (steps.length === 0) return `${heading}\n\nNone in the window.`
  const rows = steps.map((s): Cell[] => [
    utcSeconds(s.at),
    s.model,
    s.stage,
    s.version,
    s.kind,
    s.from === undefined ? `${s.percent}%` : `${s.from}% → ${s.percent}%`,
    s.by,
    s.reason ?? ''
  ])
  const headers = ['When (UTC)', 'Model', 'Stage', 'Version', 'Step', 'Traffic', 'By', 'Reason']
  return `${heading}\n\n${renderTable({ headers, rows }, format).trimEnd()}`
}

function promotionsSection(report: ComplianceReport, format: TableFormat): string {
  const forced = report.promotions.filter(p => p.forced).length
  const heading = `### Promotions: ${report.promotions.length} (${forced} forced)`
  if (report.promotions.length === 0) return `${heading}\n\nNone in the window.`
  const rows = report.promotions.map((p): Cell[] => [
    utcSeconds(p.at),
    p.model,
    p.version,
    `${p.from ?? NONE} → ${p.stage}`,
    p.previous ?? NONE,
    p.forced ? 'forced' : 'gates passed',
    p.actor,
    p.approvers.length > 0 ? p.approvers.join(', ') : NONE,
    p.pullRequest === undefined
      ? NONE
      : { text: `#${p.pullRequest}`, markdown: `#${p.pullRequest}` },
    p.reason ?? ''
  ])
  const headers = [
    'When (UTC)',
    'Model',
    'Version',
    'Stage',
    'Previous',
    'How',
    'By',
    'Approvers',
    'Pull request',
    'Reason'
  ]
  return `${heading}\n\n${renderTable({ headers, rows }, format).trimEnd()}`
}

function rollbacksSection(report: ComplianceReport, format: TableFormat): string {
  const automatic = report.rollbacks.filter(r => r.automatic).length
  const heading = `### Rollbacks: ${report.rollbacks.length} (${automatic} automatic, ${report.rollbacks.length - automatic} by hand)`
  if (report.rollbacks.length === 0) return `${heading}\n\nNone in the window.`
  const rows = report.rollbacks.map((r): Cell[] => [
    utcSeconds(r.at),
    r.model,
    r.stage,
    r.removed ?? NONE,
    r.restored ?? NONE,
    r.automatic ? 'automatic (monitor)' : 'by hand',
    r.actor,
    r.reason ?? ''
  ])
  const headers = ['When (UTC)', 'Model', 'Stage', 'Taken out', 'Restored', 'How', 'By', 'Reason']
  return `${heading}\n\n${renderTable({ headers, rows }, format).trimEnd()}`
}

function stageTimeSection(report: ComplianceReport, format: TableFormat): string {
  const heading = '### Time in each stage within the window'
  if (report.stageTime.length === 0) return `${heading}\n\nNo version held a stage in the window.`
  const rows = report.stageTime.map((t): Cell[] => [
    t.model,
    t.stage,
    t.version,
    duration(t.ms),
    t.holdsAtEnd ? 'yes' : 'no'
  ])
  const headers = ['Model', 'Stage', 'Version', 'Time held', 'Holds it at the end']
  return `${heading}\n\n${renderTable({ headers, rows }, format).trimEnd()}`
}

/** `text` as a code span on one line; escaped text when it holds a backtick. */
function codeSpan(text: string): string {
  const line = text.replace(/\r?\n|\r/g, ' ')
  return line.includes('`') || line.includes('|') ? escape(line) : `\`${line}\``
}

/** `3d 4h 5m`, `12m 30s`: the largest two units that are not zero. */
export function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  const units: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's']
  ]
  const first = units.findIndex(([value]) => value > 0)
  if (first < 0) return '0s'
  return units
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ')
}

/** `report --json`: the same facts, times as ISO strings (null when unknown), durations in seconds. */
export function complianceJson(report: ComplianceReport): string {
  const iso = (date: Date) => (Number.isNaN(date.getTime()) ? null : date.toISOString())
  return JSON.stringify(
    {
      ...(report.model === undefined ? {} : { model: report.model }),
      since: iso(report.since),
      until: iso(report.until),
      changesNotByModelGate: report.unrecorded.map(c => ({ ...c, at: iso(c.at) })),
      doubtfulDates: report.doubtfulDates.map(d => ({ ...d, at: iso(d.at) })),
      promotions: report.promotions.map(p => ({ ...p, at: iso(p.at) })),
      rollbacks: report.rollbacks.map(r => ({ ...r, at: iso(r.at) })),
      rolloutSteps: report.rolloutSteps.map(s => ({ ...s, at: iso(s.at) })),
      stageTime: report.stageTime.map(({ ms, ...rest }) => ({ ...rest, seconds: ms / 1000 }))
    },
    null,
    2
  )
}
