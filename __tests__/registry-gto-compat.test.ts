/**
 * Issue 11, "GTO, run for real": hand-written tags in GTO's own forms (`git tag -a`
 * in a real repository, tagger dates set by hand), read as GTO 1.10 reads them.
 *
 * Ties within one second follow GTO's source (gto/tag.py `find`, gto/base.py
 * `VStage.get_events`, `Version.is_active`, `Artifact.get_vstages`,
 * `sort_versions`): tags are collected sorted by name, then stably sorted by
 * tagger time; a version's assignments come before its unassignments, and the
 * last event wins; `gto show` lists versions newest registration first and takes
 * the last of a stable sort by assignment time.
 */
import { renderStatus } from '../src/report/registry-tables.js'
import { createGitRegistry } from '../src/registry/git/adapter.js'
import type { GitRunner } from '../src/registry/git/runner.js'
import { gitOk } from '../src/registry/git/runner.js'
import type { AuditFacts, WriteResult } from '../src/registry/port.js'
import { gtoReaders } from './helpers/git-gto-reference.js'
import type { Clone, Sandbox } from './helpers/git-sandbox.js'
import { commit, fakeClock, makeSandbox } from './helpers/git-sandbox.js'

const T0 = 1_700_000_000
const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }

const sandboxes: Sandbox[] = []
afterAll(async () => {
  await Promise.all(sandboxes.map(s => s.cleanup()))
})

async function clone(): Promise<Clone> {
  const s = await makeSandbox()
  sandboxes.push(s)
  return s.clone('a')
}

/** An annotated tag as `gto` (or `git tag -a`) writes it, dated `time`. */
async function handTag(git: GitRunner, name: string, target: string, time: number) {
  await gitOk(git, ['tag', '-a', '-m', `by hand: ${name}`, name, target], {
    env: { GIT_COMMITTER_DATE: `${time} +0000`, GIT_COMMITTER_NAME: 'Gto User' }
  })
}

function registry(a: Clone, now = T0 + 1000) {
  const clock = fakeClock(now)
  return createGitRegistry({
    git: a.git,
    now: clock.now,
    sleep: clock.sleep,
    fetchBeforeWrite: false
  })
}

function written(result: WriteResult) {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}

/** `m@v1.0.0` on c1 at T0, `m@v2.0.0` on c2 at T0 + 1 (v1 registered first). */
async function twoVersions(a: Clone) {
  const c1 = await commit(a.git, 'v1')
  const c2 = await commit(a.git, 'v2')
  await handTag(a.git, 'm@v1.0.0', c1, T0)
  await handTag(a.git, 'm@v2.0.0', c2, T0 + 1)
  return { c1, c2 }
}

async function holders(a: Clone): Promise<Array<[string, string]>> {
  const [status] = await registry(a).status('m')
  return (status?.stages ?? []).map(h => [h.stage, h.version])
}

describe('stages ending in -<digits> (item 8)', () => {
  it('reads m#prod-3 and m#eu-1 as stages prod-3 and eu-1, never as a counter', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    await handTag(a.git, 'm#prod-3', c1, T0 + 10)
    await handTag(a.git, 'm#eu-1', c2, T0 + 11)
    await handTag(a.git, 'm#prod', c2, T0 + 12)
    expect(await holders(a)).toEqual([
      ['eu-1', 'v2.0.0'],
      ['prod', 'v2.0.0'],
      ['prod-3', 'v1.0.0']
    ])
    const history = await registry(a).history('m')
    expect(history.find(e => e.id === 'm#prod-3')).toMatchObject({ stage: 'prod-3' })
  })

  it('writes stages like canary-2 and eu-1, and GTO reads them back', async () => {
    const a = await clone()
    await twoVersions(a)
    const reg = registry(a)
    const first = written(await reg.assign('m', 'v1.0.0', 'canary-2', alice))
    expect(first.events.map(e => [e.id, e.stage])).toEqual([['m#canary-2#1', 'canary-2']])
    written(await reg.assign('m', 'v2.0.0', 'eu-1', alice))
    expect(await holders(a)).toEqual([
      ['canary-2', 'v1.0.0'],
      ['eu-1', 'v2.0.0']
    ])
    expect((await gtoReaders(a.git, 'm')).show).toEqual({ 'canary-2': 'v1.0.0', 'eu-1': 'v2.0.0' })
  })
})

