// What the bundled action prints and stores, end to end (a child `node dist/index.js`): user text
// cannot emit workflow commands in the log, cannot break out of the job summary's markup, cannot
// @-mention or link in the sticky comment, and a version with 100k unused metrics leaves records
// and a summary of bounded size. Stand-ins on 127.0.0.1: GitHub's API.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import {
  eventRunner,
  modelWorkspace,
  registerVersions,
  type EventRunner,
  type ModelWorkspace,
  summaryRecords
} from './helpers/action-workspace.js'
import { fraudPolicy, fraudStage } from './helpers/fraud-policy.js'
import { pullRequestEvent, workflowDispatchEvent, type BuiltEvent } from './helpers/events.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'
import { runCliBundle } from './helpers/run-action.js'

const POLICY = fraudPolicy({ staging: fraudStage(), production: fraudStage() }, { rollback: true })

const REPO = { owner: 'acme', name: 'models' }
const MIB = 1024 * 1024

/** A PR-controlled name meant to ping, link and cross-reference if rendered live. */
const LOUD = '@octocat @acme/admins see https://evil.example/x and www.evil.example #1 a@b.example'

/** Lines of the step's output as the runner splits them. */
const lines = (stdout: string) => stdout.split(/\r\n|\r|\n/)

/** What the runner would act on: `::name…::` after leading whitespace, or `##[` anywhere. */
function commandsIn(stdout: string): string[] {
  return lines(stdout).filter(line => /^\s*::[^:]/.test(line) || line.includes('##['))
}

