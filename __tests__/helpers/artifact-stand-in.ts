// A stand-in for GitHub's artifact endpoints on 127.0.0.1, serving what `@actions/artifact`
// 6.2.1 asks for (read from its lib/, not guessed):
// - another run (`findBy`), REST with `Authorization: token …`:
//   GET  /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts?name=NAME   (getArtifact)
//   GET  /repos/{owner}/{repo}/actions/artifacts/{id}/zip  → 302 to a blob URL   (downloadArtifact)
// - the current run, Twirp JSON with `Authorization: Bearer ACTIONS_RUNTIME_TOKEN`:
//   POST /twirp/github.actions.results.api.v1.ArtifactService/ListArtifacts
//   POST /twirp/github.actions.results.api.v1.ArtifactService/GetSignedArtifactURL
// - the blob itself: GET /blob/{id}/{name}.zip?sig=…  (no auth header, like a SAS URL)
// - an upload from the current run (`uploadArtifact`): Twirp `CreateArtifact` answers a signed
//   upload URL; @azure/storage-blob's `BlockBlobClient.uploadStream` PUTs each block to
//   `/blob/uploads/{key}.zip?sig=…&comp=block&blockid=…`, then the list with `comp=blocklist`
//   (XML); Twirp `FinalizeArtifact` with the size and `sha256:` hash of what was committed.
//   A finalized upload joins `artifacts` (current run), so it lists and downloads like the rest.
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StandInArtifact {
  id: number
  name: string
  /** `owner/name`. */
  repository: string
  /** The run that uploaded it; `current` also serves it through the runner's artifact service. */
  runId: number
  current?: boolean
  zip: Buffer
  /** Reported `size_in_bytes`; default the zip's length. */
  reportedSize?: number
  expired?: boolean
  createdAt?: string
  expiresAt?: string
  /** Default `sha256:` of the zip; `null` for an artifact uploaded before digests existed. */
  digest?: string | null
}

/** A request the stand-in can be told to refuse (`failNext`). */
export type StandInRoute =
  | 'CreateArtifact'
  | 'FinalizeArtifact'
  | 'ListArtifacts'
  | 'GetSignedArtifactURL'
  | 'PutBlock'
  | 'PutBlockList'

export interface StandInFault {
  /** HTTP status to answer. */
  status: number
  /** Twirp error code, or the blob service's `x-ms-error-code`; default from the status. */
  code?: string
  /** Twirp `msg`, or the blob service's `<Message>`. */
  msg?: string
  /** How many requests in a row get this answer; default 1. */
  times?: number
}

export interface StartOptions {
  /** Where artifacts uploaded through the stand-in say they belong; default `acme/models`. */
  repository?: string
  /** The run that uploads them; default 7. */
  runId?: number
}

export interface ArtifactStandIn {
  url: string
  /** Accepted for REST; any other token gets 401. */
  token: string
  /** Accepted for REST but lacking `actions: read`: 403. */
  readOnlyContentsToken: string
  /** ACTIONS_RUNTIME_TOKEN for the Twirp service (an unsigned JWT with the Actions.Results scope). */
  runtimeToken: string
  artifacts: StandInArtifact[]
  /** `METHOD path?query` of every request, in order. */
  requests: string[]
  /**
   * What a child process needs to upload to (and download from) this stand-in as the current
   * run's artifact service: ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, and GITHUB_SERVER_URL
   * (github.com: the client refuses GHES).
   */
  env(): Record<string, string>
  /** The zip of the artifact `name` uploaded (created, committed, finalized) through the stand-in. */
  uploaded(name: string): Buffer | undefined
  /** Answers the next request(s) to `route` with `fault` instead (after authentication). */
  failNext(route: StandInRoute, fault: StandInFault): void
  close(): Promise<void>
}

/** An upload between `CreateArtifact` and `FinalizeArtifact`. */
interface PendingUpload {
  key: string
  mimeType: string | undefined
  /** Staged (uncommitted) blocks by block id. */
  blocks: Map<string, Buffer>
  /** The blob as committed by the block list. */
  committed?: Buffer
}

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/'
const RUN_BACKEND = 'c0ffee00-0000-4000-8000-000000000001'
const JOB_BACKEND = 'c0ffee00-0000-4000-8000-000000000002'

