// Response bodies shaped like GitHub's: every field the spec's response schema requires, the
// values taken from the stand-in's state. Small objects are written out; the repository object
// (ninety URL fields) starts from the spec's own example and is re-pointed at our repository.
// The server validates every body built here against the operation's response schema.

import { createHash } from 'node:crypto'
import type { Spec } from './spec.js'
import type {
  CheckRun,
  CommitStatus,
  GitHubState,
  IssueComment,
  Pull,
  PullFile,
  Repo,
  RepositoryRole,
  Review,
  Team
} from './state.js'

type Json = Record<string, unknown>

/** The placeholder account GitHub shows for a deleted user where the schema needs a user. */
const GHOST = 'ghost'

export class Shapes {
  constructor(
    private readonly spec: Spec,
    private readonly state: GitHubState,
    /** The stand-in's base URL: API URLs in bodies point back at it. */
    private readonly api: string,
    private readonly web = 'https://github.com'
  ) {}

  user(login: string | null): Json | null {
    if (login === null) return null
    const user = this.state.user(login)
    const apiUser = `${this.api}/users/${encodeURIComponent(user.login)}`
    return {
      login: user.login,
      id: user.id,
      node_id: nodeId(user.type === 'Organization' ? 'O' : 'U', user.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      gravatar_id: '',
      url: apiUser,
      html_url: `${this.web}/${user.login}`,
      followers_url: `${apiUser}/followers`,
      following_url: `${apiUser}/following{/other_user}`,
      gists_url: `${apiUser}/gists{/gist_id}`,
      starred_url: `${apiUser}/starred{/owner}{/repo}`,
      subscriptions_url: `${apiUser}/subscriptions`,
      organizations_url: `${apiUser}/orgs`,
      repos_url: `${apiUser}/repos`,
      events_url: `${apiUser}/events{/privacy}`,
      received_events_url: `${apiUser}/received_events`,
      type: user.type,
      user_view_type: 'public',
      site_admin: false
    }
  }

  /** `full-repository` (GET /repos/{owner}/{repo}); also fits `repository` and `minimal-repository`. */
  repository(repo: Repo): Json {
    const example = this.example('repos/get') as Json
    // Not a fork, not from a template: drop what the example has for those.
    for (const key of ['parent', 'source', 'template_repository', 'temp_clone_token']) {
      delete example[key]
    }
    const body = rebase(example, [
      ['https://api.github.com', this.api],
      ['octocat/Hello-World', repo.fullName]
    ]) as Json
    const owner = this.user(repo.owner)
    return {
      ...body,
      id: repo.id,
      node_id: nodeId('R', repo.id),
      name: repo.name,
      full_name: repo.fullName,
      owner,
      organization: repo.ownerType === 'Organization' ? owner : null,
      private: repo.isPrivate,
      visibility: repo.isPrivate ? 'private' : 'public',
      html_url: `${this.web}/${repo.fullName}`,
      description: null,
      homepage: null,
      language: null,
      mirror_url: null,
      fork: false,
      is_template: false,
      topics: [],
      license: null,
      default_branch: repo.defaultBranch,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      subscribers_count: 1,
      network_count: 0,
      open_issues: [...repo.pulls.values()].filter(pull => pull.state === 'open').length,
      open_issues_count: [...repo.pulls.values()].filter(pull => pull.state === 'open').length,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      pushed_at: repo.createdAt
    }
  }

  /** `pull-request` (GET one PR). */
  pull(repo: Repo, pull: Pull): Json {
    const apiRepo = `${this.api}/repos/${repo.fullName}`
    const html = `${this.web}/${repo.fullName}/pull/${pull.number}`
    const files = pull.files
    return {
      url: `${apiRepo}/pulls/${pull.number}`,
      id: pull.id,
      node_id: nodeId('PR', pull.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${apiRepo}/issues/${pull.number}`,
      commits_url: `${apiRepo}/pulls/${pull.number}/commits`,
      review_comments_url: `${apiRepo}/pulls/${pull.number}/comments`,
      review_comment_url: `${apiRepo}/pulls/comments{/number}`,
      comments_url: `${apiRepo}/issues/${pull.number}/comments`,
      statuses_url: `${apiRepo}/statuses/${pull.headSha}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      // A single pull request always has a user (the schema requires one): GitHub shows a
      // deleted account as its placeholder `ghost`; lists answer null (see pullSimple).
      user: this.user(pull.author ?? GHOST),
      body: pull.body,
      labels: pull.labels.map((name, index) => ({
        id: pull.id * 100 + index,
        node_id: nodeId('LA', pull.id * 100 + index),
        url: `${apiRepo}/labels/${encodeURIComponent(name)}`,
        name,
        description: null,
        color: 'ededed',
        default: false
      })),
      milestone: null,
      active_lock_reason: null,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: this.branchRef(repo, pull.headRef, pull.headSha),
      base: this.branchRef(repo, pull.baseRef, pull.baseSha),
      _links: {
        self: { href: `${apiRepo}/pulls/${pull.number}` },
        html: { href: html },
        issue: { href: `${apiRepo}/issues/${pull.number}` },
        comments: { href: `${apiRepo}/issues/${pull.number}/comments` },
        review_comments: { href: `${apiRepo}/pulls/${pull.number}/comments` },
        review_comment: { href: `${apiRepo}/pulls/comments{/number}` },
        commits: { href: `${apiRepo}/pulls/${pull.number}/commits` },
        statuses: { href: `${apiRepo}/statuses/${pull.headSha}` }
      },
      author_association: this.association(repo, pull.author),
      auto_merge: null,
      draft: pull.draft,
      merged: pull.merged,
      mergeable: pull.state === 'open' ? true : null,
      rebaseable: pull.state === 'open' ? true : null,
      mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
      merged_by: this.user(pull.mergedBy),
      comments: repo.commentsOn(pull.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: pull.commits.length,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: files.reduce((sum, file) => sum + file.deletions, 0),
      changed_files: files.length
    }
  }

  /** `pull-request-simple` (lists): the full object less what lists leave out, e.g. `merged`. */
  pullSimple(repo: Repo, pull: Pull): Json {
    return {
      ...this.project(this.pull(repo, pull), '#/components/schemas/pull-request-simple'),
      user: this.user(pull.author)
    }
  }

  /** `private-user` (GET /user with a personal access token). */
  authenticatedUser(login: string): Json {
    const at = this.state.clock.iso()
    return {
      ...this.user(login),
      user_view_type: 'private',
      name: null,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: at,
      updated_at: at,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true
    }
  }

  review(repo: Repo, review: Review): Json {
    const apiPull = `${this.api}/repos/${repo.fullName}/pulls/${review.pullNumber}`
    const html = `${this.web}/${repo.fullName}/pull/${review.pullNumber}#pullrequestreview-${review.id}`
    return {
      id: review.id,
      node_id: nodeId('PRR', review.id),
      user: this.user(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: apiPull,
      _links: { html: { href: html }, pull_request: { href: apiPull } },
      ...(review.submittedAt ? { submitted_at: review.submittedAt } : {}),
      commit_id: review.commitId,
      author_association: this.association(repo, review.user)
    }
  }

  comment(repo: Repo, comment: IssueComment): Json {
    const apiRepo = `${this.api}/repos/${repo.fullName}`
    const isPull = repo.pulls.has(comment.issueNumber)
    return {
      id: comment.id,
      node_id: nodeId('IC', comment.id),
      url: `${apiRepo}/issues/comments/${comment.id}`,
      html_url: `${this.web}/${repo.fullName}/${isPull ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${apiRepo}/issues/${comment.issueNumber}`,
      author_association: this.association(repo, comment.user),
      performed_via_github_app: comment.viaApp
        ? this.app(comment.viaApp.id, comment.viaApp.slug)
        : null
    }
  }

  status(repo: Repo, status: CommitStatus): Json {
    return {
      url: `${this.api}/repos/${repo.fullName}/statuses/${status.sha}`,
      avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
      id: status.id,
      node_id: nodeId('SC', status.id),
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.updatedAt,
      creator: this.user(status.creator)
    }
  }

  combinedStatus(repo: Repo, sha: string, statuses: Json[], state: string, total: number): Json {
    return {
      state,
      statuses,
      sha,
      total_count: total,
      repository: this.project(this.repository(repo), '#/components/schemas/minimal-repository'),
      commit_url: `${this.api}/repos/${repo.fullName}/commits/${sha}`,
      url: `${this.api}/repos/${repo.fullName}/commits/${sha}/status`
    }
  }

  checkRun(repo: Repo, run: CheckRun): Json {
    const apiRepo = `${this.api}/repos/${repo.fullName}`
    const pulls = [...repo.pulls.values()].filter(pull => pull.headSha === run.headSha)
    return {
      id: run.id,
      head_sha: run.headSha,
      node_id: nodeId('CR', run.id),
      external_id: '',
      url: `${apiRepo}/check-runs/${run.id}`,
      html_url: `${this.web}/${repo.fullName}/runs/${run.id}`,
      details_url: `${this.web}/${repo.fullName}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.title,
        summary: run.summary,
        text: null,
        annotations_count: 0,
        annotations_url: `${apiRepo}/check-runs/${run.id}/annotations`
      },
      name: run.name,
      check_suite: { id: run.id + 1 },
      app: this.app(run.appId, run.appSlug),
      pull_requests: pulls.map(pull => ({
        url: `${apiRepo}/pulls/${pull.number}`,
        id: pull.id,
        number: pull.number,
        head: { ref: pull.headRef, sha: pull.headSha, repo: this.repoRef(repo) },
        base: { ref: pull.baseRef, sha: pull.baseSha, repo: this.repoRef(repo) }
      }))
    }
  }

  diffEntry(repo: Repo, pull: Pull, file: PullFile): Json {
    const sha = gitBlobSha(Buffer.from(`${pull.headSha}:${file.filename}`))
    const encoded = file.filename.split('/').map(encodeURIComponent).join('/')
    return {
      sha,
      filename: file.filename,
      status: file.status,
      additions: file.additions,
      deletions: file.deletions,
      changes: file.additions + file.deletions,
      blob_url: `${this.web}/${repo.fullName}/blob/${pull.headSha}/${encoded}`,
      raw_url: `${this.web}/${repo.fullName}/raw/${pull.headSha}/${encoded}`,
      contents_url: `${this.api}/repos/${repo.fullName}/contents/${encoded}?ref=${pull.headSha}`,
      ...(file.patch !== undefined ? { patch: file.patch } : {}),
      ...(file.previousFilename ? { previous_filename: file.previousFilename } : {})
    }
  }

  contentFile(repo: Repo, ref: string, filePath: string, content: Buffer): Json {
    return {
      ...this.contentEntry(repo, ref, filePath, 'file', content),
      encoding: 'base64',
      // GitHub wraps the base64 text at 60 characters with newlines.
      content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n'
    }
  }

  contentEntry(
    repo: Repo,
    ref: string,
    filePath: string,
    type: 'file' | 'dir',
    content?: Buffer
  ): Json {
    const encoded = filePath.split('/').map(encodeURIComponent).join('/')
    const sha = type === 'file' ? gitBlobSha(content!) : gitBlobSha(Buffer.from(`tree:${filePath}`))
    const self = `${this.api}/repos/${repo.fullName}/contents/${encoded}?ref=${encodeURIComponent(ref)}`
    const git = `${this.api}/repos/${repo.fullName}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`
    const html = `${this.web}/${repo.fullName}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${encoded}`
    return {
      type,
      size: content?.length ?? 0,
      name: filePath.split('/').pop() ?? filePath,
      path: filePath,
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url:
        type === 'file'
          ? `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${encoded}`
          : null,
      _links: { self, git, html }
    }
  }

  collaboratorPermission(repo: Repo, login: string, role: RepositoryRole | undefined): Json {
    const legacy = legacyPermission(role, repo.isPrivate)
    const roleName = role ?? legacy
    const rank = role ? ROLE_RANK[role] : legacy === 'read' ? ROLE_RANK.read : 0
    return {
      permission: legacy,
      role_name: roleName,
      user: {
        ...this.user(login),
        permissions: {
          admin: rank >= ROLE_RANK.admin,
          maintain: rank >= ROLE_RANK.maintain,
          push: rank >= ROLE_RANK.write,
          triage: rank >= ROLE_RANK.triage,
          pull: rank >= ROLE_RANK.read
        },
        role_name: roleName
      }
    }
  }

  teamMembership(team: Team, login: string, role: 'member' | 'maintainer'): Json {
    return {
      url: `${this.api}/organizations/${this.state.user(team.org).id}/team/${team.id}/memberships/${encodeURIComponent(login)}`,
      role,
      state: 'active'
    }
  }

  team(team: Team): Json {
    const example = this.example('teams/get-by-name') as Json
    const org = example.organization as Json
    const orgUser = this.user(team.org)!
    return {
      ...example,
      id: team.id,
      node_id: nodeId('T', team.id),
      url: `${this.api}/organizations/${orgUser.id}/team/${team.id}`,
      html_url: `${this.web}/orgs/${team.org}/teams/${team.slug}`,
      name: team.name,
      slug: team.slug,
      description: null,
      privacy: team.privacy,
      permission: 'pull',
      members_url: `${this.api}/organizations/${orgUser.id}/team/${team.id}/members{/member}`,
      repositories_url: `${this.api}/organizations/${orgUser.id}/team/${team.id}/repos`,
      parent: null,
      members_count: team.members.size,
      repos_count: 0,
      type: 'organization',
      organization: {
        ...(rebase(org, [['https://api.github.com', this.api]]) as Json),
        login: team.org,
        id: orgUser.id,
        node_id: orgUser.node_id,
        url: `${this.api}/orgs/${team.org}`,
        html_url: `${this.web}/${team.org}`,
        name: team.org,
        archived_at: null
      }
    }
  }

  rateLimit(limit: number, used: number, reset: number): Json {
    const example = this.example('rate-limit/get') as { resources: Record<string, Json> }
    const core = { limit, used, remaining: Math.max(0, limit - used), reset }
    const resources = Object.fromEntries(
      Object.entries(example.resources).map(([name, value]) => [
        name,
        name === 'core' ? core : value
      ])
    )
    return { resources, rate: core }
  }

  // -- helpers ---------------------------------------------------------------------------------

  private branchRef(repo: Repo, ref: string, sha: string): Json {
    return {
      label: `${repo.owner}:${ref}`,
      ref,
      sha,
      user: this.user(repo.owner),
      repo: this.project(this.repository(repo), '#/components/schemas/repository')
    }
  }

  private repoRef(repo: Repo): Json {
    return { id: repo.id, url: `${this.api}/repos/${repo.fullName}`, name: repo.name }
  }

  app(id: number, slug: string): Json {
    const example = this.example('checks/list-for-ref') as { check_runs: { app: Json }[] }
    const app = example.check_runs[0]!.app
    return {
      ...(rebase(app, [['https://api.github.com', this.api]]) as Json),
      id,
      slug,
      name: slug === 'github-actions' ? 'GitHub Actions' : slug,
      html_url: `${this.web}/apps/${slug}`,
      owner: this.user(slug === 'github-actions' ? 'github' : slug)
    }
  }

  private association(repo: Repo, login: string | null): string {
    if (login === null) return 'NONE'
    if (repo.ownerType === 'User' && login.toLowerCase() === repo.owner.toLowerCase())
      return 'OWNER'
    if (repo.collaborators.has(login.toLowerCase())) return 'COLLABORATOR'
    const authored = [...repo.pulls.values()].some(
      pull => pull.merged && pull.author?.toLowerCase() === login.toLowerCase()
    )
    return authored ? 'CONTRIBUTOR' : 'NONE'
  }

  /** Keeps only the properties a schema declares (lists carry less than single objects). */
  private project(value: Json, ref: string): Json {
    const properties = (this.spec.resolve(ref).properties ?? {}) as Json
    return Object.fromEntries(Object.entries(value).filter(([key]) => key in properties))
  }

  private example(operationId: string): unknown {
    const example = this.spec.operation(operationId)?.response?.example
    if (example === undefined) throw new Error(`the spec index has no example for ${operationId}`)
    return structuredClone(example)
  }
}

const ROLE_RANK: Record<RepositoryRole, number> = {
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5
}

/**
 * The legacy `permission` GitHub reports: admin, write, read or none; maintain is reported as
 * write and triage as read (the full role is in `role_name`).
 */
export function legacyPermission(role: RepositoryRole | undefined, isPrivate: boolean): string {
  switch (role) {
    case 'admin':
      return 'admin'
    case 'maintain':
    case 'write':
      return 'write'
    case 'triage':
    case 'read':
      return 'read'
    default:
      return isPrivate ? 'none' : 'read'
  }
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kgDO${Buffer.from(String(id)).toString('base64url')}`
}

/** The git blob SHA-1 of some content, as the contents API reports it. */
export function gitBlobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

function rebase(value: unknown, replacements: [string, string][]): unknown {
  if (typeof value === 'string') {
    return replacements.reduce((text, [from, to]) => text.split(from).join(to), value)
  }
  if (Array.isArray(value)) return value.map(item => rebase(item, replacements))
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, rebase(item, replacements)])
    )
  }
  return value
}
