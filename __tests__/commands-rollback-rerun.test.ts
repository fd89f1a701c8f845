// A rollback without a named version is idempotent (issue 10, item 5): a re-run after a crash,
// a cancel or a lost answer writes nothing once its holder is out, on git and on MLflow.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cliInProcess as cli } from './helpers/cli-in-process.js'
import { rollback } from '../src/commands/rollback.js'
import { auditCollector } from '../src/audit/log.js'
import type { RegistryContext } from '../src/commands/registry-context.js'
import { loadPolicy } from '../src/policy/load.js'
import { openRegistry } from '../src/registry/open.js'
import { gitOk } from '../src/registry/git/runner.js'
import { makeSandbox, tagNames, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, writePolicy } from './helpers/model-checkout.js'
import { seedModel } from './helpers/mlflow-fixtures.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import { rendered } from '../src/report/command.js'

const RUN_URL = 'https://github.com/acme/models/actions/runs/4242'

/** The action's view of a run: the same GITHUB_RUN_ID on every attempt, a clock we choose. */
async function actionContext(
  repo: string,
  policyFile: string,
  now: Date,
  runUrl = RUN_URL
): Promise<RegistryContext> {
  const policy = await loadPolicy(policyFile)
  const opened = await openRegistry(repo, policy, { env: {} })
  return {
    registry: opened.registry,
    models: opened.models,
    actor: 'mona',
    now: () => now,
    runFacts: { event: 'workflow_dispatch', runUrl },
    audits: auditCollector()
  }
}

describe('a rollback re-run on the git registry', () => {
  let sandbox: Sandbox
  let clone: Clone
  const git = (...args: string[]) => cli(...args, '--repo', clone.dir)
  const holder = async (stage: string) => {
    const shown = JSON.parse((await git('status', 'demo', '--json')).stdout) as Array<{
      stages: Array<{ stage: string; version: string }>
    }>
    return shown[0]?.stages.find(s => s.stage === stage)?.version
  }

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(
      clone,
      'model: demo\npath: models/demo\nstages:\n  dev:\n    from: [candidate]\n'
    )
    for (const version of ['v1.0.0', 'v2.0.0', 'v3.0.0', 'v4.0.0']) {
      await commitModel(clone, `{"n": "${version}"}`, { message: version })
      expect((await git('register', 'demo', '--version', version)).exitCode).toBe(0)
      const promoted = await git('promote', 'demo', '--to', 'dev', '--version', version)
      expect(promoted.stderr).toBe('')
    }
    expect(await holder('dev')).toBe('v4.0.0')
  })
  afterAll(() => sandbox.cleanup())

  it('a CLI re-run with the same reason writes nothing and says so; --from names the holder to remove', async () => {
    const first = await git('rollback', 'demo', '--stage', 'dev', '--reason', 'v4 drifts')
    expect(first.stdout).toContain('back on **v3.0.0** (was v4.0.0)')
    const tags = await tagNames(clone.git)

    const again = await git('rollback', 'demo', '--stage', 'dev', '--reason', 'v4 drifts')
    expect(again.stderr).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toMatch(/already rolled back.*v4\.0\.0/)
    expect(again.stdout).toMatch(/ at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(/)
    expect(again.stdout).toContain('Nothing written')
    expect(again.stdout).toContain('--from v3.0.0')
    expect(await tagNames(clone.git)).toEqual(tags)
    expect(await holder('dev')).toBe('v3.0.0')

    const stale = await git(
      'rollback',
      'demo',
      '--stage',
      'dev',
      '--reason',
      'other',
      '--from',
      'v4.0.0'
    )
    expect(stale.exitCode).toBe(0)
    expect(stale.stdout).toMatch(/dev is held by v3\.0\.0, not v4\.0\.0.*Nothing written/s)
    expect(await tagNames(clone.git)).toEqual(tags)

    const further = await git(
      'rollback',
      'demo',
      '--stage',
      'dev',
      '--reason',
      'v4 drifts',
      '--from',
      'v3.0.0'
    )
    expect(further.exitCode).toBe(0)
    expect(further.stdout).toContain('back on **v2.0.0** (was v3.0.0)')
    expect(await holder('dev')).toBe('v2.0.0')
  })

  it('an action re-run (same run id) writes nothing however late', async () => {
    const policy = path.join(clone.dir, 'policies/demo.yml')
    const first = await rollback(await actionContext(clone.dir, policy, new Date()), {
      model: 'demo',
      stage: 'dev',
      reason: 'incident 7'
    })
    expect(first.written).toBe(true)
    expect(first.restored).toBe('v1.0.0')
    const tags = await tagNames(clone.git)
    const later = new Date(Date.now() + 24 * 3600 * 1000)
    const rerun = rendered(
      await rollback(await actionContext(clone.dir, policy, later), {
        model: 'demo',
        stage: 'dev',
        reason: 'incident 7'
      })
    )
    expect(rerun.written).toBe(false)
    expect(rerun.markdown).toMatch(/already rolled back/)
    // The run named, as text (registry text is escaped: no live link).
    expect(rerun.markdown).toContain(RUN_URL.split('//')[1])
    expect(await tagNames(clone.git)).toEqual(tags)
    expect(await holder('dev')).toBe('v1.0.0')
  })

  it('in the action, a new run with the same person and reason is a new request, not a re-run', async () => {
    // dev holds v1.0.0 now, with no earlier holder: a new request goes one step further back and
    // so is refused for want of a version, where a re-run would have said "already rolled back".
    const policy = path.join(clone.dir, 'policies/demo.yml')
    const context = await actionContext(clone.dir, policy, new Date(), `${RUN_URL}9`)
    await expect(
      rollback(context, { model: 'demo', stage: 'dev', reason: 'incident 7' })
    ).rejects.toThrow(/No earlier version of demo held dev/)
  })
})

