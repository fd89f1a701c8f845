import type { ApprovalsPolicy } from '../policy/schema.js'
import { plural } from './format.js'
import type { ApprovalGroupTally, ApprovalTally, GateResult, ReviewerAt } from './types.js'

/**
 * One pull-request review as GitHub lists it. `state` is kept as GitHub spells it
 * (`APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED`, `PENDING`); anything else is
 * ignored like `COMMENTED`.
 */
export interface Review {
  /** The reviewer's login. Reviews by deleted accounts (no user) are left out by the adapter. */
  user: string
  state: string
  /** The commit the review was given on; absent when GitHub did not say (then it is stale). */
  commitId?: string
  /** ISO 8601, for the record; the order that counts is the order of the list. */
  submittedAt?: string
}

/** A repository permission, highest first: what `GET …/collaborators/{user}/permission` says. */
export type RepoPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

/** Rank of each permission, for "at least" comparisons. */
export const PERMISSION_RANK: Record<RepoPermission, number> = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5
}

/** Membership of one team that the token could not read, with why (an HTTP status, a message). */
export interface TeamUnknown {
  unknown: true
  reason: string
}

/**
 * What is known of one team: the logins found to be members among the reviewers looked up
 * (a login absent from the set is not a member), or that the token cannot read it.
 */
export type TeamMembership = ReadonlySet<string> | TeamUnknown

/** Everything the approvals gate judges, gathered from GitHub by `src/github/reviews.ts`. */
export interface ReviewEvidence {
  /** The pull request's author, whose own reviews never count. */
  author: string
  /** The head commit of the pull request, for `stale_after_push`. */
  headSha: string
  /** Every review of the pull request, in the order GitHub lists them (oldest first). */
  reviews: readonly Review[]
  /** Repository permission by reviewer login. A reviewer missing here could not be checked. */
  permissions: ReadonlyMap<string, RepoPermission>
  /**
   * Membership by team (`org/team-slug`). A team of the policy missing here counts as unknown:
   * never as "nobody is a member".
   */
  teams: ReadonlyMap<string, TeamMembership>
}

export interface ApprovalsContext extends ReviewEvidence {
  /** `stages.<stage>.approvals`. */
  rules: ApprovalsPolicy
}

/** Said wherever team membership cannot be read: which token would fix it. */
export const TEAM_TOKEN_ADVICE =
  'give the action a token that can read team membership: a personal access token with read:org, ' +
  'or a GitHub App installation token with the organization permission "Members: read" ' +
  '(the default GITHUB_TOKEN cannot)'

const WRITE_RANK = PERMISSION_RANK.write

/**
 * The standing review of each reviewer, keyed by lower-cased login (logins are
 * case-insensitive). Walks the reviews in list order: `APPROVED` and `CHANGES_REQUESTED` set a
 * reviewer's standing, `DISMISSED` clears it, `COMMENTED` (and anything else) leaves it as it
 * was, so a comment after an approval does not cancel the approval.
 */
export function latestStandings(reviews: readonly Review[]): Map<string, Review> {
  const standings = new Map<string, Review>()
  for (const review of reviews) {
    const key = review.user.toLowerCase()
    switch (review.state.toUpperCase()) {
      case 'APPROVED':
      case 'CHANGES_REQUESTED':
        standings.set(key, review)
        break
      case 'DISMISSED':
        standings.delete(key)
        break
    }
  }
  return standings
}

/**
 * The reviewers whose repository permission the gate needs: everyone but the author whose
 * standing review requests changes, or approves and is not stale. Each login once, in the
 * spelling of their latest review. The adapter looks up exactly these.
 */
export function reviewersToVerify(
  evidence: Pick<ReviewEvidence, 'author' | 'headSha' | 'reviews'>,
  rules: Pick<ApprovalsPolicy, 'stale_after_push'>
): string[] {
  const author = evidence.author.toLowerCase()
  const logins: string[] = []
  for (const [key, review] of latestStandings(evidence.reviews)) {
    if (key === author) continue
    if (isApproval(review) && isStale(review, evidence.headSha, rules)) continue
    logins.push(review.user)
  }
  return logins
}

/**
 * Approvers that count before groups are considered: fresh approvals from reviewers with
 * write access who are not the author, in list order of their standing review.
 */
