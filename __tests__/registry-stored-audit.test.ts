// The backend facts kept with an event, read typed: anything not of its shape reads as absent.
import { storedPullRequest, storedReason, storedRollback } from '../src/registry/stored-audit.js'

describe('reading the stored audit facts', () => {
  it('reads a rollback’s {from, to}, and only with a string `from`', () => {
    expect(storedRollback({ rollback: { from: 'v2', to: 'v1' } })).toEqual({ from: 'v2', to: 'v1' })
    expect(storedRollback({ rollback: { from: 'v2', to: 3 } })).toEqual({ from: 'v2' })
    expect(storedRollback({ rollback: { from: 2 } })).toBeUndefined()
    expect(storedRollback({ rollback: ['v2'] })).toBeUndefined()
    expect(storedRollback(undefined)).toBeUndefined()
  })

  it('reads the reason only when it is text', () => {
    expect(storedReason({ reason: 'drift' })).toBe('drift')
    expect(storedReason({ reason: 7 })).toBeUndefined()
  })

  it('reads the pull request of any record naming a positive whole number', () => {
    expect(storedPullRequest({ record: { pullRequest: { number: 12, url: 'u' } } })).toBe(12)
    expect(storedPullRequest({ record: { pullRequest: { number: 1.5 } } })).toBeUndefined()
    expect(storedPullRequest({ record: { pullRequest: { number: 0 } } })).toBeUndefined()
    expect(storedPullRequest({ record: { pullRequest: null } })).toBeUndefined()
    expect(storedPullRequest({ record: 'text' })).toBeUndefined()
  })
})