describe('a rollback to a named version, re-run', () => {
  it('writes nothing and exits 0 once the stage holds that version', async () => {
    const sandbox = await makeSandbox()
    try {
      const clone = await sandbox.clone('work')
      const run = (...args: string[]) => cli(...args, '--repo', clone.dir)
      for (const version of ['v1.0.0', 'v2.0.0']) {
        await gitOk(clone.git, ['commit', '--quiet', '--allow-empty', '-m', version])
        expect((await run('register', 'm', '--version', version)).exitCode).toBe(0)
      }
      // Assigned by hand through the registry's own write (no model files needed).
      const assign = async (version: string) => {
        const { registry } = await openRegistry(clone.dir)
        await registry.assign('m', version, 'dev', { actor: 'tester' })
      }
      await assign('v1.0.0')
      await assign('v2.0.0')
      const args = ['rollback', 'm', '--stage', 'dev', '--restore', 'v1.0.0', '--reason', 'bad v2']
      const first = await run(...args)
      expect(first.stdout).toContain('back on **v1.0.0** (was v2.0.0)')
      const tags = await tagNames(clone.git)
      const again = await run(...args)
      expect(again.stderr).toBe('')
      expect(again.exitCode).toBe(0)
      expect(again.stdout).toContain('dev already holds v1.0.0')
      expect(await tagNames(clone.git)).toEqual(tags)
    } finally {
      await sandbox.cleanup()
    }
  })
})

