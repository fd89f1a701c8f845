// Issue 12, item 4: the README's "Try it on your machine" commands, run as a reader would paste
// them: one bash script, from the root of this checkout (a clone has the CLI bundle committed),
// in a fresh temporary directory, with no git identity or config of the machine's. A promotion
// to a stage without approvals, a blocked one, a rollback, status and history, without --force.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadPolicy } from '../src/policy/load.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { REPO_ROOT } from './helpers/run-action.js'

const START = '<!-- walkthrough:start -->'
const END = '<!-- walkthrough:end -->'

/** The shell commands of the README's walkthrough: every ```sh block between the markers. */
async function walkthroughScript(): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(START)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`)
  const blocks = [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)]
  return blocks.map(match => match[1]).join('\n')
}

function bash(script: string, env: Record<string, string>) {
  return new Promise<{ exitCode: number; stdout: string; stderr: string }>(resolve => {
    // -e: a step that fails (other than the ones the README shows failing) fails the test.
    execFile(
      'bash',
      ['-e', '-o', 'pipefail', '-c', script],
      { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const exitCode = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode, stdout, stderr })
      }
    )
  })
}

describe("the README's walkthrough on a terminal", () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-walkthrough-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('registers, promotes, is blocked, rolls back, and shows status and history', async () => {
    const script = await walkthroughScript()
    expect(script).not.toContain('--force')
    const run = await bash(script, {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      // mktemp -d makes the reader's scratch directory here, where the test can find it.
      TMPDIR: scratch,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C'
    })
    if (run.exitCode !== 0) throw new Error(`exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`)
    // The two blocked promotions the README shows, each with the exit code it names.
    expect(run.stdout).toContain('## ❌ Blocked: churn-model → staging')
    expect(run.stdout).toMatch(/roc_auc is 0\.688, below the minimum 0\.7/)
    expect(run.stdout).toContain('## ❌ Blocked: churn-model → production')
    expect(run.stdout).toMatch(/\*\*Approvals\*\* fail: no pull-request reviews/)
    expect(run.stdout.match(/^exit 2$/gm)).toHaveLength(2)
    expect(run.stdout).toContain('staging is back on **v1.0.0** (was v1.1.0)')

    // What the walkthrough left: origin holds the registry, staging is v1.0.0 again.
    const [made] = (await readdir(scratch)).filter(name => name.startsWith('tmp.'))
    const repo = path.join(scratch, made as string, 'churn')
    const status = await bundledCli(repo, ['status', 'churn-model', '--json'])
    expect(status.exitCode).toBe(0)
    const [model] = JSON.parse(status.stdout) as Array<{
      stages: Array<{ stage: string; version: string; assignedBy: string }>
    }>
    // The actor of a local run is whatever git's user.name says: the README sets it.
    expect(model?.stages).toEqual([
      expect.objectContaining({ stage: 'staging', version: 'v1.0.0', assignedBy: 'Ada Lovelace' })
    ])
    const history = await bundledCli(repo, ['history', 'churn-model', '--json'])
    const events = JSON.parse(history.stdout) as Array<{ kind: string; version: string }>
    // 3 registrations, 2 promotions, the rollback's removal and re-assignment; nothing forced.
    expect(events.map(event => `${event.kind} ${event.version}`)).toEqual([
      'assignment v1.0.0',
      'unassignment v1.1.0',
      'assignment v1.1.0',
      'assignment v1.0.0',
      'registration v1.2.0',
      'registration v1.1.0',
      'registration v1.0.0'
    ])
    expect(history.stdout).not.toMatch(/forced/i)
    // The registry is origin's: every tag reached the bare repository.
    const tags = await gitTags(path.join(scratch, made as string, 'origin.git'))
    expect(tags).toEqual(
      expect.arrayContaining([
        'churn-model@v1.2.0',
        'churn-model#staging#4',
        'churn-model#staging!#3'
      ])
    )
  })
})

describe('the policies the README points at', () => {
  // Without `path:` (and no dvc.yaml) promote cannot find a version's files: exit 3.
  it.each([
    ['clinical-classifier', 'models/clinical-classifier'],
    ['churn-model', 'models/churn-model']
  ])('policies/%s.yml says where the model lives: %s', async (model, where) => {
    const policy = await loadPolicy(path.join(REPO_ROOT, 'policies', `${model}.yml`))
    expect(policy.path).toBe(where)
  })
})

function gitTags(bare: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', bare, 'tag', '--list'], (error, stdout) =>
      error ? reject(error) : resolve(stdout.split('\n').filter(Boolean))
    )
  })
}
