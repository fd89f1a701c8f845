import { AuditRecord, promotionAudit } from '../src/audit/record.js'
import type { ModelScan, ScannedStream } from '../src/candidate/types.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import { judgeImport, modelScanGate } from '../src/gates/model-scan.js'
import { Policy } from '../src/policy/schema.js'
import { toJson } from '../src/report/json.js'

const imported = (module: string, name: string, offset = 2) => ({
  module,
  name,
  offset,
  via: 'GLOBAL' as const,
  count: 1
})
const stream = (path: string, ...imports: ReturnType<typeof imported>[]): ScannedStream => ({
  path,
  format: 'pickle',
  imports
})
const scanOf = (...streams: ScannedStream[]): ModelScan => ({ files: 3, streams })

describe('judgeImport', () => {
  it.each([
    ['os', 'system', 'dangerous'],
    ['posix', 'system', 'dangerous'],
    ['subprocess', 'check_output', 'dangerous'],
    ['builtins', 'eval', 'dangerous'],
    ['builtins', 'exec', 'dangerous'],
    ['builtins', 'getattr', 'dangerous'],
    ['builtins', '__import__', 'dangerous'],
    ['builtins', 'open', 'dangerous'],
    ['runpy', 'run_path', 'dangerous'],
    ['importlib', 'import_module', 'dangerous'],
    ['socket', 'create_connection', 'dangerous'],
    ['shutil', 'rmtree', 'dangerous'],
    ['sys', 'modules', 'dangerous'],
    ['pickle', 'loads', 'dangerous'],
    ['marshal', 'loads', 'dangerous'],
    ['types', 'FunctionType', 'dangerous'],
    ['functools', 'partial', 'dangerous'],
    ['operator', 'attrgetter', 'dangerous'],
    ['numpy', 'load', 'dangerous'],
    ['torch', 'load', 'dangerous'],
    ['sklearn.datasets', 'fetch_openml', 'dangerous'],
    ['numpy', 'testing.os.system', 'dangerous'],
    ['collections', 'OrderedDict.__class__', 'dangerous'],
    ['numpy.core.multiarray', '_reconstruct', 'allowed'],
    ['numpy._core.multiarray', '_reconstruct', 'allowed'],
    ['numpy', 'dtype', 'allowed'],
    ['sklearn.ensemble._forest', 'RandomForestClassifier', 'allowed'],
    ['torch._utils', '_rebuild_tensor_v2', 'allowed'],
    ['torch', 'FloatStorage', 'allowed'],
    ['collections', 'OrderedDict', 'allowed'],
    ['builtins', 'set', 'allowed'],
    ['numpy', 'frombuffer', 'not-allowed'],
    ['builtins', 'print', 'not-allowed'],
    ['xgboost.core', 'Booster', 'not-allowed'],
    ['joblib.numpy_pickle', 'NumpyArrayWrapper', 'not-allowed'],
    ['joblib', 'load', 'dangerous'],
    // A dotted name never matches a prefix rule: sklearn.* does not reach sklearn.base.x.y.
    ['sklearn', 'base.BaseEstimator', 'not-allowed']
  ])('%s.%s is %s', (module, name, verdict) => {
    expect(judgeImport(module, name).verdict).toBe(verdict)
  })

  it('extends the allow-list with the policy, exactly or by module prefix', () => {
    expect(judgeImport('xgboost.core', 'Booster', ['xgboost.core.Booster']).verdict).toBe('allowed')
    expect(judgeImport('xgboost.core', 'Booster', ['xgboost.*']).verdict).toBe('allowed')
    expect(judgeImport('xgboost.core', 'Booster', ['xgboost.core.DMatrix']).verdict).toBe(
      'not-allowed'
    )
    expect(judgeImport('xgboostx', 'Booster', ['xgboost.*']).verdict).toBe('not-allowed')
    expect(judgeImport('os', 'system', ['os.*', 'os.system']).verdict).toBe('dangerous')
  })
})

describe('modelScanGate', () => {
  it('passes when every import is allowed, listing the streams read', () => {
    const result = modelScanGate({
      rules: { required: true },
      scan: scanOf(stream('model.pkl', imported('numpy', 'dtype')))
    })
    expect(result).toEqual({
      gate: 'model_scan',
      status: 'pass',
      summary: '1 pickle stream in 3 files, 1 import, all allowed',
      details: ['model.pkl: pickle, 1 import']
    })
  })

  it('passes with no stream at all (safetensors, ONNX)', () => {
    const result = modelScanGate({ scan: scanOf() })
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('no file that can hold code among 3 files')
  })

  it('fails naming file, entry, offset, module.name and why; dangerous first', () => {
    const result = modelScanGate({
      rules: { allow: [], required: true },
      scan: scanOf(
        stream('a.pkl', imported('xgboost.core', 'Booster', 5)),
        {
          ...stream('model.pt', imported('os', 'system', 17)),
          within: ['archive/data.pkl']
        },
        {
          ...stream('cut.pkl'),
          problem: { offset: 9, why: 'the stream ends before STOP (truncated)' }
        }
      )
    })
    expect(result.status).toBe('fail')
    expect(result.summary).toBe('1 dangerous import in the model files (3 findings in all)')
    expect(result.details).toEqual([
      'model.pt › archive/data.pkl at byte 17: os.system, dangerous (runs commands or touches the system)',
      'cut.pkl at byte 9: unreadable (pickle not read to its end: the stream ends before STOP (truncated))',
      'a.pkl at byte 5: xgboost.core.Booster, not allowed (not on the allow-list (model_scan.allow))'
    ])
  })

  it('fails closed without a scan when required, skips with a warning when not', () => {
    expect(modelScanGate({ rules: { required: true } }).status).toBe('fail')
    expect(modelScanGate({}).status).toBe('fail')
    expect(modelScanGate({ rules: { required: false } }).status).toBe('skipped')
  })
})

