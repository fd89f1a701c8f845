import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { InvalidInputError, NotFoundError } from '../errors.js'
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
