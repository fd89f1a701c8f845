import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gzipSync, deflateSync } from 'node:zlib'
import type { ModelScan } from '../src/candidate/types.js'
import { scanFindings, type ScanFinding } from '../src/gates/model-scan.js'
import { scanFile, scanModelFiles, sniff } from '../src/scan/files.js'
import { MAX_TRACKED_STRING } from '../src/scan/pickle.js'
import { makeZip } from './helpers/zip.js'
import {
  NUMPY_ARRAY_P2,
  OS_SYSTEM_P0,
  op,
  pickle,
  python3,
  runPython
} from './helpers/pickle-bytes.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'modelgate-scan-test-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Writes `content` as `name` in the scratch directory and scans it. */
async function scan(name: string, content: Buffer): Promise<ModelScan> {
  const file = path.join(dir, name)
  await writeFile(file, content)
  return { files: 1, streams: await scanFile(file, name) }
}

/** The findings, as `verdict module.name` (or `unreadable …why`) strings. */
function verdicts(findings: ScanFinding[]): string[] {
  return findings.map(f => (f.global ? `${f.verdict} ${f.global}` : `${f.verdict}: ${f.why}`))
}

/** A numpy .npy file: magic, version 1.0, a padded header dict, then `body`. */
function npy(descr: string, body: Buffer): Buffer {
  let header = `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`
  const unpadded = 10 + header.length + 1
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const head = Buffer.alloc(10)
  Buffer.from([0x93]).copy(head, 0)
  head.write('NUMPY', 1, 'latin1')
  head[6] = 1
  head[7] = 0
  head.writeUInt16LE(header.length, 8)
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body])
}

/** A PyTorch-style archive: `<root>/data.pkl`, raw storages under `<root>/data/`, a version. */
function torchZip(dataPkl: Buffer, root = 'archive'): Buffer {
  return makeZip([
    { name: `${root}/data.pkl`, data: dataPkl, method: 'store' },
    // A storage of raw floats may start with anything, the pickle magic included: never parsed.
    { name: `${root}/data/0`, data: Buffer.from([0x80, 0x02, 0xff, 0xfe, 0x00, 0x01]) },
    { name: `${root}/version`, data: '3\n' },
    { name: `${root}/byteorder`, data: 'little' }
  ])
}

/** A state dict `{'w': tensor}` as torch.save (protocol 2) writes it, storage by persistent id. */
const TORCH_STATE_DICT = pickle(
  op.proto(2),
  op.global('collections', 'OrderedDict'),
  op.binput(0),
  op.emptyTuple,
  op.reduce,
  op.binput(1),
  op.binunicode('w'),
  op.global('torch._utils', '_rebuild_tensor_v2'),
  op.binput(2),
  op.mark,
  op.mark,
  op.binunicode('storage'),
  op.global('torch', 'FloatStorage'),
  op.binunicode('0'),
  op.binunicode('cpu'),
  op.binint1(4),
  op.tuple,
  op.binpersid,
  op.binint1(0),
  op.binint1(4),
  op.tuple1,
  op.binint1(1),
  op.tuple1,
  Buffer.from([0x89]),
  op.global('collections', 'OrderedDict'),
  op.emptyTuple,
  op.reduce,
  op.tuple,
  op.reduce,
  op.setitem,
  op.stop
)

