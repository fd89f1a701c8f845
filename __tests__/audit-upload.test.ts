import { jest } from '@jest/globals'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startArtifactStandIn, type ArtifactStandIn } from './helpers/artifact-stand-in.js'
import { REPO_ROOT } from './helpers/run-action.js'
import { readZip } from './helpers/zip.js'
import { quietActionsCore } from './helpers/quiet-core.js'

// The real `@actions/artifact` client, in-process, against the stand-in on 127.0.0.1. It reads
// ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL when it makes a request, so they are set here.
type UploaderModule = typeof import('../src/audit/actions-uploader.js')
type PublishModule = typeof import('../src/audit/publish.js')
type RecordModule = typeof import('../src/audit/record.js')
let uploaderModule: UploaderModule
let publish: PublishModule
let records: RecordModule
let stand: ArtifactStandIn
let scratch: string

const ENV_KEYS = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL', 'GITHUB_SERVER_URL'] as const
const savedEnv = Object.fromEntries(ENV_KEYS.map(key => [key, process.env[key]]))

// The library logs through @actions/core (progress, `::add-mask::`, a warning on failure).
jest.unstable_mockModule('@actions/core', quietActionsCore)

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-audit-upload-'))
  stand = await startArtifactStandIn()
  Object.assign(process.env, stand.env())
  uploaderModule = await import('../src/audit/actions-uploader.js')
  publish = await import('../src/audit/publish.js')
  records = await import('../src/audit/record.js')
})

afterAll(async () => {
  await stand.close()
  await rm(scratch, { recursive: true, force: true })
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key]
    else process.env[key] = savedEnv[key]
  }
})

let fileCount = 0
/** `audit.json` holding `text`, alone in a fresh directory: the upload's root. */
async function auditFile(text: string): Promise<{ file: string; root: string }> {
  const root = path.join(scratch, `upload-${++fileCount}`)
  await mkdir(root)
  const file = path.join(root, 'audit.json')
  await writeFile(file, text)
  return { file, root }
}

const since = (): (() => string[]) => {
  const start = stand.requests.length
  return () => stand.requests.slice(start)
}

/**
 * Settles `work` with the clock run fast: the client waits 3 s and more between Twirp retries
 * (no option or variable shortens it), so timers are faked and advanced while sockets stay real.
 */
async function withFastClock<T>(work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] })
  // The client's stall watchdog reads the same clock: on a busy machine the fake seconds run
  // past its 5 minutes while a real request is still in flight. The test's own timeout bounds it.
  const stallTimeout = process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS
  process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS = String(24 * 60 * 60 * 1000)
  try {
    let settled = false
    const result = work().finally(() => {
      settled = true
    })
    result.catch(() => undefined)
    while (!settled) {
      await jest.advanceTimersByTimeAsync(1000)
      await new Promise(resolve => setImmediate(resolve))
    }
    return await result
  } finally {
    jest.useRealTimers()
    if (stallTimeout === undefined) delete process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS
    else process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS = stallTimeout
  }
}

const AT = new Date('2025-06-02T09:30:00Z')

function rollbackRecord(model = 'churn') {
  return records.rollbackAudit({
    model,
    stage: 'production',
    restored: '3',
    rolledBack: '4',
    written: true,
    actor: 'octocat',
    reason: 'v4 doubles false positives',
    run: { event: 'workflow_dispatch', sha: 'a'.repeat(40) },
    at: AT
  })
}

