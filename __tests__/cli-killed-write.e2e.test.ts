// A git write killed mid-push (issue 10, item 4), through the bundled CLI on real git: a bare
// origin whose pre-receive hook stalls, the CLI killed with SIGKILL while it pushes, then a
// re-run. What a decision reads must be origin's tags, never a local tag that never got there.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { bundledCli, hermeticCliEnv } from './helpers/cli-bundle.js'
import { makeSandbox, tagNames, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, demoPolicy, originTags, writePolicy } from './helpers/model-checkout.js'
import { CLI_ENTRY } from './helpers/run-action.js'

/** The holder of `stage` as origin sees it: the status of a fresh clone. */
async function originHolder(sandbox: Sandbox, stage: string): Promise<string | undefined> {
  const fresh = await sandbox.clone(`fresh-${Date.now()}-${Math.random().toString(36).slice(2)}`)
  const run = await bundledCli(fresh.dir, ['status', 'demo', '--json'])
  const status = JSON.parse(run.stdout) as Array<{
    stages: Array<{ stage: string; version: string }>
  }>
  return status[0]?.stages.find(s => s.stage === stage)?.version
}

/** Runs the CLI in its own process group and SIGKILLs the group once origin's hook has started. */
async function killDuringPush(cwd: string, marker: string, args: string[]): Promise<void> {
  await rm(marker, { force: true })
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd,
    detached: true,
    stdio: 'ignore',
    env: hermeticCliEnv()
  })
  const exited = new Promise<void>(resolve => child.on('exit', () => resolve()))
  for (let i = 0; i < 600 && !existsSync(marker); i++) {
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  expect(existsSync(marker)).toBe(true)
  process.kill(-(child.pid as number), 'SIGKILL')
  await exited
}

describe('a git write killed during its push (bundled CLI)', () => {
  let sandbox: Sandbox
  let clone: Clone
  let hook: string
  let marker: string
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    hook = path.join(sandbox.origin, 'hooks', 'pre-receive')
    marker = path.join(sandbox.root, 'push-started')
    await writePolicy(clone, demoPolicy())
    await commitModel(clone, { accuracy: 0.85 })
    expect(
      (await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.0.0'])).exitCode
    ).toBe(0)
    await commitModel(clone, { accuracy: 0.9 })
    expect(
      (await bundledCli(clone.dir, ['register', 'demo', '--version', 'v2.0.0'])).exitCode
    ).toBe(0)
    const first = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v1.0.0'
    ])
    expect(first.exitCode).toBe(0)
  })
  afterAll(() => sandbox.cleanup())

  const stallPushes = async () => {
    await writeFile(hook, `#!/bin/sh\ntouch '${marker}'\nsleep 30\nexit 1\n`)
    await chmod(hook, 0o755)
  }
  const allowPushes = () => rm(hook, { force: true })

  it('a re-run of a killed promotion writes it, instead of believing the local tag', async () => {
    const before = await originTags(sandbox)
    await stallPushes()
    await killDuringPush(clone.dir, marker, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v2.0.0'
    ])
    await allowPushes()
    expect(await originTags(sandbox)).toEqual(before)
    // The killed run left its tag in the clone only.
    expect((await tagNames(clone.git)).length).toBeGreaterThan(before.length)

    const again = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v2.0.0'
    ])
    expect(again.stdout).not.toContain('already holds')
    expect(again.stdout).toContain('Promoted v2.0.0 to dev')
    expect(again.exitCode).toBe(0)
    expect(await originHolder(sandbox, 'dev')).toBe('v2.0.0')
    expect(await tagNames(clone.git)).toEqual(await originTags(sandbox))
  })

  it('a re-run of a killed rollback removes the version origin holds, and it cannot return unforced', async () => {
    const before = await originTags(sandbox)
    await stallPushes()
    await killDuringPush(clone.dir, marker, [
      'rollback',
      'demo',
      '--stage',
      'dev',
      '--reason',
      'v2 misbehaves'
    ])
    await allowPushes()
    expect(await originTags(sandbox)).toEqual(before)
    expect(await originHolder(sandbox, 'dev')).toBe('v2.0.0')

    const again = await bundledCli(clone.dir, [
      'rollback',
      'demo',
      '--stage',
      'dev',
      '--reason',
      'v2 misbehaves'
    ])
    expect(again.stderr).toBe('')
    expect(again.stdout).toContain('back on **v1.0.0** (was v2.0.0)')
    expect(again.exitCode).toBe(0)
    expect(await originHolder(sandbox, 'dev')).toBe('v1.0.0')

    const back = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v2.0.0'
    ])
    expect(back.exitCode).toBe(2)
    expect(await originHolder(sandbox, 'dev')).toBe('v1.0.0')
  })

  it('a repository without origin keeps its registry in local tags', async () => {
    const local = await sandbox.standalone('local')
    await writePolicy(local, demoPolicy())
    await commitModel(local, { accuracy: 0.85 }, { push: false })
    expect(
      (await bundledCli(local.dir, ['register', 'demo', '--version', 'v1.0.0'])).exitCode
    ).toBe(0)
    const run = await bundledCli(local.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v1.0.0'
    ])
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('Promoted v1.0.0 to dev')
    expect(await tagNames(local.git)).toEqual(['demo#dev#1', 'demo@v1.0.0'])
  })
})
