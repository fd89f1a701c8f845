import type { ModelScan, ScannedImport, ScannedStream } from '../candidate/types.js'
import type { ModelScanPolicy } from '../policy/schema.js'
import { plural } from './format.js'
import type { GateResult, ScanFinding } from './types.js'

export type { ScanFinding }

/**
 * The model-file scan gate: judges what the candidate's pickle streams import (read by opcode
 * at load time, src/scan/) against an allow-list and a dangerous list. Pure.
 *
 * Every import is one of:
 * - dangerous: it runs commands, code, files, the network or reaches other objects (`os`,
 *   `subprocess`, `builtins.eval`, `getattr`, ...), or a dotted name walks through such a
 *   module or a dunder attribute (`sklearn.base.os.system`). Always a failure, even when an
 *   allow entry would match: the allow-list cannot open these.
 * - allowed: on {@link DEFAULT_ALLOW} or the stage's `model_scan.allow`;
 * - not allowed: anything else, a failure naming it, so a team adds what its models need.
 * A stream the scan could not read to its end (truncated, unknown opcode, an import it could
 * not resolve, a compression it cannot open) fails too: what was not read was not checked.
 */

export interface AllowRule {
  /** `module.name` exactly, or `module.*`: any name of the module or its submodules. */
  pattern: string
  why: string
}

/**
 * What a pickle of a numpy array, a scikit-learn estimator, a PyTorch state dict or a
 * collections container imports, and the standard pickle plumbing they rely on. Exact names
 * except scikit-learn, whose estimators are classes in many submodules.
 */
export const DEFAULT_ALLOW: readonly AllowRule[] = [
  ...[
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray._reconstruct',
    'numpy.ndarray',
    'numpy.dtype',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray.scalar',
    'numpy.core.numeric._frombuffer',
    'numpy._core.numeric._frombuffer',
    'numpy.ma.core._mareconstruct'
  ].map(pattern => ({ pattern, why: 'numpy rebuilds arrays, dtypes and scalars with it' })),
  ...[
    'numpy.random._pickle.__randomstate_ctor',
    'numpy.random._pickle.__generator_ctor',
    'numpy.random._pickle.__bit_generator_ctor',
    'numpy.random._mt19937.MT19937',
    'numpy.random._pcg64.PCG64'
  ].map(pattern => ({ pattern, why: "numpy's random generators (an estimator's random_state)" })),
  {
    pattern: 'sklearn.*',
    why: 'scikit-learn estimators and their parts (trees, losses); sklearn.datasets and sklearn.utils._testing stay dangerous'
  },
  ...[
    'torch._utils._rebuild_tensor',
    'torch._utils._rebuild_tensor_v2',
    'torch._utils._rebuild_tensor_v3',
    'torch._utils._rebuild_parameter',
    'torch._utils._rebuild_parameter_with_state',
    'torch._utils._rebuild_qtensor',
    'torch._utils._rebuild_sparse_tensor',
    'torch._utils._rebuild_meta_tensor_no_storage',
    'torch._utils._rebuild_device_tensor_from_numpy',
    'torch._tensor._rebuild_from_type_v2',
    'torch.nn.parameter.Parameter',
    'torch.serialization._get_layout',
    'torch.Size',
    'torch.device',
    'torch.storage.UntypedStorage',
    'torch.storage.TypedStorage'
  ].map(pattern => ({ pattern, why: 'PyTorch rebuilds tensors and parameters with it' })),
  ...[
    'Float',
    'Double',
    'Half',
    'BFloat16',
    'Long',
    'Int',
    'Short',
    'Char',
    'Byte',
    'Bool',
    'ComplexFloat',
    'ComplexDouble'
  ].map(kind => ({ pattern: `torch.${kind}Storage`, why: "a PyTorch tensor's storage type" })),
  ...[
    'float16',
    'float32',
    'float64',
    'bfloat16',
    'complex64',
    'complex128',
    'int8',
    'int16',
    'int32',
    'int64',
    'uint8',
    'bool',
    'half',
    'float',
    'double',
    'long',
    'int',
    'short'
  ].map(dtype => ({ pattern: `torch.${dtype}`, why: 'a PyTorch dtype' })),
  ...['OrderedDict', 'defaultdict', 'Counter', 'deque'].map(name => ({
    pattern: `collections.${name}`,
    why: 'a container (a state dict is an OrderedDict)'
  })),
  { pattern: 'copyreg._reconstructor', why: 'how protocols 0 and 1 rebuild a plain object' },
  { pattern: '_codecs.encode', why: 'how protocol 2 writes bytes (a latin-1 string)' },
  ...['set', 'frozenset', 'bytearray', 'bytes', 'complex', 'slice', 'range', 'object'].map(
    name => ({ pattern: `builtins.${name}`, why: 'a built-in data type' })
  )
]

