import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  NOTIFICATION_SCHEMA,
  escapeSlack,
  maskableParts,
  notificationFor,
  postNotification
} from '../src/notify/webhook.js'
import type { NotificationEvent } from '../src/notify/webhook.js'

/** A webhook receiver on 127.0.0.1: records every request and answers by a plan, one step each. */
interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}
type Step = { status: number; body?: string; headers?: Record<string, string> } | 'hang'

const received: Received[] = []
let plan: Step[] = []
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8')
      })
      const step = plan.shift() ?? { status: 200, body: 'ok' }
      if (step === 'hang') return // never answers; closeAllConnections() ends it
      response.writeHead(step.status, { 'content-type': 'text/plain', ...step.headers })
      response.end(step.body ?? '')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>(resolve => server.close(() => resolve()))
})

beforeEach(() => {
  received.length = 0
  plan = []
})

/** A Slack-shaped secret: the token is the last path segment. */
const TOKEN = 'xT0kenSecretAbc123def456'
const SECRET_PATH = `/services/T0001/B0002/${TOKEN}`

function recorder() {
  const lines: { level: 'debug' | 'info' | 'warning'; message: string }[] = []
  return {
    lines,
    warnings: () => lines.filter(l => l.level === 'warning').map(l => l.message),
    debug: (message: string) => void lines.push({ level: 'debug', message }),
    info: (message: string) => void lines.push({ level: 'info', message }),
    warning: (message: string) => void lines.push({ level: 'warning', message })
  }
}

function expectNoSecret(log: ReturnType<typeof recorder>): void {
  for (const { message } of log.lines) {
    expect(message).not.toContain(TOKEN)
    expect(message).not.toContain('/services')
    expect(message).not.toContain('sig=')
  }
}

const event: NotificationEvent = {
  action: 'promoted',
  model: 'fraud-detector',
  version: 'v1.3.0',
  stage: 'production',
  previous: 'v1.2.0',
  actor: 'alice',
  decision: 'pass',
  runUrl: 'https://github.com/acme/models/actions/runs/42',
  pullRequest: { number: 7, url: 'https://github.com/acme/models/pull/7' },
  repository: 'acme/models',
  at: new Date('2025-03-01T12:00:00Z')
}