describe('what the bundled action prints and stores', () => {
  let workspace: ModelWorkspace
  let gh: StandIn
  let runner: EventRunner
  let commits: string[]
  let bigCommit: string
  let loudCommit: string

  const dispatch = (sender: string) =>
    workflowDispatchEvent({ repo: REPO, sha: commits[1] as string, sender })
  const run = (event: BuiltEvent, inputs: Record<string, string>) =>
    runner.run(event, { policy: 'policy.yml', ...inputs })

  beforeAll(async () => {
    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({ mona: 'maintain', reader: 'read', alice: 'write' })
    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8] })
    commits = workspace.commits
    const { clone } = workspace
    // A version whose metrics.json holds 100k metrics the policy never uses, and a bad one
    // whose name is PR-controlled text.
    const metrics: Record<string, number | string> = { auc: 0.85, [LOUD]: 'not a number' }
    for (let i = 0; i < 100_000; i++) metrics[`unused_metric_${i}`] = i / 100_000
    await writeFile(path.join(clone.dir, 'model/metrics.json'), JSON.stringify(metrics))
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', 'many metrics'])
    bigCommit = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    // A version with 40k unusable metrics: one warning each, a report of some 3 MB.
    const bad: Record<string, number | string> = { auc: 0.9 }
    for (let i = 0; i < 40_000; i++) bad[`bad_metric_${i}`] = 'not a number'
    await writeFile(path.join(clone.dir, 'model/metrics.json'), JSON.stringify(bad))
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', 'many bad metrics'])
    loudCommit = (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'main'])
    runner = eventRunner({ workspace: clone.dir, gh })
    await registerVersions(clone, {
      actor: 'mona',
      versions: {
        'v1.0.0': commits[0] as string,
        'v1.1.0': commits[1] as string,
        'v2.0.0': bigCommit,
        'v3.0.0': loudCommit
      }
    })
  })
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await workspace?.cleanup()
  })

  it('a rollback reason holding workflow commands is printed without emitting any', async () => {
    for (const version of ['v1.0.0', 'v1.1.0']) {
      const forced = await run(dispatch('mona'), {
        command: 'promote',
        stage: 'production',
        version,
        force: 'true',
        reason: 'seeding'
      })
      expect(forced.exitCode).toBe(0)
    }
    const reason = [
      'bad model',
      '::set-output name=decision::pass',
      '  ::add-mask::production',
      '\t::warning title=x::fake warning',
      '##[error]fake error',
      'text ##[add-mask]v1.0.0',
      '\r::error::after a carriage return',
      '<img src=x onerror=alert(1)> and <!-- hides the audit section'
    ].join('\n')
    const rolled = await run(dispatch('mona'), { command: 'rollback', stage: 'production', reason })
    expect(rolled.exitCode).toBe(0)
    // The reason is in the log, readable...
    expect(rolled.stdout).toContain('set-output name=decision::pass')
    expect(rolled.stdout).toContain('fake error')
    // ...and none of its lines is a command: only ModelGate's own are.
    const injected = commandsIn(rolled.stdout).filter(line =>
      /set-output|add-mask::production|fake|##\[|after a carriage/.test(line)
    )
    expect(injected).toEqual([])
    expect(rolled.outputs.decision).toBeUndefined()
    // In the job summary the reason is text: outside the fenced JSON, no markup of its own.
    const summary = rolled.summary.replace(/(`{3,})json\n[\s\S]*?\n\1/g, '')
    expect(summary).toContain('hides the audit section')
    // A backslash before `<` makes it text.
    expect(summary).not.toMatch(/(^|[^\\])<(img|!--)/m)
    expect(summaryRecords(rolled.summary)).toHaveLength(1)
  })

  it("a refused rollback's reason stays inside the job summary's markup; a hostile version is refused before any record", async () => {
    const refused = await run(dispatch('reader'), {
      command: 'rollback',
      stage: 'production',
      version: 'v1.0.0',
      reason: 'the reason </summary></details><img src=x onerror=alert(1)><!-- ends here'
    })
    expect(refused.exitCode).toBe(4)
    // Outside the fenced JSON (where nothing renders) no user text is markup.
    const summary = refused.summary.replace(/(`{3,})json\n[\s\S]*?\n\1/g, '')
    expect(refused.summary).toContain('"reason": "the reason </summary>')
    expect(summaryRecords(refused.summary)).toHaveLength(1)
    expect(summary).not.toContain('<img')
    expect(summary).not.toContain('<!--')
    // Only ModelGate's own markup: one <details> per record, each closed once.
    const opened = summary.match(/<details>/g)?.length ?? 0
    expect(opened).toBe(1)
    expect(summary.match(/<\/summary>/g)?.length ?? 0).toBe(opened)
    expect(summary.match(/<\/details>/g)?.length ?? 0).toBe(opened)
    expect(commandsIn(refused.stdout).filter(line => /img|ends here/.test(line))).toEqual([])

    // A version that is not a name never reaches a record: the inputs refuse it (exit 2).
    const hostile = await run(dispatch('reader'), {
      command: 'rollback',
      stage: 'production',
      version: 'v9</summary></details><img src=x onerror=alert(1)><!--',
      reason: 'r'
    })
    expect(hostile.exitCode).toBe(2)
    expect(summaryRecords(hostile.summary)).toHaveLength(0)
    expect(hostile.summary).not.toContain('<img')
    expect(hostile.stdout + hostile.stderr).not.toContain('<img')
  })

  it('keeps only the metrics the policy uses in records and tags, and the summary under 1 MiB', async () => {
    const forced = await run(dispatch('mona'), {
      command: 'promote',
      stage: 'production',
      version: 'v2.0.0',
      force: 'true',
      reason: 'many metrics'
    })
    expect(forced.exitCode).toBe(0)
    expect(Buffer.byteLength(forced.summary)).toBeLessThan(MIB)
    const [record] = summaryRecords(forced.summary)
    expect(record?.metrics.candidate).toEqual({ auc: 0.85 })
    expect(record?.metrics.unused).toEqual({ candidate: 100_000, champion: 0 })

    // The tag that carries the record is small too.
    const history = await runCliBundle([
      'history',
      'fraud',
      '--json',
      '--repo',
      workspace.clone.dir
    ])
    expect(history.exitCode).toBe(0)
    const events = JSON.parse(history.stdout) as {
      version?: string
      audit?: { record?: unknown }
    }[]
    const stored = events.find(e => e.version === 'v2.0.0' && e.audit?.record)
    expect(stored?.audit?.record).toEqual(record)
    const tags = await gitOk(workspace.clone.git, [
      'for-each-ref',
      '--format=%(objectsize) %(refname)',
      'refs/tags'
    ])
    for (const line of tags.trim().split('\n')) {
      expect(Number(line.split(' ')[0])).toBeLessThan(64 * 1024)
    }
  })

  it('cuts a report too large for the job summary, with a note, and keeps the audit record', async () => {
    const forced = await run(dispatch('mona'), {
      command: 'promote',
      stage: 'staging',
      version: 'v3.0.0',
      force: 'true',
      reason: 'many warnings'
    })
    expect(forced.exitCode).toBe(0)
    expect(forced.outputs.report?.length).toBeGreaterThan(2 * MIB)
    expect(Buffer.byteLength(forced.summary)).toBeLessThan(MIB)
    expect(forced.summary).toContain("shortened here to stay within GitHub's 1 MiB limit")
    const [record] = summaryRecords(forced.summary)
    expect(record).toMatchObject({ kind: 'promotion', written: true, version: 'v3.0.0' })
  })

  it('a PR-controlled name neither @-mentions nor links in the sticky comment', async () => {
    const repo = gh.state.repo('acme/models')
    const head = fakeSha('pr5-head')
    repo.addPull({
      number: 5,
      author: 'alice',
      head: { ref: 'promote-v2', sha: head },
      base: { sha: commits[1] as string }
    })
    const evaluated = await run(
      pullRequestEvent({
        repo: REPO,
        number: 5,
        author: 'alice',
        head: { ref: 'promote-v2', sha: head },
        base: { sha: commits[1] as string }
      }),
      { command: 'promote', stage: 'staging', version: 'v2.0.0', 'fail-on-blocked': 'false' }
    )
    expect(evaluated.exitCode).toBe(0)
    const body = repo.commentsOn(5)[0]?.body ?? ''
    expect(body).toContain('octocat')
    // GitHub links @name, @org/team, http(s)://, www. and a@b.c only when they are contiguous.
    expect(body).not.toMatch(/(^|[^\w`])@[A-Za-z0-9]/m)
    expect(body).not.toMatch(/https?:\/\/evil/)
    expect(body).not.toMatch(/www\.evil/)
    expect(body).not.toMatch(/(^|\s)#1\b/)
    expect(Buffer.byteLength(evaluated.summary)).toBeLessThan(MIB)
  })
})