/** Modules whose every name is dangerous, by top-level module or exact submodule, with why. */
const DANGEROUS_MODULES: ReadonlyArray<[string, string]> = [
  ...['os', 'posix', 'nt', 'pty', 'subprocess', 'commands', 'popen2', 'platform'].map(
    (m): [string, string] => [m, 'runs commands or touches the system']
  ),
  ...['runpy', 'importlib', 'imp', 'pkgutil', 'zipimport', 'code', 'codeop', 'site'].map(
    (m): [string, string] => [m, 'imports or runs code']
  ),
  ...['timeit', 'trace', 'profile', 'cProfile', 'pdb', 'bdb', 'doctest', 'pydoc'].map(
    (m): [string, string] => [m, 'runs code it is given as text']
  ),
  ...['pickle', '_pickle', 'cPickle', 'marshal', 'shelve', 'dill', 'cloudpickle', 'joblib'].map(
    (m): [string, string] => [m, 'loads another serialised object, unchecked']
  ),
  ...['sys', 'types', 'ctypes', 'cffi', 'gc', 'inspect'].map((m): [string, string] => [
    m,
    "reaches the interpreter's internals"
  ]),
  ...['operator', '_operator', 'functools'].map((m): [string, string] => [
    m,
    'calls or fetches attributes of other objects (attrgetter, methodcaller, partial, reduce)'
  ]),
  ...[
    'socket',
    'ssl',
    'http',
    'urllib',
    'requests',
    'ftplib',
    'smtplib',
    'telnetlib',
    'xmlrpc',
    'webbrowser',
    'asyncio'
  ].map((m): [string, string] => [m, 'opens network connections']),
  ...['shutil', 'tempfile', 'pathlib', 'io', '_io', 'fileinput', 'glob', 'zipfile', 'tarfile'].map(
    (m): [string, string] => [m, 'reads or writes files']
  ),
  ...['multiprocessing', 'concurrent', 'threading', '_thread', 'signal'].map(
    (m): [string, string] => [m, 'starts processes or threads']
  ),
  ['numpy.lib.npyio', 'reads or writes files'],
  ['numpy.ctypeslib', 'loads native libraries'],
  ['numpy.f2py', 'compiles and runs code'],
  ['numpy.distutils', 'compiles and runs code'],
  ['numpy.testing', 'runs commands'],
  ['sklearn.datasets', 'reads or writes files and fetches URLs'],
  ['sklearn.utils._testing', 'runs code for tests'],
  ['torch.hub', 'downloads and runs code'],
  ['torch.jit', 'loads and compiles code'],
  ['torch.package', 'loads packaged code']
]