describe('notificationFor', () => {
  it('gives Slack one line with the run and pull request linked, and the facts as JSON', () => {
    const payload = notificationFor(event)
    expect(payload.text).toBe(
      'ModelGate: *fraud-detector* `v1.3.0` promoted to *production* (was `v1.2.0`) by alice' +
        ' · <https://github.com/acme/models/pull/7|acme/models#7>' +
        ' · <https://github.com/acme/models/actions/runs/42|run>'
    )
    expect(payload.modelgate).toEqual({
      schema: NOTIFICATION_SCHEMA,
      severity: 'info',
      key: 'fraud-detector|production|v1.3.0|promoted',
      action: 'promoted',
      model: 'fraud-detector',
      version: 'v1.3.0',
      stage: 'production',
      previous: 'v1.2.0',
      actor: 'alice',
      decision: 'pass',
      runUrl: 'https://github.com/acme/models/actions/runs/42',
      pullRequest: { number: 7, url: 'https://github.com/acme/models/pull/7' },
      repository: 'acme/models',
      at: '2025-03-01T12:00:00.000Z'
    })
    expect(payload.text.length).toBeLessThan(300)
  })

  it('leaves out the facts it was not given', () => {
    const payload = notificationFor({
      action: 'promoted',
      model: 'm',
      version: '3',
      stage: 'staging',
      actor: 'bob',
      at: new Date('2025-03-01T12:00:00Z')
    })
    expect(payload.text).toBe('ModelGate: *m* `3` promoted to *staging* by bob')
    expect(Object.keys(payload.modelgate)).toEqual([
      'schema',
      'severity',
      'key',
      'action',
      'model',
      'version',
      'stage',
      'actor',
      'at'
    ])
  })

  it('marks a forced promotion with the overridden decision and the reason', () => {
    const { text } = notificationFor({
      ...event,
      action: 'force-promoted',
      decision: 'blocked',
      reason: 'hotfix for\nINC-123',
      pullRequest: { number: 7 }
    })
    expect(text).toBe(
      'ModelGate: :warning: *fraud-detector* `v1.3.0` force-promoted to *production* (was `v1.2.0`)' +
        ' despite gates blocked by alice · reason: “hotfix for INC-123” · acme/models#7' +
        ' · <https://github.com/acme/models/actions/runs/42|run>'
    )
  })

  it('says what a rollback went back to and from', () => {
    const { text, modelgate } = notificationFor({
      ...event,
      action: 'rolled-back',
      version: 'v1.2.0',
      previous: 'v1.3.0',
      reason: 'latency regression',
      pullRequest: undefined
    })
    expect(text).toBe(
      'ModelGate: *fraud-detector* *production* rolled back to `v1.2.0` (from `v1.3.0`) by alice' +
        ' · reason: “latency regression” · <https://github.com/acme/models/actions/runs/42|run>'
    )
    expect(modelgate.action).toBe('rolled-back')
  })

  it("escapes Slack's &, < and > in free text, so a name cannot inject a link or a mention", () => {
    const { text, modelgate } = notificationFor({
      ...event,
      model: 'a<b>&c',
      actor: '<!channel>',
      reason: 'see <https://evil.example|this> & that',
      runUrl: 'https://ci.example/run?a=1&b=2'
    })
    expect(text).toContain('*a&lt;b&gt;&amp;c*')
    expect(text).toContain('by &lt;!channel&gt;')
    expect(text).toContain('reason: “see &lt;https://evil.example|this&gt; &amp; that”')
    expect(text).toContain('<https://ci.example/run?a=1&amp;b=2|run>')
    expect(text).not.toContain('<!channel>')
    // The JSON keeps the values as they are.
    expect(modelgate.model).toBe('a<b>&c')
    expect(modelgate.reason).toBe('see <https://evil.example|this> & that')
  })

  it('shortens a long reason in the text only, and links no URL that Slack could not', () => {
    const reason = 'x'.repeat(500)
    const payload = notificationFor({ ...event, reason, runUrl: 'javascript:alert(1)' })
    expect(payload.text.length).toBeLessThan(400)
    expect(payload.text).toContain(`${'x'.repeat(119)}…`)
    expect(payload.text).not.toContain('javascript')
    expect(payload.modelgate.reason).toBe(reason)
  })

  describe('a rollout step monitor took', () => {
    const step: NotificationEvent = {
      action: 'rollout-abort',
      model: 'fraud',
      version: 'v1.1.0',
      stage: 'canary',
      actor: 'github-actions (workflow "monitor", schedule)',
      reason: 'modelgate monitor: fraud v1.1.0 breached in canary: error rate 0.2 at 04:50',
      runUrl: 'https://github.com/acme/models/actions/runs/42',
      monitor: {
        verdict: 'breach',
        since: '2026-12-03T04:00:00.000Z',
        watched: {
          start: '2026-12-03T04:00:00.000Z',
          end: '2026-12-03T05:00:00.000Z',
          ended: false
        },
        triggers: [
          { name: 'error rate', verdict: 'breach', summary: '0.2 > 0.05' },
          { name: 'latency', verdict: 'healthy', summary: 'ok' }
        ]
      },
      rollout: { type: 'canary', step: 'abort', percent: 0, from: 10, champion: 'v1.0.0' },
      at: new Date('2026-12-03T05:00:00Z')
    }

    it('routes each step by its severity, keys each share apart, and says it in one line', () => {
      const abort = notificationFor(step)
      expect(abort.modelgate).toMatchObject({
        severity: 'critical',
        action: 'rollout-abort',
        key: 'fraud|canary|v1.1.0|rollout-abort|0',
        rollout: { type: 'canary', step: 'abort', percent: 0, from: 10, champion: 'v1.0.0' }
      })
      expect(abort.text).toBe(
        'ModelGate: :rotating_light: *fraud* `v1.1.0` aborted in *canary* at 10%, traffic now 0%:' +
          ' breached error rate by github-actions (workflow "monitor", schedule)' +
          ' · reason: “modelgate monitor: fraud v1.1.0 breached in canary: error rate 0.2 at 04:50”' +
          ' · <https://github.com/acme/models/actions/runs/42|run>'
      )
      const advance = (percent: number, from: number) =>
        notificationFor({
          ...step,
          action: 'rollout-advance',
          reason: undefined,
          rollout: { type: 'canary', step: 'advance', percent, from }
        })
      expect(advance(10, 5).modelgate.severity).toBe('info')
      expect(advance(10, 5).text).toContain('`v1.1.0` advanced in *canary* from 5% to 10%')
      expect(advance(10, 5).modelgate.key).not.toBe(advance(25, 10).modelgate.key)
      const hold = notificationFor({
        ...step,
        action: 'rollout-hold',
        stage: 'shadow',
        rollout: { type: 'shadow', step: 'hold', percent: 0 }
      })
      expect(hold.modelgate.severity).toBe('warning')
      expect(hold.text).toContain(':warning: *fraud* `v1.1.0` held in *shadow* (inconclusive)')
      const complete = notificationFor({
        ...step,
        action: 'rollout-complete',
        rollout: { type: 'canary', step: 'complete', percent: 100, into: 'production' }
      })
      expect(complete.modelgate.severity).toBe('info')
      expect(complete.text).toContain(
        '`v1.1.0`: rollout in *canary* complete, promoted to *production*'
      )
    })

    it('escapes every name in it: model, version, stage, triggers, the stage it was promoted to', () => {
      const text = notificationFor({
        ...step,
        model: 'a<b>&c',
        version: 'v1`<!here>',
        stage: '<!channel>',
        monitor: {
          ...step.monitor!,
          triggers: [{ name: '<https://evil.example|click>', verdict: 'breach', summary: '' }]
        }
      }).text
      expect(text).toContain('*a&lt;b&gt;&amp;c*')
      expect(text).toContain("`v1'&lt;!here&gt;`")
      expect(text).toContain('*&lt;!channel&gt;*')
      expect(text).toContain('breached &lt;https://evil.example|click&gt;')
      expect(text).not.toMatch(/<!|<https:\/\/evil/)
      const complete = notificationFor({
        ...step,
        action: 'rollout-complete',
        rollout: { type: 'canary', step: 'complete', percent: 100, into: '<!everyone>' }
      }).text
      expect(complete).toContain('promoted to *&lt;!everyone&gt;*')
    })
  })

  it('escapes as Slack asks and nothing more', () => {
    expect(escapeSlack('a & b < c > d "e" \'f\'')).toBe('a &amp; b &lt; c &gt; d "e" \'f\'')
  })
})

