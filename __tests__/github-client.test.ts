/**
 * createOctokit with its one retry policy, over a hand-written fake `fetch` that answers a
 * scripted sequence of responses. Waits are scaled down with `retryAfterBaseMs`.
 */
import { apiError, createOctokit, type GitHubApi } from '../src/github/client.js'
import type { Logger } from '../src/log.js'
import { DEFAULT_RETRY_POLICY, RateLimitedError, withRetries } from '../src/github/retry.js'
import { PermissionError } from '../src/errors.js'

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
      maxAttempts: 3
    })
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        owner: 'acme',
        repo: 'models',
        pull_number: 7
      })
    ).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('still limited after 3 requests; re-run the job later')
    })
    expect(seen).toHaveLength(3)
    const warnings = logger.lines.filter(line =>
      line.startsWith('warning: GitHub primary rate limit')
    )
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      /^warning: GitHub primary rate limit on GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}\/reviews; retry 1 of 2 in \d+ s$/
    )
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
    await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(
        /^GitHub primary rate limit on GET \/rate_limit \(HTTP 403\): GitHub asks to wait \d+ s, longer than ModelGate waits \(120 s\); re-run the job later$/
      )
    })
    expect(seen).toHaveLength(1)
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
      'warning: GitHub secondary rate limit on GET /rate_limit; retry 1 of 3 in 3 s'
    ])
  })

  describe('one retry policy per call (issue 10, item 12)', () => {
    const limited429 = (retryAfter?: string): Scripted => ({
      status: 429,
      body: { message: 'You have exceeded a secondary rate limit.' },
      headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter }
    })

    it('a persistent 429 is 4 requests, each after the retry-after GitHub gave', async () => {
      const logger = recordingLogger()
      const { fetch, seen } = fakeFetch(Array.from({ length: 20 }, () => limited429('2')))
      const octokit = createOctokit(TOKEN, {
        baseUrl: BASE_URL,
        fetch,
        logger,
        retryAfterBaseMs: 1,
        writeGapMs: 1
      })
      await expect(
        octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner: 'acme',
          repo: 'models',
          issue_number: 7,
          body: 'x'
        })
      ).rejects.toMatchObject({
        status: 429,
        message:
          'GitHub secondary rate limit on POST /repos/{owner}/{repo}/issues/{issue_number}/comments (HTTP 429): still limited after 4 requests; re-run the job later'
      })
      expect(seen).toHaveLength(4)
      expect(logger.lines).toEqual(
        [1, 2, 3].map(
          n =>
            `warning: GitHub secondary rate limit on POST /repos/{owner}/{repo}/issues/{issue_number}/comments; retry ${n} of 3 in 2 s`
        )
      )
    })

    it('a persistent 403 secondary limit is 4 requests too', async () => {
      const secondary: Scripted = {
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
        headers: { 'retry-after': '1' }
      }
      const { fetch, seen } = fakeFetch(Array.from({ length: 20 }, () => secondary))
      const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
      await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({ status: 403 })
      expect(seen).toHaveLength(4)
    })

    it('a 429 without retry-after waits the minute GitHub advises', async () => {
      const logger = recordingLogger()
      const { fetch, seen } = fakeFetch([limited429(), { status: 200, body: {} }])
      const octokit = createOctokit(TOKEN, {
        baseUrl: BASE_URL,
        fetch,
        logger,
        retryAfterBaseMs: 1
      })
      await expect(octokit.request('GET /rate_limit')).resolves.toMatchObject({ status: 200 })
      expect(seen).toHaveLength(2)
      expect(logger.lines).toEqual([
        'warning: GitHub secondary rate limit on GET /rate_limit; retry 1 of 3 in 60 s'
      ])
    })

    it('a retry-after over the bound fails at once, saying so, and is not a permission error', async () => {
      const { fetch, seen } = fakeFetch([limited429('3600')])
      const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
      const error = await octokit.request('GET /rate_limit').catch((e: unknown) => e)
      expect(seen).toHaveLength(1)
      expect(error).toBeInstanceOf(RateLimitedError)
      expect((error as Error).message).toBe(
        'GitHub secondary rate limit on GET /rate_limit (HTTP 429): GitHub asks to wait 3600 s, longer than ModelGate waits (120 s); re-run the job later'
      )
      const reported = apiError(error, 'listing the comments of #7', 'pull-requests: write')
      expect(reported).not.toBeInstanceOf(PermissionError)
      expect(reported.message).toBe(
        'GitHub API: listing the comments of #7 failed: GitHub secondary rate limit on GET /rate_limit (HTTP 429): GitHub asks to wait 3600 s, longer than ModelGate waits (120 s); re-run the job later'
      )
    })

    it('a server error that persists is 4 requests, not more', async () => {
      const { fetch, seen } = fakeFetch(Array.from({ length: 20 }, () => ({ status: 502 })))
      const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
      await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({ status: 502 })
      expect(seen).toHaveLength(4)
    })

    it('a request that gets no answer is retried (Octokit calls it 500); a bug is not', async () => {
      let calls = 0
      const fetch = (async () => {
        calls++
        throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') })
      }) as unknown as typeof globalThis.fetch
      const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
      await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({ status: 500 })
      expect(calls).toBe(4)
      let sent = 0
      const bug = withRetries(
        async () => {
          sent++
          throw new TypeError('cannot read properties of undefined')
        },
        'GET /x',
        DEFAULT_RETRY_POLICY,
        { warning() {} }
      )
      await expect(bug).rejects.toThrow(TypeError)
      expect(sent).toBe(1)
    })

    it('a refused permission (403 without a limit) is one request', async () => {
      const { fetch, seen } = fakeFetch([
        { status: 403, body: { message: 'Resource not accessible by integration' } }
      ])
      const octokit = createOctokit(TOKEN, { baseUrl: BASE_URL, fetch, retryAfterBaseMs: 1 })
      await expect(octokit.request('GET /rate_limit')).rejects.toMatchObject({ status: 403 })
      expect(seen).toHaveLength(1)
    })
  })
})
