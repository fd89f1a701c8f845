// The model-file scan (issue 16) through the bundled CLI (dist/cli/index.js) on real git: a
// registered version whose pickle imports os.system by STACK_GLOBAL through the memo is blocked,
// the finding named (file, byte offset, module.name, why); a clean numpy pickle passes; `check`
// blocks a malicious PyTorch zip even on a stage that configures no scan.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { NUMPY_ARRAY_P2, op, pickle } from './helpers/pickle-bytes.js'
import { makeZip } from './helpers/zip.js'

const POLICY = `model: demo
path: models/demo
stages:
  dev:
    from: [candidate]
    model_scan:
      allow: [xgboost.core.Booster]
  prod:
    from: [dev]
`

/** `os.system('id')` with 'os' memoised, a decoy on top, and fetched back for STACK_GLOBAL. */
const MEMO_TRICK = pickle(
  op.proto(4),
  op.shortBinunicode('os'),
  op.memoize,
  op.pop,
  op.shortBinunicode('numpy'),
  op.memoize,
  op.pop,
  op.binget(0),
  op.shortBinunicode('system'),
  op.stackGlobal,
  op.shortBinunicode('id'),
  op.tuple1,
  op.reduce,
  op.stop
)

describe('the model-file scan (bundled CLI)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const model = () => path.join(clone.dir, 'models/demo')

  const commitModel = async (files: Record<string, Buffer | string>, message: string) => {
    await rm(model(), { recursive: true, force: true })
    await mkdir(model(), { recursive: true })
    await writeFile(path.join(model(), 'metrics.json'), '{"accuracy": 0.9}')
    for (const [name, content] of Object.entries(files)) {
      await writeFile(path.join(model(), name), content)
    }
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', message])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
  }

  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await mkdir(path.join(clone.dir, 'policies'))
    await writeFile(path.join(clone.dir, 'policies/demo.yml'), POLICY)
    await commitModel({ 'model.pkl': MEMO_TRICK }, 'a model that runs a command when loaded')
    expect(
      (await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.0.0'])).exitCode
    ).toBe(0)
    await commitModel({ 'model.pkl': NUMPY_ARRAY_P2 }, 'a plain numpy model')
    expect(
      (await bundledCli(clone.dir, ['register', 'demo', '--version', 'v2.0.0'])).exitCode
    ).toBe(0)
  })
  afterAll(() => sandbox.cleanup())

  it('blocks the promotion of a pickle importing os.system, naming file, offset and why', async () => {
    const run = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v1.0.0'
    ])
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('## ❌ Blocked: demo → dev')
    expect(run.stdout).toContain('**Model-file scan** fail: 1 dangerous import in the model files')
    expect(run.stdout).toContain(
      'model.pkl at byte 27: os.system, dangerous (runs commands or touches the system)'
    )
    const tags = await gitOk(clone.git, ['tag', '--list', 'demo#dev#*'])
    expect(tags.trim()).toBe('')
  })

  it('promotes a clean numpy pickle', async () => {
    const run = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v2.0.0'
    ])
    expect(run.stdout).toContain(
      '**Model-file scan** pass: 1 pickle stream in 2 files, 4 imports, all allowed'
    )
    expect(run.exitCode).toBe(0)
  })

  it('check blocks a malicious PyTorch zip on a stage without model_scan, with the JSON findings', async () => {
    const dir = path.join(clone.dir, 'incoming')
    await mkdir(dir)
    await writeFile(path.join(dir, 'metrics.json'), '{"accuracy": 0.9}')
    const dataPkl = pickle(
      op.proto(2),
      op.global('builtins', 'exec'),
      op.pop,
      op.emptyDict,
      op.stop
    )
    await writeFile(
      path.join(dir, 'model.pt'),
      makeZip([
        { name: 'archive/data.pkl', data: dataPkl },
        { name: 'archive/version', data: '3\n' }
      ])
    )
    const run = await bundledCli(clone.dir, [
      'check',
      '--candidate',
      'incoming',
      '--policy',
      'policies/demo.yml',
      '--stage',
      'prod',
      '--json'
    ])
    expect(run.exitCode).toBe(2)
    const report = JSON.parse(run.stdout) as {
      decision: string
      gates: Array<{ gate: string; status: string; findings?: unknown[] }>
    }
    expect(report.decision).toBe('blocked')
    expect(report.gates.find(g => g.gate === 'model_scan')).toMatchObject({
      status: 'fail',
      findings: [
        {
          location: 'model.pt › archive/data.pkl',
          offset: 2,
          global: 'builtins.exec',
          verdict: 'dangerous',
          why: 'runs code it is given'
        }
      ]
    })
  })
})
