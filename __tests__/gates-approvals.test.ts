// The approvals gate, pure: latest standings per reviewer, counts beyond the minimum and
// commit spelling; over 600 lines because each rule needs its own table of reviews.
import {
  approvalsGate,
  countedApprovers,
  latestStandings,
  listed,
  short,
  reviewersToVerify,
  TEAM_TOKEN_ADVICE,
  type ApprovalsContext,
  type RepoPermission,
  type Review,
  type TeamMembership
} from '../src/gates/approvals.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import { Approvals, Policy, type ApprovalsPolicy } from '../src/policy/schema.js'

const HEAD = 'c0ffee1234567890c0ffee1234567890c0ffee12'
const OLD = '0ld5ha1234567890aaaabbbbccccddddeeeeffff'

const approve = (user: string, commitId = HEAD): Review => ({ user, state: 'APPROVED', commitId })
const requestChanges = (user: string, commitId = HEAD): Review => ({
  user,
  state: 'CHANGES_REQUESTED',
  commitId
})
const comment = (user: string, commitId = HEAD): Review => ({ user, state: 'COMMENTED', commitId })
const dismissed = (user: string, commitId = HEAD): Review => ({
  user,
  state: 'DISMISSED',
  commitId
})

const rules = (raw: Record<string, unknown>): ApprovalsPolicy => Approvals.parse(raw)

function context(
  overrides: Partial<Omit<ApprovalsContext, 'permissions' | 'teams'>> & {
    permissions?: Record<string, RepoPermission>
    teams?: Record<string, TeamMembership>
  }
): ApprovalsContext {
  const { permissions, teams, ...rest } = overrides
  return {
    rules: rules({ required: 1 }),
    author: 'pr-author',
    headSha: HEAD,
    reviews: [],
    ...rest,
    permissions: new Map(
      Object.entries(permissions ?? { alice: 'write', bob: 'write', carol: 'write' })
    ),
    teams: new Map(Object.entries(teams ?? {}))
  }
}

describe('latestStandings', () => {
  it('keeps the latest APPROVED or CHANGES_REQUESTED of each reviewer', () => {
    const standings = latestStandings([
      requestChanges('alice'),
      approve('alice'),
      approve('bob'),
      requestChanges('bob')
    ])
    expect(standings.get('alice')?.state).toBe('APPROVED')
    expect(standings.get('bob')?.state).toBe('CHANGES_REQUESTED')
  })

  it('does not let a later COMMENTED review cancel an approval or a change request', () => {
    const standings = latestStandings([
      approve('alice'),
      comment('alice'),
      requestChanges('bob'),
      comment('bob')
    ])
    expect(standings.get('alice')?.state).toBe('APPROVED')
    expect(standings.get('bob')?.state).toBe('CHANGES_REQUESTED')
  })

  it('clears a standing on DISMISSED; a comment alone gives no standing', () => {
    const standings = latestStandings([approve('alice'), dismissed('alice'), comment('bob')])
    expect(standings.size).toBe(0)
  })

  it('treats logins case-insensitively', () => {
    const standings = latestStandings([approve('Alice'), requestChanges('alice')])
    expect([...standings.keys()]).toEqual(['alice'])
    expect(standings.get('alice')?.state).toBe('CHANGES_REQUESTED')
  })
})

