import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { createGitRegistry } from '../src/registry/git/adapter.js'
import { generateBenchRepo } from '../scripts/bench/bench-repo.js'
import type { GitRunner } from '../src/registry/git/runner.js'
import { gitOk } from '../src/registry/git/runner.js'
import type { RegistryState } from '../src/registry/git/state.js'
import { readState } from '../src/registry/git/state.js'
import {
  TAG_CACHE_FILE,
  TagCache,
  encodeTagCache,
  findGitDir,
  parseCatFileBatch,
  parseTagList,
  readTagsCached,
  tagCachePath,
  withTagCache
} from '../src/registry/git/tag-cache.js'
import type { TagRecord } from '../src/registry/git/tag-records.js'
import {
  FOR_EACH_REF_ARGS,
  parseForEachRef,
  parseTagObject
} from '../src/registry/git/tag-records.js'
import type { Clone, Sandbox } from './helpers/git-sandbox.js'
import { commit, fakeClock, hermeticGit, makeSandbox } from './helpers/git-sandbox.js'

const T0 = 1_700_000_000
const alice = { actor: 'alice', actorEmail: 'alice@example.com' }

const sandboxes: Sandbox[] = []
afterAll(async () => {
  await Promise.all(sandboxes.map(s => s.cleanup()))
})

async function standalone(name = 'repo'): Promise<Clone & { sandbox: Sandbox }> {
  const sandbox = await makeSandbox()
  sandboxes.push(sandbox)
  return { ...(await sandbox.standalone(name)), sandbox }
}

/** A runner that records every git invocation (command and input) before running it. */
function recording(git: GitRunner) {
  const calls: Array<{ args: string[]; input: string }> = []
  const runner: GitRunner = (args, options) => {
    calls.push({ args: [...args], input: String(options?.input ?? '') })
    return git(args, options)
  }
  return { runner, calls, commands: () => calls.map(c => c.args[0]) }
}

/** A cache-reading runner over `dir` that counts git processes. */
function cached(dir: string) {
  const rec = recording(hermeticGit(dir))
  return { ...rec, git: withTagCache(rec.runner, { cwd: dir }) }
}

/** Everything a state says, as plain data (messages included), to compare two states. */
function snapshot(state: RegistryState) {
  return {
    tags: [...state.tags],
    counters: [...state.counters],
    ignored: state.ignored,
    artifacts: [...state.artifacts].map(([model, a]) => ({
      model,
      deprecated: a.deprecated,
      lastEventTime: a.lastEventTime,
      events: a.events.map(e => ({ ...e, message: e.message })),
      holders: [...a.holders].map(([stage, h]) => [stage, h.version, h.assignment.tag]),
      versions: [...a.versions].map(([name, v]) => [
        name,
        v.commit,
        v.registered,
        v.active,
        v.registration?.tag,
        [...v.stages].map(([stage, vs]) => [stage, vs.latest.tag, vs.lastAssignment?.tag])
      ])
    }))
  }
}

/** The state read without any cache: one full `git for-each-ref`, the reference. */
async function reference(dir: string) {
  return snapshot(await readState(hermeticGit(dir), { cache: false }))
}

/** The records the cached read produces. */
function collect(git: GitRunner, dir: string): Promise<TagRecord[]> {
  return readTagsCached(git, { cwd: dir }, () => {
    const records: TagRecord[] = []
    return { add: record => records.push(record), finish: () => records }
  })
}

function plain(record: TagRecord): TagRecord {
  const { name, objectType, objectId, targetType, targetId } = record
  const { taggerName, taggerEmail, taggerTime, message } = record
  return {
    name,
    objectType,
    objectId,
    targetType,
    targetId,
    taggerName,
    taggerEmail,
    taggerTime,
    message
  }
}

async function rawTag(git: GitRunner, name: string, content: string | Buffer): Promise<string> {
  const oid = (
    await gitOk(git, ['hash-object', '-t', 'tag', '-w', '--stdin', '--literally'], {
      input: content
    })
  ).trim()
  await gitOk(git, ['update-ref', `refs/tags/${name}`, oid])
  return oid
}

async function handTag(git: GitRunner, name: string, target: string, time: number, message = '') {
  await gitOk(git, ['tag', '-a', '--cleanup=verbatim', '-F', '-', name, target], {
    input: message || `by hand: ${name}\n`,
    env: { GIT_COMMITTER_DATE: `${time} +0000`, GIT_COMMITTER_NAME: 'Gto User' }
  })
}

