// `npm run bench`: every figure is a ratio against a baseline measured in this same run,
// printed as a table, then one `name: value` line each for machines to read.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  closeSync,
  writeSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomFillSync } from 'node:crypto'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const scratch = mkdtempSync(path.join(tmpdir(), 'modelgate-bench-'))
const figures = []
const rows = []

function figure(name, value, target, note) {
  figures.push([name, value])
  rows.push([name, value, target, note])
}

/** Median wall time, in seconds, of `runs` runs of a command (after one warm-up run). */
function medianSeconds(runs, command, args, options = {}) {
  spawnSync(command, args, options)
  const times = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    const result = spawnSync(command, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] })
    times.push(Number(process.hrtime.bigint() - started) / 1e9)
    if (result.status !== 0 && !options.allowFailure) {
      throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
    }
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/**
 * Bundles a probe with ncc, transpile-only (`-t`) unless `typecheck`. Transpiling file by file
 * cannot see package.json's `"type": "module"`, so NodeNext falls back to CommonJS; a module
 * that declares its own `require = createRequire(import.meta.url)` (the GitHub stand-in, the
 * event builders) then breaks, and needs the type-checked build, which emits ESM (and needs
 * the whole tree to type-check, as `npm run lint` does).
 */
function buildProbe(name, entry, { typecheck = false } = {}) {
  const out = path.join(root, '.build', 'bench', name)
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      entry,
      '-o',
      out,
      '-q',
      ...(typecheck ? [] : ['-t'])
    ],
    { cwd: root, stdio: 'inherit' }
  )
  return path.join(out, 'index.js')
}

function coldStart() {
  const workdir = path.join(scratch, 'action')
  execFileSync('mkdir', ['-p', workdir])
  const outputFile = path.join(workdir, 'output')
  const summaryFile = path.join(workdir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env = {
    PATH: process.env.PATH,
    GITHUB_WORKSPACE: root,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    INPUT_POLICY: 'policies/clinical-classifier.yml',
    INPUT_CANDIDATE: 'examples/clinical-classifier/candidate',
    INPUT_CHAMPION: 'examples/clinical-classifier/champion',
    INPUT_STAGE: 'production',
    'INPUT_FAIL-ON-BLOCKED': 'true'
  }
  const node = medianSeconds(15, process.execPath, ['-e', '0'])
  const action = medianSeconds(15, process.execPath, [path.join(root, 'dist/index.js')], {
    cwd: root,
    env
  })
  figure(
    'cold_start_vs_node',
    round(action / node),
    '< 4',
    `${ms(action)} vs node -e 0 ${ms(node)}`
  )
  figure(
    'bundle_kb',
    Math.round(statSync(path.join(root, 'dist/index.js')).size / 1024),
    '',
    'dist/index.js, read on every start'
  )
  // Chunks ncc splits off for dynamic imports (the artifact client): read only when used.
  const chunks = readdirSync(path.join(root, 'dist')).filter(name => /^\d+\.index\.js$/.test(name))
  figure(
    'bundle_lazy_kb',
    Math.round(
      chunks.reduce((sum, name) => sum + statSync(path.join(root, 'dist', name)).size, 0) / 1024
    ),
    '',
    `${chunks.length} chunks loaded on use (artifact download and upload)`
  )
}

function hashing() {
  const probe = buildProbe('hash-file', 'scripts/bench/hash-file.ts')
  const file = path.join(scratch, 'model-1gib.bin')
  const chunk = Buffer.alloc(16 * 1024 * 1024)
  randomFillSync(chunk)
  const fd = openSync(file, 'w')
  for (let i = 0; i < 64; i++) writeSync(fd, chunk)
  closeSync(fd)
  const runOnce = () =>
    JSON.parse(execFileSync(process.execPath, [probe, file], { encoding: 'utf8' }))
  runOnce() // warm the page cache for both contenders
  const ours = [runOnce(), runOnce(), runOnce()].sort((a, b) => a.seconds - b.seconds)[1]
  const sha256sum = medianSeconds(3, 'sha256sum', [file])
  const expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]
  if (expected !== ours.sha256) throw new Error('hashFile and sha256sum disagree on the bench file')
  figure(
    'hash_vs_sha256sum',
    round(sha256sum / ours.seconds),
    '≥ 0.9',
    `1 GiB: ${ms(ours.seconds)} vs sha256sum ${ms(sha256sum)} (speed ratio)`
  )
  figure('hash_peak_rss_mb', Math.round(ours.peakRssMb), '< 150', 'peak RSS of the hashing process')
  rmSync(file)
}

