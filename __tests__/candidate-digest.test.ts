// The content digest a candidate directory is compared with a registered version by.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { candidateDigest, DIGEST_RE } from '../src/candidate/digest.js'
import { loadCandidate, walkAndHash } from '../src/candidate/load.js'

const exec = promisify(execFile)

describe('candidateDigest', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'modelgate-digest-'))
    await mkdir(path.join(dir, 'weights/b'), { recursive: true })
    await writeFile(path.join(dir, 'metrics.json'), '{"auc": 0.9}')
    await writeFile(path.join(dir, 'weights/b/part-1.bin'), 'abc')
    await writeFile(path.join(dir, 'weights/B.bin'), 'upper case sorts first in C order')
    await writeFile(path.join(dir, '.hidden'), 'dotfiles count')
    await writeFile(path.join(dir, 'é.txt'), 'non-ASCII names sort by UTF-8 bytes')
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('is the sha256 of the sha256sum listing of the files in C order, as the docs reproduce it', async () => {
    const { stdout } = await exec(
      'sh',
      ['-c', "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum"],
      { cwd: dir }
    )
    const digest = candidateDigest((await walkAndHash(dir)).files)
    expect(digest).toMatch(DIGEST_RE)
    expect(digest).toBe(`sha256:${stdout.split(' ')[0]}`)
  })

  it('is the same for loadCandidate files and walkAndHash files, whatever the order given', async () => {
    const loaded = await loadCandidate(dir)
    expect(candidateDigest([...loaded.files].reverse())).toBe(
      candidateDigest((await walkAndHash(dir)).files)
    )
  })

  it('changes with any byte, any name, any file added', () => {
    const files = [{ path: 'metrics.json', sha256: 'a'.repeat(64) }]
    const base = candidateDigest(files)
    expect(candidateDigest([{ path: 'metrics.json', sha256: 'b'.repeat(64) }])).not.toBe(base)
    expect(candidateDigest([{ path: 'metrics2.json', sha256: 'a'.repeat(64) }])).not.toBe(base)
    expect(candidateDigest([...files, { path: 'x', sha256: 'a'.repeat(64) }])).not.toBe(base)
    // Names that escape as sha256sum does cannot collide with plain ones.
    expect(candidateDigest([{ path: 'a\nb', sha256: 'a'.repeat(64) }])).not.toBe(
      candidateDigest([{ path: 'a\\nb', sha256: 'a'.repeat(64) }])
    )
  })
})
