import type { AuditUploader } from './publish.js'

/**
 * {@link AuditUploader} over `@actions/artifact` (the runner's artifact service, which the
 * runner announces with ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL). Loaded on first use, so
 * commands that write no audit record do not pay for its start-up.
 */
export function actionsArtifactUploader(): AuditUploader {
  return {
    async upload(name, files, root) {
      const { DefaultArtifactClient } = await import('@actions/artifact')
      await new DefaultArtifactClient().uploadArtifact(name, files, root)
    }
  }
}
