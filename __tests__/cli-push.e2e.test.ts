// Issue 12, item 5, through the bundled CLI in real clones of a bare origin: every git write
// says what it pushed and where; --no-push keeps it in the clone, status says so and further
// writes wait for it; a remote that refuses or cannot be reached is one line naming it, exit 2,
// with nothing written.
import { chmod, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, originTags, writePolicy } from './helpers/model-checkout.js'
import { makeSandbox, tagNames, type Clone, type Sandbox } from './helpers/git-sandbox.js'

describe('git writes say where they went; --no-push keeps them local (issue 12, item 5)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy({ staging: true }))
    await commitModel(clone, { accuracy: 0.85 })
  })
  afterAll(() => sandbox.cleanup())

  it('register and promote print the tags and the lease ref pushed, and the remote', async () => {
    const registered = await cli('register', 'demo', '--version', 'v1.0.0')
    expect(registered.exitCode).toBe(0)
    expect(registered.stdout).toContain(
      `Pushed tag \`demo@v1.0.0\` and lease ref \`refs/modelgate/lease/demo\` to origin (\`${sandbox.origin}\`).`
    )
    const promoted = await cli('promote', 'demo', '--to', 'dev', '--version', 'v1.0.0')
    expect(promoted.exitCode).toBe(0)
    expect(promoted.stdout).toContain(
      `Pushed tag \`demo#dev#1\` and lease ref \`refs/modelgate/lease/demo\` to origin (\`${sandbox.origin}\`).`
    )
    expect(await originTags(sandbox)).toEqual(['demo#dev#1', 'demo@v1.0.0'])
  })

  it('--no-push keeps the write local; status marks it; later writes wait until it is pushed', async () => {
    await commitModel(clone, { accuracy: 0.9 })
    const registered = await cli('register', 'demo', '--version', 'v2.0.0')
    expect(registered.exitCode).toBe(0)
    const before = await originTags(sandbox)

    const kept = await cli('promote', 'demo', '--to', 'dev', '--version', 'v2.0.0', '--no-push')
    expect(kept.exitCode).toBe(0)
    expect(kept.stdout).toContain('Kept tag `demo#dev#2` in this clone only (--no-push)')
    expect(kept.stdout).toContain('`git tag -d demo#dev#2`')
    // Never a push command: pushed later, the tag would land on whatever origin holds by then.
    expect(kept.stdout).not.toContain('git push')
    expect(kept.stdout).toContain('run the command again without --no-push')
    expect(await originTags(sandbox)).toEqual(before)
    expect(await tagNames(clone.git)).toEqual(expect.arrayContaining(['demo#dev#2']))
    // history marks the kept event as status does (issue 12 review, item 11).
    const history = await cli('history', 'demo', '--format', 'md')
    expect(history.stdout).toContain(
      '| demo | assignment (local only: not on origin) | v2.0.0 | dev |'
    )
    expect(history.stdout).toContain('| demo | assignment | v1.0.0 | dev |')

    // Reading reconciles with origin, but keeps the marked tags (twice: nothing is pruned).
    for (let i = 0; i < 2; i++) {
      const shown = await cli('status', 'demo', '--format', 'md')
      expect(shown.exitCode).toBe(0)
      expect(shown.stdout).toContain('| demo | dev | v2.0.0 (local only: not on origin) |')
      expect(shown.stdout).toContain('| demo | staging | - | - | - |')
      expect(shown.stdout).toContain(
        'demo: `demo#dev#2` is local only (written with --no-push; origin does not have it)'
      )
      expect(shown.stdout).toContain('`git tag -d demo#dev#2`')
      expect(shown.stdout).not.toContain('git push')
    }
    const json = JSON.parse((await cli('status', 'demo', '--json')).stdout)
    expect(json[0].localOnly).toEqual([{ id: 'demo#dev#2', stage: 'dev' }])

    // Fail closed: no write (a dry run neither) on top of what origin does not have.
    for (const args of [
      ['rollback', 'demo', '--stage', 'dev', '--reason', 'bad'],
      ['promote', 'demo', '--to', 'staging', '--version', 'v2.0.0', '--dry-run']
    ]) {
      const refused = await cli(...args)
      expect({ args, exitCode: refused.exitCode }).toEqual({ args, exitCode: 2 })
      expect(refused.stderr).toContain(
        'demo has tags kept in this clone (--no-push) that origin does not have: demo#dev#2. Remove them (git tag -d demo#dev#2) and run the write again without --no-push'
      )
      expect(refused.stderr).not.toContain('unexpected error')
    }
    expect(await originTags(sandbox)).toEqual(before)

    // Pushed by hand anyway (the person's own act, as any tag push): the mark goes, writing resumes.
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'demo#dev#2'])
    const shown = await cli('status', 'demo', '--format', 'md')
    expect(shown.stdout).not.toContain('local only')
    const rolled = await cli('rollback', 'demo', '--stage', 'dev', '--reason', 'bad v2')
    expect(rolled.exitCode).toBe(0)
    expect(rolled.stdout).toContain('to origin (')
  })

  it('a kept write removed by hand is forgotten: status and writes go on from origin', async () => {
    const kept = await cli(
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v2.0.0',
      '--no-push',
      '--force',
      '--reason',
      'try'
    )
    expect(kept.exitCode).toBeLessThanOrEqual(1)
    const onOrigin = await originTags(sandbox)
    const local = (await tagNames(clone.git)).filter(name => !onOrigin.includes(name))
    expect(local.length).toBeGreaterThan(0)
    await gitOk(clone.git, ['tag', '-d', ...local])
    const shown = await cli('status', 'demo', '--format', 'md')
    expect(shown.stdout).not.toContain('local only')
    expect(shown.stdout).toMatch(/\| demo \| dev \| v1\.0\.0 \|/)
  })

  it('a kept write whose name origin took for another event is a conflict: named, writes refused', async () => {
    const kept = await cli('promote', 'demo', '--to', 'staging', '--version', 'v1.0.0', '--no-push')
    expect(kept.exitCode).toBe(0)
    const name = /Kept tag `(demo#staging#\d+)`/.exec(kept.stdout)?.[1] as string
    expect(name).toBeDefined()
    // Another clone writes the same stage from origin's state: the same tag name, another object.
    const other = await sandbox.clone('other')
    const theirs = await bundledCli(other.dir, [
      'promote',
      'demo',
      '--to',
      'staging',
      '--version',
      'v1.0.0'
    ])
    expect(theirs.exitCode).toBe(0)
    expect(await originTags(sandbox)).toContain(name)

    const shown = await cli('status', 'demo', '--format', 'md')
    expect(shown.stdout).toContain(
      `demo: origin has other events under the names \`${name}\`; these local ones can never be pushed. Remove them: \`git tag -d ${name}\``
    )
    const refused = await cli(
      'rollback',
      'demo',
      '--stage',
      'staging',
      '--reason',
      'x',
      '--dry-run'
    )
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain(`whose names origin now holds for other events: ${name}`)

    await gitOk(clone.git, ['tag', '-d', name])
    const after = await cli('status', 'demo', '--format', 'md')
    expect(after.stdout).not.toContain('local only')
    expect(after.stdout).not.toContain('can never be pushed')
    expect(await tagNames(clone.git)).toContain(name) // origin's, fetched back
  })

  it('a push the remote refuses is one line naming it, exit 2, and nothing is written', async () => {
    const hook = path.join(sandbox.origin, 'hooks', 'pre-receive')
    await writeFile(hook, '#!/bin/sh\necho "policy says no"\necho "second line"\nexit 1\n')
    await chmod(hook, 0o755)
    try {
      const before = await originTags(sandbox)
      const localBefore = await tagNames(clone.git)
      const refused = await cli(
        'promote',
        'demo',
        '--to',
        'dev',
        '--version',
        'v2.0.0',
        '--force',
        '--reason',
        'hotfix'
      )
      expect(refused.exitCode).toBe(2)
      expect(refused.stderr).not.toContain('unexpected error')
      expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(refused.stderr).toMatch(
        new RegExp(
          `^modelgate: Could not push demo#dev#\\d+ to origin \\(${sandbox.origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): .*Nothing was written`
        )
      )
      expect(await originTags(sandbox)).toEqual(before)
      expect(await tagNames(clone.git)).toEqual(localBefore)
    } finally {
      await rm(hook, { force: true })
    }
  })

  it('an unreachable remote is one line naming it, without the credentials in its URL', async () => {
    const other = await sandbox.clone('unreachable')
    await gitOk(other.git, [
      'remote',
      'set-url',
      'origin',
      'https://someone:s3cret-token@127.0.0.1:9/registry.git'
    ])
    const run = await bundledCli(other.dir, ['status', 'demo'])
    expect(run.exitCode).toBe(2)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain(
      "Could not fetch the registry's tags from origin (https://127.0.0.1:9/registry.git):"
    )
    expect(run.stderr).not.toContain('s3cret')
    expect(run.stderr).not.toContain('unexpected error')
  })

  it('without an origin the clone is the registry: writes say so and status flags nothing', async () => {
    const alone = await sandbox.standalone('alone')
    await writePolicy(alone, demoPolicy({ staging: true }))
    await commitModel(alone, { accuracy: 0.9 }, { push: false })
    const run = (...args: string[]) => bundledCli(alone.dir, args)
    const registered = await run('register', 'demo', '--version', 'v1.0.0')
    expect(registered.stdout).toContain(
      'Wrote tag `demo@v1.0.0` in this clone: it has no origin, so its tags are the registry.'
    )
    expect(
      (await run('promote', 'demo', '--to', 'dev', '--version', 'v1.0.0', '--no-push')).exitCode
    ).toBe(0)
    expect((await run('promote', 'demo', '--to', 'staging', '--version', 'v1.0.0')).exitCode).toBe(
      0
    )
    const shown = await run('status', 'demo', '--format', 'md')
    expect(shown.stdout).not.toContain('local only')
    expect(shown.stdout).toMatch(/\| demo \| staging \| v1\.0\.0 \|/)
  })
})

describe('--no-push help says what happens to kept tags (issue 12 review, item 4)', () => {
  it.each(['register', 'promote', 'rollback'])(
    '%s --help advises removing, not pushing',
    async command => {
      const help = await bundledCli(process.cwd(), [command, '--help'])
      const text = help.stdout.replace(/\s+/g, ' ')
      expect(text).toContain(
        'further writes to the model are refused until they are removed (git tag -d)'
      )
      expect(text).toContain('to publish, remove them and run the command again without --no-push')
      expect(text).not.toContain('until they are pushed')
    }
  )
})