const TWIRP_CODES: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'already_exists',
  412: 'failed_precondition',
  429: 'resource_exhausted',
  500: 'internal',
  503: 'unavailable'
}
const BLOB_CODES: Record<number, string> = {
  400: 'InvalidInput',
  403: 'AuthenticationFailed',
  404: 'BlobNotFound',
  409: 'Conflict',
  500: 'InternalError',
  503: 'ServerBusy'
}

export async function startArtifactStandIn(options: StartOptions = {}): Promise<ArtifactStandIn> {
  const repository = options.repository ?? 'acme/models'
  const runId = options.runId ?? 7
  const suffix = Math.random().toString(36).slice(2, 10)
  const token = `ghs_artifacts${suffix}`
  const readOnlyContentsToken = `ghs_contents${suffix}`
  const claims = { scp: `Actions.GenericRead Actions.Results:${RUN_BACKEND}:${JOB_BACKEND}` }
  const runtimeToken = [base64url({ alg: 'none', typ: 'JWT' }), base64url(claims), 'unsigned'].join(
    '.'
  )
  const artifacts: StandInArtifact[] = []
  const requests: string[] = []
  /** By artifact name: one upload per name at a time, as the service keys them. */
  const pending = new Map<string, PendingUpload>()
  const uploads = new Map<string, Buffer>()
  const faults: { route: StandInRoute; fault: StandInFault; left: number }[] = []
  let url = ''

  /** Answers with the first fault queued for `route`, if any; true when it did. */
  const fault = (route: StandInRoute, response: ServerResponse): boolean => {
    const queued = faults.find(entry => entry.route === route && entry.left > 0)
    if (!queued) return false
    queued.left--
    const { status, code, msg } = queued.fault
    if (route === 'PutBlock' || route === 'PutBlockList') {
      blobError(response, status, code ?? BLOB_CODES[status] ?? 'InternalError', msg ?? 'fault')
    } else {
      json(response, status, {
        code: code ?? TWIRP_CODES[status] ?? 'unknown',
        msg: msg ?? 'fault'
      })
    }
    return true
  }

  const digestOf = (artifact: StandInArtifact): string | null =>
    artifact.digest === undefined
      ? `sha256:${createHash('sha256').update(artifact.zip).digest('hex')}`
      : artifact.digest
  const blobUrl = (artifact: StandInArtifact): string =>
    `${url}/blob/${artifact.id}/${encodeURIComponent(artifact.name)}.zip?sig=s3cr3t-sig&se=2099`

  const restAuth = (request: IncomingMessage, response: ServerResponse): boolean => {
    const header = request.headers.authorization ?? ''
    const given = header.replace(/^(token|bearer) /i, '')
    if (given === token) return true
    if (given === readOnlyContentsToken) {
      json(response, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/actions/artifacts',
        status: '403'
      })
      return false
    }
    json(response, 401, { message: 'Bad credentials', status: '401' })
    return false
  }

  const rest = (artifact: StandInArtifact) => ({
    id: artifact.id,
    node_id: `MDg6QXJ0aWZhY3Q${artifact.id}`,
    name: artifact.name,
    size_in_bytes: artifact.reportedSize ?? artifact.zip.length,
    url: `${url}/repos/${artifact.repository}/actions/artifacts/${artifact.id}`,
    archive_download_url: `${url}/repos/${artifact.repository}/actions/artifacts/${artifact.id}/zip`,
    expired: artifact.expired ?? false,
    created_at: artifact.createdAt ?? '2025-06-01T10:00:00Z',
    updated_at: artifact.createdAt ?? '2025-06-01T10:00:00Z',
    expires_at: artifact.expiresAt ?? '2025-08-30T10:00:00Z',
    digest: digestOf(artifact),
    workflow_run: { id: artifact.runId, repository_id: 1, head_repository_id: 1 }
  })

  const twirp = (artifact: StandInArtifact) => ({
    workflow_run_backend_id: RUN_BACKEND,
    workflow_job_run_backend_id: JOB_BACKEND,
    database_id: String(artifact.id),
    name: artifact.name,
    size: String(artifact.reportedSize ?? artifact.zip.length),
    created_at: artifact.createdAt ?? '2025-06-01T10:00:00Z',
    ...(digestOf(artifact) ? { digest: digestOf(artifact) } : {})
  })

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const method = request.method ?? 'GET'
      const target = new URL(request.url ?? '/', 'http://127.0.0.1')
      requests.push(`${method} ${target.pathname}${target.search}`)
      const body = Buffer.concat(chunks).toString('utf8')
      let match: RegExpExecArray | null

      if (
        method === 'GET' &&
        (match = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/artifacts$/.exec(target.pathname))
      ) {
        if (!restAuth(request, response)) return
        const [, repository, run] = match as unknown as [string, string, string]
        if (!artifacts.some(artifact => artifact.repository === repository)) {
          json(response, 404, { message: 'Not Found', status: '404' })
          return
        }
        const name = target.searchParams.get('name')
        const found = artifacts.filter(
          artifact =>
            artifact.repository === repository &&
            artifact.runId === Number(run) &&
            (name === null || artifact.name === name)
        )
        json(response, 200, { total_count: found.length, artifacts: found.map(rest) })
        return
      }

      if (
        method === 'GET' &&
        (match = /^\/repos\/([^/]+\/[^/]+)\/actions\/artifacts\/(\d+)\/zip$/.exec(target.pathname))
      ) {
        if (!restAuth(request, response)) return
        const [, repository, id] = match as unknown as [string, string, string]
        const artifact = artifacts.find(a => a.repository === repository && a.id === Number(id))
        if (!artifact) {
          json(response, 404, { message: 'Not Found', status: '404' })
        } else if (artifact.expired) {
          json(response, 410, { message: 'Artifact has expired', status: '410' })
        } else {
          response.writeHead(302, { location: blobUrl(artifact) }).end()
        }
        return
      }

      if ((match = /^\/blob\/uploads\/([0-9a-f-]+)\.zip$/.exec(target.pathname))) {
        // A SAS URL: the signature is the only credential, and it names one pending upload.
        const upload = [...pending.values()].find(entry => entry.key === match![1])
        if (!upload || target.searchParams.get('sig') !== 's3cr3t-sig') {
          blobError(response, 403, 'AuthenticationFailed', 'Signature did not match.')
          return
        }
        const comp = target.searchParams.get('comp')
        const raw = Buffer.concat(chunks)
        if (method === 'PUT' && comp === 'block') {
          if (fault('PutBlock', response)) return
          const problem = blockProblem(request, target.searchParams.get('blockid'), raw, upload)
          if (problem) {
            blobError(response, 400, problem.code, problem.message)
            return
          }
          upload.blocks.set(target.searchParams.get('blockid')!, raw)
          response
            .writeHead(201, {
              ...blobHeaders(request),
              'content-md5': createHash('md5').update(raw).digest('base64'),
              'x-ms-request-server-encrypted': 'true'
            })
            .end()
          return
        }
        if (method === 'PUT' && comp === 'blocklist') {
          if (fault('PutBlockList', response)) return
          const ids = blockList(body)
          if (!ids) {
            blobError(
              response,
              400,
              'InvalidXmlDocument',
              'XML specified is not syntactically valid.'
            )
            return
          }
          const missing = ids.find(id => !upload.blocks.has(id))
          if (missing !== undefined) {
            blobError(
              response,
              400,
              'InvalidBlockList',
              `The specified block list is invalid: ${missing}`
            )
            return
          }
          upload.committed = Buffer.concat(ids.map(id => upload.blocks.get(id)!))
          upload.blocks.clear()
          response
            .writeHead(201, {
              ...blobHeaders(request),
              etag: `"0x8DC${createHash('sha256').update(upload.committed).digest('hex').slice(0, 12).toUpperCase()}"`,
              'last-modified': new Date().toUTCString(),
              'x-ms-request-server-encrypted': 'true'
            })
            .end()
          return
        }
        if (method === 'GET' || method === 'HEAD') {
          // The upload URL is signed for create and write (`sp=cw`), not read.
          blobError(
            response,
            403,
            'AuthorizationPermissionMismatch',
            'This request is not authorized to perform this operation using this permission.'
          )
          return
        }
        // Put Blob and the rest: the client does not use them, the stand-in serves none.
        blobError(
          response,
          400,
          'UnsupportedOperation',
          `${method} comp=${comp} is not served by the artifact stand-in`
        )
        return
      }

      if (method === 'GET' && (match = /^\/blob\/(\d+)\//.exec(target.pathname))) {
        const artifact = artifacts.find(a => a.id === Number(match![1]))
        if (!artifact || target.searchParams.get('sig') !== 's3cr3t-sig') {
          response.writeHead(403).end('AuthenticationFailed')
          return
        }
        response
          .writeHead(200, {
            'content-type': 'application/zip',
            'content-length': String(artifact.zip.length),
            'content-disposition': `attachment; filename="${artifact.name}.zip"`
          })
          .end(artifact.zip)
        return
      }

      if (method === 'POST' && target.pathname.startsWith(TWIRP)) {
        if (request.headers.authorization !== `Bearer ${runtimeToken}`) {
          json(response, 401, { code: 'unauthenticated', msg: 'invalid token' })
          return
        }
        const call = target.pathname.slice(TWIRP.length)
        let input: Record<string, unknown>
        try {
          input = JSON.parse(body) as Record<string, unknown>
        } catch {
          json(response, 400, { code: 'malformed', msg: 'the request body is not JSON' })
          return
        }
        if (
          input.workflow_run_backend_id !== RUN_BACKEND ||
          input.workflow_job_run_backend_id !== JOB_BACKEND
        ) {
          json(response, 400, { code: 'invalid_argument', msg: 'unknown backend ids' })
          return
        }
        if (isRoute(call) && fault(call, response)) return
        const current = artifacts.filter(artifact => artifact.current && !artifact.expired)
        if (call === 'CreateArtifact') {
          const name = typeof input.name === 'string' ? input.name : ''
          if (!name) {
            json(response, 400, { code: 'invalid_argument', msg: 'name is required' })
          } else if (current.some(artifact => artifact.name === name)) {
            // The service's own words, as upload-artifact users see them.
            json(response, 409, {
              code: 'already_exists',
              msg: 'an artifact with this name already exists on the workflow run'
            })
          } else {
            const key = randomUUID()
            const mimeType = typeof input.mime_type === 'string' ? input.mime_type : undefined
            pending.set(name, { key, mimeType, blocks: new Map() })
            json(response, 200, {
              ok: true,
              signed_upload_url: `${url}/blob/uploads/${key}.zip?sig=s3cr3t-sig&se=2099&sp=cw&sr=b`
            })
          }
          return
        }
        if (call === 'FinalizeArtifact') {
          const name = typeof input.name === 'string' ? input.name : ''
          const upload = pending.get(name)
          if (!upload) {
            json(response, 404, { code: 'not_found', msg: `no artifact named ${name} was created` })
            return
          }
          if (!upload.committed) {
            json(response, 412, {
              code: 'failed_precondition',
              msg: `nothing was uploaded for artifact ${name}`
            })
            return
          }
          const zip = upload.committed
          const digest = `sha256:${createHash('sha256').update(zip).digest('hex')}`
          if (String(input.size ?? '0') !== String(zip.length)) {
            json(response, 400, {
              code: 'invalid_argument',
              msg: `size ${String(input.size ?? 0)} does not match the ${zip.length} bytes uploaded`
            })
            return
          }
          if (input.hash !== undefined && input.hash !== digest) {
            json(response, 400, {
              code: 'invalid_argument',
              msg: `hash ${String(input.hash)} does not match the ${digest} uploaded`
            })
            return
          }
          pending.delete(name)
          uploads.set(name, zip)
          const id = Math.max(1000, ...artifacts.map(artifact => artifact.id)) + 1
          artifacts.push({ id, name, repository, runId, current: true, zip, digest })
          json(response, 200, { ok: true, artifact_id: String(id) })
          return
        }
        if (call === 'ListArtifacts') {
          const found = current.filter(
            artifact =>
              (input.name_filter === undefined || artifact.name === input.name_filter) &&
              (input.id_filter === undefined || String(artifact.id) === String(input.id_filter))
          )
          json(response, 200, { artifacts: found.map(twirp) })
          return
        }
        if (call === 'GetSignedArtifactURL') {
          const artifact = current.find(a => a.name === input.name)
          if (!artifact) json(response, 404, { code: 'not_found', msg: 'artifact not found' })
          else json(response, 200, { signed_url: blobUrl(artifact) })
          return
        }
      }

      json(response, 404, { message: 'Not Found (not served by the artifact stand-in)' })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    token,
    readOnlyContentsToken,
    runtimeToken,
    artifacts,
    requests,
    env: () => ({
      ACTIONS_RUNTIME_TOKEN: runtimeToken,
      ACTIONS_RESULTS_URL: `${url}/`,
      GITHUB_SERVER_URL: 'https://github.com'
    }),
    uploaded: name => uploads.get(name),
    failNext: (route, given) => {
      faults.push({ route, fault: given, left: given.times ?? 1 })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      })
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(body))
}