describe('events of one artifact in the same second, written by other tools (item 11)', () => {
  it('an unassignment beats an assignment of the same version in that second, whatever the counters', async () => {
    const a = await clone()
    const { c1 } = await twoVersions(a)
    await handTag(a.git, 'm#prod#3', c1, T0 + 10)
    // GTO: [assignments..., unassignments...] stably sorted by time, the last wins.
    await handTag(a.git, 'm#prod!#4', c1, T0 + 20)
    await handTag(a.git, 'm#prod#5', c1, T0 + 20)
    expect(await holders(a)).toEqual([])
    expect((await registry(a).getVersion('m', 'v1.0.0'))?.stages).toEqual([])
  })

  it('the same with the counters the other way round', async () => {
    const a = await clone()
    const { c1 } = await twoVersions(a)
    await handTag(a.git, 'm#prod#3', c1, T0 + 10)
    await handTag(a.git, 'm#prod#4', c1, T0 + 20)
    await handTag(a.git, 'm#prod!#5', c1, T0 + 20)
    expect(await holders(a)).toEqual([])
  })

  it('two versions assigned in one second: the one registered first holds the stage', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    // The counter says v2 came last; `gto show` shows v1 (earlier registration).
    await handTag(a.git, 'm#prod#3', c1, T0 + 20)
    await handTag(a.git, 'm#prod#4', c2, T0 + 20)
    const [status] = await registry(a).status('m')
    expect(status?.stages).toEqual([
      expect.objectContaining({ stage: 'prod', version: 'v1.0.0', eventId: 'm#prod#3' })
    ])
  })

  it('two versions assigned in one second, simple tags the other way round', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    await handTag(a.git, 'm#prod', c2, T0 + 20)
    await handTag(a.git, 'm#prod#1', c1, T0 + 20)
    expect(await holders(a)).toEqual([['prod', 'v1.0.0']])
  })

  it('versions registered in the same second too: the one GTO collects first (by tag name) wins', async () => {
    const a = await clone()
    const c1 = await commit(a.git, 'v1')
    const c2 = await commit(a.git, 'v2')
    await handTag(a.git, 'm@v2.0.0', c2, T0)
    await handTag(a.git, 'm@v1.0.0#7', c1, T0)
    await handTag(a.git, 'm#prod#8', c2, T0 + 20)
    await handTag(a.git, 'm#prod#9', c1, T0 + 20)
    // Collected by name: m@v1.0.0#7 before m@v2.0.0, so v1 was created first.
    expect(await holders(a)).toEqual([['prod', 'v1.0.0']])
  })

  it('a deregistration beats a registration of the same version in that second', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    await handTag(a.git, 'm#prod#3', c1, T0 + 10)
    await handTag(a.git, 'm@v2.0.0!#4', c2, T0 + 20)
    await handTag(a.git, 'm@v2.0.0#5', c2, T0 + 20)
    await handTag(a.git, 'm#prod#6', c2, T0 + 30)
    expect(await registry(a).getVersion('m', 'v2.0.0')).toMatchObject({ active: false })
    expect(await holders(a)).toEqual([['prod', 'v1.0.0']])
  })

  it('an assignment in the same second as a deprecation keeps the artifact active', async () => {
    const a = await clone()
    const { c1 } = await twoVersions(a)
    await handTag(a.git, 'm@deprecated#9', c1, T0 + 20)
    await handTag(a.git, 'm#prod#3', c1, T0 + 20)
    const [status] = await registry(a).status('m')
    expect(status?.deprecated).toBe(false)
  })

  it('status says when a holder was decided within one second, and which version GTO shows', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    await handTag(a.git, 'm#prod#3', c1, T0 + 20)
    await handTag(a.git, 'm#prod#4', c2, T0 + 20)
    const models = await registry(a).status('m')
    expect(models[0]?.stages).toEqual([
      expect.objectContaining({ stage: 'prod', version: 'v1.0.0', sameSecondAs: ['v2.0.0'] })
    ])
    expect(renderStatus(models)).toContain(
      '- m prod: v1.0.0 was assigned in the same second as v2.0.0; the order within that second is ambiguous, GTO 1.10 shows v1.0.0'
    )
  })
})

describe('an unassignment marked replacedBy by hand', () => {
  /** An annotated tag with ModelGate's message form, written by hand (anyone who can push tags). */
  async function messageTag(
    git: GitRunner,
    name: string,
    target: string,
    time: number,
    facts: object
  ) {
    const message = `Remove by hand\n\n${JSON.stringify({ modelgate: 1, ...facts })}`
    await gitOk(git, ['tag', '-a', '-m', message, name, target], {
      env: { GIT_COMMITTER_DATE: `${time} +0000`, GIT_COMMITTER_NAME: 'Mallory' }
    })
  }

  it('does not undo a rollback: the version rolled back stays taken out and is not restored', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    await handTag(a.git, 'm#prod#1', c1, T0 + 10)
    await handTag(a.git, 'm#prod#2', c2, T0 + 20)
    // v2.0.0 rolled back: taken out, v1.0.0 put back.
    await handTag(a.git, 'm#prod!#3', c2, T0 + 30)
    await handTag(a.git, 'm#prod#4', c1, T0 + 31)
    // A later unassignment of the version already out, claiming it was only replaced.
    await messageTag(a.git, 'm#prod!#5', c2, T0 + 40, { replacedBy: 'v1.0.0' })
    const reg = registry(a, T0 + 100)
    expect(await reg.takenOutOf('m', 'v2.0.0', 'prod')).toMatchObject({ eventId: 'm#prod!#5' })
    const error = await reg
      .rollback('m', 'prod', undefined, { ...alice, reason: 'again' }, { dryRun: true })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain('No earlier version of m held prod')
  })

  it('counts as a replacement only when the named lower version is assigned right after', async () => {
    const a = await clone()
    const { c1, c2 } = await twoVersions(a)
    await handTag(a.git, 'm#prod#1', c2, T0 + 10)
    // The replacement ModelGate writes: the higher version out (replacedBy), the lower one in.
    await messageTag(a.git, 'm#prod!#2', c2, T0 + 20, { replacedBy: 'v1.0.0' })
    await handTag(a.git, 'm#prod#3', c1, T0 + 21)
    const reg = registry(a, T0 + 100)
    expect(await reg.takenOutOf('m', 'v2.0.0', 'prod')).toBeUndefined()
    const planned = await reg.rollback(
      'm',
      'prod',
      undefined,
      { ...alice, reason: 'back' },
      { dryRun: true }
    )
    expect(planned).toMatchObject({ reason: 'dry run' })
    if (planned.written || planned.reason !== 'dry run') throw new Error('expected a dry run')
    expect(planned.planned.find(e => e.kind === 'assignment')?.version).toBe('v2.0.0')
  })
})
