// The git registry against real repositories: register, assign, unassign and rollback, one
// describe per port method; over 600 lines because each method's cases read best side by side.
import { chmod, rename, writeFile } from 'node:fs/promises'
import type { RegistrationRecord } from '../src/audit/record.js'
import path from 'node:path'
import { InvalidInputError, NotFoundError } from '../src/errors.js'
import { RegistryConflictError } from '../src/registry/errors.js'
import { createGitRegistry } from '../src/registry/git/adapter.js'
import type { GitRegistryOptions } from '../src/registry/git/adapter.js'
import { parseMessage } from '../src/registry/git/message.js'
import type { GitRunner } from '../src/registry/git/runner.js'
import { gitOk } from '../src/registry/git/runner.js'
import type { AuditFacts, RevalidateContext, WriteResult } from '../src/registry/port.js'
import { gtoReaders } from './helpers/git-gto-reference.js'
import type { Clone, Sandbox } from './helpers/git-sandbox.js'
import { commit, fakeClock, hermeticGit, makeSandbox, tagNames } from './helpers/git-sandbox.js'

const T0 = 1_700_000_000
const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }
const bob: AuditFacts = { actor: 'bob', actorEmail: 'bob@example.com', reason: 'bad metrics' }

const sandboxes: Sandbox[] = []
afterAll(async () => {
  await Promise.all(sandboxes.map(s => s.cleanup()))
})

async function sandbox(): Promise<Sandbox> {
  const s = await makeSandbox()
  sandboxes.push(s)
  return s
}

function registry(clone: Clone, clock = fakeClock(T0), options: Partial<GitRegistryOptions> = {}) {
  return createGitRegistry({ git: clone.git, now: clock.now, sleep: clock.sleep, ...options })
}

interface TagInfo {
  type: string
  commit: string
  tagger: string
  email: string
  time: number
  message: string
}

async function tagInfo(git: GitRunner, name: string): Promise<TagInfo> {
  const out = await gitOk(git, [
    'for-each-ref',
    '--format=%(objecttype)%00%(*objectname)%00%(taggername)%00%(taggeremail)%00%(taggerdate:unix)%00%(contents)',
    `refs/tags/${name}`
  ])
  const [type = '', commitId = '', tagger = '', email = '', time = '', message = ''] =
    out.split('\0')
  return { type, commit: commitId, tagger, email, time: Number(time), message }
}

function written(result: WriteResult) {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}

/** A clone with `count` versions registered, one commit each; returns their commits. */
async function withVersions(clone: Clone, model: string, count: number, clock = fakeClock(T0)) {
  const reg = registry(clone, clock)
  const commits: string[] = []
  for (let i = 1; i <= count; i++) {
    commits.push(await commit(clone.git, `train ${model} ${i}`))
    written(await reg.register(model, `v${i}.0.0`, 'HEAD', alice))
  }
  return { reg, commits, clock }
}

/** What `register` keeps with a registration: the run's facts (audit/record.ts RegistrationRecord). */
const RUN_FACTS: RegistrationRecord = {
  event: 'push',
  runUrl: 'https://github.com/acme/models/actions/runs/42',
  pullRequest: { number: 42 }
}

