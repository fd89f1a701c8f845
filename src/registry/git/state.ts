/**
 * The registry's state, rebuilt from every tag read by ONE `git for-each-ref`.
 *
 * GTO's semantics (gto/tag.py, gto/base.py):
 * - Events are ordered by tagger timestamp (one-second resolution). Ties within
 *   one second, which GTO leaves to chance, are broken here deterministically:
 *   by counter (a tag without counter counts as 0), then by GTO's event priority
 *   (creation, deprecation, registration, deregistration, assignment,
 *   unassignment), then by tag name.
 * - An assignment or unassignment points at a commit; its version is the
 *   version registered on that commit (the active one, else the earliest). A
 *   commit without registration is a version named by its hash, as in GTO.
 * - A version is in a stage while its latest event there is an assignment, and
 *   it is active (its latest registration event is not a deregistration).
 * - The stage's holder is the version in it with the latest assignment
 *   (what `gto show` prints).
 * - The counter of the next tag is 1 + the highest counter on any tag of the
 *   artifact, lightweight tags and legacy `#STAGE-N` tags included, so a new
 *   tag never collides with an existing name.
 */
import type { GitRunner } from './runner.js'
import { gitOk } from './runner.js'
import type { GtoAction } from './tag-name.js'
import { parseTagName } from './tag-name.js'

const FIELDS = [
  '%(refname)',
  '%(objecttype)',
  '%(objectname)',
  '%(*objecttype)',
  '%(*objectname)',
  '%(taggername)',
  '%(taggeremail)',
  '%(taggerdate:unix)',
  '%(contents)',
  '%(contents:signature)'
] as const

/** NUL after every field: messages may hold any text but NUL. */
export const FOR_EACH_REF_FORMAT = FIELDS.map(field => `${field}%00`).join('')

/** The one read: every tag with what the state needs. */
export const FOR_EACH_REF_ARGS: readonly string[] = [
  'for-each-ref',
  `--format=${FOR_EACH_REF_FORMAT}`,
  'refs/tags'
]

/** One tag as `for-each-ref` printed it. */
export interface TagRecord {
  /** Without `refs/tags/`. */
  name: string
  /** `tag` for an annotated tag, `commit` for a lightweight one. */
  objectType: string
  objectId: string
  /** The type and id of the object an annotated tag points at. */
  targetType: string
  targetId: string
  taggerName: string
  taggerEmail: string
  /** Unix seconds; undefined when the tag has no tagger. */
  taggerTime: number | undefined
  message: string
}

/** Parses `git for-each-ref --format=FOR_EACH_REF_FORMAT` output. Throws on output it cannot split. */
export function parseForEachRef(stdout: string): TagRecord[] {
  if (stdout === '') return []
  const tokens = stdout.split('\0')
  const width = FIELDS.length
  if ((tokens.length - 1) % width !== 0 || tokens[tokens.length - 1]?.trim() !== '') {
    throw new Error(
      `Cannot read the tags: git for-each-ref printed ${tokens.length - 1} fields, not a multiple of ${width}.`
    )
  }
  const records: TagRecord[] = []
  for (let i = 0; i + width < tokens.length; i += width) {
    const at = (k: number) => tokens[i + k] ?? ''
    const refname = i === 0 ? at(0) : at(0).replace(/^\n/, '')
    const contents = at(8)
    const signature = at(9)
    const message =
      signature && contents.endsWith(signature) ? contents.slice(0, -signature.length) : contents
    const email = at(6)
    const time = at(7) === '' ? undefined : Number(at(7))
    records.push({
      name: refname.startsWith('refs/tags/') ? refname.slice('refs/tags/'.length) : refname,
      objectType: at(1),
      objectId: at(2),
      targetType: at(3),
      targetId: at(4),
      taggerName: at(5),
      taggerEmail: email.startsWith('<') && email.endsWith('>') ? email.slice(1, -1) : email,
      taggerTime: time !== undefined && Number.isFinite(time) ? time : undefined,
      message
    })
  }
  return records
}

/** One GTO event: an annotated tag GTO would read. */
export interface TagEvent {
  action: GtoAction
  model: string
  /** Registrations: the version; stage events: the version registered on the commit (or its hash). */
  version: string | undefined
  stage: string | undefined
  counter: number | undefined
  /** Read from GTO ≤ 0.1.3's `NAME#STAGE-N`. */
  legacy: boolean
  tag: string
  tagId: string
  commit: string
  /** Tagger time, unix seconds. */
  time: number
  by: string
  byEmail: string
  message: string
}

