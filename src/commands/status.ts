import { ExitCode, NotFoundError } from '../errors.js'
import type { ModelStatus, RegistryEvent } from '../registry/port.js'
import type { DeregisteredHolder, StatusView } from '../report/registry-tables.js'
import { rolloutState } from '../rollout/steps.js'
import type { CommandResult, RegistryContext } from './registry-context.js'

/** What `status` returns: the outcome, and the data a terminal table is rendered from. */
export interface StatusOutcome extends CommandResult {
  report: { command: 'status'; view: StatusView }
  view: StatusView
}

/** The policies `status` shows stages from: each model's stages, and policies it could not use. */
export type StatusPolicies = Pick<StatusView, 'policyStages' | 'unusedPolicies'>

/**
 * `modelgate status`: who holds each stage, since when, assigned by whom. `policiesOf` gives the
 * policies of the models the registry holds: every stage a model's policy defines is shown, in
 * the policy's order, held or not.
 */
export async function status(
  context: Pick<RegistryContext, 'registry'>,
  model?: string,
  policiesOf?: (models: readonly string[]) => Promise<StatusPolicies>
): Promise<StatusOutcome> {
  const models = await context.registry.status(model)
  if (model && models.length === 0)
    throw new NotFoundError(`No model named ${model} in the registry`)
  const policies = policiesOf ? await policiesOf(models.map(entry => entry.model)) : {}
  // A holder whose latest event is a rollout step: where its rollout stands (docs/rollout.md).
  const rollouts = []
  for (const entry of models) {
    for (const holder of entry.stages.filter(h => h.audit?.rollout !== undefined)) {
      const state = rolloutState(await context.registry.rolloutSteps(entry.model, holder.stage))
      if (state) rollouts.push({ model: entry.model, stage: holder.stage, state })
    }
  }
  // Reading the whole history decodes every event's message: only for a model that has a
  // deregistration (status on 10,000 tags otherwise reads none).
  const withDeregistration = models.filter(entry => entry.deregistered)
  const deregistered =
    withDeregistration.length === 0
      ? []
      : deregisteredHolders(
          withDeregistration,
          (
            await Promise.all(
              withDeregistration.map(entry => context.registry.history(entry.model))
            )
          ).flat()
        )
  const view: StatusView = {
    models,
    ...policies,
    ...(rollouts.length > 0 ? { rollouts } : {}),
    ...(deregistered.length > 0 ? { deregistered } : {})
  }
  return {
    report: { command: 'status', view },
    exitCode: ExitCode.Pass,
    view
  }
}

/**
 * The stages whose holder a deregistration took out (`events` newest first, as the port's
 * `history`): replaying each stage's events oldest first, the version that held it just before
 * its deregistration, when it holds it no more. ModelGate never deregisters, so such a change of
 * holder has no ModelGate record; status says so beside the holder that followed.
 */
export function deregisteredHolders(
  models: readonly ModelStatus[],
  events: readonly RegistryEvent[]
): DeregisteredHolder[] {
  const oldestFirst = [...events].reverse()
  const found: DeregisteredHolder[] = []
  for (const entry of models) {
    const own = oldestFirst.filter(event => event.model === entry.model)
    const stages = new Set(own.flatMap(event => (event.stage === undefined ? [] : [event.stage])))
    for (const stage of stages) {
      const inStage: string[] = []
      for (const event of own) {
        if (event.version === undefined) continue
        if (event.kind === 'deregistration') {
          const at = inStage.indexOf(event.version)
          if (at < 0) continue
          const held = at === inStage.length - 1
          inStage.splice(at, 1)
          const holder = entry.stages.find(h => h.stage === stage)?.version
          if (held && holder !== event.version) {
            found.push({
              model: entry.model,
              stage,
              version: event.version,
              at: event.at,
              by: event.by,
              id: event.id,
              ...(holder === undefined ? {} : { holder })
            })
          }
          continue
        }
        if (event.stage !== stage) continue
        if (event.kind !== 'assignment' && event.kind !== 'unassignment') continue
        const at = inStage.indexOf(event.version)
        if (at >= 0) inStage.splice(at, 1)
        if (event.kind === 'assignment') inStage.push(event.version)
      }
    }
  }
  return found
}

export interface HistoryFilter {
  /** Only events at or after this time. */
  since?: Date
  stage?: string
}

/** What `history` returns: the outcome, and the events a terminal table is rendered from. */
export interface HistoryOutcome extends CommandResult {
  report: { command: 'history'; events: RegistryEvent[]; localOnly: ReadonlySet<string> }
  events: RegistryEvent[]
  /** The ids of events kept in this clone only (--no-push). */
  localOnly: ReadonlySet<string>
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
  const localOnly = new Set(
    events.length === 0
      ? []
      : (await context.registry.status(model)).flatMap(entry =>
          (entry.localOnly ?? []).map(event => event.id)
        )
  )
  return {
    report: { command: 'history', events, localOnly },
    exitCode: ExitCode.Pass,
    events,
    localOnly
  }
}
