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
 * Write protocol (../write-protocol.ts, shared with MLflow), per attempt (bounded, 3 by default):
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
 * so that reconciling keeps them and further writes to the model are refused until removed
 * (origin.ts). A written result says where the tags went (`publication`).
 *
 * This file holds the port's methods and the tag writes; origin.ts, state.ts, queries.ts and
 * drafts.ts beside it hold the rest.
 */
import { DIGEST_RE } from '../../candidate/digest.js'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { assertActor } from '../actor.js'
import { RegistryConflictError } from '../errors.js'
import type {
  AuditFacts,
  ModelStatus,
  Registry,
  RegistryEvent,
  RolloutStep,
  RolloutStepRequest,
  StageHolder,
  StageRemoval,
  VersionRecord,
  WriteOptions,
  WriteResult
} from '../port.js'
import { runWrite } from '../write-protocol.js'
import {
  assertNotDeprecated,
  auditRecord,
  identityEnv,
  plannedEvent,
  previewEvents,
  registeredVersion,
  unassignDraft,
  type Decision,
  type Draft
} from './drafts.js'
import { formatMessage, promoteSummary } from './message.js'
import { LEASE_PREFIX, OriginTags, leaseRefOf } from './origin.js'
import type { GitRunner } from './runner.js'
import { gitOk, resolveCommit } from './runner.js'
import { compareVersions } from './semver.js'
import { historyOf, stageHolder, statusOf, takenOutOf, versionRecord } from './queries.js'
import { rolloutDecision, rolloutStepsOf } from './rollout.js'
import type { RegistryState } from './state.js'
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
    const commit = await resolveCommit(this.git, ref)
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

  /** Rollout steps (rollout.ts): GTO stage events whose messages carry the step. */
  async rolloutSteps(model: string, stage: string): Promise<RolloutStep[]> {
    await this.reconcile(model)
    return rolloutStepsOf(await this.readState(), model, stage)
  }

  async recordRolloutStep(
    model: string,
    stage: string,
    step: RolloutStepRequest,
    audit: AuditFacts,
    options: WriteOptions = {}
  ): Promise<WriteResult> {
    assertModelName(model)
    assertVersion(step.version)
    this.assertStage(stage)
    assertActor(audit)
    return this.write(model, stage, audit, options, (state, facts) =>
      rolloutDecision(state, model, stage, step, facts.reason)
    )
  }

  // ---- the write protocol ----------------------------------------------------

  /** The shared write protocol (write-protocol.ts) over git: tags, pushed with the lease. */
  private async write(
    model: string,
    stage: string | undefined,
    audit: AuditFacts,
    options: WriteOptions,
    /** Pure on its inputs: decided again with the audit a revalidation replaces (its first line). */
    decide: (state: RegistryState, audit: AuditFacts) => Decision
  ): Promise<WriteResult> {
    const remote = await this.origin.hasRemote()
    return runWrite<View, { view: View; drafts: Draft[] }, View>(
      {
        model,
        ...(stage === undefined ? {} : { stage }),
        maxAttempts: this.maxAttempts,
        read: async (attempt, fresh) => {
          let view = fresh
          if (!view) {
            if (remote && (attempt > 1 || this.fetchBeforeWrite)) await this.origin.fetch([model])
            view = await this.view(model, remote)
          }
          if (remote) this.origin.assertNothingKept(model)
          return view
        },
        decide: (view, given) => {
          const first = decide(view.state, given)
          if ('noop' in first) return first
          return {
            holder: () => (stage === undefined ? undefined : stageHolder(view.state, model, stage)),
            plan: current => {
              const decision = current === given ? first : decide(view.state, current)
              return 'noop' in decision ? decision : { plan: { view, drafts: decision.write } }
            }
          }
        },
        preview: ({ view, drafts }, current) =>
          previewEvents(view.state, model, drafts, current, this.now()),
        write: ({ view, drafts }, current, attempt) =>
          this.writeTags(view, model, drafts, current, attempt, remote),
        gaveUp: () =>
          new RegistryConflictError(
            `Gave up writing ${model}${stage ? ` ${stage}` : ''} after ${this.maxAttempts} attempts: other runs kept writing to the registry first. Nothing was written; re-run to evaluate against the new state.`
          )
      },
      audit,
      options
    )
  }

  /**
   * Creates the tags and (with a remote, unless --no-push) pushes them atomically with the
   * artifact's lease ref. Lost: another run wrote first; the fresh view is the next attempt's.
   */
  private async writeTags(
    view: View,
    model: string,
    drafts: Draft[],
    audit: AuditFacts,
    attempt: number,
    remote: boolean
  ): Promise<{ written: Extract<WriteResult, { written: true }> } | { lost: View }> {
    const { state, lease } = view
    const created = await this.createTags(state, model, drafts, audit)
    const events = created.map(c => c.event)
    const tags = created.map(c => c.name)
    if (!remote || !this.push) {
      if (remote) await this.origin.keep(created)
      const local = remote ? 'no-push' : 'no-remote'
      return { written: { written: true, events, attempts: attempt, publication: { tags, local } } }
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
      return {
        written: { written: true, events, attempts: attempt, publication: await publication() }
      }
    }

    await this.deleteTags(created.map(c => c.name))
    await this.origin.fetch([model])
    const after = await this.view(model, remote)
    if (created.every(c => c.oid !== '' && after.state.tags.get(c.name) === c.oid)) {
      // It landed; its answer was lost.
      return {
        written: { written: true, events, attempts: attempt, publication: await publication() }
      }
    }
    if (after.lease !== lease || created.some(c => after.state.tags.has(c.name))) {
      return { lost: after } // lost the race: another run wrote first
    }
    throw await this.origin.pushRefused(tags, push.stderr.trim() || push.stdout.trim())
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
          ['tag', '-a', '--no-sign', '--cleanup=whitespace', '-F', '-', '--', name, draft.commit],
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

/** A git registry over the checkout `git` runs in. */
export function createGitRegistry(options: GitRegistryOptions): GitRegistry {
  return new GitRegistry(options)
}