/** Names dangerous on their own, with why. */
const DANGEROUS_NAMES: ReadonlyMap<string, string> = new Map([
  ...['eval', 'exec', 'execfile', 'compile', 'apply'].map((n): [string, string] => [
    `builtins.${n}`,
    'runs code it is given'
  ]),
  ...['open', 'file', 'input', 'raw_input', 'breakpoint', 'help', 'exit', 'quit'].map(
    (n): [string, string] => [`builtins.${n}`, 'opens files, reads input or stops the process']
  ),
  ...['getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars', 'type', 'super'].map(
    (n): [string, string] => [`builtins.${n}`, 'reaches any attribute of any object']
  ),
  ['builtins.__import__', 'imports any module'],
  ['builtins.reload', 'imports any module'],
  ...[
    'load',
    'loads',
    'save',
    'savez',
    'savez_compressed',
    'fromfile',
    'memmap',
    'loadtxt',
    'genfromtxt',
    'tofile'
  ].map((n): [string, string] => [`numpy.${n}`, 'reads or writes files']),
  ['torch.load', 'loads another pickle, unchecked'],
  ['torch.storage._load_from_bytes', 'loads another pickle, unchecked'],
  ['torch.serialization.load', 'loads another pickle, unchecked']
])

/** Attribute segments that, in a dotted name, reach past the object named. */
const DANGEROUS_SEGMENT =
  /^__(?:globals|builtins|import|subclasses|class|bases|base|mro|dict|getattribute|reduce|reduce_ex|code|func|self|loader|spec)__$/

const TOP_LEVEL_DANGEROUS = new Set(
  DANGEROUS_MODULES.map(([module]) => module).filter(module => !module.includes('.'))
)

export type ImportVerdict =
  | { verdict: 'allowed'; why: string }
  | { verdict: 'dangerous'; why: string }
  | { verdict: 'not-allowed'; why: string }

/** Judge one import against the dangerous list, then the allow-list (defaults plus `extra`). */
export function judgeImport(
  module: string,
  name: string,
  extra: readonly string[] = []
): ImportVerdict {
  const full = `${module}.${name}`
  // joblib's array wrapper reads the array's bytes from the file, not code: what follows it is
  // raw data this scan does not step over (the stream is then unreadable), not an attack.
  if (
    name === 'NumpyArrayWrapper' &&
    /^(?:sklearn\.externals\.)?joblib\.numpy_pickle$/.test(module)
  ) {
    return {
      verdict: 'not-allowed',
      why: "joblib's inline numpy arrays are not read by this scan; save the model with pickle, or its arrays as safetensors or .npy"
    }
  }
  const exact = DANGEROUS_NAMES.get(full)
  if (exact) return { verdict: 'dangerous', why: exact }
  for (const [prefix, why] of DANGEROUS_MODULES) {
    if (full === prefix || full.startsWith(`${prefix}.`)) return { verdict: 'dangerous', why }
  }
  const segments = name.split('.')
  if (segments.length > 1) {
    // `sklearn.base` + `os.system`: a dotted name is resolved attribute by attribute.
    const through = segments.slice(0, -1).find(s => TOP_LEVEL_DANGEROUS.has(s) || s === 'builtins')
    if (through)
      return { verdict: 'dangerous', why: `reaches the ${through} module through an attribute` }
  }
  const dunder = segments.find(s => DANGEROUS_SEGMENT.test(s))
  if (dunder) return { verdict: 'dangerous', why: `reaches through ${dunder}` }
  if (name.startsWith('extension code ') && module === 'copyreg') {
    return {
      verdict: 'not-allowed',
      why: "an object from copyreg's extension registry, which the stream names by number only"
    }
  }
  const rule =
    DEFAULT_ALLOW.find(candidate => matches(candidate.pattern, module, name)) ??
    extra
      .map(pattern => ({ pattern, why: 'model_scan.allow' }))
      .find(c => matches(c.pattern, module, name))
  if (rule) return { verdict: 'allowed', why: rule.why }
  return { verdict: 'not-allowed', why: 'not on the allow-list (model_scan.allow)' }
}

/** `module.name` exactly; `prefix.*` for any undotted name of `prefix` or a submodule. */
function matches(pattern: string, module: string, name: string): boolean {
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2)
    return !name.includes('.') && (module === prefix || module.startsWith(`${prefix}.`))
  }
  return pattern === `${module}.${name}`
}