describe('register', () => {
  it('writes an annotated GTO tag on the commit, tagged by the actor, and pushes it', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const c1 = await commit(a.git, 'model v1')
    const reg = registry(a)

    const result = written(
      await reg.register('churn-model', 'v1.0.0', 'HEAD', {
        ...alice,
        record: RUN_FACTS
      })
    )
    expect(result.attempts).toBe(1)
    expect(result.events).toHaveLength(1)
    expect(result.events[0]).toMatchObject({
      kind: 'registration',
      model: 'churn-model',
      version: 'v1.0.0',
      id: 'churn-model@v1.0.0',
      ref: c1,
      by: 'alice',
      at: new Date(T0 * 1000)
    })

    const info = await tagInfo(a.git, 'churn-model@v1.0.0')
    expect(info).toMatchObject({
      type: 'tag',
      commit: c1,
      tagger: 'alice',
      email: '<alice@example.com>',
      time: T0
    })
    const lines = info.message.split('\n')
    expect(lines[0]).toBe('Register churn-model v1.0.0')
    expect(lines[1]).toBe('')
    expect(JSON.parse(lines.slice(2).join('\n'))).toMatchObject({
      modelgate: 1,
      action: 'register',
      model: 'churn-model',
      version: 'v1.0.0',
      actor: 'alice',
      at: new Date(T0 * 1000).toISOString(),
      record: RUN_FACTS
    })
    expect(await tagNames(hermeticGit(s.origin))).toEqual(['churn-model@v1.0.0'])

    const version = await reg.getVersion('churn-model', 'v1.0.0')
    expect(version).toMatchObject({ ref: c1, registeredBy: 'alice', active: true, stages: [] })
  })

  it('is idempotent and refuses conflicting registrations', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const c1 = await commit(a.git, 'model v1')
    const reg = registry(a)
    written(await reg.register('churn-model', 'v1.0.0', c1, alice))

    expect(await reg.register('churn-model', 'v1.0.0', c1, alice)).toEqual({
      written: false,
      reason: 'already registered'
    })
    await commit(a.git, 'model v2')
    await expect(reg.register('churn-model', 'v1.0.0', 'HEAD', alice)).rejects.toThrow(
      /already registered on commit/
    )
    await expect(reg.register('churn-model', 'v2.0.0', c1, alice)).rejects.toThrow(
      /already carries churn-model v1.0.0/
    )
    expect(await tagNames(a.git)).toEqual(['churn-model@v1.0.0'])
  })

  it('validates names and versions before writing anything (exit 2 / exit 3)', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const reg = registry(a)
    for (const [model, version] of [
      ['churn-model', '1.0.0'],
      ['churn-model', 'v1.0'],
      ['churn model', 'v1.0.0'],
      ['churn-model-', 'v1.0.0'],
      ['a//b:model', 'v1.0.0'],
      ['-dir:model', 'v1.0.0']
    ] as const) {
      const error = await reg.register(model, version, 'HEAD', alice).catch(e => e)
      expect(error).toBeInstanceOf(InvalidInputError)
      expect(error.exitCode).toBe(2)
    }
    await expect(reg.register('churn-model', 'v1.0.0', 'no-such-ref', alice)).rejects.toThrow(
      NotFoundError
    )
    await expect(reg.register('churn-model', 'v1.0.0', 'HEAD', { actor: ' <> ' })).rejects.toThrow(
      InvalidInputError
    )
    expect(await tagNames(a.git)).toEqual([])
  })

  it('writes monorepo names as dir=model', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const reg = registry(a)
    written(await reg.register('ml/models:churn', 'v0.1.0', 'HEAD', alice))
    expect(await tagNames(a.git)).toEqual(['ml/models=churn@v0.1.0'])
    const status = await reg.status()
    expect(status.map(m => m.model)).toEqual(['ml/models:churn'])
  })
})

