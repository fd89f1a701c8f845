/**
 * What `status` and `history` print, and the line a registry write prints about where it went.
 * Commands hand over data; this turns it into tables (markdown, or aligned columns for a
 * terminal: terminal-table.ts) and notes.
 */
import { madeByModelGate, type OwnedEvent } from '../audit/made-by.js'
import { auditRecordOf } from '../audit/record.js'
import { dropCommand } from '../registry/git/origin.js'
import type { ModelStatus, RegistryEvent, WritePublication } from '../registry/port.js'
import type { RolloutStep } from '../rollout/step-types.js'
import { stepOfEvent, type RolloutState } from '../rollout/steps.js'
import { escape, recordOutcome } from './markdown.js'
import { rolloutLine } from './rollout.js'
import { renderTable, type Cell, type Table, type TableFormat } from './terminal-table.js'

/** What `status` shows: each model's holders, and the stages its policy defines. */
export interface StatusView {
  models: readonly ModelStatus[]
  /** Each model's policy stages, in the policy's order: shown even when nobody holds them. */
  policyStages?: ReadonlyArray<{ model: string; stages: readonly string[] }>
  /** A model's policy file that was found but not used: only its held stages are shown. */
  unusedPolicies?: ReadonlyArray<{ model: string; file: string; why: string }>
  /** Stages whose holder is in a rollout, and where it stands (report/rollout.ts). */
  rollouts?: ReadonlyArray<{ model: string; stage: string; state: RolloutState }>
  /** Stages whose holder changed because the version holding them was deregistered. */
  deregistered?: readonly DeregisteredHolder[]
}

/** A stage's holder taken out by a deregistration (GTO's `NAME@vX.Y.Z!`), not by a stage event. */
export interface DeregisteredHolder {
  model: string
  stage: string
  /** The version that held the stage until it was deregistered. */
  version: string
  at: Date
  by: string
  /** The deregistration's event (git: the tag). */
  id: string
  /** Who holds the stage now, if anyone. */
  holder?: string
}

/** Shown in a cell that has no value, as GTO shows an empty stage. */
const NONE = '-'

export function renderStatus(
  view: StatusView | readonly ModelStatus[],
  format: TableFormat = 'md'
) {
  const { models, policyStages, unusedPolicies, rollouts, deregistered } =
    'models' in view ? view : { models: view }
  if (models.length === 0) return 'The registry holds no models yet.\n'
  const rows = models.flatMap(entry => {
    const local = new Set((entry.localOnly ?? []).flatMap(event => event.stage ?? []))
    const defined = policyStages?.find(policy => policy.model === entry.model)?.stages ?? []
    const held = entry.stages.map(holder => holder.stage).filter(stage => !defined.includes(stage))
    const stages = [...defined, ...held]
    const name = `${entry.model}${entry.deprecated ? ' (deprecated)' : ''}`
    if (stages.length === 0) return [[name, NONE, NONE, NONE, NONE]]
    return stages.map(stage => {
      const holder = entry.stages.find(h => h.stage === stage)
      const marks = [
        ...(holder?.dangling ? ['deleted: dangling alias'] : []),
        ...(local.has(stage) ? ['local only: not on origin'] : [])
      ]
      const version = `${holder?.version ?? NONE}${marks.length ? ` (${marks.join('; ')})` : ''}`
      return holder
        ? [name, stage, version, utcSeconds(holder.assignedAt), holder.assignedBy]
        : [name, stage, version, NONE, NONE]
    })
  })
  const table: Table = { headers: ['Model', 'Stage', 'Version', 'Since (UTC)', 'By'], rows }
  const notes = [
    ...(rollouts ?? []).map(r => ({ text: `${r.model} ${r.stage}: ${rolloutLine(r.state)}` })),
    ...tieNotes(models),
    ...unrecordedNotes(models),
    ...(deregistered ?? []).map(deregistrationNote),
    ...localOnlyNotes(models),
    ...(unusedPolicies ?? []).map((unused): Note => ({
      text: `${unused.model}: only the stages someone holds are shown: ${unused.file} ${unused.why}.`
    }))
  ].map(note => (format === 'md' ? `- ${escapeNote(note)}` : `- ${note.text}`))
  return renderTable(table, format) + (notes.length > 0 ? `\n${notes.join('\n')}\n` : '')
}

/** A note: text, and the parts that are commands (kept verbatim as code in markdown). */
interface Note {
  text: string
  /** Markdown: escaped text, with these literal commands in code spans. */
  code?: string[]
}

