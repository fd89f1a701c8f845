/**
 * The registry's state, rebuilt from every tag, all read by ONE
 * `git for-each-ref` (through the tag cache when the runner carries one).
 *
 * GTO 1.10's semantics (gto/tag.py, gto/base.py, gto/registry.py), ties within
 * one second included, so that `gto show` and ModelGate name the same holders:
 * - GTO collects tags sorted by name, then sorts them by tagger time (one-second
 *   resolution) with a stable sort; the counter plays no part in the order.
 * - A version is active unless its latest registration event is a
 *   deregistration; a version is in a stage while its latest event there is an
 *   assignment. GTO puts a version's assignments before its unassignments
 *   (registrations before deregistrations) and picks the last of a stable sort:
 *   in a tie, the unassignment (deregistration) wins. An artifact is deprecated
 *   when its latest event is a deprecation, and any version event in the same
 *   second comes after it. `compareEvents` orders events exactly so: time, then
 *   GTO's event priority (creation, deprecation, registration, deregistration,
 *   assignment, unassignment), then tag name.
 * - An assignment or unassignment points at a commit; its version is the
 *   version registered on that commit (the active one, else the earliest). A
 *   commit without registration is a version named by its hash, as in GTO.
 * - The stage's holder (what `gto show` prints) is the version in it with the
 *   latest assignment. Two versions assigned in the same second: `gto show`
 *   lists versions newest registration first, then takes the last of a stable
 *   sort by assignment time, so the version registered EARLIER wins (equal
 *   registration times: the one GTO created first). See `holderOrder`.
 * - The counter of the next tag is 1 + the highest counter on any tag of the
 *   artifact, lightweight tags included, so a new tag never collides with an
 *   existing name.
 */
import { tagAudit } from './tag-audit.js'
import { compareVersions } from './semver.js'
import type { GitRunner } from './runner.js'
import { gitOk } from './runner.js'
import type { TagCacheOptions } from './tag-cache.js'
import { readTagsCached, tagCacheOf } from './tag-cache.js'
import type { GtoAction } from './tag-name.js'
import { parseTagName } from './tag-name.js'
import type { TagRecord } from './tag-records.js'
import { FOR_EACH_REF_ARGS, parseForEachRef } from './tag-records.js'

export { FOR_EACH_REF_ARGS, FOR_EACH_REF_FORMAT, parseForEachRef } from './tag-records.js'
export type { TagRecord } from './tag-records.js'

/** One GTO event: an annotated tag GTO would read. */
export interface TagEvent {
  action: GtoAction
  model: string
  /** Registrations: the version; stage events: the version registered on the commit (or its hash). */
  version: string | undefined
  stage: string | undefined
  counter: number | undefined
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
  /**
   * Where `gto show` lists the version among same-second rivals: its latest
   * registration's time (a discovered version: its latest stage event's), then
   * the order in which GTO first met it. Lower wins a tie (see `holderOrder`).
   * Set only when an artifact has assignments to one stage in the same second.
   */
  rank?: { time: number; seen: number }
}

export interface StageHolderState {
  version: string
  assignment: TagEvent
  /**
   * Other versions assigned to the stage in the same second as the holder and
   * still in it: `gto show` picks among them by registration order (see the top).
   */
  tiedWith?: string[]
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

/**
 * A TagEvent whose message is read from its record when asked: a cached
 * record decodes it only then, so status (which reads only the holders')
 * never decodes the other messages; history reads them all. `message` is an
 * accessor on the prototype: a spread or JSON.stringify of an event leaves it
 * out (nothing does either; RegistryEvent is what leaves the adapter).
 */
class LazyTagEvent implements TagEvent {
  tag: string
  tagId: string
  commit: string
  by: string
  byEmail: string
  readonly #record: TagRecord

  constructor(
    public action: GtoAction,
    public model: string,
    public version: string | undefined,
    public stage: string | undefined,
    public counter: number | undefined,
    public time: number,
    record: TagRecord
  ) {
    this.tag = record.name
    this.tagId = record.objectId
    this.commit = record.targetId
    this.by = record.taggerName
    this.byEmail = record.taggerEmail
    this.#record = record
  }

