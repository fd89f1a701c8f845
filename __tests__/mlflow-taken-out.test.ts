/**
 * takenOutOf on MLflow: the removal mark a rollback or an unassignment leaves on the version it
 * takes out, cleared by the write that puts it back, kept whatever the history trims; and the
 * 3 a.m. path (rollback, unassign) never refused for want of room among Unity Catalog's 50 tags.
 */
import type { AuditRecord } from '../src/audit/record.js'
import { tagKeys, UC_MAX_TAGS_PER_VERSION } from '../src/registry/mlflow/names.js'
import type { MlflowRegistry } from '../src/registry/mlflow/index.js'
import {
  MAX_RECORD_BYTES,
  MAX_RECORD_TAGS,
  recordTags,
  sha256Hex
} from '../src/registry/mlflow/record-tags.js'
import { UC_TAG_VALUE_LIMIT } from '../src/registry/mlflow/names.js'
import type { AuditFacts } from '../src/registry/port.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  alice,
  bob,
  fillVersionTags,
  newestEntryId,
  registryOn,
  rejection,
  seedLegacyModel,
  seedModel,
  seedUcModel,
  useMlflowStandIn,
  versionTags,
  written
} from './helpers/mlflow-fixtures.js'
import { auditRecord, prRecord } from './helpers/audit-records.js'

let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started))

const ucModel = () => seedUcModel(stand, { schema: 'removals' })
const legacyModel = () => seedLegacyModel(stand, 3, 'legacy-removals')

/** A sha256-laden record of about `files` files: a 20 KB one takes 10 tags on Unity Catalog. */
function bigRecord(files: number): AuditRecord {
  return auditRecord({
    artifact: {
      files: Array.from({ length: files }, (_, i) => ({
        path: `model/shard-${i}.bin`,
        sha256: sha256Hex(`file ${i}`),
        size: i
      })),
      totalBytes: 0
    }
  })
}

const forced = (reason: string): AuditFacts => ({ actor: 'carol', reason, forced: true })

