import { execFileSync } from 'node:child_process'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { hashFile, hashFiles, HASH_BUFFER_BYTES } from '../src/candidate/hash.js'
import { loadCandidate } from '../src/candidate/load.js'
import { ExitCode, InvalidInputError, NotFoundError } from '../src/errors.js'
import { failure, METRICS, scratchFolder, sha256 } from './fixtures/candidates/make-candidate.js'

const posixOnly = process.platform === 'win32' ? it.skip : it

let scratch: Awaited<ReturnType<typeof scratchFolder>>
beforeAll(async () => {
  scratch = await scratchFolder('candidate')
})
afterAll(async () => {
  await scratch.dispose()
})

describe('the candidate directory', () => {
  it('is NotFound (exit 3) when it does not exist, and the error names it', async () => {
    const missing = path.join(scratch.root, 'no-such-candidate')
    const error = await failure(loadCandidate(missing))
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.exitCode).toBe(ExitCode.NotFound)
    expect(error.message).toContain(missing)
  })

  it('is invalid input (exit 2) when it is a file', async () => {
    const file = path.join(scratch.root, 'a-file')
    await writeFile(file, 'x')
    const error = await failure(loadCandidate(file))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.exitCode).toBe(ExitCode.Blocked)
    expect(error.message).toMatch(/not a directory/)
  })

  it('returns the absolute directory even when given a relative path', async () => {
    const dir = await scratch.candidate({ 'metrics.json': METRICS })
    const relative = path.relative(process.cwd(), dir)
    const candidate = await loadCandidate(relative)
    expect(candidate.dir).toBe(dir)
  })

  it('lists every file, nested, dotfiles and .git included, sorted by POSIX path', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'model/weights.bin': 'w',
      'model/a/deep.txt': 'd',
      '.hidden': 'h',
      '.git/HEAD': 'ref: refs/heads/main\n',
      'B.txt': 'upper case sorts before lower case'
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.files.map(file => file.path)).toEqual([
      '.git/HEAD',
      '.hidden',
      'B.txt',
      'metrics.json',
      'model/a/deep.txt',
      'model/weights.bin'
    ])
  })
})