export interface VersionStageState {
  /** The version's latest event in the stage. */
  latest: TagEvent
  /** Its latest assignment to the stage. */
  lastAssignment: TagEvent | undefined
}

export interface VersionState {
  version: string
  commit: string
  /** False for GTO's "discovered" versions: a commit assigned without registration. */
  registered: boolean
  /** False once its latest registration event is a deregistration. */
  active: boolean
  registration?: TagEvent
  stages: Map<string, VersionStageState>
}

export interface StageHolderState {
  version: string
  assignment: TagEvent
}

export interface ArtifactState {
  model: string
  /** Every event, oldest first, in the deterministic order above. */
  events: TagEvent[]
  versions: Map<string, VersionState>
  holders: Map<string, StageHolderState>
  deprecated: boolean
  /** Tagger time of the latest event (unix seconds). */
  lastEventTime: number
}

export interface IgnoredTag {
  tag: string
  reason: string
}

export interface RegistryState {
  artifacts: Map<string, ArtifactState>
  /** Highest counter on any tag of each artifact, lightweight tags included. */
  counters: Map<string, number>
  /** Every tag (GTO or not) → its object id. */
  tags: Map<string, string>
  /** GTO-looking tags GTO would ignore too (lightweight, not on a commit, no tagger date). */
  ignored: IgnoredTag[]
}

const PRIORITY: Record<GtoAction, number> = {
  create: 1,
  deprecate: 2,
  register: 3,
  deregister: 4,
  assign: 5,
  unassign: 6
}

