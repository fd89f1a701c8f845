// Candidates from workflow artifacts: the real @actions/artifact client against a stand-in, and
// the zip vetting attacks; over 600 lines because every attack is its own case.
import { jest } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { ExitCode, InvalidInputError, NotFoundError, PermissionError } from '../src/errors.js'
import { failure, METRICS, scratchFolder } from './fixtures/candidates/make-candidate.js'
import {
  extractZip,
  readZipDirectory,
  ZipRefusal,
  type ZipDirectory
} from '../src/candidate/unzip.js'
import { startArtifactStandIn, type ArtifactStandIn } from './helpers/artifact-stand-in.js'
import { makeZip, type ZipEntrySpec } from './helpers/zip.js'
import { quietActionsCore } from './helpers/quiet-core.js'

// `@actions/github` reads GITHUB_API_URL once, when first imported: the modules under test are
// imported only after the stand-in is listening and the variable points at it.
type ArtifactModule = typeof import('../src/candidate/artifact.js') &
  typeof import('../src/github/artifact-source.js')
type LoadModule = typeof import('../src/candidate/load.js')
let artifacts: ArtifactModule
let load: LoadModule
let stand: ArtifactStandIn
let scratch: Awaited<ReturnType<typeof scratchFolder>>
let tempCount = 0

const ENV_KEYS = [
  'GITHUB_API_URL',
  'GITHUB_SERVER_URL',
  'GITHUB_REPOSITORY',
  'GITHUB_RUN_ID',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL'
] as const
const savedEnv = Object.fromEntries(ENV_KEYS.map(key => [key, process.env[key]]))

// The library logs through @actions/core (download progress, `::debug::` lines): kept quiet.
jest.unstable_mockModule('@actions/core', quietActionsCore)

beforeAll(async () => {
  // @actions/artifact looks artifacts up through an Octokit with the request-log plugin, which
  // reports every 4xx on console.error, and takes no logger: @octokit/core binds console.error
  // when it is first imported, so the console is quieted before the modules under test load
  // (a spy installed later is never called). The tests assert on the errors themselves.
  jest.spyOn(console, 'error').mockImplementation(() => undefined)
  scratch = await scratchFolder('artifact')
  stand = await startArtifactStandIn()
  process.env.GITHUB_API_URL = stand.url
  process.env.GITHUB_SERVER_URL = 'https://github.com'
  delete process.env.ACTIONS_RUNTIME_TOKEN
  delete process.env.ACTIONS_RESULTS_URL
  artifacts = {
    ...(await import('../src/candidate/artifact.js')),
    ...(await import('../src/github/artifact-source.js'))
  }
  load = await import('../src/candidate/load.js')
})

afterAll(async () => {
  jest.restoreAllMocks()
  await stand.close()
  await scratch.dispose()
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key]
    else process.env[key] = savedEnv[key]
  }
})

/** A fresh, empty directory for the temporary directories of one test. */
async function tempRoot(): Promise<string> {
  const dir = path.join(scratch.root, `temp-${++tempCount}`)
  await mkdir(dir)
  return dir
}

const GOOD: ZipEntrySpec[] = [
  { name: 'model/' },
  { name: 'metrics.json', data: METRICS },
  { name: 'model/weights.bin', data: 'w'.repeat(5000) },
  { name: 'model.yaml', data: 'owner: ds-team\n' }
]

let nextId = 100
function addArtifact(
  fields: Partial<import('./helpers/artifact-stand-in.js').StandInArtifact> = {}
): { id: number; name: string } {
  const id = ++nextId
  const artifact = {
    id,
    name: `model-${id}`,
    repository: 'acme/models',
    runId: 42,
    zip: makeZip(GOOD),
    ...fields
  }
  stand.artifacts.push(artifact)
  return artifact
}

const since = (): (() => string[]) => {
  const start = stand.requests.length
  return () => stand.requests.slice(start)
}

function otherRun(token = stand.token) {
  return artifacts.actionsArtifactSource({
    token,
    runId: 42,
    repository: 'acme/models',
    env: { GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '7' }
  })
}

