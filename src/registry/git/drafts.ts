/**
 * The git adapter's drafts: the tags a write plans before their counters and seconds are known,
 * the checks a draft needs, and the tagger identity and JSON facts each tag is written with.
 */
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { actorName } from '../actor.js'
import type { AuditFacts, NoWriteReason, RegistryEvent } from '../port.js'
import { formatMessage, parseMessage } from './message.js'
import { eventKind } from './queries.js'
import type { ArtifactState, RegistryState, StageHolderState, VersionState } from './state.js'
import type { GtoTag } from './tag-name.js'
import { formatTagName } from './tag-name.js'

/** One tag to write, before its counter and time are known. */
export interface Draft {
  tag: GtoTag
  version: string
  /** Stage events get the artifact-wide next counter; registrations use GTO's simple form. */
  counted: boolean
  commit: string
  summary: string
  facts: Record<string, unknown>
}

export type Decision = { write: Draft[] } | { noop: NoWriteReason }

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/

export function assertNotDeprecated(artifact: ArtifactState | undefined): void {
  const last = artifact?.events[artifact.events.length - 1]
  if (artifact?.deprecated && last) {
    throw new InvalidInputError(
      `${artifact.model} is deprecated (tag ${last.tag}); remove the deprecation before writing to it.`
    )
  }
}

/** The version to point a tag at: registered, active, of a live artifact. */
export function registeredVersion(
  state: RegistryState,
  model: string,
  version: string
): { artifact: ArtifactState; target: VersionState } {
  const artifact = state.artifacts.get(model)
  assertNotDeprecated(artifact)
  const target = artifact?.versions.get(version)
  if (!artifact || !target || !target.registered) {
    throw new NotFoundError(`${model} ${version} is not registered.`)
  }
  if (!target.active) throw new InvalidInputError(`${model} ${version} is deregistered.`)
  return { artifact, target }
}

export function unassignDraft(
  artifact: ArtifactState,
  holder: StageHolderState,
  stage: string,
  text: { summary: string; facts: Record<string, unknown> }
): Draft {
  return {
    tag: { action: 'unassign', model: artifact.model, stage },
    version: holder.version,
    counted: true,
    // The commit GTO resolves back to this version (its registration commit).
    commit: holder.assignment.commit,
    summary: text.summary,
    facts: {
      action: 'unassign',
      model: artifact.model,
      version: holder.version,
      stage,
      ...text.facts
    }
  }
}

export function actorEmail(audit: AuditFacts): string | undefined {
  if (audit.actorEmail !== undefined) return audit.actorEmail
  return GITHUB_LOGIN.test(audit.actor) ? `${audit.actor}@users.noreply.github.com` : undefined
}

/** The tagger: the actor, at the chosen second. Without an e-mail, git's own config supplies one. */
export function identityEnv(audit: AuditFacts, second: number): Record<string, string> {
  const email = actorEmail(audit)
  return {
    GIT_COMMITTER_NAME: actorName(audit),
    ...(email === undefined ? {} : { GIT_COMMITTER_EMAIL: email }),
    GIT_COMMITTER_DATE: `${second} +0000`
  }
}

/** The JSON facts of one tag's message. */
export function auditRecord(
  draft: Draft,
  audit: AuditFacts,
  second: number
): Record<string, unknown> {
  const email = actorEmail(audit)
  return {
    ...draft.facts,
    actor: actorName(audit),
    ...(email === undefined ? {} : { actorEmail: email }),
    at: new Date(second * 1000).toISOString(),
    ...(audit.reason === undefined ? {} : { reason: audit.reason }),
    ...(audit.forced === undefined ? {} : { forced: audit.forced }),
    ...(audit.record === undefined ? {} : { record: audit.record })
  }
}

export function plannedEvent(
  draft: Draft,
  name: string,
  second: number,
  audit: AuditFacts,
  record: Record<string, unknown>
): RegistryEvent {
  const parsed = parseMessage(formatMessage(draft.summary, record))
  const email = actorEmail(audit)
  return {
    kind: eventKind(draft.tag.action),
    model: draft.tag.model,
    version: draft.version,
    ...('stage' in draft.tag ? { stage: draft.tag.stage } : {}),
    at: new Date(second * 1000),
    by: actorName(audit),
    ...(email === undefined ? {} : { byEmail: email }),
    id: name,
    ref: draft.commit,
    summary: parsed.summary,
    ...(parsed.audit ? { audit: parsed.audit } : {})
  }
}

/** What a dry run shows: the events `drafts` would make, timed from `nowMs` as a write would be. */
export function previewEvents(
  state: RegistryState,
  model: string,
  drafts: Draft[],
  audit: AuditFacts,
  nowMs: number
): RegistryEvent[] {
  let second = Math.max(
    Math.floor(nowMs / 1000),
    (state.artifacts.get(model)?.lastEventTime ?? 0) + 1
  )
  let counter = state.counters.get(model) ?? 0
  return drafts.map((draft, i) => {
    if (i > 0) second += 1
    const tag: GtoTag = draft.counted ? { ...draft.tag, counter: ++counter } : draft.tag
    const name = formatTagName(tag)
    return plannedEvent(draft, name, second, audit, auditRecord(draft, audit, second))
  })
}
