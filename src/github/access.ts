import {
  PERMISSION_RANK,
  TEAM_TOKEN_ADVICE,
  type RepoPermission,
  type TeamUnknown
} from '../gates/approvals.js'
import type { Policy } from '../policy/schema.js'
import {
  apiError,
  field,
  httpStatus,
  stringField,
  unexpected,
  type GitHubApi,
  type RepoRef
} from './client.js'

/** Who may do what in the repository: permissions and team membership. */
export interface RepoAccess {
  /** The user's permission on the repository; `none` for someone who has no access. */
  getPermission(login: string): Promise<RepoPermission>
  /**
   * Whether the user is an active member of the team (`org/team-slug`; child teams' members
   * count), or that the token cannot tell.
   */
  teamMembership(team: string, login: string): Promise<boolean | TeamUnknown>
}

const PERMISSIONS = new Set<string>(Object.keys(PERMISSION_RANK))

/**
 * {@link RepoAccess} over the REST API: `GET /repos/{owner}/{repo}/collaborators/{username}/permission`
 * and `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`. A 404 on a membership is
 * ambiguous (not a member, or a team the token cannot see), so the team itself is read once to
 * tell; a team the token cannot read (403, 404) is unknown, with the reason.
 */
export function octokitRepoAccess(api: GitHubApi, repo: RepoRef): RepoAccess {
  const visibleTeams = new Map<string, Promise<true | TeamUnknown>>()

  const teamVisible = (org: string, slug: string): Promise<true | TeamUnknown> => {
    const key = `${org}/${slug}`.toLowerCase()
    let visible = visibleTeams.get(key)
    if (!visible) {
      visible = api.request('GET /orgs/{org}/teams/{team_slug}', { org, team_slug: slug }).then(
        () => true as const,
        (error: unknown) => {
          const status = httpStatus(error)
          if (status === 403 || status === 404) return unreadable(`${org}/${slug}`, status)
          throw apiError(error, `reading team ${org}/${slug}`)
        }
      )
      visibleTeams.set(key, visible)
    }
    return visible
  }

  return {
    async getPermission(login) {
      let data: unknown
      try {
        ;({ data } = await api.request(
          'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
          { ...repo, username: login }
        ))
      } catch (error) {
        // Not a collaborator and not a user GitHub knows of: no access.
        if (httpStatus(error) === 404) return 'none'
        throw apiError(
          error,
          `reading ${login}'s permission on ${repo.owner}/${repo.repo}`,
          'metadata: read'
        )
      }
      return permissionOf(data, login)
    },

    async teamMembership(team, login) {
      const [org, slug] = splitTeam(team)
      try {
        const { data } = await api.request(
          'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
          { org, team_slug: slug, username: login }
        )
        return stringField(data, 'state') === 'active'
      } catch (error) {
        const status = httpStatus(error)
        if (status === 404) {
          const visible = await teamVisible(org, slug)
          return visible === true ? false : visible
        }
        if (status === 403) return unreadable(team, status)
        throw apiError(error, `reading ${login}'s membership of team ${team}`)
      }
    }
  }
}

function unreadable(team: string, status: number): TeamUnknown {
  return {
    unknown: true,
    reason: `the token cannot read team ${team} (HTTP ${status})`
  }
}

function splitTeam(team: string): [string, string] {
  const slash = team.indexOf('/')
  if (slash <= 0 || slash === team.length - 1) {
    throw new Error(`"${team}" is not a team: expected org/team-slug`)
  }
  return [team.slice(0, slash), team.slice(slash + 1)]
}

/**
 * The highest permission the response shows. `role_name` names it (`maintain`, `triage`) unless
 * it is a custom role; then the user's permission flags, then the legacy `permission` field
 * (which reports maintain as write and triage as read), whichever is highest.
 */
export function permissionOf(data: unknown, login: string): RepoPermission {
  const candidates: RepoPermission[] = []
  const role = stringField(data, 'role_name')
  if (role && PERMISSIONS.has(role)) candidates.push(role as RepoPermission)
  const flags = field(field(data, 'user'), 'permissions')
  if (typeof flags === 'object' && flags !== null) {
    const on = (name: string) => field(flags, name) === true
    if (on('admin')) candidates.push('admin')
    else if (on('maintain')) candidates.push('maintain')
    else if (on('push')) candidates.push('write')
    else if (on('triage')) candidates.push('triage')
    else if (on('pull')) candidates.push('read')
  }
  const legacy = stringField(data, 'permission')
  if (legacy && PERMISSIONS.has(legacy)) candidates.push(legacy as RepoPermission)
  if (candidates.length === 0) throw unexpected(`${login}'s repository permission`, data)
  return candidates.reduce((best, next) =>
    PERMISSION_RANK[next] > PERMISSION_RANK[best] ? next : best
  )
}

/** Who may roll back (and force a promotion): `rollback.allowed` of the policy. */
export type RollbackAllowed = NonNullable<Policy['rollback']>['allowed']

export interface AccessDecision {
  allowed: boolean
  /** Why, in a sentence naming the actor and the rule. */
  reason: string
}

/**
 * Whether `actor` may roll back or force a promotion: a listed user, a repository permission
 * at least `allowed.permission` (default `maintain`), or membership of a listed team, checked
 * in that order (the cheapest first). Denied when none holds, including when a team cannot be
 * read (the reason then says which token would tell). The caller turns a denial into a
 * `PermissionError` (exit 4) before touching the registry.
 */
export async function checkRollbackPermission(
  access: RepoAccess,
  actor: string,
  allowed?: RollbackAllowed
): Promise<AccessDecision> {
  const needed: RepoPermission = allowed?.permission ?? 'maintain'
  const users = allowed?.users ?? []
  if (users.some(user => user.toLowerCase() === actor.toLowerCase())) {
    return { allowed: true, reason: `${actor} is listed under rollback.allowed.users` }
  }
  const permission = await access.getPermission(actor)
  if (PERMISSION_RANK[permission] >= PERMISSION_RANK[needed]) {
    return {
      allowed: true,
      reason: `${actor} has ${permission} permission (${needed} or higher is allowed)`
    }
  }
  const unknown: string[] = []
  for (const team of allowed?.teams ?? []) {
    const member = await access.teamMembership(team, actor)
    if (member === true) {
      return { allowed: true, reason: `${actor} is a member of ${team}` }
    }
    if (member !== false) unknown.push(`${team} (${member.reason})`)
  }
  const ways = [`${needed} permission or higher`]
  if (allowed?.teams?.length) ways.push(`membership of ${allowed.teams.join(' or ')}`)
  if (users.length) ways.push(`being one of ${users.join(', ')}`)
  const needs = ways.length > 1 ? `${ways.slice(0, -1).join(', ')} or ${ways.at(-1)}` : ways[0]
  let reason = `${actor} has ${permission} permission; rolling back needs ${needs}`
  if (unknown.length > 0) {
    reason += `. Membership could not be checked for ${unknown.join(', ')}: ${TEAM_TOKEN_ADVICE}`
  }
  return { allowed: false, reason }
}
