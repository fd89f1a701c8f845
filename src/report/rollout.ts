/**
 * What `rollout` prints, and the rollout line `status` adds: where a stage's rollout stands
 * ("canary v1.5.0 at 25% since 2026-12-03 04:10:05 UTC"), the step recorded (or why nothing
 * was), and the stage's steps as a table. The command hands over a `RolloutResult`.
 */
import type { RolloutStep, RolloutStepRequest, WriteResult } from '../registry/port.js'
import type { RolloutState } from '../rollout/steps.js'
import type { Evaluation } from '../gates/types.js'
import { evaluationJson } from './json.js'
import { escape, forcedPast, renderMarkdown } from './markdown.js'
import { describePublication, listEvents, utcSeconds } from './registry-tables.js'
import { renderTable, type TableFormat } from './terminal-table.js'

export interface RolloutResult {
  model: string
  stage: string
  /** The step recorded, or that would be (dry run), or that was already recorded. */
  step?: RolloutStepRequest
  /**
   * Nothing written, the step recorded already: where the stage stands now (the current
   * rollout's version, share and latest step), what the action outputs.
   */
  now?: RolloutStepRequest
  /** A re-run of a workflow run's job: the step that run recorded, and when. */
  recorded?: RolloutStepRequest & { at: Date }
  /** Where the rollout stands after the command. */
  state?: RolloutState
  /** Every step of the stage, oldest first, after the command. */
  steps: RolloutStep[]
  result?: WriteResult
  /** A start's judgement by its stage's gates (the report promote prints). */
  evaluation?: Evaluation
  /** The start was refused by its gates: nothing written. */
  refused?: boolean
  /** Started past gates that did not pass: `done`, or `planned` on a dry run. */
  forced?: 'done' | 'planned'
}

const PHASE: Record<RolloutState['phase'], string> = {
  running: '',
  held: 'held ',
  aborted: 'aborted ',
  complete: 'completed '
}

/** `canary v1.5.0 at 25% since 2026-12-03 04:10:05 UTC` (plain text; escape for markdown). */
export function rolloutLine(state: RolloutState): string {
  // A shadow starts at 0%: it takes no traffic of its own.
  const what = `${PHASE[state.phase]}${state.steps[0]?.percent === 0 ? 'shadow' : 'canary'}`
  const held =
    state.phase === 'held' ? ` (held ${utcSeconds(state.last.at)} UTC by ${state.last.by})` : ''
  const ended =
    state.phase === 'aborted' || state.phase === 'complete'
      ? `, ${state.phase} ${utcSeconds(state.since)} UTC by ${state.last.by}${state.last.reason ? `: ${state.last.reason}` : ''}`
      : ` since ${utcSeconds(state.since)} UTC${held}`
  return `${what} ${state.version} at ${state.percent}%${ended}`
}

/** The stage's steps, oldest first, as a table. */
export function renderRolloutSteps(steps: readonly RolloutStep[], format: TableFormat = 'md') {
  if (steps.length === 0) return 'No rollout steps.\n'
  const rows = steps.map(step => [
    utcSeconds(step.at),
    step.kind,
    step.version,
    `${step.percent}%`,
    step.from === undefined ? '—' : `${step.from}%`,
    step.by,
    step.reason ?? '',
    step.id
  ])
  const headers = ['When (UTC)', 'Step', 'Version', 'Traffic', 'From', 'By', 'Reason', 'Event']
  return renderTable({ headers, rows }, format)
}

/**
 * A re-run of a workflow run's job that wrote nothing: the step that run recorded (it may be of
 * an earlier rollout) and where the stage stands now, never one for the other (plain text).
 */
export function recordedAlreadyText(
  recorded: RolloutStepRequest & { at: Date },
  now: RolloutStepRequest | undefined
): string {
  const standsNow = now
    ? `; the stage stands now at ${now.kind} (${now.percent}%) of ${now.version}`
    : ''
  return `Recorded already by this workflow run at ${utcSeconds(recorded.at)} UTC: ${recorded.kind} (${recorded.percent}%) of ${recorded.version}${standsNow}.`
}

function headline(result: RolloutResult): string {
  const name = `${escape(result.model)} ${escape(result.stage)}`
  const step = result.step
  const outcome = result.result
  if (result.refused && result.evaluation) {
    return `**${name}**: not started: the start is ${result.evaluation.decision}; nothing written.`
  }
  if (!step || !outcome) return `**${name}**: the rollout as the registry records it.`
  const past = result.forced && result.evaluation ? `, ${forcedPast(result.evaluation.gates)}` : ''
  const what = `${step.kind} (${step.percent}%)${past}`
  if (outcome.written) return `**${name}**: recorded ${what}.`
  if (outcome.reason === 'dry run')
    return `**${name}**: dry run, would record ${what}; nothing written.`
  return `**${name}**: ${what} is recorded already; nothing written.`
}

export function renderRollout(result: RolloutResult): { markdown: string; json: string } {
  const judged = result.evaluation
    ? [renderMarkdown(result.evaluation, result.forced ? { forced: result.forced } : {}).trimEnd()]
    : []
  const parts = [...judged, headline(result)]
  if (result.recorded && !result.result?.written) {
    parts.push(escape(recordedAlreadyText(result.recorded, result.now)))
  }
  parts.push(
    result.state
      ? `Now: ${escape(rolloutLine(result.state))}.`
      : 'No rollout has been started in this stage.'
  )
  const outcome = result.result
  if (outcome?.written) {
    parts.push(listEvents(outcome.events))
    const where = describePublication(outcome.publication)
    if (where) parts.push(where)
  } else if (outcome && outcome.reason === 'dry run') {
    parts.push(listEvents(outcome.planned))
  }
  parts.push(renderRolloutSteps(result.steps).trimEnd())
  const json = JSON.stringify(
    {
      model: result.model,
      stage: result.stage,
      ...(result.step ? { step: result.step } : {}),
      ...(result.evaluation ? evaluationJson(result.evaluation) : {}),
      ...(result.forced && result.evaluation
        ? { forced: forcedPast(result.evaluation.gates) }
        : {}),
      written: outcome?.written ?? false,
      ...(outcome && !outcome.written ? { nothingWritten: outcome.reason } : {}),
      ...(result.state
        ? {
            rollout: {
              version: result.state.version,
              phase: result.state.phase,
              trafficPercent: result.state.percent,
              since: result.state.since.toISOString()
            }
          }
        : {}),
      steps: result.steps
    },
    null,
    2
  )
  return { markdown: `${parts.join('\n\n')}\n`, json }
}
