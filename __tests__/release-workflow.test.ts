// Issue 12, item 7: the release workflow. Its YAML is read as GitHub would, and its version check
// is run for real (bash, in a scratch directory with a package.json) on good and bad versions.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { REPO_ROOT } from './helpers/run-action.js'

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  if?: string
  env?: Record<string, string>
  with?: Record<string, unknown>
}
interface Workflow {
  on: {
    push?: { tags?: string[]; branches?: string[] }
    workflow_dispatch?: { inputs?: Record<string, { required?: boolean }> }
  }
  permissions: Record<string, string>
  jobs: Record<
    string,
    {
      env?: Record<string, string>
      needs?: string | string[]
      permissions?: Record<string, string>
      steps: Step[]
    }
  >
}

let workflow: Workflow
let steps: Step[]

beforeAll(async () => {
  const text = await readFile(path.join(REPO_ROOT, '.github/workflows/release.yml'), 'utf8')
  workflow = parse(text) as Workflow
  steps = Object.values(workflow.jobs).flatMap(job => job.steps)
})

/** The index of the first step whose name or run matches. */
function stepIndex(pattern: RegExp): number {
  const index = steps.findIndex(step => pattern.test(`${step.name ?? ''}\n${step.run ?? ''}`))
  if (index < 0) throw new Error(`no step matches ${pattern}`)
  return index
}

/** A tag filter of GitHub's glob kind, as a RegExp: `[0-9]` a class, `+` one or more of it. */
function tagFilter(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/\./g, '\\.')}$`)
}

describe('the release workflow', () => {
  it.each(['release.yml', 'ci.yml'])(
    '%s runs third-party actions only at a full commit SHA (a moved tag would run unreviewed code)',
    async file => {
      const text = await readFile(path.join(REPO_ROOT, '.github/workflows', file), 'utf8')
      const uses = Object.values((parse(text) as Workflow).jobs)
        .flatMap(job => job.steps)
        .flatMap(step => (step.uses === undefined ? [] : [step.uses]))
      const thirdParty = uses.filter(use => !use.startsWith('./'))
      expect(thirdParty.length).toBeGreaterThan(0)
      expect(thirdParty.filter(use => !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(use))).toEqual([])
    }
  )

  it('runs on a pushed vX.Y.Z tag, or by hand with a required version', () => {
    const [filter] = workflow.on.push?.tags ?? []
    expect(workflow.on.push?.branches).toBeUndefined()
    const matches = (tag: string) => tagFilter(filter as string).test(tag)
    expect(['v1.2.3', 'v0.1.0', 'v10.20.30'].map(matches)).toEqual([true, true, true])
    expect(['v1', 'v1.2', '1.2.3', 'v1.2.3-rc.1'].map(matches)).toEqual([
      false,
      false,
      false,
      false
    ])
    expect(workflow.on.workflow_dispatch?.inputs?.version?.required).toBe(true)
  })

  it('tests with a read-only token, and writes (tags, the release) only after, in another job', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' })
    const { test, release } = workflow.jobs
    expect(test?.permissions).toEqual({ contents: 'read' })
    expect(test?.steps.some(step => /bash \.ci\/run/.test(step.run ?? ''))).toBe(true)
    const checkout = test?.steps.find(step => step.uses?.startsWith('actions/checkout@'))
    expect(checkout?.with?.['persist-credentials']).toBe(false)
    expect(release?.needs).toBe('test')
    expect(release?.permissions).toEqual({ contents: 'write' })
    expect(release?.steps.some(step => /npm (ci|install)|\.ci\/run/.test(step.run ?? ''))).toBe(
      false
    )
  })

  it('releases only a commit on the default branch', () => {
    const check = steps[stepIndex(/default branch/)]?.run ?? ''
    expect(check).toContain('git merge-base --is-ancestor "$GITHUB_SHA"')
  })

  it('moves the major tag only to the highest release of that major (a backport leaves it)', () => {
    const major = steps[stepIndex(/Move the major tag/)]?.run ?? ''
    expect(major).toContain('sort -V')
    expect(major).toMatch(/if \[ "\$highest" = "\$VERSION" \]/)
  })

  it('never splices an expression into a script: inputs reach run steps through env', () => {
    for (const step of steps)
      expect([step.name, step.run ?? '']).not.toContainEqual(expect.stringContaining('${{'))
  })

  it('checks the version, then runs CI, then releases the CLI bundle, then moves the major tag', () => {
    const check = stepIndex(/package\.json says/)
    const ci = stepIndex(/bash \.ci\/run/)
    const release = stepIndex(/gh release create/)
    const major = stepIndex(/Move the major tag/)
    expect([check < ci, ci < release, release < major]).toEqual([true, true, true])
    const create = steps[release]?.run ?? ''
    expect(create).toContain('cp dist/cli/index.js "$assets/modelgate.mjs"')
    expect(create).toMatch(/gh release create "\$VERSION" "\$assets\/modelgate\.mjs"/)
    expect(create).toContain('--verify-tag')
    expect(steps[major]?.run).toMatch(/git push --force origin "refs\/tags\/\$MAJOR"/)
  })

  it('tags the commit itself only when run by hand', () => {
    const tag = steps[stepIndex(/git tag "\$VERSION"/)]
    expect(tag?.if).toBe("github.event_name == 'workflow_dispatch'")
  })
})

describe("the release workflow's version check, run in bash", () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-release-'))
    await writeFile(path.join(scratch, 'package.json'), JSON.stringify({ version: '1.4.2' }))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  async function checkVersion(version: string) {
    const script = steps[stepIndex(/package\.json says/)]?.run as string
    const output = path.join(scratch, 'output')
    await writeFile(output, '')
    const run = await new Promise<{ code: number; stdout: string }>(resolve => {
      execFile(
        'bash',
        ['-e', '-c', script],
        {
          cwd: scratch,
          env: { PATH: process.env.PATH ?? '', VERSION: version, GITHUB_OUTPUT: output }
        },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout })
      )
    })
    return { ...run, output: await readFile(output, 'utf8') }
  }

  it('passes the version package.json names, and gives the major tag', async () => {
    expect(await checkVersion('v1.4.2')).toEqual({ code: 0, stdout: '', output: 'major=v1\n' })
  })

  it.each(['v1.4.3', 'v2.4.2'])('refuses %s, which package.json does not say', async version => {
    const run = await checkVersion(version)
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('::error::package.json says 1.4.2')
    expect(run.output).toBe('')
  })

  it.each(['1.4.2', 'v1.4', 'v01.4.2', 'v1.4.2-rc.1', 'v1.4.2; echo pwned', 'v1.4.2\nv9.9.9'])(
    'refuses %j, which is not vX.Y.Z',
    async version => {
      const run = await checkVersion(version)
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('::error::The version must be vX.Y.Z')
      expect(run.stdout).not.toContain('pwned')
      expect(run.output).toBe('')
    }
  )
})