  get message(): string {
    return this.#record.message
  }
}

const PRIORITY: Record<GtoAction, number> = {
  create: 1,
  deprecate: 2,
  register: 3,
  deregister: 4,
  assign: 5,
  unassign: 6
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** GTO's order of one artifact's events, ties within a second included (see the top). */
export function compareEvents(a: TagEvent, b: TagEvent): number {
  return a.time - b.time || PRIORITY[a.action] - PRIORITY[b.action] || byName(a.tag, b.tag)
}

/** GTO's collection order of one kind of event: stable by time over tags sorted by name. */
function compareCollected(a: TagEvent, b: TagEvent): number {
  return a.time - b.time || byName(a.tag, b.tag)
}

/** Builds the state from tag records. Pure. */
export function buildState(records: readonly TagRecord[]): RegistryState {
  const builder = new StateBuilder()
  for (const record of records) builder.add(record)
  return builder.finish()
}

/**
 * buildState one record at a time, so that a caller can do other work
 * between records (the tag cache drains git's output meanwhile). Records in,
 * in the listing's order; `finish` once.
 */
export class StateBuilder {
  private readonly tags = new Map<string, string>()
  private readonly counters = new Map<string, number>()
  private readonly ignored: IgnoredTag[] = []
  private readonly byModel = new Map<string, TagEvent[]>()
  private last: { model: string; events: TagEvent[] } | undefined

  add(record: TagRecord): void {
    this.tags.set(record.name, record.objectId)
    const parsed = parseTagName(record.name)
    if (!parsed) return
    if (parsed.counter !== undefined) {
      const seen = this.counters.get(parsed.model)
      if (seen === undefined || parsed.counter > seen) {
        this.counters.set(parsed.model, parsed.counter)
      }
    }
    if (record.objectType !== 'tag') {
      this.ignored.push({ tag: record.name, reason: 'lightweight tag' })
      return
    }
    if (record.targetType !== 'commit') {
      this.ignored.push({
        tag: record.name,
        reason: `points at a ${record.targetType || 'missing object'}, not a commit`
      })
      return
    }
    if (record.taggerTime === undefined) {
      this.ignored.push({ tag: record.name, reason: 'no tagger date' })
      return
    }
    const event = new LazyTagEvent(
      parsed.action,
      parsed.model,
      'version' in parsed ? parsed.version : undefined,
      'stage' in parsed ? parsed.stage : undefined,
      parsed.counter,
      record.taggerTime,
      record
    )
    // A listing is sorted by name: one artifact's tags mostly come in a row.
    let list = this.last?.model === parsed.model ? this.last.events : undefined
    if (!list) {
      list = this.byModel.get(parsed.model)
      if (!list) this.byModel.set(parsed.model, (list = []))
      this.last = { model: parsed.model, events: list }
    }
    list.push(event)
  }

  finish(): RegistryState {
    const artifacts = new Map<string, ArtifactState>()
    for (const [model, events] of this.byModel) artifacts.set(model, buildArtifact(model, events))
    return { artifacts, counters: this.counters, tags: this.tags, ignored: this.ignored }
  }
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
  const inStage = new Map<string, StageHolderState[]>()
  for (const version of versions.values()) {
    if (!version.active) continue
    for (const [stage, vs] of version.stages) {
      if (vs.latest.action !== 'assign') continue
      const held = { version: version.version, assignment: vs.latest }
      const list = inStage.get(stage)
      if (list) list.push(held)
      else inStage.set(stage, [held])
    }
  }
  // Ranks matter only to order assignments made in the same second; rarely computed.
  let ranked = false
  for (const [stage, list] of inStage) {
    if (!ranked && hasTie(list)) {
      rankVersions(events, versions)
      ranked = true
    }
    list.sort((a, b) => holderOrder(versions, a, b))
    const [first] = list
    if (!first) continue
    const tied = list.filter(h => h !== first && h.assignment.time === first.assignment.time)
    holders.set(stage, tied.length > 0 ? { ...first, tiedWith: tied.map(h => h.version) } : first)
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

/**
 * Sets each version's `rank`: GTO creates versions while reading registration
 * tags in its collection order, then (discovered versions) stage tags; `gto show`
 * lists versions by their latest registration, newest first, ties in reverse
 * creation order.
 */
function rankVersions(events: readonly TagEvent[], versions: Map<string, VersionState>): void {
  const direct = events.filter(e => e.action === 'register' || e.action === 'deregister')
  const staged = events.filter(e => e.action === 'assign' || e.action === 'unassign')
  const seen = new Map<string, number>()
  const latest = new Map<string, number>()
  for (const event of [...direct.sort(compareCollected), ...staged.sort(compareCollected)]) {
    const name = event.version ?? ''
    if (!seen.has(name)) seen.set(name, seen.size)
    const version = versions.get(name)
    // A registered version ranks by its latest registration, a discovered one by its latest event.
    const counts = version?.registered ? event.action === 'register' : event.version !== undefined
    if (counts && event.time >= (latest.get(name) ?? -Infinity)) latest.set(name, event.time)
  }
  for (const version of versions.values()) {
    version.rank = {
      time: latest.get(version.version) ?? 0,
      seen: seen.get(version.version) ?? seen.size
    }
  }
}

function hasTie(list: readonly StageHolderState[]): boolean {
  const times = new Set<number>()
  for (const held of list) {
    if (times.has(held.assignment.time)) return true
    times.add(held.assignment.time)
  }
  return false
}

/**
 * `gto show`'s order of the versions in one stage: latest assignment first; in
 * the same second, the version GTO lists last among versions sorted newest
 * registration first, i.e. the lowest rank (earliest registration).
 */
function holderOrder(
  versions: ReadonlyMap<string, VersionState>,
  a: StageHolderState,
  b: StageHolderState
): number {
  const ra = versions.get(a.version)?.rank
  const rb = versions.get(b.version)?.rank
  return (
    b.assignment.time - a.assignment.time ||
    (ra?.time ?? 0) - (rb?.time ?? 0) ||
    (ra?.seen ?? 0) - (rb?.seen ?? 0)
  )
}

export interface ReadStateOptions {
  /**
   * Where the tag cache lives (tag-cache.ts), or `false` for none. Default:
   * what the runner carries (`withTagCache`); a plain runner reads without it.
   */
  cache?: TagCacheOptions | false
}

/**
 * Reads the whole registry. With a tag cache: one cheap `git for-each-ref`
 * plus the cache file (and one `git cat-file --batch` for tag objects not in
 * it yet). Without: one `git for-each-ref` that reads every tag object.
 */
export async function readState(
  git: GitRunner,
  options: ReadStateOptions = {}
): Promise<RegistryState> {
  const cache = options.cache === undefined ? tagCacheOf(git) : options.cache || undefined
  if (cache) return readTagsCached(git, cache, () => new StateBuilder())
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
  return result.sort((a, b) => holderOrder(artifact.versions, a, b))
}

/**
 * The version a rollback restores by default: walking the stage's holders back
 * in time from the current one, the first other version that is still
 * registered and was not explicitly taken out of the stage since (its latest
 * event there is not an unassignment, so a version removed by an earlier
 * rollback is never restored by a later one; an unassignment marked
 * `replacedBy`, written when a lower version replaced it, is not a removal).
 */
export function previousHolder(artifact: ArtifactState, stage: string): string | undefined {
  const latestKind = new Map<string, GtoAction>()
  const replaced = new Set<string>()
  const lastIndex = new Map<string, number>()
  const stack: string[] = []
  const timeline: string[] = []
  for (const event of artifact.events) {
    if (event.stage !== stage || event.version === undefined) continue
    if (event.action !== 'assign' && event.action !== 'unassign') continue
    latestKind.set(event.version, event.action)
    // Taken out only so GTO's reader agrees with a newer, lower holder: replaced, not withdrawn
    // (as takenOutOf reads it), so a rollback may put it back.
    if (event.action === 'unassign' && isReplacement(artifact, event)) {
      replaced.add(event.version)
    } else {
      replaced.delete(event.version)
    }
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
    if (latestKind.get(candidate) === 'unassign' && !replaced.has(candidate)) continue
    return candidate
  }
  return undefined
}

/**
 * Whether an unassignment only made way for a lower version (the `replacedBy` mark ModelGate
 * writes so GTO's highest-version reader agrees with the new holder), rather than a removal. The
 * mark is believed only when the events bear it out: the version was in the stage (its previous
 * event there an assignment), the named version ranks lower, and the stage's next event (or one
 * in the same second) assigns it. A hand-written mark on any other unassignment (say, of a
 * version a rollback already took out) is a removal like any other, so it cannot bring a
 * rolled-back version back.
 */
export function isReplacement(artifact: ArtifactState, event: TagEvent): boolean {
  const named = tagAudit(event)?.replacedBy
  if (typeof named !== 'string' || event.version === undefined) return false
  const inStage = artifact.events.filter(e => e.stage === event.stage && e.version !== undefined)
  const at = inStage.indexOf(event)
  if (at < 0) return false
  const moves = (e: TagEvent) => e.action === 'assign' || e.action === 'unassign'
  const before = inStage
    .slice(0, at)
    .reverse()
    .find(e => e.version === event.version && moves(e))
  const next = inStage.slice(at + 1).find(moves)
  // ModelGate writes the two in one push, often in one second, where the order is GTO's.
  const namedAssigned =
    (next?.action === 'assign' && next.version === named) ||
    inStage.some(e => e.action === 'assign' && e.version === named && e.time === event.time)
  return (
    before?.action === 'assign' && namedAssigned && (compareVersions(named, event.version) ?? 1) < 0
  )
}