describe('approvalsGate', () => {
  it('counts the latest review: an approval after changes requested passes', () => {
    const result = approvalsGate(
      context({ reviews: [requestChanges('alice', OLD), approve('alice')] })
    )
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('approved by alice; every approval requirement is met')
    expect(result.details).toContain('approved by alice at c0ffee1')
    expect(result.approvals?.approvedBy).toEqual([{ login: 'alice', commit: HEAD }])
  })

  it('counts an approval followed by a COMMENTED review', () => {
    const result = approvalsGate(context({ reviews: [approve('alice'), comment('alice')] }))
    expect(result.status).toBe('pass')
  })

  it('does not count an approval that was DISMISSED', () => {
    const result = approvalsGate(context({ reviews: [approve('alice'), dismissed('alice')] }))
    expect(result.status).toBe('pending')
    expect(result.summary).toBe('needs 1 more from anyone with write access')
    expect(result.approvals?.approvedBy).toEqual([])
  })

  it('never counts the author, whatever the case of the login', () => {
    const result = approvalsGate(
      context({
        author: 'Alice',
        reviews: [approve('alice')],
        permissions: { alice: 'admin' }
      })
    )
    expect(result.status).toBe('pending')
    expect(result.details).toContain('not counted: alice is the author of the pull request')
    expect(result.approvals?.byAuthor).toEqual([{ login: 'alice', commit: HEAD }])
  })

  it("ignores the author's own change request", () => {
    const result = approvalsGate(
      context({ author: 'carol', reviews: [requestChanges('carol'), approve('alice')] })
    )
    expect(result.status).toBe('pass')
  })

  it('does not count approvals on an older commit with stale_after_push, and says so', () => {
    const result = approvalsGate(
      context({ rules: rules({ required: 2 }), reviews: [approve('alice', OLD), approve('bob')] })
    )
    expect(result.status).toBe('pending')
    expect(result.summary).toBe('needs 1 more from anyone with write access')
    expect(result.details).toEqual([
      'approved by bob at c0ffee1',
      'not counted: alice approved 0ld5ha1, before the latest push (head c0ffee1); a new approval is needed',
      'required: 1 of 2 approvals from reviewers with write access — needs 1 more'
    ])
    expect(result.approvals?.stale).toEqual([{ login: 'alice', commit: OLD }])
  })

  it('counts approvals on an older commit when stale_after_push is off', () => {
    const result = approvalsGate(
      context({
        rules: rules({ required: 1, stale_after_push: false }),
        reviews: [approve('alice', OLD)]
      })
    )
    expect(result.status).toBe('pass')
  })

  it('treats an approval without a commit as stale (fail closed)', () => {
    const result = approvalsGate(context({ reviews: [{ user: 'alice', state: 'APPROVED' }] }))
    expect(result.status).toBe('pending')
    expect(result.details?.[0]).toContain('alice approved an unknown commit')
  })

  it('records the commit of each review only when GitHub gave one', () => {
    const result = approvalsGate(
      context({
        rules: rules({ required: 1, stale_after_push: true }),
        reviews: [{ user: 'alice', state: 'APPROVED' }, approve('bob')]
      })
    )
    expect(result.status).toBe('pass')
    expect(result.approvals?.stale).toStrictEqual([{ login: 'alice' }])
    expect(result.approvals?.approvedBy).toStrictEqual([{ login: 'bob', commit: HEAD }])
  })

  it('counts only reviewers with write, maintain or admin permission', () => {
    const result = approvalsGate(
      context({
        rules: rules({ required: 3 }),
        reviews: [
          approve('reader'),
          approve('triager'),
          approve('writer'),
          approve('maintainer'),
          approve('admin'),
          approve('stranger')
        ],
        permissions: {
          reader: 'read',
          triager: 'triage',
          writer: 'write',
          maintainer: 'maintain',
          admin: 'admin'
        }
      })
    )
    expect(result.status).toBe('pass')
    expect(result.approvals?.approvedBy.map(a => a.login)).toEqual([
      'writer',
      'maintainer',
      'admin'
    ])
    expect(result.approvals?.noPermission.map(r => [r.login, r.permission])).toEqual([
      ['reader', 'read'],
      ['triager', 'triage'],
      ['stranger', 'unknown']
    ])
    expect(result.details).toContain(
      'not counted: reader has read permission (write, maintain or admin needed)'
    )
    expect(result.details).toContain(
      'not counted: stranger approved, but their repository permission could not be checked'
    )
  })

  it('counts distinct approvers for required', () => {
    const result = approvalsGate(
      context({
        rules: rules({ required: 2 }),
        reviews: [approve('alice', OLD), approve('alice'), approve('ALICE')]
      })
    )
    expect(result.status).toBe('pending')
    expect(result.approvals?.required).toEqual({ have: 1, min: 2 })
  })

  describe('groups', () => {
    const groupRules = rules({
      groups: [
        { name: 'data-science', teams: ['acme/ds-leads'], min: 1 },
        { name: 'ml-engineering', users: ['bob', 'carol'], min: 2 }
      ]
    })

    it('passes when every group has its minimum, by user and by team', () => {
      const result = approvalsGate(
        context({
          rules: groupRules,
          reviews: [approve('alice'), approve('bob'), approve('carol')],
          teams: { 'acme/ds-leads': new Set(['alice']) }
        })
      )
      expect(result.status).toBe('pass')
      expect(result.approvals?.groups.map(g => [g.name, g.approvers])).toEqual([
        ['data-science', ['alice']],
        ['ml-engineering', ['bob', 'carol']]
      ])
      expect(result.details).toContain('group data-science: 1 of 1 (alice)')
      expect(result.details).toContain('group ml-engineering: 2 of 2 (bob, carol)')
    })

    it('is pending with how many each group still needs', () => {
      const result = approvalsGate(
        context({
          rules: groupRules,
          reviews: [approve('alice'), approve('bob')],
          teams: { 'acme/ds-leads': new Set() }
        })
      )
      expect(result.status).toBe('pending')
      expect(result.summary).toBe('needs 1 more from data-science, 1 more from ml-engineering')
      expect(result.details).toContain('group data-science: 0 of 1 — needs 1 more')
      expect(result.details).toContain('group ml-engineering: 1 of 2 (bob) — needs 1 more')
    })

    it('matches team slugs and logins case-insensitively', () => {
      const result = approvalsGate(
        context({
          rules: rules({ groups: [{ name: 'ds', teams: ['Acme/DS-Leads'], users: [] }] }),
          reviews: [approve('Alice')],
          teams: { 'acme/ds-leads': new Set(['ALICE']) }
        })
      )
      expect(result.status).toBe('pass')
    })

    it('a group member needs write access too', () => {
      const result = approvalsGate(
        context({
          rules: rules({ groups: [{ name: 'leads', users: ['dana'] }] }),
          reviews: [approve('dana')],
          permissions: { dana: 'read' }
        })
      )
      expect(result.status).toBe('pending')
    })

    it('stays pending with the token to give when a needed team cannot be read', () => {
      const result = approvalsGate(
        context({
          rules: groupRules,
          reviews: [approve('alice'), approve('bob'), approve('carol')],
          teams: {
            'acme/ds-leads': {
              unknown: true,
              reason: 'the token cannot read team acme/ds-leads (HTTP 403)'
            }
          }
        })
      )
      expect(result.status).toBe('pending')
      expect(result.summary).toBe(
        `needs 1 more from data-science; the membership of acme/ds-leads cannot be read, so ${TEAM_TOKEN_ADVICE}`
      )
      expect(result.summary).toContain('read:org')
      expect(result.summary).toContain('Members: read')
      expect(result.details).toContain(
        'group data-science: members of acme/ds-leads unknown: the token cannot read team acme/ds-leads (HTTP 403)'
      )
    })

    it('treats a team missing from the evidence as unknown, never as empty-and-fine', () => {
      const result = approvalsGate(
        context({
          rules: rules({ groups: [{ name: 'ds', teams: ['acme/ds-leads'] }] }),
          reviews: [approve('alice')]
        })
      )
      expect(result.status).toBe('pending')
      expect(result.summary).toContain(TEAM_TOKEN_ADVICE)
    })

    it('passes on users even when a team of the same group cannot be read', () => {
      const result = approvalsGate(
        context({
          rules: rules({
            groups: [{ name: 'ds', teams: ['acme/ds-leads'], users: ['bob'], min: 1 }]
          }),
          reviews: [approve('bob')],
          teams: { 'acme/ds-leads': { unknown: true, reason: 'HTTP 403' } }
        })
      )
      expect(result.status).toBe('pass')
    })

    it('says nothing of unreadable teams of a group whose minimum is met exactly', () => {
      const result = approvalsGate(
        context({
          rules: rules({
            groups: [{ name: 'ds', teams: ['acme/ds-leads'], users: ['bob'], min: 1 }]
          }),
          reviews: [approve('bob')],
          teams: { 'acme/ds-leads': { unknown: true, reason: 'HTTP 403' } }
        })
      )
      expect(result.status).toBe('pass')
      expect(result.details).toEqual(['approved by bob at c0ffee1', 'group ds: 1 of 1 (bob)'])
    })

    it('names unreadable teams of a group one approval short, and how many it needs', () => {
      const result = approvalsGate(
        context({
          rules: rules({
            groups: [{ name: 'ds', teams: ['acme/ds-leads'], users: ['bob'], min: 2 }]
          }),
          reviews: [approve('bob')],
          teams: { 'acme/ds-leads': { unknown: true, reason: 'HTTP 403' } }
        })
      )
      expect(result.status).toBe('pending')
      expect(result.details).toEqual([
        'approved by bob at c0ffee1',
        'group ds: 1 of 2 (bob) — needs 1 more',
        'group ds: members of acme/ds-leads unknown: HTTP 403'
      ])
    })

    it('with required: 0, counts only the groups and shows no required line', () => {
      const result = approvalsGate(
        context({
          rules: rules({ required: 0, groups: [{ name: 'leads', users: ['bob'] }] }),
          reviews: [approve('bob')]
        })
      )
      expect(result.status).toBe('pass')
      expect(result.details).toEqual(['approved by bob at c0ffee1', 'group leads: 1 of 1 (bob)'])
    })

    it('with required: 1 met exactly, passes and shows the required line without a need', () => {
      const result = approvalsGate(
        context({ rules: rules({ required: 1 }), reviews: [approve('bob')] })
      )
      expect(result.status).toBe('pass')
      expect(result.summary).toBe('approved by bob; every approval requirement is met')
      expect(result.details).toEqual([
        'approved by bob at c0ffee1',
        'required: 1 of 1 approval from reviewers with write access'
      ])
    })

    it('needs both required and groups when both are set', () => {
      const result = approvalsGate(
        context({
          rules: rules({ required: 2, groups: [{ name: 'leads', users: ['bob'] }] }),
          reviews: [approve('bob')]
        })
      )
      expect(result.status).toBe('pending')
      expect(result.summary).toBe('needs 1 more from anyone with write access')
    })
  })

  describe('CHANGES_REQUESTED', () => {
    it('blocks from a reviewer with write access, even alongside enough approvals', () => {
      const result = approvalsGate(
        context({ reviews: [approve('alice'), approve('bob'), requestChanges('carol')] })
      )
      expect(result.status).toBe('fail')
      expect(result.summary).toBe(
        'changes requested by carol; blocked until that review is dismissed or followed by an approval'
      )
      expect(result.details).toContain(
        'changes requested by carol at c0ffee1: blocks until dismissed or followed by an approval'
      )
    })

    it('blocks even when given on an older commit', () => {
      const result = approvalsGate(
        context({ reviews: [requestChanges('carol', OLD), approve('alice')] })
      )
      expect(result.status).toBe('fail')
    })

    it('blocks when the reviewer could not be checked (fail closed)', () => {
      const result = approvalsGate(
        context({
          reviews: [approve('alice'), requestChanges('ghost')],
          permissions: { alice: 'write' }
        })
      )
      expect(result.status).toBe('fail')
    })

    it('does not block from a reviewer without write access', () => {
      const result = approvalsGate(
        context({
          reviews: [approve('alice'), requestChanges('reader')],
          permissions: { alice: 'write', reader: 'read' }
        })
      )
      expect(result.status).toBe('pass')
      expect(result.details).toContain(
        'not counted: reader has read permission (write, maintain or admin needed)'
      )
    })

    it('stops blocking once dismissed, or once the reviewer approves', () => {
      expect(
        approvalsGate(
          context({ reviews: [requestChanges('carol'), dismissed('carol'), approve('alice')] })
        ).status
      ).toBe('pass')
      expect(
        approvalsGate(context({ reviews: [requestChanges('carol'), approve('carol')] })).status
      ).toBe('pass')
    })

    it('is not cancelled by a later comment', () => {
      const result = approvalsGate(
        context({ reviews: [requestChanges('carol'), comment('carol'), approve('alice')] })
      )
      expect(result.status).toBe('fail')
    })
  })

  it('passes an approvals section that requires nothing, saying so', () => {
    const result = approvalsGate(context({ rules: rules({}) }))
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('the policy requires no approvals (required: 0, no groups)')
  })
})

