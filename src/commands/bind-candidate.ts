import { candidateDigest } from '../candidate/digest.js'
import type { Candidate } from '../candidate/types.js'
import { InvalidInputError, ModelGateError } from '../errors.js'
import type { VersionRecord } from '../registry/port.js'
import type { RegistryContext } from './registry-context.js'

/**
 * The version a promotion names, checked against the candidate directory's model.yaml: a
 * directory that says it is another version is an error naming both, never a silent choice.
 */
export function versionToPromote(
  named: string | undefined,
  dir: string | undefined,
  fromDir: Candidate | undefined
): string | undefined {
  const inFile = fromDir?.info?.version
  if (named !== undefined && inFile !== undefined && inFile !== named) {
    throw new InvalidInputError(
      `The candidate ${dir ?? 'directory'} is version ${inFile} (its model.yaml), but the version to promote is ${named}: a directory is judged only as the version it is. Promote ${inFile}, or name the directory of ${named}.`,
      { locations: [{ file: `${dir ?? '.'}/model.yaml`, keyPath: 'version' }] }
    )
  }
  return named ?? inFile
}

/**
 * What ModelGate judges for `version` when a candidate directory is given: the directory, but
 * only when its content digest (candidate/digest.ts) equals the version's: the digest recorded
 * at registration, else the digest of the version's own files (git: at its registration commit).
 * When neither can be had, the directory is refused (fails closed): the caller can promote
 * without it, and the version's own files or run are judged.
 */
export async function bindCandidate(
  context: RegistryContext,
  record: VersionRecord,
  dir: string,
  fromDir: Candidate
): Promise<Candidate> {
  const { model, version } = record
  const actual = candidateDigest(fromDir.files)
  // The version's own files first (git: at its commit, under the judging policy's `path`): a
  // digest recorded at registration was made under whatever policy the registering run read,
  // and a tag message is anyone's who can push tags. The recorded digest stands in only where
  // the registry keeps no files (MLflow: the version tag a training job writes).
  const own = await ownDigest(context, model, version, dir)
  const expected =
    'digest' in own
      ? own
      : record.candidateDigest && own.noFiles
        ? { digest: record.candidateDigest, source: 'recorded at its registration' }
        : own.refuse()
  if (expected.digest !== actual) {
    throw new InvalidInputError(
      `The candidate directory ${dir} is not the files of ${model} ${version}: its content digest is ${actual}, the version's is ${expected.digest} (${expected.source}). ` +
        `ModelGate judges only what it promotes: promote without a candidate directory to judge ${version}'s own files, or register the directory's content as a new version.`,
      { locations: [{ file: dir }] }
    )
  }
  return fromDir
}

/** The digest of the version's own files, or why there is none and the refusal to throw then. */
async function ownDigest(
  context: RegistryContext,
  model: string,
  version: string,
  dir: string
): Promise<{ digest: string; source: string } | { noFiles: boolean; refuse: () => never }> {
  const refuse = (why: string, record: string, cause?: unknown) => (): never => {
    throw new InvalidInputError(
      `Refusing the candidate directory ${dir}: ${why}, so the directory cannot be shown to be ${model} ${version}. ` +
        `Promote without a candidate directory (${version} is then judged on its own files or run), or ${record}.`,
      { locations: [{ file: dir }], ...(cause ? { cause } : {}) }
    )
  }
  const gitRecord = `commit ${version}'s files where the policy's path names them`
  const runRecord =
    'have the job that registers each version record the digest of the files it logged (`modelgate digest DIR`) in the version tag modelgate.candidate_digest'
  let own: Candidate
  try {
    own = await context.models.loadVersion(model, version)
  } catch (error) {
    if (error instanceof ModelGateError) {
      return {
        noFiles: false,
        refuse: refuse(
          `the files of ${version} cannot be read (${error.message})`,
          gitRecord,
          error
        )
      }
    }
    throw error
  }
  if (own.files.length === 0) {
    return {
      noFiles: true,
      refuse: refuse(
        `the registry keeps no files of ${version} and has no content digest recorded at registration`,
        runRecord
      )
    }
  }
  return { digest: candidateDigest(own.files), source: "computed from the version's own files" }
}
