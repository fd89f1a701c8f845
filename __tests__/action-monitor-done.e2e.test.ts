// Issue 14's "Done when", through the bundled action (dist/index.js, a child process): a version
// promoted by the merge of pull request #3 whose live error rate crosses the policy's bound in a
// real Prometheus is rolled back by a `schedule` run, with the evidence in all three audit places
// (the registry, the job summary, the audit artifact), a critical notification received by the
// webhook stand-in, and a note with the verdict on pull request #3's sticky comment in the GitHub
// stand-in. The no-data and NaN scenarios end inconclusive with nothing written and nothing
// notified. Every run's clock is shifted to the data's dates.
import { AuditRecord } from '../src/audit/record.js'
import { gitOk } from '../src/registry/git/runner.js'
import {
  HERMETIC_GIT,
  expectNoSecret,
  pushCommit,
  registerVersions,
  remoteTags,
  summaryRecords
} from './helpers/action-workspace.js'
import { startArtifactStandIn, type ArtifactStandIn } from './helpers/artifact-stand-in.js'
import { pushEvent, writeEvent, type WrittenEvent } from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'
import {
  MINUTE,
  T1,
  clockAt,
  commitFiles,
  gauge,
  monitoredPolicy,
  startMonitoredRegistry,
  trigger,
  type MonitoredRegistry
} from './helpers/monitored-registry.js'
import { BASE_SECONDS } from './helpers/prometheus.js'
import { runAction } from './helpers/run-action.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'
import { readZip } from './helpers/zip.js'

// v1.1.0 is promoted by the merge of pull request #3 at T1; its error rate breaches from T1+30m.
const REPO = { owner: 'acme', name: 'models' }

const policy = (url: string, query: string) =>
  monitoredPolicy({
    model: 'fraud',
    path: 'model',
    metric: 'auc',
    min: 0.7,
    url,
    triggers: trigger('error rate', query, 0.05),
    tail: `rollback:
  allowed: { permission: maintain }
`
  })

