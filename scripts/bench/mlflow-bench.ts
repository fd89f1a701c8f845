/**
 * MLflow adapter figures for `npm run bench`, against the stand-in on 127.0.0.1:
 *
 * - whole commands, every REST call counted (issue 11), through the CLI as a user runs
 *   them, with three aliases ModelGate did not set beside production:
 *   `checkCalls` (`check --candidate mlflow:M/2 --champion mlflow:M@production`,
 *   target ≤ 5), `commandPromoteCalls` (`promote` replacing the holder, ≤ 10),
 *   `rollbackCalls` (`rollback` to the previous holder, ≤ 8), `statusCalls`
 *   (`status`, ≤ 2 whatever the aliases);
 * - `promoteCalls`: the write phase alone of a promotion that replaces a champion and
 *   archives it, with a real `promotionAudit` record for a 5-file candidate.
 *   Without archiving it is one fewer (`promoteCallsNoArchive`); with a 200-file
 *   candidate the record needs parts beside its header (`promoteCallsLargeRecord`).
 * - `statusVsRoundtrip`: time of 100 `status(model)` look-ups over the time of
 *   100 bare HTTP round trips to the same endpoint (the adapter's overhead),
 *   the best of 5 alternating rounds each.
 *
 * No work at import: call benchMlflow(). scripts/bench/mlflow.ts is the probe
 * entry that prints the result as JSON.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runCli } from '../../src/cli/run.js'
import { promotionAudit } from '../../src/audit/record.js'
import type { Candidate } from '../../src/candidate/types.js'
import { evaluateStage } from '../../src/gates/evaluate.js'
import { Policy } from '../../src/policy/schema.js'
import { createMlflowRegistry } from '../../src/registry/mlflow/index.js'
import { startMlflowStandIn } from '../../__tests__/helpers/mlflow-stand-in/index.js'

export interface MlflowBenchResult {
  checkCalls: number
  commandPromoteCalls: number
  rollbackCalls: number
  statusCalls: number
  promoteCalls: number
  promoteCallsNoArchive: number
  /** The same promotion with a 200-file candidate's record. */
  promoteCallsLargeRecord: number
  /** UTF-8 bytes of the JSON of the 5-file and the 200-file record. */
  recordBytes: number
  largeRecordBytes: number
  /** 100 status look-ups ÷ 100 bare round trips (1 = no overhead). */
  statusVsRoundtrip: number
  statusMs: number
  roundtripMs: number
}

const SIGNATURE = JSON.stringify({
  inputs: JSON.stringify([{ name: 'x', type: 'double' }]),
  outputs: JSON.stringify([{ type: 'double' }])
})

const POLICY = Policy.parse({
  model: 'bench-model',
  metrics: { accuracy: { goal: 'maximize' }, roc_auc: { goal: 'maximize' } },
  stages: {
    production: {
      from: ['candidate'],
      thresholds: { accuracy: { min: 0.8 }, roc_auc: { min: 0.85 } },
      regression: { accuracy: { max_drop: 0.01 }, roc_auc: { max_relative_drop: 0.02 } },
      artifact: { max_size_mb: 500, require: ['MLmodel'], checksums: 'required' },
      approvals: { required: 1 }
    }
  }
})

const MODEL_FILES = ['MLmodel', 'model.pkl', 'conda.yaml', 'python_env.yaml', 'requirements.txt']

/**
 * The audit record `promote` hands the registry for version `version` of a candidate of
 * `fileCount` files: each file's sha256 as random as a real one, so it compresses like one.
 */
function promotionRecord(version: string, fileCount: number): Record<string, unknown> {
  const hex = (what: string) => createHash('sha256').update(`${version}:${what}`).digest('hex')
  const files = Array.from({ length: fileCount }, (_, i) => ({
    path: MODEL_FILES[i] ?? `model/weights/shard-${String(i).padStart(5, '0')}.safetensors`,
    size: 1_000 + ((i * 7_919_993) % 400_000_000),
    sha256: hex(`file ${i}`)
  }))
  const candidate: Candidate = {
    dir: '/tmp/candidate',
    metrics: { accuracy: 0.88, roc_auc: 0.92 },
    invalidMetrics: {},
    signature: {
      source: 'MLmodel',
      inputs: [{ name: 'x', type: 'double', required: true }],
      outputs: [{ name: '#0', type: 'double', required: true }]
    },
    info: {
      version,
      training_data_snapshot: 's3://bench/snapshots/2026-11-01',
      feature_view_version: 'fv-12'
    },
    files,
    totalBytes: files.reduce((sum, file) => sum + file.size, 0),
    checksums: {
      file: 'checksums.sha256',
      verified: files.map(file => file.path),
      missing: [],
      mismatched: [],
      unlisted: []
    }
  }
  const head = hex('head').slice(0, 40)
  const evaluation = evaluateStage({
    policy: POLICY,
    stage: 'production',
    candidate: { ...candidate, label: version, version },
    champion: {
      label: '1',
      version: '1',
      metrics: { accuracy: 0.87, roc_auc: 0.91 },
      invalidMetrics: {}
    },
    now: new Date('2026-11-23T10:00:00Z'),
    evaluator: 'promote',
    reviews: {
      author: 'alice',
      headSha: head,
      reviews: [{ user: 'bob', state: 'APPROVED', commitId: head }],
      permissions: new Map([['bob', 'write']]),
      teams: new Map()
    }
  })
  return promotionAudit({
    evaluation,
    candidate,
    version,
    from: 'candidate',
    written: true,
    forced: false,
    actor: 'bench',
    run: {
      event: 'push',
      sha: hex('merge').slice(0, 40),
      runUrl: 'https://github.com/acme/models/actions/runs/9876543210',
      pullRequest: { number: 418, url: 'https://github.com/acme/models/pull/418' }
    },
    at: new Date('2026-11-23T10:00:05Z')
  })
}

