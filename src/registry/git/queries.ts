/** Answers read from a RegistryState, in the port's terms. Pure. */
import { DIGEST_RE } from '../../candidate/digest.js'
import type {
  ModelStatus,
  RegistryEvent,
  RegistryEventKind,
  StageHolder,
  StageRemoval,
  VersionRecord
} from '../port.js'
import { parseMessage } from './message.js'
import { ownTagAudit, tagAudit } from './tag-audit.js'
import type { ArtifactState, RegistryState, TagEvent } from './state.js'
import { compareEvents, isReplacement } from './state.js'

const KIND: Record<TagEvent['action'], RegistryEventKind> = {
  register: 'registration',
  deregister: 'deregistration',
  assign: 'assignment',
  unassign: 'unassignment',
  deprecate: 'deprecation',
  create: 'creation'
}

export function eventKind(action: TagEvent['action']): RegistryEventKind {
  return KIND[action]
}

/** `events`: the artifact's events, oldest first; an event whose facts copy an earlier one's has none. */
export function toRegistryEvent(event: TagEvent, events: readonly TagEvent[] = []): RegistryEvent {
  const { summary } = parseMessage(event.message)
  const audit = ownTagAudit(event, events)
  return {
    kind: KIND[event.action],
    model: event.model,
    ...(event.version === undefined ? {} : { version: event.version }),
    ...(event.stage === undefined ? {} : { stage: event.stage }),
    at: new Date(event.time * 1000),
    by: event.by,
    ...(event.byEmail ? { byEmail: event.byEmail } : {}),
    id: event.tag,
    ref: event.commit,
    ...(summary ? { summary } : {}),
    ...(audit ? { audit } : {}),
    ...(event.counter === undefined ? {} : { sequence: event.counter })
  }
}

export function stageHolder(
  state: RegistryState,
  model: string,
  stage: string
): StageHolder | undefined {
  const holder = state.artifacts.get(model)?.holders.get(stage)
  if (!holder) return undefined
  const event = holder.assignment
  const audit = ownTagAudit(event, state.artifacts.get(model)?.events ?? [])
  return {
    model,
    stage,
    version: holder.version,
    assignedAt: new Date(event.time * 1000),
    assignedBy: event.by,
    ref: event.commit,
    eventId: event.tag,
    ...(audit ? { audit } : {}),
    ...(holder.tiedWith ? { sameSecondAs: [...holder.tiedWith] } : {})
  }
}

/** Each stage's holder, models and stages sorted by name; `[]` for an unknown model. */
export function statusOf(state: RegistryState, model?: string): ModelStatus[] {
  const names = model === undefined ? [...state.artifacts.keys()].sort() : [model]
  const result: ModelStatus[] = []
  for (const name of names) {
    const artifact = state.artifacts.get(name)
    if (!artifact) continue
    const stages = [...artifact.holders.keys()].sort()
    result.push({
      model: name,
      deprecated: artifact.deprecated,
      stages: stages.flatMap(stage => stageHolder(state, name, stage) ?? []),
      ...(artifact.events.some(event => event.action === 'deregister')
        ? { deregistered: true as const }
        : {})
    })
  }
  return result
}

/** Every event, newest first. */
export function historyOf(state: RegistryState, model?: string): RegistryEvent[] {
  const events: TagEvent[] =
    model === undefined
      ? [...state.artifacts.values()].flatMap(a => a.events).sort(compareEvents)
      : [...(state.artifacts.get(model)?.events ?? [])]
  return events
    .reverse()
    .map(event => toRegistryEvent(event, state.artifacts.get(event.model)?.events ?? []))
}

/**
 * A registered version with the stages it holds now; undefined when not registered. A version
 * replaced in a stage by a newer one still has an assignment as its latest event there (GTO
 * lists it among the stage's versions), but it is no longer the holder: the `from:` and days
 * gates read these stages, so only the stage's one holder counts, as on MLflow.
 */
export function versionRecord(artifact: ArtifactState, version: string): VersionRecord | undefined {
  const found = artifact.versions.get(version)
  if (!found?.registered || !found.registration) return undefined
  const stages = found.active
    ? [...found.stages]
        .filter(([stage]) => artifact.holders.get(stage)?.version === version)
        .map(([stage, vs]) => ({ stage, since: new Date(vs.latest.time * 1000) }))
        .sort((a, b) => (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0))
    : []
  return {
    model: artifact.model,
    version,
    ref: found.commit,
    registeredAt: new Date(found.registration.time * 1000),
    registeredBy: found.registration.by,
    active: found.active,
    stages,
    ...registeredDigest(found.registration)
  }
}

/** The candidate digest ModelGate recorded in a registration tag's message, if any. */
function registeredDigest(registration: TagEvent): { candidateDigest?: string } {
  const digest = tagAudit(registration)?.candidateDigest
  return typeof digest === 'string' && DIGEST_RE.test(digest) ? { candidateDigest: digest } : {}
}

/**
 * When `version` was last taken out of `stage` (its latest event there is an unassignment: a
 * rollback's removal, GTO's `NAME#STAGE!#N`, by ModelGate or by hand), in GTO's own event order;
 * undefined while its latest event there is an assignment, it never was in the stage, or it was
 * only replaced by a lower version (ModelGate then writes an unassignment marked `replacedBy`).
 */
export function takenOutOf(
  state: RegistryState,
  model: string,
  version: string,
  stage: string
): StageRemoval | undefined {
  const artifact = state.artifacts.get(model)
  const latest = artifact?.versions.get(version)?.stages.get(stage)?.latest
  if (!artifact || !latest || latest.action !== 'unassign') return undefined
  const audit = tagAudit(latest)
  // Taken out only so GTO's highest-version reader agrees with a newer, lower holder: replaced,
  // not withdrawn (when the events bear the mark out). Any other removal counts.
  if (isReplacement(artifact, latest)) return undefined
  const reason = typeof audit?.reason === 'string' ? audit.reason : undefined
  return {
    at: new Date(latest.time * 1000),
    by: latest.by,
    ...(reason ? { reason } : {}),
    eventId: latest.tag
  }
}