describe('through @actions/artifact, against a stand-in on 127.0.0.1', () => {
  it('finds, downloads and extracts an artifact of another run, which loads as a candidate', async () => {
    const { name, id } = addArtifact()
    const requests = since()
    const root = await tempRoot()
    const fetched = await artifacts.fetchCandidateArtifact(
      { name, maxBytes: 1024 * 1024 },
      { source: otherRun(), tempRoot: root }
    )
    expect(fetched.artifact).toEqual({
      name,
      id,
      runId: 42,
      repository: 'acme/models',
      sizeBytes: stand.artifacts.find(a => a.id === id)!.zip.length,
      unpackedBytes: METRICS.length + 5000 + 'owner: ds-team\n'.length
    })
    const candidate = await load.loadCandidate(fetched.dir)
    expect(candidate.metrics).toEqual({ accuracy: 0.9 })
    expect(candidate.info?.owner).toBe('ds-team')
    expect(candidate.files.map(file => file.path)).toEqual([
      'metrics.json',
      'model.yaml',
      'model/weights.bin'
    ])
    expect(requests()).toEqual([
      `GET /repos/acme/models/actions/runs/42/artifacts?name=${name}`,
      `GET /repos/acme/models/actions/artifacts/${id}/zip`,
      `GET /blob/${id}/${name}.zip?sig=s3cr3t-sig&se=2099`
    ])
    // Only the candidate is left: the downloaded zip is gone.
    expect(await readdir(path.dirname(fetched.dir))).toEqual(['candidate'])
    await fetched.cleanup()
    expect(await readdir(root)).toEqual([])
  })

  it("reads the current run's artifacts through the runner's artifact service", async () => {
    const { name, id } = addArtifact({ current: true, runId: 7 })
    const requests = since()
    process.env.ACTIONS_RUNTIME_TOKEN = stand.runtimeToken
    process.env.ACTIONS_RESULTS_URL = `${stand.url}/`
    try {
      const source = artifacts.actionsArtifactSource({
        token: 'unused-here',
        env: { ...process.env, GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '7' }
      })
      expect(source.scope).toEqual({
        repository: 'acme/models',
        description: 'this workflow run of acme/models'
      })
      const fetched = await artifacts.fetchCandidateArtifact(
        { name },
        { source, tempRoot: await tempRoot() }
      )
      expect(fetched.artifact.id).toBe(id)
      expect((await load.loadCandidate(fetched.dir)).metrics).toEqual({ accuracy: 0.9 })
      await fetched.cleanup()
    } finally {
      delete process.env.ACTIONS_RUNTIME_TOKEN
      delete process.env.ACTIONS_RESULTS_URL
    }
    const twirp = '/twirp/github.actions.results.api.v1.ArtifactService'
    expect(requests()).toEqual([
      `POST ${twirp}/ListArtifacts`,
      `POST ${twirp}/ListArtifacts`,
      `POST ${twirp}/GetSignedArtifactURL`,
      `GET /blob/${id}/${name}.zip?sig=s3cr3t-sig&se=2099`
    ])
  })

  it('is NotFound (exit 3) when the run has no artifact of that name', async () => {
    addArtifact()
    const root = await tempRoot()
    const error = await failure(
      artifacts.fetchCandidateArtifact(
        { name: 'no-such-model' },
        { source: otherRun(), tempRoot: root }
      )
    )
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toMatch(
      /^The artifact no-such-model was not found in run 42 of acme\/models/
    )
    expect(await readdir(root)).toEqual([])
  })

  it('is NotFound (exit 3), saying it expired, when GitHub answers 410 for the zip', async () => {
    const { name, id } = addArtifact({ expired: true, createdAt: '2025-01-02T03:04:05Z' })
    const requests = since()
    const root = await tempRoot()
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name }, { source: otherRun(), tempRoot: root })
    )
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toContain(
      `The artifact ${name} (id ${id}) in run 42 of acme/models has expired (uploaded 2025-01-02T03:04:05.000Z)`
    )
    expect(requests().some(request => request.startsWith('GET /blob/'))).toBe(false)
    expect(await readdir(root)).toEqual([])
  })

  it('is a PermissionError (exit 4) naming `actions: read` when the token may not read artifacts', async () => {
    const { name } = addArtifact()
    const error = await failure(
      artifacts.fetchCandidateArtifact(
        { name },
        { source: otherRun(stand.readOnlyContentsToken), tempRoot: await tempRoot() }
      )
    )
    expect(error).toBeInstanceOf(PermissionError)
    expect(error.exitCode).toBe(ExitCode.Permission)
    expect(error.message).toContain('HTTP 403')
    expect(error.message).toContain('`actions: read` on acme/models')
    expect(error.message).not.toContain(stand.readOnlyContentsToken)
  })

  it('says a token for the other repository is needed when that repository refuses it', async () => {
    addArtifact({ repository: 'acme/training' })
    const source = artifacts.actionsArtifactSource({
      token: stand.readOnlyContentsToken,
      runId: 42,
      repository: 'acme/training',
      env: { GITHUB_REPOSITORY: 'acme/models' }
    })
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name: 'x' }, { source, tempRoot: await tempRoot() })
    )
    expect(error.exitCode).toBe(ExitCode.Permission)
    expect(error.message).toContain('GITHUB_TOKEN cannot read another repository')
  })

  it('is a PermissionError (exit 4) when the token is rejected (401)', async () => {
    const { name } = addArtifact()
    const error = await failure(
      artifacts.fetchCandidateArtifact(
        { name },
        { source: otherRun('ghs_revoked'), tempRoot: await tempRoot() }
      )
    )
    expect(error.exitCode).toBe(ExitCode.Permission)
    expect(error.message).toContain('HTTP 401')
    expect(error.message).not.toContain('ghs_revoked')
  })

  it('is NotFound (exit 3) when the repository is unknown or invisible to the token (404)', async () => {
    const source = artifacts.actionsArtifactSource({
      token: stand.token,
      runId: 9,
      repository: 'acme/secret',
      env: {}
    })
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name: 'x' }, { source, tempRoot: await tempRoot() })
    )
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toContain('run 9 of acme/secret does not exist, or the token cannot see')
  })

  it('refuses an artifact whose reported size is above the limit without downloading it', async () => {
    const { name, id } = addArtifact({ reportedSize: 4 * 1024 * 1024 })
    const requests = since()
    const root = await tempRoot()
    const error = await failure(
      artifacts.fetchCandidateArtifact(
        { name, maxBytes: 2 * 1024 * 1024 },
        { source: otherRun(), tempRoot: root }
      )
    )
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.exitCode).toBe(ExitCode.Blocked)
    expect(error.message).toBe(
      `The artifact ${name} (id ${id}) in run 42 of acme/models is 4.0 MiB (4194304 bytes) zipped: ` +
        'its contents cannot fit the limit of 2.0 MiB (2097152 bytes) (artifact.max_size_mb); not downloaded'
    )
    expect(requests()).toEqual([`GET /repos/acme/models/actions/runs/42/artifacts?name=${name}`])
    expect(await readdir(root)).toEqual([])
  })

  it('refuses a zip with a ../ entry, writes nothing outside, and removes its temporary directory', async () => {
    const { name } = addArtifact({
      zip: makeZip([
        { name: 'metrics.json', data: METRICS },
        { name: '../evil', data: 'owned' }
      ])
    })
    const root = await tempRoot()
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name }, { source: otherRun(), tempRoot: root })
    )
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toContain(`${name}`)
    expect(error.message).toContain('entry "../evil" escapes the target directory')
    expect(await readdir(root)).toEqual([])
    expect(existsSync(path.join(scratch.root, 'evil'))).toBe(false)
    expect(existsSync(path.join(root, 'evil'))).toBe(false)
  })

  it('refuses a zip that does not match the digest recorded at upload', async () => {
    const { name } = addArtifact({ digest: `sha256:${'0'.repeat(64)}` })
    const root = await tempRoot()
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name }, { source: otherRun(), tempRoot: root })
    )
    expect(error.exitCode).toBe(ExitCode.Blocked)
    expect(error.message).toContain('does not match the digest')
    expect(await readdir(root)).toEqual([])
  })
})

