// What the bundled CLI prints cannot act on the terminal or the workflow log (issue 10, item 9):
// a file name or link target, registry text or an argument holding workflow commands or
// terminal control sequences is printed as inert text.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { bundledCli } from './helpers/cli-bundle.js'

const HOSTILE =
  'nope\n::set-output name=decision::pass\n##[error]x\n\u001b]0;pwned-title\u0007\u001b[2J'

/** Lines the runner would read as workflow commands: `::` opening a line, `##[` anywhere. */
function commandsIn(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter(line => /^\s*::/.test(line) || line.includes('##['))
}

describe('the bundled CLI prints hostile text inert', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'modelgate-cli-out-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('a link target holding workflow commands and escape sequences', async () => {
    const candidate = path.join(dir, 'candidate')
    await mkdir(candidate)
    await writeFile(path.join(candidate, 'metrics.json'), '{"auc": 0.9}')
    await symlink(HOSTILE, path.join(candidate, 'evil'))
    await writeFile(
      path.join(dir, 'policy.yml'),
      'model: demo\nstages:\n  dev:\n    from: [candidate]\n    thresholds:\n      auc: { min: 0.5 }\n'
    )
    const run = await bundledCli(dir, [
      'check',
      '--policy',
      'policy.yml',
      '--candidate',
      'candidate',
      '--stage',
      'dev'
    ])
    const printed = run.stdout + run.stderr
    // The message is there, readable...
    expect(printed).toContain('set-output name=decision')
    // ...but no line is a command, and no control character but newline and tab is printed.
    expect(commandsIn(printed)).toEqual([])
    // eslint-disable-next-line no-control-regex
    expect(printed).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/)
  })

  it('an argument echoed in an error', async () => {
    const run = await bundledCli(dir, ['status', `--${HOSTILE}`])
    expect(run.exitCode).toBe(2)
    expect(commandsIn(run.stdout + run.stderr)).toEqual([])
    // eslint-disable-next-line no-control-regex
    expect(run.stdout + run.stderr).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/)
  })
})
