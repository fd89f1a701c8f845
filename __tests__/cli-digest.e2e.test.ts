// `modelgate digest DIR [--json]` through the bundle: the digest alone, or the facts as JSON
// (report/digest.ts), the same digest promotions compare.
import { candidateDigest } from '../src/candidate/digest.js'
import { walkAndHash } from '../src/candidate/load.js'
import { runCliBundle } from './helpers/run-action.js'

const DIR = 'examples/clinical-classifier/candidate'

describe('modelgate digest', () => {
  it('prints the digest alone, or with --json the directory, digest and file count', async () => {
    const { files } = await walkAndHash(DIR)
    const digest = candidateDigest(files)
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)

    const plain = await runCliBundle(['digest', DIR])
    expect(plain).toEqual({ exitCode: 0, stdout: `${digest}\n`, stderr: '' })

    const json = await runCliBundle(['digest', DIR, '--json'])
    expect(json.exitCode).toBe(0)
    expect(json.stderr).toBe('')
    expect(json.stdout).toBe(
      `{\n  "dir": "${DIR}",\n  "digest": "${digest}",\n  "files": ${files.length}\n}\n`
    )
    expect(files.length).toBeGreaterThan(1)
  })
})