/**
 * The model-file scan against hashing the same file, each in its own process (median of 3, page
 * cache warm), on three generated pickles: 1 GiB of 1 MiB BINBYTES8 values in a plain pickle
 * (payloads skipped by position, as for any pickle of arrays), the same pickle as a stored
 * `data.pkl` in a zip (every byte read through the zip's stream), and 64 MiB of small integers
 * (about 30 million opcodes: the scanner's per-opcode cost).
 */
function scanning() {
  const scanProbe = buildProbe('scan-file', 'scripts/bench/scan-file.ts')
  const hashProbe = buildProbe('hash-file', 'scripts/bench/hash-file.ts')
  const MIB = 1024 * 1024
  const payload = Buffer.alloc(MIB)
  randomFillSync(payload)
  const binbytes8 = Buffer.alloc(9)
  binbytes8[0] = 0x8e
  binbytes8.writeBigUInt64LE(BigInt(MIB), 1)
  const value = Buffer.concat([binbytes8, payload])
  const start = Buffer.from([0x80, 0x04, 0x5d, 0x28]) // PROTO 4, EMPTY_LIST, MARK
  const end = Buffer.from('ecollections\nOrderedDict\n0.', 'latin1') // APPENDS, GLOBAL, POP, STOP
  const values = 1024

  const big = path.join(scratch, 'model-1gib.pkl')
  let fd = openSync(big, 'w')
  writeSync(fd, start)
  for (let i = 0; i < values; i++) writeSync(fd, value)
  writeSync(fd, end)
  closeSync(fd)

  // The same bytes as the one stored entry of a zip (local header, data, central directory).
  const zipped = path.join(scratch, 'model-1gib.pt')
  const size = statSync(big).size
  const name = Buffer.from('archive/data.pkl')
  let crc = zlib.crc32(start)
  for (let i = 0; i < values; i++) crc = zlib.crc32(value, crc)
  crc = zlib.crc32(end, crc)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(20, 4)
  local.writeUInt32LE(crc >>> 0, 14)
  local.writeUInt32LE(size, 18)
  local.writeUInt32LE(size, 22)
  local.writeUInt16LE(name.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(20, 4)
  central.writeUInt16LE(20, 6)
  central.writeUInt32LE(crc >>> 0, 16)
  central.writeUInt32LE(size, 20)
  central.writeUInt32LE(size, 24)
  central.writeUInt16LE(name.length, 28)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(1, 8)
  eocd.writeUInt16LE(1, 10)
  eocd.writeUInt32LE(central.length + name.length, 12)
  eocd.writeUInt32LE(local.length + name.length + size, 16)
  fd = openSync(zipped, 'w')
  writeSync(fd, Buffer.concat([local, name, start]))
  for (let i = 0; i < values; i++) writeSync(fd, value)
  writeSync(fd, Buffer.concat([end, central, name, eocd]))
  closeSync(fd)

  // Dense: BININT1 values in APPENDS batches of 1,000, as pickle writes a list of small ints.
  const dense = path.join(scratch, 'dense-64mib.pkl')
  const batch = Buffer.alloc(1 + 2000 + 1)
  batch[0] = 0x28 // MARK
  for (let i = 0; i < 1000; i++) batch.writeUInt16LE(0x4b | ((i & 0xff) << 8), 1 + 2 * i)
  batch[2001] = 0x65 // APPENDS
  const block = Buffer.concat(Array.from({ length: 256 }, () => batch))
  fd = openSync(dense, 'w')
  writeSync(fd, Buffer.from([0x80, 0x04, 0x5d]))
  for (let i = 0; i < Math.floor((64 * MIB) / block.length); i++) writeSync(fd, block)
  writeSync(fd, Buffer.from('ccollections\nOrderedDict\n0.', 'latin1'))
  closeSync(fd)

  const median = (probe, file) => {
    const once = () =>
      JSON.parse(execFileSync(process.execPath, [probe, file], { encoding: 'utf8' }))
    once() // warm the page cache
    return [once(), once(), once()].sort((a, b) => a.seconds - b.seconds)[1]
  }
  const denseMib = Math.round(statSync(dense).size / MIB)
  const cases = [
    ['scan_vs_hash', big, '1 GiB plain pickle of 1 MiB BINBYTES8 values'],
    ['scan_zip_vs_hash', zipped, 'the same pickle stored in a zip'],
    ['scan_dense_vs_hash', dense, `${denseMib} MiB pickle of BININT1 opcodes`]
  ]
  let peak = 0
  for (const [figureName, file, what] of cases) {
    const scan = median(scanProbe, file)
    const hash = median(hashProbe, file)
    if (scan.streams !== 1 || scan.problems.length > 0 || scan.imports !== 1) {
      throw new Error(`the scan misread ${file}: ${JSON.stringify(scan)}`)
    }
    peak = Math.max(peak, scan.peakRssMb)
    figure(
      figureName,
      round(scan.seconds / hash.seconds),
      '≤ 1.5',
      `${what}: scan ${ms(scan.seconds)} vs hash ${ms(hash.seconds)} (time ratio)`
    )
    rmSync(file)
  }
  figure('scan_peak_rss_mb', Math.round(peak), '< 150', 'peak RSS of the scanning process')
}

/**
 * Verifying one attestation bundle (Sigstore, @sigstore/verify 1.2.1, plus our certificate-identity
 * checks) in-process, median over 5 rounds of 40 bundles made with @sigstore/mock after a warm-up;
 * the baseline is one ECDSA P-256 signature check in the same process.
 */
function provenance() {
  const probe = buildProbe('provenance-verify', 'scripts/bench/provenance-verify.ts')
  const r = JSON.parse(execFileSync(process.execPath, [probe], { encoding: 'utf8' }))
  figure(
    'provenance_verify_ms_per_bundle',
    round(r.msPerBundle),
    '< 1000',
    `median of ${r.bundles}×5 bundles; one ECDSA P-256 verify: ${round(r.ecdsaMs)} ms (${round(r.msPerBundle / r.ecdsaMs)}×)`
  )
}

/**
 * The git registry on a generated repository of 1,000 versions / 10,000 annotated tags:
 * `status` (tag cache warm, then deleted before each run) and `history` (warm), in-process
 * through the real adapter and runner, against a bare `git for-each-ref refs/tags` spawned
 * the same way. The probe checks that cached and uncached answers agree.
 */
function registryStatus() {
  const probe = buildProbe('registry-status', 'scripts/bench/registry-status.ts')
  const dir = path.join(scratch, 'registry-10k')
  mkdirSync(dir)
  const r = JSON.parse(execFileSync(process.execPath, [probe, dir, '31'], { encoding: 'utf8' }))
  const base = `git for-each-ref refs/tags ${ms(r.forEachRef)}`
  figure(
    'status_10k_tags_vs_for_each_ref',
    round(r.statusWarm / r.forEachRef),
    '< 2',
    `status ${ms(r.statusWarm)} (warm tag cache) vs ${base}; without the cache ${ms(r.statusUncached)}`
  )
  figure(
    'status_10k_tags_git_processes',
    r.warmGitProcesses.length,
    '1',
    `warm status runs: ${r.warmGitProcesses.join(', ')}`
  )
  figure(
    'status_10k_tags_cold_vs_for_each_ref',
    round(r.statusCold / r.forEachRef),
    '≤ 3',
    `status ${ms(r.statusCold)} with the cache deleted first (${r.coldGitProcesses.join(' + ')}, then the ${Math.round(r.cacheBytes / 1024)} KiB cache written) vs ${base}`
  )
  figure(
    'history_10k_tags_vs_for_each_ref',
    round(r.historyWarm / r.forEachRef),
    '',
    `history ${ms(r.historyWarm)} (warm tag cache, 10,000 events) vs ${base}`
  )
}

/**
 * The MLflow adapter against the REST stand-in on 127.0.0.1: REST calls for a check
 * (candidate and champion read from the registry) and for a promotion with the audit record
 * `promote` writes (a 5-file candidate's; and a 200-file one's, in the note), and 100 status
 * look-ups against 100 bare HTTP round trips to the same server.
 */
function mlflow() {
  const probe = buildProbe('mlflow', 'scripts/bench/mlflow.ts')
  const r = JSON.parse(execFileSync(process.execPath, [probe], { encoding: 'utf8' }))
  figure(
    'mlflow_check_calls',
    r.checkCalls,
    '≤ 5',
    'every REST call of `check --candidate mlflow:M/2 --champion mlflow:M@production`'
  )
  figure(
    'mlflow_promote_calls',
    r.commandPromoteCalls,
    '≤ 10',
    `every REST call of \`promote\` replacing the holder (write phase alone, archiving, 5-file record: ${r.promoteCalls}; ${r.promoteCallsNoArchive} without archiving; 200 files: ${r.promoteCallsLargeRecord})`
  )
  figure(
    'mlflow_rollback_calls',
    r.rollbackCalls,
    '≤ 8',
    'every REST call of `rollback` to the previous holder: 2 reads, 3 tags (history, record, removal mark), the check before the history and the alias, 2 alias calls'
  )
  figure(
    'mlflow_status_calls',
    r.statusCalls,
    '≤ 2',
    '`status` with four aliases, three of them set outside ModelGate'
  )
  figure(
    'mlflow_status_vs_http_roundtrip',
    round(r.statusVsRoundtrip),
    '',
    `100 status look-ups ${Math.round(r.statusMs)} ms vs 100 bare round trips ${Math.round(r.roundtripMs)} ms`
  )
}

/**
 * `dist/index.js` evaluating a pull request with 300 reviews by 100 reviewers (75 standing
 * approvals, 5 of them without write access) against the GitHub API stand-in: the API requests
 * of an evaluation that creates the sticky comment, against the floor (the review pages, one
 * permission look-up per distinct approving reviewer, 4 others), and its wall time against the
 * engine-only `command: check` on the same candidate and champion, medians of 7 interleaved
 * runs each. The probe fails unless every run passed, commented and set the commit status, with
 * no request GitHub would refuse.
 */
function prEval() {
  const probe = buildProbe('pr-eval', 'scripts/bench/pr-eval.ts', { typecheck: true })
  const r = JSON.parse(execFileSync(process.execPath, [probe, root, '7'], { encoding: 'utf8' }))
  const { 'pulls/list-reviews': pages, 'repos/get-collaborator-permission-level': lookups } =
    r.byOperation
  const others = Object.entries(r.byOperation)
    .filter(([operation]) => !/list-reviews|collaborator-permission/.test(operation))
    .map(([operation, count]) => (count > 1 ? `${count} ${operation}` : operation))
  figure(
    'pr_eval_api_requests',
    r.requests,
    `≤ ${r.floor}`,
    `${pages} review pages + ${lookups} permission look-ups + ${others.join(', ')}; a re-run with the comment unchanged: ${r.rerunRequests}`
  )
  figure(
    'pr_eval_api_requests_floor',
    r.floor,
    '',
    `${r.reviewPages} review pages + ${r.approvingReviewers} approving reviewers + ${r.others}`
  )
  figure(
    'pr_eval_vs_engine_check',
    round(r.prEvalSeconds / r.checkSeconds),
    '',
    `promote on pull_request ${ms(r.prEvalSeconds)} vs check ${ms(r.checkSeconds)}`
  )
}

/**
 * `dist/cli` running a healthy `monitor` against a real Prometheus (three triggers: an absolute
 * bound, an audit baseline, a previous-holder baseline) on a git registry: the range queries
 * it sends, and its wall time against `check` on the clinical-classifier example, medians of 7
 * interleaved runs each.
 */
function monitorRun() {
  const probe = buildProbe('monitor', 'scripts/bench/monitor.ts', { typecheck: true })
  const r = JSON.parse(execFileSync(process.execPath, [probe, root, '7'], { encoding: 'utf8' }))
  figure(
    'monitor_queries',
    r.queries,
    '≤ 6',
    'range queries of one healthy run with three triggers (one per trigger, two for the previous-holder baseline)'
  )
  figure(
    'monitor_vs_engine_check',
    round(r.monitorSeconds / r.checkSeconds),
    '',
    `monitor (real Prometheus, git registry) ${ms(r.monitorSeconds)} vs check ${ms(r.checkSeconds)}`
  )
}

const round = n => Math.round(n * 100) / 100
const ms = s => `${Math.round(s * 1000)} ms`

try {
  coldStart()
  hashing()
  scanning()
  provenance()
  registryStatus()
  mlflow()
  prEval()
  monitorRun()
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

const header = ['figure', 'value', 'target', 'measured']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => String(r[i]).length)))
const line = r => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')
console.log(line(header))
console.log(widths.map(w => '-'.repeat(w)).join('  '))
for (const r of rows) console.log(line(r))
console.log('')
for (const [name, value] of figures) console.log(`${name}: ${value}`)
