/**
 * What `promote` prints: the evaluation's report followed by what was written (or why
 * nothing was), and the same as JSON. The command hands over a `PromoteResult`; every word
 * printed about it is chosen here.
 */
import type { AuditRecord } from '../audit/record.js'
import { utc } from '../gates/min-days.js'
import type { Evaluation } from '../gates/types.js'
import type { StageHolder, WriteResult } from '../registry/port.js'
import { evaluationJson } from './json.js'
import { escape, forcedPast, renderMarkdown } from './markdown.js'
import { describePublication, listEvents } from './registry-tables.js'

/** What a promotion came to, as data. */
export type PromoteResult =
  | {
      /** The version already holds the stage: nothing evaluated, nothing written. */
      kind: 'held'
      model: string
      version: string
      stage: string
      holder: StageHolder
    }
  | {
      /** This commit's push already promoted the version (a re-run): nothing written. */
      kind: 'done-for-commit'
      record: AuditRecord
    }
  | {
      kind: 'evaluated'
      evaluation: Evaluation
      action: PromoteAction
      /** The stage was assigned. */
      written: boolean
      /** Past gates that did not pass: `done`, or `planned` on a dry run. */
      forced?: 'done' | 'planned'
    }

/** What was done after the evaluation. */
export type PromoteAction =
  /** A pull request's evaluation of a version already in the stage. */
  | { kind: 'held'; model: string; version: string; stage: string }
  /** The gates refused it. */
  | { kind: 'refused'; decision: Evaluation['decision'] }
  /** The registry's answer to the write (or its dry run). */
  | {
      kind: 'write'
      result: WriteResult
      version: string
      stage: string
      /** The holder the version replaces (the one last judged against). */
      previous: StageHolder | undefined
      record: AuditRecord
    }

export function renderPromote(result: PromoteResult): { markdown: string; json: string } {
  if (result.kind === 'held') return renderHeld(result)
  if (result.kind === 'done-for-commit') return renderDoneForCommit(result.record)
  const { evaluation, forced } = result
  const action = describeAction(result.action)
  return {
    markdown: `${renderMarkdown(evaluation, forced ? { forced } : {})}\n${action}\n`,
    json: JSON.stringify(
      {
        ...evaluationJson(evaluation),
        action,
        written: result.written,
        ...(forced ? { forced: forcedPast(evaluation.gates) } : {})
      },
      null,
      2
    )
  }
}

function describeAction(action: PromoteAction): string {
  switch (action.kind) {
    case 'held':
      return `${escape(action.model)} ${escape(action.version)} already holds ${escape(action.stage)}: nothing to write.`
    case 'refused':
      return `Not promoted: the promotion is ${action.decision}.`
    case 'write':
      return describeWrite(action)
  }
}

function describeWrite({
  result,
  version,
  stage: targetStage,
  previous,
  record
}: Extract<PromoteAction, { kind: 'write' }>): string {
  const from = previous
    ? ` (replacing ${escape(previous.version)})`
    : ' (first holder of the stage)'
  const [v, stage] = [version, targetStage].map(escape)
  // Only a promotion past gates that did not pass is forced: --force on passing gates is not.
  const forced = record.kind === 'forced-promotion' ? `, ${forcedPast(record.gates)}` : ''
  if (result.written) {
    const pushed = describePublication(result.publication)
    return `Promoted ${v} to ${stage}${forced}${from}. Wrote:\n${listEvents(result.events)}${pushed ? `\n\n${pushed}` : ''}`
  }
  if (result.reason === 'dry run') {
    return `Dry run: would promote ${v} to ${stage}${forced}${from}. Would write:\n${listEvents(result.planned)}`
  }
  return `Nothing written: ${v} ${result.reason}.`
}

function renderHeld({ model, version, stage, holder }: Extract<PromoteResult, { kind: 'held' }>): {
  markdown: string
  json: string
} {
  // The holder's author is registry text (a tag's tagger): escaped like every name here.
  const [m, v, st, by] = [model, version, stage, holder.assignedBy].map(escape)
  const since = Number.isNaN(holder.assignedAt.getTime())
    ? 'an unknown time'
    : utc(holder.assignedAt)
  const markdown = `${m} ${v} already holds ${st} (since ${since}, by ${by}). Nothing written.\n`
  const json = JSON.stringify(
    { model, version, stage, written: false, reason: 'already in stage' },
    null,
    2
  )
  return { markdown, json }
}

function renderDoneForCommit(done: AuditRecord): { markdown: string; json: string } {
  // Read back from the registry, where anyone who can push tags can write: escaped.
  const [commit, model, version, stage, at, run] = [
    done.commitSha?.slice(0, 7) ?? '',
    done.model,
    done.version ?? '',
    done.to,
    // The house format, zone named, as every time ModelGate prints (not the raw ISO string).
    utc(new Date(done.timestamp)),
    done.runUrl ?? 'run unknown'
  ].map(escape)
  const markdown = `This commit (${commit}) already promoted ${model} ${version} to ${stage} at ${at} (${run}). Nothing written.\n`
  const json = JSON.stringify(
    {
      model: done.model,
      version: done.version,
      stage: done.to,
      written: false,
      reason: 'already promoted from this commit'
    },
    null,
    2
  )
  return { markdown, json }
}
