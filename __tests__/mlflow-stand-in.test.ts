/**
 * The stand-in answers as MLflow does (mlflow/server/handlers.py, validation.py,
 * and real 2.7.1 / 3.9 servers per shared/MLFLOW-API.md): if it did not, the
 * adapter tests would prove nothing.
 */
import { startMlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'

let stand: MlflowStandIn
let html: MlflowStandIn
beforeAll(async () => {
  stand = await startMlflowStandIn()
  html = await startMlflowStandIn({ unknownRoute: 'html' })
  stand.createModel('m')
  stand.createVersion('m', { runId: stand.createRun({ metrics: { a: [1, 2] } }) })
  stand.createVersion('m')
})
afterAll(async () => {
  await Promise.all([stand.close(), html.close()])
})

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = body === undefined
    ? {}
    : { 'Content-Type': 'application/json' },
  base = stand.url
): Promise<{ status: number; type: string; json: Record<string, unknown>; text: string }> {
  const response = await fetch(base + path, {
    method,
    headers,
    // Bytes, not a string: fetch adds no Content-Type of its own to bytes.
    ...(body === undefined
      ? {}
      : { body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)) })
  })
  const text = await response.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // HTML
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', json, text }
}

const API = '/api/2.0/mlflow'

describe('the MLflow stand-in', () => {
  it('rejects a version sent as a number, as MLflow does', async () => {
    const answer = await call('POST', `${API}/registered-models/alias`, {
      name: 'm',
      alias: 'champion',
      version: 1
    })
    expect(answer.status).toBe(400)
    expect(answer.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message:
        "Invalid value 1 for parameter 'version' supplied. Hint: Value was of type 'int'. See the API docs for more information about request parameters."
    })
  })

  it('rejects a POST without Content-Type: application/json; a DELETE is read regardless', async () => {
    const bare = await call(
      'POST',
      `${API}/registered-models/alias`,
      '{"name":"m","alias":"a","version":"1"}',
      {}
    )
    expect(bare.status).toBe(400)
    expect(bare.json.error_code).toBe('INVALID_PARAMETER_VALUE')
    expect(bare.json.message).toBe('Bad Request. Content-Type must be one of [application/json].')
    const text = await call('POST', `${API}/registered-models/alias`, '{}', {
      'Content-Type': 'text/plain'
    })
    expect(text.json.message).toBe(
      "Bad Request. Content-Type must be one of [application/json]. Got 'text/plain'."
    )
    const del = await call(
      'DELETE',
      `${API}/registered-models/alias`,
      '{"name":"m","alias":"never-set"}',
      {}
    )
    expect(del.status).toBe(200)
  })

  it('answers missing things with MLflow’s codes', async () => {
    const alias = await call('GET', `${API}/registered-models/alias?name=m&alias=nope`)
    expect([alias.status, alias.json]).toEqual([
      400,
      { error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias nope not found.' }
    ])
    const aliasOfMissingModel = await call(
      'GET',
      `${API}/registered-models/alias?name=ghost&alias=a`
    )
    expect(aliasOfMissingModel.status).toBe(400)
    const model = await call('GET', `${API}/registered-models/get?name=ghost`)
    expect([model.status, model.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST'])
    expect(model.json.message).toBe('Registered Model with name=ghost not found')
    const version = await call('GET', `${API}/model-versions/get?name=m&version=9`)
    expect([version.status, version.json.message]).toEqual([
      404,
      'Model Version (name=m, version=9) not found'
    ])
    const run = await call('GET', `${API}/runs/get?run_id=nope`)
    expect([run.status, run.json.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST'])
    const exists = await call('POST', `${API}/registered-models/create`, { name: 'm' })
    expect([exists.status, exists.json.error_code]).toEqual([400, 'RESOURCE_ALREADY_EXISTS'])
  })

  it('validates names and values as MLflow does', async () => {
    for (const alias of ['latest', 'LATEST', 'v3', 'a b']) {
      const answer = await call('POST', `${API}/registered-models/alias`, {
        name: 'm',
        alias,
        version: '1'
      })
      expect(answer.status).toBe(400)
    }
    const notNumber = await call('GET', `${API}/model-versions/get?name=m&version=abc`)
    expect(notNumber.json.message).toBe("Parameter 'version' must be an integer, got 'abc'.")
    const long = await call('POST', `${API}/model-versions/set-tag`, {
      name: 'm',
      version: '1',
      key: 'k',
      value: 'x'.repeat(5001)
    })
    expect(long.json.message).toBe("'value' exceeds the maximum length of 5000 characters")
    const missing = await call('POST', `${API}/registered-models/set-tag`, {
      name: 'm',
      value: 'v'
    })
    expect(missing.json.message).toBe(
      "Missing value for required parameter 'key'. See the API docs for more information about request parameters."
    )
  })

  it('resolves the latest alias, leaves empty lists out, ignores (and logs) unknown fields', async () => {
    const latest = await call('GET', `${API}/registered-models/alias?name=m&alias=latest`)
    expect((latest.json.model_version as { version: string }).version).toBe('2')
    const none = await call(
      'GET',
      `${API}/model-versions/search?filter=${encodeURIComponent("name='ghost'")}`
    )
    expect(none.json).toEqual({})
    stand.resetLog()
    const extra = await call('POST', `${API}/registered-models/set-tag`, {
      name: 'm',
      key: 'k',
      value: 'v',
      colour: 'blue'
    })
    expect(extra.status).toBe(200)
    expect(stand.log[0]?.unknownFields).toEqual(['colour'])
    const run = await call(
      'GET',
      `${API}/runs/get?run_id=${encodeURIComponent(stand.runs.keys().next().value ?? '')}`
    )
    const data = (run.json.run as { data: { metrics: Array<{ key: string; value: number }> } }).data
    expect(data.metrics.map(m => [m.key, m.value])).toEqual([['a', 2]])
  })

  it('answers an unknown path 404 ENDPOINT_NOT_FOUND (or Flask’s HTML page) and a wrong method 405 HTML', async () => {
    const json = await call('GET', `${API}/registered-models/nope`)
    expect([json.status, json.json.error_code]).toEqual([404, 'ENDPOINT_NOT_FOUND'])
    const old = await call('GET', '/api/2.0/preview/mlflow/registered-models/get?name=m')
    expect(old.status).toBe(404)
    const page = await call('GET', `${API}/registered-models/nope`, undefined, {}, html.url)
    expect([page.status, page.type]).toEqual([404, 'text/html; charset=utf-8'])
    const method = await call('PUT', `${API}/registered-models/get`, {})
    expect([method.status, method.type]).toEqual([405, 'text/html; charset=utf-8'])
  })

  it('archives the other versions of a stage on transition-stage with archive_existing_versions', async () => {
    stand.createModel('t')
    stand.createVersion('t', { stage: 'Production' })
    stand.createVersion('t')
    const answer = await call('POST', `${API}/model-versions/transition-stage`, {
      name: 't',
      version: '2',
      stage: 'production',
      archive_existing_versions: true
    })
    expect((answer.json.model_version as { current_stage: string }).current_stage).toBe(
      'Production'
    )
    expect(stand.snapshot('t').versions['1']?.stage).toBe('Archived')
    const bad = await call('POST', `${API}/model-versions/transition-stage`, {
      name: 't',
      version: '2',
      stage: 'Live',
      archive_existing_versions: false
    })
    expect(bad.status).toBe(400)
  })

  it('Unity Catalog: refuses a 51st tag on a model version, not a new value for one it has', async () => {
    stand.createModel('main.s.m')
    stand.createVersion('main.s.m')
    const tags = stand.models.get('main.s.m')?.versions.get('1')?.tags as Map<string, string>
    for (let i = 0; tags.size < 50; i++) tags.set(`t_${i}`, 'x')
    const uc = '/api/2.0/mlflow/unity-catalog/model-versions/tags'
    const body = (key: string) => ({ name: 'main.s.m', version: '1', key, value: 'y' })
    const added = await call('POST', uc, body('one_more'))
    expect([added.status, added.json.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE'])
    expect((await call('POST', uc, body('t_0'))).status).toBe(200)
    expect((await call('DELETE', uc, { name: 'main.s.m', version: '1', key: 't_1' })).status).toBe(
      200
    )
    expect((await call('POST', uc, body('one_more'))).status).toBe(200)
    expect(tags.size).toBe(50)
  })

  it('injects faults by write number, before or after the write takes effect', async () => {
    stand.addFault({ writesOnly: true, nth: 2, kind: 500, after: true })
    const first = await call('POST', `${API}/registered-models/set-tag`, {
      name: 'm',
      key: 'f',
      value: '1'
    })
    const second = await call('POST', `${API}/registered-models/set-tag`, {
      name: 'm',
      key: 'f',
      value: '2'
    })
    expect([first.status, second.status]).toEqual([200, 500])
    expect(stand.snapshot('m').tags.f).toBe('2') // applied, answer lost
    stand.clearFaults()
  })
})