/** A source over zip bytes held in memory: for the zip checks, where the library is not the subject. */
function zipSource(
  zip: Buffer,
  info: Partial<import('../src/candidate/artifact.js').ArtifactInfo> = {}
) {
  const downloads: string[] = []
  const source: import('../src/candidate/artifact.js').ArtifactSource = {
    scope: { runId: 5, repository: 'acme/models', description: 'run 5 of acme/models' },
    find: async name => ({ id: 1, name, size: zip.length, ...info }),
    download: async (_artifact, into) => {
      downloads.push(into)
      const file = path.join(into, 'model.zip')
      await writeFile(file, zip)
      return file
    }
  }
  return { source, downloads }
}

async function refusal(entries: ZipEntrySpec[] | Buffer, maxBytes?: number) {
  const zip = Buffer.isBuffer(entries) ? entries : makeZip(entries)
  const { source } = zipSource(zip)
  const root = await tempRoot()
  const error = await failure(
    artifacts.fetchCandidateArtifact({ name: 'model', maxBytes }, { source, tempRoot: root })
  )
  expect(error).toBeInstanceOf(InvalidInputError)
  expect(error.exitCode).toBe(ExitCode.Blocked)
  expect(await readdir(root)).toEqual([])
  return error.message
}

/**
 * For a refusal decided on the central directory alone: vetting then extracting, as the artifact
 * fetch does, throws a ZipRefusal naming `entry` before the target directory exists (nothing
 * written, though the good entries come first); end to end, it is an InvalidInputError (exit 2)
 * and the temporary directory is gone. Returns the end-to-end message.
 */
