// Issue 16, "Done when", the two gates `check` cannot judge: the clinical example's candidate
// v1.4.0 promoted to production by the bundled action (dist/index.js) on `workflow_dispatch`,
// under policies/clinical-classifier.yml as shipped except for what this scenario cannot give:
// the approvals and required checks (a dispatch has no pull request; they fail closed there, see
// docs/gates.md) are left out, and the monitor source is a real Prometheus on 127.0.0.1 instead
// of https://prometheus.internal. The git registry holds champion v1.3.0 in production and the
// candidate in staging for eight days; the GitHub stand-in serves the attestations, made with
// @sigstore/mock. Provenance fails on an attestation by the wrong workflow; monitoring fails when
// the holder's series stopped arriving. Each run is blocked (exit 2) by that gate alone.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { gitOk } from '../src/registry/git/runner.js'
import { eventRunner, type EventRunner } from './helpers/action-workspace.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { expectGolden } from './helpers/clinical-golden.js'
import { workflowDispatchEvent } from './helpers/events.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { start, type StandIn } from './helpers/github-stand-in/index.js'
import type { Repo } from './helpers/github-stand-in/state.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer,
  type SeriesSpec
} from './helpers/prometheus.js'
import { REPO_ROOT } from './helpers/run-action.js'
import { createMockSigstore, type MockSigstore } from './helpers/sigstore-mock.js'

const CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/shifted-clock.mjs')
const MODEL = 'clinical-classifier'
const POLICY = `policies/${MODEL}.yml`
const EXAMPLES = path.join(REPO_ROOT, 'examples', MODEL)
const MINUTE = 60
const DAY = 24 * 60 * MINUTE
const REPO = { owner: 'acme', name: 'models' }

/** The shipped policy with the approvals and checks out and the monitor source at `url`. */
async function scenarioPolicy(url: string): Promise<string> {
  const document = parseDocument(await readFile(path.join(REPO_ROOT, POLICY), 'utf8'))
  document.deleteIn(['stages', 'production', 'approvals'])
  document.deleteIn(['stages', 'production', 'checks'])
  document.setIn(['stages', 'production', 'monitor', 'source', 'prometheus', 'url'], url)
  document.setIn(['stages', 'production', 'monitor', 'source', 'prometheus', 'timeout'], '2s')
  return document.toString()
}

/**
 * v1.3.0 serving in production from 30 minutes before BASE for 150 minutes: the gauges and
 * counters the policy's three triggers query, one sample a minute.
 */
function holderSeries(): SeriesSpec[] {
  const labels = { model: MODEL, version: 'v1.3.0', stage: 'production' }
  const every = (value: (i: number) => number) =>
    samplesEvery(BASE_SECONDS - 30 * MINUTE, MINUTE, 150, value)
  const buckets: [string, number][] = [
    ['0.1', 540],
    ['0.25', 585],
    ['0.5', 598],
    ['+Inf', 600]
  ]
  return [
    { name: 'model_accuracy', labels, samples: every(() => 0.872) },
    { name: 'requests_total', type: 'counter', labels, samples: every(i => 600 * i) },
    { name: 'errors_total', type: 'counter', labels, samples: every(i => 3 * i) },
    ...buckets.map(([le, perMinute]) => ({
      name: 'request_seconds_bucket',
      labels: { ...labels, le },
      samples: every(i => perMinute * i)
    }))
  ]
}

/** The report breaks a URL's scheme with a zero-width space, so GitHub does not link it. */
const unlinked = (url: string) => url.replace('http:', 'http:\u200b')

interface PromoteJson {
  decision: string
  gates: { gate: string; status: string; summary: string }[]
}