describe.each([
  { label: 'OSS', uc: false, model: () => seedModel(stand) },
  { label: 'Unity Catalog', uc: true, model: () => ucModel() }
])('takenOutOf ($label)', ({ uc, model: seed }) => {
  const keys = tagKeys(uc)
  const open = () => registryOn(stand, { unityCatalog: uc })

  it('a rollback marks the version it takes out; a forced re-promotion clears it; a second rollback marks it again', async () => {
    const model = seed()
    const registry = open()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    expect(await registry.takenOutOf(model, '2', 'production')).toBeUndefined()

    written(await registry.rollback(model, 'production', undefined, bob))
    const id = newestEntryId(stand, model, uc)
    const mark = JSON.parse(versionTags(stand, model, '2').get(keys.removed('production')) ?? '{}')
    expect(mark).toEqual({
      removed: true,
      kind: 'rollback',
      stage: 'production',
      at: expect.any(String),
      by: 'bob',
      reason: bob.reason,
      id
    })
    stand.resetLog()
    const removal = await registry.takenOutOf(model, '2', 'production')
    expect(stand.count()).toBe(1)
    expect(removal).toEqual({
      at: new Date(mark.at),
      by: 'bob',
      reason: bob.reason,
      eventId: `${model}@production#${id}`
    })
    // The event id is the rollback's, as history names it.
    const events = await registry.history(model)
    expect(events.find(e => e.id === removal?.eventId)?.summary).toContain('Roll back')
    // Another stage, the restored version, a version never promoted: no removal.
    expect(await registry.takenOutOf(model, '2', 'staging')).toBeUndefined()
    expect(await registry.takenOutOf(model, '1', 'production')).toBeUndefined()
    expect(await registry.takenOutOf(model, '3', 'production')).toBeUndefined()
    expect(await registry.takenOutOf(model, '99', 'production')).toBeUndefined()

    // Forced back in: the mark goes, with one write more than a promotion of an unmarked version.
    stand.resetLog()
    written(await registry.assign(model, '2', 'production', forced('hotfix verified')))
    const deletes = stand.writes().filter(w => w.method === 'DELETE')
    expect(deletes.map(w => (w.body as { key: string }).key)).toEqual([keys.removed('production')])
    expect(versionTags(stand, model, '2').has(keys.removed('production'))).toBe(false)
    expect(await registry.takenOutOf(model, '2', 'production')).toBeUndefined()
    // The history's summary says it was forced (issue 12): the entry keeps the flag.
    expect((await open().history(model))[0]?.summary).toBe(
      `Promote ${model} 2 to production (replacing 1), forced past the gates`
    )

    // Rolled back again: marked again, by the new rollback.
    written(await registry.rollback(model, 'production', '1', { actor: 'dave', reason: 'again' }))
    expect(await registry.takenOutOf(model, '2', 'production')).toEqual({
      at: expect.any(Date),
      by: 'dave',
      reason: 'again',
      eventId: `${model}@production#${newestEntryId(stand, model, uc)}`
    })
  })

  it('an unassignment marks the version; any promotion back clears it', async () => {
    const model = seed()
    const registry = open()
    written(await registry.assign(model, '1', 'staging', alice))
    written(await registry.unassign(model, '1', 'staging', { actor: 'erin' }))
    expect(await registry.takenOutOf(model, '1', 'staging')).toEqual({
      at: expect.any(Date),
      by: 'erin',
      eventId: `${model}@staging#${newestEntryId(stand, model, uc, 'staging')}`
    })
    written(await registry.assign(model, '1', 'staging', alice))
    expect(versionTags(stand, model, '1').has(keys.removed('staging'))).toBe(false)
    expect(await registry.takenOutOf(model, '1', 'staging')).toBeUndefined()
  })

  it('a promotion of an unmarked version writes what it wrote before, and reads no more', async () => {
    const model = seed()
    const registry = open()
    written(await registry.assign(model, '1', 'production', alice))
    stand.resetLog()
    written(await registry.assign(model, '2', 'production', alice, { archiveReplaced: true }))
    expect(stand.count()).toBe(8)
    expect(stand.writes().some(w => w.method === 'DELETE')).toBe(false)
  })

  it('the mark outlives the history: later writes trim the rollback out of it (10 on Unity Catalog)', async () => {
    const model = seed()
    const registry = open()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    written(await registry.rollback(model, 'production', undefined, bob))
    const id = newestEntryId(stand, model, uc)
    for (let i = 0; i < (uc ? 10 : 20); i++) {
      written(
        await registry.assign(model, i % 2 === 0 ? '3' : '1', 'production', {
          actor: 'alice',
          reason: `routine release ${i} `.repeat(20)
        })
      )
    }
    const history = JSON.parse(stand.snapshot(model).tags[keys.history('production')] ?? '[]')
    expect(history.map((e: { id: string }) => e.id)).not.toContain(id)
    if (uc) expect(history.length).toBeLessThanOrEqual(4)
    expect(await registry.takenOutOf(model, '2', 'production')).toMatchObject({
      by: 'bob',
      reason: bob.reason,
      eventId: `${model}@production#${id}`
    })
  })

  it('a version put back in the stage outside ModelGate is not taken out while it holds it', async () => {
    const model = seed()
    const registry = open()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    written(await registry.rollback(model, 'production', undefined, bob))
    stand.setAlias(model, 'production', '2')
    expect(await registry.takenOutOf(model, '2', 'production')).toBeUndefined()
    // A re-run of the promotion finishes the job: the stale mark goes.
    written(await registry.assign(model, '2', 'production', alice))
    expect(versionTags(stand, model, '2').has(keys.removed('production'))).toBe(false)
  })

  it('a mark it cannot read still counts (fails closed); a long reason is cut to fit the tag', async () => {
    const model = seed()
    const registry = open()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    const reason = 'the model drifted — ' + 'détails '.repeat(800)
    written(await registry.rollback(model, 'production', undefined, { actor: 'bob', reason }))
    const value = versionTags(stand, model, '2').get(keys.removed('production')) ?? ''
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(uc ? 1000 : 5000)
    const removal = await registry.takenOutOf(model, '2', 'production')
    expect(removal?.reason?.endsWith('…')).toBe(true)
    expect(reason.startsWith(removal?.reason?.slice(0, -1) ?? '-')).toBe(true)

    versionTags(stand, model, '2').set(keys.removed('production'), '{"removed":true,"kind":"oops"}')
    expect(await registry.takenOutOf(model, '2', 'production')).toMatchObject({
      by: 'unknown',
      reason: expect.stringContaining('is not a valid removal mark'),
      eventId: `${model}@production`
    })
    versionTags(stand, model, '2').set(keys.removed('production'), 'not json')
    expect((await registry.takenOutOf(model, '2', 'production'))?.at.getTime()).not.toBeNaN()
  })
})