describe('approval counts beyond the minimum, and commit spelling', () => {
  it('shows required and group counts capped at the minimum, listing every approver', () => {
    const result = approvalsGate(
      context({
        rules: rules({ required: 1, groups: [{ name: 'leads', users: ['alice', 'bob'] }] }),
        reviews: [approve('alice'), approve('bob')]
      })
    )
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('approved by alice and bob; every approval requirement is met')
    expect(result.details).toEqual([
      'approved by alice at c0ffee1',
      'approved by bob at c0ffee1',
      'required: 1 of 1 approval from reviewers with write access',
      'group leads: 1 of 1 (alice, bob)'
    ])
    expect(result.approvals?.required).toEqual({ have: 2, min: 1 })
  })

  it('matches the head commit whatever the case of its hex digits', () => {
    const result = approvalsGate(
      context({
        rules: rules({ required: 1, stale_after_push: true }),
        reviews: [approve('alice', HEAD.toUpperCase())]
      })
    )
    expect(result.status).toBe('pass')
  })

  it('blocks on several change requests, naming each', () => {
    const result = approvalsGate(
      context({
        reviews: [requestChanges('alice'), requestChanges('bob'), requestChanges('carol')]
      })
    )
    expect(result.summary).toBe(
      'changes requested by alice, bob and carol; blocked until those reviews are dismissed or followed by an approval'
    )
  })

  it('says why a team it was not given is unknown', () => {
    const result = approvalsGate(
      context({
        rules: rules({ groups: [{ name: 'ds', teams: ['acme/ds-leads'] }] }),
        reviews: [approve('alice')]
      })
    )
    expect(result.details).toContain(
      'group ds: members of acme/ds-leads unknown: its membership was not looked up'
    )
    expect(result.approvals?.groups[0]?.unknownTeams).toEqual([
      { team: 'acme/ds-leads', reason: 'its membership was not looked up' }
    ])
  })

  it('countedApprovers gives the fresh approvals of writers who are not the author', () => {
    const evidence = context({
      reviews: [approve('alice'), approve('bob', OLD), approve('pr-author'), approve('dave')],
      permissions: { alice: 'write', bob: 'admin', dave: 'read' }
    })
    expect(countedApprovers(evidence, { stale_after_push: true })).toStrictEqual([
      { login: 'alice', commit: HEAD }
    ])
    expect(countedApprovers(evidence, { stale_after_push: false })).toStrictEqual([
      { login: 'alice', commit: HEAD },
      { login: 'bob', commit: OLD }
    ])
  })

  it('names the tokens that can read team membership, and the one that cannot', () => {
    expect(TEAM_TOKEN_ADVICE).toBe(
      'give the action a token that can read team membership: a personal access token with read:org, ' +
        'or a GitHub App installation token with the organization permission "Members: read" ' +
        '(the default GITHUB_TOKEN cannot)'
    )
  })

  it('lists names in prose, and shortens a commit to 7 characters', () => {
    expect(listed([])).toBe('')
    expect(listed(['a'])).toBe('a')
    expect(listed(['a', 'b'])).toBe('a and b')
    expect(listed(['a', 'b', 'c'])).toBe('a, b and c')
    expect(short(HEAD)).toBe('c0ffee1')
    expect(short(undefined)).toBe('an unknown commit')
    expect(short('')).toBe('an unknown commit')
  })
})

