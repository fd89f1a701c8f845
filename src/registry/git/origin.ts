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
 *
 * Writes kept local on purpose (`--no-push`) are marked, each by a value `<tag> <object id>`
 * of the clone's git config key `modelgate.unpushed` (read in the one `git config` that also
 * tells whether the remote exists, so reads cost no extra process), and the reconciling fetch
 * leaves marked tags alone (negative refspecs), so they are neither pruned nor overwritten.
 * Each fetch first settles the marks of the models it fetches, with a local `for-each-ref` and
 * one `ls-remote` only when there are marks: a mark whose tag origin now has with the same
 * object (pushed since) or whose local tag is gone or moved (removed by hand) is dropped; the rest are local only (origin lacks the name) or in
 * conflict (origin has another object under it). The adapter refuses to write to a model that
 * has either (fail closed: a write on top of a state origin does not have would publish an
 * order of events nobody else sees), and status names them.
 */
import { ModelGateError, ExitCode, PermissionError } from '../../errors.js'
import type { LocalOnlyEvent } from '../port.js'
import type { GitRunner } from './runner.js'
import { gitOk } from './runner.js'
import type { RegistryState } from './state.js'
import { modelToTagPart, parseTagName } from './tag-name.js'

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

/** Where a --no-push write marks its tags: values `<tag> <object id>` of this config key. */
export const UNPUSHED_KEY = 'modelgate.unpushed'

/**
 * The command that removes tags kept local (ModelGate then forgets its mark on them): named in
 * this adapter's errors, and printed by report/ (registry-tables.ts) for status and --no-push.
 */
export function dropCommand(tags: readonly string[]): string {
  return `git tag -d ${tags.map(shellWord).join(' ')}`
}

/** A word a POSIX shell reads as it is: quoted unless it is made of plainly safe characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9._@#/:+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}

/** A tag a --no-push write kept in this clone, as last compared with the remote. */
interface KeptTag {
  name: string
  oid: string
  /** The remote has another object under this name. */
  conflict: boolean
}

/**
 * A remote URL fit to print: the user and password of `scheme://user:password@host/…` are
 * dropped (a token often sits there; a password may hold `@` itself), and so are a query string
 * and a fragment (`?private_token=…`); scp-like `user@host:path` holds no password and stays.
 */
export function printableUrl(url: string): string {
  return redactUrls(url)
}

