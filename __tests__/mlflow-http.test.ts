import { InvalidInputError } from '../src/errors.js'
import {
  MlflowApiError,
  MlflowHttp,
  createMlflowRegistry,
  mlflowAuthFromEnv,
  normaliseTrackingUri
} from '../src/registry/mlflow/index.js'
import type { FetchLike } from '../src/registry/mlflow/index.js'
import { authSecrets, redact } from '../src/registry/mlflow/http.js'
import { startMlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import { registryOn, rejection } from './helpers/mlflow-fixtures.js'

let html: MlflowStandIn
beforeAll(async () => {
  html = await startMlflowStandIn({ unknownRoute: 'html' })
})
afterAll(async () => {
  await html.close()
})

function answering(status: number, text: string, seen: string[] = []): FetchLike {
  return async (url, init) => {
    seen.push(`${init.method} ${url}`)
    return { status, headers: { get: () => null }, text: async () => text }
  }
}

describe('the MLflow HTTP client', () => {
  it('explains a server without the endpoint (an HTML 404), without parsing it as JSON', async () => {
    const registry = registryOn(html, { trackingUri: `${html.url}/not-mlflow` })
    const error = await rejection(registry.getStage('m', 'production'))
    expect(error).toBeInstanceOf(MlflowApiError)
    expect(error.message).toContain('has no endpoint GET /api/2.0/mlflow/registered-models/get')
    expect(error.message).toContain('MLflow 2.3 or later')
  })

  it('refuses a 200 that is not JSON', async () => {
    const http = new MlflowHttp({ trackingUri: 'http://x.test', fetch: answering(200, '<html>') })
    await expect(http.call('GET', '/mlflow/registered-models/get', { name: 'm' })).rejects.toThrow(
      'not a JSON object'
    )
  })

  it('treats an empty 200 body as {}', async () => {
    const http = new MlflowHttp({ trackingUri: 'http://x.test', fetch: answering(200, '') })
    expect(
      await http.call('DELETE', '/mlflow/registered-models/alias', { name: 'm', alias: 'a' })
    ).toEqual({})
  })

  it('builds GET queries and JSON bodies, under /api/2.0 of the tracking URI with its path prefix', async () => {
    const seen: string[] = []
    const http = new MlflowHttp({
      trackingUri: 'https://host.test/mlflow/',
      fetch: answering(200, '{}', seen)
    })
    await http.call('GET', '/mlflow/registered-models/alias', {
      name: 'a b',
      alias: 'x',
      skip: undefined
    })
    expect(seen).toEqual([
      'GET https://host.test/mlflow/api/2.0/mlflow/registered-models/alias?name=a+b&alias=x'
    ])
  })

  it('never takes credentials in the URI, and never echoes them', () => {
    for (const uri of ['https://user:hunter2@mlflow.test', 'https://mlflow.test/?token=hunter2']) {
      let error: unknown
      try {
        normaliseTrackingUri(uri)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidInputError)
      expect((error as Error).message).not.toContain('hunter2')
    }
    expect(() => normaliseTrackingUri('file:///tmp/mlruns')).toThrow('http(s)')
    expect(() =>
      createMlflowRegistry({ trackingUri: 'databricks-uc', fetch: globalThis.fetch })
    ).toThrow('not a URL')
  })

  it('keeps the token out of every failure message', async () => {
    const secret = 'sekret-XYZ-123'
    const down: FetchLike = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })
    }
    const registry = createMlflowRegistry({
      trackingUri: 'http://127.0.0.1:9',
      fetch: down,
      auth: { token: secret },
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: async () => undefined
    })
    const error = await rejection(registry.assign('m', '1', 'production', { actor: 'a' }))
    expect(error.message).toContain('connection failed (ECONNREFUSED)')
    expect(error.message).not.toContain(secret)
    expect(JSON.stringify(error)).not.toContain(secret)
  })

  it('quotes a server that echoes the credentials without them', async () => {
    const auth = { username: 'alice', password: 'p@ss w:rd' }
    const basic = Buffer.from('alice:p@ss w:rd').toString('base64')
    const echo = JSON.stringify({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: `denied; headers {"Authorization": "Basic ${basic}"}; login alice:p@ss w:rd; p=${encodeURIComponent('p@ss w:rd')}`
    })
    const http = new MlflowHttp({ trackingUri: 'http://x.test', fetch: answering(400, echo), auth })
    const error = (await http
      .call('GET', '/mlflow/registered-models/get', { name: 'm' })
      .catch((e: unknown) => e)) as MlflowApiError
    expect(error.message).toContain('denied; headers')
    for (const secret of ['p@ss w:rd', basic, encodeURIComponent('p@ss w:rd')]) {
      expect(error.message).not.toContain(secret)
      expect(error.serverMessage).not.toContain(secret)
    }
    expect(authSecrets(auth)).toEqual(['p@ss w:rd', basic])
    expect(authSecrets({ token: 't0k' })).toEqual(['t0k'])
  })

  it.each([
    ['Authorization: Bearer abcdef123456', 'Authorization: [redacted]'],
    ["{'Authorization': 'Basic YWxpY2U6cHc='}", "{'Authorization': '[redacted]'}"],
    ['sent bearer eyJhbGciOi.eyJzdWIi.sig', 'sent bearer [redacted]'],
    ['password=hunter2&user=bob', 'password=[redacted]&user=bob'],
    ['{"token": "abc123xyz"}', '{"token": "[redacted]"}'],
    ['api_key: k-9', 'api_key: [redacted]'],
    ['no credentials here: basic facts', 'no credentials here: basic facts'],
    ['basic authentication failed, token expired', 'basic authentication failed, token expired']
  ])('strips credentials anyone echoes: %s', (message, redacted) => {
    expect(redact(message)).toBe(redacted)
  })

  it('reads credentials from the environment as MLflow does', () => {
    expect(mlflowAuthFromEnv({ MLFLOW_TRACKING_TOKEN: 't' })).toEqual({ token: 't' })
    expect(
      mlflowAuthFromEnv({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' })
    ).toEqual({
      username: 'u',
      password: 'p'
    })
    expect(mlflowAuthFromEnv({ DATABRICKS_TOKEN: 'd' })).toEqual({ token: 'd' })
    expect(mlflowAuthFromEnv({})).toBeUndefined()
  })
})