describe('malicious pickles are flagged by name, offset and why', () => {
  it('GLOBAL os.system in a protocol 0 stream with no magic and no pickle name', async () => {
    const result = await scan('weights.bin', OS_SYSTEM_P0)
    const findings = scanFindings(result)
    expect(verdicts(findings)).toEqual(['dangerous os.system'])
    expect(findings[0]).toMatchObject({ location: 'weights.bin', offset: 0 })
    expect(findings[0]?.why).toMatch(/runs commands/)
  })

  it('posix.system and nt.system, the names os.system pickles as on each platform', async () => {
    const body = (module: string) =>
      pickle(
        op.proto(2),
        op.global(module, 'system'),
        op.string('id'),
        op.tuple1,
        op.reduce,
        op.stop
      )
    expect(verdicts(scanFindings(await scan('p.pkl', body('posix'))))).toEqual([
      'dangerous posix.system'
    ])
    expect(verdicts(scanFindings(await scan('n.pkl', body('nt'))))).toEqual(['dangerous nt.system'])
  })

  it('STACK_GLOBAL whose module comes back from the memo after a decoy', async () => {
    // 'os' is memoised first, 'numpy' sits on top, and the import fetches 'os' back by BINGET.
    const stream = pickle(
      op.proto(4),
      op.frame(40),
      op.shortBinunicode('os'),
      op.memoize,
      op.pop,
      op.shortBinunicode('numpy'),
      op.memoize,
      op.pop,
      op.binget(0),
      op.shortBinunicode('system'),
      op.memoize,
      op.stackGlobal,
      op.shortBinunicode('id'),
      op.tuple1,
      op.reduce,
      op.stop
    )
    const result = await scan('memo.pkl', stream)
    expect(result.streams[0]?.imports).toEqual([
      expect.objectContaining({ module: 'os', name: 'system', via: 'STACK_GLOBAL', offset: 37 })
    ])
    expect(verdicts(scanFindings(result))).toEqual(['dangerous os.system'])
  })

  it('STACK_GLOBAL through protocol 0 PUT/GET text keys and a LONG_BINGET', async () => {
    const stream = pickle(
      op.proto(4),
      op.unicode('builtins'),
      op.put(7),
      op.pop,
      op.binunicode('eval'),
      op.binput(9),
      op.pop,
      op.get(7),
      op.longBinget(9),
      op.stackGlobal,
      op.shortBinunicode('1+1'),
      op.tuple1,
      op.reduce,
      op.stop
    )
    expect(verdicts(scanFindings(await scan('put-get.pkl', stream)))).toEqual([
      'dangerous builtins.eval'
    ])
  })

  it('builtins.eval written under its Python 2 name __builtin__', async () => {
    const stream = pickle(
      op.proto(2),
      op.global('__builtin__', 'eval'),
      op.string('1'),
      op.tuple1,
      op.reduce,
      op.stop
    )
    const findings = scanFindings(await scan('py2.pkl', stream))
    expect(verdicts(findings)).toEqual(['dangerous builtins.eval (written __builtin__.eval)'])
  })

  it('INST subprocess.Popen, which imports and calls in one opcode', async () => {
    const stream = pickle(op.mark, op.string('ls'), op.inst('subprocess', 'Popen'), op.stop)
    expect(verdicts(scanFindings(await scan('inst.pkl', stream)))).toEqual([
      'dangerous subprocess.Popen'
    ])
  })

  it('OBJ with getattr, runpy and importlib', async () => {
    const stream = pickle(
      op.proto(2),
      op.mark,
      op.global('builtins', 'getattr'),
      op.global('runpy', '_run_code'),
      op.obj,
      op.global('importlib', 'import_module'),
      op.pop,
      op.stop
    )
    expect(verdicts(scanFindings(await scan('obj.pkl', stream)))).toEqual([
      'dangerous builtins.getattr',
      'dangerous runpy._run_code',
      'dangerous importlib.import_module'
    ])
  })

  it('a dotted name that walks from an allowed module to os', async () => {
    const stream = pickle(
      op.proto(4),
      op.shortBinunicode('sklearn.base'),
      op.shortBinunicode('os.system'),
      op.stackGlobal,
      op.stop
    )
    const findings = scanFindings(await scan('dotted.pkl', stream))
    expect(verdicts(findings)).toEqual(['dangerous sklearn.base.os.system'])
    expect(findings[0]?.why).toMatch(/reaches the os module/)
  })

  it('an import outside the allow-list is not allowed, and allowed once the policy lists it', async () => {
    const stream = pickle(
      op.proto(2),
      op.global('xgboost.core', 'Booster'),
      op.emptyTuple,
      op.reduce,
      op.stop
    )
    const result = await scan('xgb.pkl', stream)
    expect(verdicts(scanFindings(result))).toEqual(['not-allowed xgboost.core.Booster'])
    expect(scanFindings(result, ['xgboost.core.Booster'])).toEqual([])
    expect(scanFindings(result, ['xgboost.*'])).toEqual([])
    // An allow entry never opens a dangerous import.
    const evil = await scan('evil-allowed.pkl', OS_SYSTEM_P0)
    expect(verdicts(scanFindings(evil, ['os.system', 'os.*']))).toEqual(['dangerous os.system'])
  })

  it('an EXT code of the extension registry is not allowed (what it names is unknown)', async () => {
    const stream = pickle(op.proto(2), op.ext1(42), op.emptyTuple, op.reduce, op.stop)
    expect(verdicts(scanFindings(await scan('ext.pkl', stream)))).toEqual([
      'not-allowed copyreg.extension code 42'
    ])
  })

  it('the data.pkl of a PyTorch zip, its storages skipped', async () => {
    const evil = pickle(
      op.proto(2),
      op.mark,
      op.global('os', 'system'),
      op.pop,
      op.emptyDict,
      op.stop
    )
    const result = await scan('model.pt', torchZip(evil))
    expect(result.streams.map(s => s.within)).toEqual([['archive/data.pkl']])
    const findings = scanFindings(result)
    expect(verdicts(findings)).toEqual(['dangerous os.system'])
    expect(findings[0]).toMatchObject({ location: 'model.pt › archive/data.pkl', offset: 3 })
  })

  it('a pickle in a PyTorch zip in a zip', async () => {
    const evil = pickle(op.proto(2), op.global('builtins', 'exec'), op.pop, op.emptyDict, op.stop)
    const outer = makeZip([
      { name: 'README.md', data: '# model\n' },
      { name: 'inner/model.pt', data: torchZip(evil, 'model') }
    ])
    const findings = scanFindings(await scan('bundle.zip', outer))
    expect(verdicts(findings)).toEqual(['dangerous builtins.exec'])
    expect(findings[0]?.location).toBe('bundle.zip › inner/model.pt › model/data.pkl')
  })

  it('a NumPy object array: the pickle after the .npy header', async () => {
    const result = await scan('features.npy', npy("'|O'", OS_SYSTEM_P0))
    expect(result.streams[0]?.format).toBe('npy object array')
    expect(verdicts(scanFindings(result))).toEqual(['dangerous os.system'])
    const npz = makeZip([{ name: 'arr_0.npy', data: npy("'|O'", OS_SYSTEM_P0) }])
    expect(verdicts(scanFindings(await scan('arrays.npz', npz)))).toEqual(['dangerous os.system'])
  })

  it('joblib compressed with gzip or zlib is inflated and read', async () => {
    const evil = pickle(op.proto(4), op.global('os', 'system'), op.pop, op.none, op.stop)
    const gz = scanFindings(await scan('model.joblib', gzipSync(evil)))
    expect(verdicts(gz)).toEqual(['dangerous os.system'])
    expect(gz[0]?.location).toBe('model.joblib › (gzip)')
    expect(verdicts(scanFindings(await scan('model.pkl', deflateSync(evil))))).toEqual([
      'dangerous os.system'
    ])
  })
})