describe('model_scan in the policy and the evaluation', () => {
  const policy = (stage: Record<string, unknown>) =>
    Policy.parse({ model: 'm', stages: { production: { from: ['candidate'], ...stage } } })
  const candidate = (scan?: ModelScan) => ({
    dir: '/c',
    label: 'v2',
    metrics: {},
    invalidMetrics: {},
    files: [{ path: 'model.pkl', size: 10, sha256: 'a'.repeat(64) }],
    totalBytes: 10,
    ...(scan ? { scan } : {})
  })
  const now = new Date('2026-12-02T00:00:00Z')

  it('accepts module.name and module.* entries and refuses anything else', () => {
    expect(
      policy({ model_scan: { allow: ['xgboost.core.Booster', 'lightgbm.*'] } }).stages.production
        ?.model_scan
    ).toEqual({ allow: ['xgboost.core.Booster', 'lightgbm.*'], required: true })
    for (const bad of ['os system', '*', 'xgboost.*.Booster', '', 'a.', '.a']) {
      expect(() => policy({ model_scan: { allow: [bad] } })).toThrow(/module\.name or module\.\*/)
    }
    expect(() => policy({ model_scan: { allowed: [] } })).toThrow()
  })

  it('a configured stage runs the gate; a dangerous import fails even a stage without it', () => {
    const evil = scanOf(stream('model.pkl', imported('os', 'system')))
    const configured = evaluateStage({
      policy: policy({ model_scan: {} }),
      stage: 'production',
      candidate: candidate(scanOf()),
      now
    })
    expect(configured.gates.map(g => `${g.gate} ${g.status}`)).toEqual(['model_scan pass'])
    expect(configured.decision).toBe('pass')
    const unconfigured = evaluateStage({
      policy: policy({}),
      stage: 'production',
      candidate: candidate(evil),
      now
    })
    expect(unconfigured.gates.map(g => `${g.gate} ${g.status}`)).toEqual(['model_scan fail'])
    expect(unconfigured.decision).toBe('blocked')
    // Without model_scan, an import that is merely not allowed does not run the gate.
    const notAllowed = evaluateStage({
      policy: policy({}),
      stage: 'production',
      candidate: candidate(scanOf(stream('model.pkl', imported('xgboost.core', 'Booster')))),
      now
    })
    expect(notAllowed.gates).toEqual([])
  })
})

describe('the audit record and the JSON report carry the findings', () => {
  it('lists file, offset, module.name and why under modelScan', () => {
    const policy = Policy.parse({
      model: 'm',
      stages: { production: { from: ['candidate'], model_scan: {} } }
    })
    const scan = scanOf({
      ...stream('model.pt', imported('os', 'system', 17)),
      within: ['archive/data.pkl']
    })
    const candidate = {
      dir: '/c',
      metrics: {},
      invalidMetrics: {},
      files: [{ path: 'model.pt', size: 10, sha256: 'a'.repeat(64) }],
      totalBytes: 10,
      scan
    }
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate: { ...candidate, label: 'v2' },
      now: new Date('2026-12-02T00:00:00Z')
    })
    const record = promotionAudit({
      evaluation,
      candidate,
      version: 'v2',
      from: 'candidate',
      written: false,
      forced: false,
      actor: 'someone',
      run: {},
      at: new Date('2026-12-02T00:00:00Z')
    })
    const finding = {
      location: 'model.pt › archive/data.pkl',
      offset: 17,
      global: 'os.system',
      verdict: 'dangerous',
      why: 'runs commands or touches the system'
    }
    expect(record.modelScan).toEqual({ findings: [finding] })
    expect(AuditRecord.parse(JSON.parse(JSON.stringify(record)))).toEqual(record)
    const json = JSON.parse(toJson(evaluation)) as { gates: Array<{ findings?: unknown }> }
    expect(json.gates[0]?.findings).toEqual([finding])
  })

  it('leaves modelScan out when nothing was found', () => {
    const policy = Policy.parse({ model: 'm', stages: { production: { from: ['candidate'] } } })
    const candidate = { dir: '/c', metrics: {}, invalidMetrics: {}, files: [], totalBytes: 0 }
    const evaluation = evaluateStage({
      policy,
      stage: 'production',
      candidate: { ...candidate, label: 'v2' },
      now: new Date('2026-12-02T00:00:00Z')
    })
    const record = promotionAudit({
      evaluation,
      candidate,
      version: 'v2',
      from: 'candidate',
      written: false,
      forced: false,
      actor: 'someone',
      run: {},
      at: new Date('2026-12-02T00:00:00Z')
    })
    expect(record).not.toHaveProperty('modelScan')
  })
})
