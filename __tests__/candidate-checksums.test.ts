import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseChecksums } from '../src/candidate/checksums.js'
import { loadCandidate } from '../src/candidate/load.js'
import { InvalidInputError } from '../src/errors.js'
import {
  failure,
  failureOf,
  METRICS,
  scratchFolder,
  sha256
} from './fixtures/candidates/make-candidate.js'

let scratch: Awaited<ReturnType<typeof scratchFolder>>
beforeAll(async () => {
  scratch = await scratchFolder('checksums')
})
afterAll(async () => {
  await scratch.dispose()
})

const WEIGHTS = 'weights v1'
const CONFIG = '{"layers": 3}'
const ZEROS = '0'.repeat(64)

describe('checksums against the files', () => {
  it('verifies every listed file and leaves only the checksums file out of unlisted', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'model/weights.bin': WEIGHTS,
      'model/config.json': CONFIG,
      SHA256SUMS: [
        `${sha256(METRICS)}  metrics.json`,
        `${sha256(WEIGHTS)} *model/weights.bin`,
        `${sha256(CONFIG).toUpperCase()}  ./model/config.json`,
        ''
      ].join('\n')
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.checksums).toEqual({
      file: 'SHA256SUMS',
      verified: ['metrics.json', 'model/config.json', 'model/weights.bin'],
      missing: [],
      mismatched: [],
      unlisted: []
    })
    // The checksums file is itself one of the files, hashed like the others.
    expect(candidate.files.map(file => file.path)).toContain('SHA256SUMS')
  })

  it('reports a listed file that is absent as missing, without throwing', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'sha256sums.txt': `${sha256(METRICS)}  metrics.json\n${sha256(WEIGHTS)}  model/weights.bin\n`
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.checksums).toMatchObject({
      file: 'sha256sums.txt',
      verified: ['metrics.json'],
      missing: ['model/weights.bin'],
      mismatched: []
    })
  })

  it('reports a wrong hash as mismatched with expected and actual', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'model.bin': WEIGHTS,
      'checksums.sha256': `${sha256(METRICS)}  metrics.json\n${ZEROS}  model.bin\n`
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.checksums?.mismatched).toEqual([
      { path: 'model.bin', expected: ZEROS, actual: sha256(WEIGHTS) }
    ])
    expect(candidate.checksums?.verified).toEqual(['metrics.json'])
  })

  it('reports present files that are not listed', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'model.bin': WEIGHTS,
      'extra/notes.txt': 'n',
      SHA256SUMS: `${sha256(METRICS)}  metrics.json\n`
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.checksums?.unlisted).toEqual(['extra/notes.txt', 'model.bin'])
  })

  it('has no checksum report when there is no checksums file', async () => {
    const candidate = await loadCandidate(await scratch.candidate({ 'metrics.json': METRICS }))
    expect(candidate.checksums).toBeUndefined()
  })

  it('names file and line of a malformed line (exit 2)', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      SHA256SUMS: `${sha256(METRICS)}  metrics.json\n\nabc123  model.bin\n`
    })
    const error = await failure(loadCandidate(dir))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.exitCode).toBe(2)
    expect(error.locations).toEqual([
      {
        file: path.join(dir, 'SHA256SUMS'),
        line: 3,
        column: 1,
        problem: expect.stringMatching(/^malformed line/)
      }
    ])
    expect(error.message).toContain(`${path.join(dir, 'SHA256SUMS')}:3:1`)
  })

  it.each([['../outside.bin'], ['/etc/passwd'], ['model/../../outside.bin'], ['C:\\model.bin']])(
    'refuses a listed path that escapes the directory: %s',
    async listed => {
      const dir = await scratch.candidate({
        'metrics.json': METRICS,
        SHA256SUMS: `${sha256(METRICS)}  metrics.json\n${ZEROS}  ${listed}\n`
      })
      const error = await failure(loadCandidate(dir))
      expect(error.exitCode).toBe(2)
      expect(error.locations[0]).toMatchObject({ line: 2 })
      expect(error.message).toMatch(/absolute or leaves the candidate directory/)
    }
  )

  it('refuses more than one checksums file', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      SHA256SUMS: `${sha256(METRICS)}  metrics.json\n`,
      'sha256sums.txt': `${sha256(METRICS)}  metrics.json\n`
    })
    const error = await failure(loadCandidate(dir))
    expect(error.message).toMatch(/2 checksums files \(SHA256SUMS, sha256sums\.txt\)/)
  })

  const hasSha256sum = (() => {
    try {
      execFileSync('sha256sum', ['--version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  ;(hasSha256sum ? it : it.skip)(
    'verifies a file written by the sha256sum command itself',
    async () => {
      const dir = await scratch.candidate({
        'metrics.json': METRICS,
        'model/weights.bin': WEIGHTS,
        'with space.txt': 'spaced',
        'back\\slash.txt': 'escaped by GNU'
      })
      const listing = execFileSync(
        'sha256sum',
        ['metrics.json', 'model/weights.bin', 'with space.txt', 'back\\slash.txt'],
        { cwd: dir, encoding: 'utf8' }
      )
      await writeFile(path.join(dir, 'SHA256SUMS'), listing)
      const candidate = await loadCandidate(dir)
      expect(candidate.checksums?.verified).toEqual([
        'back\\slash.txt',
        'metrics.json',
        'model/weights.bin',
        'with space.txt'
      ])
      expect(candidate.checksums?.mismatched).toEqual([])
    }
  )
})

describe('parseChecksums', () => {
  const hash = sha256('x')

  it('reads text mode, binary mode, ./ prefixes, CRLF, blank lines and --tag lines', () => {
    const text = `${hash}  a.bin\r\n\r\n${hash} *./b/c.bin\n   \nSHA256 (d e.bin) = ${hash.toUpperCase()}\n`
    expect(parseChecksums(text, 'SUMS')).toEqual([
      { path: 'a.bin', sha256: hash, line: 1 },
      { path: 'b/c.bin', sha256: hash, line: 3 },
      { path: 'd e.bin', sha256: hash, line: 5 }
    ])
  })

  it("decodes GNU's escaped file names", () => {
    expect(parseChecksums(`\\${hash}  new\\nline\\\\x.bin\n`, 'SUMS')).toEqual([
      { path: 'new\nline\\x.bin', sha256: hash, line: 1 }
    ])
  })

  it('refuses a path listed twice, a short hash, a missing path and one space only', () => {
    const twice = failureOf(() => parseChecksums(`${hash}  a.bin\n${hash}  ./a.bin\n`, 'SUMS'))
    expect(twice.locations).toEqual([
      { file: 'SUMS', line: 2, column: 1, problem: 'a.bin is listed twice (first at line 1)' }
    ])
    for (const line of [`${hash.slice(1)}  a.bin`, `${hash}  `, `${hash} a.bin`, `# comment`]) {
      expect(failureOf(() => parseChecksums(`${line}\n`, 'SUMS')).locations[0]?.problem).toMatch(
        /^malformed line/
      )
    }
  })

  it('lists every bad line, not only the first', () => {
    const error = failureOf(() => parseChecksums(`bad\n${hash}  ok.bin\nalso bad\n`, 'SUMS'))
    expect(error.locations.map(location => location.line)).toEqual([1, 3])
  })
})