async function refusedBeforeExtraction(entries: ZipEntrySpec[], entry: string): Promise<string> {
  const dir = await tempRoot()
  const file = path.join(dir, 'model.zip')
  await writeFile(file, makeZip(entries))
  const into = path.join(dir, 'candidate')
  const error = await readZipDirectory(file, { maxBytes: 1024 * 1024 })
    .then(zip => extractZip(file, zip, into))
    .then(
      () => undefined,
      (thrown: unknown) => thrown
    )
  expect(error).toBeInstanceOf(ZipRefusal)
  expect((error as ZipRefusal).entry).toBe(entry)
  expect(await readdir(dir)).toEqual(['model.zip'])
  return refusal(entries)
}

describe('vetting the zip before extracting it', () => {
  const metrics: ZipEntrySpec = { name: 'metrics.json', data: METRICS }

  it('extracts nested files and directories, stored and deflated, as the candidate', async () => {
    const { source, downloads } = zipSource(
      makeZip(
        [
          metrics,
          { name: 'a/b/c.txt', data: 'deep', method: 'store' },
          { name: 'empty/' },
          { name: 'zero.bin', data: '' }
        ],
        { streamed: false }
      )
    )
    const fetched = await artifacts.fetchCandidateArtifact(
      { name: 'model' },
      { source, tempRoot: await tempRoot() }
    )
    expect(downloads).toHaveLength(1)
    const candidate = await load.loadCandidate(fetched.dir)
    expect(candidate.files.map(file => [file.path, file.size])).toEqual([
      ['a/b/c.txt', 4],
      ['metrics.json', METRICS.length],
      ['zero.bin', 0]
    ])
    expect(existsSync(path.join(fetched.dir, 'empty'))).toBe(true)
    await fetched.cleanup()
  })

  it('reads a zip64 archive (as written for artifacts over 4 GiB)', async () => {
    const { source } = zipSource(
      makeZip([metrics, { name: 'w.bin', data: 'x'.repeat(100) }], { zip64: true })
    )
    const fetched = await artifacts.fetchCandidateArtifact(
      { name: 'model' },
      { source, tempRoot: await tempRoot() }
    )
    expect(fetched.artifact.unpackedBytes).toBe(METRICS.length + 100)
    await fetched.cleanup()
  })

  it.each([
    ['../evil', 'escapes the target directory'],
    ['model/../../evil', 'escapes the target directory'],
    ['/etc/evil', 'is an absolute path'],
    ['C:/evil', 'starts with a drive letter'],
    ['..\\evil', 'has a backslash or a control character'],
    ['a//b', 'has an empty or "." path segment'],
    ['./a', 'has an empty or "." path segment']
  ])('refuses the entry name %j', async (name, problem) => {
    const message = await refusal([metrics, { name, data: 'x' }])
    expect(message).toContain(`entry ${JSON.stringify(name)} ${problem}`)
  })

  it('refuses a symbolic link pointing outside the directory', async () => {
    const message = await refusal([
      metrics,
      { name: 'link', kind: 'symlink', data: '../../etc/passwd' }
    ])
    expect(message).toContain('entry "link" is a symbolic link')
  })

  it('refuses a symbolic link pointing inside too: uploads never hold links', async () => {
    const message = await refusal([
      metrics,
      { name: 'link', kind: 'symlink', data: 'metrics.json' }
    ])
    expect(message).toContain('entry "link" is a symbolic link')
  })

  it('refuses a special file (a FIFO)', async () => {
    const message = await refusal([metrics, { name: 'pipe', kind: 'fifo' }])
    expect(message).toContain('entry "pipe" is neither a regular file nor a directory')
  })

  it('refuses contents that expand beyond the limit, from the declared sizes', async () => {
    const bomb = Buffer.alloc(3 * 1024 * 1024)
    const zip = makeZip([metrics, { name: 'bomb.bin', data: bomb }])
    expect(zip.length).toBeLessThan(64 * 1024)
    const message = await refusal(zip, 1024 * 1024)
    expect(message).toContain(
      `the zip expands to ${bomb.length + METRICS.length} bytes, above the limit of 1048576 bytes`
    )
  })

  it('accepts contents exactly at the limit', async () => {
    const { source } = zipSource(makeZip([metrics, { name: 'w.bin', data: 'x'.repeat(100) }]))
    const fetched = await artifacts.fetchCandidateArtifact(
      { name: 'model', maxBytes: METRICS.length + 100 },
      { source, tempRoot: await tempRoot() }
    )
    await fetched.cleanup()
  })

  it('stops an entry that inflates beyond the size it declared (a lying zip bomb)', async () => {
    const message = await refusal(
      [metrics, { name: 'bomb.bin', data: Buffer.alloc(3 * 1024 * 1024), declaredSize: 100 }],
      1024 * 1024
    )
    expect(message).toContain('entry "bomb.bin" expands beyond its declared 100 bytes')
  })

  it('refuses an entry shorter than it declared', async () => {
    const message = await refusal([metrics, { name: 'w.bin', data: 'abc', declaredSize: 10 }])
    expect(message).toContain('entry "w.bin" holds 3 bytes, not its declared 10')
  })

  it('refuses an entry whose CRC-32 does not match', async () => {
    const zip = makeZip([{ name: 'w.bin', data: 'hello', method: 'store' }, metrics])
    zip[30 + 'w.bin'.length] = 'j'.charCodeAt(0)
    const message = await refusal(zip)
    expect(message).toContain('entry "w.bin" is damaged (CRC-32 mismatch)')
  })

  it('refuses an entry named differently in its local header', async () => {
    const message = await refusal([metrics, { name: 'safe.txt', localName: '../a.txt', data: 'x' }])
    expect(message).toContain('entry "safe.txt" is named "../a.txt" in its local header')
  })

  it('refuses duplicate entries, and a file used as a directory', async () => {
    expect(await refusal([metrics, metrics])).toContain('entry "metrics.json" appears twice')
    expect(
      await refusal([metrics, { name: 'a', data: 'x' }, { name: 'a/b', data: 'y' }])
    ).toContain('entry "a/b" lies under "a", which is a file')
  })

  it.each([
    [
      [
        { name: 'a', data: 'x' },
        { name: 'a/b', data: 'y' }
      ],
      'a/b'
    ],
    [
      [
        { name: 'a/b', data: 'y' },
        { name: 'a', data: 'x' }
      ],
      'a/b'
    ],
    [
      [
        { name: 'a/b/c', data: 'y' },
        { name: 'a/b', data: 'x' }
      ],
      'a/b/c'
    ]
  ])(
    'refuses a file that is also a directory before writing anything (%j)',
    async (entries, entry) => {
      const parent = entry.slice(0, entry.lastIndexOf('/'))
      const message = await refusedBeforeExtraction([metrics, ...entries], entry)
      expect(message).toContain(`entry "${entry}" lies under "${parent}", which is a file`)
    }
  )

  it.each([
    ['CON', 'has a segment Windows reserves for a device ("CON")'],
    ['con.txt', 'has a segment Windows reserves for a device ("con.txt")'],
    ['model/Aux.tar.gz', 'has a segment Windows reserves for a device ("Aux.tar.gz")'],
    ['NUL/weights.bin', 'has a segment Windows reserves for a device ("NUL")'],
    ['prn/', 'has a segment Windows reserves for a device ("prn")'],
    ['com1', 'has a segment Windows reserves for a device ("com1")'],
    ['COM9.json', 'has a segment Windows reserves for a device ("COM9.json")'],
    ['LPT1', 'has a segment Windows reserves for a device ("LPT1")'],
    ['lpt9.log', 'has a segment Windows reserves for a device ("lpt9.log")'],
    ['Com1 .log', 'has a segment Windows reserves for a device ("Com1 .log")'],
    ['COM\u00b9', 'has a segment Windows reserves for a device ("COM\u00b9")'],
    ['model.', 'has a segment ending in a dot or a space ("model."), which Windows drops'],
    ['model ', 'has a segment ending in a dot or a space ("model "), which Windows drops'],
    ['dir./w.bin', 'has a segment ending in a dot or a space ("dir."), which Windows drops'],
    ['dir /w.bin', 'has a segment ending in a dot or a space ("dir "), which Windows drops'],
    ...['<', '>', ':', '"', '|', '?', '*'].map(char => [
      `model${char}.bin`,
      'has a character Windows forbids in names (one of <>:"|?*)'
    ]),
    ['model/w.bin:stream', 'has a character Windows forbids in names (one of <>:"|?*)'],
    ['w\u0007.bin', 'has a backslash or a control character in its name'],
    ['w\t.bin', 'has a backslash or a control character in its name']
  ])('refuses %j, a name Windows cannot hold, on every platform', async (name, problem) => {
    const message = await refusedBeforeExtraction([metrics, { name, data: 'x' }], name)
    expect(message).toContain(`entry ${JSON.stringify(name)} ${problem}`)
  })

  it('accepts names that only look like the ones Windows reserves', async () => {
    const names = [
      'CONSOLE.txt',
      'con-fig.yaml',
      'COM10.bin',
      'nul_model.bin',
      'lpt/weights.bin',
      'a.b.c',
      ' leading space',
      'caf\u00e9.json'
    ]
    const { source } = zipSource(makeZip([metrics, ...names.map(name => ({ name, data: 'x' }))]))
    const fetched = await artifacts.fetchCandidateArtifact(
      { name: 'model' },
      { source, tempRoot: await tempRoot() }
    )
    for (const name of names) expect(existsSync(path.join(fetched.dir, name))).toBe(true)
    await fetched.cleanup()
  })

  it.each([
    [
      'names that differ only in case',
      [
        { name: 'Model.bin', data: 'x' },
        { name: 'model.bin', data: 'y' }
      ],
      'entry "model.bin" collides with entry "Model.bin" on Windows and macOS: ' +
        '"model.bin" and "Model.bin" differ only in case'
    ],
    [
      'one name in NFC and in NFD',
      [
        { name: 'caf\u00e9.json', data: 'x' },
        { name: 'cafe\u0301.json', data: 'y' }
      ],
      'entry "cafe\u0301.json" collides with entry "caf\u00e9.json" on Windows and macOS: ' +
        '"cafe\u0301.json" and "caf\u00e9.json" differ only in Unicode normalisation (NFC and NFD)'
    ],
    [
      'a file and a directory that differ only in case',
      [
        { name: 'a', data: 'x' },
        { name: 'A/b', data: 'y' }
      ],
      'entry "A/b" collides with entry "a" on Windows and macOS: "A" and "a" differ only in case'
    ],
    [
      'directories the entries imply that differ only in case',
      [
        { name: 'Data/x.bin', data: 'x' },
        { name: 'data/y.bin', data: 'y' }
      ],
      'entry "data/y.bin" collides with entry "Data/x.bin" on Windows and macOS: ' +
        '"data" and "Data" differ only in case'
    ],
    [
      'directory entries that differ only in case',
      [{ name: 'out/' }, { name: 'OUT/' }],
      'entry "OUT/" collides with entry "out/" on Windows and macOS: "OUT" and "out" differ only in case'
    ],
    [
      'names that differ in case and normalisation',
      [
        { name: 'Caf\u00e9/w.bin', data: 'x' },
        { name: 'cafe\u0301', data: 'y' }
      ],
      'entry "cafe\u0301" collides with entry "Caf\u00e9/w.bin" on Windows and macOS: ' +
        '"cafe\u0301" and "Caf\u00e9" differ only in case or Unicode normalisation'
    ]
  ])('refuses %s as duplicates before writing anything', async (_what, entries, expected) => {
    const second = entries[1]!.name
    const message = await refusedBeforeExtraction([metrics, ...entries], second)
    expect(message).toContain(expected)
  })

  it('refuses, naming the entry and not the temporary path, what the file system finds colliding', async () => {
    // A file system may fold names the checks keep apart (HFS+ ignores some code points): seen
    // here by giving "b/c" the path "a/c" after vetting, where "a" is already a file.
    const dir = await tempRoot()
    const file = path.join(dir, 'model.zip')
    await writeFile(
      file,
      makeZip([
        metrics,
        { name: 'd/' },
        { name: 'a', data: 'x' },
        { name: 'b/c', data: 'y' },
        { name: 'e/' }
      ])
    )
    const zip = await readZipDirectory(file, { maxBytes: 1024 })
    const as = (name: string, where: string) => ({
      ...zip,
      entries: zip.entries.map(entry => (entry.name === name ? { ...entry, path: where } : entry))
    })
    const cases: [string, ZipDirectory][] = [
      ['b/c', as('b/c', 'a/c')], // a file under a file
      ['b/c', as('b/c', 'a')], // a file over a file
      ['b/c', as('b/c', 'd')], // a file over a directory
      ['e/', as('e/', 'a')] // a directory over a file
    ]
    for (const [index, [entry, vetted]] of cases.entries()) {
      const error = await extractZip(file, vetted, path.join(dir, `out-${index}`)).then(
        () => undefined,
        (thrown: unknown) => thrown
      )
      expect(error).toBeInstanceOf(ZipRefusal)
      expect((error as ZipRefusal).entry).toBe(entry)
      expect((error as ZipRefusal).message).toMatch(
        new RegExp(
          `^entry "${entry}" collides with another entry on this file system, which takes two ` +
            'names for one \\((EEXIST|ENOTDIR|EISDIR) on \\w+\\)$'
        )
      )
      expect((error as ZipRefusal).message).not.toContain(dir)
    }
  })

  it('refuses, without the temporary path, when the target directory cannot be made', async () => {
    const dir = await tempRoot()
    const file = path.join(dir, 'model.zip')
    await writeFile(file, makeZip([metrics]))
    const zip = await readZipDirectory(file, { maxBytes: 1024 })
    const error = await extractZip(file, zip, path.join(dir, 'missing', 'candidate')).then(
      () => undefined,
      (thrown: unknown) => thrown
    )
    expect(error).toBeInstanceOf(ZipRefusal)
    expect((error as ZipRefusal).message).toBe('could not be extracted (ENOENT on mkdir)')
  })

  /** The byte offset of the `index`th central directory header of `zip`. */
  function centralHeader(zip: Buffer, index: number): number {
    let at = -1
    for (let i = 0; i <= index; i++) at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 1)
    expect(at).toBeGreaterThan(0)
    return at
  }

  it('refuses two entries that share bytes (one record read as two files)', async () => {
    // "a" is stored and its data is a whole local record of "b"; b's central entry points there.
    const inner = makeZip([{ name: 'b', data: 'x', method: 'store' }], { streamed: false })
    const record = inner.subarray(0, 30 + 1 + 1)
    const zip = makeZip(
      [
        { name: 'a', data: record, method: 'store' },
        { name: 'b', data: 'x', method: 'store' },
        metrics
      ],
      { streamed: false }
    )
    zip.writeUInt32LE(30 + 1, centralHeader(zip, 1) + 42)
    expect(await refusal(zip)).toContain(
      'entry "b" overlaps entry "a" in the archive (two entries sharing bytes)'
    )
  })

  it('refuses more entries than the limit before reading them', async () => {
    const dir = await tempRoot()
    const file = path.join(dir, 'model.zip')
    await writeFile(file, makeZip([metrics, { name: 'a', data: 'x' }, { name: 'b', data: 'y' }]))
    await expect(readZipDirectory(file, { maxBytes: 1024, maxEntries: 2 })).rejects.toThrow(
      'has 3 entries, more than the 2 allowed'
    )
    await expect(readZipDirectory(file, { maxBytes: 1024, maxEntries: 3 })).resolves.toMatchObject({
      totalBytes: METRICS.length + 2
    })
  })

  it.each([
    ['encrypted', 8, 0x0801, 'entry "w.bin" is encrypted'],
    [
      'compressed with bzip2',
      10,
      12,
      'entry "w.bin" uses compression method 12; only stored (0) and deflate (8) are read'
    ]
  ])('refuses an entry %s', async (_what, field, value, expected) => {
    const zip = makeZip([{ name: 'w.bin', data: 'hello' }, metrics])
    zip.writeUInt16LE(value, centralHeader(zip, 0) + field)
    expect(await refusal(zip)).toContain(expected)
  })

  it('refuses an entry whose name is not UTF-8', async () => {
    const zip = makeZip([metrics, { name: 'wX.bin', data: 'x' }])
    for (let at = zip.indexOf('wX.bin'); at >= 0; at = zip.indexOf('wX.bin', at + 1)) {
      zip[at + 1] = 0xff
    }
    expect(await refusal(zip)).toContain('has an entry whose name is not UTF-8 ("w\u00ff.bin")')
  })

  it('refuses a truncated archive and one whose directory points past its end', async () => {
    const zip = makeZip([metrics, { name: 'w.bin', data: 'x'.repeat(100) }])
    expect(await refusal(zip.subarray(0, zip.length - 10))).toContain('is not a zip archive')
    zip.writeUInt32LE(zip.length + 100, centralHeader(zip, 1) + 42)
    expect(await refusal(zip)).toMatch(/entry "w\.bin" has a damaged local header|is truncated/)
  })

  it('refuses what is not a zip', async () => {
    expect(await refusal(Buffer.from('<html>not a zip</html>'.repeat(3)))).toContain(
      'is not a zip archive'
    )
  })

  it('is NotFound (exit 3) with the date when the source knows the artifact expired', async () => {
    const { source, downloads } = zipSource(makeZip([metrics]), {
      expired: true,
      expiresAt: new Date('2025-03-04T05:06:07Z')
    })
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name: 'model' }, { source, tempRoot: await tempRoot() })
    )
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toContain('expired on 2025-03-04T05:06:07.000Z')
    expect(downloads).toEqual([])
  })

  it('applies the default cap of 10 GiB when the policy sets no limit', async () => {
    const { source, downloads } = zipSource(makeZip([metrics]), {
      size: artifacts.zipCeiling(artifacts.DEFAULT_MAX_ARTIFACT_BYTES) + 1
    })
    const error = await failure(
      artifacts.fetchCandidateArtifact({ name: 'model' }, { source, tempRoot: await tempRoot() })
    )
    expect(error.message).toContain('cannot fit the limit of 10240.0 MiB')
    expect(error.message).toContain('(the default cap)')
    expect(downloads).toEqual([])
  })
})