const cacheFile = (dir: string) => path.join(dir, '.git', TAG_CACHE_FILE)

describe('reading raw tag objects', () => {
  it('gives exactly what git for-each-ref gives, for every shape of tag object', async () => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    const tree = (await gitOk(git, ['rev-parse', `${c1}^{tree}`])).trim()
    const blob = (await gitOk(git, ['hash-object', '-w', '--stdin'], { input: 'weights\n' })).trim()
    const head = (name: string, tagger = 'Ann Example <ann@example.com> 1700000000 +0000') =>
      `object ${c1}\ntype commit\ntag ${name}\n${tagger === '' ? '' : `tagger ${tagger}\n`}`
    const pgp = '-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n'
    const ssh = '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n'

    await handTag(git, 'm@v1.0.0', c1, T0, 'Register\n\n{"modelgate": 1,\n "a": "b"}\n')
    await handTag(git, 'm#dev#1', c1, T0 + 1, 'first\n\nsecond paragraph  \nwith # hash\n\n')
    await rawTag(git, 'm#staging#2', `${head('m#staging#2')}\n\n\nafter blank lines\n`)
    await rawTag(git, 'm#prod#3', `${head('m#prod#3')}\nsigned\n${pgp}`)
    await rawTag(git, 'm#prod#4', `${head('m#prod#4')}\nssh signed\n${ssh}`)
    await rawTag(git, 'm#qa#5', `${head('m#qa#5')}\nquoting\n${pgp}and more text\n`)
    await rawTag(git, 'm#dev#6', `${head('m#dev#6', '')}\nno tagger\n`)
    await rawTag(git, 'm#dev#7', `${head('m#dev#7', 'No Mail 1700000000 +0000')}\nx\n`)
    await rawTag(git, 'm#dev#8', `${head('m#dev#8', 'Ann <ann@x> not-a-date')}\nx\n`)
    await rawTag(git, 'm#dev#9', `${head('m#dev#9', 'Ann <ann@x>')}\nx\n`)
    await rawTag(git, 'm#dev#10', `${head('m#dev#10', 'Zoë Ø <zoë@x> 1700000010 +0100')}\nÜber ✓\n`)
    await rawTag(git, 'm#dev#11', `${head('m#dev#11')}\r\nwindows\r\nlines\r\n`)
    await rawTag(git, 'm#dev#12', `${head('m#dev#12', 'A <a@x> 99999999999999999999 +0000')}\n`)
    await rawTag(git, 'm#dev#13', `${head('m#dev#13', 'A <a@x> -5 +0000')}\nnegative\n`)
    await rawTag(git, 'm#dev#14', `${head('m#dev#14', 'A  <a@x>   1700000014 +0000')}`)
    await rawTag(git, 'm#dev#15', `${head('m#dev#15')}\nbefore\0after\n`)
    await rawTag(git, 'm@v2.0.0', `object ${tree}\ntype tree\ntag m@v2.0.0\n\ntree\n`)
    await rawTag(git, 'm@v3.0.0', `object ${blob}\ntype blob\ntag m@v3.0.0\n\nblob\n`)
    const registration = (await gitOk(git, ['rev-parse', 'refs/tags/m@v1.0.0'])).trim()
    await rawTag(git, 'm#prod#16', `object ${registration}\ntype tag\ntag m#prod#16\n\nnested\n`)
    await gitOk(git, ['tag', 'm#prod#17', c1]) // lightweight
    await handTag(git, 'release-1', c1, T0 + 2)

    const expected = parseForEachRef(await gitOk(git, FOR_EACH_REF_ARGS))
    const { git: reading, commands } = cached(dir)
    const records = await collect(reading, dir)
    expect(commands()).toEqual(['for-each-ref', 'cat-file'])
    expect(records.map(plain)).toEqual(
      expected.map(r => (r.objectType === 'tag' ? r : { ...r, message: '' }))
    )
    // From the cache file now: the same again, with one git process.
    const again = cached(dir)
    expect((await collect(again.git, dir)).map(plain)).toEqual(records.map(plain))
    expect(again.commands()).toEqual(['for-each-ref'])
    expect(snapshot(await readState(again.git))).toEqual(await reference(dir))
  })

  it('parses the headers, message and signature of one object', () => {
    const id = 'a'.repeat(40)
    const text = `object ${id}\ntype commit\ntag x\ntagger Bo B <bo@x.org> 1700000000 +0000\n\nhi\n-----BEGIN PGP SIGNATURE-----\nsig\n`
    expect(parseTagObject(text)).toEqual({
      targetType: 'commit',
      targetId: id,
      taggerName: 'Bo B',
      taggerEmail: 'bo@x.org',
      taggerTime: 1700000000,
      message: 'hi\n'
    })
    expect(parseTagObject(`type commit\nobject ${id}\ntag x\n\n`)).toBeUndefined()
    expect(parseTagObject(`object ${id}\ntype commit\n\nno tag line\n`)).toBeUndefined()
    expect(parseTagObject(`object abc\ntype commit\ntag x\n\n`)).toBeUndefined()
  })

  it('reads cat-file --batch output only when every object is there, in order, sized right', () => {
    const a = 'a'.repeat(40)
    const b = 'b'.repeat(40)
    const body = (id: string) => `object ${'c'.repeat(40)}\ntype commit\ntag ${id}\n\nmsg ✓\n`
    const entry = (id: string) => `${id} tag ${Buffer.byteLength(body(id))}\n${body(id)}\n`
    expect(parseCatFileBatch(entry(a) + entry(b), [a, b])?.map(f => f.message)).toEqual([
      'msg ✓\n',
      'msg ✓\n'
    ])
    expect(parseCatFileBatch(entry(b) + entry(a), [a, b])).toBeUndefined()
    expect(parseCatFileBatch(entry(a), [a, b])).toBeUndefined()
    expect(parseCatFileBatch(`${a} missing\n`, [a])).toBeUndefined()
    expect(parseCatFileBatch(entry(a).replace(' tag ', ' commit '), [a])).toBeUndefined()
    expect(parseCatFileBatch(entry(a).replace(/ (\d+)\n/, ' 9\n'), [a])).toBeUndefined()
    expect(parseCatFileBatch(`${entry(a)}trailing`, [a])).toBeUndefined()
  })

  it('falls back to the full read when an object is not valid UTF-8, and caches that', async () => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    await handTag(git, 'm@v1.0.0', c1, T0)
    const bytes = Buffer.concat([
      Buffer.from(`object ${c1}\ntype commit\ntag m#prod#1\ntagger A <a@x> ${T0 + 1} +0000\n\n`),
      Buffer.from([0x4c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x20, 0xe9, 0xff, 0x0a])
    ])
    await rawTag(git, 'm#prod#1', bytes)

    const first = cached(dir)
    const state = await readState(first.git)
    expect(first.commands()).toEqual(['for-each-ref', 'cat-file', 'for-each-ref'])
    expect(snapshot(state)).toEqual(await reference(dir))
    expect(state.artifacts.get('m')?.holders.get('prod')?.version).toBe('v1.0.0')

    const second = cached(dir)
    expect(snapshot(await readState(second.git))).toEqual(await reference(dir))
    expect(second.commands()).toEqual(['for-each-ref'])
  })
})

