import { ExitCode, NotFoundError } from '../errors.js'
import type { RegistryEvent } from '../registry/port.js'
import {
  historyJson,
  renderHistory,
  renderStatus,
  statusJson,
  type StatusView
} from '../report/registry-tables.js'
import type { CommandOutcome, RegistryContext } from './registry-context.js'

/** What `status` returns: the outcome, and the data a terminal table is rendered from. */
export interface StatusOutcome extends CommandOutcome {
  view: StatusView
}

/**
 * `modelgate status`: who holds each stage, since when, assigned by whom. With the model's
 * policy (`stages`), every stage it defines is shown, held or not.
 */
export async function status(
  context: Pick<RegistryContext, 'registry'>,
  model?: string,
  stages?: readonly string[]
): Promise<StatusOutcome> {
  const models = await context.registry.status(model)
  if (model && models.length === 0)
    throw new NotFoundError(`No model named ${model} in the registry`)
  const view: StatusView = {
    models,
    ...(model && stages ? { policyStages: { model, stages } } : {})
  }
  return {
    markdown: renderStatus(view),
    json: statusJson(view),
    exitCode: ExitCode.Pass,
    view
  }
}

export interface HistoryFilter {
  /** Only events at or after this time. */
  since?: Date
  stage?: string
}

/** What `history` returns: the outcome, and the events a terminal table is rendered from. */
export interface HistoryOutcome extends CommandOutcome {
  events: RegistryEvent[]
}

/** `modelgate history`: every event, newest first, from the registry alone. */
export async function history(
  context: Pick<RegistryContext, 'registry'>,
  model: string | undefined,
  filter: HistoryFilter = {}
): Promise<HistoryOutcome> {
  const events = (await context.registry.history(model)).filter(
    event =>
      (!filter.since || event.at >= filter.since) && (!filter.stage || event.stage === filter.stage)
  )
  if (model && events.length === 0 && !filter.since && !filter.stage) {
    throw new NotFoundError(`No model named ${model} in the registry`)
  }
  return {
    markdown: renderHistory(events),
    json: historyJson(events),
    exitCode: ExitCode.Pass,
    events
  }
}