describe('choosing where to look', () => {
  it('defaults the repository to GITHUB_REPOSITORY and needs a run id for another one', () => {
    const env = { GITHUB_REPOSITORY: 'acme/models', GITHUB_RUN_ID: '77' }
    expect(artifacts.actionsArtifactSource({ token: 't', runId: 5, env }).scope).toEqual({
      runId: 5,
      repository: 'acme/models',
      description: 'run 5 of acme/models'
    })
    // Without the runner's artifact service (a `run:` step): this run, through the REST API.
    expect(artifacts.actionsArtifactSource({ token: 't', env }).scope.runId).toBe(77)
    expect(() =>
      artifacts.actionsArtifactSource({ token: 't', repository: 'acme/training', env })
    ).toThrow(/candidate-run-id is required to take an artifact from acme\/training/)
    expect(() => artifacts.actionsArtifactSource({ token: 't', env: {} })).toThrow(
      /outside a GitHub Actions job needs candidate-repository and candidate-run-id/
    )
    expect(() =>
      artifacts.actionsArtifactSource({ token: 't', repository: 'not a repo', runId: 1, env })
    ).toThrow(/candidate-repository must be owner\/name/)
    expect(() => artifacts.actionsArtifactSource({ token: 't', runId: -1, env })).toThrow(
      /candidate-run-id must be a positive integer/
    )
  })
})