/** Every `scheme://` URL in `text` (git's own messages quote the remote's) made fit to print. */
export function redactUrls(text: string): string {
  return text.replace(
    /([a-z][a-z0-9+.-]*:\/\/)([^\s/?#'"]*@)?([^\s?#'"]*)(?:[?#][^\s'"]*)?/gi,
    (_url, scheme: string, _userinfo: string | undefined, rest: string) => scheme + rest
  )
}

/**
 * git's lines that say nothing about this failure: its advice after a failed remote call, and
 * its generic closing line of a refused push (the cause is in the lines before it).
 */
const GIT_GENERIC =
  /^(Please make sure you have the correct access rights|and the repository exists\.?$|error: failed to push some refs)/

/**
 * git's cause on one line: from its first `fatal:` line when it has one (git prints the cause
 * first and advice after), else its last lines but the generic ones; without its closing period,
 * runs of spaces, or credentials in quoted URLs.
 */
export function oneLine(output: string, lines = 3): string {
  const kept = output
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '' && !GIT_GENERIC.test(line))
  const cause = kept.findIndex(line => line.startsWith('fatal:'))
  const picked = cause >= 0 ? kept.slice(cause, cause + lines) : kept.slice(-lines)
  return redactUrls(picked.join(' ')).replace(/\s+/g, ' ').replace(/\.+$/, '')
}

/** Fetches and reconciles one checkout's registry tags with its remote. */
export class OriginTags {
  /** Models (key '' for all) whose tags have been reconciled. */
  private readonly reconciled = new Map<string, Promise<void>>()
  private configKnown: Promise<{ remote: boolean; marks: Map<string, string> }> | undefined
  private urlKnown: Promise<string> | undefined
  /** Marked tags still not on the remote, by name: settled by each fetch. */
  private readonly kept = new Map<string, KeptTag>()

  constructor(
    private readonly git: GitRunner,
    private readonly remote: string,
    private readonly readState: () => Promise<RegistryState>
  ) {}

  /** Whether the checkout has the remote: asked once. */
  async hasRemote(): Promise<boolean> {
    return (await this.config()).remote
  }

  /** The remote's URL setting and the marks of tags kept local: one `git config`, once. */
  private config(): Promise<{ remote: boolean; marks: Map<string, string> }> {
    this.configKnown ??= this.git([
      'config',
      '--null',
      '--get-regexp',
      `^(remote\\..*\\.url|${UNPUSHED_KEY.replace('.', '\\.')})$`
    ]).then(result => {
      // Exit 1: no such key (no remote, no marks).
      if (result.code !== 0 && result.code !== 1) {
        throw new Error(`git config failed (exit ${result.code}): ${result.stderr.trim()}`)
      }
      let remote = false
      const marks = new Map<string, string>()
      // --null: each entry is `key\nvalue\0`.
      for (const entry of result.stdout.split('\0')) {
        const [key = '', value = ''] = entry.split('\n')
        if (key === `remote.${this.remote}.url`) remote = true
        const [name, oid] = value.split(' ')
        if (key === UNPUSHED_KEY && name && oid) marks.set(name, oid)
      }
      return { remote, marks }
    })
    this.configKnown.catch(() => (this.configKnown = undefined))
    return this.configKnown
  }

  /** The remote's URL, without credentials, for messages. */
  url(): Promise<string> {
    this.urlKnown ??= this.git(['remote', 'get-url', this.remote]).then(result =>
      result.code === 0 ? printableUrl(result.stdout.trim()) : this.remote
    )
    return this.urlKnown
  }

  /** Marks tags a --no-push write created, so reconciling keeps them (see the file's comment). */
  async keep(tags: ReadonlyArray<{ name: string; oid: string }>): Promise<void> {
    const { marks } = await this.config()
    for (const tag of tags) {
      await gitOk(this.git, ['config', '--add', UNPUSHED_KEY, `${tag.name} ${tag.oid}`])
      marks.set(tag.name, tag.oid)
      this.kept.set(tag.name, { ...tag, conflict: false })
    }
  }

  /** A model's tags kept local that the remote does not have (as of the last fetch). */
  localOnly(model: string): LocalOnlyEvent[] {
    return [...this.kept.values()].flatMap(tag => {
      const parsed = parseTagName(tag.name)
      if (!parsed || parsed.model !== model) return []
      return [
        {
          id: tag.name,
          ...('stage' in parsed ? { stage: parsed.stage } : {}),
          ...('version' in parsed && parsed.version ? { version: parsed.version } : {}),
          ...(tag.conflict ? { conflict: true as const } : {})
        }
      ]
    })
  }

  /**
   * The marks of these models (every mark without `models`) compared with the local tags and
   * the remote: marks no longer needed are dropped; the rest are kept in `this.kept`.
   */
  private async settleKept(models?: readonly string[]): Promise<KeptTag[]> {
    const parts = models?.map(modelToTagPart)
    const { marks: all } = await this.config()
    const marks = [...all].flatMap(([name, oid]) =>
      !parts || parts.some(part => name.startsWith(`${part}@`) || name.startsWith(`${part}#`))
        ? [{ name, oid }]
        : []
    )
    for (const mark of marks) this.kept.delete(mark.name)
    if (marks.length === 0) return []
    const local = await this.refs(marks.map(mark => `refs/tags/${mark.name}`))
    const remote = await this.remoteRefs(marks.map(mark => `refs/tags/${mark.name}`))
    const kept: KeptTag[] = []
    for (const mark of marks) {
      const ref = `refs/tags/${mark.name}`
      const there = remote.get(ref)
      if (local.get(ref) !== mark.oid || there === mark.oid) {
        // Removed or replaced by hand, or pushed since: the mark has done its work.
        // Exit 5: another run dropped it first.
        const unset = await this.git([
          'config',
          '--unset-all',
          '--fixed-value',
          UNPUSHED_KEY,
          `${mark.name} ${mark.oid}`
        ])
        if (unset.code !== 0 && unset.code !== 5) {
          throw new Error(
            `git config --unset-all failed (exit ${unset.code}): ${unset.stderr.trim()}`
          )
        }
        all.delete(mark.name)
        continue
      }
      const tag = { ...mark, conflict: there !== undefined }
      this.kept.set(tag.name, tag)
      kept.push(tag)
    }
    return kept
  }

  private async refs(names: readonly string[]): Promise<Map<string, string>> {
    const out = await gitOk(this.git, [
      'for-each-ref',
      '--format=%(objectname) %(refname)',
      ...names
    ])
    return new Map(
      out.split('\n').flatMap(line => {
        const [oid, ref] = line.split(' ')
        return oid && ref ? [[ref, oid] as const] : []
      })
    )
  }

  private async remoteRefs(names: readonly string[]): Promise<Map<string, string>> {
    const result = await this.git(['ls-remote', this.remote, ...names])
    if (result.code !== 0)
      throw await this.unreachable("read the registry's tags from", result.stderr)
    return new Map(
      result.stdout.split('\n').flatMap(line => {
        const [oid, ref] = line.split('\t')
        return oid && ref && !ref.endsWith('^{}') ? [[ref, oid] as const] : []
      })
    )
  }

  /**
   * Refuses to write on top of tags a --no-push write kept in this clone: the next write would
   * publish them, or a state origin does not have. Fail closed; the message says how to go on.
   */
  assertNothingKept(model: string): void {
    const kept = this.localOnly(model)
    if (kept.length === 0) return
    const names = kept.map(tag => tag.id)
    const conflicting = kept.filter(tag => tag.conflict).map(tag => tag.id)
    throw new ModelGateError(
      conflicting.length > 0
        ? `${model} has tags kept in this clone (--no-push) whose names ${this.remote} now holds for other events: ${conflicting.join(', ')}. They can never be pushed; remove them (${dropCommand(conflicting)}) and re-run. Nothing written.`
        : `${model} has tags kept in this clone (--no-push) that ${this.remote} does not have: ${names.join(', ')}. Remove them (${dropCommand(names)}) and run the write again without --no-push, so it is judged against ${this.remote}'s state. Nothing written.`,
      ExitCode.Blocked
    )
  }

  /** A push the remote refused: one line naming it; the caller has removed its local tags. */
  async pushRefused(tags: readonly string[], output: string): Promise<ModelGateError> {
    // git's own output is several lines, with its progress and hints.
    const detail = oneLine(output)
    const message = `Could not push ${tags.join(', ')} to ${this.remote} (${await this.url()}): ${detail}. Nothing was written: the tags were removed from this clone and ${this.remote} is unchanged.`
    return /permission|denied|403|401|authenticat|could not read username/i.test(detail)
      ? new PermissionError(message)
      : new ModelGateError(message, ExitCode.Blocked)
  }

  /** One line naming the remote and its URL: a fetch, ls-remote or push git could not do. */
  async unreachable(what: string, stderr: string): Promise<ModelGateError> {
    const detail = oneLine(stderr)
    const message = `Could not ${what} ${this.remote} (${await this.url()}): ${detail}. ModelGate decides only on ${this.remote}'s tags; check the remote (or remove it to keep the registry in local tags) and re-run.`
    return /permission|denied|403|401|authenticat|could not read username/i.test(detail)
      ? new PermissionError(message)
      : new ModelGateError(message, ExitCode.Blocked)
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
    const kept = await this.settleKept(models)
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
      // Tags kept local (--no-push) are neither pruned nor overwritten.
      ...kept.map(tag => `^refs/tags/${tag.name}`),
      `+${LEASE_PREFIX}*:${LEASE_PREFIX}*`
    ])
    if (result.code !== 0)
      throw await this.unreachable("fetch the registry's tags from", result.stderr)
  }
}
