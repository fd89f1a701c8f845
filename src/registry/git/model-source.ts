import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { candidateDigest } from '../../candidate/digest.js'
import { loadCandidate, walkAndHash } from '../../candidate/load.js'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import type { ModelSource } from '../model-source.js'
import type { Registry } from '../port.js'
import type { GitRunner } from './runner.js'

export interface GitModelSourceOptions {
  git: GitRunner
  registry: Pick<Registry, 'getVersion'>
  /** The model's directory in the repository, from the policy's `path`; else dvc.yaml decides. */
  modelPath?: string
}

/**
 * Reads a registered version's files as they were at its registration commit:
 * the model directory (policy `path`, else `artifacts.<model>.path` in that
 * commit's dvc.yaml, as GTO reads it) is checked out of that commit into a
 * temporary directory, loaded like any candidate, then removed.
 */
export function createGitModelSource(options: GitModelSourceOptions): ModelSource {
  return {
    async loadVersion(model, version) {
      const record = await options.registry.getVersion(model, version)
      if (!record?.ref) throw new NotFoundError(`${model} has no registered version ${version}`)
      const commit = record.ref
      const modelPath = options.modelPath ?? (await dvcArtifactPath(options.git, commit, model))
      return withExport(options.git, commit, modelPath, async dir => {
        const candidate = await loadCandidate(dir)
        return { ...candidate, dir: `${modelPath} at ${commit.slice(0, 12)}` }
      })
    },
    async digestAt(model, commit) {
      const modelPath = options.modelPath ?? (await dvcArtifactPath(options.git, commit, model))
      return withExport(options.git, commit, modelPath, async dir => {
        const { files } = await walkAndHash(dir, `${modelPath} at ${commit.slice(0, 12)}`)
        return candidateDigest(files)
      })
    }
  }
}

/** `artifacts.<model>.path` from dvc.yaml at `commit`, as GTO and DVC Studio read it. */
async function dvcArtifactPath(git: GitRunner, commit: string, model: string): Promise<string> {
  const shown = await git(['show', `${commit}:dvc.yaml`])
  const hint = `set \`path\` in the policy, or \`artifacts: ${model}: path:\` in dvc.yaml`
  if (shown.code !== 0) {
    throw new NotFoundError(`Cannot find ${model}'s files at ${commit.slice(0, 12)}: ${hint}`)
  }
  let artifactPath: unknown
  try {
    const dvc = parseYaml(shown.stdout) as { artifacts?: Record<string, { path?: unknown }> }
    artifactPath = dvc?.artifacts?.[model]?.path
  } catch (error) {
    throw new InvalidInputError(`dvc.yaml at ${commit.slice(0, 12)} is not valid YAML`, {
      locations: [{ file: 'dvc.yaml' }],
      cause: error
    })
  }
  if (typeof artifactPath !== 'string' || artifactPath === '') {
    throw new NotFoundError(
      `dvc.yaml at ${commit.slice(0, 12)} names no path for ${model}: ${hint}`
    )
  }
  return artifactPath
}

/**
 * Checks `modelPath` at `commit` out into a temporary directory for `use`, then removes it.
 * Through git alone (a scratch index: the checkout's own index and files are untouched), so
 * every byte comes past the injected runner, and every file is there (`git archive` would
 * leave out what `.gitattributes` marks `export-ignore`).
 */
async function withExport<T>(
  git: GitRunner,
  commit: string,
  modelPath: string,
  use: (dir: string) => Promise<T>
): Promise<T> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-version-'))
  try {
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') }
    const inside = modelPath.replace(/\/+$/, '')
    const tree = inside === '' || inside === '.' ? `${commit}^{tree}` : `${commit}:${inside}`
    const read = await git(['read-tree', tree], { env })
    if (read.code !== 0) {
      throw new NotFoundError(
        `Cannot read ${modelPath} at ${commit.slice(0, 12)}: ${read.stderr.trim() || 'git read-tree failed'}`
      )
    }
    const dir = path.join(scratch, 'tree')
    const written = await git(['checkout-index', '--all', '--force', `--prefix=${dir}/`], { env })
    if (written.code !== 0) {
      throw new Error(
        `Could not check ${modelPath} at ${commit.slice(0, 12)} out: ${written.stderr.trim()}`
      )
    }
    // loadCandidate refuses links that leave the directory, as for any candidate.
    return await use(dir)
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
