import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { DefaultArtifactClient, type ArtifactClient, type FindOptions } from '@actions/artifact'
import {
  errorMessage,
  InvalidInputError,
  ModelGateError,
  NotFoundError,
  PermissionError
} from '../errors.js'
import { apiError, httpStatus } from '../github/client.js'
import { extractZip, readZipDirectory, ZipRefusal } from './unzip.js'

/**
 * A candidate model from a GitHub Actions artifact: found, size-checked, downloaded as a zip
 * into a fresh temporary directory, vetted entry by entry on the zip's central directory (see
 * unzip.ts), and only then extracted. The caller loads the result with `loadCandidate(dir)`.
 */

/** The cap when the policy sets no `artifact.max_size_mb`: 10 GiB, so there is always a limit. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 10 * 1024 * 1024 * 1024

const MIB = 1024 * 1024

/** An artifact as a source reports it. */
export interface ArtifactInfo {
  id: number
  name: string
  /** Bytes, as GitHub reports them: the size of the zip (compressed), not of its contents. */
  size: number
  createdAt?: Date
  /** True when the source knows the artifact has expired (its files are gone). */
  expired?: boolean
  expiresAt?: Date
  /** `sha256:<hex>` of the zip, recorded at upload (artifacts uploaded since early 2025). */
  digest?: string
}

/** Where a source looks: one workflow run. */
export interface ArtifactScope {
  /** Absent for the current run seen through the runner's artifact service. */
  runId?: number
  /** `owner/name`. */
  repository?: string
  /** For messages: "run 42 of acme/models", "this workflow run". */
  description: string
}

/** The artifact service of one workflow run. */
export interface ArtifactSource {
  readonly scope: ArtifactScope
  /** The newest artifact of that name, or undefined when there is none. */
  find(name: string): Promise<ArtifactInfo | undefined>
  /**
   * Save the artifact's zip, not extracted, into the empty directory `into`; resolve to the
   * zip's path. Throws NotFoundError when it has expired or vanished since `find`.
   */
  download(artifact: ArtifactInfo, into: string): Promise<string>
}

export interface CandidateArtifactRequest {
  /** The artifact's name (`candidate-artifact`). */
  name: string
  /**
   * Most bytes the candidate may take, unpacked: `stages.<stage>.artifact.max_size_mb` ×
   * 1,048,576. Default {@link DEFAULT_MAX_ARTIFACT_BYTES}.
   */
  maxBytes?: number
}

export interface CandidateArtifactDeps {
  source: ArtifactSource
  /** Where the temporary directory is made; default `os.tmpdir()` (pass RUNNER_TEMP on a runner). */
  tempRoot?: string
}

export interface FetchedArtifact {
  /** The extracted candidate directory, ready for `loadCandidate`. */
  dir: string
  /** Removes the temporary directory and everything in it. */
  cleanup(): Promise<void>
  artifact: {
    name: string
    id: number
    runId?: number
    repository?: string
    /** The zip's size, as reported. */
    sizeBytes: number
    /** The extracted files' total size. */
    unpackedBytes: number
  }
}

/**
 * Fetch the artifact `request.name` from `deps.source` and extract it into a fresh temporary
 * directory. Fails closed, removing the temporary directory on every failure:
 * - NotFoundError (exit 3) when there is no such artifact, or it has expired;
 * - PermissionError (exit 4) from the source when the token may not read it;
 * - InvalidInputError (exit 2) naming the artifact, and the entry when there is one, when the
 *   reported size is above the limit (nothing is downloaded), when the zip's entries would
 *   escape the directory, include links or special files, or expand beyond the limit
 *   (nothing is extracted), or when extraction does not match what the zip declared.
 */
