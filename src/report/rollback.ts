/**
 * What `rollback` prints: what was put back (or would be), why, and what was written; or why
 * nothing was. The command hands over a `RollbackResult`; the words are chosen here.
 */
import { utc } from '../gates/min-days.js'
import type { WriteResult } from '../registry/port.js'
import { escape } from './markdown.js'
import { describePublication, listEvents } from './registry-tables.js'

export type RollbackResult =
  | {
      /** The registry's answer to the rollback (or its dry run). */
      kind: 'ran'
      model: string
      stage: string
      /** The holder taken out. */
      rolledBack: string
      /** The version put back (or that would be). */
      restored: string | undefined
      reason: string
      result: WriteResult
    }
  | {
      /** Already done: nothing written. */
      kind: 'already'
      model: string
      stage: string
      /** Who holds the stage now. */
      holder: string
      why: AlreadyRolledBack
    }

/** Why a rollback found nothing to do. */
export type AlreadyRolledBack =
  /** `--from` names a holder that is out of the stage already. */
  | { kind: 'from-out'; from: string }
  /** A re-run of a rollback the registry recorded. */
  | { kind: 're-run'; prior: PriorRollbackFacts }
  /** The stage holds the version to restore. */
  | { kind: 'holds-target' }

/** The recorded rollback a re-run repeats (rollback-rerun.ts's `PriorRollback` fits it). */
export interface PriorRollbackFacts {
  removed: string
  restored: string | undefined
  actor: string
  at: Date
  runUrl: string | undefined
  /** The event's id, named when the run's URL is unknown. */
  id: string
}

export function renderRollback(result: RollbackResult): { markdown: string; json: string } {
  return result.kind === 'ran' ? renderRan(result) : renderAlready(result)
}

function renderRan(ran: Extract<RollbackResult, { kind: 'ran' }>): {
  markdown: string
  json: string
} {
  const { result, restored } = ran
  // Names and the reason are user text: escaped, as everything printed to the summary.
  const [model, stage, was] = [ran.model, ran.stage, ran.rolledBack].map(escape)
  const lines = [`## ↩️ Rollback: ${model} → ${stage}`, '']
  if (result.written || result.reason === 'dry run') {
    const events = result.written ? result.events : result.planned
    lines.push(
      result.written
        ? `${stage} is back on **${escape(String(restored))}** (was ${was}).`
        : `Dry run: would put ${stage} back on **${escape(String(restored))}** (now ${was}).`,
      '',
      `Reason: ${escape(ran.reason)}`,
      '',
      result.written ? 'Wrote:' : 'Would write:',
      listEvents(events),
      ...(result.written && result.publication
        ? ['', describePublication(result.publication) ?? '']
        : [])
    )
  } else {
    lines.push(`Nothing written: ${escape(result.reason)}.`)
  }
  return {
    markdown: lines.join('\n') + '\n',
    json: JSON.stringify(
      {
        model: ran.model,
        stage: ran.stage,
        rolledBack: ran.rolledBack,
        restored,
        reason: ran.reason,
        written: result.written,
        events: result.written ? result.events : result.reason === 'dry run' ? result.planned : [],
        ...(result.written && result.publication ? { publication: result.publication } : {})
      },
      null,
      2
    )
  }
}

function renderAlready(already: Extract<RollbackResult, { kind: 'already' }>): {
  markdown: string
  json: string
} {
  const { model, stage, why } = already
  // Registry and user text is escaped once here, for the markdown below.
  const [md, holder] = [stage, already.holder].map(escape)
  let text: string
  if (why.kind === 'from-out') {
    const from = escape(why.from)
    text = `${md} is held by ${holder}, not ${from}: ${from} is already out of it. Nothing written.`
  } else if (why.kind === 're-run') {
    const { prior } = why
    const restored = prior.restored ? ` to ${escape(prior.restored)}` : ''
    text =
      `Nothing written: ${md} was already rolled back from ${escape(prior.removed)}${restored} by ${escape(prior.actor)} at ${utc(prior.at)} (${escape(prior.runUrl ?? prior.id)}), and this is a re-run of it; ${md} holds ${holder} now. ` +
      `To take ${holder} out too, run the rollback again naming it: --from ${holder} (or name the version to restore).`
  } else {
    // A re-run of a rollback to a named version that landed: done, not an error.
    text = `${md} already holds ${holder}: nothing to roll back. Nothing written.`
  }
  return {
    markdown: `## ↩️ Rollback: ${escape(model)} → ${md}

${text}
`,
    json: JSON.stringify(
      { model, stage, holder: already.holder, written: false, reason: 'already rolled back' },
      null,
      2
    )
  }
}
