/**
 * The remote's side of the git registry: origin's tags are the registry's truth (DESIGN.md,
 * "What ModelGate trusts"), local tags that never reached origin are not.
 *
 * Before the first read of a model, and before every write attempt, the model's GTO tags
 * (`NAME@…`, `NAME#…`) are fetched from origin forced and pruned, so a tag a write left
 * behind when it was killed mid-push (tags are created locally, then pushed) is removed, never
 * believed. Other tags in the clone are left alone. Chosen over creating tags only after the
 * push lands because it also repairs clones left so by earlier runs or older versions, and
 * because a clone that is merely behind (another run wrote since) is brought up to date too.
 * Without the remote, the local tags are the registry and nothing is fetched.
 */
import { ModelGateError, ExitCode, PermissionError } from '../../errors.js'
import type { GitRunner } from './runner.js'
import { gitOk } from './runner.js'
import type { RegistryState } from './state.js'
import { modelToTagPart } from './tag-name.js'

/**
 * One ref per artifact outside refs/tags (GTO never reads it), moved by every
 * ModelGate write in the same atomic push as its tags, with
 * --force-with-lease: the optimistic lock that makes two concurrent writes of
 * one artifact conflict even when their tag names differ (other stages).
 */
export const LEASE_PREFIX = 'refs/modelgate/lease/'

/** `dir/sub:model` → `refs/modelgate/lease/dir%2Fsub=model` (one level: no D/F clashes). */
export function leaseRefOf(model: string): string {
  return LEASE_PREFIX + modelToTagPart(model).replaceAll('/', '%2F')
}

/** Fetches and reconciles one checkout's registry tags with its remote. */
export class OriginTags {
  /** Models (key '' for all) whose tags have been reconciled. */
  private readonly reconciled = new Map<string, Promise<void>>()
  private remoteKnown: Promise<boolean> | undefined

  constructor(
    private readonly git: GitRunner,
    private readonly remote: string,
    private readonly readState: () => Promise<RegistryState>
  ) {}

  /** Whether the checkout has the remote: asked once. */
  hasRemote(): Promise<boolean> {
    this.remoteKnown ??= gitOk(this.git, ['remote']).then(remotes =>
      remotes.split('\n').some(line => line.trim() === this.remote)
    )
    this.remoteKnown.catch(() => (this.remoteKnown = undefined))
    return this.remoteKnown
  }

  /** Once per model (or once for all, `undefined`): its tags made exactly origin's. */
  reconcileOnce(model: string | undefined): Promise<void> {
    const key = model ?? ''
    // Reconciling every model covers each one.
    let done = this.reconciled.get(key) ?? this.reconciled.get('')
    if (!done) {
      done = (async () => {
        if (!(await this.hasRemote())) return
        if (model !== undefined) return this.fetch([model])
        // Every model: origin's tags first (models this clone has not seen), then each known
        // model's tags reconciled, local-only ones removed.
        await this.fetch()
        const state = await this.readState()
        const models = [...new Set([...state.artifacts.keys(), ...state.counters.keys()])]
        if (models.length > 0) await this.fetch(models)
      })()
      this.reconciled.set(key, done)
      done.catch(() => this.reconciled.delete(key))
    }
    return done
  }

  /**
   * Tags and leases from the remote, forced: the remote is the truth. With `models`, exactly
   * those models' GTO tags are made origin's, pruning the local ones origin does not have;
   * other tags are left alone. Without, every tag is fetched and nothing pruned.
   */
  async fetch(models?: readonly string[]): Promise<void> {
    const tags = models
      ? models.flatMap(model => {
          const part = modelToTagPart(model)
          return [
            `+refs/tags/${part}@*:refs/tags/${part}@*`,
            `+refs/tags/${part}#*:refs/tags/${part}#*`
          ]
        })
      : ['+refs/tags/*:refs/tags/*']
    const result = await this.git([
      'fetch',
      '--quiet',
      '--no-tags',
      ...(models ? ['--prune'] : []),
      this.remote,
      ...tags,
      `+${LEASE_PREFIX}*:${LEASE_PREFIX}*`
    ])
    if (result.code !== 0) {
      // git's last lines, on one line, without its own closing period or runs of spaces.
      const detail = result.stderr
        .trim()
        .split('\n')
        .slice(-3)
        .map(line => line.trim())
        .join(' ')
        .replace(/\s+/g, ' ')
        .replace(/\.+$/, '')
      const message = `Could not fetch the registry's tags from ${this.remote}: ${detail}. ModelGate decides only on ${this.remote}'s tags; check the remote (or remove it to keep the registry in local tags) and re-run.`
      if (/permission|denied|403|401|authenticat|could not read username/i.test(detail)) {
        throw new PermissionError(message)
      }
      throw new ModelGateError(message, ExitCode.Blocked)
    }
  }
}
