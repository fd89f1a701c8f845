// The dispatch flow's lines and the monitor's idle and alert reasons, rendered in report/ (issue
// 13: all text is rendered in report/): each renderer's exact output, and what it does with a
// user-supplied string that holds markdown, a workflow command or a line break.
import {
  DEFAULT_BRANCH_POLICY_TITLE,
  allowedLine,
  defaultBranchCommit,
  defaultBranchNow,
  dispatchedElsewhereLine,
  noDefaultBranchText,
  noPolicyFileText,
  noPolicyInputLine,
  refusedText,
  rerunNote,
  rightCheckTitle,
  rollbackNoteFailedWarning,
  unknownRerunReason,
  unknownRerunRefusal
} from '../src/report/dispatch.js'
import { noticeDetail, renderMonitor, type StageMonitorResult } from '../src/report/monitor.js'
import { watchWindow } from '../src/monitor/window.js'
import { alertDetail, idleText, type AlertFacts } from '../src/report/monitor-reasons.js'

/** A workflow command at the start of a line: inert once a zero-width space splits its `::`. */
const COMMAND = '\n::set-output name=decision::pass'
const INERT = '\n:\u200B:set-output name=decision::pass'
const MARKDOWN = '**bold** [x](https://evil.example) <b>|</b>'

describe("the dispatch flow's lines (report/dispatch.ts)", () => {
  it('names who re-ran a run only when it is someone else (logins are case-insensitive)', () => {
    expect(rerunNote({ actor: 'mona' })).toBe('')
    expect(rerunNote({ actor: 'Mona', initialActor: 'mona' })).toBe('')
    expect(rerunNote({ actor: 'octocat', initialActor: 'mona' })).toBe(
      ' (octocat re-ran a run mona started: the person who re-runs it is checked)'
    )
  })

  it('says the right was granted, or refused, with the re-run note', () => {
    const run = { actor: 'octocat', initialActor: 'mona' }
    expect(allowedLine('octocat has maintain permission', { actor: 'octocat' })).toBe(
      'Allowed: octocat has maintain permission'
    )
    expect(allowedLine('octocat is listed in rollback.allowed', run)).toBe(
      'Allowed: octocat is listed in rollback.allowed (octocat re-ran a run mona started: the person who re-runs it is checked)'
    )
    expect(refusedText('octocat has write permission, below maintain', run)).toBe(
      'Refused: octocat has write permission, below maintain (octocat re-ran a run mona started: the person who re-runs it is checked). The registry was not changed.'
    )
  })

  it('titles the right check by what the actor means to do', () => {
    expect(rightCheckTitle('mona', 'rollback')).toBe("Checking mona's right to roll back")
    expect(rightCheckTitle('mona', 'rollout')).toBe(
      "Checking mona's right to record a rollout step"
    )
    expect(rightCheckTitle('mona', 'promote')).toBe("Checking mona's right to force a promotion")
  })

  it('refuses a write on a re-run whose re-runner is unknown, keeping the reason as typed for the audit record', () => {
    const reason = unknownRerunReason(2, 'mona')
    expect(reason).toBe(
      'who re-ran this run is unknown: attempt 2 has no GITHUB_TRIGGERING_ACTOR (older GitHub Enterprise Server or another runner), and GITHUB_ACTOR (mona) names who started the first attempt, not who re-ran it'
    )
    expect(unknownRerunReason(3, undefined)).toContain('GITHUB_ACTOR (unset)')
    expect(unknownRerunRefusal(reason)).toBe(
      `Refused: ${reason}. Start a new run (workflow_dispatch) instead of re-running this one. The registry was not changed.`
    )
    const hostile = unknownRerunReason(2, `mona${COMMAND}`)
    expect(hostile).toContain(COMMAND)
    expect(unknownRerunRefusal(hostile)).toContain(`GITHUB_ACTOR (mona${INERT})`)
    expect(unknownRerunRefusal(hostile)).not.toMatch(/^\s*::/m)
  })

  it('refuses an event whose payload names no default branch', () => {
    expect(DEFAULT_BRANCH_POLICY_TITLE).toBe("Reading the default branch's policy")
    expect(noDefaultBranchText('workflow_dispatch')).toBe(
      'the workflow_dispatch payload names no default branch, so the policy cannot be read from it'
    )
    expect(noDefaultBranchText(`x${COMMAND}`)).toBe(
      `the x${INERT} payload names no default branch, so the policy cannot be read from it`
    )
  })

  it('names where the policy comes from', () => {
    expect(defaultBranchCommit('main', '0123456789abcdef')).toBe('main at 0123456')
    expect(defaultBranchNow('main')).toBe('the default branch (main)')
    expect(dispatchedElsewhereLine('refs/heads/feature', 'main')).toBe(
      'Dispatched on refs/heads/feature: the policy comes from main, never from the dispatched branch'
    )
    expect(dispatchedElsewhereLine(undefined, 'main')).toBe(
      'Dispatched on another ref: the policy comes from main, never from the dispatched branch'
    )
    expect(noPolicyInputLine('policies/churn.yml', 'the default branch (main)')).toBe(
      'No policy input: the rights and registry come from policies/churn.yml on the default branch (main)'
    )
    expect(noPolicyFileText('policies/churn.yml', 'churn', 'main at 0123456')).toBe(
      "No policy input, and policies/churn.yml (the CLI's default for churn) does not exist on main at 0123456: name the model's policy with the policy input, so its rights and registry apply. Nothing written."
    )
  })

  it('warns when the rolled-back pull request could not be told', () => {
    expect(rollbackNoteFailedWarning(12, 'HTTP 403: Resource not accessible')).toBe(
      'Rolled back, but noting it on pull request #12 failed: HTTP 403: Resource not accessible'
    )
  })

  it('makes a workflow command in a login, a ref, a file name or a problem inert, and keeps markdown as typed', () => {
    const run = { actor: `octo${COMMAND}`, initialActor: 'mona' }
    const lines = [
      allowedLine(`ok${COMMAND}`, run),
      refusedText(`no${COMMAND}`, run),
      dispatchedElsewhereLine(`refs/heads/x${COMMAND}`, `main${COMMAND}`),
      noPolicyInputLine(`p${COMMAND}.yml`, defaultBranchNow(`main${COMMAND}`)),
      noPolicyFileText(`p${COMMAND}.yml`, `m${COMMAND}`, 'main'),
      rollbackNoteFailedWarning(3, `boom${COMMAND}`)
    ]
    for (const line of lines) {
      expect(line).not.toMatch(/^\s*::/m)
      expect(line).toContain(INERT)
    }
    expect(rollbackNoteFailedWarning(3, `boom${COMMAND}`)).toBe(
      `Rolled back, but noting it on pull request #3 failed: boom${INERT}`
    )
    expect(rollbackNoteFailedWarning(3, `##[error]${MARKDOWN}`)).toBe(
      `Rolled back, but noting it on pull request #3 failed: #\u200B#[error]${MARKDOWN}`
    )
  })
})