describe('reviewersToVerify', () => {
  it('lists each reviewer once who could count: not the author, not stale approvals', () => {
    const logins = reviewersToVerify(
      {
        author: 'pr-author',
        headSha: HEAD,
        reviews: [
          approve('alice', OLD),
          approve('alice'),
          approve('bob', OLD),
          requestChanges('carol', OLD),
          comment('dave'),
          approve('pr-author'),
          approve('erin'),
          dismissed('erin')
        ]
      },
      { stale_after_push: true }
    )
    expect(logins).toEqual(['alice', 'carol'])
  })
})

describe('evaluateStage with reviews and check runs', () => {
  const policy = Policy.parse({
    model: 'churn-model',
    stages: {
      production: {
        from: ['candidate'],
        checks: ['smoke-tests'],
        approvals: { required: 1 }
      }
    }
  })
  const candidate = {
    label: 'v1.4.0',
    dir: '/work/candidate',
    metrics: {},
    invalidMetrics: {},
    files: [],
    totalBytes: 0
  }
  const now = new Date('2026-11-23T09:00:00Z')

  it('runs the approvals and checks gates on the evidence given', () => {
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate,
      now,
      reviews: {
        author: 'pr-author',
        headSha: HEAD,
        reviews: [approve('alice')],
        permissions: new Map([['alice', 'write']]),
        teams: new Map()
      },
      checkRuns: {
        headSha: HEAD,
        runs: [{ id: 1, name: 'smoke-tests', status: 'completed', conclusion: 'success' }]
      }
    })
    expect(evaluation.gates.map(g => [g.gate, g.status])).toEqual([
      ['checks', 'pass'],
      ['approvals', 'pass']
    ])
    expect(evaluation.decision).toBe('pass')
  })

  it('is pending while approvals are missing', () => {
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate,
      now,
      reviews: {
        author: 'pr-author',
        headSha: HEAD,
        reviews: [],
        permissions: new Map(),
        teams: new Map()
      },
      checkRuns: {
        headSha: HEAD,
        runs: [{ id: 1, name: 'smoke-tests', status: 'completed', conclusion: 'success' }]
      }
    })
    expect(evaluation.decision).toBe('pending')
  })
})
