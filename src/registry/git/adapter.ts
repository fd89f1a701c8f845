// Over 600 lines (712): the port's methods plus the write loop that pushes, leases and keeps
// --no-push marks; issue 13's shared write protocol (one for git and MLflow) takes the loop out.
/**
 * The git registry: the checkout itself, in GTO's annotated-tag format
 * (shared/GTO-TAGS.md). Reads are one `git for-each-ref`; writes are annotated
 * tags on the version's registration commit, pushed to `origin` when it exists.
 *
 * Reads: the first read of a model fetches its tags from origin with prune
 * (`+refs/tags/NAME@*`, `+refs/tags/NAME#*`, forced), so the state any decision
 * reads is origin's: a local tag that never reached origin (a write killed
 * mid-push) is removed, never believed. Other tags in the clone are untouched.
 *
 * Write protocol, per attempt (bounded, 3 by default):
 *   1. fetch the model's tags from origin (forced, pruned: the remote is the
 *      truth), read state;
 *   2. decide (nothing to do → `{ written: false, reason }`), let the caller
 *      revalidate against the current holder;
 *   3. create each tag with the artifact-wide next counter and a tagger second
 *      strictly after the artifact's latest event (waiting for the clock when
 *      needed), so GTO orders them as intended;
 *   4. push them atomically together with the artifact's lease ref
 *      (`refs/modelgate/lease/<artifact>`, --force-with-lease: a
 *      compare-and-swap, so two runs that read the same state cannot both
 *      write, even to different stages). If the push fails: delete the local
 *      tags, fetch, re-read. Our tags there with our ids → the push landed
 *      (its answer was lost). The lease moved or one of our names is taken →
 *      lost race: next attempt with the fresh state. Otherwise → the push
 *      error (PermissionError when it looks like one).
 *
 * Without the remote, tags are only created locally; with `push: false` (--no-push) too, marked
 * so that reconciling keeps them and further writes to the model wait until they are pushed
 * (origin.ts). A written result says where the tags went (`publication`).
 *
 * About 700 lines: the port's methods; origin.ts, state.ts and queries.ts beside it hold the rest.
 * Issue 13's shared write protocol for both registries takes the write loop out of it.
 */
import { DIGEST_RE } from '../../candidate/digest.js'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { RegistryConflictError } from '../errors.js'
import type {
  AuditFacts,
  ModelStatus,
  NoWriteReason,
  Registry,
  RegistryEvent,
  StageHolder,
  StageRemoval,
  VersionRecord,
  WriteOptions,
  WriteResult
} from '../port.js'
import { formatMessage, parseMessage, promoteSummary } from './message.js'
import { LEASE_PREFIX, OriginTags, leaseRefOf } from './origin.js'
import type { GitRunner } from './runner.js'
import { gitOk } from './runner.js'
import { compareVersions } from './semver.js'
import {
  eventKind,
  historyOf,
  stageHolder,
  statusOf,
  takenOutOf,
  versionRecord
} from './queries.js'
import type { ArtifactState, RegistryState, StageHolderState, VersionState } from './state.js'
import { previousHolder, readState, versionsInStage } from './state.js'
import type { GtoTag } from './tag-name.js'
import { assertModelName, assertStageName, assertVersion, formatTagName } from './tag-name.js'

export interface GitRegistryOptions {
  /** Runs git in the checkout that is the registry. */
  git: GitRunner
  /** The remote to fetch from and push to, when the checkout has it. Default `origin`. */
  remote?: string
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number
  /** Default: a timer. Tests inject one that advances their clock. */
  sleep?: (ms: number) => Promise<void>
  /** Write attempts before giving up on a contended registry. Default 3. */
  maxAttempts?: number
  /**
   * How far (seconds) the latest event of an artifact may lie in this clock's
   * future before a write refuses rather than waits. Default 10.
   */
  maxClockSkewSeconds?: number
  /** The stages allowed (e.g. from `.gto`); any valid stage when absent. */
  allowedStages?: readonly string[]
  /**
   * Reconcile with the remote before deciding: before the first write attempt, and before the
   * first read of each model. Default true; false only to test stale views.
   */
  fetchBeforeWrite?: boolean
  /** Push writes to the remote (default); false keeps them in the checkout, marked (--no-push). */
  push?: boolean
}