function escapeNote(note: Note): string {
  let text = escape(note.text)
  // Longest first, so a tag name inside a command stays in the command's code span.
  const codes = [...(note.code ?? [])].sort((a, b) => b.length - a.length)
  for (const code of codes) text = text.split(escape(code)).join(`\`${code}\``)
  return text
}

/** Holders decided among assignments made in the same second (by other tools). */
function tieNotes(models: readonly ModelStatus[]): Note[] {
  return models.flatMap(entry =>
    entry.stages.flatMap(holder =>
      holder.sameSecondAs?.length
        ? [
            {
              text: `${entry.model} ${holder.stage}: ${holder.version} was assigned in the same second as ${holder.sameSecondAs.join(', ')}; the order within that second is ambiguous, GTO 1.10 shows ${holder.version} (it breaks such ties by registration order), and so does ModelGate.`
            }
          ]
        : []
    )
  )
}

/**
 * Holders whose assignment has no ModelGate record: made by hand or by another tool, or with a
 * message that copies another event's record (which the registry then does not believe).
 */
function unrecordedNotes(models: readonly ModelStatus[]): Note[] {
  return models.flatMap(entry =>
    entry.stages.flatMap(holder =>
      madeByModelGate({
        kind: 'assignment',
        model: entry.model,
        version: holder.version,
        stage: holder.stage,
        at: holder.assignedAt,
        by: holder.assignedBy,
        id: holder.eventId,
        ...(holder.audit === undefined ? {} : { audit: holder.audit })
      })
        ? []
        : [
            {
              text: `${entry.model} ${holder.stage}: the assignment of ${holder.version} (${holder.eventId}) has no ModelGate record (${NOT_RECORDED}).`,
              code: [holder.eventId]
            }
          ]
    )
  )
}

/** Why an event has no ModelGate record, as status and history say it. */
const NOT_RECORDED =
  'not written by ModelGate, or its message holds no record of a write that fits it, copies the record of another event or is not dated as its record'

/** A holder that changed through a deregistration, which ModelGate never writes. */
function deregistrationNote(d: DeregisteredHolder): Note {
  const now = d.holder === undefined ? 'nobody holds it now' : `${d.holder} holds it now`
  return {
    text: `${d.model} ${d.stage}: ${d.version} held it until its deregistration (${d.id}, by ${d.by} at ${utcSeconds(d.at)} UTC, not made by ModelGate); ${now}.`,
    code: [d.id]
  }
}

function localOnlyNotes(models: readonly ModelStatus[]): Note[] {
  return models.flatMap(entry => {
    const events = entry.localOnly ?? []
    if (events.length === 0) return []
    const pending = events.filter(event => !event.conflict).map(event => event.id)
    const conflicting = events.filter(event => event.conflict).map(event => event.id)
    const notes: Note[] = []
    if (pending.length > 0) {
      const drop = dropCommand(pending)
      notes.push({
        text: `${entry.model}: ${pending.join(', ')} ${pending.length === 1 ? 'is' : 'are'} local only (written with --no-push; origin does not have ${pending.length === 1 ? 'it' : 'them'}). ModelGate writes nothing more to ${entry.model} until ${pending.length === 1 ? 'it is' : 'they are'} removed: ${drop}; to publish the write, remove ${pending.length === 1 ? 'it' : 'them'} and run it again without --no-push, judged against origin's state.`,
        code: [drop, ...pending]
      })
    }
    if (conflicting.length > 0) {
      const drop = dropCommand(conflicting)
      notes.push({
        text: `${entry.model}: origin has other events under the names ${conflicting.join(', ')}; these local ones can never be pushed. Remove them: ${drop}`,
        code: [drop, ...conflicting]
      })
    }
    return notes
  })
}

/**
 * The trail as a table, newest first: each event with the audit record ModelGate stored with
 * it (decision, previous holder, pull request and approvers, reason) when there is one.
 */
