// What is judged is what is promoted (issue 10, items 1 and 10), through the bundled CLI
// (dist/cli/index.js) on real git: a bare origin and a clone, the policy and model committed.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gitOk } from '../src/registry/git/runner.js'
import { makeSandbox, type Clone, type Sandbox } from './helpers/git-sandbox.js'
import { bundledCli } from './helpers/cli-bundle.js'
import { demoPolicy, originTags, writePolicy } from './helpers/model-checkout.js'

const POLICY = demoPolicy()

async function writeModel(dir: string, accuracy: number, version?: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, 'metrics.json'), JSON.stringify({ accuracy }))
  await writeFile(path.join(dir, 'model.bin'), `weights trained to ${accuracy}\n`)
  if (version) await writeFile(path.join(dir, 'model.yaml'), `version: ${version}\n`)
}

async function commitAll(clone: Clone, message: string): Promise<string> {
  await gitOk(clone.git, ['add', '-A'])
  await gitOk(clone.git, ['commit', '--quiet', '-m', message])
  await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
  return (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
}

describe('the candidate is bound to the version it promotes (bundled CLI)', () => {
  let sandbox: Sandbox
  let clone: Clone
  let outside: string
  beforeAll(async () => {
    sandbox = await makeSandbox()
    clone = await sandbox.clone('work')
    outside = await mkdtemp(path.join(tmpdir(), 'modelgate-outside-'))
    await writePolicy(clone, POLICY)
    // v1.0.0 is a weak model: accuracy 0.5 fails the dev threshold.
    await writeModel(path.join(clone.dir, 'models/demo'), 0.5, 'v1.0.0')
    await commitAll(clone, 'weak model')
    const registered = await bundledCli(clone.dir, ['register', 'demo', '--version', 'v1.0.0'])
    expect(registered.stderr).toBe('')
    expect(registered.exitCode).toBe(0)
  })
  afterAll(async () => {
    await sandbox.cleanup()
    await rm(outside, { recursive: true, force: true })
  })

  it('records a digest of the version files in the registration tag', async () => {
    const message = await gitOk(clone.git, [
      'for-each-ref',
      '--format=%(contents)',
      'refs/tags/demo@v1.0.0'
    ])
    expect(message).toMatch(/"candidateDigest": "sha256:[0-9a-f]{64}"/)
  })

  it('refuses --candidate whose model.yaml names another version, naming both (exit 2)', async () => {
    await writeModel(path.join(clone.dir, 'other'), 0.99, 'v9.9.9')
    const run = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v1.0.0',
      '--candidate',
      'other'
    ])
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('v9.9.9')
    expect(run.stderr).toContain('v1.0.0')
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(await originTags(sandbox)).toEqual(['demo@v1.0.0'])
  })

  it('refuses a directory with invented metrics that names the registered version (exit 2)', async () => {
    // The pull request's version of the model directory: same model.yaml, better numbers.
    await writeModel(path.join(clone.dir, 'models/demo'), 0.99, 'v1.0.0')
    try {
      const run = await bundledCli(clone.dir, [
        'promote',
        'demo',
        '--to',
        'dev',
        '--candidate',
        'models/demo'
      ])
      expect(run.exitCode).toBe(2)
      expect(run.stderr).toMatch(/not the files of demo v1\.0\.0/)
      expect(run.stderr).toMatch(/sha256:[0-9a-f]{64}/)
      expect(run.stdout).not.toContain('Promoted')
      expect(await originTags(sandbox)).toEqual(['demo@v1.0.0'])
    } finally {
      await gitOk(clone.git, ['checkout', '--', 'models/demo'])
    }
  })

  it('accepts the directory when it holds exactly the version files, and judges their numbers', async () => {
    const run = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--candidate',
      'models/demo',
      '--json'
    ])
    // Judged on 0.5, the version's own number: blocked by the threshold, nothing written.
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(2)
    const json = JSON.parse(run.stdout) as { candidate: { metrics: Record<string, number> } }
    expect(json.candidate.metrics.accuracy).toBe(0.5)
    expect(await originTags(sandbox)).toEqual(['demo@v1.0.0'])
  })

  it('compares against the version files when the registration has no digest (GTO)', async () => {
    await writeModel(path.join(clone.dir, 'models/demo'), 0.9, 'v2.0.0')
    const commit = await commitAll(clone, 'good model')
    // GTO's own registration: an annotated tag with a plain message, no ModelGate record.
    await gitOk(clone.git, ['tag', '-a', 'demo@v2.0.0', '-m', 'Registering artifact', commit])
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'refs/tags/demo@v2.0.0'])
    await writeModel(path.join(outside, 'copy'), 0.9, 'v2.0.0')
    await writeModel(path.join(clone.dir, 'forged'), 0.95, 'v2.0.0')
    const forged = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--candidate',
      'forged'
    ])
    expect(forged.exitCode).toBe(2)
    expect(forged.stderr).toMatch(/not the files of demo v2\.0\.0/)
    const same = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--candidate',
      path.join(outside, 'copy')
    ])
    expect(same.stderr).toBe('')
    expect(same.stdout).toContain('Promoted v2.0.0 to dev')
    expect(same.exitCode).toBe(0)
    expect(await originTags(sandbox)).toEqual(['demo#dev#1', 'demo@v1.0.0', 'demo@v2.0.0'])
  })

  it('does not trust a digest recorded under another policy path: the version files decide', async () => {
    // The version's own files (under the policy's path) say 0.5; a run registered it under a
    // policy whose path named other files, so the tag records the digest of those.
    await writeModel(path.join(clone.dir, 'models/demo'), 0.5, 'v3.0.0')
    await writeModel(path.join(clone.dir, 'fake'), 0.99, 'v3.0.0')
    await writeFile(
      path.join(clone.dir, 'evil.yml'),
      POLICY.replace('path: models/demo', 'path: fake')
    )
    await commitAll(clone, 'a version and other files')
    const registered = await bundledCli(clone.dir, [
      'register',
      'demo',
      '--version',
      'v3.0.0',
      '--policy',
      'evil.yml'
    ])
    expect(registered.exitCode).toBe(0)
    const tags = await originTags(sandbox)
    const judged = await bundledCli(clone.dir, [
      'promote',
      'demo',
      '--to',
      'dev',
      '--version',
      'v3.0.0',
      '--candidate',
      'fake'
    ])
    expect(judged.exitCode).toBe(2)
    expect(judged.stderr).toMatch(/not the files of demo v3\.0\.0/)
    expect(judged.stderr).toContain("computed from the version's own files")
    expect(await originTags(sandbox)).toEqual(tags)
  })

  it('refuses a candidate directory that is a symlink, or that resolves outside the repository (exit 2)', async () => {
    await writeModel(path.join(outside, 'elsewhere'), 0.9, 'v2.0.0')
    await symlink(path.join(outside, 'elsewhere'), path.join(clone.dir, 'linked'))
    await symlink(outside, path.join(clone.dir, 'parent-link'))
    for (const candidate of ['linked', 'parent-link/elsewhere']) {
      const run = await bundledCli(clone.dir, [
        'promote',
        'demo',
        '--to',
        'dev',
        '--version',
        'v2.0.0',
        '--candidate',
        candidate
      ])
      expect(run.exitCode).toBe(2)
      expect(run.stderr).toMatch(/symlink|outside the repository/)
      expect(run.stderr).toContain(candidate)
    }
    const check = await bundledCli(clone.dir, [
      'check',
      '--policy',
      'policies/demo.yml',
      '--candidate',
      'linked',
      '--stage',
      'dev'
    ])
    expect(check.exitCode).toBe(2)
    expect(check.stderr).toMatch(/symlink/)
  })
})