describe('hashing and sizes', () => {
  it('gives the SHA-256 that sha256sum gives for known content, and sizes', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'hello.txt': 'hello\n',
      empty: ''
    })
    const candidate = await loadCandidate(dir)
    const byPath = Object.fromEntries(candidate.files.map(file => [file.path, file]))
    // Published digests, independent of our code and of node:crypto.
    expect(byPath['hello.txt']).toEqual({
      path: 'hello.txt',
      size: 6,
      sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03'
    })
    expect(byPath['empty']?.sha256).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    )
    expect(byPath['metrics.json']).toEqual({
      path: 'metrics.json',
      size: METRICS.length,
      sha256: sha256(METRICS)
    })
  })

  it('hashes a file spanning several read buffers exactly as crypto does', async () => {
    // Distinct bytes in every buffer, and a tail, so a swapped or reused buffer changes the digest.
    const content = Buffer.alloc(HASH_BUFFER_BYTES * 2 + 12345)
    for (let i = 0; i + 4 <= content.length; i += 4) content.writeUInt32LE(i >>> 2, i)
    const dir = await scratch.candidate({ 'metrics.json': METRICS, 'model.bin': content })
    const digest = await hashFile(path.join(dir, 'model.bin'))
    expect(digest).toEqual({ sha256: sha256(content), size: content.length })
  })

  const hasSha256sum = (() => {
    try {
      execFileSync('sha256sum', ['--version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()
  ;(hasSha256sum ? it : it.skip)('agrees with the sha256sum command', async () => {
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251))
    const dir = await scratch.candidate({ 'metrics.json': METRICS, 'blob.bin': content })
    const expected = execFileSync('sha256sum', ['blob.bin'], { cwd: dir, encoding: 'utf8' }).slice(
      0,
      64
    )
    expect((await hashFile(path.join(dir, 'blob.bin'))).sha256).toBe(expected)
  })

  it('totals the size of every file', async () => {
    const dir = await scratch.candidate({
      'metrics.json': METRICS,
      'a.bin': Buffer.alloc(1000),
      'sub/b.bin': Buffer.alloc(2345)
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.totalBytes).toBe(METRICS.length + 1000 + 2345)
  })

  it('hashes many files in input order whatever the concurrency', async () => {
    const names = Array.from({ length: 9 }, (_, i) => `f${i}.bin`)
    const files = Object.fromEntries(names.map((name, i) => [name, 'x'.repeat(i * 1000)]))
    const dir = await scratch.candidate(files)
    const jobs = names.map(name => ({ file: path.join(dir, name), displayPath: name }))
    const one = await hashFiles(jobs, 1)
    const three = await hashFiles(jobs, 3)
    expect(three).toEqual(one)
    expect(one.map(digest => digest.sha256)).toEqual(names.map(name => sha256(files[name] ?? '')))
  })

  it('fails with the path when a file cannot be hashed', async () => {
    const error = await failure(
      hashFiles([{ file: path.join(scratch.root, 'gone.bin'), displayPath: 'cand/gone.bin' }])
    )
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toContain('cand/gone.bin')
  })
})

describe('metrics.json', () => {
  it('is required: NotFound (exit 3) naming the path', async () => {
    const dir = await scratch.candidate({ 'model.bin': 'x' })
    const error = await failure(loadCandidate(dir))
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.exitCode).toBe(3)
    expect(error.message).toContain(path.join(dir, 'metrics.json'))
  })

  it('must be a file, not a directory', async () => {
    const dir = await scratch.candidate({ 'metrics.json/inner.json': '{}' })
    const error = await failure(loadCandidate(dir))
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/metrics\.json is a directory/)
  })

  it('flattens nested objects with dots', async () => {
    const dir = await scratch.candidate({
      'metrics.json': JSON.stringify({
        accuracy: 0.91,
        eval: { roc_auc: 0.85, latency: { p95_ms: 80, p50_ms: 12 } },
        'already.dotted': 1
      })
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.metrics).toEqual({
      accuracy: 0.91,
      'eval.roc_auc': 0.85,
      'eval.latency.p95_ms': 80,
      'eval.latency.p50_ms': 12,
      'already.dotted': 1
    })
    expect(candidate.invalidMetrics).toEqual({})
  })

  it('accepts an empty object', async () => {
    const candidate = await loadCandidate(await scratch.candidate({ 'metrics.json': '{}' }))
    expect(candidate.metrics).toEqual({})
    expect(candidate.invalidMetrics).toEqual({})
  })

  it.each([
    ['an array', '[0.9, 0.8]'],
    ['a number', '0.9'],
    ['null', 'null'],
    ['a string', '"accuracy"']
  ])('refuses a top level that is %s (exit 2)', async (kind, text) => {
    const dir = await scratch.candidate({ 'metrics.json': text })
    const error = await failure(loadCandidate(dir))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toContain(`must be an object of metrics, not ${kind}`)
    expect(error.locations[0]).toMatchObject({
      file: path.join(dir, 'metrics.json'),
      line: 1,
      column: 1
    })
  })

  it('puts strings, booleans, null, arrays and empty objects in invalidMetrics with a reason', async () => {
    const dir = await scratch.candidate({
      'metrics.json':
        '{"accuracy": "n/a", "roc_auc": "0.85", "ok": 0.5, "flag": true, "none": null,' +
        ' "curve": [0.1, 0.2], "eval": {"empty": {}}}'
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.metrics).toEqual({ ok: 0.5 })
    expect(candidate.invalidMetrics).toEqual({
      accuracy: 'is a string ("n/a")',
      roc_auc: 'is a string ("0.85")',
      flag: 'is a boolean (true)',
      none: 'is null',
      curve: 'is an array',
      'eval.empty': 'is an empty object'
    })
  })

  it("reads Python json.dump's NaN, Infinity and -Infinity as invalid metrics, not a syntax error", async () => {
    // What `json.dump({"accuracy": float("nan"), ...}, f, indent=2)` writes.
    const dir = await scratch.candidate({
      'metrics.json':
        '{\n  "accuracy": NaN,\n  "roc_auc": 0.81,\n  "loss": Infinity,\n  "eval": {\n    "gain": -Infinity\n  },\n  "huge": 1e999,\n  "label": "NaN"\n}'
    })
    const candidate = await loadCandidate(dir)
    expect(candidate.metrics).toEqual({ roc_auc: 0.81 })
    expect(candidate.invalidMetrics).toEqual({
      accuracy: 'is NaN',
      loss: 'is infinite (Infinity)',
      'eval.gain': 'is infinite (-Infinity)',
      huge: 'is infinite (1e999 overflows a double)',
      label: 'is a string ("NaN")'
    })
  })

  it('names file, line and column of a JSON syntax error (exit 2)', async () => {
    const dir = await scratch.candidate({
      'metrics.json': '{\n  "accuracy": 0.9,\n  "roc_auc": 0.8,\n}\n'
    })
    const error = await failure(loadCandidate(dir))
    const file = path.join(dir, 'metrics.json')
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.message).toContain(`${file}:4:1`)
    expect(error.locations).toEqual([
      { file, line: 4, column: 1, problem: expect.stringContaining('expected a string key') }
    ])
  })

  it('refuses a key given twice, naming both places', async () => {
    const dir = await scratch.candidate({ 'metrics.json': '{"accuracy": 0.9,\n "accuracy": 0.5}' })
    const error = await failure(loadCandidate(dir))
    expect(error.locations[0]).toMatchObject({ line: 2, column: 2 })
    expect(error.message).toMatch(/duplicate key "accuracy" \(first given at line 1, column 2\)/)
  })

  it('refuses two keys that flatten to the same name', async () => {
    const dir = await scratch.candidate({
      'metrics.json': '{"eval.auc": 0.9,\n "eval": {"auc": 0.5}}'
    })
    const error = await failure(loadCandidate(dir))
    expect(error.exitCode).toBe(2)
    expect(error.locations[0]).toMatchObject({ keyPath: 'eval.auc', line: 2 })
    expect(error.message).toContain('"eval.auc" is given twice')
  })

  it('keeps metric names like __proto__ and constructor as plain data', async () => {
    const dir = await scratch.candidate({ 'metrics.json': '{"__proto__": 1, "constructor": "x"}' })
    const candidate = await loadCandidate(dir)
    expect(Object.keys(candidate.metrics)).toEqual(['__proto__'])
    expect(candidate.metrics['__proto__']).toBe(1)
    expect(candidate.invalidMetrics['constructor']).toBe('is a string ("x")')
    expect(candidate.metrics['toString']).toBeUndefined()
  })

  it('refuses invalid UTF-8', async () => {
    const dir = await scratch.candidate({ 'metrics.json': Buffer.from([0x7b, 0xff, 0x7d]) })
    const error = await failure(loadCandidate(dir))
    expect(error.message).toMatch(/not valid UTF-8/)
  })
})

describe('symlinks', () => {
  posixOnly(
    'refuses a link to a file outside the candidate (exit 2), naming link and target',
    async () => {
      const secret = path.join(scratch.root, 'secret.txt')
      await writeFile(secret, 'outside')
      const dir = await scratch.candidate({ 'metrics.json': METRICS })
      await symlink(secret, path.join(dir, 'leak.txt'))
      const error = await failure(loadCandidate(dir))
      expect(error).toBeInstanceOf(InvalidInputError)
      expect(error.exitCode).toBe(2)
      expect(error.message).toContain(`${path.join(dir, 'leak.txt')} -> ${secret}`)
      expect(error.message).toMatch(/outside the candidate directory/)
      expect(error.locations).toEqual([{ file: path.join(dir, 'leak.txt') }])
    }
  )

  posixOnly('refuses a relative ../ link and a link to an outside directory', async () => {
    const dir = await scratch.candidate({ 'metrics.json': METRICS })
    await symlink('../../', path.join(dir, 'up'))
    const error = await failure(loadCandidate(dir))
    expect(error.message).toContain('-> ../../')
    expect(error.message).toMatch(/outside the candidate directory/)
  })

  posixOnly('refuses an inside link that chains to an outside target', async () => {
    const outside = path.join(scratch.root, 'outside.bin')
    await writeFile(outside, 'o')
    const dir = await scratch.candidate({ 'metrics.json': METRICS })
    await symlink(outside, path.join(dir, 'hop2'))
    await symlink('hop2', path.join(dir, 'hop1'))
    const error = await failure(loadCandidate(dir))
    expect(error.message).toMatch(/hop1 -> hop2: it resolves to .*outside/)
  })

  posixOnly('refuses a dangling link and a link to a directory inside', async () => {
    const dangling = await scratch.candidate({ 'metrics.json': METRICS })
    await symlink('nowhere.bin', path.join(dangling, 'model.bin'))
    expect((await failure(loadCandidate(dangling))).message).toMatch(/target does not exist/)

    const toDir = await scratch.candidate({ 'metrics.json': METRICS, 'weights/a.bin': 'a' })
    await symlink('weights', path.join(toDir, 'alias'))
    expect((await failure(loadCandidate(toDir))).message).toMatch(
      /alias -> weights: it points to a directory/
    )
  })

  posixOnly(
    'follows a link to a file inside, listing it under its own path with the content hash',
    async () => {
      const dir = await scratch.candidate({ 'metrics.json': METRICS, 'weights/v1.bin': 'weights' })
      await symlink('weights/v1.bin', path.join(dir, 'model.bin'))
      const candidate = await loadCandidate(dir)
      expect(candidate.files.find(file => file.path === 'model.bin')).toEqual({
        path: 'model.bin',
        size: 7,
        sha256: sha256('weights')
      })
      expect(candidate.totalBytes).toBe(METRICS.length + 7 + 7)
    }
  )

  posixOnly('accepts a candidate directory that is itself reached through a link', async () => {
    const dir = await scratch.candidate({ 'metrics.json': METRICS, 'm.bin': 'm' })
    const alias = path.join(scratch.root, 'alias-of-candidate')
    await symlink(dir, alias)
    const candidate = await loadCandidate(alias)
    expect(candidate.dir).toBe(alias)
    expect(candidate.files.map(file => file.path)).toEqual(['m.bin', 'metrics.json'])
  })

  posixOnly('refuses a FIFO inside the candidate instead of blocking on it', async () => {
    const dir = await scratch.candidate({ 'metrics.json': METRICS })
    await mkdir(path.join(dir, 'pipes'))
    execFileSync('mkfifo', [path.join(dir, 'pipes', 'fifo')])
    const error = await failure(loadCandidate(dir))
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/pipes\/fifo is not a regular file or a directory/)
  })
})