describe('what cannot be read fails closed', () => {
  it('a truncated stream', async () => {
    const cut = OS_SYSTEM_P0.subarray(0, OS_SYSTEM_P0.length - 4)
    const findings = scanFindings(await scan('cut.bin', cut))
    // Dangerous findings come first; what was read before the cut is still judged.
    expect(verdicts(findings)).toEqual([
      'dangerous os.system',
      expect.stringMatching(/^unreadable: pickle not read to its end: the stream ends/)
    ])
    const truncated = await scan(
      'cut-binbytes.pkl',
      pickle(op.proto(4), op.binbytes8(Buffer.alloc(100)).subarray(0, 50))
    )
    expect(truncated.streams[0]?.problem?.why).toMatch(/truncated/)
  })

  it('an unknown opcode, named with its offset', async () => {
    const result = await scan('bad.pkl', pickle(op.proto(2), op.none, Buffer.from([0xff]), op.stop))
    expect(result.streams[0]?.problem).toEqual({ offset: 3, why: 'unknown opcode 0xff' })
    expect(scanFindings(result)[0]?.verdict).toBe('unreadable')
  })

  it('a STACK_GLOBAL on values the stream computes (not plain strings)', async () => {
    const stream = pickle(
      op.proto(4),
      op.global('builtins', 'str'),
      op.shortBinunicode('os'),
      op.tuple1,
      op.reduce,
      op.shortBinunicode('system'),
      op.stackGlobal,
      op.stop
    )
    const result = await scan('computed.pkl', stream)
    expect(result.streams[0]?.problem?.why).toMatch(/STACK_GLOBAL .* cannot be told/)
  })

  it('a string longer than any module name is not followed into STACK_GLOBAL', async () => {
    const long = 'o'.repeat(MAX_TRACKED_STRING + 1)
    const stream = pickle(
      op.proto(4),
      op.binunicode(long),
      op.shortBinunicode('x'),
      op.stackGlobal,
      op.stop
    )
    expect((await scan('long.pkl', stream)).streams[0]?.problem?.why).toMatch(/STACK_GLOBAL/)
  })

  it('a second stream after STOP that is not a pickle', async () => {
    const result = await scan(
      'tail.pkl',
      pickle(op.proto(2), op.none, op.stop, Buffer.from('cos\nsystem\n'))
    )
    expect(result.streams[0]?.problem?.why).toMatch(/after the end of the pickle/)
  })

  it('a stack underflow and a pop without MARK', async () => {
    expect(
      (await scan('under.pkl', pickle(op.proto(2), op.reduce, op.stop))).streams[0]?.problem?.why
    ).toMatch(/underflow/)
    expect(
      (await scan('nomark.pkl', pickle(op.proto(2), op.tuple, op.stop))).streams[0]?.problem?.why
    ).toMatch(/no MARK/)
  })

  it('bz2 and xz compression, which the scan cannot open', async () => {
    const bz2 = await scan('model.joblib.bz2', Buffer.from('BZh91AY&SY\x00\x00', 'latin1'))
    expect(bz2.streams[0]?.problem?.why).toMatch(/compressed with bz2/)
    const xz = await scan('model.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]))
    expect(xz.streams[0]?.problem?.why).toMatch(/compressed with xz/)
  })

  it('a pickle-named file that is no pickle at all', async () => {
    const result = await scan('notes.pkl', Buffer.from('hello world\n'))
    expect(result.streams[0]?.problem).toBeDefined()
  })

  it('a damaged zip', async () => {
    const zip = makeZip([{ name: 'archive/data.pkl', data: OS_SYSTEM_P0 }])
    const result = await scan('broken.pt', zip.subarray(0, zip.length - 10))
    expect(result.streams[0]?.problem?.why).toMatch(/zip could not be read/)
  })
})

describe('benign files pass', () => {
  it('a numpy array pickle (protocol 2, _reconstruct, dtype, _codecs.encode)', async () => {
    const result = await scan('array.pkl', NUMPY_ARRAY_P2)
    expect(result.streams[0]?.problem).toBeUndefined()
    expect(result.streams[0]?.imports.map(i => `${i.module}.${i.name}`)).toEqual([
      'numpy.core.multiarray._reconstruct',
      'numpy.ndarray',
      '_codecs.encode',
      'numpy.dtype'
    ])
    expect(scanFindings(result)).toEqual([])
  })

  it('a PyTorch state dict in a torch.save zip', async () => {
    const result = await scan('model.pt', torchZip(TORCH_STATE_DICT))
    expect(result.streams).toHaveLength(1)
    expect(result.streams[0]?.problem).toBeUndefined()
    expect(result.streams[0]?.imports.find(i => i.name === 'OrderedDict')?.count).toBe(2)
    expect(scanFindings(result)).toEqual([])
  })

  it('a scikit-learn estimator class', async () => {
    const stream = pickle(
      op.proto(4),
      op.shortBinunicode('sklearn.linear_model._logistic'),
      op.memoize,
      op.shortBinunicode('LogisticRegression'),
      op.memoize,
      op.stackGlobal,
      op.emptyTuple,
      op.newobj,
      op.emptyDict,
      op.build,
      op.stop
    )
    expect(scanFindings(await scan('clf.pkl', stream))).toEqual([])
  })

  it('a large payload is skipped, not read into memory, and a frame is followed', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024, 0x2e)
    const stream = pickle(
      op.proto(4),
      op.binbytes8(payload),
      op.pop,
      op.global('collections', 'OrderedDict'),
      op.stop
    )
    const result = await scan('big.pkl', stream)
    expect(result.streams[0]?.problem).toBeUndefined()
    expect(result.streams[0]?.imports[0]).toMatchObject({
      name: 'OrderedDict',
      offset: 2 + 9 + payload.length + 1
    })
  })

  it('safetensors, ONNX, a numeric .npy and text hold no code and yield no stream', async () => {
    const header = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')
    const length = Buffer.alloc(8)
    length.writeBigUInt64LE(BigInt(header.length))
    const safetensors = Buffer.concat([length, header, Buffer.alloc(4)])
    const onnx = Buffer.from([0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68])
    for (const [name, content] of [
      ['model.safetensors', safetensors],
      ['model.onnx', onnx],
      ['weights.npy', npy("'<f4'", Buffer.alloc(4))],
      ['metrics.json', Buffer.from('{"accuracy": 0.9}')]
    ] as const) {
      expect({ name, streams: (await scan(name, content)).streams }).toEqual({ name, streams: [] })
    }
  })

  it('sniffs by magic and by name', () => {
    expect(sniff(Buffer.from([0x80, 0x05, 0x95]), 'x')).toBe('pickle')
    expect(sniff(Buffer.from([0x80, 0x09]), 'x')).toBe('none')
    expect(sniff(Buffer.from('PK\x03\x04', 'latin1'), 'x')).toBe('zip')
    expect(sniff(Buffer.from('anything'), 'model.joblib')).toBe('pickle')
    expect(sniff(Buffer.from('anything'), 'model.bin')).toBe('none')
    expect(sniff(Buffer.from([0x7d, 0x71, 0x00, 0x28]), 'x')).toBe('pickle')
    expect(sniff(Buffer.from('(dp0\nS'), 'x')).toBe('pickle')
    expect(sniff(Buffer.from([0x78, 0x9c, 0x01]), 'model.joblib')).toBe('zlib')
    expect(sniff(Buffer.from([0x78, 0x9c, 0x01]), 'weights.bin')).toBe('none')
  })
})

