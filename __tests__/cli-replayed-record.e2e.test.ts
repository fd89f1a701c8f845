// A hand-made GTO tag whose message replays another tag's audit record (issue 12 review, item 1):
// the record names another stage, so it is not this event's record. Through the bundled CLI in
// clones of a bare origin: history and status mark the event as having no ModelGate record, and
// a replayed rollback record cannot make a new rollback pass for a re-run.
import { gitOk } from '../src/registry/git/runner.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'

/** The message of `tag` with its facts moved to `stage`: what a person copying it would write. */
async function replayedMessage(clone: Clone, tag: string, from: string, to: string) {
  const object = await gitOk(clone.git, ['cat-file', '-p', tag])
  const message = object.slice(object.indexOf('\n\n') + 2)
  return message
    .replace(`"stage": "${from}"`, `"stage": "${to}"`)
    .replace(` to ${from}`, ` to ${to}`)
}

/** Tags `name` on `target` with `message` and pushes it, a second after the registry's last event. */
async function handTag(clone: Clone, name: string, target: string, message: string) {
  await new Promise(resolve => setTimeout(resolve, 1100))
  await gitOk(clone.git, ['tag', '-a', name, '-m', message, `${target}^{}`])
  await gitOk(clone.git, ['push', '--quiet', 'origin', name])
}

describe('a replayed audit record is not the event’s record', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy({ staging: true }))
    await commitModel(clone, { accuracy: 0.85 })
    expect((await cli('register', 'demo', '--version', 'v1.0.0')).exitCode).toBe(0)
    await commitModel(clone, { accuracy: 0.9 })
    expect((await cli('register', 'demo', '--version', 'v2.0.0')).exitCode).toBe(0)
    for (const [stage, version] of [
      ['dev', 'v1.0.0'],
      ['staging', 'v1.0.0'],
      ['dev', 'v2.0.0'],
      ['staging', 'v2.0.0']
    ] as const) {
      expect((await cli('promote', 'demo', '--to', stage, '--version', version)).exitCode).toBe(0)
    }
  })
  afterAll(() => sandbox.cleanup())

  it('history and status mark a promotion record replayed onto another stage', async () => {
    const message = await replayedMessage(clone, 'demo#dev#1', 'dev', 'staging')
    expect(message).toContain('"to": "dev"')
    await handTag(clone, 'demo#staging#40', 'demo@v1.0.0', message)

    const history = await cli('history', 'demo', '--format', 'md')
    expect(history.exitCode).toBe(0)
    const forged = history.stdout
      .split('\n')
      .filter(line => line.includes('| demo | assignment | v1.0.0 | staging |'))[0]
    expect(forged).toBeDefined()
    expect(forged).not.toContain('promotion: pass')
    expect(forged).toContain('no ModelGate record')
    // The real promotion of v1.0.0 to dev keeps its record.
    expect(history.stdout).toMatch(
      /\| demo \| assignment \| v1\.0\.0 \| dev \| Test User \| promotion: pass \|/
    )

    const status = await cli('status', 'demo', '--format', 'md')
    expect(status.exitCode).toBe(0)
    expect(status.stdout).toContain('| demo | staging | v1.0.0 |')
    expect(status.stdout).toContain(
      'demo staging: the assignment of v1.0.0 (`demo#staging#40`) has no ModelGate record'
    )
    const json = JSON.parse((await cli('history', 'demo', '--json')).stdout) as Array<{
      id: string
      audit?: unknown
    }>
    expect(json.find(event => event.id === 'demo#staging#40')?.audit).toBeUndefined()
  })

  it('a rollback record replayed onto another stage does not make a new rollback a re-run', async () => {
    // A real rollback of staging, by Test User for "bad".
    await new Promise(resolve => setTimeout(resolve, 1100))
    const rolled = await cli('rollback', 'demo', '--stage', 'staging', '--reason', 'bad')
    expect(rolled.exitCode).toBe(0)
    const latest = JSON.parse((await cli('history', 'demo', '--json')).stdout).find(
      (event: { kind: string; stage: string }) =>
        event.kind === 'assignment' && event.stage === 'staging'
    ) as { id: string; version: string }
    expect(rolled.stdout).toContain(`staging is back on **${latest.version}**`)
    // The removal's row names the removed version once: no "Previous" repeating it.
    const removal = (await cli('history', 'demo', '--stage', 'staging', '--format', 'md')).stdout
      .split('\n')
      .find(line => line.includes('| unassignment |'))
    expect(removal).toMatch(/\| rollback: rolled-back \| — \| — \| bad \|$/)

    // Copied onto dev: the same person asking to roll dev back with the same words is a new
    // rollback, not a re-run of the copy.
    await handTag(
      clone,
      'demo#dev#60',
      `demo@${latest.version}`,
      await replayedMessage(clone, latest.id, 'staging', 'dev')
    )
    const rollback = await cli('rollback', 'demo', '--stage', 'dev', '--reason', 'bad')
    expect(rollback.exitCode).toBe(0)
    expect(rollback.stdout).toContain(`dev is back on`)
    const status = JSON.parse((await cli('status', 'demo', '--json')).stdout) as Array<{
      stages: Array<{ stage: string; version: string }>
    }>
    expect(status[0]?.stages.find(holder => holder.stage === 'dev')?.version).not.toBe(
      latest.version
    )
  })
})