describe('issue 14 done: a scheduled run rolls back a breaching promotion, with all its evidence', () => {
  let registry: MonitoredRegistry
  let gh: StandIn
  let artifacts: ArtifactStandIn
  let all: Receiver
  let critical: Receiver
  let clone: Clone
  let schedule: WrittenEvent
  const events: WrittenEvent[] = []

  const cli = (seconds: number, args: string[]) => registry.cli(seconds, args)
  const runner = (seconds: number, runId: string) => ({
    ...HERMETIC_GIT,
    ...clockAt(seconds),
    ...artifacts.env(),
    GITHUB_API_URL: gh.url,
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: runId
  })
  /** A scheduled `monitor` run at `seconds`, its run id the time (so each run's artifact is apart). */
  const monitorRun = async (seconds: number, file: string) => {
    const runId = String(seconds)
    const result = await runAction(
      {
        command: 'monitor',
        policy: file,
        'github-token': gh.token,
        'notify-webhook': all.url,
        'notify-webhook-critical': critical.url
      },
      {
        ...schedule.env,
        ...runner(seconds, runId),
        GITHUB_ACTOR: 'octocat',
        GITHUB_WORKFLOW: 'monitor'
      },
      clone.dir
    )
    expectNoSecret(result, [gh.token, all.url, critical.url])
    return { ...result, runId }
  }
  const history = async (seconds: number) => {
    const result = await cli(seconds, ['history', 'fraud', '--json'])
    expect(result.exitCode).toBe(0)
    return JSON.parse(result.stdout) as { kind: string; audit?: { record?: unknown } }[]
  }

  beforeAll(async () => {
    const labels = (version: string) => ({ model: 'fraud', version })
    registry = await startMonitoredRegistry([
      gauge('error_ratio', labels('v1.0.0'), BASE_SECONDS - 600, 300, () => 0.01),
      gauge('error_ratio', labels('v1.1.0'), T1, 180, m => (m < 30 ? 0.01 : 0.12)),
      gauge('nan_ratio', labels('v1.1.0'), T1, 180, () => NaN)
    ])
    clone = registry.clone
    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({ alice: 'write', bob: 'write', mona: 'maintain' })
    artifacts = await startArtifactStandIn({ repository: 'acme/models', runId: 7 })
    all = await startReceiver('all')
    critical = await startReceiver('critical')
    const queries = {
      fraud: 'max(error_ratio{model="$model", version="$version"})',
      'fraud-nodata': 'max(no_such_metric{model="$model", version="$version"})',
      'fraud-nan': 'max(nan_ratio{model="$model", version="$version"})',
      // A query Prometheus cannot parse (rate of an instant vector): a policy bug, not missing data.
      'fraud-badquery': 'rate(error_ratio{model="$model", version="$version"})'
    }
    for (const [name, query] of Object.entries(queries)) {
      await registry.writePolicy(name, policy(registry.prometheus.url, query))
    }
    const commits: string[] = []
    for (const auc of [0.75, 0.8]) {
      commits.push(
        await commitFiles(
          clone,
          { 'model/metrics.json': JSON.stringify({ auc }) },
          `auc ${auc}`,
          'HEAD:main'
        )
      )
    }
    await registerVersions(clone, {
      actor: 'mona',
      policy: 'policies/fraud.yml',
      versions: { 'v1.0.0': commits[0] as string, 'v1.1.0': commits[1] as string },
      env: clockAt(BASE_SECONDS - 20 * MINUTE)
    })
    // v1.0.0 holds production from BASE; v1.1.0 comes in by the merge of pull request #3 at T1.
    expect(
      (await cli(BASE_SECONDS, ['promote', 'fraud', '--to', 'production', '--version', 'v1.0.0']))
        .exitCode
    ).toBe(0)
    const repo = gh.state.repo('acme/models')
    repo.addPull({
      number: 3,
      author: 'alice',
      head: { ref: 'promote-v1.1', sha: fakeSha('pr3-head') },
      base: { sha: commits[1] as string }
    })
    repo.addReview(3, { user: 'bob', state: 'APPROVED' })
    const merge = await pushCommit(clone, 'Merge pull request #3')
    repo.merge(3, { mergeCommitSha: merge })
    const pushed = await writeEvent(
      pushEvent({ repo: REPO, before: commits[1] as string, after: merge })
    )
    events.push(pushed)
    const promoted = await runAction(
      {
        command: 'promote',
        policy: 'policies/fraud.yml',
        stage: 'production',
        version: 'v1.1.0',
        'github-token': gh.token
      },
      { ...pushed.env, ...runner(T1, 'promote') },
      clone.dir
    )
    expect([promoted.exitCode, promoted.outputs.decision]).toEqual([0, 'pass'])
    expect(summaryRecords(promoted.summary)[0]).toMatchObject({
      kind: 'promotion',
      version: 'v1.1.0',
      pullRequest: { number: 3 }
    })
    expect(repo.commentsOn(3)[0]?.body).toContain('**v1.1.0** is now in **production**')
    // A scheduled run's payload, as GitHub sends it: the cron and the repository.
    schedule = await writeEvent({
      name: 'schedule' as 'push',
      payload: {
        schedule: '*/15 * * * *',
        repository: { full_name: 'acme/models', default_branch: 'main' }
      },
      env: { GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: merge }
    })
    events.push(schedule)
    // The promotion's own notification is not this test's business.
    all.bodies.length = 0
    critical.bodies.length = 0
  }, 180_000)
  afterAll(async () => {
    for (const event of events) await event.cleanup()
    await registry?.stop()
    await gh?.close()
    await artifacts?.close()
    await all?.close()
    await critical?.close()
  })

  it('no data and NaN samples end inconclusive: nothing written, nothing notified', async () => {
    const tags = await remoteTags(clone)
    const events = await history(T1 + 44 * MINUTE)
    for (const file of ['policies/fraud-nodata.yml', 'policies/fraud-nan.yml']) {
      const run = await monitorRun(T1 + 45 * MINUTE, file)
      // Inconclusive is a pass with warnings: the step passes, the report says why, and a warning
      // annotation names the stage and the reason, so the run is not silently green.
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toMatch(
        /^::warning::ModelGate monitor: production is inconclusive \(v1\.1\.0; error rate: .+\)\. Nothing written\.$/m
      )
      expect(JSON.parse(run.outputs['report-json'] ?? '{}')).toMatchObject({
        exitCode: 1,
        stages: [
          {
            verdict: 'inconclusive',
            holder: 'v1.1.0',
            action: { kind: 'none' },
            triggers: [{ verdict: 'inconclusive' }]
          }
        ]
      })
      expect(run.summary).toContain(
        'Inconclusive: never a pass and never a rollback. Nothing written.'
      )
      expect(summaryRecords(run.summary)).toEqual([])
      expect(artifacts.uploaded(`modelgate-audit-fraud-v1.0.0-${run.runId}`)).toBeUndefined()
    }
    expect(await remoteTags(clone)).toBe(tags)
    expect(await history(T1 + 46 * MINUTE)).toEqual(events)
    expect([all.bodies, critical.bodies]).toEqual([[], []])
    expect(gh.state.repo('acme/models').commentsOn(3)[0]?.body).not.toContain('Rolled back')
  })

  it('a query Prometheus refuses (400 bad_data) is a policy bug: exit 2, naming the trigger and the policy file', async () => {
    const tags = await remoteTags(clone)
    const run = await monitorRun(T1 + 45 * MINUTE, 'policies/fraud-badquery.yml')
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toMatch(
      /^::error::ModelGate monitor: production, trigger "error rate": Prometheus at http:\/\/127\.0\.0\.1:\d+ refused the query \(HTTP 400, bad_data\): .+ Fix the query in policies\/fraud-badquery\.yml \(stages\.production\.monitor\.triggers\[0\]\.query\)\.$/m
    )
    expect(run.stdout).toMatch(/^::error title=ModelGate,file=policies\/fraud-badquery\.yml::/m)
    expect(run.stdout).not.toContain('inconclusive')
    expect(summaryRecords(run.summary)).toEqual([])
    expect(await remoteTags(clone)).toBe(tags)
    expect([all.bodies, critical.bodies]).toEqual([[], []])
  })

  it('a breach rolls back: registry, job summary and audit artifact agree; critical sent; pull request #3 told', async () => {
    const run = await monitorRun(T1 + 45 * MINUTE, 'policies/fraud.yml')
    expect(run.exitCode).toBe(5)
    expect(run.summary).toContain('### production: ❌ breach')
    expect(run.summary).toContain('**Rolled back automatically** to v1.0.0.')

    // 1. The job summary's audit record, with the monitor's evidence.
    const records = summaryRecords(run.summary)
    expect(records).toHaveLength(1)
    const record = records[0] as AuditRecord
    expect(record).toMatchObject({
      kind: 'automatic-rollback',
      written: true,
      model: 'fraud',
      version: 'v1.0.0',
      previous: 'v1.1.0',
      to: 'production',
      actor: 'github-actions (workflow "monitor", schedule)',
      initialActor: 'octocat',
      event: 'schedule',
      reason: expect.stringContaining('error rate')
    })
    expect(record.monitor?.triggers[0]).toMatchObject({
      name: 'error rate',
      verdict: 'breach',
      query: 'max(error_ratio{model="$model", version="$version"})'
    })
    // 2. The audit artifact: the same record.
    const zip = artifacts.uploaded(`modelgate-audit-fraud-v1.0.0-${run.runId}`)
    expect(zip).toBeDefined()
    const uploaded =
      readZip(zip as Buffer)
        .get('audit.json')
        ?.toString('utf8') ?? ''
    expect(AuditRecord.parse(JSON.parse(uploaded))).toEqual(record)
    // 3. The registry (origin's tags, read by a fresh CLI): the stage is back on v1.0.0, and
    // the rollback's events carry the same record.
    await gitOk(clone.git, ['fetch', '--quiet', '--tags', '--force', 'origin'])
    const status = await cli(T1 + 46 * MINUTE, ['status', 'fraud', '--json'])
    expect(status.stdout).toMatch(/"stage": "production",\s+"version": "v1.0.0"/)
    const stored = (await history(T1 + 46 * MINUTE)).filter(
      e => (e.audit?.record as { kind?: string })?.kind === 'automatic-rollback'
    )
    expect(stored.map(e => e.kind).sort()).toEqual(['assignment', 'unassignment'])
    for (const event of stored) expect(event.audit?.record).toEqual(record)

    // The critical notification, at the critical webhook only.
    expect(all.bodies).toEqual([])
    expect(critical.bodies).toHaveLength(1)
    expect(critical.bodies[0]?.modelgate).toMatchObject({
      severity: 'critical',
      action: 'automatic-rollback',
      model: 'fraud',
      stage: 'production',
      version: 'v1.0.0',
      previous: 'v1.1.0',
      repository: 'acme/models',
      runUrl: `https://github.com/acme/models/actions/runs/${run.runId}`,
      monitor: { verdict: 'breach', triggers: [{ name: 'error rate', verdict: 'breach' }] }
    })

    // The note on the promoting pull request's sticky comment, above its earlier report.
    const comments = gh.state.repo('acme/models').commentsOn(3)
    expect(comments).toHaveLength(1)
    const body = comments[0]?.body ?? ''
    expect(body).toContain('### ↩️ Rolled back')
    expect(body).toContain(
      '**production** is back on **v1.0.0** (was v1.1.0): rolled back **automatically** by `modelgate monitor`, run by `github-actions (workflow "monitor", schedule)`'
    )
    expect(body).toContain('Monitor verdict: **breach**; breached trigger:')
    expect(body).toMatch(/- \*\*error rate\*\*: .+/)
    expect(body).toContain('**v1.1.0** is now in **production**')
    expect(body.indexOf('Rolled back')).toBeLessThan(body.indexOf('is now in'))
    expect(run.summary).toContain('Noted on pull request #3, which had promoted v1.1.0.')
    gh.assertNoViolations()
  })

  it('a re-run writes nothing, tells nobody again and leaves the comment as it is', async () => {
    const tags = await remoteTags(clone)
    const comment = gh.state.repo('acme/models').commentsOn(3)[0]?.body
    const run = await monitorRun(T1 + 47 * MINUTE, 'policies/fraud.yml')
    expect(run.exitCode).toBe(0)
    expect(summaryRecords(run.summary)).toEqual([])
    expect(await remoteTags(clone)).toBe(tags)
    expect([all.bodies.length, critical.bodies.length]).toEqual([0, 1])
    expect(gh.state.repo('acme/models').commentsOn(3)[0]?.body).toBe(comment)
  })
})