describe('assign', () => {
  it('points at the registration commit, counts across stages, and re-runs write nothing', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg, commits, clock } = await withVersions(a, 'm', 2)
    await commit(a.git, 'unrelated work after the registrations')
    clock.advance(60)

    const r1 = written(await reg.assign('m', 'v1.0.0', 'staging', alice))
    expect(r1.events.map(e => e.id)).toEqual(['m#staging#1'])
    const info = await tagInfo(a.git, 'm#staging#1')
    expect(info.type).toBe('tag')
    expect(info.commit).toBe(commits[0])
    expect(info.message.split('\n')[0]).toBe('Promote m v1.0.0 to staging')

    const before = await tagNames(a.git)
    expect(await reg.assign('m', 'v1.0.0', 'staging', alice)).toEqual({
      written: false,
      reason: 'already in stage'
    })
    expect(await tagNames(a.git)).toEqual(before)

    clock.advance(60)
    written(await reg.assign('m', 'v1.0.0', 'prod', alice))
    clock.advance(60)
    written(await reg.assign('m', 'v2.0.0', 'staging', alice))
    expect(await tagNames(hermeticGit(s.origin))).toEqual([
      'm#prod#2',
      'm#staging#1',
      'm#staging#3',
      'm@v1.0.0',
      'm@v2.0.0'
    ])
    expect((await tagInfo(a.git, 'm#staging#3')).commit).toBe(commits[1])

    const holder = await reg.getStage('m', 'staging')
    expect(holder).toMatchObject({ version: 'v2.0.0', assignedBy: 'alice', eventId: 'm#staging#3' })
    expect(holder?.audit).toMatchObject({ action: 'assign', stage: 'staging', version: 'v2.0.0' })
    // v2.0.0 replaced v1.0.0 in staging: v1.0.0 holds prod only (GTO still lists it in staging,
    // but the stages a version holds are the ones it is the holder of, as on MLflow).
    expect(await reg.getVersion('m', 'v1.0.0')).toMatchObject({
      stages: [{ stage: 'prod', since: new Date((T0 + 121) * 1000) }]
    })
  })

  it('refuses unknown versions and stages outside .gto', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { clock } = await withVersions(a, 'm', 1)
    const reg = registry(a, clock, { allowedStages: ['dev', 'prod'] })
    await expect(reg.assign('m', 'v9.0.0', 'prod', alice)).rejects.toThrow(NotFoundError)
    await expect(reg.assign('m', 'v1.0.0', 'staging', alice)).rejects.toThrow(
      /Unknown stage "staging"/
    )
    await expect(reg.assign('m', 'v1.0.0', 'canary-2', alice)).rejects.toThrow(InvalidInputError)
  })

  it('takes out a higher version still in the stage, so both GTO readers agree', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg } = await withVersions(a, 'm', 2)
    written(await reg.assign('m', 'v2.0.0', 'prod', alice))
    const result = written(await reg.assign('m', 'v1.0.0', 'prod', alice))
    expect(result.events.map(e => [e.kind, e.version, e.id])).toEqual([
      ['unassignment', 'v2.0.0', 'm#prod!#2'],
      ['assignment', 'v1.0.0', 'm#prod#3']
    ])
    expect(await gtoReaders(a.git, 'm')).toEqual({
      show: { prod: 'v1.0.0' },
      semver: { prod: 'v1.0.0' }
    })
  })

  it('dry run returns exactly what would be written and writes nothing', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg } = await withVersions(a, 'm', 1)
    const before = await tagNames(hermeticGit(s.origin))
    const result = await reg.assign('m', 'v1.0.0', 'prod', alice, { dryRun: true })
    expect(result).toMatchObject({
      written: false,
      reason: 'dry run',
      planned: [{ kind: 'assignment', id: 'm#prod#1', version: 'v1.0.0', stage: 'prod' }]
    })
    expect(await tagNames(a.git)).toEqual(before)
    expect(await tagNames(hermeticGit(s.origin))).toEqual(before)
  })

  it('works in a repository without origin (nothing to push)', async () => {
    const s = await sandbox()
    const local = await s.standalone('local')
    const reg = registry(local)
    written(await reg.register('m', 'v1.0.0', 'HEAD', alice))
    const clock = fakeClock(T0 + 10)
    written(await registry(local, clock).assign('m', 'v1.0.0', 'prod', alice))
    expect(await tagNames(local.git)).toEqual(['m#prod#1', 'm@v1.0.0'])
  })
})

describe('unassign', () => {
  it('writes NAME#STAGE!#N and is idempotent', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg, commits } = await withVersions(a, 'm', 1)
    written(await reg.assign('m', 'v1.0.0', 'staging', alice))
    const result = written(await reg.unassign('m', 'v1.0.0', 'staging', alice))
    expect(result.events.map(e => e.id)).toEqual(['m#staging!#2'])
    expect((await tagInfo(a.git, 'm#staging!#2')).commit).toBe(commits[0])
    expect(await reg.getStage('m', 'staging')).toBeUndefined()
    expect(await reg.unassign('m', 'v1.0.0', 'staging', alice)).toEqual({
      written: false,
      reason: 'not in stage'
    })
  })
})

describe('same-second rule', () => {
  it('never writes two events of one artifact in the same tagger second', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const clock = fakeClock(T0) // frozen: only sleep moves it
    const reg = registry(a, clock)
    await commit(a.git, 'v1')
    written(await reg.register('m', 'v1.0.0', 'HEAD', alice))
    written(await reg.assign('m', 'v1.0.0', 'staging', alice))
    written(await reg.assign('m', 'v1.0.0', 'prod', alice))
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(2)
    const times = await Promise.all(
      ['m@v1.0.0', 'm#staging#1', 'm#prod#2'].map(async t => (await tagInfo(a.git, t)).time)
    )
    expect(times).toEqual([T0, T0 + 1, T0 + 2])
  })

  it('refuses to write before an event dated in the future of this clock', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    await withVersions(a, 'm', 1, fakeClock(T0 + 3600))
    const behind = registry(a, fakeClock(T0))
    await expect(behind.assign('m', 'v1.0.0', 'prod', alice)).rejects.toThrow(RegistryConflictError)
    expect(await tagNames(a.git)).toEqual(['m@v1.0.0'])
  })
})

