// The audit trail end to end: the bundled action (a child process) promotes on a merge with the
// candidate taken from a workflow artifact, force-promotes and rolls back by dispatch, and is
// refused once; each leaves its audit record in the job summary, as an uploaded artifact and
// (when it wrote) in the registry, from which `modelgate history` reproduces it. Stand-ins on
// 127.0.0.1: GitHub's API, the runner's artifact service, and a webhook receiver.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AuditRecord } from '../src/audit/record.js'
import {
  eventRunner,
  modelWorkspace,
  pushCommit,
  registerVersions,
  type EventRunner,
  type ModelWorkspace,
  summaryRecords
} from './helpers/action-workspace.js'
import { fraudPolicy, fraudStage } from './helpers/fraud-policy.js'
import { startArtifactStandIn, type ArtifactStandIn } from './helpers/artifact-stand-in.js'
import { pushEvent, workflowDispatchEvent, type BuiltEvent } from './helpers/events.js'
import type { Clone } from './helpers/git-sandbox.js'
import { fakeSha, start, type StandIn } from './helpers/github-stand-in/index.js'
import { runCliBundle } from './helpers/run-action.js'
import { makeZip, readZip } from './helpers/zip.js'

const POLICY = fraudPolicy(
  {
    production: fraudStage(`    artifact:
      max_size_mb: 1
    approvals:
      required: 1
`)
  },
  { rollback: true }
)

const REPO = { owner: 'acme', name: 'models' }