describe('the tag cache', () => {
  it('reads a warm cache with exactly one git process, and gives the uncached state', async () => {
    const { sandbox } = await standalone()
    const dir = path.join(sandbox.root, 'bench')
    await mkdir(dir)
    await generateBenchRepo(hermeticGit(dir), { versions: 30, tags: 300, startTime: T0 })
    const cold = cached(dir)
    const first = await readState(cold.git)
    expect(cold.commands()).toEqual(['for-each-ref', 'cat-file'])
    expect(cold.calls[1]?.input.trim().split('\n')).toHaveLength(300)
    expect((await stat(cacheFile(dir))).isFile()).toBe(true)

    const warm = cached(dir)
    const registry = createGitRegistry({ git: warm.git })
    const status = await registry.status()
    const history = await registry.history('churn-model')
    const second = await readState(warm.git)
    // `config` (the remote, --no-push marks) once per registry object: without origin, the local tags are the registry.
    expect(warm.commands()).toEqual(['config', 'for-each-ref', 'for-each-ref', 'for-each-ref'])
    expect(warm.calls[1]?.args).toEqual([
      'for-each-ref',
      '--format=%(objectname) %(objecttype) %(refname:lstrip=2)',
      'refs/tags'
    ])

    const expected = await reference(dir)
    expect(snapshot(first)).toEqual(expected)
    expect(snapshot(second)).toEqual(expected)
    const uncached = createGitRegistry({ git: hermeticGit(dir) })
    expect(status).toEqual(await uncached.status())
    expect(history).toEqual(await uncached.history('churn-model'))
  })

  it('picks up new tags with one cat-file of just those, and forgets deleted ones', async () => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    const c2 = await commit(git, 'v2')
    await handTag(git, 'm@v1.0.0', c1, T0)
    await handTag(git, 'm#prod#1', c1, T0 + 1)
    await readState(cached(dir).git)

    await handTag(git, 'm@v2.0.0', c2, T0 + 2)
    await handTag(git, 'm#prod#2', c2, T0 + 3, 'Promote\n\n{"modelgate": 1, "why": "better"}\n')
    await gitOk(git, ['tag', 'm#prod#7', c2]) // lightweight: no object to read
    const added = cached(dir)
    const state = await readState(added.git)
    expect(added.commands()).toEqual(['for-each-ref', 'cat-file'])
    const newIds = await gitOk(git, ['rev-parse', 'refs/tags/m@v2.0.0', 'refs/tags/m#prod#2'])
    expect(added.calls[1]?.input.split('\n').filter(Boolean).sort()).toEqual(
      newIds.trim().split('\n').sort()
    )
    expect(state.artifacts.get('m')?.holders.get('prod')?.version).toBe('v2.0.0')
    expect(state.counters.get('m')).toBe(7)
    expect(snapshot(state)).toEqual(await reference(dir))

    await gitOk(git, ['tag', '-d', 'm#prod#2', 'm#prod#7'])
    const deleted = cached(dir)
    const after = await readState(deleted.git)
    expect(deleted.commands()).toEqual(['for-each-ref'])
    expect(after.tags.has('m#prod#2')).toBe(false)
    expect(after.artifacts.get('m')?.holders.get('prod')?.version).toBe('v1.0.0')
    expect(after.counters.get('m')).toBe(1)
    expect(snapshot(after)).toEqual(await reference(dir))
    // The file now holds exactly the listed tags: the next read needs nothing else.
    const cache = TagCache.decode(await readFile(cacheFile(dir)))
    expect(cache?.size).toBe(3)
    const warm = cached(dir)
    expect(snapshot(await readState(warm.git))).toEqual(await reference(dir))
    expect(warm.commands()).toEqual(['for-each-ref'])
  })

  it('reuses cached objects under new names and moved refs without reading them again', async () => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    await handTag(git, 'm@v1.0.0', c1, T0)
    await handTag(git, 'm#prod#1', c1, T0 + 1)
    await handTag(git, 'm#dev#2', c1, T0 + 2)
    await readState(cached(dir).git)

    // A second ref to an existing tag object, and a ref moved to another existing one.
    await gitOk(git, ['update-ref', 'refs/tags/m#staging#3', 'refs/tags/m#prod#1'])
    await gitOk(git, ['update-ref', 'refs/tags/m#dev#2', 'refs/tags/m@v1.0.0'])
    const moved = cached(dir)
    expect(snapshot(await readState(moved.git))).toEqual(await reference(dir))
    expect(moved.commands()).toEqual(['for-each-ref'])
    const warm = cached(dir)
    expect(snapshot(await readState(warm.git))).toEqual(await reference(dir))
    expect(warm.commands()).toEqual(['for-each-ref'])
  })

  it.each([
    ['garbage', () => Buffer.from('not a cache at all\n')],
    ['empty', () => Buffer.alloc(0)],
    ['truncated', (bytes: Buffer) => bytes.subarray(0, bytes.length - 7)],
    ['one flipped byte', (bytes: Buffer) => flip(bytes, bytes.length - 40)],
    ['a flipped byte in the listing', (bytes: Buffer) => flip(bytes, bytes.indexOf('m@v1.0.0'))],
    ['another format version', (bytes: Buffer) => header(bytes, 1, '99')],
    [
      'the other byte order',
      (bytes: Buffer) => header(bytes, 2, bytes.includes(' le ') ? 'be' : 'le')
    ],
    ['a wrong count', (bytes: Buffer) => header(bytes, 3, '1')]
  ])('ignores a cache file with %s, answers right, and rewrites it', async (_, damage) => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    await handTag(git, 'm@v1.0.0', c1, T0)
    await handTag(git, 'm#prod#1', c1, T0 + 1, 'Promote\n\n{"modelgate": 1}\n')
    await readState(cached(dir).git)
    const good = await readFile(cacheFile(dir))
    await writeFile(cacheFile(dir), damage(good))

    const damaged = cached(dir)
    expect(snapshot(await readState(damaged.git))).toEqual(await reference(dir))
    expect(damaged.commands()).toEqual(['for-each-ref', 'cat-file'])
    expect(TagCache.decode(await readFile(cacheFile(dir)))).toBeDefined()
    const warm = cached(dir)
    expect(snapshot(await readState(warm.git))).toEqual(await reference(dir))
    expect(warm.commands()).toEqual(['for-each-ref'])
  })

  it('answers right when the cache cannot be read or written, or there is no repository', async () => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    await handTag(git, 'm@v1.0.0', c1, T0)
    await handTag(git, 'm#prod#1', c1, T0 + 1)
    // A directory where the file should be: unreadable as a file, cannot be replaced.
    await mkdir(cacheFile(dir))
    for (let i = 0; i < 2; i++) {
      const blocked = cached(dir)
      expect(snapshot(await readState(blocked.git))).toEqual(await reference(dir))
      expect(blocked.commands()).toEqual(['for-each-ref', 'cat-file'])
    }
    await rm(cacheFile(dir), { recursive: true })

    // A git directory that does not exist: nowhere to write.
    const missing = recording(hermeticGit(dir))
    const nowhere = withTagCache(missing.runner, { gitDir: path.join(dir, 'no-such-dir') })
    expect(snapshot(await readState(nowhere))).toEqual(await reference(dir))

    // No repository found from cwd: the uncached read (and git's own error, if any).
    const outside = path.join(path.parse(dir).root, 'no', 'such', 'place')
    const plainRead = recording(hermeticGit(dir))
    const lost = withTagCache(plainRead.runner, { cwd: outside })
    expect(snapshot(await readState(lost))).toEqual(await reference(dir))
    expect(plainRead.calls.map(c => c.args)).toEqual([FOR_EACH_REF_ARGS])
  })

  it('uses the cache through the adapter, including reads after fetch and after its own writes', async () => {
    const sandbox = await makeSandbox()
    sandboxes.push(sandbox)
    const a = await sandbox.clone('a')
    const b = await sandbox.clone('b')
    const clock = fakeClock(T0)
    const reg = (clone: Clone) =>
      createGitRegistry({
        git: withTagCache(clone.git, { cwd: clone.dir }),
        now: clock.now,
        sleep: clock.sleep
      })
    await commit(a.git, 'model 1')
    expect((await reg(a).register('m', 'v1.0.0', 'HEAD', alice)).written).toBe(true)
    await commit(a.git, 'model 2')
    expect((await reg(a).register('m', 'v2.0.0', 'HEAD', alice)).written).toBe(true)
    expect((await reg(a).assign('m', 'v1.0.0', 'prod', alice)).written).toBe(true)

    // b reads a's tags after fetching them; then a reads b's write after fetching.
    clock.advance(10)
    expect((await reg(b).assign('m', 'v2.0.0', 'prod', alice)).written).toBe(true)
    clock.advance(10)
    const result = await reg(a).rollback('m', 'prod', undefined, { ...alice, reason: 'bad' })
    expect(result.written).toBe(true)
    if (result.written) expect(result.events.map(e => e.id)).toEqual(['m#prod!#3', 'm#prod#4'])
    for (const clone of [a, b]) {
      if (clone === b)
        await gitOk(b.git, ['fetch', '--quiet', 'origin', '+refs/tags/*:refs/tags/*'])
      expect(snapshot(await readState(withTagCache(clone.git, { cwd: clone.dir })))).toEqual(
        await reference(clone.dir)
      )
      const [status] = await reg(clone).status('m')
      expect(status?.stages.map(h => [h.stage, h.version])).toEqual([['prod', 'v1.0.0']])
    }
  })
})