export function countedApprovers(
  evidence: Pick<ReviewEvidence, 'author' | 'headSha' | 'reviews' | 'permissions'>,
  rules: Pick<ApprovalsPolicy, 'stale_after_push'>
): ReviewerAt[] {
  return classify(evidence, rules).approvedBy
}

/**
 * The approvals gate. Counts the standing review of each reviewer (see {@link latestStandings});
 * never the author's; not approvals on an older commit when `stale_after_push` is on; only
 * reviewers with write, maintain or admin permission. `required` counts distinct approvers;
 * each group needs `min` of them among its users or members of its teams. One approver may
 * count towards `required` and any number of groups.
 *
 * - `fail` when a reviewer with write access (not the author) has a standing
 *   `CHANGES_REQUESTED`, whatever commit it was given on, as GitHub's branch protection does.
 *   A reviewer whose permission could not be checked also blocks (fail closed).
 * - `pending` when approvals are missing, naming how many each requirement still needs; when a
 *   group with teams is short and a team's membership cannot be read, the summary says which
 *   token to give. Never `pass` on what could not be verified.
 * - `pass` otherwise.
 */
export function approvalsGate(context: ApprovalsContext): GateResult {
  const gate = 'approvals'
  const { rules } = context
  const facts = classify(context, rules)
  // One standing review per lower-cased login, so each counted approver is distinct.
  const counted = facts.approvedBy.map(approver => approver.login)
  const teams = normalisedTeams(context.teams)

  const groups: ApprovalGroupTally[] = (rules.groups ?? []).map(group => {
    // Stryker disable next-line ArrayDeclaration: a made-up entry is no GitHub login, so it matches no approver
    const users = new Set((group.users ?? []).map(login => login.toLowerCase()))
    const unknownTeams: ApprovalGroupTally['unknownTeams'] = []
    const memberSets: ReadonlySet<string>[] = []
    for (const team of group.teams ?? []) {
      const membership = teams.get(team.toLowerCase())
      if (membership === undefined) {
        unknownTeams.push({ team, reason: 'its membership was not looked up' })
      } else if (isUnknown(membership)) {
        unknownTeams.push({ team, reason: membership.reason })
      } else {
        memberSets.push(membership)
      }
    }
    const approvers = counted.filter(login => {
      const key = login.toLowerCase()
      return users.has(key) || memberSets.some(members => members.has(key))
    })
    return { name: group.name, min: group.min, approvers, unknownTeams }
  })

  const tally: ApprovalTally = {
    ...facts,
    required: { have: counted.length, min: rules.required },
    groups
  }
  const details = describe(tally, context.headSha, rules)

  if (tally.changesRequestedBy.length > 0) {
    const who = tally.changesRequestedBy.map(reviewer => reviewer.login)
    return {
      gate,
      status: 'fail',
      summary: `changes requested by ${listed(who)}; blocked until ${who.length === 1 ? 'that review is' : 'those reviews are'} dismissed or followed by an approval`,
      details,
      approvals: tally
    }
  }

  const needs: string[] = []
  const unreadable = new Set<string>()
  for (const group of groups) {
    const missing = group.min - group.approvers.length
    if (missing <= 0) continue
    needs.push(`${missing} more from ${group.name}`)
    for (const team of group.unknownTeams) unreadable.add(team.team)
  }
  const missingRequired = rules.required - counted.length
  if (missingRequired > 0) needs.push(`${missingRequired} more from anyone with write access`)

  if (needs.length > 0) {
    let summary = `needs ${needs.join(', ')}`
    if (unreadable.size > 0) {
      summary += `; the membership of ${listed([...unreadable])} cannot be read, so ${TEAM_TOKEN_ADVICE}`
    }
    return { gate, status: 'pending', summary, details, approvals: tally }
  }

  const summary =
    counted.length === 0
      ? 'the policy requires no approvals (required: 0, no groups)'
      : `approved by ${listed(counted)}; every approval requirement is met`
  return { gate, status: 'pass', summary, details, approvals: tally }
}

type Classified = Omit<ApprovalTally, 'required' | 'groups'>

