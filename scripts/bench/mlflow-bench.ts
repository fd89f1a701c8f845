/**
 * MLflow adapter figures for `npm run bench`, against the stand-in on 127.0.0.1:
 *
 * - `checkCalls`: REST calls of what `check` needs from the registry — the
 *   champion by alias (getStage), then the candidate's and the champion's
 *   metrics and signature (loadVersion × 2). Target ≤ 5.
 * - `promoteCalls`: REST calls of a promotion that replaces a champion and
 *   archives it (the longest plan: 2 reads, the pre-move check, 5 writes).
 *   Target ≤ 8. Without archiving it is one fewer (`promoteCallsNoArchive`).
 * - `statusVsRoundtrip`: time of 100 `status(model)` look-ups over the time of
 *   100 bare HTTP round trips to the same endpoint (the adapter's overhead),
 *   the best of 5 alternating rounds each.
 *
 * No work at import: call benchMlflow(). scripts/bench/mlflow.ts is the probe
 * entry that prints the result as JSON.
 */
import { createMlflowRegistry } from '../../src/registry/mlflow/index.js'
import { startMlflowStandIn } from '../../__tests__/helpers/mlflow-stand-in.js'

export interface MlflowBenchResult {
  checkCalls: number
  promoteCalls: number
  promoteCallsNoArchive: number
  /** 100 status look-ups ÷ 100 bare round trips (1 = no overhead). */
  statusVsRoundtrip: number
  statusMs: number
  roundtripMs: number
}

const SIGNATURE = JSON.stringify({
  inputs: JSON.stringify([{ name: 'x', type: 'double' }]),
  outputs: JSON.stringify([{ type: 'double' }])
})

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

    stand.resetLog()
    const champion = await registry.getStage(model, 'production')
    await registry.loadVersion(model, '2')
    await registry.loadVersion(model, champion?.version ?? '1')
    const checkCalls = stand.count()

    stand.resetLog()
    await registry.assign(model, '2', 'production', actor, { archiveReplaced: true })
    const promoteCalls = stand.count()

    stand.resetLog()
    await registry.assign(model, '3', 'production', actor)
    const promoteCallsNoArchive = stand.count()

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
      checkCalls,
      promoteCalls,
      promoteCallsNoArchive,
      statusVsRoundtrip: Math.round((statusMs / roundtripMs) * 100) / 100,
      statusMs: Math.round(statusMs),
      roundtripMs: Math.round(roundtripMs)
    }
  } finally {
    await stand.close()
  }
}