describe('where the cache lives', () => {
  it('finds the git directory without git: work tree, subfolder, bare repo, linked worktree', async () => {
    const { dir, git, sandbox } = await standalone()
    await mkdir(path.join(dir, 'models', 'churn'), { recursive: true })
    expect(findGitDir(dir)).toBe(path.join(dir, '.git'))
    expect(findGitDir(path.join(dir, 'models', 'churn'))).toBe(path.join(dir, '.git'))
    expect(findGitDir(sandbox.origin)).toBe(sandbox.origin)
    expect(tagCachePath({ cwd: sandbox.origin })).toBe(path.join(sandbox.origin, TAG_CACHE_FILE))
    expect(tagCachePath({ cwd: dir, gitDir: '.git' })).toBe(cacheFile(dir))

    const c1 = await commit(git, 'v1')
    await handTag(git, 'm@v1.0.0', c1, T0)
    await handTag(git, 'm#prod#1', c1, T0 + 1)
    const worktree = path.join(sandbox.root, 'worktree')
    await gitOk(git, ['worktree', 'add', '--quiet', '--detach', worktree])
    expect((await stat(path.join(worktree, '.git'))).isFile()).toBe(true)
    expect(findGitDir(worktree)).toBe(path.join(dir, '.git', 'worktrees', 'worktree'))
    // Tags are shared by worktrees: so is the cache, in the common git directory.
    expect(tagCachePath({ cwd: worktree })).toBe(cacheFile(dir))

    const fromWorktree = cached(worktree)
    expect(snapshot(await readState(fromWorktree.git))).toEqual(await reference(worktree))
    expect(fromWorktree.commands()).toEqual(['for-each-ref', 'cat-file'])
    const fromMain = cached(dir)
    expect(snapshot(await readState(fromMain.git))).toEqual(await reference(dir))
    expect(fromMain.commands()).toEqual(['for-each-ref'])
  })

  it('is not used by a plain runner, nor with { cache: false }', async () => {
    const { dir, git } = await standalone()
    const c1 = await commit(git, 'v1')
    await handTag(git, 'm@v1.0.0', c1, T0)
    const plainRead = recording(git)
    await readState(plainRead.runner)
    await readState(withTagCache(plainRead.runner, { cwd: dir }), { cache: false })
    expect(plainRead.calls.map(c => c.args)).toEqual([FOR_EACH_REF_ARGS, FOR_EACH_REF_ARGS])
    await expect(stat(cacheFile(dir))).rejects.toThrow()
  })
})