export async function fetchCandidateArtifact(
  request: CandidateArtifactRequest,
  deps: CandidateArtifactDeps
): Promise<FetchedArtifact> {
  const { source } = deps
  const name = request.name.trim()
  if (name === '') throw new InvalidInputError('The candidate artifact name is empty')
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_ARTIFACT_BYTES
  if (!Number.isFinite(maxBytes) || maxBytes < 0) {
    throw new Error(`internal error: artifact size limit ${maxBytes} is not a byte count`)
  }
  const where = source.scope.description

  const info = await source.find(name)
  if (!info) {
    throw new NotFoundError(
      `The artifact ${name} was not found in ${where}; check the name, and that the run ` +
        'uploaded it and it has not expired or been deleted'
    )
  }
  const label = `The artifact ${name} (id ${info.id}) in ${where}`
  if (info.expired) {
    const when = info.expiresAt ? ` on ${info.expiresAt.toISOString()}` : ''
    throw new NotFoundError(
      `${label} expired${when}; its files are gone. Re-run the training job, or keep ` +
        'artifacts longer (retention-days)'
    )
  }
  const limitText = `${formatBytes(maxBytes)}${request.maxBytes === undefined ? ' (the default cap)' : ' (artifact.max_size_mb)'}`
  if (info.size > zipCeiling(maxBytes)) {
    throw new InvalidInputError(
      `${label} is ${formatBytes(info.size)} zipped: its contents cannot fit the limit of ` +
        `${limitText}; not downloaded`
    )
  }

  const work = await mkdtemp(path.join(deps.tempRoot ?? os.tmpdir(), 'modelgate-artifact-'))
  const cleanup = () => rm(work, { recursive: true, force: true })
  try {
    const downloads = path.join(work, 'zip')
    const dir = path.join(work, 'candidate')
    await mkdir(downloads)
    const zipFile = await source.download(info, downloads)
    const zipSize = (await lstat(zipFile)).size
    if (zipSize > zipCeiling(maxBytes)) {
      throw new InvalidInputError(
        `${label} downloaded as ${formatBytes(zipSize)}: its contents cannot fit the limit of ${limitText}`
      )
    }
    const refused = (error: unknown): never => {
      if (!(error instanceof ZipRefusal)) throw error
      throw new InvalidInputError(`${label} was refused: the zip ${error.message}`, {
        cause: error
      })
    }
    const zip = await readZipDirectory(zipFile, { maxBytes }).catch(refused)
    await extractZip(zipFile, zip, dir).catch(refused)
    await rm(downloads, { recursive: true, force: true })
    const unpackedBytes = await verifyExtraction(work, dir, maxBytes, label)
    return {
      dir,
      cleanup,
      artifact: {
        name: info.name,
        id: info.id,
        ...(source.scope.runId === undefined ? {} : { runId: source.scope.runId }),
        ...(source.scope.repository === undefined ? {} : { repository: source.scope.repository }),
        sizeBytes: info.size,
        unpackedBytes
      }
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

/**
 * Belt and braces after extraction: the work directory holds only the candidate, and the
 * candidate only regular files and directories, within the limit. Returns the total size.
 */
async function verifyExtraction(
  work: string,
  dir: string,
  maxBytes: number,
  label: string
): Promise<number> {
  const left = await readdir(work)
  if (left.length !== 1 || left[0] !== path.basename(dir)) {
    throw new InvalidInputError(`${label} was refused: extraction wrote outside its directory`)
  }
  let total = 0
  const visit = async (relative: string): Promise<void> => {
    const absolute = path.join(dir, relative)
    for (const entry of await readdir(absolute)) {
      const child = relative === '' ? entry : `${relative}/${entry}`
      const stats = await lstat(path.join(dir, child))
      if (stats.isDirectory()) {
        await visit(child)
      } else if (stats.isFile()) {
        total += stats.size
      } else {
        throw new InvalidInputError(
          `${label} was refused: ${child} is neither a regular file nor a directory`
        )
      }
    }
  }
  await visit('')
  if (total > maxBytes) {
    throw new InvalidInputError(
      `${label} was refused: it unpacked to ${formatBytes(total)}, above the limit of ${formatBytes(maxBytes)}`
    )
  }
  return total
}

/**
 * The largest zip that may hold contents within `maxBytes`. GitHub reports the zip's size, and a
 * zip is usually smaller than its contents, but not always: headers cost ~100 bytes plus twice
 * the name per entry, and deflate can grow incompressible data slightly. Comparing the zip
 * with the limit itself would refuse a model of incompressible weights just under the limit,
 * so the zip may exceed it by 1 MiB plus 1%. The exact check is on the unpacked sizes.
 */
export function zipCeiling(maxBytes: number): number {
  return maxBytes + MIB + Math.ceil(maxBytes / 100)
}

function formatBytes(bytes: number): string {
  if (bytes < MIB) return `${bytes} bytes`
  return `${(bytes / MIB).toFixed(1)} MiB (${bytes} bytes)`
}

export interface ActionsArtifactSourceOptions {
  /** A token with `actions: read` on the repository; used for another run or repository. */
  token: string
  /** `candidate-run-id`: the workflow run that uploaded the artifact. */
  runId?: number
  /** `candidate-repository`: `owner/name`; default the current `GITHUB_REPOSITORY`. */
  repository?: string
  /** GITHUB_REPOSITORY, GITHUB_RUN_ID, ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL; default process.env. */
  env?: Record<string, string | undefined>
  /** Default: a new `DefaultArtifactClient`. */
  client?: ArtifactClient
}

/**
 * The artifact source over `@actions/artifact`.
 *
 * With neither a run id nor a repository, and inside a JavaScript action's job (the runner's
 * `ACTIONS_RUNTIME_TOKEN` and `ACTIONS_RESULTS_URL` are set), it asks the current run's artifact
 * service. Otherwise it uses the REST API (`GITHUB_API_URL`, read when `@actions/github` is
 * first imported) with `token`: run `runId` (default `GITHUB_RUN_ID` when the repository is the
 * current one) of `repository` (default `GITHUB_REPOSITORY`). The token is only sent, never
 * logged or put in a message.
 *
 * The library reports no expiry on find: an expired artifact is found, and its download
 * answers 410 Gone, which becomes a NotFoundError saying it expired.
 *
 * The zip is downloaded with `skipDecompress` and vetted here (unzip.ts) because the library's
 * own extraction (unzip-stream 0.3.4) rewrites `..` segments to `.` rather than refusing them,
 * writes link entries as plain files, and has no size limit: a zip bomb would be written out
 * before any check could run. Its `expectedHash` check is used when the artifact has a digest.
 */
export function actionsArtifactSource(options: ActionsArtifactSourceOptions): ArtifactSource {
  const env = options.env ?? process.env
  const client = options.client ?? new DefaultArtifactClient()
  const current = env.GITHUB_REPOSITORY
  const repository = options.repository ?? current
  if (repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new InvalidInputError(
      `candidate-repository must be owner/name, not ${JSON.stringify(repository)}`
    )
  }
  if (options.runId !== undefined && !(Number.isSafeInteger(options.runId) && options.runId > 0)) {
    throw new InvalidInputError(`candidate-run-id must be a positive integer, not ${options.runId}`)
  }
  const internal =
    options.runId === undefined &&
    options.repository === undefined &&
    Boolean(env.ACTIONS_RUNTIME_TOKEN) &&
    Boolean(env.ACTIONS_RESULTS_URL)

  if (internal) {
    const scope: ArtifactScope = {
      description: `this workflow run${current ? ` of ${current}` : ''}`
    }
    if (current) scope.repository = current
    return {
      scope,
      find: name => findWith(client, name, undefined, scope),
      download: (artifact, into) => downloadWith(client, artifact, into, undefined, scope)
    }
  }

  if (repository === undefined) {
    throw new InvalidInputError(
      'candidate-artifact outside a GitHub Actions job needs candidate-repository and ' +
        'candidate-run-id'
    )
  }
  const currentRun = Number(env.GITHUB_RUN_ID)
  const runId =
    options.runId ??
    (repository === current && Number.isSafeInteger(currentRun) && currentRun > 0
      ? currentRun
      : undefined)
  if (runId === undefined) {
    throw new InvalidInputError(
      `candidate-run-id is required to take an artifact from ${repository}` +
        (repository === current ? ' outside a workflow run' : '')
    )
  }
  const [owner, name] = repository.split('/') as [string, string]
  const findBy: NonNullable<FindOptions['findBy']> = {
    token: options.token,
    workflowRunId: runId,
    repositoryOwner: owner,
    repositoryName: name
  }
  const scope: ArtifactScope = { runId, repository, description: `run ${runId} of ${repository}` }
  const other = current !== undefined && repository.toLowerCase() !== current.toLowerCase()
  return {
    scope,
    find: artifactName => findWith(client, artifactName, findBy, scope, other),
    download: (artifact, into) => downloadWith(client, artifact, into, findBy, scope, other)
  }
}

async function findWith(
  client: ArtifactClient,
  name: string,
  findBy: FindOptions['findBy'],
  scope: ArtifactScope,
  other = false
): Promise<ArtifactInfo | undefined> {
  try {
    const { artifact } = await client.getArtifact(name, findBy ? { findBy } : undefined)
    const info: ArtifactInfo = { id: artifact.id, name: artifact.name, size: artifact.size }
    if (artifact.createdAt) info.createdAt = artifact.createdAt
    if (artifact.digest) info.digest = artifact.digest
    return info
  } catch (error) {
    if (errorName(error) === 'ArtifactNotFoundError') return undefined
    throw libraryError(error, `finding artifact ${name} in ${scope.description}`, scope, other)
  }
}

async function downloadWith(
  client: ArtifactClient,
  artifact: ArtifactInfo,
  into: string,
  findBy: FindOptions['findBy'],
  scope: ArtifactScope,
  other = false
): Promise<string> {
  const what = `the artifact ${artifact.name} (id ${artifact.id}) in ${scope.description}`
  let digestMismatch: boolean | undefined
  try {
    ;({ digestMismatch } = await client.downloadArtifact(artifact.id, {
      path: into,
      skipDecompress: true,
      ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
      ...(findBy ? { findBy } : {})
    }))
  } catch (error) {
    const status = statusOf(error)
    if (status === 410) {
      const uploaded = artifact.createdAt ? ` (uploaded ${artifact.createdAt.toISOString()})` : ''
      throw new NotFoundError(
        `The artifact ${artifact.name} (id ${artifact.id}) in ${scope.description} has expired` +
          `${uploaded}; its files are gone. Re-run the training job, or keep artifacts longer ` +
          '(retention-days)',
        { cause: error }
      )
    }
    if (status === 404 || errorName(error) === 'ArtifactNotFoundError') {
      throw new NotFoundError(
        `${capitalize(what)} could not be downloaded (it was deleted, or has expired)`,
        { cause: error }
      )
    }
    throw libraryError(error, `downloading ${what}`, scope, other)
  }
  if (digestMismatch) {
    throw new InvalidInputError(
      `${capitalize(what)} was refused: the downloaded zip does not match the digest ` +
        `${artifact.digest ?? ''} recorded at upload`
    )
  }
  const files = await readdir(into)
  if (files.length !== 1 || files[0] === undefined) {
    throw new Error(`Downloading ${what} left ${files.length} files instead of one zip`)
  }
  return path.join(into, files[0])
}

/** A library failure as an error a person can act on. */
function libraryError(
  error: unknown,
  doing: string,
  scope: ArtifactScope,
  other: boolean
): ModelGateError | Error {
  if (error instanceof ModelGateError) return error
  const name = errorName(error)
  if (name === 'GHESNotSupportedError') {
    return new InvalidInputError(
      'candidate-artifact is not available on GitHub Enterprise Server: @actions/artifact ' +
        'v2 and later do not support it',
      { cause: error }
    )
  }
  const status = statusOf(error)
  const repo = scope.repository ?? 'the repository'
  const needs =
    `\`actions: read\` on ${repo}` +
    (other
      ? ` (the workflow's GITHUB_TOKEN cannot read another repository; pass a token that can)`
      : '')
  if (status === 401 || status === 403) {
    // The runner's artifact service gives the status only in words: give apiError a status.
    const withStatus =
      httpStatus(error) === undefined ? { status, message: errorMessage(error) } : error
    const mapped = apiError(withStatus, doing, needs)
    if (mapped instanceof PermissionError) return mapped
    return new PermissionError(mapped.message, { cause: error })
  }
  if (status === 404 && scope.runId !== undefined) {
    return new NotFoundError(
      `GitHub API: ${doing} failed (HTTP 404): ${scope.description} does not exist, or the ` +
        `token cannot see ${repo} (it needs ${needs})`,
      { cause: error }
    )
  }
  return apiError(error, doing)
}

/**
 * The HTTP status of a library failure: Octokit's `RequestError.status`, or, from the runner's
 * artifact service (which only says it in words), the `(403)` in "Failed request: (403) Forbidden".
 */
function statusOf(error: unknown): number | undefined {
  const status = httpStatus(error)
  if (status !== undefined) return status
  const match = /Failed request: \((\d{3})\)/.exec(errorMessage(error))
  return match ? Number(match[1]) : undefined
}

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name
  return typeof name === 'string' ? name : undefined
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