describe('the clinical candidate promoted to production, failing provenance or monitoring (bundled action)', () => {
  let prometheus: PrometheusServer
  let sandbox: Sandbox
  let clone: Clone
  let gh: StandIn
  let training: Repo
  let sigstore: MockSigstore
  let runner: EventRunner
  let rootDir: string
  let rootFile: string
  let head: string
  let checksumsDigest: string

  const clock = (seconds: number) => ({
    NODE_OPTIONS: `--import=${CLOCK}`,
    SHIFTED_CLOCK_START_MS: String(seconds * 1000)
  })
  const cli = async (seconds: number, args: string[]) => {
    const run = await bundledCli(clone.dir, args, clock(seconds))
    if (run.exitCode > 1)
      throw new Error(`${args.join(' ')}: exit ${run.exitCode}\n${run.stdout}${run.stderr}`)
    return run
  }
  /** Commits one example directory as the model's files; returns the commit. */
  const commitModel = async (example: string) => {
    const where = path.join(clone.dir, 'models', MODEL)
    await rm(where, { recursive: true, force: true })
    await cp(path.join(EXAMPLES, example), where, { recursive: true })
    await gitOk(clone.git, ['add', '-A'])
    await gitOk(clone.git, ['commit', '--quiet', '-m', `${MODEL} ${example}`])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
    return (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
  }
  const promote = (seconds: number) =>
    runner.run(
      workflowDispatchEvent({ repo: REPO, sha: head, sender: 'octocat' }),
      {
        command: 'promote',
        policy: POLICY,
        stage: 'production',
        version: 'v1.4.0',
        'sigstore-trusted-root': rootFile
      },
      clock(seconds)
    )
  const statuses = (json: string | undefined) =>
    Object.fromEntries((JSON.parse(json ?? '{}') as PromoteJson).gates.map(g => [g.gate, g.status]))
  const failing = (json: string | undefined) =>
    Object.entries(statuses(json))
      .filter(([, status]) => status !== 'pass')
      .map(([gate, status]) => `${gate} ${status}`)

  beforeAll(async () => {
    prometheus = await startPrometheus(holderSeries())
    const policy = await scenarioPolicy(prometheus.url)
    sandbox = await makeSandbox()
    clone = await sandbox.clone('models')
    await mkdir(path.join(clone.dir, 'policies'))
    await writeFile(path.join(clone.dir, POLICY), policy)
    const championCommit = await commitModel('champion')
    head = await commitModel('candidate')
    checksumsDigest = createHash('sha256')
      .update(await readFile(path.join(EXAMPLES, 'candidate', 'SHA256SUMS')))
      .digest('hex')

    // The registry's story, on the CLI: registered ten days before BASE; the champion forced
    // through (the CLI reads no attestations), the candidate in staging for eight days.
    const force = ['--force', '--reason', 'seeding the example registry']
    await cli(BASE_SECONDS - 10 * DAY, [
      'register',
      MODEL,
      '--version',
      'v1.3.0',
      '--ref',
      championCommit
    ])
    await cli(BASE_SECONDS - 10 * DAY, ['register', MODEL, '--version', 'v1.4.0', '--ref', head])
    await cli(BASE_SECONDS - 10 * DAY, [
      'promote',
      MODEL,
      '--to',
      'staging',
      '--version',
      'v1.3.0',
      ...force
    ])
    await cli(BASE_SECONDS - 9 * DAY, [
      'promote',
      MODEL,
      '--to',
      'production',
      '--version',
      'v1.3.0',
      ...force
    ])
    await cli(BASE_SECONDS - 8 * DAY, [
      'promote',
      MODEL,
      '--to',
      'staging',
      '--version',
      'v1.4.0',
      ...force
    ])

    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({ octocat: 'maintain' })
    gh.state.repo('acme/models').putFiles('main', { [POLICY]: policy })
    training = gh.state.addRepo({ owner: 'acme', name: 'clinical-training' })
    sigstore = await createMockSigstore()
    rootDir = await mkdtemp(path.join(tmpdir(), 'modelgate-clinical-root-'))
    rootFile = path.join(rootDir, 'trusted_root.json')
    await writeFile(rootFile, JSON.stringify(sigstore.trustedRoot))
    runner = eventRunner({ workspace: clone.dir, gh })
  }, 180_000)
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await prometheus?.stop()
    await sandbox?.cleanup()
    if (rootDir) await rm(rootDir, { recursive: true, force: true })
  })

  const attestChecksums = async (workflow: string) =>
    training.addAttestation(
      await sigstore.attest({
        subjects: [{ name: 'SHA256SUMS', sha256: checksumsDigest }],
        identity: { repository: 'acme/clinical-training', workflow }
      }),
      [checksumsDigest]
    )

  // In order: the right workflow's attestation is added after the first test.
  it('provenance: files attested by a notebook workflow, not the training one, are blocked (exit 2)', async () => {
    await attestChecksums('.github/workflows/notebook.yml')
    const run = await promote(BASE_SECONDS + 60 * MINUTE)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(2)
    expect(run.outputs.decision).toBe('blocked')
    expect(failing(run.outputs['report-json'])).toEqual(['provenance fail'])
    const report = run.outputs.report ?? ''
    expect(report).toContain('## ❌ Blocked: clinical-classifier → production')
    expect(report).toContain('❌ **Provenance** fail:')
    // Why each file failed is SHA256SUMS's signer, not "no attestation" (it lists every file).
    expect(report).toContain(
      'SHA256SUMS, which lists it, is attested, but by acme/clinical-training .github/workflows/notebook.yml'
    )
    expect(report).not.toContain('no attestation found')
    expect(report).toContain(
      `✅ **Monitoring configured** pass: prometheus ${unlinked(prometheus.url)} receives data for v1.3.0 on 3 triggers`
    )
    expectGolden('clinical-fails-provenance.md', report, { [rootFile]: '<the mock trusted root>' })
    gh.assertNoViolations()
  })

  it('monitoring: no series from the holder in the last hour blocks the promotion (exit 2)', async () => {
    await attestChecksums('.github/workflows/train.yml')
    const run = await promote(BASE_SECONDS + 6 * 60 * MINUTE)
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(2)
    expect(run.outputs.decision).toBe('blocked')
    expect(failing(run.outputs['report-json'])).toEqual(['monitoring fail'])
    const report = run.outputs.report ?? ''
    expect(report).toContain('✅ **Provenance** pass:')
    expect(report).toContain(
      `❌ **Monitoring configured** fail: prometheus ${unlinked(prometheus.url)} has no data for v1.3.0 on 3 triggers: accuracy, error rate, p95 latency`
    )
    expectGolden('clinical-fails-monitoring.md', report, { [rootFile]: '<the mock trusted root>' })
    gh.assertNoViolations()
  })
})
