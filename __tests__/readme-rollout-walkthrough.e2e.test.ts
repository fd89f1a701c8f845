// Issue 15's "Done when": docs/rollout.md's walkthrough (linked from the README), run as a reader
// would paste it: every ```sh block between the markers, one bash script from the root of this
// checkout, in a fresh temporary directory, with no git identity or config of the machine's. A
// version goes shadow → canary 5 → 10 → 25 → 50 → production (the approval: blocked on a
// terminal, exit 2; the pull-request flow is action-rollout.e2e.test.ts), every step recorded; a
// second is aborted by the monitor on its own (one segment breaching, exit 5).
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { bundledCli } from './helpers/cli-bundle.js'
import { checkedGtoReaders } from './helpers/git-gto-reference.js'
import { hermeticGit } from './helpers/git-sandbox.js'
import { REPO_ROOT } from './helpers/run-action.js'

const START = '<!-- rollout-walkthrough:start -->'
const END = '<!-- rollout-walkthrough:end -->'

/** The shell commands of the walkthrough: every ```sh block between the markers. */
async function walkthroughScript(): Promise<string> {
  const page = await readFile(path.join(REPO_ROOT, 'docs/rollout.md'), 'utf8')
  const start = page.indexOf(START)
  const end = page.indexOf(END)
  if (start < 0 || end < start) throw new Error(`docs/rollout.md has no ${START} … ${END} section`)
  const blocks = [...page.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)]
  return blocks.map(match => match[1]).join('\n')
}

function bash(script: string, env: Record<string, string>) {
  return new Promise<{ exitCode: number; stdout: string; stderr: string }>(resolve => {
    // -e: a step that fails (other than the ones the walkthrough shows failing) fails the test.
    execFile(
      'bash',
      ['-e', '-o', 'pipefail', '-c', script],
      { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        const exitCode = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode, stdout, stderr })
      }
    )
  })
}

type Step = { kind: string; version: string; percent: number; by: string; reason?: string }

describe("docs/rollout.md's walkthrough on a terminal", () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-rollout-walkthrough-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('takes v1.1.0 from shadow to full with recorded steps; the monitor aborts v1.2.0', async () => {
    const run = await bash(await walkthroughScript(), {
      PATH: process.env.PATH ?? '',
      HOME: scratch,
      // mktemp -d makes the reader's scratch directory here, where the test can find it.
      TMPDIR: scratch,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C'
    })
    if (run.exitCode !== 0) throw new Error(`exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`)
    const out = run.stdout
    // The shadow: agreement with production's answers is fine, so it is ready.
    expect(out).toContain(
      '**v1.1.0 is ready for canary, a rollout stage: start it there (judged by its gates) with modelgate rollout churn-model --stage canary --start --version v1.1.0. Nothing written.**'
    )
    // Each monitor run past the step time advances the canary, then reports it ready.
    for (const [from, to] of [
      [5, 10],
      [10, 25],
      [25, 50]
    ]) {
      expect(out).toContain(`**Advanced v1.1.0 from ${from}% to ${to}%.**`)
    }
    expect(out).toContain('**v1.1.0 is ready for promotion to production')
    // The approval: blocked on a terminal (exit 2, once), then forced with a reason (exit 1).
    expect(out).toContain('❌ **Approvals** fail')
    expect(out.match(/^exit 2$/gm)).toHaveLength(1)
    expect(out.match(/^exit 1$/gm)).toHaveLength(2)
    expect(out).toContain('**Completed the rollout of v1.1.0: it holds production, full traffic.**')
    // The second rollout: the eu segment breaches, the monitor aborts at 0% and exits 5.
    expect(out).toMatch(/breach: .* in 1 of 2 series \(segment="eu"\)/)
    expect(out).toContain(
      '**Aborted the rollout of v1.2.0 at 5%: traffic 0%, v1.2.0 taken out of canary.**'
    )
    expect(out.match(/^exit 5$/gm)).toHaveLength(1)

    // What the walkthrough left, read from the registry alone.
    const [made] = (await readdir(scratch)).filter(name => name.startsWith('tmp.'))
    const repo = path.join(scratch, made as string, 'churn')
    const rollout = await bundledCli(repo, [
      'rollout',
      'churn-model',
      '--stage',
      'canary',
      '--json'
    ])
    expect(rollout.exitCode).toBe(0)
    const { steps } = JSON.parse(rollout.stdout) as { steps: Step[] }
    expect(steps.map(s => `${s.kind} ${s.version} ${s.percent}`)).toEqual([
      'start v1.1.0 5',
      'advance v1.1.0 10',
      'advance v1.1.0 25',
      'advance v1.1.0 50',
      'complete v1.1.0 100',
      'start v1.2.0 5',
      'abort v1.2.0 0'
    ])
    expect(new Set(steps.map(s => s.by))).toEqual(new Set(['Ada Lovelace']))
    expect(steps.at(-1)?.reason).toMatch(/breached in canary: .*segment "eu"/)
    const status = await bundledCli(repo, ['status', 'churn-model', '--json'])
    const [model] = JSON.parse(status.stdout) as Array<{
      stages: Array<{ stage: string; version: string }>
    }>
    expect(Object.fromEntries(model!.stages.map(s => [s.stage, s.version]))).toEqual({
      // The shadow of the aborted version was ended by hand, as the walkthrough says.
      staging: 'v1.2.0',
      production: 'v1.1.0'
    })
    const history = await bundledCli(repo, ['history', 'churn-model', '--json'])
    const events = JSON.parse(history.stdout) as Array<{
      kind: string
      version: string
      stage?: string
    }>
    expect(events.filter(e => e.stage === 'production').map(e => `${e.kind} ${e.version}`)).toEqual(
      ['assignment v1.1.0', 'assignment v1.0.0']
    )

    // origin holds the registry; GTO's readers agree with it.
    const origin = hermeticGit(path.join(scratch, made as string, 'origin.git'))
    expect(await checkedGtoReaders(origin, 'churn-model')).toEqual({
      show: { staging: 'v1.2.0', production: 'v1.1.0' },
      semver: { staging: 'v1.2.0', production: 'v1.1.0' }
    })
  }, 300_000)
})
