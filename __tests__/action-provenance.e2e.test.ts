// Issue 16, provenance, end to end: the bundled action (dist/index.js) promotes on workflow_dispatch
// under a policy whose stage requires `provenance:`. The attestations are served by the GitHub API
// stand-in (GET /repos/{owner}/{repo}/attestations/{subject_digest}, checked against GitHub's
// OpenAPI description); the bundles come from @sigstore/mock, verified against its trusted root
// given through the `sigstore-trusted-root` input.
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  dispatchWorkspace,
  eventRunner,
  registerVersions,
  summaryRecords,
  type DispatchWorkspace
} from './helpers/action-workspace.js'
import { fraudPolicy, fraudStage } from './helpers/fraud-policy.js'
import { pullRequestEvent } from './helpers/events.js'
import { commit } from './helpers/git-sandbox.js'
import type { Repo } from './helpers/github-stand-in/state.js'
import { runAction } from './helpers/run-action.js'
import { createMockSigstore, type MockSigstore } from './helpers/sigstore-mock.js'

const POLICY = fraudPolicy(
  {
    staging: fraudStage(`    provenance:
      repository: acme/fraud-training
      workflow: .github/workflows/train.yml
      ref: refs/heads/main
`)
  },
  { rollback: true }
)

/** The one file of each version: model/metrics.json as the workspace helper commits it. */
const metricsDigest = (auc: number) =>
  createHash('sha256').update(JSON.stringify({ auc })).digest('hex')