export interface ModelScanContext {
  /** `stages.<stage>.model_scan`; absent when the stage sets none (a dangerous import still fails). */
  rules?: Partial<ModelScanPolicy>
  /** The candidate's scan; absent when its files were not read (a registry version). */
  scan?: ModelScan
}

/** Findings of a scan under `allow`: each dangerous or not-allowed import, each unreadable stream. */
export function scanFindings(scan: ModelScan, allow: readonly string[] = []): ScanFinding[] {
  const findings: ScanFinding[] = []
  for (const stream of scan.streams) {
    const location = locationOf(stream)
    for (const found of stream.imports) {
      const judged = judgeImport(found.module, found.name, allow)
      if (judged.verdict === 'allowed') continue
      findings.push({
        location,
        offset: found.offset,
        global: globalName(found),
        verdict: judged.verdict,
        why: judged.why
      })
    }
    if (stream.problem) {
      findings.push({
        location,
        ...(stream.problem.offset === undefined ? {} : { offset: stream.problem.offset }),
        verdict: 'unreadable',
        why: `${stream.format} not read to its end: ${stream.problem.why}`
      })
    }
  }
  // Dangerous first: they are what a reviewer must see.
  const rank = { dangerous: 0, unreadable: 1, 'not-allowed': 2 }
  return findings.sort((a, b) => rank[a.verdict] - rank[b.verdict])
}

/** True when the scan found an import that is dangerous whatever the policy allows. */
export function hasDangerousImport(scan: ModelScan | undefined): boolean {
  return (scan?.streams ?? []).some(stream =>
    stream.imports.some(found => judgeImport(found.module, found.name).verdict === 'dangerous')
  )
}

export function modelScanGate(context: ModelScanContext): GateResult {
  const required = context.rules?.required ?? true
  const scan = context.scan
  if (!scan) {
    const summary = "the candidate's files were not read, so they were not scanned"
    return required
      ? { gate: 'model_scan', status: 'fail', summary, details: ['model_scan.required is on'] }
      : { gate: 'model_scan', status: 'skipped', summary, details: ['model_scan.required is off'] }
  }
  const findings = scanFindings(scan, context.rules?.allow ?? [])
  const imports = scan.streams.reduce((sum, stream) => sum + stream.imports.length, 0)
  const streams = `${plural(scan.streams.length, 'pickle stream')} in ${plural(scan.files, 'file')}`
  if (findings.length === 0) {
    return {
      gate: 'model_scan',
      status: 'pass',
      summary:
        scan.streams.length === 0
          ? `no file that can hold code among ${plural(scan.files, 'file')}`
          : `${streams}, ${plural(imports, 'import')}, all allowed`,
      details: scan.streams.map(
        stream =>
          `${locationOf(stream)}: ${stream.format}, ${plural(stream.imports.length, 'import')}`
      )
    }
  }
  const dangerous = findings.filter(finding => finding.verdict === 'dangerous').length
  return {
    gate: 'model_scan',
    status: 'fail',
    summary:
      dangerous > 0
        ? `${plural(dangerous, 'dangerous import')} in the model files (${plural(findings.length, 'finding')} in all)`
        : `${plural(findings.length, 'finding')} in the model files`,
    details: findings.map(describeFinding),
    findings
  }
}

/** `model.pkl at byte 12: os.system, dangerous (runs commands or touches the system)`. */
export function describeFinding(finding: ScanFinding): string {
  const at = finding.offset === undefined ? '' : ` at byte ${finding.offset}`
  const what = finding.global ? `${finding.global}, ` : ''
  const verdict = finding.verdict === 'not-allowed' ? 'not allowed' : finding.verdict
  return `${finding.location}${at}: ${what}${verdict} (${finding.why})`
}

function locationOf(stream: ScannedStream): string {
  return [stream.path, ...(stream.within ?? [])].join(' › ')
}

function globalName(found: ScannedImport): string {
  const written = found.written ? ` (written ${found.written}.${found.name})` : ''
  return `${found.module}.${found.name}${written}`
}
