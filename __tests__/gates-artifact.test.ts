import type { ChecksumReport } from '../src/candidate/types.js'
import { artifactGate } from '../src/gates/artifact.js'

const files = [
  { path: 'MLmodel', size: 699 },
  { path: 'SHA256SUMS', size: 389 },
  { path: 'metrics.json', size: 127 },
  { path: 'model/model.pkl', size: 51 },
  { path: 'requirements.txt', size: 39 }
]
const totalBytes = 1305

function report(overrides: Partial<ChecksumReport> = {}): ChecksumReport {
  return {
    file: 'SHA256SUMS',
    verified: ['MLmodel', 'metrics.json', 'model/model.pkl', 'requirements.txt'],
    missing: [],
    mismatched: [],
    unlisted: [],
    ...overrides
  }
}

describe('artifact gate', () => {
  it('passes with the facts behind it', () => {
    const result = artifactGate({
      rules: { max_size_mb: 100, require: ['MLmodel'], checksums: 'required' },
      files,
      totalBytes,
      checksums: report()
    })
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('5 files, 1.3 KiB, checksums verified against SHA256SUMS')
    expect(result.details).toEqual([
      'required file present: MLmodel',
      'total size 1.3 KiB (1,305 bytes), limit 100 MiB',
      '4 files match SHA256SUMS'
    ])
  })

  describe('required files', () => {
    it('names each missing one', () => {
      const result = artifactGate({
        rules: { require: ['MLmodel', 'conda.yaml', 'python_env.yaml'] },
        files,
        totalBytes
      })
      expect(result.status).toBe('fail')
      expect(result.summary).toBe('2 problems with the candidate files')
      expect(result.details?.slice(0, 2)).toEqual([
        'required file conda.yaml is missing',
        'required file python_env.yaml is missing'
      ])
    })

    it('accepts a directory holding files, written with or without ./ and /', () => {
      const result = artifactGate({
        rules: { require: ['model', './model/', 'model/model.pkl'] },
        files,
        totalBytes
      })
      expect(result.status).toBe('pass')
      expect(result.details?.[0]).toBe('required files present: model, ./model/, model/model.pkl')
      expect(artifactGate({ rules: { require: ['mode'] }, files, totalBytes }).status).toBe('fail')
    })

    it('strips each leading ./ and trailing /, and nothing else', () => {
      for (const wanted of ['././model', 'model//', './MLmodel', 'MLmodel/']) {
        const result = artifactGate({ rules: { require: [wanted] }, files, totalBytes })
        expect({ wanted, status: result.status }).toEqual({ wanted, status: 'pass' })
      }
      // A `./` or `/` inside the path, or a prefix of a name, is not stripped or matched.
      for (const wanted of ['model/./model.pkl', '/model', 'model/model', 'x./model', 'MLmodel.']) {
        const result = artifactGate({ rules: { require: [wanted] }, files, totalBytes })
        expect({ wanted, status: result.status }).toEqual({ wanted, status: 'fail' })
        expect(result.details?.[0]).toBe(`required file ${wanted} is missing`)
      }
    })

    it('with an empty require list, requires nothing and says nothing about it', () => {
      const result = artifactGate({ rules: { require: [] }, files, totalBytes })
      expect(result.status).toBe('pass')
      expect(result.details).toEqual(['no checksums file; hashes recorded only'])
    })

    it('says "file" for one present and "files" for several', () => {
      const one = artifactGate({ rules: { require: ['MLmodel', 'nope'] }, files, totalBytes })
      expect(one.details).toEqual([
        'required file nope is missing',
        'required file present: MLmodel',
        'no checksums file; hashes recorded only'
      ])
    })
  })

  describe('files unknown (a registry version lists none): every rule fails closed', () => {
    const unknown = { files: [], totalBytes: 0 }
    const said = 'no files are known for the candidate, so the artifact rules cannot be verified'

    it('fails max_size_mb, whatever the checksums mode', () => {
      for (const checksums of [undefined, 'optional', 'required'] as const) {
        const result = artifactGate({ rules: { max_size_mb: 100, checksums }, ...unknown })
        expect(result.status).toBe('fail')
        expect(result.details?.[0]).toBe(said)
        expect(result.details).toContain('total size unknown')
      }
    })

    it('fails an artifact section with checksums: optional alone', () => {
      const result = artifactGate({ rules: { checksums: 'optional' }, ...unknown })
      expect(result.status).toBe('fail')
      expect(result.summary).toBe('1 problem with the candidate files')
      expect(result.details).toEqual([said])
    })

    it('fails an empty artifact section', () => {
      expect(artifactGate({ rules: {}, ...unknown }).status).toBe('fail')
    })

    it('fails required files and required checksums, naming each', () => {
      const result = artifactGate({
        rules: { require: ['MLmodel'], checksums: 'required' },
        ...unknown
      })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        said,
        'required file MLmodel is missing',
        'no checksums file (the policy sets checksums: required)'
      ])
    })

    it('a candidate with one file is known, even of 0 bytes', () => {
      const result = artifactGate({
        rules: { max_size_mb: 1 },
        files: [{ path: 'metrics.json', size: 0 }],
        totalBytes: 0
      })
      expect(result.status).toBe('pass')
      expect(result.summary).toBe('1 file, 0 bytes, no checksums file')
    })
  })

  describe('size', () => {
    it('is inclusive of the limit, in MiB of 1,048,576 bytes', () => {
      const exactly = artifactGate({ rules: { max_size_mb: 100 }, files, totalBytes: 104_857_600 })
      expect(exactly.status).toBe('pass')
      expect(exactly.details?.[0]).toBe('total size 100.0 MiB (104,857,600 bytes), limit 100 MiB')
    })

    it('fails one byte over, showing actual and limit', () => {
      const result = artifactGate({ rules: { max_size_mb: 100 }, files, totalBytes: 104_857_601 })
      expect(result.status).toBe('fail')
      expect(result.details?.[0]).toBe(
        'total size 100.0 MiB (104,857,601 bytes) is over the 100 MiB limit (104,857,600 bytes)'
      )
    })

    it('fails closed on a total that is not a finite, non-negative number', () => {
      for (const bad of [Number.NaN, Infinity, -Infinity, -1, -0.5]) {
        const result = artifactGate({ rules: { max_size_mb: 100 }, files, totalBytes: bad })
        expect({ bad, status: result.status }).toEqual({ bad, status: 'fail' })
        expect(result.details?.[0]).toBe('total size unknown')
      }
    })

    it('passes a total of 0 bytes with files known, and a limit of 0 only then', () => {
      const empty = [{ path: 'metrics.json', size: 0 }]
      const zero = artifactGate({ rules: { max_size_mb: 0 }, files: empty, totalBytes: 0 })
      expect(zero.status).toBe('pass')
      expect(zero.details?.[0]).toBe('total size 0 bytes, limit 0 MiB')
      const one = artifactGate({ rules: { max_size_mb: 0 }, files: empty, totalBytes: 1 })
      expect(one.status).toBe('fail')
      expect(one.details?.[0]).toBe('total size 1 byte is over the 0 MiB limit (0 bytes)')
    })

    it('handles fractional limits', () => {
      const result = artifactGate({ rules: { max_size_mb: 0.5 }, files, totalBytes: 600_000 })
      expect(result.details?.[0]).toBe(
        'total size 585.9 KiB (600,000 bytes) is over the 0.5 MiB limit (524,288 bytes)'
      )
    })
  })

  describe('checksums', () => {
    it('fails a mismatch and a listed file that is missing, whatever the mode', () => {
      for (const checksums of ['optional', 'required'] as const) {
        const result = artifactGate({
          rules: { checksums },
          files,
          totalBytes,
          checksums: report({
            verified: ['MLmodel'],
            missing: ['conda.yaml'],
            mismatched: [
              { path: 'model/model.pkl', expected: 'a'.repeat(64), actual: 'b'.repeat(64) }
            ]
          })
        })
        expect(result.status).toBe('fail')
        expect(result.details).toEqual([
          'conda.yaml is listed in SHA256SUMS but missing',
          'model/model.pkl: checksum mismatch, SHA256SUMS says aaaaaaaaaaaa…, file has bbbbbbbbbbbb…'
        ])
      }
    })

    it('with checksums: required, fails without a checksums file', () => {
      const result = artifactGate({ rules: { checksums: 'required' }, files, totalBytes })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual(['no checksums file (the policy sets checksums: required)'])
    })

    it('with checksums: required, fails every unlisted file', () => {
      const result = artifactGate({
        rules: { checksums: 'required' },
        files,
        totalBytes,
        checksums: report({
          verified: ['MLmodel', 'metrics.json'],
          unlisted: ['model/model.pkl', 'requirements.txt']
        })
      })
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        'model/model.pkl is not listed in SHA256SUMS',
        'requirements.txt is not listed in SHA256SUMS'
      ])
    })

    it('with checksums: optional and no checksums file, passes and says hashes were only recorded', () => {
      const result = artifactGate({ rules: { checksums: 'optional' }, files, totalBytes })
      expect(result.status).toBe('pass')
      expect(result.summary).toBe('5 files, 1.3 KiB, no checksums file')
      expect(result.details).toEqual(['no checksums file; hashes recorded only'])
    })

    it('with checksums: optional, notes unlisted files as not verified', () => {
      const result = artifactGate({
        rules: { checksums: 'optional' },
        files,
        totalBytes,
        checksums: report({ verified: ['MLmodel'], unlisted: ['notes.txt'] })
      })
      expect(result.status).toBe('pass')
      expect(result.details).toEqual([
        'notes.txt is not listed in SHA256SUMS, so it is not verified',
        '1 file matches SHA256SUMS'
      ])
    })

    it('shows a hash of up to 12 digits whole, and cuts a longer one to 12', () => {
      const result = artifactGate({
        files,
        totalBytes,
        checksums: report({
          mismatched: [{ path: 'MLmodel', expected: 'a'.repeat(12), actual: 'b'.repeat(13) }]
        })
      })
      expect(result.details).toEqual([
        'MLmodel: checksum mismatch, SHA256SUMS says aaaaaaaaaaaa, file has bbbbbbbbbbbb…'
      ])
    })

    it('verifies a checksums file even without artifact rules', () => {
      const bad = artifactGate({
        files,
        totalBytes,
        checksums: report({ mismatched: [{ path: 'MLmodel', expected: 'abc', actual: 'def' }] })
      })
      expect(bad.status).toBe('fail')
      expect(bad.details).toEqual(['MLmodel: checksum mismatch, SHA256SUMS says abc, file has def'])
      expect(artifactGate({ files, totalBytes, checksums: report() }).status).toBe('pass')
    })
  })
})
