/** The git registry adapter: GTO-compatible annotated tags in the checkout. */
export { GitRegistry, LEASE_PREFIX, createGitRegistry, leaseRefOf } from './adapter.js'
export type { GitRegistryOptions } from './adapter.js'
export { createGitRunner, gitOk } from './runner.js'
export type { GitResult, GitRunOptions, GitRunner, GitRunnerSettings } from './runner.js'
export {
  TAG_RE,
  assertModelName,
  assertStageName,
  assertVersion,
  formatTagName,
  modelToTagPart,
  parseTagName,
  tagPartToModel
} from './tag-name.js'
export type { GtoAction, GtoTag } from './tag-name.js'
export {
  FOR_EACH_REF_ARGS,
  buildState,
  compareEvents,
  parseForEachRef,
  previousHolder,
  readState,
  versionsInStage
} from './state.js'
export type {
  ArtifactState,
  RegistryState,
  StageHolderState,
  TagEvent,
  TagRecord,
  VersionState
} from './state.js'
export { historyOf, stageHolder, statusOf, toRegistryEvent, versionRecord } from './queries.js'
export { formatMessage, parseMessage } from './message.js'
export { compareVersions, isGtoVersion } from './semver.js'
export { parseGtoStages, readGtoStages } from './gto-config.js'
export { withTagCache } from './tag-cache.js'
