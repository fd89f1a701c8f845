// A GitHub REST API stand-in for end-to-end tests: an HTTP server on 127.0.0.1 that keeps
// state (pull requests, reviews, comments, statuses, permissions, teams, check runs, files)
// and refuses, with GitHub's status code and a recorded violation, any request GitHub's own
// OpenAPI description (@octokit/openapi) would not accept.
//
//   const gh = await start()
//   const repo = gh.state.addRepo({ owner: 'acme', name: 'models' })
//   repo.addPull({ number: 7, head: { ref: 'promote', sha } })
//   … run the action with GITHUB_API_URL=gh.url, INPUT_GITHUB-TOKEN=gh.token …
//   gh.assertNoViolations()
//   await gh.close()

export { start, formatViolation, type StandIn, type StartOptions } from './server.js'
export {
  GitHubState,
  Repo,
  fakeSha,
  type CheckRun,
  type CheckRunSeed,
  type CommitStatus,
  type Fault,
  type FaultOptions,
  type IssueComment,
  type Pull,
  type PullSeed,
  type RequestRecord,
  type RepositoryRole,
  type Review,
  type ReviewSeed,
  type ReviewStateName,
  type Team,
  type Token,
  type TokenOptions,
  type Violation,
  type ViolationKind
} from './state.js'
export { COMMENT_BODY_LIMIT, STATUS_DESCRIPTION_LIMIT } from './handlers.js'
export {
  DEPLOYMENT_DESCRIPTION_LIMIT,
  deploymentsOf,
  dispatchesOf,
  latestStatus,
  type Deployment,
  type DeploymentState,
  type DeploymentStatus,
  type DispatchEvent
} from './deployments.js'
export { loadSpec, type SpecStats } from './spec.js'
