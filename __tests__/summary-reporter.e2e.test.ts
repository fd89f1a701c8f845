// Issue 12, item 9: the README promises that `npm test` ends with `tests: N passed, N failed`.
// Jest is run as a child, its stdout and stderr on one file as a terminal shows them, on one
// small test file of this repository; the last line must be ours, not jest's summary.
import { spawn } from 'node:child_process'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { REPO_ROOT } from './helpers/run-action.js'

describe('npm test', () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-reporter-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('ends with the `tests:` line, after jest’s own summary', async () => {
    const log = path.join(scratch, 'terminal')
    const file = await open(log, 'w')
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--experimental-vm-modules',
          '--no-warnings',
          'node_modules/jest/bin/jest.js',
          '__tests__/gates-format.test.ts'
        ],
        {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: scratch },
          stdio: ['ignore', file.fd, file.fd]
        }
      )
      child.on('error', reject)
      child.on('close', resolve)
    })
    await file.close()
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n')
    expect(exitCode).toBe(0)
    expect(lines.join('\n')).toContain('Ran all test suites')
    expect(lines.at(-1)).toMatch(/^tests: [1-9]\d* passed, 0 failed$/)
  })
})
