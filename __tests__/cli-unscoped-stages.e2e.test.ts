// Issue 12, item 6, without a MODEL, through the bundled CLI in a real clone with a bare origin:
// `history --stage` refuses a stage no policy under policies/ defines (exit 3, naming each
// model's stages) as `history MODEL --stage` does, and plain `status` shows each model with a
// policy as `status MODEL` does: every stage in the policy's order, "-" where nobody holds it.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { bundledCli } from './helpers/cli-bundle.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { commitModel, demoPolicy, writePolicy } from './helpers/model-checkout.js'

/** A model whose policy lists staging before production (alphabetically the other way round). */
function policyOf(model: string, stages: string[]): string {
  return `model: ${model}
path: models/${model}
metrics:
  accuracy: { goal: maximize }
stages:
${stages.map(stage => `  ${stage}:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.5 }\n`).join('')}`
}

/** The markdown table rows of one model, as `| model | stage | version |`. */
function rowsOf(markdown: string, model: string): string[] {
  return markdown
    .split('\n')
    .filter(line => line.startsWith(`| ${model} |`))
    .map(line => line.split('|').slice(1, 4).join('|'))
}

describe('history --stage and status without a MODEL (issue 12, item 6)', () => {
  let sandbox: Sandbox
  let clone: Clone
  const cli = (...args: string[]) => bundledCli(clone.dir, args)
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    await writePolicy(clone, demoPolicy({ staging: true }))
    await writePolicy(clone, policyOf('ranker', ['staging', 'production']), 'ranker')
    // A model with tags but no policy under policies/ (its policy is kept elsewhere).
    await writeFile(path.join(sandbox.root, 'legacy.yml'), policyOf('legacy', ['qa']))
    await commitModel(clone, { accuracy: 0.9 })
    await commitModel(clone, { accuracy: 0.9 }, { model: 'ranker' })
    await commitModel(clone, { accuracy: 0.9 }, { model: 'legacy' })
    const legacyPolicy = ['--policy', path.join(sandbox.root, 'legacy.yml')]
    for (const args of [
      ['register', 'demo', '--version', 'v1.0.0'],
      ['register', 'ranker', '--version', 'v1.0.0'],
      ['register', 'legacy', '--version', 'v1.0.0', ...legacyPolicy],
      ['promote', 'demo', '--to', 'dev', '--version', 'v1.0.0'],
      ['promote', 'ranker', '--to', 'production', '--version', 'v1.0.0'],
      ['promote', 'legacy', '--to', 'qa', '--version', 'v1.0.0', ...legacyPolicy]
    ]) {
      const run = await cli(...args)
      expect({ args, exitCode: run.exitCode, stderr: run.stderr }).toEqual({
        args,
        exitCode: 0,
        stderr: ''
      })
    }
  })
  afterAll(() => sandbox.cleanup())

  it('history --stage on a stage no policy defines names each model’s stages, exit 3', async () => {
    const run = await cli('history', '--stage', 'prod')
    expect(run.exitCode).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'modelgate: stage "prod" is not defined in any policy under policies/: demo defines: dev, staging; ranker defines: staging, production; legacy (no policy) has events in: qa\n'
    )
    // The same answer as history MODEL --stage for the model's own policy.
    const scoped = await cli('history', 'ranker', '--stage', 'prod')
    expect(scoped.exitCode).toBe(3)
    expect(scoped.stderr).toContain(
      'stage "prod" is not defined in the policy for ranker; it defines: staging, production'
    )
  })

  it('history --stage on a stage a policy defines, or a policy-less model used, lists its events', async () => {
    const staging = await cli('history', '--stage', 'production', '--json')
    expect(staging.exitCode).toBe(0)
    const events = JSON.parse(staging.stdout) as Array<{ model: string; stage: string }>
    expect(events.map(event => [event.model, event.stage])).toEqual([['ranker', 'production']])
    // A stage no policy defines, but a model without a policy has events in: shown, not refused.
    const qa = await cli('history', '--stage', 'qa', '--json')
    expect(qa.exitCode).toBe(0)
    expect((JSON.parse(qa.stdout) as Array<{ model: string }>).map(e => e.model)).toEqual([
      'legacy'
    ])
    // A defined stage nobody was ever assigned to: no events, exit 0.
    const none = await cli('history', '--stage', 'staging')
    expect({ exitCode: none.exitCode, stdout: none.stdout }).toEqual({
      exitCode: 0,
      stdout: 'No events.\n'
    })
  })

  it('a policy under policies/ that cannot be read is named when the stage is refused', async () => {
    await writeFile(path.join(clone.dir, 'policies/broken.yml'), 'model: [unclosed\n')
    try {
      const run = await cli('history', '--stage', 'prod')
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toMatch(
        /; ranker defines: staging, production; legacy \(no policy\) has events in: qa; not read: policies\/broken\.yml \(policies\/broken\.yml:\d+:\d+ [^\n]+\)\n$/
      )
      // A stage a readable policy defines is still found.
      expect((await cli('history', '--stage', 'dev')).exitCode).toBe(0)
    } finally {
      await rm(path.join(clone.dir, 'policies/broken.yml'))
    }
  })

  it('without any readable policy, a stage name is taken as given (No events., exit 0)', async () => {
    // The clone has the policies committed above: take them away.
    const bare = await sandbox.clone('no-policies')
    await rm(path.join(bare.dir, 'policies'), { recursive: true })
    const run = await bundledCli(bare.dir, ['history', '--stage', 'prod'])
    expect({ exitCode: run.exitCode, stdout: run.stdout }).toEqual({
      exitCode: 0,
      stdout: 'No events.\n'
    })
    await mkdir(path.join(bare.dir, 'policies'))
    await writeFile(path.join(bare.dir, 'policies/broken.yml'), 'model: [unclosed\n')
    const broken = await bundledCli(bare.dir, ['history', '--stage', 'prod'])
    expect({ exitCode: broken.exitCode, stdout: broken.stdout }).toEqual({
      exitCode: 0,
      stdout: 'No events.\n'
    })
  })

  it('plain status shows each model with a policy as status MODEL does', async () => {
    const all = await cli('status', '--format', 'md')
    expect(all.exitCode).toBe(0)
    expect(all.stderr).toBe('')
    // Policy order (staging before production), unheld stages as "-".
    expect(rowsOf(all.stdout, 'ranker')).toEqual([
      ' ranker | staging | - ',
      ' ranker | production | v1.0.0 '
    ])
    expect(rowsOf(all.stdout, 'demo')).toEqual([' demo | dev | v1.0.0 ', ' demo | staging | - '])
    // A model with tags but no policy: its held stages, as before.
    expect(rowsOf(all.stdout, 'legacy')).toEqual([' legacy | qa | v1.0.0 '])
    for (const model of ['demo', 'ranker', 'legacy']) {
      const one = await cli('status', model, '--format', 'md')
      expect([model, rowsOf(one.stdout, model)]).toEqual([model, rowsOf(all.stdout, model)])
    }
    expect(all.stdout).toContain('| ranker | staging | - | - | - |')

    const table = await cli('status', '--format', 'table')
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines.filter(line => line.startsWith('ranker')).map(l => l.split(/ +/)[1])).toEqual([
      'staging',
      'production'
    ])
    expect(lines.find(line => /^ranker +staging/.test(line))).toMatch(/^ranker +staging +- +- +-$/)
  })

  it('plain status --json gives each model what status MODEL --json gives', async () => {
    const all = JSON.parse((await cli('status', '--json')).stdout) as Array<{ model: string }>
    expect(all.map(entry => entry.model)).toEqual(['demo', 'legacy', 'ranker'])
    for (const entry of all) {
      const [one] = JSON.parse((await cli('status', entry.model, '--json')).stdout) as unknown[]
      expect(entry).toEqual(one)
    }
  })

  it('plain status names a policies/MODEL.yml it cannot use, and shows that model’s held stages', async () => {
    const file = path.join(clone.dir, 'policies/legacy.yml')
    await writeFile(file, 'model: [unclosed\n')
    try {
      const run = await cli('status', '--format', 'md')
      expect(run.exitCode).toBe(0)
      expect(rowsOf(run.stdout, 'legacy')).toEqual([' legacy | qa | v1.0.0 '])
      expect(rowsOf(run.stdout, 'ranker')).toHaveLength(2)
      expect(run.stdout).toMatch(
        /\n- legacy: only the stages someone holds are shown: policies\/legacy\.yml is not a valid policy \(policies\/legacy\.yml:\d+:\d+ [^\n]+\)\.\n$/
      )
      await writeFile(file, policyOf('ranker', ['staging', 'production']))
      const other = await cli('status', '--format', 'table')
      expect(other.exitCode).toBe(0)
      expect(other.stdout).toContain(
        '- legacy: only the stages someone holds are shown: policies/legacy.yml is the policy for ranker.'
      )
    } finally {
      await rm(file)
    }
  })
})
