/**
 * How GTO sees a canary (docs/rollout.md): every step the git adapter writes is a tag GTO 1.10
 * parses (helpers/git-gto-reference.ts, written from GTO's source), an ordinary stage event of
 * the rollout's stage, annotated, on the version's registration commit; both GTO readers show the
 * version in the stage while the rollout runs, and neither after an abort.
 */
import { createGitRegistry } from '../src/registry/git/adapter.js'
import { gitOk } from '../src/registry/git/runner.js'
import type { AuditFacts, RolloutStepRequest, WriteResult } from '../src/registry/port.js'
import { GTO_TAG_RE, gtoReaders } from './helpers/git-gto-reference.js'
import type { Sandbox } from './helpers/git-sandbox.js'
import { commit, fakeClock, hermeticGit, makeSandbox } from './helpers/git-sandbox.js'

const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }
let sandbox: Sandbox
afterAll(() => sandbox.cleanup())

function written(result: WriteResult) {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}

it('start, advance, hold, abort: GTO tags on the registration commit, read as GTO reads them', async () => {
  sandbox = await makeSandbox()
  const a = await sandbox.clone('a')
  const clock = fakeClock(1_700_000_000)
  const registry = createGitRegistry({ git: a.git, now: clock.now, sleep: clock.sleep })
  const c1 = await commit(a.git, 'v1')
  const c2 = await commit(a.git, 'v2')
  written(await registry.register('m', 'v1.0.0', c1, alice))
  written(await registry.register('m', 'v1.5.0', c2, alice))
  written(await registry.assign('m', 'v1.0.0', 'production', alice))

  const steps: RolloutStepRequest[] = [
    { kind: 'start', version: 'v1.5.0', percent: 5 },
    { kind: 'advance', version: 'v1.5.0', percent: 10, from: 5 },
    { kind: 'hold', version: 'v1.5.0', percent: 10 }
  ]
  for (const step of steps) {
    written(await registry.recordRolloutStep('m', 'canary', step, alice))
    expect(await gtoReaders(a.git, 'm')).toEqual({
      show: { production: 'v1.0.0', canary: 'v1.5.0' },
      semver: { production: 'v1.0.0', canary: 'v1.5.0' }
    })
  }
  written(
    await registry.recordRolloutStep(
      'm',
      'canary',
      { kind: 'abort', version: 'v1.5.0', percent: 0 },
      { ...alice, reason: 'errors up' }
    )
  )
  // Origin, as another clone (and GTO run there) reads it.
  const origin = hermeticGit(sandbox.origin)
  for (const git of [a.git, origin]) {
    expect(await gtoReaders(git, 'm')).toEqual({
      show: { production: 'v1.0.0' },
      semver: { production: 'v1.0.0' }
    })
  }

  const refs = (
    await gitOk(origin, [
      'for-each-ref',
      '--format=%(refname:strip=2) %(objecttype) %(*objectname)',
      'refs/tags'
    ])
  )
    .trim()
    .split('\n')
    .map(line => line.split(' '))
  const stageTags = refs.filter(([name]) => name?.includes('#canary'))
  expect(stageTags.map(([name]) => name)).toEqual([
    'm#canary!#5',
    'm#canary#2',
    'm#canary#3',
    'm#canary#4'
  ])
  for (const [name, type, target] of refs) {
    expect(name).toMatch(GTO_TAG_RE)
    expect(type).toBe('tag')
    if (name?.includes('#canary')) expect(target).toBe(c2)
  }
  const message = await gitOk(a.git, ['tag', '-l', '--format=%(contents)', 'm#canary#3'])
  expect(message.split('\n')[0]).toBe('Advance rollout of m v1.5.0 in canary from 5% to 10%')
  expect(JSON.parse(message.slice(message.indexOf('{')))).toMatchObject({
    action: 'assign',
    version: 'v1.5.0',
    stage: 'canary',
    rollout: { step: 'advance', percent: 10, from: 5 },
    actor: 'alice'
  })
})