describe('a rollback re-run on an MLflow registry', () => {
  let stand: MlflowStandIn
  let scratch: string
  let policy: string
  let model: string
  const holder = () => stand.snapshot(model).aliases.production
  beforeAll(async () => {
    stand = await startMlflowStandIn()
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-rerun-'))
    model = seedModel(stand, 4)
    policy = path.join(scratch, 'policy.yml')
    await writeFile(
      policy,
      `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nstages:\n  production:\n    from: [candidate]\n`
    )
    for (const version of ['1', '2', '3', '4']) {
      const run = await cli(
        'promote',
        model,
        '--to',
        'production',
        '--version',
        version,
        '--policy',
        policy
      )
      expect(run.stdout).toContain(`Promoted ${version}`)
    }
  })
  afterAll(async () => {
    await stand.close()
    await rm(scratch, { recursive: true, force: true })
  })

  it('a CLI re-run with the same reason writes nothing; --from a holder that left writes nothing', async () => {
    const args = ['rollback', model, '--stage', 'production', '--policy', policy]
    const first = await cli(...args, '--reason', 'drift')
    expect(first.stdout).toContain('production is back on **3** (was 4)')
    const again = await cli(...args, '--reason', 'drift')
    expect(again.stderr).toBe('')
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toMatch(/already rolled back.*4/)
    expect(holder()).toBe('3')
    const stale = await cli(...args, '--reason', 'other', '--from', '4')
    expect(stale.stdout).toMatch(/production is held by 3, not 4/)
    expect(holder()).toBe('3')
  })

  it('an action re-run (same run id) writes nothing however late', async () => {
    const first = await rollback(await actionContext('.', policy, new Date()), {
      model,
      stage: 'production',
      reason: 'incident 8'
    })
    expect(first.written).toBe(true)
    expect(holder()).toBe('2')
    const later = new Date(Date.now() + 24 * 3600 * 1000)
    const rerun = rendered(
      await rollback(await actionContext('.', policy, later), {
        model,
        stage: 'production',
        reason: 'incident 8'
      })
    )
    expect(rerun.written).toBe(false)
    expect(rerun.markdown).toMatch(/already rolled back/)
    expect(holder()).toBe('2')
  })
})

describe('a terminal rollback after a new promotion', () => {
  it('is a new request even with the same words: the new holder is taken out', async () => {
    const sandbox = await makeSandbox()
    try {
      const clone = await sandbox.clone('work')
      const git = (...args: string[]) => cli(...args, '--repo', clone.dir)
      const policy = 'model: fraud\npath: models/fraud\nstages:\n  prod:\n    from: [candidate]\n'
      await writePolicy(clone, policy, 'fraud')
      for (const version of ['v1.0.0', 'v2.0.0', 'v3.0.0']) {
        const metrics = `{"n": "${version}"}`
        await commitModel(clone, metrics, { model: 'fraud', message: version })
        expect((await git('register', 'fraud', '--version', version)).exitCode).toBe(0)
      }
      for (const version of ['v1.0.0', 'v2.0.0']) {
        expect(
          (await git('promote', 'fraud', '--to', 'prod', '--version', version)).exitCode
        ).toBeLessThanOrEqual(1)
      }
      const first = await git('rollback', 'fraud', '--stage', 'prod', '--reason', 'bad model')
      expect(first.stdout).toContain('back on **v1.0.0** (was v2.0.0)')
      expect(
        (await git('promote', 'fraud', '--to', 'prod', '--version', 'v3.0.0')).exitCode
      ).toBeLessThanOrEqual(1)

      const second = await git('rollback', 'fraud', '--stage', 'prod', '--reason', 'bad model')
      expect(second.stderr).toBe('')
      expect(second.exitCode).toBe(0)
      expect(second.stdout).not.toMatch(/already rolled back/)
      expect(second.stdout).toContain('back on **v1.0.0** (was v3.0.0)')

      // A --from that names no registered version is a typo, not "already out": exit 3.
      const tags = await tagNames(clone.git)
      const typo = await git(
        'rollback',
        'fraud',
        '--stage',
        'prod',
        '--reason',
        'r',
        '--from',
        'v9.9.9'
      )
      expect(typo.exitCode).toBe(3)
      expect(typo.stderr).toContain('v9.9.9 is not registered')
      expect(await tagNames(clone.git)).toEqual(tags)

      // A registered version that never held the stage is not "already out" of it either: exit 2.
      await commitModel(clone, '{"n": "v4.0.0"}', { model: 'fraud', message: 'v4.0.0' })
      expect((await git('register', 'fraud', '--version', 'v4.0.0')).exitCode).toBe(0)
      const never = await git(
        'rollback',
        'fraud',
        '--stage',
        'prod',
        '--reason',
        'r',
        '--from',
        'v4.0.0'
      )
      expect(never.exitCode).toBe(2)
      expect(never.stderr).toContain('v4.0.0 never held prod')
      const shown = JSON.parse((await git('status', 'fraud', '--json')).stdout) as Array<{
        stages: Array<{ stage: string; version: string }>
      }>
      expect(shown[0]?.stages.find(s => s.stage === 'prod')?.version).toBe('v1.0.0')
    } finally {
      await sandbox.cleanup()
    }
  })
})