describe("the monitor's reasons (report/monitor-reasons.ts)", () => {
  it('says why a stage had nothing to watch', () => {
    expect(idleText({ kind: 'no-holder', model: 'churn', stage: 'production' })).toBe(
      'no version of churn holds production'
    )
    expect(idleText({ kind: 'entered-after', version: 'v3', stage: 'production' })).toBe(
      'v3 entered production after the evaluation time'
    )
  })

  it('says why a breach only alerts, from its facts', () => {
    const cases: [AlertFacts, string][] = [
      [{ why: 'action-alert' }, 'every breached trigger says action: alert'],
      [
        { why: 'recovery-failed', version: 'v2', since: new Date('2026-12-01T10:00:00Z') },
        'v2, restored by an automatic rollback at 2026-12-01T10:00:00.000Z, breaches too: a person must decide (no further automatic rollback)'
      ],
      [
        { why: 'cap-reached', stage: 'production', count: 0, cap: 0, watchFor: '24h' },
        'max_automatic_rollbacks is 0: this stage is never rolled back automatically'
      ],
      [
        {
          why: 'cap-reached',
          stage: 'production',
          count: 2,
          cap: 2,
          watchFor: '24h',
          latest: { at: '2026-12-01T11:00:00.000Z', from: 'v3' }
        },
        '2 automatic rollback(s) of production within the last 24h (max_automatic_rollbacks 2), the latest at 2026-12-01T11:00:00.000Z from v3'
      ],
      [
        { why: 'cap-reached', stage: 'production', count: 1, cap: 1, watchFor: '1h' },
        '1 automatic rollback(s) of production within the last 1h (max_automatic_rollbacks 1)'
      ],
      [
        { why: 'no-earlier-holder', model: 'churn', stage: 'production' },
        'no earlier version of churn held production to put back'
      ],
      [
        {
          why: 'target-taken-out',
          version: 'v1',
          stage: 'production',
          at: new Date('2026-11-30T09:30:00Z')
        },
        'v1, the version a rollback would put back, was itself taken out of production at 2026-11-30T09:30:00.000Z'
      ]
    ]
    for (const [facts, text] of cases) expect(alertDetail(facts)).toBe(text)
  })

  it("gives the notification's detail: the alert's, or what a rollback restored", () => {
    expect(noticeDetail({ kind: 'alert', why: 'no-earlier-holder', model: 'm', stage: 's' })).toBe(
      'no earlier version of m held s to put back'
    )
    expect(noticeDetail({ kind: 'none' })).toBeUndefined()
    expect(noticeDetail({ kind: 'rolled-back-by-another', holder: 'v2' })).toBeUndefined()
  })

  it('escapes the reasons in the markdown, and keeps them as typed in the JSON', () => {
    const model = `churn${MARKDOWN}${COMMAND}`
    const idle: StageMonitorResult = {
      stage: 'production',
      mode: 'idle',
      verdict: 'not-watched',
      idle: { kind: 'no-holder', model, stage: 'production' },
      triggers: [],
      action: { kind: 'none' },
      queries: 0,
      source: ''
    }
    const { markdown, json } = renderMonitor({
      model: 'churn',
      at: new Date('2026-12-01T12:00:00Z'),
      dryRun: false,
      stages: [idle],
      exitCode: 0
    })
    expect(markdown).toContain('Nothing to watch: no version of churn')
    expect(markdown).not.toContain('**bold**')
    expect(markdown).not.toContain('<b>')
    expect(markdown).not.toMatch(/^\s*::/m)
    const parsed = JSON.parse(json) as { stages: { idle: string }[] }
    expect(parsed.stages[0]?.idle).toBe(`no version of ${model} holds production`)
  })

  it("renders an alert's detail in the JSON where the command's result has only facts", () => {
    const { json } = renderMonitor({
      model: 'churn',
      at: new Date('2026-12-01T12:00:00Z'),
      dryRun: false,
      stages: [
        {
          stage: 'production',
          mode: 'watch',
          holder: 'v2',
          since: new Date('2026-12-01T10:00:00Z'),
          window: watchWindow(
            Date.parse('2026-12-01T10:00:00Z'),
            Date.parse('2026-12-01T12:00:00Z'),
            24 * 3600_000
          ),
          verdict: 'breach',
          triggers: [],
          action: { kind: 'alert', why: 'no-earlier-holder', model: 'churn', stage: 'production' },
          queries: 0,
          source: 'prometheus'
        }
      ],
      exitCode: 11
    })
    const parsed = JSON.parse(json) as { stages: { action: unknown }[] }
    expect(JSON.stringify(parsed.stages[0]?.action)).toBe(
      '{"kind":"alert","why":"no-earlier-holder","detail":"no earlier version of churn held production to put back"}'
    )
  })
})