function classify(
  evidence: Pick<ReviewEvidence, 'author' | 'headSha' | 'reviews' | 'permissions'>,
  rules: Pick<ApprovalsPolicy, 'stale_after_push'>
): Classified {
  const author = evidence.author.toLowerCase()
  const permissions = new Map<string, RepoPermission>()
  for (const [login, permission] of evidence.permissions) {
    permissions.set(login.toLowerCase(), permission)
  }
  const facts: Classified = {
    approvedBy: [],
    stale: [],
    noPermission: [],
    changesRequestedBy: [],
    byAuthor: []
  }
  for (const [key, review] of latestStandings(evidence.reviews)) {
    const who: ReviewerAt = at(review)
    if (key === author) {
      facts.byAuthor.push(who)
      continue
    }
    if (isApproval(review) && isStale(review, evidence.headSha, rules)) {
      facts.stale.push(who)
      continue
    }
    const permission = permissions.get(key)
    const canWrite = permission !== undefined && PERMISSION_RANK[permission] >= WRITE_RANK
    if (!isApproval(review)) {
      // Changes requested: blocks from anyone with write access, or whose access is unknown.
      if (canWrite || permission === undefined) facts.changesRequestedBy.push(who)
      else facts.noPermission.push({ ...who, permission })
    } else if (canWrite) {
      facts.approvedBy.push(who)
    } else {
      facts.noPermission.push({ ...who, permission: permission ?? 'unknown' })
    }
  }
  return facts
}

function describe(tally: ApprovalTally, headSha: string, rules: ApprovalsPolicy): string[] {
  const lines: string[] = []
  for (const reviewer of tally.approvedBy) {
    lines.push(`approved by ${reviewer.login} at ${short(reviewer.commit)}`)
  }
  for (const reviewer of tally.changesRequestedBy) {
    lines.push(
      `changes requested by ${reviewer.login} at ${short(reviewer.commit)}: blocks until dismissed or followed by an approval`
    )
  }
  for (const reviewer of tally.stale) {
    lines.push(
      `not counted: ${reviewer.login} approved ${short(reviewer.commit)}, before the latest push (head ${short(headSha)}); a new approval is needed`
    )
  }
  for (const reviewer of tally.noPermission) {
    lines.push(
      reviewer.permission === 'unknown'
        ? `not counted: ${reviewer.login} approved, but their repository permission could not be checked`
        : `not counted: ${reviewer.login} has ${reviewer.permission} permission (write, maintain or admin needed)`
    )
  }
  for (const reviewer of tally.byAuthor) {
    lines.push(`not counted: ${reviewer.login} is the author of the pull request`)
  }
  if (rules.required > 0) {
    const { have, min } = tally.required
    lines.push(
      `required: ${Math.min(have, min)} of ${plural(min, 'approval')} from reviewers with write access${
        have >= min ? '' : ` — needs ${min - have} more`
      }`
    )
  }
  for (const group of tally.groups) {
    const have = group.approvers.length
    const by = have > 0 ? ` (${group.approvers.join(', ')})` : ''
    const missing = group.min - have
    lines.push(
      `group ${group.name}: ${Math.min(have, group.min)} of ${group.min}${by}${missing > 0 ? ` — needs ${missing} more` : ''}`
    )
    if (missing > 0) {
      for (const team of group.unknownTeams) {
        lines.push(`group ${group.name}: members of ${team.team} unknown: ${team.reason}`)
      }
    }
  }
  return lines
}

function isApproval(review: Review): boolean {
  return review.state.toUpperCase() === 'APPROVED'
}

function isStale(
  review: Review,
  headSha: string,
  rules: Pick<ApprovalsPolicy, 'stale_after_push'>
): boolean {
  return rules.stale_after_push && review.commitId?.toLowerCase() !== headSha.toLowerCase()
}

function isUnknown(membership: TeamMembership): membership is TeamUnknown {
  return (membership as TeamUnknown).unknown === true
}

/** Teams keyed by lower-cased slug, members lower-cased: slugs and logins are case-insensitive. */
function normalisedTeams(teams: ReadonlyMap<string, TeamMembership>): Map<string, TeamMembership> {
  const normalised = new Map<string, TeamMembership>()
  for (const [team, membership] of teams) {
    normalised.set(
      team.toLowerCase(),
      isUnknown(membership)
        ? membership
        : new Set([...membership].map(login => login.toLowerCase()))
    )
  }
  return normalised
}

function at(review: Review): ReviewerAt {
  return review.commitId === undefined
    ? { login: review.user }
    : { login: review.user, commit: review.commitId }
}

/** The 7-character commit GitHub shows. */
export function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : 'an unknown commit'
}

/** `a`, `a and b`, `a, b and c`. */
export function listed(items: readonly string[]): string {
  // Stryker disable next-line StringLiteral: no separator shows between fewer than two items
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}