describe('postNotification against a local receiver', () => {
  const payload = notificationFor(event)

  it('POSTs the payload as JSON and reports it delivered', async () => {
    const log = recorder()
    const result = await postNotification(`${base}${SECRET_PATH}`, payload, { logger: log })
    expect(result).toEqual({ delivered: true, status: 200 })
    expect(received).toHaveLength(1)
    const [request] = received
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe(SECRET_PATH)
    expect(request?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(request?.body ?? '')).toEqual(payload)
    expect(log.warnings()).toEqual([])
    expect(log.lines.map(l => l.message)).toEqual([
      `notify-webhook: notified ${new URL(base).host} (HTTP 200)`
    ])
    expectNoSecret(log)
  })

  it('retries once after a 500 and delivers', async () => {
    plan = [{ status: 500, body: 'oops' }, { status: 200 }]
    const log = recorder()
    const result = await postNotification(`${base}${SECRET_PATH}`, payload, {
      logger: log,
      retryDelayMs: 10
    })
    expect(result).toEqual({ delivered: true, status: 200 })
    expect(received).toHaveLength(2)
    expect(received[1]?.body).toBe(received[0]?.body)
    expect(log.warnings()).toEqual([])
    expectNoSecret(log)
  })

  it('gives up after a second 500: a warning naming the host, never the path or the token', async () => {
    plan = [{ status: 500 }, { status: 503, body: 'service_unavailable' }]
    const log = recorder()
    const result = await postNotification(`${base}${SECRET_PATH}?sig=abc123`, payload, {
      logger: log,
      retryDelayMs: 10
    })
    expect(result.delivered).toBe(false)
    expect(result.status).toBe(503)
    expect(result.problem).toBe(`${new URL(base).host}: answered HTTP 503: service_unavailable`)
    expect(received).toHaveLength(2)
    expect(log.warnings()).toEqual([
      `notify-webhook: ${new URL(base).host}: answered HTTP 503: service_unavailable;` +
        ' no notification sent (this does not fail the run)'
    ])
    expectNoSecret(log)
  })

  it("waits out a 429's Retry-After, then retries", async () => {
    plan = [{ status: 429, headers: { 'retry-after': '0' } }, { status: 204 }]
    const log = recorder()
    const result = await postNotification(`${base}${SECRET_PATH}`, payload, { logger: log })
    expect(result).toEqual({ delivered: true, status: 204 })
    expect(received).toHaveLength(2)
  })

  it("does not retry a 4xx, and quotes Slack's error code but no longer body", async () => {
    plan = [{ status: 404, body: 'no_service' }]
    const log = recorder()
    const result = await postNotification(`${base}${SECRET_PATH}`, payload, { logger: log })
    expect(result).toMatchObject({ delivered: false, status: 404 })
    expect(result.problem).toContain('answered HTTP 404: no_service')
    expect(received).toHaveLength(1)

    plan = [{ status: 400, body: `bad request to ${SECRET_PATH}` }]
    const echoed = recorder()
    const second = await postNotification(`${base}${SECRET_PATH}`, payload, { logger: echoed })
    expect(second.problem).toBe(`${new URL(base).host}: answered HTTP 400`)
    expectNoSecret(echoed)
  })

  it('abandons a receiver that does not answer, with a warning and no retry', async () => {
    plan = ['hang', 'hang']
    const log = recorder()
    const started = Date.now()
    const result = await postNotification(`${base}${SECRET_PATH}`, payload, {
      logger: log,
      timeoutMs: 200,
      retryDelayMs: 10
    })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(result).toEqual({
      delivered: false,
      problem: `${new URL(base).host}: no answer within 0.2 s`
    })
    expect(received).toHaveLength(1)
    expect(log.warnings()).toHaveLength(1)
    expectNoSecret(log)
  })

  it('warns when nothing listens (connection refused), after one retry', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>(resolve => closed.close(() => resolve()))
    const log = recorder()
    const result = await postNotification(`http://127.0.0.1:${port}${SECRET_PATH}`, payload, {
      logger: log,
      retryDelayMs: 10
    })
    expect(result).toEqual({
      delivered: false,
      problem: `127.0.0.1:${port}: connection failed (ECONNREFUSED)`
    })
    expect(log.lines.filter(l => l.level === 'debug')).toHaveLength(1)
    expect(log.warnings()).toHaveLength(1)
    expectNoSecret(log)
  })

  it.each([
    ['a non-http scheme', `ftp://127.0.0.1${SECRET_PATH}`, 'must be http(s), not ftp'],
    ['a file URL', `file://${SECRET_PATH}`, 'must be http(s), not file'],
    ['no URL at all', `127.0.0.1${SECRET_PATH}`, 'is not a valid URL'],
    ['an empty input', '', 'is not a valid URL']
  ])('warns about %s and sends nothing', async (_what, url, problem) => {
    const log = recorder()
    const result = await postNotification(url, payload, { logger: log })
    expect(result.delivered).toBe(false)
    expect(result.problem).toContain(problem)
    expect(log.warnings()).toHaveLength(1)
    expect(received).toHaveLength(0)
    expectNoSecret(log)
  })

  it('never throws, even when fetch rejects with a non-Error from another realm', async () => {
    const log = recorder()
    const result = await postNotification(`${base}${SECRET_PATH}`, payload, {
      logger: log,
      retryDelayMs: 10,
      fetch: () => Promise.reject(`fetch to ${base}${SECRET_PATH} broke`)
    })
    expect(result).toEqual({
      delivered: false,
      problem: `${new URL(base).host}: connection failed (string)`
    })
    expectNoSecret(log)
  })
})

describe('maskableParts', () => {
  it('gives the whole URL and the token parts of a Slack URL, but not plain words', () => {
    const url = `https://hooks.slack.com${SECRET_PATH}`
    const parts = maskableParts(url)
    expect(parts).toEqual(expect.arrayContaining([url, SECRET_PATH, TOKEN]))
    expect(parts).not.toContain('services')
    expect(parts).not.toContain('hooks.slack.com')
    expect(parts).not.toContain('T0001') // too short to mask safely
  })

  it('gives query tokens and credentials', () => {
    const parts = maskableParts(
      ' https://user:pa55w0rdLong@example.com/hook?code=Abc123Xyz789&x=1 '
    )
    expect(parts).toEqual(
      expect.arrayContaining([
        'https://user:pa55w0rdLong@example.com/hook?code=Abc123Xyz789&x=1',
        '/hook?code=Abc123Xyz789&x=1',
        'pa55w0rdLong',
        'Abc123Xyz789'
      ])
    )
    expect(parts).not.toContain('1')
  })

  it('masks an unparseable value whole, and nothing for an empty one', () => {
    expect(maskableParts('not a url')).toEqual(['not a url'])
    expect(maskableParts('  ')).toEqual([])
  })
})