export function renderHistory(
  events: readonly RegistryEvent[],
  format: TableFormat = 'md',
  /** Events kept in this clone only (--no-push), by id: marked as status marks them. */
  localOnly: ReadonlySet<string> = new Set()
) {
  if (events.length === 0) return 'No events.\n'
  const rows = events.map((event): Cell[] => {
    const own = madeByModelGate(event, events)
    const step = own ? stepOfEvent(event) : undefined
    const record = own ? auditRecordOf(event.audit) : undefined
    const pr = record?.pullRequest
    const approvers = pr?.approvers.map(approver => approver.login).join(', ')
    return [
      utcSeconds(event.at),
      event.model,
      localOnly.has(event.id) ? `${event.kind} (local only: not on origin)` : event.kind,
      event.version ?? '—',
      event.stage ?? '—',
      event.by,
      step ? stepDecision(step) : record ? recordOutcome(record) : decisionless(event, own),
      // A removal's row names the version removed; the record's `previous` is that same one.
      (event.kind === 'unassignment' ? undefined : record?.previous) ?? '—',
      pr
        ? {
            // The pull request's own number stays a link; the logins are user text.
            text: `#${pr.number}${approvers ? ` (${approvers})` : ''}`,
            markdown: `#${pr.number}${approvers ? ` (${escape(approvers)})` : ''}`
          }
        : '—',
      record?.reason ?? event.summary ?? ''
    ]
  })
  const headers = [
    'When (UTC)',
    'Model',
    'Event',
    'Version',
    'Stage',
    'By',
    'Decision',
    'Previous',
    'Pull request',
    'Reason / summary'
  ]
  return renderTable({ headers, rows }, format)
}

/**
 * The Decision cell of an event without a ModelGate record: a stage event ModelGate writes
 * always carries one (or rollout facts, or makes way for a version it assigns), so its absence
 * is named; ModelGate never deregisters or deprecates; other events have no decision.
 */
function decisionless(event: OwnedEvent, own: boolean): string {
  if (event.kind === 'deregistration' || event.kind === 'deprecation') {
    return '— (not made by ModelGate)'
  }
  if (event.kind !== 'assignment' && event.kind !== 'unassignment') return '—'
  if (own) return `made way for ${String(event.audit?.replacedBy)}`
  return '— (no ModelGate record)'
}

/** The Decision cell of a rollout step: `rollout: advance to 25%`. */
function stepDecision(step: RolloutStep): string {
  switch (step.kind) {
    case 'start':
      return `rollout: start at ${step.percent}%`
    case 'advance':
      return `rollout: advance to ${step.percent}%`
    case 'hold':
      return `rollout: hold at ${step.percent}%`
    case 'abort':
      return 'rollout: abort, traffic 0%'
    case 'complete':
      return 'rollout: complete, moved on to the next stage'
  }
}

/** One line saying where a registry write went; undefined when the backend does not say. */
export function describePublication(publication: WritePublication | undefined): string | undefined {
  if (!publication) return undefined
  const tags = publication.tags
  const list = tags.map(tag => `\`${tag}\``).join(', ')
  const noun = tags.length === 1 ? 'tag' : 'tags'
  if (publication.remote) {
    const { name, url } = publication.remote
    const lease = publication.leaseRef ? ` and lease ref \`${publication.leaseRef}\`` : ''
    // In a code span, so the URL copies as it is (markdown escapes would insert characters).
    return `Pushed ${noun} ${list}${lease} to ${escape(name)} (\`${url.replace(/`/g, '%60')}\`).`
  }
  if (publication.local === 'no-remote') {
    return `Wrote ${noun} ${list} in this clone: it has no origin, so its tags are the registry.`
  }
  const them = tags.length === 1 ? 'it' : 'them'
  // Not a push command: pushed later, the tags would land on whatever origin holds by then,
  // unjudged against it (and not atomically with the lease). A new write is judged afresh.
  return `Kept ${noun} ${list} in this clone only (--no-push): origin does not have ${them}, and ModelGate writes nothing more to this model until ${tags.length === 1 ? 'it is' : 'they are'} removed: \`${dropCommand(tags)}\`. To publish this write, remove ${them} and run the command again without --no-push: it is judged again against origin's state.`
}

/** `2026-11-01 12:00:00`: the UTC time to the second, the zone named in the column header. */
export function utcSeconds(date: Date): string {
  // A registry that keeps no date for an assignment (an MLflow alias set by hand).
  if (Number.isNaN(date.getTime())) return 'unknown'
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')
}

/** The events a registry write made (or would make), one list item each. */
export function listEvents(events: readonly RegistryEvent[]): string {
  return events
    .map(event => `- \`${event.id}\`${event.summary ? `: ${escape(event.summary)}` : ''}`)
    .join('\n')
}

/** `text` on a line of its own, or nothing. */
export function lineOf(text: string | undefined): string {
  return text === undefined ? '' : `\n${text}`
}

/** What `status --json` prints: the registry's view as it is. */
export function statusJson(view: StatusView): string {
  return JSON.stringify(view.models, null, 2)
}

/** What `history --json` prints: the events as the registry gave them. */
export function historyJson(events: readonly RegistryEvent[]): string {
  return JSON.stringify(events, null, 2)
}
