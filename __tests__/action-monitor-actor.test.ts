// Who a monitor run records as acting: the workflow on schedule and repository_dispatch (nobody
// chose the moment), the person on workflow_dispatch.
import { monitorActor } from '../src/action/monitor.js'
import type { EventContext } from '../src/action/github-context.js'

const context = (eventName: string, env: Record<string, string> = {}) =>
  ({ eventName, actor: 'octocat', initialActor: 'octocat', env }) as unknown as EventContext

describe('monitorActor', () => {
  it('on schedule the workflow acts; GitHub actor kept as initialActor', () => {
    const acting = monitorActor(context('schedule', { GITHUB_WORKFLOW: 'monitor' }))
    expect([acting.actor, acting.initialActor]).toEqual([
      'github-actions (workflow "monitor", schedule)',
      'octocat'
    ])
  })

  it('on repository_dispatch too, the relay token owner kept apart; a hostile name is made plain', () => {
    const acting = monitorActor(
      context('repository_dispatch', { GITHUB_WORKFLOW: 'on "alert" <x>\nnext' })
    )
    expect(acting.actor).toBe(
      'github-actions (workflow "on  alert   x  next", repository_dispatch)'
    )
    expect(acting.initialActor).toBe('octocat')
    expect(monitorActor(context('repository_dispatch')).actor).toBe(
      'github-actions (repository_dispatch)'
    )
  })

  it('on workflow_dispatch the person who dispatched acts, as for every command', () => {
    const given = context('workflow_dispatch', { GITHUB_WORKFLOW: 'monitor' })
    expect(monitorActor(given)).toBe(given)
  })
})
