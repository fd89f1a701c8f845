// The lines the action's flows, its root and the CLI print, rendered in report/ (issue 13: all
// text is rendered in report/): each renderer's exact output, and what it does with a
// user-supplied string that holds markdown, HTML, a workflow command or a control character.
import type { AuditRecord } from '../src/audit/record.js'
import { auditTrailFailedWarning, auditUploadWarning } from '../src/report/audit-summary.js'
import {
  cliErrorText,
  cliUnexpectedErrorText,
  cliUnknownCommandText,
  cliWarningText
} from '../src/report/cli.js'
import { clip, policyChangeDescription } from '../src/report/commit-status.js'
import { baseBranchAt, beforePush } from '../src/report/flow-notes.js'
import {
  authorlessPullRequestLine,
  candidateArtifactLine,
  commentProblemLine,
  duplicateCommentLine,
  ghostReviewsLine,
  retryLine,
  tokenLoginLine
} from '../src/report/github-log.js'
import {
  deploymentCreatedLine,
  dispatchSentLine,
  type StageChangeText
} from '../src/report/hand-off.js'
import {
  commentPublishedLine,
  notPublishedWarning,
  readOnlyText
} from '../src/report/pull-request.js'
import { webhookLines } from '../src/report/notification.js'
import {
  ANNOTATION_TITLE,
  HAND_OFF_ANNOTATION_TITLE,
  HAND_OFF_GROUP_TITLE,
  commandGroupTitle
} from '../src/report/step.js'
import { summaryFailedWarning } from '../src/report/summary.js'

/** A workflow command at the start of a line: inert once a zero-width space splits its `::`. */
const COMMAND = '\n::set-output name=decision::pass'
const INERT = '\n:\u200B:set-output name=decision::pass'

describe('commit status text (report/commit-status.ts)', () => {
  it('says a policy change is judged under the base policy', () => {
    expect(
      policyChangeDescription({
        candidate: { version: 'v1.4.0', label: 'candidate' },
        stage: 'production',
        decision: 'pending'
      })
    ).toBe(
      'This pull request changes the policy (takes effect after merge); v1.4.0 → production is pending under the base policy'
    )
    expect(
      policyChangeDescription({
        candidate: { label: 'models/churn' },
        stage: 'staging',
        decision: 'blocked'
      })
    ).toBe(
      'This pull request changes the policy (takes effect after merge); models/churn → staging is blocked under the base policy'
    )
  })

  it('keeps markup as typed (GitHub shows a description as plain text) and one line once clipped', () => {
    const description = policyChangeDescription({
      candidate: { label: '<b>*x*</b>\n[a](b)' },
      stage: 'staging',
      decision: 'pending'
    })
    expect(description).toContain('<b>*x*</b>\n[a](b) → staging')
    expect(clip(description)).toBe(
      'This pull request changes the policy (takes effect after merge); <b>*x*</b> [a](b) → staging is pending under the base policy'
    )
  })
})

describe("the pull-request flow's lines (report/pull-request.ts)", () => {
  it('names why the token is read-only', () => {
    expect(readOnlyText({ kind: 'deleted-fork' })).toBe(
      'the pull request comes from a fork that no longer exists, and GitHub gives fork pull requests a read-only token'
    )
    expect(readOnlyText({ kind: 'fork', repository: 'mallory/models' })).toBe(
      'the pull request comes from the fork mallory/models, and GitHub gives fork pull requests a read-only token'
    )
    expect(readOnlyText({ kind: 'dependabot' })).toBe(
      'Dependabot triggered this run, and GitHub gives runs Dependabot triggers a read-only token'
    )
  })

  it('warns what was not written on the pull request, and why', () => {
    expect(
      notPublishedWarning({
        part: { kind: 'comment' },
        pullRequest: 7,
        written: false,
        problem: 'HTTP 500'
      })
    ).toBe('The sticky comment on #7 could not be written: HTTP 500')
    expect(
      notPublishedWarning({
        part: { kind: 'status', context: 'modelgate/churn-model/production' },
        pullRequest: 7,
        written: true,
        problem: 'HTTP 403',
        readOnly: { kind: 'fork', repository: 'mallory/models' }
      })
    ).toBe(
      'The promotion was written, but the commit status modelgate/churn-model/production on #7 could not be written: the pull request comes from the fork mallory/models, and GitHub gives fork pull requests a read-only token, whatever `permissions:` says. The evaluation stands: it is in the job summary and the decision and report outputs (see "Fork pull requests" in docs/security.md)'
    )
  })

  it('makes a workflow command in a fork name or a problem inert', () => {
    const warning = notPublishedWarning({
      part: { kind: 'comment' },
      pullRequest: 7,
      written: false,
      problem: `refused${COMMAND}`,
      readOnly: { kind: 'fork', repository: `x/y${COMMAND}` }
    })
    expect(warning).toContain(`the fork x/y${INERT}, and GitHub`)
    expect(warning).not.toMatch(/^\s*::/m)
    expect(
      notPublishedWarning({
        part: { kind: 'comment' },
        pullRequest: 7,
        written: false,
        problem: `refused${COMMAND}`
      })
    ).toBe(`The sticky comment on #7 could not be written: refused${INERT}`)
  })

  it('logs the sticky comment it posted', () => {
    expect(commentPublishedLine('created', 12)).toBe('Sticky comment created on #12')
    expect(commentPublishedLine('unchanged', 12)).toBe('Sticky comment unchanged on #12')
  })
})