describe('streams written by CPython’s own pickle module', () => {
  const python = python3()
  const maybe = python ? it : it.skip

  maybe('os.system by __reduce__ at every protocol 0–5, and an OrderedDict passes', async () => {
    const out = await mkdtemp(path.join(dir, 'cpython-'))
    runPython(
      python as string,
      out,
      [
        'import collections, os, pickle',
        'class Evil:',
        '    def __reduce__(self): return (os.system, ("echo pwned",))',
        'for p in range(6):',
        '    open(f"evil{p}.pkl", "wb").write(pickle.dumps({"model": Evil()}, protocol=p))',
        'open("good.pkl", "wb").write(pickle.dumps(collections.OrderedDict(a=[1, 2.5, "x", b"y"], b={1, 2}), protocol=5))'
      ].join('\n')
    )
    const names = (await readdir(out)).sort()
    expect(names).toHaveLength(7)
    const files = names.map(name => ({ path: name, openPath: path.join(out, name) }))
    const result = await scanModelFiles(files)
    const byFile = (name: string) =>
      verdicts(scanFindings({ files: 1, streams: result.streams.filter(s => s.path === name) }))
    for (let p = 0; p < 6; p++) {
      // CPython writes os.system as posix.system (or nt.system on Windows).
      expect(byFile(`evil${p}.pkl`)).toEqual([
        expect.stringMatching(/^dangerous (posix|nt)\.system$/)
      ])
    }
    expect(byFile('good.pkl')).toEqual([])
  })
})

describe('joblib with inline numpy arrays', () => {
  it('stops at the array bytes, says why, and judges the wrapper not allowed (not dangerous)', async () => {
    // joblib.dump writes a NumpyArrayWrapper, BUILDs it, then the array's raw bytes in the stream.
    const stream = pickle(
      op.proto(4),
      op.global('joblib.numpy_pickle', 'NumpyArrayWrapper'),
      op.emptyTuple,
      op.newobj,
      op.emptyDict,
      op.build,
      Buffer.from([0xff, 0xfe, 0x01, 0x02]),
      op.stop
    )
    const findings = scanFindings(await scan('model.joblib', stream))
    expect(findings.map(f => f.verdict)).toEqual(['unreadable', 'not-allowed'])
    expect(findings[0]?.why).toMatch(/joblib writes numpy arrays' raw bytes inside the pickle/)
  })
})