describe('actionsArtifactUploader, the real @actions/artifact client against the stand-in', () => {
  it('uploads one audit.json that reads back, lists and downloads as the artifact', async () => {
    const text = `${JSON.stringify({ hello: 'audit' }, null, 2)}\n`
    const { file, root } = await auditFile(text)
    const requests = since()
    const name = 'modelgate-audit-churn-3-1234'

    await uploaderModule.actionsArtifactUploader().upload(name, [file], root)

    const twirp = '/twirp/github.actions.results.api.v1.ArtifactService/'
    expect(requests()).toEqual([
      `POST ${twirp}CreateArtifact`,
      expect.stringMatching(/^PUT \/blob\/uploads\/[0-9a-f-]+\.zip\?sig=.*&comp=block&blockid=/),
      expect.stringMatching(/^PUT \/blob\/uploads\/[0-9a-f-]+\.zip\?sig=.*&comp=blocklist$/),
      `POST ${twirp}FinalizeArtifact`
    ])
    const files = readZip(stand.uploaded(name)!)
    expect([...files.keys()]).toEqual(['audit.json'])
    expect(files.get('audit.json')!.toString('utf8')).toBe(text)

    // Finalized, it is an artifact of the current run like any other.
    const { DefaultArtifactClient } = await import('@actions/artifact')
    const client = new DefaultArtifactClient()
    const { artifact } = await client.getArtifact(name)
    expect(artifact).toMatchObject({ name, size: stand.uploaded(name)!.length })
    const into = path.join(scratch, 'downloaded')
    await client.downloadArtifact(artifact.id, { path: into })
    expect(await readFile(path.join(into, 'audit.json'), 'utf8')).toBe(text)
  })

  it('is refused a second artifact of the same name, at once (409 is not retried)', async () => {
    const { file, root } = await auditFile('{}\n')
    const upload = () =>
      uploaderModule.actionsArtifactUploader().upload('modelgate-audit-twice', [file], root)
    await upload()
    const requests = since()
    await expect(upload()).rejects.toThrow(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run'
    )
    expect(requests()).toHaveLength(1)
  })

  it('retries a 500 from the service, then uploads', async () => {
    const { file, root } = await auditFile('{"retried":true}\n')
    stand.failNext('CreateArtifact', { status: 500, msg: 'database is busy' })
    const requests = since()
    await withFastClock(() =>
      uploaderModule.actionsArtifactUploader().upload('modelgate-audit-retried', [file], root)
    )
    expect(requests().filter(line => line.endsWith('/CreateArtifact'))).toHaveLength(2)
    expect(readZip(stand.uploaded('modelgate-audit-retried')!).get('audit.json')!.toString()).toBe(
      '{"retried":true}\n'
    )
  })

  it('names the 500 when the service keeps answering it, after five attempts', async () => {
    const { file, root } = await auditFile('{}\n')
    stand.failNext('CreateArtifact', { status: 500, msg: 'database is down', times: 5 })
    await expect(
      withFastClock(() =>
        uploaderModule.actionsArtifactUploader().upload('modelgate-audit-down', [file], root)
      )
    ).rejects.toThrow(
      'Failed to CreateArtifact: Failed to make request after 5 attempts: Failed request: (500) Internal Server Error: database is down'
    )
    expect(stand.uploaded('modelgate-audit-down')).toBeUndefined()
  })

  it("names the blob service's refusal of a block, and finalizes nothing", async () => {
    const { file, root } = await auditFile('{}\n')
    stand.failNext('PutBlock', {
      status: 403,
      code: 'AuthenticationFailed',
      msg: 'Signed expiry time must be after signed start time'
    })
    const requests = since()
    await expect(
      uploaderModule.actionsArtifactUploader().upload('modelgate-audit-expired', [file], root)
    ).rejects.toThrow('Signed expiry time must be after signed start time')
    expect(requests().some(line => line.includes('FinalizeArtifact'))).toBe(false)
    expect(stand.uploaded('modelgate-audit-expired')).toBeUndefined()
  })
})

