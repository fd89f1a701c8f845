/** Shared set-up for the MLflow adapter tests: a registry on a stand-in, seeded models. */
import { createMlflowRegistry } from '../../src/registry/mlflow/index.js'
import type { MlflowRegistry, MlflowRegistryOptions } from '../../src/registry/mlflow/index.js'
import { tagKeys } from '../../src/registry/mlflow/names.js'
import type { AuditFacts, WriteResult } from '../../src/registry/port.js'
import { startMlflowStandIn } from './mlflow-stand-in/index.js'
import type { MlflowStandIn, StandInOptions } from './mlflow-stand-in/index.js'

export const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }
export const bob: AuditFacts = { actor: 'bob', reason: 'accuracy dropped in production' }

/** The MLmodel `signature` block as a training job would write it into the version tag. */
export const SIGNATURE_TAG = JSON.stringify({
  inputs: JSON.stringify([
    { name: 'age', type: 'long', required: true },
    { name: 'income', type: 'double', required: true }
  ]),
  outputs: JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float64', shape: [-1] } }])
})

/**
 * One stand-in for the whole test file: started before the first test (and handed to `onStart`),
 * closed after the last, its faults and request log cleared before each test.
 */
export function useMlflowStandIn(
  onStart: (stand: MlflowStandIn) => void,
  options: StandInOptions = {}
): void {
  let stand: MlflowStandIn
  beforeAll(async () => {
    stand = await startMlflowStandIn(options)
    onStart(stand)
  })
  afterAll(async () => {
    await stand.close()
  })
  beforeEach(() => {
    stand.clearFaults()
    stand.resetLog()
  })
}

/** A registry on the stand-in: no real waiting between retries, fixed jitter. */
export function registryOn(
  stand: MlflowStandIn,
  options: Partial<MlflowRegistryOptions> = {}
): MlflowRegistry {
  return createMlflowRegistry({
    trackingUri: stand.url,
    fetch: globalThis.fetch,
    retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 2_000, deadlineMs: 30_000 },
    sleep: async () => undefined,
    random: () => 0.5,
    ...options
  })
}

let models = 0
const round = (n: number) => Math.round(n * 1000) / 1000

/**
 * A policy of `model` kept in the MLflow registry at `url` (the stand-in's), accuracy maximized,
 * with `stages` (the YAML under `stages:`).
 */
export function mlflowPolicy(model: string, url: string, stages: string): string {
  return `model: ${model}
registry: { type: mlflow, uri: "${url}" }
metrics:
  accuracy: { goal: maximize }
stages:
${stages}`
}

/** A fresh model with `count` READY versions, each from a run with metrics and a signature tag. */
export function seedModel(stand: MlflowStandIn, count = 3, prefix = 'churn'): string {
  const name = `${prefix}-${++models}`
  stand.createModel(name)
  for (let i = 1; i <= count; i++) {
    const runId = stand.createRun({
      metrics: { accuracy: [0.5, round(0.8 + i / 100)], roc_auc: round(0.85 + i / 100) },
      tags: { 'mlflow.user': 'trainer' }
    })
    stand.createVersion(name, {
      runId,
      source: `runs:/${runId}/model`,
      tags: { 'modelgate.signature': SIGNATURE_TAG }
    })
  }
  return name
}

let ucModels = 0

/**
 * A fresh Unity Catalog model `main.<schema>.churn_<n>` with `versions` READY versions, each from
 * a run with one accuracy; `signed` gives each a Databricks source and the UC signature tag.
 */
export function seedUcModel(
  stand: MlflowStandIn,
  { schema, versions = 3, signed = false }: { schema: string; versions?: number; signed?: boolean }
): string {
  const name = `main.${schema}.churn_${++ucModels}`
  stand.createModel(name)
  for (let i = 1; i <= versions; i++) {
    const runId = stand.createRun({ metrics: { accuracy: 0.8 + i / 100 } })
    stand.createVersion(
      name,
      signed
        ? {
            runId,
            source: `dbfs:/databricks/mlflow/${runId}/artifacts/model`,
            tags: { modelgate_signature: SIGNATURE_TAG }
          }
        : { runId }
    )
  }
  return name
}

let legacyModels = 0

/** A fresh model for the legacy-stage mode: `versions` versions, each from a run with accuracy 0.8. */
export function seedLegacyModel(stand: MlflowStandIn, versions = 3, prefix = 'legacy'): string {
  const name = `${prefix}-${++legacyModels}`
  stand.createModel(name)
  for (let i = 1; i <= versions; i++) {
    stand.createVersion(name, { runId: stand.createRun({ metrics: { accuracy: 0.8 } }) })
  }
  return name
}

/** The tags on one version, as the stand-in holds them. */
export function versionTags(
  stand: MlflowStandIn,
  model: string,
  version: string
): Map<string, string> {
  const tags = stand.models.get(model)?.versions.get(version)?.tags
  if (!tags) throw new Error(`no version ${version} of ${model}`)
  return tags
}

/** Fills a version with a team's tags (`team_tag_<n>`, none of them ModelGate's) until it has `count`. */
export function fillVersionTags(
  stand: MlflowStandIn,
  model: string,
  version: string,
  count: number
): void {
  const tags = versionTags(stand, model, version)
  for (let i = 0; tags.size < count; i++) tags.set(`team_tag_${i}`, 'x')
}

/** The id of the stage's newest history entry: the write's event id is `<model>@<alias>#<id>`. */
export function newestEntryId(
  stand: MlflowStandIn,
  model: string,
  uc: boolean,
  alias = 'production'
): string {
  const history = JSON.parse(stand.snapshot(model).tags[tagKeys(uc).history(alias)] ?? '[]')
  return (history as Array<{ id: string }>)[0]?.id ?? ''
}

export function written(result: WriteResult) {
  if (!result.written) throw new Error(`expected a write, got ${JSON.stringify(result)}`)
  return result
}

/** The JSON value of a tag, parsed. */
export function tagJson(tags: Record<string, string>, key: string): unknown {
  const value = tags[key]
  if (value === undefined) throw new Error(`no tag ${key} in ${JSON.stringify(tags)}`)
  return JSON.parse(value)
}

export async function rejection(
  promise: Promise<unknown>
): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection')
}