/** GTO's order (tagger time) with the deterministic tie-break documented above. */
export function compareEvents(a: TagEvent, b: TagEvent): number {
  return (
    a.time - b.time ||
    (a.counter ?? 0) - (b.counter ?? 0) ||
    PRIORITY[a.action] - PRIORITY[b.action] ||
    (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
  )
}

/** Builds the state from tag records. Pure. */
export function buildState(records: readonly TagRecord[]): RegistryState {
  const tags = new Map<string, string>()
  const counters = new Map<string, number>()
  const ignored: IgnoredTag[] = []
  const byModel = new Map<string, TagEvent[]>()

  for (const record of records) {
    tags.set(record.name, record.objectId)
    const parsed = parseTagName(record.name)
    if (!parsed) continue
    if (parsed.counter !== undefined) {
      counters.set(parsed.model, Math.max(counters.get(parsed.model) ?? 0, parsed.counter))
    }
    if (record.objectType !== 'tag') {
      ignored.push({ tag: record.name, reason: 'lightweight tag' })
      continue
    }
    if (record.targetType !== 'commit') {
      ignored.push({
        tag: record.name,
        reason: `points at a ${record.targetType || 'missing object'}, not a commit`
      })
      continue
    }
    if (record.taggerTime === undefined) {
      ignored.push({ tag: record.name, reason: 'no tagger date' })
      continue
    }
    const event: TagEvent = {
      action: parsed.action,
      model: parsed.model,
      version: 'version' in parsed ? parsed.version : undefined,
      stage: 'stage' in parsed ? parsed.stage : undefined,
      counter: parsed.counter,
      legacy: 'legacy' in parsed && parsed.legacy === true,
      tag: record.name,
      tagId: record.objectId,
      commit: record.targetId,
      time: record.taggerTime,
      by: record.taggerName,
      byEmail: record.taggerEmail,
      message: record.message
    }
    let list = byModel.get(parsed.model)
    if (!list) byModel.set(parsed.model, (list = []))
    list.push(event)
  }

  const artifacts = new Map<string, ArtifactState>()
  for (const [model, events] of byModel) artifacts.set(model, buildArtifact(model, events))
  return { artifacts, counters, tags, ignored }
}

function buildArtifact(model: string, events: TagEvent[]): ArtifactState {
  events.sort(compareEvents)
  const versions = new Map<string, VersionState>()

  // Registrations first: stage events resolve their version through the commit.
  for (const event of events) {
    if (event.action !== 'register' && event.action !== 'deregister') continue
    const name = event.version ?? ''
    let version = versions.get(name)
    if (!version) {
      version = {
        version: name,
        commit: event.commit,
        registered: false,
        active: true,
        stages: new Map()
      }
      versions.set(name, version)
    }
    if (event.action === 'register') {
      if (!version.registration) {
        version.registration = event
        version.registered = true
        version.commit = event.commit
      }
      version.active = true
    } else {
      version.active = false
    }
  }
  const byCommit = new Map<string, VersionState>()
  for (const version of versions.values()) {
    if (!version.registered) continue
    const seen = byCommit.get(version.commit)
    if (!seen || (!seen.active && version.active)) byCommit.set(version.commit, version)
  }

  for (const event of events) {
    if (event.action !== 'assign' && event.action !== 'unassign') continue
    let version = byCommit.get(event.commit)
    if (!version) {
      version = versions.get(event.commit)
      if (!version) {
        version = {
          version: event.commit,
          commit: event.commit,
          registered: false,
          active: true,
          stages: new Map()
        }
        versions.set(event.commit, version)
      }
    }
    event.version = version.version
    const stage = event.stage ?? ''
    const current = version.stages.get(stage)
    if (!current) {
      version.stages.set(stage, {
        latest: event,
        lastAssignment: event.action === 'assign' ? event : undefined
      })
    } else {
      current.latest = event
      if (event.action === 'assign') current.lastAssignment = event
    }
  }

  const holders = new Map<string, StageHolderState>()
  for (const version of versions.values()) {
    if (!version.active) continue
    for (const [stage, vs] of version.stages) {
      if (vs.latest.action !== 'assign') continue
      const seen = holders.get(stage)
      if (!seen || compareEvents(vs.latest, seen.assignment) > 0) {
        holders.set(stage, { version: version.version, assignment: vs.latest })
      }
    }
  }
  const last = events[events.length - 1]
  return {
    model,
    events,
    versions,
    holders,
    deprecated: last?.action === 'deprecate',
    lastEventTime: last ? last.time : 0
  }
}

/** Reads the whole registry with one git process. */
export async function readState(git: GitRunner): Promise<RegistryState> {
  return buildState(parseForEachRef(await gitOk(git, FOR_EACH_REF_ARGS)))
}

/** Versions in `stage` now (latest event there an assignment, version active), latest assignment first. */
export function versionsInStage(artifact: ArtifactState, stage: string): StageHolderState[] {
  const result: StageHolderState[] = []
  for (const version of artifact.versions.values()) {
    const vs = version.stages.get(stage)
    if (version.active && vs && vs.latest.action === 'assign') {
      result.push({ version: version.version, assignment: vs.latest })
    }
  }
  return result.sort((a, b) => compareEvents(b.assignment, a.assignment))
}

/**
 * The version a rollback restores by default: walking the stage's holders back
 * in time from the current one, the first other version that is still
 * registered and was not explicitly taken out of the stage since (its latest
 * event there is not an unassignment, so a version removed by an earlier
 * rollback is never restored by a later one).
 */
export function previousHolder(artifact: ArtifactState, stage: string): string | undefined {
  const latestKind = new Map<string, GtoAction>()
  const lastIndex = new Map<string, number>()
  const stack: string[] = []
  const timeline: string[] = []
  for (const event of artifact.events) {
    if (event.stage !== stage || event.version === undefined) continue
    if (event.action !== 'assign' && event.action !== 'unassign') continue
    latestKind.set(event.version, event.action)
    if (event.action === 'assign') {
      stack.push(event.version)
      lastIndex.set(event.version, stack.length - 1)
    }
    for (;;) {
      const top = stack[stack.length - 1]
      if (top === undefined) break
      if (latestKind.get(top) === 'assign' && lastIndex.get(top) === stack.length - 1) break
      stack.pop()
    }
    const holder = stack[stack.length - 1]
    if (holder !== undefined && holder !== timeline[timeline.length - 1]) timeline.push(holder)
  }
  const current = artifact.holders.get(stage)?.version
  for (let i = timeline.length - 1; i >= 0; i--) {
    const candidate = timeline[i]
    if (candidate === undefined || candidate === current) continue
    const version = artifact.versions.get(candidate)
    if (!version || !version.registered || !version.active) continue
    if (latestKind.get(candidate) === 'unassign') continue
    return candidate
  }
  return undefined
}