describe('env(), for a child process', () => {
  it('is all the client in another process needs to upload', async () => {
    const { file, root } = await auditFile('{"child":true}\n')
    const script = [
      "import { DefaultArtifactClient } from '@actions/artifact'",
      'const [name, file, root] = process.argv.slice(1)',
      'await new DefaultArtifactClient().uploadArtifact(name, [file], root)'
    ].join('\n')
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(resolve => {
      const child = execFile(
        process.execPath,
        ['--input-type=module', '-e', script, 'modelgate-audit-child', file, root],
        { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...stand.env() } },
        (error, _stdout, stderr) => resolve({ code: error ? (child.exitCode ?? -1) : 0, stderr })
      )
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(readZip(stand.uploaded('modelgate-audit-child')!).get('audit.json')!.toString()).toBe(
      '{"child":true}\n'
    )
  })
})

describe('the stand-in refuses what the artifact service would', () => {
  const twirp = (call: string, body: unknown, token = stand.runtimeToken) =>
    fetch(`${stand.url}/twirp/github.actions.results.api.v1.ArtifactService/${call}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })
  const ids = () => {
    const scope = JSON.parse(
      Buffer.from(stand.runtimeToken.split('.')[1]!, 'base64url').toString('utf8')
    ) as { scp: string }
    const [, run, job] = /Actions\.Results:([^:]+):(\S+)/.exec(scope.scp)!
    return { workflow_run_backend_id: run, workflow_job_run_backend_id: job }
  }

  /** Creates `name` and commits `data` as its blob, as the client does. */
  async function createAndCommit(name: string, data: Buffer): Promise<string> {
    const created = (await (
      await twirp('CreateArtifact', { ...ids(), name, version: 7 })
    ).json()) as {
      signed_upload_url: string
    }
    const blockId = Buffer.from('block-0').toString('base64')
    const blob = created.signed_upload_url
    expect(
      (
        await fetch(`${blob}&comp=block&blockid=${encodeURIComponent(blockId)}`, {
          method: 'PUT',
          body: data
        })
      ).status
    ).toBe(201)
    const list = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><BlockList><Latest>${blockId}</Latest></BlockList>`
    expect((await fetch(`${blob}&comp=blocklist`, { method: 'PUT', body: list })).status).toBe(201)
    return blob
  }

  it('a Finalize without a Create, and a Create without a token', async () => {
    const finalize = await twirp('FinalizeArtifact', { ...ids(), name: 'never-created', size: '1' })
    expect(finalize.status).toBe(404)
    expect(await finalize.json()).toMatchObject({ code: 'not_found' })
    expect((await twirp('CreateArtifact', { ...ids(), name: 'x' }, 'other')).status).toBe(401)
  })

  it('a Finalize whose size or hash is not what was uploaded', async () => {
    const data = Buffer.from('zip bytes')
    await createAndCommit('sized', data)
    const wrongSize = await twirp('FinalizeArtifact', { ...ids(), name: 'sized', size: '99' })
    expect(wrongSize.status).toBe(400)
    expect(await wrongSize.json()).toMatchObject({ code: 'invalid_argument' })
    const wrongHash = await twirp('FinalizeArtifact', {
      ...ids(),
      name: 'sized',
      size: String(data.length),
      hash: `sha256:${'0'.repeat(64)}`
    })
    expect(wrongHash.status).toBe(400)
    const right = await twirp('FinalizeArtifact', {
      ...ids(),
      name: 'sized',
      size: String(data.length)
    })
    expect(right.status).toBe(200)
    expect(stand.uploaded('sized')).toEqual(data)
  })

  it('a Finalize before the block list is committed, a block list naming an unknown block', async () => {
    const created = (await (
      await twirp('CreateArtifact', { ...ids(), name: 'half', version: 7 })
    ).json()) as {
      signed_upload_url: string
    }
    const finalize = await twirp('FinalizeArtifact', { ...ids(), name: 'half', size: '0' })
    expect(finalize.status).toBe(412)
    const list = await fetch(`${created.signed_upload_url}&comp=blocklist`, {
      method: 'PUT',
      body: '<BlockList><Latest>bm9wZQ==</Latest></BlockList>'
    })
    expect(list.status).toBe(400)
    expect(list.headers.get('x-ms-error-code')).toBe('InvalidBlockList')
  })

  it('a blob request without the signature or beyond its rights, an unknown call or route', async () => {
    const blob = await createAndCommit('unsigned', Buffer.from('x'))
    const unsigned = await fetch(blob.replace(/sig=[^&]*/, 'sig=forged') + '&comp=blocklist', {
      method: 'PUT',
      body: '<BlockList></BlockList>'
    })
    expect(unsigned.status).toBe(403)
    expect(unsigned.headers.get('x-ms-error-code')).toBe('AuthenticationFailed')
    const read = await fetch(blob)
    expect(read.status).toBe(403)
    expect(read.headers.get('x-ms-error-code')).toBe('AuthorizationPermissionMismatch')
    expect((await fetch(blob, { method: 'PUT', body: 'whole' })).status).toBe(400)
    expect((await twirp('DeleteEverything', ids())).status).toBe(404)
    expect((await fetch(`${stand.url}/_apis/pipelines/workflows/1/artifacts`)).status).toBe(404)
  })
})

describe('uploadAuditRecords through the real client', () => {
  it('uploads each record as its artifact holding audit.json', async () => {
    const record = rollbackRecord('fraud')
    const [published] = await publish.uploadAuditRecords(
      [record],
      '5150',
      uploaderModule.actionsArtifactUploader()
    )
    const name = records.auditArtifactName(record, '5150')
    expect(published).toEqual({ record, artifact: name })
    const files = readZip(stand.uploaded(name)!)
    expect([...files.keys()]).toEqual(['audit.json'])
    expect(
      records.AuditRecord.parse(JSON.parse(files.get('audit.json')!.toString('utf8')))
    ).toEqual(record)
  })

  it('reports a refused upload as the problem, and goes on to the next record', async () => {
    const record = rollbackRecord('ranker')
    stand.failNext('CreateArtifact', {
      status: 403,
      msg: 'insufficient usage to create artifact'
    })
    const [refused, next] = await publish.uploadAuditRecords(
      [record, record],
      '6000',
      uploaderModule.actionsArtifactUploader()
    )
    expect(refused!.artifact).toBeUndefined()
    expect(refused!.problem).toMatch(
      /^Failed to CreateArtifact: Artifact storage quota has been hit/
    )
    const second = `${records.auditArtifactName(record, '6000')}-2`
    expect(next).toEqual({ record, artifact: second })
    expect(stand.uploaded(second)).toBeDefined()
  })

  it('reports the 500 the service kept answering', async () => {
    const record = rollbackRecord('search')
    stand.failNext('FinalizeArtifact', { status: 503, msg: 'try later', times: 5 })
    const [published] = await withFastClock(() =>
      publish.uploadAuditRecords([record], '7000', uploaderModule.actionsArtifactUploader())
    )
    expect(published!.problem).toBe(
      'Failed to FinalizeArtifact: Failed to make request after 5 attempts: Failed request: (503) Service Unavailable: try later'
    )
  })
})
