// MLflow credentials never reach the log, end to end: a server that echoes the request's
// Authorization header (and the password) in its error message, run through the bundled action
// (a child `node dist/index.js`) and the bundled CLI. Only 127.0.0.1.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expectNoSecret } from './helpers/action-workspace.js'
import { CLI_ENTRY, runAction } from './helpers/run-action.js'

const USER = 'alice'
const PASSWORD = 'pa55:w0rd-Z9'
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
const TOKEN = 'dapi-0123456789abcdef'

/** Answers every request with a 400 whose message quotes the credentials it was sent. */
async function echoingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const authorization = request.headers.authorization ?? ''
    const basic = authorization.startsWith('Basic ')
    const message =
      `Bad request. Headers: {'Authorization': '${authorization}', 'Host': '${request.headers.host ?? ''}'}` +
      (basic ? ` (user ${USER}, password=${PASSWORD}, login "${USER}:${PASSWORD}")` : '')
    response
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}

function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string>
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      [CLI_ENTRY, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env } },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0
        resolve({ exitCode: code, stdout, stderr })
      }
    )
  })
}

describe('MLflow credentials echoed by the server', () => {
  let server: { url: string; close(): Promise<void> }
  let dir: string

  beforeAll(async () => {
    server = await echoingServer()
    dir = await mkdtemp(path.join(tmpdir(), 'modelgate-mlflow-secrets-'))
    await writeFile(
      path.join(dir, 'policy.yml'),
      `model: churn\nregistry:\n  type: mlflow\n  uri: ${server.url}\nstages:\n  production:\n    from: [candidate]\n`
    )
  })
  afterAll(async () => {
    await server?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('basic auth: the action masks the encoded form too and quotes the server without them', async () => {
    const result = await runAction(
      { command: 'status', policy: 'policy.yml' },
      {
        GITHUB_EVENT_NAME: 'workflow_dispatch',
        GITHUB_ACTOR: 'mona',
        MLFLOW_TRACKING_USERNAME: USER,
        MLFLOW_TRACKING_PASSWORD: PASSWORD
      },
      dir
    )
    expect(result.exitCode).not.toBe(0)
    // The server's message is still quoted, without what it echoed of the credentials.
    expect(result.stdout).toMatch(/::error::.*Bad request\. Headers/)
    expectNoSecret(result, [PASSWORD, BASIC])
  })

  it('a token: masked and stripped from the quoted message', async () => {
    const result = await runAction(
      { command: 'status', policy: 'policy.yml' },
      { GITHUB_EVENT_NAME: 'workflow_dispatch', MLFLOW_TRACKING_TOKEN: TOKEN },
      dir
    )
    expect(result.exitCode).not.toBe(0)
    expect(result.stdout).toMatch(/::error::.*Bad request\. Headers/)
    expectNoSecret(result, [TOKEN])
  })

  it('the CLI, which masks nothing, prints neither the password nor its encoded form', async () => {
    const result = await runCli(['status', '--policy', 'policy.yml'], dir, {
      MLFLOW_TRACKING_USERNAME: USER,
      MLFLOW_TRACKING_PASSWORD: PASSWORD
    })
    expect(result.exitCode).not.toBe(0)
    const output = result.stdout + result.stderr
    expect(output).toContain('Bad request. Headers')
    for (const secret of [PASSWORD, BASIC]) expect(output).not.toContain(secret)
  })
})