describe('where the flows read the policy (report/flow-notes.ts)', () => {
  it('names the base branch and commit, or the branch before the push', () => {
    const sha = 'c0ffee1234567890c0ffee1234567890c0ffee12'
    expect(baseBranchAt('main', sha)).toBe('the base branch (main at c0ffee1)')
    expect(beforePush('release/2026', sha)).toBe('release/2026 before this push (c0ffee1)')
  })
})

describe("the action root's warnings (report/audit-summary.ts, report/summary.ts)", () => {
  const record = (overrides: Partial<AuditRecord>) =>
    ({ model: 'churn-model', version: 'v2', written: true, ...overrides }) as AuditRecord

  it('warns that a record was not uploaded, and says where it still is', () => {
    expect(auditUploadWarning(record({}), 'no service')).toBe(
      'The audit record of churn-model v2 was not uploaded as an artifact: no service. It is in the job summary and the registry.'
    )
    expect(auditUploadWarning(record({ version: null, written: false }), 'HTTP 503')).toBe(
      'The audit record of churn-model  was not uploaded as an artifact: HTTP 503. It is in the job summary.'
    )
  })

  it('makes a workflow command in a model name or a problem inert', () => {
    const warning = auditUploadWarning(record({ model: `m${COMMAND}` }), `p${COMMAND}`)
    expect(warning).toBe(
      `The audit record of m${INERT} v2 was not uploaded as an artifact: p${INERT}. It is in the job summary and the registry.`
    )
    expect(auditTrailFailedWarning(`disk full${COMMAND}`)).toBe(
      `Recording the audit trail failed: disk full${INERT}`
    )
    expect(summaryFailedWarning(`EACCES${COMMAND}`)).toBe(
      `The job summary could not be written: EACCES${INERT}`
    )
  })

  it('says what failed', () => {
    expect(auditTrailFailedWarning('disk full')).toBe('Recording the audit trail failed: disk full')
    expect(summaryFailedWarning('EACCES')).toBe('The job summary could not be written: EACCES')
  })
})

describe("the CLI's lines on standard error (report/cli.ts)", () => {
  it('prints an error, with the usage after a usage error', () => {
    expect(cliErrorText('--stage is required')).toBe('modelgate: --stage is required\n')
    expect(cliErrorText('--stage is required', 'Usage: modelgate check')).toBe(
      'modelgate: --stage is required\n\nUsage: modelgate check\n'
    )
    expect(cliUnexpectedErrorText('boom')).toBe('modelgate: unexpected error: boom\n')
    expect(cliWarningText('the webhook answered 500')).toBe(
      'modelgate: warning: the webhook answered 500\n'
    )
    expect(cliUnknownCommandText('promot', 'Usage: modelgate COMMAND')).toBe(
      'modelgate: unknown command "promot"\n\nUsage: modelgate COMMAND\n'
    )
  })

  it('makes workflow commands, terminal controls and bidi controls in a message harmless', () => {
    const hostile = `v1\u001b]0;pwned\u0007 \u202Eevil${COMMAND}`
    const shown = `v1]0;pwned <U+202E>evil${INERT}`
    expect(cliErrorText(hostile)).toBe(`modelgate: ${shown}\n`)
    expect(cliUnexpectedErrorText(hostile)).toBe(`modelgate: unexpected error: ${shown}\n`)
    expect(cliWarningText(hostile)).toBe(`modelgate: warning: ${shown}\n`)
    expect(cliUnknownCommandText(hostile, 'Usage')).toBe(
      `modelgate: unknown command "${shown}"\n\nUsage\n`
    )
  })
})

