// The action's failed-step lines (report/step.ts), as src/main.ts prints them.
import { ExitCode } from '../src/errors.js'
import { blockedLine, unexpectedFailureLine } from '../src/report/step.js'

describe('blockedLine', () => {
  it('names the command, the stage and the decision', () => {
    expect(
      blockedLine({ command: 'check', stage: 'production', decision: 'blocked', exitCode: 2 })
    ).toBe('ModelGate check: production promotion is blocked; see the report.')
    expect(blockedLine({ command: 'promote', decision: 'pending', exitCode: 2 })).toBe(
      'ModelGate promote: the promotion is pending; see the report.'
    )
    expect(blockedLine({ command: 'rollback', stage: 'staging', exitCode: 4 })).toBe(
      'ModelGate rollback: staging promotion is blocked; see the report.'
    )
  })

  it('says what a monitor run did by its exit code', () => {
    const monitor = (exitCode: number) => blockedLine({ command: 'monitor', exitCode })
    expect(monitor(ExitCode.MonitorRolledBack)).toBe(
      'ModelGate monitor: a breach rolled a stage back or aborted a rollout automatically; see the report.'
    )
    expect(monitor(ExitCode.MonitorNeedsPerson)).toBe(
      'ModelGate monitor: a breach needs a person (see why in the report); see the report.'
    )
    expect(monitor(ExitCode.Blocked)).toBe('ModelGate monitor: blocked; see the report.')
  })

  it('adds a failed hand-off to serving: the change is written, serving may not know', () => {
    const line = blockedLine({
      command: 'monitor',
      exitCode: ExitCode.MonitorRolledBack,
      handOffFailed: true
    })
    expect(line).toBe(
      'ModelGate monitor: a breach rolled a stage back or aborted a rollout automatically; see the report.' +
        ' And the hand-off to serving failed (the annotation "ModelGate hand-off to serving" says what to do):' +
        ' serving may not have been told, so the traffic may not match the registry: it may still reach a version taken out.'
    )
  })
})

describe('unexpectedFailureLine', () => {
  it('keeps the message after a fixed opening', () => {
    expect(unexpectedFailureLine('boom')).toBe('ModelGate failed unexpectedly: boom')
  })
})
