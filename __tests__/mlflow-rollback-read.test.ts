/**
 * A rollback's stage, status, history and taken-out facts read the same whatever the rollback
 * wrote (issue 11, "mlflow_rollback_calls ≤ 8": a rollback no longer writes the restored
 * version's `modelgate.promoted.<alias>` when the history entry and the record tags say all it
 * would). The golden was captured from the adapter as it was before that change (the audit tag
 * written on every rollback), for the same scenario; the stored state of that time is read back
 * too, so registries written by an older ModelGate read as they did.
 *
 * Regenerate (only on purpose, with the old writer): MODELGATE_UPDATE_GOLDEN=1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { WrittenRecord } from '../src/audit/record.js'
import type { AuditFacts } from '../src/registry/port.js'
import type { MlflowRegistry } from '../src/registry/mlflow/index.js'
import { startMlflowStandIn, type MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import { registryOn, useMlflowStandIn, written } from './helpers/mlflow-fixtures.js'

let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started))

const GOLDEN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'mlflow-rollback-read.golden.json'
)
const update = process.env.MODELGATE_UPDATE_GOLDEN === '1'

type Backend = 'oss' | 'uc'
interface Stored {
  aliases: Record<string, string>
  tags: Record<string, string>
  versions: Record<string, { stage: string; tags: Record<string, string> }>
}
interface Golden {
  reads: Record<string, unknown>
  state: Record<string, Stored>
}

/**
 * The records the scenario wrote when the golden was captured, kept as they were (the golden's
 * reads and stored state hold them): not valid AuditRecords, which the port took as any JSON
 * then. The port takes a WrittenRecord now; only this golden scenario passes these for one.
 */
const record = (label: string) =>
  ({
    schema: 'modelgate.audit/v1',
    kind: label,
    decision: 'pass',
    notes: `record of ${label}, ünïcode ✅`
  }) as unknown as WrittenRecord

/** The time each write reads: moved on by a minute between writes only (the same whatever calls a write makes). */
let clock = 0

function registryFor(backend: Backend): MlflowRegistry {
  return registryOn(stand, {
    now: () => clock,
    ...(backend === 'uc' ? { unityCatalog: true } : {})
  })
}

function seed(name: string, versions: number, tags?: Stored): void {
  stand.createModel(name, tags?.tags ?? {})
  for (let i = 1; i <= versions; i++) {
    stand.createVersion(name, {
      source: `s3://bucket/${i}`,
      tags: tags?.versions[String(i)]?.tags ?? {}
    })
  }
  for (const [alias, version] of Object.entries(tags?.aliases ?? {})) {
    stand.setAlias(name, alias, version)
  }
}

/** What every reader says about the model, without the stand-in's own clock (registrations). */
async function reads(registry: MlflowRegistry, model: string): Promise<unknown> {
  const history = (await registry.history(model)).filter(e => e.kind !== 'registration')
  const out = {
    getStage: await registry.getStage(model, 'production'),
    status: await registry.status(model),
    history,
    version1: (await registry.getVersion(model, '1'))?.stages,
    takenOut2: await registry.takenOutOf(model, '2', 'production'),
    takenOut3: await registry.takenOutOf(model, '3', 'production')
  }
  return JSON.parse(JSON.stringify(out).split(model).join('<model>'))
}

const alice: AuditFacts = { actor: 'alice', actorEmail: 'alice@example.com' }
const bob: AuditFacts = { actor: 'bob', reason: 'accuracy dropped in production' }

/** 1, then 2 replacing it, then 3, rolled back to 2, rolled back again to 1 (each with a record). */
async function scenario(backend: Backend, model: string): Promise<void> {
  seed(model, 3)
  clock = Date.parse('2026-11-20T10:00:00Z')
  // One registry a write, as one a command (its call budget starts with it).
  for (const version of ['1', '2', '3']) {
    clock += 60_000
    written(
      await registryFor(backend).assign(model, version, 'production', {
        ...alice,
        record: record(`promote ${version}`)
      })
    )
  }
  clock += 60_000
  written(
    await registryFor(backend).rollback(model, 'production', undefined, {
      ...bob,
      record: record('rb 1')
    })
  )
  clock += 60_000
  written(
    await registryFor(backend).rollback(model, 'production', undefined, {
      ...bob,
      reason: 'second look',
      record: record('rb 2')
    })
  )
}

const name = (backend: Backend, what: string) =>
  backend === 'uc' ? `main.rbread.${what}` : `rbread-${what}`

describe('a rollback reads the same as before the audit tag was left out', () => {
  const golden: Golden | undefined =
    !update && existsSync(GOLDEN) ? (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden) : undefined
  const captured: Golden = { reads: {}, state: {} }
  afterAll(() => {
    if (update) writeFileSync(GOLDEN, `${JSON.stringify(captured, null, 2)}\n`)
  })

  for (const backend of ['oss', 'uc'] as const) {
    it(`${backend}: getStage, status, history and takenOutOf after two rollbacks`, async () => {
      const model = name(backend, 'fresh')
      await scenario(backend, model)
      const now = await reads(registryFor(backend), model)
      captured.reads[backend] = now
      captured.state[backend] = stand.snapshot(model)
      if (update) return
      // The new format: the restored version's audit tag still describes its promotion.
      const key =
        backend === 'uc' ? 'modelgate_promoted_production' : 'modelgate.promoted.production'
      const tag = JSON.parse(stand.snapshot(model).versions['1']?.tags[key] ?? '{}') as {
        action?: string
      }
      expect(tag.action).toBe('assign')
      expect(golden).toBeDefined()
      expect(now).toEqual(golden?.reads[backend])
    })

    it(`${backend}: a registry written before the change (the audit tag on each rollback) reads the same`, async () => {
      if (update) return
      const old = golden?.state[backend] as Stored
      expect(old).toBeDefined()
      // Its own stand-in: the stored tags name the model, so it keeps the same name.
      const main = stand
      stand = await startMlflowStandIn()
      try {
        const model = name(backend, 'fresh')
        seed(model, 3, old)
        expect(stand.snapshot(model)).toEqual(old)
        expect(await reads(registryFor(backend), model)).toEqual(golden?.reads[backend])
      } finally {
        await stand.close()
        stand = main
      }
    })
  }
  it('a rollback whose reason the history cuts still writes the audit tag, which keeps it whole', async () => {
    const model = name('oss', 'long-reason')
    seed(model, 2)
    clock = Date.parse('2026-11-21T10:00:00Z')
    written(await registryFor('oss').assign(model, '1', 'production', alice))
    clock += 60_000
    written(await registryFor('oss').assign(model, '2', 'production', alice))
    clock += 60_000
    const reason = `drift: ${'x'.repeat(300)}`
    written(
      await registryFor('oss').rollback(model, 'production', undefined, {
        ...bob,
        reason,
        record: record('long')
      })
    )
    const tag = JSON.parse(
      stand.snapshot(model).versions['1']?.tags['modelgate.promoted.production'] ?? '{}'
    ) as { action?: string }
    expect(tag.action).toBe('rollback')
    const holder = await registryFor('oss').getStage(model, 'production')
    expect(holder?.audit).toMatchObject({ action: 'rollback', reason, record: record('long') })
  })
})