describe('the bundled action with provenance: on a stage', () => {
  let workspace: DispatchWorkspace
  let sigstore: MockSigstore
  let training: Repo
  let rootDir: string
  let rootFile: string

  beforeAll(async () => {
    workspace = await dispatchWorkspace({ policy: POLICY, aucs: [0.75, 0.8, 0.85], dispatchAt: 0 })
    training = workspace.gh.state.addRepo({ owner: 'acme', name: 'fraud-training' })
    sigstore = await createMockSigstore()
    rootDir = await mkdtemp(path.join(tmpdir(), 'modelgate-root-'))
    rootFile = path.join(rootDir, 'trusted_root.json')
    await writeFile(rootFile, JSON.stringify(sigstore.trustedRoot))
    const [c0, c1, c2] = workspace.commits as [string, string, string]
    await registerVersions(workspace.clone, {
      actor: 'octocat',
      versions: { 'v1.0.0': c0, 'v1.1.0': c1, 'v1.2.0': c2 }
    })
  })
  afterAll(async () => {
    await workspace?.cleanup()
    if (rootDir) await rm(rootDir, { recursive: true, force: true })
  })

  const promote = (version: string, sha: string, inputs: Record<string, string> = {}) =>
    runAction(
      {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version,
        'sigstore-trusted-root': rootFile,
        ...inputs
      },
      workspace.env(sha),
      workspace.clone.dir
    )

  it('promotes a version its training workflow attested, and records the evidence', async () => {
    const digest = metricsDigest(0.75)
    training.addAttestation(
      await sigstore.attest({
        subjects: [{ name: 'model/metrics.json', sha256: digest }],
        identity: { repository: 'acme/fraud-training' }
      }),
      [digest]
    )
    const run = await promote('v1.0.0', workspace.commits[0] as string)
    expect(run.stderr).toBe('')
    expect(run.outputs.decision).toBe('pass')
    expect(run.exitCode).toBe(0)
    expect(run.summary).toContain(
      // GitHub would read `@refs` as a mention: the report breaks it with a zero-width space.
      '**Provenance** pass: 1 file attested by acme/fraud-training .github/workflows/train.yml@\u200brefs/heads/main, verified against '
    )
    const [record] = summaryRecords(run.summary)
    expect(record?.kind).toBe('promotion')
    expect(record?.provenance?.attested).toEqual([
      expect.objectContaining({
        path: 'metrics.json',
        sha256: digest,
        ref: 'refs/heads/main',
        runner: 'github-hosted'
      })
    ])
    expect(workspace.gh.state.count('repos/list-attestations')).toBe(1)
    workspace.gh.assertNoViolations()
  })

  it('blocks a version with no attestation, naming the file', async () => {
    const run = await promote('v1.1.0', workspace.commits[1] as string)
    expect(run.outputs.decision).toBe('blocked')
    expect(run.exitCode).toBe(2)
    expect(run.summary).toContain(
      '**Provenance** fail: 1 file of 1 not attested by acme/fraud-training'
    )
    expect(run.summary).toMatch(/metrics\.json \(sha256 [0-9a-f]{12}…\): no attestation found/)
    const [record] = summaryRecords(run.summary)
    expect(record?.kind).toBe('refused')
    expect(record?.provenance?.unattested).toEqual([
      { path: 'metrics.json', sha256: metricsDigest(0.8), why: 'no attestation found' }
    ])
    workspace.gh.assertNoViolations()
  })

  it('blocks a version attested by another workflow, naming who signed and who must', async () => {
    const digest = metricsDigest(0.85)
    training.addAttestation(
      await sigstore.attest({
        subjects: [{ name: 'model/metrics.json', sha256: digest }],
        identity: { repository: 'acme/fraud-training', workflow: '.github/workflows/anything.yml' }
      }),
      [digest]
    )
    const run = await promote('v1.2.0', workspace.commits[2] as string)
    expect(run.outputs.decision).toBe('blocked')
    // Who signed and who must, as the policy writes them (markdown-escaped: no live @ or URL).
    expect(run.summary).toContain(
      'metrics.json (sha256 ' +
        digest.slice(0, 12) +
        '…): attested, but by acme/fraud-training .github/workflows/anything.yml@\u200Brefs/heads/main (github-hosted runner), ' +
        'not the required acme/fraud-training .github/workflows/train.yml@\u200Brefs/heads/main (github-hosted runners only)'
    )
    expect(run.summary).not.toContain('\\\\.')
    workspace.gh.assertNoViolations()
  })

  it('verifies against the pinned public-good root by default, where a mock bundle fails', async () => {
    const run = await promote('v1.2.0', workspace.commits[2] as string, {
      'sigstore-trusted-root': ''
    })
    expect(run.outputs.decision).toBe('blocked')
    expect(run.summary).toContain('1 attestation found, none verified: bundle.verificationMaterial')
  })

  it('refuses a trusted-root input that is not one, naming the file', async () => {
    const bad = path.join(rootDir, 'not-a-root.json')
    await writeFile(bad, '{"mediaType": "nope"}')
    const run = await promote('v1.2.0', workspace.commits[2] as string, {
      'sigstore-trusted-root': bad
    })
    expect(run.exitCode).toBe(2)
    expect(run.stdout).toContain('input "sigstore-trusted-root"')
    expect(run.stdout).toContain('not-a-root.json')
    expect(run.stdout).not.toMatch(/\n\s+at /)
  })

  // Last: it commits the pull request's head on the clone.
  it('evaluates a pull request: the sticky comment and the status show the provenance gate', async () => {
    const { gh, clone } = workspace
    const runner = eventRunner({
      workspace: clone.dir,
      gh,
      inputs: { 'sigstore-trusted-root': rootFile }
    })
    try {
      const head = await commit(clone.git, 'promote fraud v1.1.0')
      const pull = {
        repo: { owner: 'acme', name: 'models' },
        number: 4,
        author: 'alice',
        head: { ref: 'promote-v1.1.0', sha: head },
        base: { ref: 'main', sha: workspace.commits[2] as string }
      }
      const models = gh.state.repo('acme/models')
      models.addPull(pull)
      const run = await runner.run(pullRequestEvent(pull), {
        command: 'promote',
        policy: 'policy.yml',
        stage: 'staging',
        version: 'v1.1.0',
        'fail-on-blocked': 'false'
      })
      expect(run.exitCode).toBe(0)
      expect(run.outputs.decision).toBe('blocked')
      const [comment] = models.commentsOn(4)
      expect(comment?.body).toContain(
        '**Provenance** fail: 1 file of 1 not attested by acme/fraud-training'
      )
      expect(comment?.body).toMatch(/metrics\.json \(sha256 [0-9a-f]{12}…\): no attestation found/)
      expect(models.status(head, 'modelgate/fraud/staging')?.state).toBe('failure')
      gh.assertNoViolations()
    } finally {
      await runner.cleanup()
    }
  })
})
