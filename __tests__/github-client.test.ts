/**
 * createOctokit with its retry and throttling plugins, over a hand-written fake `fetch` that
 * answers a scripted sequence of responses. Waits are scaled down with `retryAfterBaseMs`.
 */
import { createOctokit, type GitHubApi, type Logger } from '../src/github/client.js'

const TOKEN = 'ghs_secretTokenValue123'
const BASE_URL = 'https://ghe.example.test/api/v3'

interface Scripted {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

function fakeFetch(script: Scripted[]) {
  const seen: { url: string; authorization: string | null }[] = []
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: String(input),
      authorization: new Headers(init?.headers).get('authorization')
    })
    const next = script.shift() ?? { status: 200, body: { ok: true } }
    const response = new Response(JSON.stringify(next.body ?? {}), {
      status: next.status,
      headers: { 'content-type': 'application/json', ...next.headers }
    })
    Object.defineProperty(response, 'url', { value: String(input) })
    return response
  }
  return { fetch: fetch as typeof globalThis.fetch, seen }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    debug: message => lines.push(`debug: ${message}`),
    info: message => lines.push(`info: ${message}`),
    warning: message => lines.push(`warning: ${message}`)
  }
}

const nowSeconds = () => String(Math.floor(Date.now() / 1000))
const rateLimited = (reset = nowSeconds()): Scripted => ({
  status: 403,
  body: { message: 'API rate limit exceeded for installation ID 1.' },
  headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }
})

describe('createOctokit', () => {
  it('sends requests to the given base URL (GITHUB_API_URL) with the token', async () => {
    const { fetch, seen } = fakeFetch([{ status: 200, body: { login: 'x' } }])
    const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch })
    const api: GitHubApi = octokit
    const response = await api.request('GET /repos/{owner}/{repo}', {
      owner: 'acme',
      repo: 'models'
    })
    expect(response.status).toBe(200)
    expect(seen).toEqual([
      { url: `${BASE_URL}/repos/acme/models`, authorization: `token ${TOKEN}` }
    ])
  })

  it('retries a server error and succeeds', async () => {
    const { fetch, seen } = fakeFetch([{ status: 502 }, { status: 503 }, { status: 200, body: {} }])
    const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
    await expect(octokit.request('GET /rate_limit')).resolves.toMatchObject({ status: 200 })
    expect(seen).toHaveLength(3)
  })

  it('does not retry a client error', async () => {
    const { fetch, seen } = fakeFetch([{ status: 404, body: { message: 'Not Found' } }])
    const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
    await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({ status: 404 })
    expect(seen).toHaveLength(1)
  })

  it('retries on the rate limit a bounded number of times, logging each, never the token', async () => {
    const logger = recordingLogger()
    const { fetch, seen } = fakeFetch([rateLimited(), rateLimited(), rateLimited(), rateLimited()])
    const octokit = createOctokit(TOKEN, {
      baseUrl: BASE_URL,
      fetch,
      logger,
      retryAfterBaseMs: 1,
      rateLimitRetries: 2
    })
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        owner: 'acme',
        repo: 'models',
        pull_number: 7
      })
    ).rejects.toMatchObject({ status: 403 })
    expect(seen).toHaveLength(3)
    const warnings = logger.lines.filter(line =>
      line.startsWith('warning: GitHub primary rate limit')
    )
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatch(
      /^warning: GitHub primary rate limit hit by GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}\/reviews; retry 1 of 2 in \d+ s$/
    )
    expect(warnings[2]).toContain('not retrying (2 retries used)')
    expect(logger.lines.join('\n')).not.toContain(TOKEN)
  })

  it('recovers when the limit lifts within the retries', async () => {
    const { fetch, seen } = fakeFetch([rateLimited(), { status: 200, body: { ok: true } }])
    const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
    await expect(octokit.request('GET /rate_limit')).resolves.toMatchObject({ status: 200 })
    expect(seen).toHaveLength(2)
  })

  it('does not wait for a reset that is too far away', async () => {
    const logger = recordingLogger()
    const inAnHour = String(Math.floor(Date.now() / 1000) + 3600)
    const { fetch, seen } = fakeFetch([rateLimited(inAnHour)])
    const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, logger, retryAfterBaseMs: 1 })
    await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({ status: 403 })
    expect(seen).toHaveLength(1)
    expect(logger.lines.at(-1)).toMatch(/not retrying \(the limit resets in \d+ s\)$/)
  })

  it('retries a secondary rate limit after the wait GitHub asks for', async () => {
    const logger = recordingLogger()
    const { fetch, seen } = fakeFetch([
      {
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
        headers: { 'retry-after': '3' }
      },
      { status: 200, body: {} }
    ])
    const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, logger, retryAfterBaseMs: 1 })
    await expect(octokit.request('GET /rate_limit')).resolves.toMatchObject({ status: 200 })
    expect(seen).toHaveLength(2)
    expect(logger.lines).toEqual([
      'warning: GitHub secondary rate limit hit by GET /rate_limit; retry 1 of 2 in 3 s'
    ])
  })
})