describe('takenOutOf with legacy stages', () => {
  const legacy = () => registryOn(stand, { legacyStages: true })

  it('a rollback marks the version moved out of the stage; a promotion back clears it', async () => {
    const model = legacyModel()
    const registry = legacy()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    written(await registry.rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).versions['2']?.stage).toBe('None')
    expect(versionTags(stand, model, '2').has('modelgate.removed.production')).toBe(true)
    expect(await registry.takenOutOf(model, '2', 'production')).toMatchObject({
      by: 'bob',
      reason: bob.reason,
      eventId: expect.stringContaining(`${model}@production#`)
    })
    expect(await registry.takenOutOf(model, '1', 'production')).toBeUndefined()
    written(await registry.assign(model, '2', 'production', forced('fixed')))
    expect(versionTags(stand, model, '2').has('modelgate.removed.production')).toBe(false)
    expect(await registry.takenOutOf(model, '2', 'production')).toBeUndefined()

    written(await registry.unassign(model, '2', 'production', alice))
    expect(await registry.takenOutOf(model, '2', 'production')).toMatchObject({ by: 'alice' })
  })
})

describe(`Unity Catalog: a version near ${UC_MAX_TAGS_PER_VERSION} tags never blocks a rollback or an unassignment`, () => {
  const uc = () => registryOn(stand, { unityCatalog: true })
  const keys = tagKeys(true)
  const record = bigRecord(160)

  const fill = (model: string, version: string, count: number) =>
    fillVersionTags(stand, model, version, count)

  it('the record takes 10 tags here', () => {
    expect(recordTags(keys, 'x', record, UC_TAG_VALUE_LIMIT).parts.length + 1).toBe(10)
  })

  it('rolling back to a full version: the record kept as a summary, then not at all; nothing refused', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    // Version 1 has its audit tag and record header; 8 more tags leave room for 1, not 10.
    fill(model, '1', UC_MAX_TAGS_PER_VERSION - 1)
    const result = written(
      await registry.rollback(model, 'production', undefined, { ...bob, record })
    )
    expect(stand.snapshot(model).aliases.production).toBe('1')
    expect(versionTags(stand, model, '1').size).toBe(UC_MAX_TAGS_PER_VERSION)
    expect(result.events[0]?.audit).toMatchObject({
      record,
      recordTruncated: true,
      recordTruncatedReason: expect.stringContaining('had room for 1 more')
    })
    const holder = await registry.getStage(model, 'production')
    expect(holder?.audit?.record).toMatchObject({
      recordTruncated: true,
      why: expect.stringContaining('the record would take 10 tags'),
      sha256: sha256Hex(JSON.stringify(record)),
      keys: Object.keys(record)
    })
    const [event] = (await registry.history(model)).filter(e => e.kind === 'assignment')
    expect(event?.audit?.record).toMatchObject({ recordTruncated: true })
    expect(await registry.takenOutOf(model, '2', 'production')).toMatchObject({ by: 'bob' })

    // Now full: the next rollback into it keeps no record on it, and still goes through.
    written(await registry.assign(model, '2', 'production', forced('try again')))
    written(await registry.rollback(model, 'production', '1', { ...bob, record }))
    expect(stand.snapshot(model).aliases.production).toBe('1')
    expect(versionTags(stand, model, '1').size).toBe(UC_MAX_TAGS_PER_VERSION)
    const audit = JSON.parse(
      versionTags(stand, model, '1').get(keys.promoted('production')) ?? '{}'
    )
    expect(audit).toMatchObject({
      action: 'rollback',
      recordTruncated: true,
      record: { truncated: true }
    })
    expect(audit.record).not.toHaveProperty('tag')
    const [latest] = (await registry.history(model)).filter(e => e.kind === 'assignment')
    expect(latest?.audit).not.toHaveProperty('record')
  })

  it('rolling back out of a full version: the mark takes the place of its audit tag for the stage', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', { ...alice, record }))
    fill(model, '2', UC_MAX_TAGS_PER_VERSION)
    const before = new Map(versionTags(stand, model, '2'))
    written(await registry.rollback(model, 'production', undefined, bob))
    expect(stand.snapshot(model).aliases.production).toBe('1')
    const tags = versionTags(stand, model, '2')
    expect(tags.size).toBe(UC_MAX_TAGS_PER_VERSION)
    expect(tags.has(keys.removed('production'))).toBe(false)
    expect(JSON.parse(tags.get(keys.promoted('production')) ?? '{}')).toMatchObject({
      removed: true,
      kind: 'rollback',
      by: 'bob'
    })
    // Its record tags are untouched: history still has the promotion's record.
    for (const [key, value] of before)
      if (key !== keys.promoted('production')) expect(tags.get(key)).toBe(value)
    const promotion = (await registry.history(model)).find(
      e => e.kind === 'assignment' && e.version === '2'
    )
    expect(promotion?.audit?.record).toEqual(record)
    expect(await registry.takenOutOf(model, '2', 'production')).toMatchObject({
      by: 'bob',
      reason: bob.reason,
      eventId: `${model}@production#${newestEntryId(stand, model, true)}`
    })
    // A forced promotion back overwrites it with its own audit: no longer taken out.
    written(await registry.assign(model, '2', 'production', forced('fixed')))
    expect(await registry.takenOutOf(model, '2', 'production')).toBeUndefined()
    expect((await registry.getStage(model, 'production'))?.assignedBy).toBe('carol')
  })

  it('unassigning a version near the limit: the mark first, the record as a summary; the accounting counts both', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    // Room for 2: the mark and a summary, not the mark and the 10-tag record.
    fill(model, '1', UC_MAX_TAGS_PER_VERSION - 2)
    const result = written(await registry.unassign(model, '1', 'production', { ...bob, record }))
    expect(result.events[0]?.audit).toMatchObject({ recordTruncated: true })
    expect(versionTags(stand, model, '1').size).toBe(UC_MAX_TAGS_PER_VERSION)
    expect(stand.snapshot(model).aliases).toEqual({ 'production-previous': '1' })
    expect(await registry.takenOutOf(model, '1', 'production')).toMatchObject({ by: 'bob' })
    const [event] = (await registry.history(model)).filter(e => e.kind === 'unassignment')
    expect(event?.audit?.record).toMatchObject({
      recordTruncated: true,
      keys: Object.keys(record)
    })
  })

  it('unassigning a full version: the mark in place of its audit tag, no record on it', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    fill(model, '1', UC_MAX_TAGS_PER_VERSION)
    written(await registry.unassign(model, '1', 'production', { ...bob, record }))
    expect(stand.snapshot(model).aliases).toEqual({ 'production-previous': '1' })
    expect(versionTags(stand, model, '1').size).toBe(UC_MAX_TAGS_PER_VERSION)
    expect(await registry.takenOutOf(model, '1', 'production')).toMatchObject({ by: 'bob' })
    const [event] = (await registry.history(model)).filter(e => e.kind === 'unassignment')
    expect(event?.audit).not.toHaveProperty('record')
  })

  /** A clock a second apart each reading: the records' ids (and so their age) are in write order. */
  const ticking = () => {
    let at = Date.parse('2026-11-23T10:00:00Z')
    return () => (at += 1000)
  }

  it('rolling back out of a full version with no audit tag for the stage: the oldest ModelGate record goes, the mark is written', async () => {
    const model = ucModel()
    const registry = registryOn(stand, {
      unityCatalog: true,
      now: ticking(),
      // A second per clock reading is not time spent: no command budget here.
      commandBudgetMs: Infinity
    })
    written(await registry.assign(model, '1', 'production', alice))
    // Version 2 carries two ModelGate records (staging, then canary); production was set by hand.
    written(await registry.assign(model, '2', 'staging', { ...alice, record }))
    const oldest = newestEntryId(stand, model, true, 'staging')
    written(await registry.assign(model, '2', 'canary', { ...alice, record: prRecord(8) }))
    const newer = newestEntryId(stand, model, true, 'canary')
    stand.setAlias(model, 'production', '2')
    const tags = versionTags(stand, model, '2')
    // A tag that only looks like ModelGate's is never deleted.
    tags.set(`${keys.auditHeader('')}team_notes`, 'kept by the team')
    fill(model, '2', UC_MAX_TAGS_PER_VERSION)
    expect(tags.has(keys.promoted('production'))).toBe(false)
    const before = new Map(tags)
    const evicted = [...before.keys()].filter(k => k.startsWith(keys.auditHeader(oldest)))
    expect(evicted).toHaveLength(10)

    const result = written(await registry.rollback(model, 'production', '1', bob))
    expect(stand.snapshot(model).aliases.production).toBe('1')
    const after = versionTags(stand, model, '2')
    // The oldest record's 10 tags went; the mark took one of them; nothing else was touched.
    expect(after.size).toBe(UC_MAX_TAGS_PER_VERSION - 10 + 1)
    for (const [key, value] of before) {
      if (evicted.includes(key)) expect(after.has(key)).toBe(false)
      else expect(after.get(key)).toBe(value)
    }
    expect(after.has(keys.auditHeader(newer))).toBe(true)
    const id = newestEntryId(stand, model, true)
    expect(JSON.parse(after.get(keys.removed('production')) ?? '{}')).toMatchObject({
      removed: true,
      kind: 'rollback',
      by: 'bob',
      id
    })
    expect(await registry.takenOutOf(model, '2', 'production')).toEqual({
      at: expect.any(Date),
      by: 'bob',
      reason: bob.reason,
      eventId: `${model}@production#${id}`
    })
    // Said in the write's event (its summary and audit) and in the audit tag it left on 1.
    const [event] = result.events
    expect(event?.audit).toMatchObject({ evicted: [oldest] })
    expect(event?.audit).not.toHaveProperty('notMarked')
    expect(event?.summary).toContain(
      `to mark 2 as taken out, deleted the oldest audit record ModelGate kept on it (${oldest})`
    )
    const audit = JSON.parse(
      versionTags(stand, model, '1').get(keys.promoted('production')) ?? '{}'
    )
    expect(audit).toMatchObject({ action: 'rollback', evicted: [oldest] })
    // History says the staging record is gone from the registry rather than inventing one.
    const staging = (await registry.history(model)).find(e => e.stage === 'staging')
    expect(staging?.audit?.record).toMatchObject({
      damaged: true,
      problem: expect.stringContaining('is missing')
    })
  })

  it('unassigning a full version with no audit tag for the stage: the oldest record makes room for the mark, then a summary', async () => {
    const model = ucModel()
    const registry = registryOn(stand, {
      unityCatalog: true,
      now: ticking(),
      // A second per clock reading is not time spent: no command budget here.
      commandBudgetMs: Infinity
    })
    written(await registry.assign(model, '1', 'staging', { ...alice, record }))
    const oldest = newestEntryId(stand, model, true, 'staging')
    stand.setAlias(model, 'production', '1')
    fill(model, '1', UC_MAX_TAGS_PER_VERSION)
    const result = written(await registry.unassign(model, '1', 'production', { ...bob, record }))
    expect(stand.snapshot(model).aliases).toEqual({
      staging: '1',
      'production-previous': '1'
    })
    expect(await registry.takenOutOf(model, '1', 'production')).toMatchObject({ by: 'bob' })
    expect(result.events[0]?.audit).toMatchObject({ evicted: [oldest], recordTruncated: true })
    expect(result.events[0]?.summary).toContain(`(${oldest})`)
    // 10 freed: 1 for the mark, the rest would not hold the 10-tag record, so its summary.
    expect(versionTags(stand, model, '1').size).toBe(UC_MAX_TAGS_PER_VERSION - 10 + 2)
  })

  it('rolling back out of a version full of tags ModelGate did not write: goes through, unmarked, and says so', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    stand.setAlias(model, 'production', '2')
    versionTags(stand, model, '2').set(`${keys.auditHeader('')}team_notes`, '{"parts":0}')
    fill(model, '2', UC_MAX_TAGS_PER_VERSION)
    const before = stand.snapshot(model).versions['2']
    const result = written(await registry.rollback(model, 'production', '1', bob))
    expect(stand.snapshot(model).aliases.production).toBe('1')
    expect(stand.snapshot(model).versions['2']).toEqual(before)
    expect(await registry.takenOutOf(model, '2', 'production')).toBeUndefined()
    const [event] = result.events
    expect(event?.summary).toContain('not marked as taken out: no tag room on version 2')
    expect(event?.summary).toContain('the rolled_back gate cannot see')
    expect(event?.audit).toMatchObject({
      notMarked: expect.stringContaining('no tag room on version 2')
    })
    expect(event?.audit).not.toHaveProperty('evicted')
  })

  it('a promotion into a full version is still refused before anything is written', async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    fill(model, '2', UC_MAX_TAGS_PER_VERSION - 1)
    const before = stand.snapshot(model)
    const error = await rejection(registry.assign(model, '2', 'production', { ...alice, record }))
    expect(error.message).toContain('more than the 50 Unity Catalog allows on a model version')
    expect(stand.snapshot(model)).toEqual(before)
  })

  it(`a record over ${MAX_RECORD_TAGS} tags is summarised on a rollback, refused on a promotion`, async () => {
    const model = ucModel()
    const registry = uc()
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    const huge = bigRecord(400)
    await expect(
      registry.assign(model, '3', 'production', { ...alice, record: huge })
    ).rejects.toThrow(`more than the ${MAX_RECORD_TAGS} ModelGate gives one record`)
    const result = written(
      await registry.rollback(model, 'production', undefined, { ...bob, record: huge })
    )
    expect(result.events[0]?.audit).toMatchObject({
      recordTruncated: true,
      recordTruncatedReason: expect.stringContaining(`more than the ${MAX_RECORD_TAGS}`)
    })
  })
})