/** One tag to write, before its counter and time are known. */
interface Draft {
  tag: GtoTag
  version: string
  /** Stage events get the artifact-wide next counter; registrations use GTO's simple form. */
  counted: boolean
  commit: string
  summary: string
  facts: Record<string, unknown>
}

type Decision = { write: Draft[] } | { noop: NoWriteReason }

interface View {
  state: RegistryState
  /** The lease ref's object id, '' when there is none yet. */
  lease: string
}

interface Created {
  name: string
  /** The tag object's id, to recognise our own tag on the remote. */
  oid: string
  event: RegistryEvent
}

/** A GitHub login (or app bot): its noreply address is a sound default tagger e-mail. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/

const sleepTimer = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

export class GitRegistry implements Registry {
  private readonly git: GitRunner
  private readonly remote: string
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly maxAttempts: number
  private readonly maxSkew: number
  private readonly allowedStages: readonly string[] | undefined
  private readonly fetchBeforeWrite: boolean
  private readonly push: boolean
  /** The remote's tags: fetched and reconciled with (origin.ts). */
  private readonly origin: OriginTags

  constructor(options: GitRegistryOptions) {
    this.git = options.git
    this.remote = options.remote ?? 'origin'
    this.now = options.now ?? Date.now
    this.sleep = options.sleep ?? sleepTimer
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3)
    this.maxSkew = options.maxClockSkewSeconds ?? 10
    this.allowedStages = options.allowedStages
    this.fetchBeforeWrite = options.fetchBeforeWrite ?? true
    this.push = options.push ?? true
    this.origin = new OriginTags(this.git, this.remote, () => this.readState())
  }

  /** The whole state, from one `git for-each-ref`. */
  readState(): Promise<RegistryState> {
    return readState(this.git)
  }

  // ---- reads ---------------------------------------------------------------

  async getVersion(model: string, version: string): Promise<VersionRecord | undefined> {
    await this.reconcile(model)
    const artifact = (await this.readState()).artifacts.get(model)
    return artifact && versionRecord(artifact, version)
  }

  async getStage(model: string, stage: string): Promise<StageHolder | undefined> {
    await this.reconcile(model)
    return stageHolder(await this.readState(), model, stage)
  }

  async status(model?: string): Promise<ModelStatus[]> {
    await this.reconcile(model)
    return statusOf(await this.readState(), model).map(entry => {
      const localOnly = this.origin.localOnly(entry.model)
      return localOnly.length > 0 ? { ...entry, localOnly } : entry
    })
  }

  async history(model?: string): Promise<RegistryEvent[]> {
    await this.reconcile(model)
    return historyOf(await this.readState(), model)
  }

  async takenOutOf(
    model: string,
    version: string,
    stage: string
  ): Promise<StageRemoval | undefined> {
    await this.reconcile(model)
    return takenOutOf(await this.readState(), model, version, stage)
  }

  // ---- writes --------------------------------------------------------------

  async register(
    model: string,
    version: string,
    ref: string,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertModelName(model)
    assertVersion(version)
    assertActor(audit)
    if (audit.candidateDigest !== undefined && !DIGEST_RE.test(audit.candidateDigest)) {
      throw new InvalidInputError(`Invalid candidate digest "${audit.candidateDigest}"`)
    }
    const commit = await this.resolveCommit(ref)
    return this.write(model, undefined, audit, options, state => {
      const artifact = state.artifacts.get(model)
      assertNotDeprecated(artifact)
      const existing = artifact?.versions.get(version)
      if (existing?.registered || existing?.registration) {
        if (existing.commit === commit && existing.active) return { noop: 'already registered' }
        if (existing.commit === commit) {
          throw new InvalidInputError(
            `${model} ${version} was deregistered; GTO does not register a version twice.`
          )
        }
        throw new InvalidInputError(
          `${model} ${version} is already registered on commit ${existing.commit.slice(0, 12)}, not ${commit.slice(0, 12)}.`
        )
      }
      for (const other of artifact?.versions.values() ?? []) {
        if (other.registered && other.active && other.commit === commit) {
          throw new InvalidInputError(
            `Commit ${commit.slice(0, 12)} already carries ${model} ${other.version}: one version per commit, so stage tags on it stay unambiguous.`
          )
        }
      }
      return {
        write: [
          {
            tag: { action: 'register', model, version },
            version,
            counted: false,
            commit,
            summary: `Register ${model} ${version}`,
            // GTO never reads the message: the digest rides along for promotions to compare.
            facts: {
              action: 'register',
              model,
              version,
              commit,
              ...(audit.candidateDigest ? { candidateDigest: audit.candidateDigest } : {})
            }
          }
        ]
      }
    })
  }

  async assign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertModelName(model)
    assertVersion(version)
    this.assertStage(stage)
    assertActor(audit)
    return this.write(model, stage, audit, options, (state, facts) => {
      const { artifact, target } = registeredVersion(state, model, version)
      if (artifact.holders.get(stage)?.version === version) return { noop: 'already in stage' }
      // GTO's other reader (highest semver in the stage) must agree: take out
      // any version still in the stage that outranks the new one.
      const outranking = versionsInStage(artifact, stage).filter(
        h => h.version !== version && (compareVersions(h.version, version) ?? -1) > 0
      )
      return {
        write: [
          ...outranking.map(h =>
            unassignDraft(artifact, h, stage, {
              summary: `Remove ${model} ${h.version} from ${stage} (replaced by ${version})`,
              facts: { replacedBy: version }
            })
          ),
          {
            tag: { action: 'assign', model, stage },
            version,
            counted: true,
            commit: target.commit,
            summary: promoteSummary(
              model,
              version,
              stage,
              facts.forced ? facts.forcedPast : undefined
            ),
            facts: { action: 'assign', model, version, stage }
          }
        ]
      }
    })
  }

  async unassign(
    model: string,
    version: string,
    stage: string,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertModelName(model)
    assertVersion(version)
    this.assertStage(stage)
    assertActor(audit)
    return this.write(model, stage, audit, options, state => {
      const artifact = state.artifacts.get(model)
      const found = artifact?.versions.get(version)
      if (!artifact || !found || !found.registered) {
        throw new NotFoundError(`${model} ${version} is not registered.`)
      }
      const inStage = found.stages.get(stage)
      if (!inStage || inStage.latest.action !== 'assign') return { noop: 'not in stage' }
      return {
        write: [
          unassignDraft(artifact, { version, assignment: inStage.latest }, stage, {
            summary: `Remove ${model} ${version} from ${stage}`,
            facts: {}
          })
        ]
      }
    })
  }

  async rollback(
    model: string,
    stage: string,
    toVersion: string | undefined,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertModelName(model)
    this.assertStage(stage)
    if (toVersion !== undefined) assertVersion(toVersion)
    assertActor(audit)
    return this.write(model, stage, audit, options, state => {
      const artifact = state.artifacts.get(model)
      if (!artifact) throw new NotFoundError(`${model} has no versions in the registry.`)
      const holder = artifact.holders.get(stage)
      if (!holder)
        throw new NotFoundError(`No version of ${model} is in ${stage}: nothing to roll back.`)
      const to = toVersion ?? previousHolder(artifact, stage)
      if (to === undefined) {
        throw new NotFoundError(
          `No earlier version of ${model} held ${stage}: name the version to roll back to.`
        )
      }
      if (to === holder.version) return { noop: 'already in stage' }
      const { target } = registeredVersion(state, model, to)
      const rollback = { from: holder.version, to }
      const remove = [
        holder,
        ...versionsInStage(artifact, stage).filter(
          h =>
            h.version !== to &&
            h.version !== holder.version &&
            (compareVersions(h.version, to) ?? -1) > 0
        )
      ]
      return {
        write: [
          ...remove.map(h =>
            unassignDraft(artifact, h, stage, {
              summary: `Roll back ${model} ${stage}: remove ${h.version}`,
              facts: { rollback }
            })
          ),
          {
            tag: { action: 'assign', model, stage },
            version: to,
            counted: true,
            commit: target.commit,
            summary: `Roll back ${model} ${stage} to ${to} (from ${holder.version})`,
            facts: { action: 'assign', model, version: to, stage, rollback }
          }
        ]
      }
    })
  }

  // ---- the write protocol ----------------------------------------------------

  private async write(
    model: string,
    stage: string | undefined,
    auditIn: AuditFacts,
    options: WriteOptions,
    /** Pure on its inputs: decided again with the audit a revalidation replaces (its first line). */
    decide: (state: RegistryState, audit: AuditFacts) => Decision
  ): Promise<WriteResult> {
    let audit = auditIn
    const remote = await this.origin.hasRemote()
    let fresh: View | undefined
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let view = fresh
      fresh = undefined
      if (!view) {
        if (remote && (attempt > 1 || this.fetchBeforeWrite)) await this.origin.fetch([model])
        view = await this.view(model, remote)
      }
      if (remote) this.origin.assertNothingKept(model)
      const { state, lease } = view
      let decision = decide(state, audit)
      if ('noop' in decision) return { written: false, reason: decision.noop }
      if (options.revalidate) {
        const replaced = await options.revalidate({
          model,
          ...(stage === undefined ? {} : { stage }),
          holder: stage === undefined ? undefined : stageHolder(state, model, stage),
          attempt
        })
        if (replaced) {
          assertActor(replaced)
          audit = replaced
          decision = decide(state, audit)
          if ('noop' in decision) return { written: false, reason: decision.noop }
        }
      }
      if (options.dryRun) {
        return {
          written: false,
          reason: 'dry run',
          planned: this.preview(state, model, decision.write, audit)
        }
      }
      const created = await this.createTags(state, model, decision.write, audit)
      const events = created.map(c => c.event)
      const tags = created.map(c => c.name)
      if (!remote || !this.push) {
        if (remote) await this.origin.keep(created)
        const local = remote ? 'no-push' : 'no-remote'
        return { written: true, events, attempts: attempt, publication: { tags, local } }
      }

      // The tags and the artifact's lease ref, all or nothing; the lease makes
      // the push a compare-and-swap, so two runs never both write from one view.
      const leaseRef = leaseRefOf(model)
      const newLease = created[created.length - 1]?.oid ?? ''
      const push = await this.git([
        'push',
        '--atomic',
        '--porcelain',
        `--force-with-lease=${leaseRef}:${lease}`,
        this.remote,
        ...created.map(c => `refs/tags/${c.name}:refs/tags/${c.name}`),
        `${newLease}:${leaseRef}`
      ])
      const publication = async () => ({
        tags,
        leaseRef,
        remote: { name: this.remote, url: await this.origin.url() }
      })
      if (push.code === 0) {
        await this.git(['update-ref', leaseRef, newLease])
        return { written: true, events, attempts: attempt, publication: await publication() }
      }

      await this.deleteTags(created.map(c => c.name))
      await this.origin.fetch([model])
      const after = await this.view(model, remote)
      if (created.every(c => c.oid !== '' && after.state.tags.get(c.name) === c.oid)) {
        // It landed; its answer was lost.
        return { written: true, events, attempts: attempt, publication: await publication() }
      }
      if (after.lease !== lease || created.some(c => after.state.tags.has(c.name))) {
        fresh = after // lost the race: another run wrote first
        continue
      }
      throw await this.origin.pushRefused(tags, push.stderr.trim() || push.stdout.trim())
    }
    throw new RegistryConflictError(
      `Gave up writing ${model}${stage ? ` ${stage}` : ''} after ${this.maxAttempts} attempts: other runs kept writing to the registry first. Nothing was written; re-run to evaluate against the new state.`
    )
  }

  /** The tags' tagger seconds: each strictly after the artifact's latest event and the tag before. */
  private async createTags(
    state: RegistryState,
    model: string,
    drafts: Draft[],
    audit: AuditFacts
  ): Promise<Created[]> {
    let after = state.artifacts.get(model)?.lastEventTime ?? 0
    let counter = state.counters.get(model) ?? 0
    const created: Created[] = []
    try {
      for (const draft of drafts) {
        const second = await this.nextSecond(model, after)
        after = second
        const tag: GtoTag = draft.counted ? { ...draft.tag, counter: ++counter } : draft.tag
        const name = formatTagName(tag)
        const record = auditRecord(draft, audit, second)
        await gitOk(
          this.git,
          ['tag', '-a', '--cleanup=whitespace', '-F', '-', '--', name, draft.commit],
          { input: formatMessage(draft.summary, record), env: identityEnv(audit, second) }
        )
        created.push({ name, oid: '', event: plannedEvent(draft, name, second, audit, record) })
      }
      const ids = (await gitOk(this.git, ['rev-parse', ...created.map(c => `refs/tags/${c.name}`)]))
        .trim()
        .split('\n')
      created.forEach((c, i) => (c.oid = ids[i] ?? ''))
      return created
    } catch (error) {
      await this.deleteTags(created.map(c => c.name)).catch(() => undefined)
      throw error
    }
  }

  private preview(
    state: RegistryState,
    model: string,
    drafts: Draft[],
    audit: AuditFacts
  ): RegistryEvent[] {
    let second = Math.max(
      Math.floor(this.now() / 1000),
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

  /** The first whole second after `after`, waiting for the clock when it is not there yet. */
  private async nextSecond(model: string, after: number): Promise<number> {
    for (;;) {
      const ms = this.now()
      const second = Math.floor(ms / 1000)
      if (second > after) return second
      if (after - second > this.maxSkew) {
        throw new RegistryConflictError(
          `The latest event of ${model} is dated ${after - second}s ahead of this machine's clock; refusing to write an event GTO would order before it.`
        )
      }
      await this.sleep((after + 1) * 1000 - ms)
    }
  }

  private assertStage(stage: string): void {
    assertStageName(stage)
    if (this.allowedStages && !this.allowedStages.includes(stage)) {
      throw new InvalidInputError(
        `Unknown stage "${stage}": the registry allows ${this.allowedStages.join(', ') || 'no stages'} (GTO_STAGES, else .gto).`
      )
    }
  }

  private async resolveCommit(ref: string): Promise<string> {
    const result = await this.git([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`
    ])
    const commit = result.stdout.trim()
    if (result.code !== 0 || !/^[0-9a-f]{40,64}$/.test(commit)) {
      throw new NotFoundError(`No commit "${ref}" in this repository.`)
    }
    return commit
  }

  /** Before a model's first read: its tags made origin's (origin.ts), unless told not to. */
  private reconcile(model: string | undefined): Promise<void> {
    return this.fetchBeforeWrite ? this.origin.reconcileOnce(model) : Promise.resolve()
  }

  /** The state, and (with a remote) the artifact's lease as last fetched. */
  private async view(model: string, remote: boolean): Promise<View> {
    const state = await this.readState()
    if (!remote) return { state, lease: '' }
    const result = await this.git(['rev-parse', '--verify', '--quiet', leaseRefOf(model)])
    return { state, lease: result.code === 0 ? result.stdout.trim() : '' }
  }

  private async deleteTags(names: string[]): Promise<void> {
    if (names.length > 0) await gitOk(this.git, ['tag', '-d', ...names])
  }
}

export { LEASE_PREFIX, leaseRefOf }

// ---- helpers ----------------------------------------------------------------

function assertNotDeprecated(artifact: ArtifactState | undefined): void {
  const last = artifact?.events[artifact.events.length - 1]
  if (artifact?.deprecated && last) {
    throw new InvalidInputError(
      `${artifact.model} is deprecated (tag ${last.tag}); remove the deprecation before writing to it.`
    )
  }
}

/** The version to point a tag at: registered, active, of a live artifact. */
function registeredVersion(
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

function unassignDraft(
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

const CRUD = /[<>\n\r\0]/g

function actorName(audit: AuditFacts): string {
  return audit.actor.replace(CRUD, ' ').trim()
}

function actorEmail(audit: AuditFacts): string | undefined {
  if (audit.actorEmail !== undefined) return audit.actorEmail
  return GITHUB_LOGIN.test(audit.actor) ? `${audit.actor}@users.noreply.github.com` : undefined
}

function assertActor(audit: AuditFacts): void {
  if (!actorName(audit))
    throw new InvalidInputError('Every registry write needs an actor (who acts).')
  const email = audit.actorEmail
  if (email !== undefined && (email === '' || /[<>\s]/.test(email))) {
    throw new InvalidInputError(`Invalid actor e-mail "${email}".`)
  }
}

/** The tagger: the actor, at the chosen second. Without an e-mail, git's own config supplies one. */
function identityEnv(audit: AuditFacts, second: number): Record<string, string> {
  const email = actorEmail(audit)
  return {
    GIT_COMMITTER_NAME: actorName(audit),
    ...(email === undefined ? {} : { GIT_COMMITTER_EMAIL: email }),
    GIT_COMMITTER_DATE: `${second} +0000`
  }
}

/** The JSON facts of one tag's message. */
function auditRecord(draft: Draft, audit: AuditFacts, second: number): Record<string, unknown> {
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

function plannedEvent(
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

/** A git registry over the checkout `git` runs in. */
export function createGitRegistry(options: GitRegistryOptions): GitRegistry {
  return new GitRegistry(options)
}