/** A webhook receiver that records JSON bodies and can be told to fail. */
interface Receiver {
  url: string
  bodies: Record<string, unknown>[]
  failing: number
  close(): Promise<void>
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    bodies: [],
    failing: 0,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
  const server: Server = createServer((request, response) => {
    let body = ''
    request.on('data', chunk => (body += chunk))
    request.on('end', () => {
      if (receiver.failing > 0) {
        receiver.failing--
        response.writeHead(500).end('down')
        return
      }
      receiver.bodies.push(JSON.parse(body) as Record<string, unknown>)
      response.writeHead(200).end('ok')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/secret-path`
  return receiver
}

describe('the audit trail of the bundled action', () => {
  let workspace: ModelWorkspace
  let clone: Clone
  let commits: string[]
  let gh: StandIn
  let artifacts: ArtifactStandIn
  let receiver: Receiver
  let runner: EventRunner
  let runId = 1000

  /** A run with its own GITHUB_RUN_ID, which names its audit artifact. */
  const run = async (event: BuiltEvent, inputs: Record<string, string>) => {
    const id = String(++runId)
    return { ...(await runner.run(event, inputs, { GITHUB_RUN_ID: id })), runId: id }
  }

  /** The record uploaded as `modelgate-audit-fraud-<version>-<run id>`. */
  const uploadedRecord = (version: string, id: string): AuditRecord => {
    const zip = artifacts.uploaded(`modelgate-audit-fraud-${version}-${id}`)
    if (!zip) throw new Error(`no audit artifact for ${version} in run ${id}`)
    const files = readZip(zip)
    expect([...files.keys()]).toEqual(['audit.json'])
    return AuditRecord.parse(JSON.parse(files.get('audit.json')?.toString('utf8') ?? ''))
  }

  /** Every event of the model with its audit record, from the registry alone (a fresh CLI). */
  const history = async (): Promise<
    { kind: string; version?: string; audit?: { record?: unknown } }[]
  > => {
    const result = await runCliBundle(['history', 'fraud', '--json', '--repo', clone.dir])
    expect(result.exitCode).toBe(0)
    return JSON.parse(result.stdout) as { kind: string; audit?: { record?: unknown } }[]
  }

  const dispatch = (sender: string) =>
    workflowDispatchEvent({ repo: REPO, sha: commits[1] as string, sender })

  beforeAll(async () => {
    gh = await start()
    gh.state
      .addRepo(REPO)
      .addCollaborators({ alice: 'write', bob: 'write', mona: 'maintain', reader: 'read' })
    artifacts = await startArtifactStandIn({ repository: 'acme/models', runId: 7 })
    receiver = await startReceiver()

    workspace = await modelWorkspace({ policy: POLICY, aucs: [0.75, 0.8] })
    clone = workspace.clone
    commits = workspace.commits
    // The webhook URL is a secret too: it may show only in its mask command.
    runner = eventRunner({
      workspace: clone.dir,
      gh,
      inputs: { 'notify-webhook': receiver.url },
      env: { ...artifacts.env(), GITHUB_SERVER_URL: 'https://github.com' },
      secrets: [receiver.url]
    })
    await registerVersions(clone, {
      actor: 'mona',
      versions: { 'v1.0.0': commits[0] as string, 'v1.1.0': commits[1] as string }
    })
  })
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await artifacts?.close()
    await receiver?.close()
    await workspace?.cleanup()
  })

  it('a forced promotion dry run by dispatch ends as the real run does, and says it would be forced', async () => {
    const dry = await run(dispatch('mona'), {
      command: 'promote',
      policy: 'policy.yml',
      stage: 'production',
      version: 'v1.0.0',
      force: 'true',
      reason: 'first champion, no pull request yet',
      'dry-run': 'true'
    })
    // Exit 1 (a promotion past a failing gate) does not fail the step: as the real run, below.
    expect(dry.exitCode).toBe(0)
    expect(dry.summary).toContain('## ⚠️ Would be forced past 1 failing gate: fraud → production')
    expect(dry.summary).toContain('Dry run: would promote v1.0.0 to production, forced past')
    expect(dry.summary).not.toContain('Blocked')
    expect(
      (await history()).filter(e => e.kind === 'assignment' && e.version === 'v1.0.0')
    ).toEqual([])
  })

  it('a forced promotion by dispatch is recorded as forced, with the permission check and reason', async () => {
    const forced = await run(dispatch('mona'), {
      command: 'promote',
      policy: 'policy.yml',
      stage: 'production',
      version: 'v1.0.0',
      force: 'true',
      reason: 'first champion, no pull request yet'
    })
    expect(forced.exitCode).toBe(0)
    expect(forced.summary).toContain('## ⚠️ Forced past 1 failing gate: fraud → production')
    const [record] = summaryRecords(forced.summary)
    expect(record).toMatchObject({
      kind: 'forced-promotion',
      written: true,
      version: 'v1.0.0',
      to: 'production',
      previous: null,
      decision: 'blocked',
      actor: 'mona',
      event: 'workflow_dispatch',
      reason: 'first champion, no pull request yet'
    })
    expect(record?.gates[0]).toMatchObject({ gate: 'permission', status: 'pass' })
    expect(record?.gates.find(gate => gate.gate === 'approvals')?.status).toBe('fail')
    expect(uploadedRecord('v1.0.0', forced.runId)).toEqual(record)
    const stored = (await history()).find(e => e.kind === 'assignment' && e.version === 'v1.0.0')
    expect(stored?.audit?.record).toEqual(record)
    expect(receiver.bodies.at(-1)).toMatchObject({
      modelgate: { action: 'force-promoted', version: 'v1.0.0', stage: 'production' }
    })
  })

  it('a merge promotes a candidate from a workflow artifact; the record is in all three places', async () => {
    const repo = gh.state.repo('acme/models')
    // Exactly v1.1.0's files (model/ at its registration commit): an artifact is promoted as a
    // version only when its content digest is the version's.
    const files = { 'metrics.json': JSON.stringify({ auc: 0.8 }) }
    artifacts.artifacts.push({
      id: 501,
      name: 'fraud-candidate',
      repository: 'acme/models',
      runId: 7,
      current: true,
      zip: makeZip(Object.entries(files).map(([name, data]) => ({ name, data })))
    })
    const head = fakeSha('pr3-head')
    repo.addPull({
      number: 3,
      author: 'alice',
      head: { ref: 'promote-v1.1', sha: head },
      base: { sha: commits[1] as string }
    })
    repo.addReview(3, { user: 'bob', state: 'APPROVED' })
    const merge = await pushCommit(clone, 'Merge pull request #3')
    repo.merge(3, { mergeCommitSha: merge })

    const promoted = await run(
      pushEvent({ repo: REPO, before: commits[1] as string, after: merge }),
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'production',
        version: 'v1.1.0',
        'candidate-artifact': 'fraud-candidate'
      }
    )
    expect(promoted.exitCode).toBe(0)
    expect(promoted.outputs.decision).toBe('pass')
    const records = summaryRecords(promoted.summary)
    expect(records).toHaveLength(1)
    const record = records[0] as AuditRecord
    expect(record).toMatchObject({
      kind: 'promotion',
      written: true,
      model: 'fraud',
      version: 'v1.1.0',
      from: 'candidate',
      to: 'production',
      previous: 'v1.0.0',
      decision: 'pass',
      metrics: { candidate: { auc: 0.8 }, champion: { auc: 0.75 } },
      trainingData: null,
      featureView: null,
      pullRequest: { number: 3, approvers: [{ login: 'bob', commit: head }] },
      actor: 'merger',
      event: 'push',
      commitSha: merge,
      reason: null
    })
    expect(record.artifact?.files.map(file => file.path)).toEqual(['metrics.json'])
    expect(record.artifact?.totalBytes).toBe(
      Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0)
    )
    expect(record.gates.map(gate => gate.gate)).toEqual(
      expect.arrayContaining(['transition', 'thresholds', 'artifact', 'approvals'])
    )
    expect(record.gates.find(g => g.gate === 'thresholds')?.checks?.[0]).toMatchObject({
      metric: 'auc',
      candidate: 0.8,
      status: 'pass'
    })

    expect(uploadedRecord('v1.1.0', promoted.runId)).toEqual(record)
    const stored = (await history()).find(e => e.kind === 'assignment' && e.version === 'v1.1.0')
    expect(stored?.audit?.record).toEqual(record)
    const table = await runCliBundle([
      'history',
      'fraud',
      '--stage',
      'production',
      '--repo',
      clone.dir
    ])
    expect(table.stdout).toContain('| promotion: pass | v1.0.0 | #3 (bob) |')

    expect(receiver.bodies.at(-1)).toMatchObject({
      text: expect.stringContaining('v1.1.0'),
      modelgate: {
        schema: 'modelgate.notification/v1',
        action: 'promoted',
        model: 'fraud',
        version: 'v1.1.0',
        stage: 'production',
        previous: 'v1.0.0',
        pullRequest: { number: 3 }
      }
    })
    expect(repo.commentsOn(3)[0]?.body).toContain('**v1.1.0** is now in **production**')
    gh.assertNoViolations()
  })

  it('a rollback is recorded in all three places; a failing webhook is only a warning', async () => {
    receiver.failing = 2
    const delivered = receiver.bodies.length
    const rolled = await run(dispatch('mona'), {
      command: 'rollback',
      policy: 'policy.yml',
      stage: 'production',
      reason: 'false positives doubled'
    })
    expect(rolled.exitCode).toBe(0)
    expect(rolled.stdout).toMatch(/::warning::.*127\.0\.0\.1/)
    expect(receiver.bodies).toHaveLength(delivered)
    const [record] = summaryRecords(rolled.summary)
    expect(record).toMatchObject({
      kind: 'rollback',
      written: true,
      version: 'v1.0.0',
      from: 'production',
      to: 'production',
      previous: 'v1.1.0',
      decision: 'rolled-back',
      actor: 'mona',
      event: 'workflow_dispatch',
      reason: 'false positives doubled'
    })
    expect(record?.gates).toEqual([expect.objectContaining({ gate: 'permission', status: 'pass' })])
    expect(uploadedRecord('v1.0.0', rolled.runId)).toEqual(record)
    const events = await history()
    // Both tags of the rollback carry it: the restored assignment and the removal.
    const stored = events.filter(e => (e.audit?.record as { kind?: string })?.kind === 'rollback')
    expect(stored.map(e => e.kind).sort()).toEqual(['assignment', 'unassignment'])
    for (const event of stored) expect(event.audit?.record).toEqual(record)
    expect(gh.state.repo('acme/models').commentsOn(3)[0]?.body).toContain('### ↩️ Rolled back')
  })

  it('a refused rollback leaves its record in the summary and as an artifact, and nothing in the registry', async () => {
    const before = await history()
    const delivered = receiver.bodies.length
    const refused = await run(dispatch('reader'), {
      command: 'rollback',
      policy: 'policy.yml',
      stage: 'production',
      reason: 'I think it is broken'
    })
    expect(refused.exitCode).toBe(4)
    const [record] = summaryRecords(refused.summary)
    expect(record).toMatchObject({
      kind: 'refused',
      written: false,
      decision: 'denied',
      actor: 'reader',
      reason: 'I think it is broken'
    })
    expect(record?.gates[0]).toMatchObject({ gate: 'permission', status: 'fail' })
    expect(uploadedRecord('none', refused.runId)).toEqual(record)
    expect(await history()).toEqual(before)
    expect(receiver.bodies).toHaveLength(delivered)
  })
})