describe(`a record over ${MAX_RECORD_BYTES} bytes of JSON (however well it compresses)`, () => {
  it('is refused on a promotion and summarised on a rollback', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.assign(model, '2', 'production', alice))
    const record = auditRecord({ reason: 'x'.repeat(MAX_RECORD_BYTES) })
    await expect(registry.assign(model, '3', 'production', { ...alice, record })).rejects.toThrow(
      'of JSON, more than the 1024.0 KB ModelGate keeps on a version. Nothing was written.'
    )
    const result = written(await registry.rollback(model, 'production', '1', { ...bob, record }))
    expect(result.events[0]?.audit).toMatchObject({ record, recordTruncated: true })
    const holder = await registry.getStage(model, 'production')
    expect(holder?.audit?.record).toMatchObject({
      recordTruncated: true,
      keys: Object.keys(record)
    })
  })
})

describe('call counts', () => {
  it('takenOutOf is one model-versions/get', async () => {
    const model = seedModel(stand)
    const registry: MlflowRegistry = registryOn(stand)
    stand.resetLog()
    await registry.takenOutOf(model, '1', 'production')
    expect(stand.log.map(r => [r.method, r.path])).toEqual([
      ['GET', '/api/2.0/mlflow/model-versions/get']
    ])
  })
})
