import type { Logger } from '../log.js'
import { ghostReviewsLine } from '../report/github-log.js'
import {
  countedApprovers,
  reviewersToVerify,
  type RepoPermission,
  type Review,
  type ReviewEvidence,
  type TeamMembership,
  type TeamUnknown
} from '../gates/approvals.js'
import type { ApprovalsPolicy } from '../policy/schema.js'
import { octokitRepoAccess, type RepoAccess } from './access.js'
import { apiError, field, stringField, unexpected, type GitHubApi, type RepoRef } from './client.js'
import { getPullRequest, type PullRequestInfo } from './pulls.js'

/** Where pull requests and their reviews come from, and who the reviewers are. */
export interface ReviewSource extends RepoAccess {
  getPullRequest(number: number): Promise<PullRequestInfo>
  /** Every review of the pull request, oldest first, all pages. */
  listReviews(number: number): Promise<Review[]>
}

/**
 * {@link ReviewSource} over the REST API. Reviews by deleted accounts (`user: null`) cannot be
 * judged (whose permission? the author's own?): they are left out, with a warning to `logger`.
 */
export function octokitReviewSource(api: GitHubApi, repo: RepoRef, logger?: Logger): ReviewSource {
  const access = octokitRepoAccess(api, repo)
  return {
    getPermission: login => access.getPermission(login),
    teamMembership: (team, login) => access.teamMembership(team, login),
    getPullRequest: number => getPullRequest(api, repo, number),
    async listReviews(number) {
      let data: unknown[]
      try {
        data = await api.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
          ...repo,
          pull_number: number,
          per_page: 100
        })
      } catch (error) {
        throw apiError(error, `listing the reviews of #${number}`, 'pull-requests: read')
      }
      const reviews = data.flatMap(parseReview)
      const ghosts = data.length - reviews.length
      if (ghosts > 0) {
        logger?.warning(ghostReviewsLine(ghosts, number))
      }
      return reviews
    }
  }
}

/**
 * A review from the API; none for a review by a deleted account (GitHub's "ghost", `user:
 * null`). A `commit_id: null` (the commit was garbage-collected or force-pushed away) leaves
 * `commitId` out: the gate then takes the review as given on an unknown commit, never the head.
 */
function parseReview(data: unknown): Review[] {
  const state = stringField(data, 'state')
  if (!state) throw unexpected('a pull-request review', data)
  if (field(data, 'user') === null) return []
  const user = stringField(field(data, 'user'), 'login')
  if (!user) throw unexpected('a pull-request review (user)', data)
  const commitId = stringField(data, 'commit_id')
  const submittedAt = stringField(data, 'submitted_at')
  return [
    {
      user,
      state,
      ...(commitId ? { commitId } : {}),
      ...(submittedAt ? { submittedAt } : {})
    }
  ]
}

/**
 * Everything the approvals gate needs for one pull request, with as few requests as it can:
 * the review pages; one permission look-up per distinct reviewer whose standing review could
 * matter (not the author; approvals only while fresh, change requests always); and team
 * memberships only for groups with teams that their listed users do not already satisfy,
 * asking about one counted approver at a time and stopping as soon as the group has its
 * `min`. Teams no one had to be looked up for are reported with no members found, which is
 * exact for the gate: only counted approvers can be members that matter.
 */
export async function gatherReviewEvidence(
  source: ReviewSource,
  pr: Pick<PullRequestInfo, 'number' | 'author' | 'headSha'>,
  rules: ApprovalsPolicy
): Promise<ReviewEvidence> {
  const reviews = await source.listReviews(pr.number)
  const base = { author: pr.author, headSha: pr.headSha, reviews }

  const logins = reviewersToVerify(base, rules)
  const permissions = new Map<string, RepoPermission>(
    await Promise.all(
      logins.map(async login => [login, await source.getPermission(login)] as const)
    )
  )

  const counted = countedApprovers({ ...base, permissions }, rules).map(a => a.login)
  const teams = new Map<string, TeamState>()
  const teamState = (team: string): TeamState => {
    const key = team.toLowerCase()
    let state = teams.get(key)
    if (!state) {
      state = { team, members: new Set(), checked: new Set() }
      teams.set(key, state)
    }
    return state
  }

  for (const group of rules.groups ?? []) {
    const groupTeams = (group.teams ?? []).map(teamState)
    if (groupTeams.length === 0) continue
    const users = new Set((group.users ?? []).map(login => login.toLowerCase()))
    const inGroup = (key: string) =>
      users.has(key) || groupTeams.some(state => state.members.has(key))
    let have = counted.filter(login => inGroup(login.toLowerCase())).length
    for (const login of counted) {
      if (have >= group.min) break
      const key = login.toLowerCase()
      if (inGroup(key)) continue
      for (const state of groupTeams) {
        if (state.unknown || state.checked.has(key)) continue
        state.checked.add(key)
        const member = await source.teamMembership(state.team, login)
        if (member === true) {
          state.members.add(key)
          have++
          break
        }
        if (member !== false) state.unknown = member
      }
    }
  }

  const memberships = new Map<string, TeamMembership>()
  for (const state of teams.values()) {
    memberships.set(state.team, state.unknown ?? state.members)
  }
  return { ...base, permissions, teams: memberships }
}

interface TeamState {
  /** As the policy spells it. */
  team: string
  /** Lower-cased logins found to be active members. */
  members: Set<string>
  /** Lower-cased logins already asked about. */
  checked: Set<string>
  unknown?: TeamUnknown
}