describe('the cache file format', () => {
  it('round-trips records and the listing they make', () => {
    const records: TagRecord[] = [
      {
        name: 'm@v1.0.0',
        objectType: 'tag',
        objectId: '1'.repeat(40),
        targetType: 'commit',
        targetId: 'c'.repeat(40),
        taggerName: 'Zoë',
        taggerEmail: 'zoe@example.com',
        taggerTime: 1700000000,
        message: 'Über ✓\n'
      },
      {
        name: 'light',
        objectType: 'commit',
        objectId: '2'.repeat(40),
        targetType: '',
        targetId: '',
        taggerName: '',
        taggerEmail: '',
        taggerTime: undefined,
        message: ''
      },
      {
        name: 'm#prod#1',
        objectType: 'tag',
        objectId: '3'.repeat(40),
        targetType: 'commit',
        targetId: 'c'.repeat(40),
        taggerName: '',
        taggerEmail: '',
        taggerTime: undefined,
        message: ''
      }
    ]
    const cache = TagCache.decode(encodeTagCache(records))
    expect(cache?.listing).toBe(
      `${'1'.repeat(40)} tag m@v1.0.0\n${'2'.repeat(40)} commit light\n${'3'.repeat(40)} tag m#prod#1\n`
    )
    expect(cache?.records()?.map(plain)).toEqual(records)
    const listed = parseTagList(cache?.listing ?? '')
    expect(cache?.lookup([...listed].reverse())?.map(r => r && plain(r))).toEqual(
      [...records].reverse()
    )
    expect(cache?.lookup([{ name: 'x', objectType: 'tag', objectId: '9'.repeat(40) }])).toEqual([
      undefined
    ])
    expect(TagCache.decode(encodeTagCache([]))?.records()).toEqual([])
  })
})

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes)
  copy[at] = (copy[at] ?? 0) ^ 0x20
  return copy
}

/** The cache file with header field `index` replaced. */
function header(bytes: Buffer, index: number, value: string): Buffer {
  const newline = bytes.indexOf(10)
  const fields = bytes.toString('latin1', 0, newline).split(' ')
  fields[index] = value
  return Buffer.concat([Buffer.from(fields.join(' '), 'latin1'), bytes.subarray(newline)])
}
