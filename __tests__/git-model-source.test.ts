import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { candidateDigest } from '../src/candidate/digest.js'
import { walkAndHash } from '../src/candidate/load.js'
import { InvalidInputError, NotFoundError } from '../src/errors.js'
import { parsePolicy } from '../src/policy/load.js'
import { openRegistry } from '../src/registry/open.js'
import { createGitModelSource } from '../src/registry/git/model-source.js'
import { gitOk } from '../src/registry/git/runner.js'
import type { VersionRecord } from '../src/registry/port.js'
import { makeSandbox, type Sandbox } from './helpers/git-sandbox.js'

// A version's files are read from its commit, never from the working tree or the index, and
// all of them: what is judged and digested is everything the commit holds under the path.

let sandbox: Sandbox
beforeAll(async () => {
  sandbox = await makeSandbox()
})
afterAll(() => sandbox.cleanup())

const METRICS = JSON.stringify({ accuracy: 0.9 })

function registryAt(commit: string) {
  return {
    getVersion: async (model: string, version: string): Promise<VersionRecord> => ({
      model,
      version,
      ref: commit,
      registeredAt: new Date(0),
      registeredBy: 'test',
      active: true,
      stages: []
    })
  }
}

describe('reading a registered version from its commit', () => {
  it('includes files that .gitattributes marks export-ignore in the digest and the candidate', async () => {
    const { dir, git } = await sandbox.standalone('export-ignore')
    await mkdir(path.join(dir, 'model'))
    await writeFile(path.join(dir, 'model', 'metrics.json'), METRICS)
    await writeFile(path.join(dir, 'model', 'weights.bin'), 'weights')
    await writeFile(path.join(dir, '.gitattributes'), 'model/weights.bin export-ignore\n')
    await gitOk(git, ['add', '.'])
    await gitOk(git, ['commit', '--quiet', '-m', 'model'])
    const commit = (await gitOk(git, ['rev-parse', 'HEAD'])).trim()
    // The working tree and the index change after the commit: neither may be read.
    await writeFile(path.join(dir, 'model', 'weights.bin'), 'tampered')
    await gitOk(git, ['add', '.'])

    const source = createGitModelSource({ git, registry: registryAt(commit), modelPath: 'model' })
    const expected = await scratchDigest({ 'metrics.json': METRICS, 'weights.bin': 'weights' })
    expect(await source.digestAt!('m', commit)).toBe(expected)
    const candidate = await source.loadVersion('m', 'v1')
    expect(candidate.files.map(file => file.path)).toEqual(['metrics.json', 'weights.bin'])
    expect(candidate.dir).toBe(`model at ${commit.slice(0, 12)}`)
    // The checkout's own index is untouched (a scratch index was used).
    expect(await gitOk(git, ['diff', '--cached', '--name-only', 'HEAD'])).toBe(
      'model/weights.bin\n'
    )
    expect(await readFile(path.join(dir, 'model', 'weights.bin'), 'utf8')).toBe('tampered')
  })

  it('is NotFound naming the path and the commit when the path is not in it', async () => {
    const { git } = await sandbox.standalone('missing-path')
    const commit = (await gitOk(git, ['rev-parse', 'HEAD'])).trim()
    const source = createGitModelSource({ git, registry: registryAt(commit), modelPath: 'nope/' })
    const error = await source.digestAt!('m', commit).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as Error).message).toContain(`Cannot read nope/ at ${commit.slice(0, 12)}`)
  })
})

/** The digest of a directory holding exactly `files`, computed the way candidates are. */
async function scratchDigest(files: Record<string, string>): Promise<string> {
  const dir = path.join(sandbox.root, `expected-${Object.keys(files).join('-')}`)
  await mkdir(dir, { recursive: true })
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), content)
  }
  const { files: hashed } = await walkAndHash(dir, 'expected')
  return candidateDigest(hashed)
}

describe('opening the registry a policy names', () => {
  it('names the settings that exist when an MLflow policy has no tracking URI', async () => {
    const { dir } = await sandbox.standalone('mlflow-no-uri')
    const policy = parsePolicy(
      'model: churn\nregistry: { type: mlflow }\nmetrics:\n  accuracy: { goal: maximize }\n' +
        'stages:\n  production:\n    from: [candidate]\n',
      'policy.yml'
    )
    const error = await openRegistry(dir, policy, { env: {} }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(InvalidInputError)
    expect((error as Error).message).toBe(
      'The policy uses an MLflow registry but names no tracking URI: set registry.uri in the ' +
        'policy, or MLFLOW_TRACKING_URI in the environment'
    )
  })
})