describe('rollback', () => {
  it('restores the previous holder, writing the unassignment and the assignment', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg, commits } = await withVersions(a, 'm', 2)
    written(await reg.assign('m', 'v1.0.0', 'prod', alice))
    written(await reg.assign('m', 'v2.0.0', 'prod', alice))
    expect(await gtoReaders(a.git, 'm')).toEqual({
      show: { prod: 'v2.0.0' },
      semver: { prod: 'v2.0.0' }
    })

    const result = written(await reg.rollback('m', 'prod', undefined, bob))
    expect(result.events.map(e => [e.kind, e.version, e.id])).toEqual([
      ['unassignment', 'v2.0.0', 'm#prod!#3'],
      ['assignment', 'v1.0.0', 'm#prod#4']
    ])
    const [removed, restored] = await Promise.all([
      tagInfo(a.git, 'm#prod!#3'),
      tagInfo(a.git, 'm#prod#4')
    ])
    expect(removed.commit).toBe(commits[1])
    expect(restored.commit).toBe(commits[0])
    expect(restored.time).toBeGreaterThan(removed.time)
    expect(restored.tagger).toBe('bob')
    expect(parseMessage(restored.message)).toMatchObject({
      summary: 'Roll back m prod to v1.0.0 (from v2.0.0)',
      audit: { reason: 'bad metrics', rollback: { from: 'v2.0.0', to: 'v1.0.0' } }
    })
    expect(await tagNames(hermeticGit(s.origin))).toContain('m#prod#4')
    expect(await gtoReaders(a.git, 'm')).toEqual({
      show: { prod: 'v1.0.0' },
      semver: { prod: 'v1.0.0' }
    })
    expect((await reg.getStage('m', 'prod'))?.version).toBe('v1.0.0')

    // The version taken out by a rollback is never the default target of the next one.
    await expect(reg.rollback('m', 'prod', undefined, bob)).rejects.toThrow(NotFoundError)
  })

  it('restores a named version and takes out every higher one still in the stage', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg } = await withVersions(a, 'm', 3)
    for (const v of ['v1.0.0', 'v2.0.0', 'v3.0.0']) written(await reg.assign('m', v, 'prod', alice))

    const result = written(await reg.rollback('m', 'prod', 'v1.0.0', bob))
    expect(result.events.map(e => [e.kind, e.version])).toEqual([
      ['unassignment', 'v3.0.0'],
      ['unassignment', 'v2.0.0'],
      ['assignment', 'v1.0.0']
    ])
    const seconds = result.events.map(e => e.at.getTime())
    expect(new Set(seconds).size).toBe(3)
    expect(await gtoReaders(a.git, 'm')).toEqual({
      show: { prod: 'v1.0.0' },
      semver: { prod: 'v1.0.0' }
    })
    expect(await reg.rollback('m', 'prod', 'v1.0.0', bob)).toEqual({
      written: false,
      reason: 'already in stage'
    })
    await expect(reg.rollback('m', 'prod', 'v9.0.0', bob)).rejects.toThrow(NotFoundError)
    await expect(reg.rollback('m', 'staging', undefined, bob)).rejects.toThrow(NotFoundError)
  })
})

