// Event payloads built from @octokit/webhooks-examples, read back the way the action reads
// them: through @actions/github's Context, from GITHUB_EVENT_PATH and the runner variables.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  mergeShaFor,
  pullRequestEvent,
  pullRequestReviewEvent,
  pushEvent,
  workflowDispatchEvent,
  writeEvent,
  type BuiltEvent
} from './helpers/events.js'
import { fakeSha } from './helpers/github-stand-in/index.js'

const repo = { owner: 'acme', name: 'models' }
const HEAD = fakeSha('event-head')
const BASE = fakeSha('event-base')
const ACTIONS_GITHUB_CONTEXT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../node_modules/@actions/github/lib/context.js'
)

interface ContextLike {
  eventName: string
  sha: string
  ref: string
  actor: string
  repo: { owner: string; repo: string }
  issue: { number: number }
  payload: Record<string, unknown>
}

/** @actions/github's Context, constructed (as the action does) from the written event. */
async function readAsAction(event: BuiltEvent): Promise<ContextLike> {
  const written = await writeEvent(event)
  const saved = { ...process.env }
  try {
    Object.assign(process.env, written.env)
    // The package's exports hide lib/context.js; import it by path to construct a fresh one.
    const { Context } = (await import(ACTIONS_GITHUB_CONTEXT)) as {
      Context: new () => ContextLike
    }
    return new Context()
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
    await written.cleanup()
    expect(existsSync(written.path)).toBe(false)
  }
}

/** Nothing of the example's repository or people may leak into a built payload. */
function expectRetargeted(event: BuiltEvent): void {
  const text = JSON.stringify(event.payload)
  for (const leftover of ['Hello-World', 'Codertocat', 'octo-org', 'octo-repo']) {
    expect(text).not.toContain(leftover)
  }
}

describe('event payloads from @octokit/webhooks-examples', () => {
  it('pull_request opened: the PR, its commits and people, and the runner’s merge ref', async () => {
    const event = pullRequestEvent({
      repo,
      number: 7,
      head: { ref: 'promote/churn', sha: HEAD },
      base: { ref: 'main', sha: BASE },
      author: 'alice'
    })
    expectRetargeted(event)
    expect(event.payload).toMatchObject({
      action: 'opened',
      number: 7,
      pull_request: {
        number: 7,
        state: 'open',
        user: { login: 'alice' },
        head: { ref: 'promote/churn', sha: HEAD, repo: { full_name: 'acme/models' } },
        base: { ref: 'main', sha: BASE },
        html_url: 'https://github.com/acme/models/pull/7'
      },
      repository: { full_name: 'acme/models', owner: { login: 'acme' }, default_branch: 'main' },
      sender: { login: 'alice' }
    })
    const context = await readAsAction(event)
    expect(context).toMatchObject({
      eventName: 'pull_request',
      sha: mergeShaFor({ head: { sha: HEAD }, base: { sha: BASE } }),
      ref: 'refs/pull/7/merge',
      actor: 'alice',
      repo: { owner: 'acme', repo: 'models' },
      issue: { number: 7 }
    })
    expect(event.env).toMatchObject({ GITHUB_HEAD_REF: 'promote/churn', GITHUB_BASE_REF: 'main' })
  })

  it('pull_request synchronize carries before and after', () => {
    const event = pullRequestEvent({
      repo,
      action: 'synchronize',
      number: 7,
      head: { ref: 'promote/churn', sha: HEAD },
      base: { sha: BASE },
      before: fakeSha('older-head'),
      sender: 'alice'
    })
    expectRetargeted(event)
    expect(event.payload).toMatchObject({
      action: 'synchronize',
      before: fakeSha('older-head'),
      after: HEAD
    })
  })

  it('pull_request_target runs on the base branch', () => {
    const event = pullRequestEvent({
      repo,
      target: true,
      number: 9,
      head: { ref: 'fork-change', sha: HEAD },
      base: { ref: 'main', sha: BASE }
    })
    expect(event.name).toBe('pull_request_target')
    expect(event.env).toMatchObject({ GITHUB_SHA: BASE, GITHUB_REF: 'refs/heads/main' })
  })

  it('pull_request_review submitted: the review, its commit and its author', async () => {
    const event = pullRequestReviewEvent({
      repo,
      number: 7,
      head: { ref: 'promote/churn', sha: HEAD },
      base: { ref: 'main', sha: BASE },
      author: 'alice',
      review: { user: 'bob', state: 'APPROVED', submittedAt: '2025-01-06T10:00:00Z' }
    })
    expectRetargeted(event)
    expect(event.payload).toMatchObject({
      action: 'submitted',
      review: {
        user: { login: 'bob' },
        state: 'approved',
        commit_id: HEAD,
        submitted_at: '2025-01-06T10:00:00Z'
      },
      pull_request: { number: 7, user: { login: 'alice' } },
      sender: { login: 'bob' }
    })
    const context = await readAsAction(event)
    expect(context.eventName).toBe('pull_request_review')
    expect(context.issue.number).toBe(7)
  })

  it('push to the default branch: the merge commit as GITHUB_SHA', async () => {
    const merge = fakeSha('merge-commit')
    const event = pushEvent({ repo, before: BASE, after: merge, pusher: 'mona' })
    expectRetargeted(event)
    expect(event.payload).toMatchObject({
      ref: 'refs/heads/main',
      before: BASE,
      after: merge,
      head_commit: { id: merge },
      repository: { full_name: 'acme/models', default_branch: 'main' },
      pusher: { name: 'mona' },
      sender: { login: 'mona' }
    })
    const context = await readAsAction(event)
    expect(context).toMatchObject({ eventName: 'push', sha: merge, ref: 'refs/heads/main' })
  })

  it('workflow_dispatch: inputs as strings, the actor as sender', async () => {
    const event = workflowDispatchEvent({
      repo,
      sha: BASE,
      sender: 'mona',
      inputs: { command: 'rollback', model: 'churn', stage: 'production', reason: 'drift' }
    })
    expectRetargeted(event)
    expect(event.payload).toMatchObject({
      ref: 'refs/heads/main',
      inputs: { command: 'rollback', model: 'churn', stage: 'production', reason: 'drift' },
      organization: { login: 'acme' },
      sender: { login: 'mona' }
    })
    const context = await readAsAction(event)
    expect(context).toMatchObject({ eventName: 'workflow_dispatch', sha: BASE, actor: 'mona' })
    expect(context.payload.inputs).toEqual(event.payload.inputs)
  })

  it('a repository owned by a user has no organization', () => {
    const event = workflowDispatchEvent({
      repo: { owner: 'alice', name: 'solo', ownerType: 'User' },
      sha: BASE
    })
    expect(event.payload).not.toHaveProperty('organization')
    expect(event.payload).toMatchObject({
      repository: { full_name: 'alice/solo', owner: { login: 'alice', type: 'User' } }
    })
  })

  it('writes the payload to the file GITHUB_EVENT_PATH names', async () => {
    const event = pushEvent({ repo, before: BASE, after: HEAD })
    const written = await writeEvent(event)
    try {
      expect(written.env.GITHUB_EVENT_PATH).toBe(written.path)
      expect(JSON.parse(readFileSync(written.path, 'utf8'))).toEqual(event.payload)
    } finally {
      await written.cleanup()
    }
  })
})