describe("the hand-off's log lines (report/hand-off.ts)", () => {
  const change: StageChangeText = {
    kind: 'promoted',
    model: 'churn-model',
    stage: 'production',
    version: 'v2',
    trafficPercent: 100,
    rolloutStep: null,
    previousVersion: 'v1'
  }

  it('logs the dispatch sent and the deployment made', () => {
    expect(dispatchSentLine('modelgate-stage-change', change)).toBe(
      'Sent repository_dispatch modelgate-stage-change: churn-model v2 at 100% of production (promoted)'
    )
    expect(deploymentCreatedLine(42, 'churn-model/production', change)).toBe(
      'Deployment 42 to churn-model/production: churn-model v2 at 100% of production (promoted)'
    )
  })

  it('makes a workflow command in the event type inert', () => {
    expect(dispatchSentLine(`deploy${COMMAND}`, change)).toBe(
      `Sent repository_dispatch deploy${INERT}: churn-model v2 at 100% of production (promoted)`
    )
  })
})

describe("a webhook post's log lines (report/notification.ts)", () => {
  it('names the input and the host, never the URL', () => {
    expect(webhookLines.notSent('notify-webhook', 'hooks.example.test: HTTP 500')).toBe(
      'notify-webhook: hooks.example.test: HTTP 500; no notification sent (this does not fail the run)'
    )
    expect(webhookLines.retrying('notify-webhook-critical', 'hooks.example.test', 'HTTP 503')).toBe(
      'notify-webhook-critical: hooks.example.test: HTTP 503; retrying once'
    )
    expect(webhookLines.sent('notify-webhook', 'hooks.example.test', 200)).toBe(
      'notify-webhook: notified hooks.example.test (HTTP 200)'
    )
  })

  it('makes a workflow command in a problem inert', () => {
    expect(webhookLines.notSent('notify-webhook', `bad${COMMAND}`)).toBe(
      `notify-webhook: bad${INERT}; no notification sent (this does not fail the run)`
    )
  })
})

describe("the GitHub adapters' log lines (report/github-log.ts)", () => {
  it('says what was left out or done, and why', () => {
    expect(commentProblemLine(7, 'a comment by someone else carries the marker')).toBe(
      'On #7, a comment by someone else carries the marker'
    )
    expect(duplicateCommentLine(991, 7)).toBe('Deleting duplicate ModelGate comment 991 on #7')
    expect(authorlessPullRequestLine(12, 'c0ffee1234567890')).toBe(
      "Pull request #12, merged as c0ffee1, has no author (GitHub answers user: null for a deleted account): whose reviews count cannot be judged, so it is not taken as this commit's pull request"
    )
    expect(authorlessPullRequestLine(undefined, 'c0ffee1234567890')).toMatch(/^Pull request #\?, /)
    expect(ghostReviewsLine(2, 7)).toBe(
      '2 review(s) of #7 by deleted accounts (GitHub answers user: null) are not counted: whose they were cannot be judged'
    )
    expect(retryLine('GitHub rate limit', 1, 3, 60)).toBe('GitHub rate limit; retry 1 of 3 in 60 s')
    expect(candidateArtifactLine('model', { id: 5, unpackedBytes: 2048 }, '/tmp/c')).toBe(
      'Candidate artifact model (id 5, 2048 bytes unpacked) is in /tmp/c'
    )
  })

  it('makes a workflow command in a message, an artifact name or a path inert', () => {
    expect(commentProblemLine(7, `x${COMMAND}`)).toBe(`On #7, x${INERT}`)
    expect(retryLine(`HTTP 502${COMMAND}`, 1, 3, 2)).toBe(`HTTP 502${INERT}; retry 1 of 3 in 2 s`)
    expect(candidateArtifactLine(`m${COMMAND}`, { id: 5, unpackedBytes: 1 }, `/d${COMMAND}`)).toBe(
      `Candidate artifact m${INERT} (id 5, 1 bytes unpacked) is in /d${INERT}`
    )
  })
})

describe("why the token's login is unknown (report/github-log.ts)", () => {
  it('says which request failed, with the first line of its message only', () => {
    expect(tokenLoginLine({ kind: 'graphql-no-login' })).toBe('GitHub GraphQL: viewer has no login')
    expect(tokenLoginLine({ kind: 'graphql-failed', message: 'HTTP 502\nbody' })).toBe(
      'GitHub GraphQL viewer failed: HTTP 502'
    )
    expect(tokenLoginLine({ kind: 'installation-token' })).toBe(
      'GitHub GET /user: 403, an installation token (GITHUB_TOKEN or a GitHub App)'
    )
    expect(tokenLoginLine({ kind: 'user-failed', message: `::error::x${COMMAND}` })).toBe(
      'GitHub GET /user failed: ::error::x'
    )
  })
})

describe("the action's log groups and annotation titles (report/step.ts)", () => {
  it('names the command and the hand-off', () => {
    expect(commandGroupTitle('promote')).toBe('modelgate promote')
    expect(HAND_OFF_GROUP_TITLE).toBe('modelgate hand-off to serving')
    expect(HAND_OFF_ANNOTATION_TITLE).toBe('ModelGate hand-off to serving')
    expect(ANNOTATION_TITLE).toBe('ModelGate')
  })
})
