// The note on the promoting pull request after a rollback (by hand or by `monitor`): the
// rollback is written already, so a comment that cannot be written is a warning, never a
// failure; one that can carries the monitor's verdict and breached triggers.
import { noteRollbackOnPullRequest } from '../src/action/dispatch.js'
import type { EventContext, GitHubPorts } from '../src/action/github-context.js'

const done = {
  action: 'rolled-back' as const,
  stage: 'production',
  version: 'v1.0.0',
  previous: 'v1.1.0',
  actor: 'octocat',
  at: new Date('2026-01-05T01:45:00Z'),
  automatic: {
    verdict: 'breach',
    breached: [{ name: 'error <b>rate</b>', summary: '3 breaching samples in a row' }]
  }
}
const note = {
  number: 3,
  done,
  target: { model: 'fraud', stage: 'production' },
  takenOut: 'v1.1.0'
}

function setup(upsert: GitHubPorts['comments']['upsert']) {
  const warnings: string[] = []
  const github = { comments: { upsert } } as unknown as GitHubPorts
  const context = {
    logger: { debug: () => {}, info: () => {}, warning: (m: string) => warnings.push(m) }
  } as unknown as EventContext
  return { github, context, warnings }
}

describe('noteRollbackOnPullRequest', () => {
  it('a comment that cannot be written is a warning, and no note', async () => {
    const { github, context, warnings } = setup(() => Promise.reject(new Error('HTTP 502')))
    await expect(noteRollbackOnPullRequest(github, context, note)).resolves.toBeUndefined()
    expect(warnings).toEqual(['Rolled back, but noting it on pull request #3 failed: HTTP 502'])
  })

  it('writes the verdict and each breached trigger, escaped, above the earlier comment', async () => {
    let body = ''
    const { github, context, warnings } = setup(async (_n, _marker, make) => {
      body =
        typeof make === 'function'
          ? make('<!-- modelgate:fraud:production -->\n\nold report')
          : make
      return { id: 1, created: false } as never
    })
    await expect(noteRollbackOnPullRequest(github, context, note)).resolves.toBe(
      'Noted on pull request #3, which had promoted v1.1.0.'
    )
    expect(warnings).toEqual([])
    expect(body).toContain('rolled back **automatically** by `modelgate monitor`, run by `octocat`')
    expect(body).toContain('Monitor verdict: **breach**; breached trigger:')
    expect(body).toContain('- **error \\<b\\>rate\\</b\\>**: 3 breaching samples in a row')
    expect(body).not.toMatch(/[^\\]<b>/)
    expect(body.indexOf('Rolled back')).toBeLessThan(body.indexOf('old report'))
  })
})