/** Every REST call of each whole command, run through the CLI as a user runs it. */
async function commandCalls(
  stand: Awaited<ReturnType<typeof startMlflowStandIn>>,
  model: string
): Promise<
  Pick<MlflowBenchResult, 'checkCalls' | 'commandPromoteCalls' | 'rollbackCalls' | 'statusCalls'>
> {
  for (const [alias, version] of [
    ['staging', '3'],
    ['canary', '2'],
    ['shadow', '4']
  ] as const) {
    stand.setAlias(model, alias, version)
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'modelgate-bench-mlflow-'))
  const policy = path.join(scratch, 'policy.yml')
  writeFileSync(
    policy,
    `model: ${model}\nregistry: { type: mlflow, uri: "${stand.url}" }\nmetrics:\n  accuracy: { goal: maximize }\nstages:\n  production:\n    from: [candidate]\n    thresholds:\n      accuracy: { min: 0.8 }\n    regression:\n      accuracy: { max_drop: 0.01 }\n`
  )
  const calls = async (...args: string[]) => {
    stand.resetLog()
    let stderr = ''
    const code = await runCli([...args, '--policy', policy], {
      stdout: () => undefined,
      stderr: text => (stderr += text)
    })
    if (code > 1) throw new Error(`modelgate ${args.join(' ')} exited ${code}: ${stderr}`)
    return stand.count()
  }
  try {
    return {
      checkCalls: await calls(
        'check',
        '--stage',
        'production',
        '--candidate',
        `mlflow:${model}/2`,
        '--champion',
        `mlflow:${model}@production`
      ),
      commandPromoteCalls: await calls('promote', model, '--to', 'production', '--version', '2'),
      rollbackCalls: await calls('rollback', model, '--stage', 'production', '--reason', 'bench'),
      statusCalls: await calls('status', model)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

export async function benchMlflow(lookups = 100, rounds = 5): Promise<MlflowBenchResult> {
  const stand = await startMlflowStandIn()
  try {
    const model = 'bench-model'
    stand.createModel(model)
    for (let i = 1; i <= 4; i++) {
      const runId = stand.createRun({ metrics: { accuracy: 0.8 + i / 100, roc_auc: 0.9 } })
      stand.createVersion(model, {
        runId,
        source: `runs:/${runId}/model`,
        tags: { 'modelgate.signature': SIGNATURE }
      })
    }
    const registry = createMlflowRegistry({ trackingUri: stand.url, fetch: globalThis.fetch })
    const actor = { actor: 'bench' }
    await registry.assign(model, '1', 'production', actor)

    // Whole commands on a model of their own, seeded the same way.
    const cliModel = 'bench-cli-model'
    stand.createModel(cliModel)
    for (let i = 1; i <= 4; i++) {
      const runId = stand.createRun({ metrics: { accuracy: 0.8 + i / 100, roc_auc: 0.9 } })
      stand.createVersion(cliModel, {
        runId,
        source: `runs:/${runId}/model`,
        tags: { 'modelgate.signature': SIGNATURE }
      })
    }
    await registry.assign(cliModel, '1', 'production', actor)
    const commands = await commandCalls(stand, cliModel)

    const record = promotionRecord('2', 5)
    stand.resetLog()
    await registry.assign(model, '2', 'production', { ...actor, record }, { archiveReplaced: true })
    const promoteCalls = stand.count()

    stand.resetLog()
    await registry.assign(model, '3', 'production', { ...actor, record: promotionRecord('3', 5) })
    const promoteCallsNoArchive = stand.count()

    const largeRecord = promotionRecord('4', 200)
    stand.resetLog()
    await registry.assign(
      model,
      '4',
      'production',
      { ...actor, record: largeRecord },
      { archiveReplaced: true }
    )
    const promoteCallsLargeRecord = stand.count()

    const url = `${stand.url}/api/2.0/mlflow/registered-models/get?name=${model}`
    const bare = async () => {
      const response = await fetch(url, { headers: { Accept: 'application/json' } })
      await response.text()
    }
    const status = async () => {
      await registry.status(model)
    }
    const time = async (run: () => Promise<void>) => {
      const started = process.hrtime.bigint()
      for (let i = 0; i < lookups; i++) await run()
      return Number(process.hrtime.bigint() - started) / 1e6
    }
    await time(bare) // warm both paths (connections, JIT)
    await time(status)
    let roundtripMs = Infinity
    let statusMs = Infinity
    for (let round = 0; round < rounds; round++) {
      roundtripMs = Math.min(roundtripMs, await time(bare))
      statusMs = Math.min(statusMs, await time(status))
      stand.resetLog()
    }
    return {
      ...commands,
      promoteCalls,
      promoteCallsNoArchive,
      promoteCallsLargeRecord,
      recordBytes: Buffer.byteLength(JSON.stringify(record)),
      largeRecordBytes: Buffer.byteLength(JSON.stringify(largeRecord)),
      statusVsRoundtrip: Math.round((statusMs / roundtripMs) * 100) / 100,
      statusMs: Math.round(statusMs),
      roundtripMs: Math.round(roundtripMs)
    }
  } finally {
    await stand.close()
  }
}