describe('status and history', () => {
  it('reports holders per stage and every event newest first', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg, clock } = await withVersions(a, 'm', 2)
    await commit(a.git, 'other model')
    written(await reg.register('other', 'v0.1.0', 'HEAD', alice))
    written(await reg.assign('m', 'v1.0.0', 'staging', alice))
    written(await reg.assign('other', 'v0.1.0', 'prod', bob))
    written(await reg.assign('m', 'v2.0.0', 'staging', bob))
    written(await reg.assign('m', 'v1.0.0', 'prod', alice))
    expect(clock.now()).toBeGreaterThan(T0 * 1000)

    const status = await reg.status()
    expect(
      status.map(m => ({
        model: m.model,
        deprecated: m.deprecated,
        stages: m.stages.map(h => [h.stage, h.version, h.assignedBy])
      }))
    ).toEqual([
      {
        model: 'm',
        deprecated: false,
        stages: [
          ['prod', 'v1.0.0', 'alice'],
          ['staging', 'v2.0.0', 'bob']
        ]
      },
      { model: 'other', deprecated: false, stages: [['prod', 'v0.1.0', 'bob']] }
    ])
    expect(await reg.status('nope')).toEqual([])

    const history = await reg.history('m')
    expect(history.map(e => e.id)).toEqual([
      'm#prod#3',
      'm#staging#2',
      'm#staging#1',
      'm@v2.0.0',
      'm@v1.0.0'
    ])
    const all = await reg.history()
    expect(all.map(e => e.id)).toEqual([
      'm#prod#3',
      'm#staging#2',
      'other#prod#1',
      'm#staging#1',
      'other@v0.1.0',
      'm@v2.0.0',
      'm@v1.0.0'
    ])
    for (let i = 1; i < all.length; i++) {
      expect(all[i - 1]!.at.getTime()).toBeGreaterThanOrEqual(all[i]!.at.getTime())
    }
    expect(history[0]).toMatchObject({
      kind: 'assignment',
      stage: 'prod',
      version: 'v1.0.0',
      by: 'alice',
      byEmail: 'alice@example.com',
      summary: 'Promote m v1.0.0 to prod',
      audit: { modelgate: 1, action: 'assign' }
    })
  })

  it('reads state and status with exactly one git process, after reconciling with origin once', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    await withVersions(a, 'm', 1)
    const calls: string[][] = []
    const counting: GitRunner = (args, options) => {
      calls.push([...args])
      return a.git(args, options)
    }
    const reg = createGitRegistry({ git: counting })
    await reg.status()
    await reg.history()
    await reg.getStage('m', 'prod')
    // Once per registry object, the tags are made origin's (config: the remote and the marks of
    // --no-push tags, fetch, read, fetch-prune);
    // then every read is one process.
    expect(calls.map(c => c[0])).toEqual([
      'config',
      'fetch',
      'for-each-ref',
      'fetch',
      'for-each-ref',
      'for-each-ref',
      'for-each-ref'
    ])
  })
})

describe('tags written by hand in GTO forms', () => {
  async function handTag(
    git: GitRunner,
    name: string,
    target: string,
    time: number,
    message = `by hand: ${name}`
  ) {
    await gitOk(git, ['tag', '-a', '-F', '-', name, target], {
      input: message,
      env: { GIT_COMMITTER_DATE: `${time} +0000`, GIT_COMMITTER_NAME: 'Gto User' }
    })
    // The registry is origin's tags: a tag that never reached origin is not believed.
    if ((await gitOk(git, ['remote'])).includes('origin')) {
      await gitOk(git, ['push', '--quiet', 'origin', `refs/tags/${name}`])
    }
  }

  it('reads simple and counter forms (m#prod-3 is stage prod-3, as in GTO 1.10), and ignores lightweight tags', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const c1 = await commit(a.git, 'v1')
    const c2 = await commit(a.git, 'v2')
    const c3 = await commit(a.git, 'v3')
    await handTag(a.git, 'm@v1.0.0', c1, T0)
    await handTag(a.git, 'm@v2.0.0', c2, T0 + 1)
    await handTag(a.git, 'm@v3.0.0', c3, T0 + 2)
    await handTag(a.git, 'm#dev', c1, T0 + 3, 'first line\n\nsecond paragraph\nwith # hash')
    await handTag(a.git, 'm#staging#3', c2, T0 + 4)
    await handTag(a.git, 'm#prod-3', c1, T0 + 5)
    await handTag(a.git, 'v1.0.0', c1, T0 + 6)
    await gitOk(a.git, ['tag', 'm#prod#9', c3]) // lightweight: GTO ignores it
    await gitOk(a.git, ['tag', 'release', c3])

    const reg = registry(a, fakeClock(T0 + 100), { fetchBeforeWrite: false })
    const [status] = await reg.status('m')
    expect(status?.stages.map(h => [h.stage, h.version, h.assignedBy, h.eventId])).toEqual([
      ['dev', 'v1.0.0', 'Gto User', 'm#dev'],
      ['prod-3', 'v1.0.0', 'Gto User', 'm#prod-3'],
      ['staging', 'v2.0.0', 'Gto User', 'm#staging#3']
    ])
    const history = await reg.history('m')
    expect(history.find(e => e.id === 'm#dev')).toMatchObject({
      kind: 'assignment',
      summary: 'first line'
    })
    expect(history.find(e => e.id === 'm#dev')?.audit).toBeUndefined()
    expect(history.some(e => e.id === 'm#prod#9')).toBe(false)
    const state = await reg.readState()
    expect(state.ignored).toEqual([{ tag: 'm#prod#9', reason: 'lightweight tag' }])

    // The next counter is past every tag name of the artifact, lightweight included.
    const result = written(await reg.assign('m', 'v3.0.0', 'prod', alice))
    expect(result.events.map(e => e.id)).toEqual(['m#prod#10'])
    expect(await gtoReaders(a.git, 'm')).toMatchObject({ show: { prod: 'v3.0.0' } })
  })

  it('follows deregistration and deprecation', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { reg, commits } = await withVersions(a, 'm', 2)
    written(await reg.assign('m', 'v1.0.0', 'prod', alice))
    written(await reg.assign('m', 'v2.0.0', 'prod', alice))
    await handTag(a.git, 'm@v2.0.0!', commits[1]!, T0 + 50)
    expect((await reg.getStage('m', 'prod'))?.version).toBe('v1.0.0')
    expect(await reg.getVersion('m', 'v2.0.0')).toMatchObject({ active: false, stages: [] })
    const reg2 = registry(a, fakeClock(T0 + 100))
    await expect(reg2.assign('m', 'v2.0.0', 'staging', alice)).rejects.toThrow(/deregistered/)

    await handTag(a.git, 'm@deprecated', commits[0]!, T0 + 60)
    expect((await reg2.status('m'))[0]?.deprecated).toBe(true)
    await expect(reg2.assign('m', 'v1.0.0', 'staging', alice)).rejects.toThrow(/deprecated/)
  })

  it('gives an assignment on an unregistered commit the commit as version, as GTO does', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const c1 = await commit(a.git, 'unregistered')
    await handTag(a.git, 'm#prod#1', c1, T0)
    expect((await registry(a).getStage('m', 'prod'))?.version).toBe(c1)
  })
})

