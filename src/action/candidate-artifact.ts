import type { CommandOutcome } from '../commands/registry-context.js'
import { PermissionError } from '../errors.js'
import type { Settings } from '../inputs.js'
import type { Policy } from '../policy/schema.js'
import { candidateArtifactLine } from '../report/github-log.js'
import type { EventContext } from './github-context.js'

const MIB = 1024 * 1024

/**
 * Runs `next` with the `candidate-artifact` downloaded into a fresh temporary directory as the
 * candidate directory, and removes the directory afterwards. The stage's `artifact.max_size_mb`
 * in `policy` bounds the download (checked before anything is written out): callers pass the
 * policy that governs the run (the base branch's on a pull request), never a branch's own copy.
 * Called after the event and the actor's right are checked, so a refused run downloads nothing.
 */
export async function withCandidateArtifact<S extends Settings, T extends CommandOutcome>(
  settings: S,
  context: EventContext,
  policy: Policy | undefined,
  next: (settings: S) => Promise<T>
): Promise<T> {
  const name = settings.candidateArtifact
  if (!name) return next(settings)
  const token = settings.githubToken
  if (!token) {
    throw new PermissionError(
      `Downloading the candidate artifact ${name} needs a token: set the github-token input (default \${{ github.token }}) with actions: read`
    )
  }
  context.onSecret(token)
  const maxMb = settings.stage ? policy?.stages[settings.stage]?.artifact?.max_size_mb : undefined
  // Loaded on use: the artifact client is large, and most runs do not need it.
  const { fetchCandidateArtifact } = await import('../candidate/artifact.js')
  const { actionsArtifactSource } = await import('../github/artifact-source.js')
  const fetched = await fetchCandidateArtifact(
    { name, ...(maxMb !== undefined ? { maxBytes: Math.floor(maxMb * MIB) } : {}) },
    {
      source: actionsArtifactSource({
        token,
        ...(settings.candidateRunId ? { runId: settings.candidateRunId } : {}),
        ...(settings.candidateRepository ? { repository: settings.candidateRepository } : {}),
        env: context.env
      }),
      ...(context.env.RUNNER_TEMP ? { tempRoot: context.env.RUNNER_TEMP } : {})
    }
  )
  context.logger?.info(candidateArtifactLine(name, fetched.artifact, fetched.dir))
  try {
    return await next({ ...settings, candidate: fetched.dir })
  } finally {
    await fetched.cleanup()
  }
}