const ROUTES: readonly string[] = [
  'CreateArtifact',
  'FinalizeArtifact',
  'ListArtifacts',
  'GetSignedArtifactURL',
  'PutBlock',
  'PutBlockList'
]
function isRoute(call: string): call is StandInRoute {
  return ROUTES.includes(call)
}

/** Why the blob service would refuse this Put Block, if it would. */
function blockProblem(
  request: IncomingMessage,
  blockId: string | null,
  raw: Buffer,
  upload: PendingUpload
): { code: string; message: string } | undefined {
  const decoded = blockId === null ? undefined : Buffer.from(blockId, 'base64')
  if (!blockId || !decoded || decoded.toString('base64') !== blockId || decoded.length > 64) {
    return {
      code: 'InvalidQueryParameterValue',
      message: `blockid ${blockId} is not base64 of at most 64 bytes`
    }
  }
  // Every block id of one blob has the same length.
  const other = upload.blocks.keys().next()
  if (!other.done && other.value.length !== blockId.length) {
    return {
      code: 'InvalidBlobOrBlock',
      message: 'The specified blob or block content is invalid.'
    }
  }
  if (Number(request.headers['content-length'] ?? -1) !== raw.length) {
    return { code: 'InvalidHeaderValue', message: 'Content-Length does not match the body' }
  }
  const md5 = request.headers['content-md5']
  if (md5 !== undefined && md5 !== createHash('md5').update(raw).digest('base64')) {
    return { code: 'Md5Mismatch', message: 'The MD5 value specified in the request did not match.' }
  }
  if (request.headers['x-ms-structured-body'] !== undefined) {
    // A CRC-64 structured message (contentChecksumAlgorithm: 'StorageCrc64'): the service
    // decodes it, the stand-in does not; @actions/artifact 6.2.1 never asks for it.
    return {
      code: 'UnsupportedHeader',
      message: 'structured bodies are not served by the stand-in'
    }
  }
  return undefined
}

/** The ids of a Put Block List body (`<BlockList><Latest>…</Latest>…</BlockList>`), in order. */
function blockList(xml: string): string[] | undefined {
  const list = /<BlockList>([\s\S]*)<\/BlockList>/.exec(xml)?.[1]
  if (list === undefined) return undefined
  const ids: string[] = []
  const rest = list.replace(
    /<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g,
    (_, _kind, id: string) => {
      ids.push(id)
      return ''
    }
  )
  return rest.trim() === '' ? ids : undefined
}

function blobHeaders(request: IncomingMessage): Record<string, string> {
  const clientId = request.headers['x-ms-client-request-id']
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': String(request.headers['x-ms-version'] ?? '2025-11-05'),
    ...(typeof clientId === 'string' ? { 'x-ms-client-request-id': clientId } : {}),
    date: new Date().toUTCString(),
    'content-length': '0'
  }
}

/** The blob service's error answer: XML with Code and Message, and `x-ms-error-code`. */
function blobError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}\nTime:${new Date().toISOString()}</Message></Error>`
  response.writeHead(status, {
    'content-type': 'application/xml',
    'x-ms-error-code': code,
    'x-ms-request-id': randomUUID()
  })
  response.end(body)
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