describe('races', () => {
  it('a run that loses the push race re-reads, revalidates and retries with the next counter', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const clock = fakeClock(T0)
    await withVersions(a, 'm', 2, clock)
    const b = await s.clone('b') // sees both registrations

    const regA = registry(a, clock)
    // B does not fetch before its first attempt: its view is stale, as if A
    // had pushed between B's read and B's push.
    const regB = registry(b, clock, { fetchBeforeWrite: false })
    written(await regA.assign('m', 'v1.0.0', 'prod', alice))

    const seen: RevalidateContext[] = []
    const result = written(
      await regB.assign('m', 'v2.0.0', 'prod', bob, {
        revalidate: context => {
          seen.push(context)
        }
      })
    )
    expect(result.attempts).toBe(2)
    expect(result.events.map(e => e.id)).toEqual(['m#prod#2'])
    expect(seen.map(c => [c.attempt, c.holder?.version])).toEqual([
      [1, undefined],
      [2, 'v1.0.0']
    ])
    const remote = await tagNames(hermeticGit(s.origin))
    expect(remote.filter(t => t.startsWith('m#'))).toEqual(['m#prod#1', 'm#prod#2'])
    expect(await tagNames(b.git)).toEqual(remote)
    const infos = await Promise.all(remote.map(t => tagInfo(hermeticGit(s.origin), t)))
    expect(new Set(infos.map(i => i.time)).size).toBe(remote.length)
  })

  it('stops when the revalidation refuses the new holder', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const clock = fakeClock(T0)
    await withVersions(a, 'm', 2, clock)
    const b = await s.clone('b')
    written(await registry(a, clock).assign('m', 'v1.0.0', 'prod', alice))

    const regB = registry(b, clock, { fetchBeforeWrite: false })
    const refusal = regB.assign('m', 'v2.0.0', 'prod', bob, {
      revalidate: ({ holder }) => {
        if (holder) throw new Error(`champion changed to ${holder.version}`)
      }
    })
    await expect(refusal).rejects.toThrow('champion changed to v1.0.0')
    expect((await tagNames(hermeticGit(s.origin))).filter(t => t.startsWith('m#'))).toEqual([
      'm#prod#1'
    ])
    expect((await tagNames(b.git)).filter(t => t.startsWith('m#'))).toEqual(['m#prod#1'])
  })

  it('gives up after the attempt budget, leaving nothing written', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const clock = fakeClock(T0)
    await withVersions(a, 'm', 2, clock)
    const b = await s.clone('b')
    written(await registry(a, clock).assign('m', 'v1.0.0', 'prod', alice))
    const regB = registry(b, clock, { fetchBeforeWrite: false, maxAttempts: 1 })
    await expect(regB.assign('m', 'v2.0.0', 'prod', bob)).rejects.toThrow(RegistryConflictError)
    expect((await tagNames(b.git)).filter(t => t.startsWith('m#'))).toEqual(['m#prod#1'])
  })

  it('two concurrent promotions from two clones never share a counter', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const clock = fakeClock(T0)
    await withVersions(a, 'm', 2, clock)
    const b = await s.clone('b')
    const [ra, rb] = await Promise.all([
      registry(a, clock).assign('m', 'v1.0.0', 'prod', alice),
      registry(b, clock).assign('m', 'v2.0.0', 'staging', bob)
    ])
    expect(ra?.written && rb?.written).toBe(true)
    const origin = hermeticGit(s.origin)
    const stageTags = (await tagNames(origin)).filter(t => t.startsWith('m#'))
    expect(stageTags).toHaveLength(2)
    const counters = stageTags.map(t => t.split('#').pop())
    expect(new Set(counters).size).toBe(2)
    const times = await Promise.all(stageTags.map(async t => (await tagInfo(origin, t)).time))
    expect(new Set(times).size).toBe(2)
  })

  it('two concurrent promotions to one stage: one wins, the other re-reads and retries', async () => {
    for (let round = 0; round < 3; round++) {
      const s = await sandbox()
      const a = await s.clone('a')
      const clock = fakeClock(T0)
      await withVersions(a, 'm', 2, clock)
      const b = await s.clone('b')
      const results = await Promise.all([
        registry(a, clock).assign('m', 'v1.0.0', 'prod', alice),
        registry(b, clock).assign('m', 'v2.0.0', 'prod', bob)
      ])
      expect(results.every(r => r.written)).toBe(true)
      const origin = hermeticGit(s.origin)
      const stageTags = (await tagNames(origin)).filter(t => t.startsWith('m#'))
      const counters = stageTags.map(t => t.split('#').pop())
      expect(new Set(counters).size).toBe(stageTags.length)
      const times = await Promise.all(stageTags.map(async t => (await tagInfo(origin, t)).time))
      expect(new Set(times).size).toBe(stageTags.length)
      const readers = await gtoReaders(origin, 'm')
      expect(readers.show.prod).toBe(readers.semver.prod)
    }
  })

  it('recognises its own tags on the remote when the push answer is lost', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { clock } = await withVersions(a, 'm', 1)
    const flaky: GitRunner = async (args, options) => {
      const result = await a.git(args, options)
      return args[0] === 'push' ? { ...result, code: 128, stderr: 'connection reset' } : result
    }
    const result = written(
      await createGitRegistry({ git: flaky, now: clock.now, sleep: clock.sleep }).assign(
        'm',
        'v1.0.0',
        'prod',
        alice
      )
    )
    expect(result.attempts).toBe(1)
    expect(await tagNames(hermeticGit(s.origin))).toContain('m#prod#1')
    expect(await tagNames(a.git)).toContain('m#prod#1')
  })

  it('turns a refusal that reads like a permission problem into exit 4', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { clock } = await withVersions(a, 'm', 1)
    const hook = path.join(s.origin, 'hooks', 'pre-receive')
    await writeFile(hook, '#!/bin/sh\necho "Permission to push tags denied" >&2\nexit 1\n')
    await chmod(hook, 0o755)
    const error = await registry(a, clock)
      .assign('m', 'v1.0.0', 'prod', alice)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'PermissionError', exitCode: 4 })
    await rename(hook, `${hook}.off`)
  })

  it('reports a push refused for another reason, and removes the local tags', async () => {
    const s = await sandbox()
    const a = await s.clone('a')
    const { clock } = await withVersions(a, 'm', 1)
    const hook = path.join(s.origin, 'hooks', 'pre-receive')
    await writeFile(hook, '#!/bin/sh\necho "tags are frozen this week" >&2\nexit 1\n')
    await chmod(hook, 0o755)
    await expect(registry(a, clock).assign('m', 'v1.0.0', 'prod', alice)).rejects.toThrow(
      /Could not push m#prod#1 to origin[\s\S]*tags are frozen this week/
    )
    expect(await tagNames(a.git)).toEqual(['m@v1.0.0'])
    await rename(hook, `${hook}.off`)
  })
})
