/** The whole audit record kept on the MLflow model version, gzip+base64 in its header tag (and parts when it does not fit), and read back. */
import { gunzipSync, gzipSync } from 'node:zlib'
import { AuditRecord } from '../src/audit/record.js'
import { ExitCode } from '../src/errors.js'
import {
  tagKeys,
  UC_MAX_TAGS_PER_VERSION,
  UC_TAG_VALUE_LIMIT,
  OSS_TAG_VALUE_LIMIT
} from '../src/registry/mlflow/names.js'
import type { MlflowRegistry } from '../src/registry/mlflow/index.js'
import {
  MAX_RECORD_BYTES,
  MAX_RECORD_TAGS,
  readRecordTags,
  recordSummaryTag,
  recordTags,
  sha256Hex
} from '../src/registry/mlflow/record-tags.js'
import { auditRecord, prRecord } from './helpers/audit-records.js'
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import {
  alice,
  bob,
  newestEntryId,
  registryOn,
  rejection,
  seedModel,
  seedUcModel,
  useMlflowStandIn,
  versionTags,
  written
} from './helpers/mlflow-fixtures.js'

let stand: MlflowStandIn
useMlflowStandIn(started => (stand = started))

/** Bytes of JSON auditLikeRecord gives its record beside the files (its `reason` pads it). */
const OWN_BYTES = 1_039

/**
 * An audit record (gates, metrics, file checksums, approvers) of about `bytes` bytes of JSON,
 * with text beyond ASCII; each file's sha256 is as random as a real one. Its own facts take
 * OWN_BYTES, so a record of `bytes` holds the number of files the sizes below were taken with.
 */
function auditLikeRecord(bytes: number, seed = 0): AuditRecord {
  const files: Array<{ path: string; sha256: string; size: number }> = []
  const record: AuditRecord = {
    ...auditRecord({
      gates: [
        { gate: 'thresholds', status: 'pass', summary: 'accuracy ≥ 0.8 — ok ✅', checks: [] },
        { gate: 'approvals', status: 'pass', summary: 'approved by José and 李 🚀' }
      ],
      metrics: {
        candidate: { accuracy: 0.8123456789, roc_auc: 0.9, 'f1 score': -0 },
        champion: null
      },
      pullRequest: { number: 42, approvers: [{ login: 'zoë' }] },
      trainingData: `seed ${seed}`,
      reason: ''
    }),
    artifact: { files, totalBytes: 0 }
  }
  const room = OWN_BYTES - Buffer.byteLength(JSON.stringify(record))
  record.reason = 'spaces   at   every   cut?   '.repeat(40).slice(0, room)
  for (let i = 0; Buffer.byteLength(JSON.stringify(record)) < bytes; i++) {
    files.push({
      path: `model/shard-${i} é😀.bin`,
      sha256: sha256Hex(`${seed}:${i}`),
      size: i * 1024
    })
  }
  return AuditRecord.parse(JSON.parse(JSON.stringify(record)))
}

const MODEL_FILES = ['MLmodel', 'model.pkl', 'conda.yaml', 'python_env.yaml', 'requirements.txt']

/** A promotion's audit record as `promotionAudit` makes it (valid against its schema), for a candidate of `fileCount` files. */
function realisticRecord(fileCount: number): AuditRecord {
  const hex = (what: string, length = 64) => sha256Hex(`${fileCount}:${what}`).slice(0, length)
  const files = Array.from({ length: fileCount }, (_, i) => ({
    path:
      MODEL_FILES[i] ??
      `model/weights/shard-${String(i).padStart(5, '0')}-of-${String(fileCount).padStart(5, '0')}.safetensors`,
    sha256: hex(`file ${i}`),
    size: 1_000 + ((i * 7_919_993) % 400_000_000)
  }))
  const check = (metric: string, candidate: number, champion: number, rule: string) => ({
    metric,
    candidate,
    champion,
    rule,
    status: 'pass'
  })
  return AuditRecord.parse({
    schema: 'modelgate.audit/v1',
    kind: 'promotion',
    written: true,
    model: 'churn-classifier',
    version: '12',
    from: 'staging',
    to: 'production',
    previous: '11',
    decision: 'pass',
    gates: [
      { gate: 'transition', status: 'pass', summary: 'staging → production is allowed' },
      {
        gate: 'thresholds',
        status: 'pass',
        summary: '3 of 3 metrics within bounds',
        checks: [
          { metric: 'auc', candidate: 0.9123, rule: '≥ 0.85', status: 'pass' },
          { metric: 'accuracy', candidate: 0.8841, rule: '≥ 0.8', status: 'pass' },
          { metric: 'latency_p95_ms', candidate: 41.2, rule: '≤ 60', status: 'pass' }
        ]
      },
      {
        gate: 'regression',
        status: 'pass',
        summary: 'no metric worse than allowed vs 11',
        checks: [
          check('auc', 0.9123, 0.9051, 'drop ≤ 0.01'),
          check('accuracy', 0.8841, 0.879, 'relative drop ≤ 1%')
        ]
      },
      { gate: 'schema', status: 'pass', summary: 'inputs and outputs backward compatible' },
      { gate: 'artifact', status: 'pass', summary: `${fileCount} files match checksums.sha256` },
      { gate: 'min-days', status: 'pass', summary: '3.2 days in staging (≥ 2)' },
      { gate: 'checks', status: 'pass', summary: '2 of 2 check runs succeeded' },
      { gate: 'approvals', status: 'pass', summary: '2 approvals (2 required): bob, carol' }
    ],
    metrics: {
      candidate: { auc: 0.9123, accuracy: 0.8841, f1: 0.7712, latency_p95_ms: 41.2 },
      champion: { auc: 0.9051, accuracy: 0.879, f1: 0.7655, latency_p95_ms: 44.8 }
    },
    artifact: { files, totalBytes: files.reduce((sum, file) => sum + file.size, 0) },
    signature: { source: 'MLmodel', sha256: hex('signature') },
    trainingData: 's3://acme-ml/churn/snapshots/2026-11-01',
    featureView: 'churn_features:v12',
    pullRequest: {
      number: 418,
      url: 'https://github.com/acme/models/pull/418',
      approvers: [
        { login: 'bob', commit: hex('head', 40) },
        { login: 'carol', commit: hex('head', 40) }
      ]
    },
    actor: 'mona',
    event: 'push',
    commitSha: hex('merge', 40),
    runUrl: 'https://github.com/acme/models/actions/runs/9876543210',
    timestamp: '2026-11-23T10:00:05.000Z',
    reason: null
  })
}

/** The tags a record takes on a backend: its header and its parts. */
function tagCount(record: AuditRecord, limit: number): number {
  return recordTags(tagKeys(limit === UC_TAG_VALUE_LIMIT), 'id', record, limit).parts.length + 1
}

/** The record's JSON from its header and parts, decoded by hand. */
function decodeByHand(keys: ReturnType<typeof tagKeys>, id: string, tags: Map<string, string>) {
  const header = JSON.parse(tags.get(keys.auditHeader(id)) ?? '{}')
  const data =
    header.data +
    Array.from({ length: header.parts }, (_, i) => tags.get(keys.auditPart(id, i + 1))).join('')
  return { header, json: gunzipSync(Buffer.from(data, 'base64')).toString('utf8') }
}

/** The tags of the old, uncompressed format: a header `{parts, bytes, sha256}`, the JSON in parts. */
function legacyTags(
  keys: ReturnType<typeof tagKeys>,
  id: string,
  record: Record<string, unknown>,
  limit: number
): Map<string, string> {
  const json = JSON.stringify(record)
  const chars = Array.from(json)
  const parts: string[] = []
  for (let start = 0; start < chars.length;) {
    let end = start
    let used = 0
    while (end < chars.length && used + Buffer.byteLength(chars[end] as string) <= limit) {
      used += Buffer.byteLength(chars[end] as string)
      end++
    }
    parts.push(chars.slice(start, end).join(''))
    start = end
  }
  const header = { parts: parts.length, bytes: Buffer.byteLength(json), sha256: sha256Hex(json) }
  return new Map([
    [keys.auditHeader(id), JSON.stringify(header)],
    ...parts.map((part, i): [string, string] => [keys.auditPart(id, i + 1), part])
  ])
}

const ucModel = () => seedUcModel(stand, { schema: 'audit' })

const backends = [
  {
    label: 'OSS',
    uc: false,
    limit: OSS_TAG_VALUE_LIMIT,
    model: () => seedModel(stand),
    registry: () => registryOn(stand)
  },
  {
    label: 'Unity Catalog',
    uc: true,
    limit: UC_TAG_VALUE_LIMIT,
    model: ucModel,
    registry: () => registryOn(stand, { unityCatalog: true })
  }
]

describe.each(backends)('a ~20 KB audit record on $label', backend => {
  const record = auditLikeRecord(20_000)
  const keys = tagKeys(backend.uc)

  async function promoted(): Promise<{ model: string; registry: MlflowRegistry; id: string }> {
    const model = backend.model()
    const registry = backend.registry()
    written(await registry.assign(model, '1', 'production', { ...alice, record: prRecord(1) }))
    written(await registry.assign(model, '2', 'production', { ...bob, record }))
    return { model, registry, id: newestEntryId(stand, model, backend.uc) }
  }

  it('is kept whole, gzip+base64, in tags within the limit, and read back deep-equal by history() and getStage()', async () => {
    const { model, registry, id } = await promoted()
    const tags = versionTags(stand, model, '2')
    const { header, json } = decodeByHand(keys, id, tags)
    expect(json).toBe(JSON.stringify(record))
    expect(header).toMatchObject({
      encoding: 'gzip+base64',
      // 20 KB of JSON, ~9 KB of base64: the header and 1 part (OSS), the header and 9 parts (UC).
      parts: backend.uc ? 9 : 1,
      bytes: Buffer.byteLength(JSON.stringify(record)),
      sha256: sha256Hex(JSON.stringify(record))
    })
    expect(tags.has(keys.auditPart(id, header.parts + 1))).toBe(false)
    for (const [key, value] of tags) {
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(backend.limit)
      expect(value.trim()).toBe(value)
      if (backend.uc) expect(key).toMatch(/^[A-Za-z0-9_]+$/)
    }
    // The header is filled before a part is used.
    expect(Buffer.byteLength(tags.get(keys.auditHeader(id)) ?? '')).toBe(backend.limit)

    const holder = await registry.getStage(model, 'production')
    expect(holder?.audit?.record).toEqual(record)
    expect(holder?.audit).toMatchObject({ id, action: 'assign', actor: 'bob' })

    const events = (await registry.history(model)).filter(e => e.kind === 'assignment')
    expect(events.map(e => e.version)).toEqual(['2', '1'])
    expect(events[0]?.audit?.record).toEqual(record)
    expect(events[0]?.audit).toMatchObject({ action: 'assign', from: '1', reason: bob.reason })
    expect(events[1]?.audit?.record).toEqual(prRecord(1))
  })

  it('the write answers with the whole record too', async () => {
    const model = backend.model()
    const result = written(
      await backend.registry().assign(model, '1', 'production', { ...alice, record })
    )
    expect(result.events[0]?.audit?.record).toEqual(record)
  })

  it('a damaged part is reported as damaged, not passed off as the record', async () => {
    const { model, registry, id } = await promoted()
    const tags = versionTags(stand, model, '2')
    const key = keys.auditPart(id, 1)
    const part = tags.get(key) ?? ''
    tags.set(key, part.slice(0, 100) + (part[100] === 'A' ? 'B' : 'A') + part.slice(101))
    const damaged = { damaged: true, tag: keys.auditHeader(id) }
    const holder = await registry.getStage(model, 'production')
    expect(holder?.audit?.record).toMatchObject(damaged)
    expect(String((holder?.audit?.record as { problem: string }).problem)).toMatch(
      /does not decompress|sha256/
    )
    const [event] = (await registry.history(model)).filter(e => e.version === '2')
    expect(event?.audit?.record).toMatchObject(damaged)
  })

  it('a missing part, or a missing header, is reported as damaged', async () => {
    const { model, registry, id } = await promoted()
    const tags = versionTags(stand, model, '2')
    tags.delete(keys.auditPart(id, 1))
    const holder = await registry.getStage(model, 'production')
    expect(holder?.audit?.record).toMatchObject({
      damaged: true,
      problem: expect.stringContaining('parts missing (1)')
    })
    tags.delete(keys.auditHeader(id))
    for (const record of [
      (await registry.getStage(model, 'production'))?.audit?.record,
      (await registry.history(model)).find(e => e.version === '2')?.audit?.record
    ]) {
      expect(record).toMatchObject({ damaged: true, problem: expect.stringContaining('missing') })
    }
  })

  it('a record in the old, uncompressed format (no encoding) is still read back', async () => {
    const { model, registry, id } = await promoted()
    const tags = versionTags(stand, model, '2')
    for (const key of [...tags.keys()]) {
      if (key.startsWith(keys.auditHeader(id))) tags.delete(key)
    }
    const legacy = legacyTags(keys, id, record, backend.limit)
    expect(legacy.size).toBeGreaterThan(backend.uc ? 20 : 4)
    for (const [key, value] of legacy) tags.set(key, value)
    expect((await registry.getStage(model, 'production'))?.audit?.record).toEqual(record)
    const [event] = (await registry.history(model)).filter(e => e.version === '2')
    expect(event?.audit?.record).toEqual(record)
    tags.delete(keys.auditPart(id, 2))
    expect((await registry.getStage(model, 'production'))?.audit?.record).toMatchObject({
      damaged: true,
      problem: expect.stringContaining('parts missing (2)')
    })
  })
})

describe('how many tags a record takes', () => {
  it('a small record is kept in the header alone: one tag, one write', async () => {
    for (const [uc, limit] of [
      [false, OSS_TAG_VALUE_LIMIT],
      [true, UC_TAG_VALUE_LIMIT]
    ] as const) {
      const keys = tagKeys(uc)
      const small = JSON.stringify(prRecord(1))
      const tags = recordTags(keys, 'id', prRecord(1), limit)
      expect(tags.parts).toEqual([])
      expect(JSON.parse(tags.header.value)).toEqual({
        encoding: 'gzip+base64',
        parts: 0,
        bytes: Buffer.byteLength(small),
        sha256: sha256Hex(small),
        data: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/)
      })
    }
  })

  // Realistic promotion records: each file's sha256 is random, and gzip cannot take hex below
  // about half its size, so the checksums are most of what is left.
  //   5 files:    2.6 KB of JSON,  1.6 KB gzip+base64: OSS 1 tag,  UC 2 tags
  //   200 files: 31.3 KB of JSON, 13.8 KB gzip+base64: OSS 3 tags, UC 15 tags
  it.each([
    [5, 2_693, 1, 2, 2, 4],
    [200, 32_094, 3, 15, 8, 34]
  ])(
    'a promotion record with %i files (%i bytes of JSON): %i tag(s) on OSS, %i on Unity Catalog (uncompressed: %i and %i)',
    (files, bytes, oss, uc, ossBefore, ucBefore) => {
      const record = realisticRecord(files)
      expect(Buffer.byteLength(JSON.stringify(record))).toBe(bytes)
      expect(tagCount(record, OSS_TAG_VALUE_LIMIT)).toBe(oss)
      expect(tagCount(record, UC_TAG_VALUE_LIMIT)).toBe(uc)
      const legacy = (limit: number) => legacyTags(tagKeys(false), 'id', record, limit).size
      expect([legacy(OSS_TAG_VALUE_LIMIT), legacy(UC_TAG_VALUE_LIMIT)]).toEqual([
        ossBefore,
        ucBefore
      ])
    }
  )

  it('every value fits, the header is filled first, and the data reads back, at every size and limit', () => {
    const keys = tagKeys(false)
    for (const limit of [400, 1000, 5000]) {
      for (let files = 0; files <= 120; files += 7) {
        const record = realisticRecord(files)
        const tags = recordTags(keys, 'id', record, limit)
        const header = JSON.parse(tags.header.value)
        expect(header.parts).toBe(tags.parts.length)
        for (const tag of [tags.header, ...tags.parts]) {
          expect(Buffer.byteLength(tag.value)).toBeLessThanOrEqual(limit)
          expect(tag.value.length).toBeGreaterThan(0)
        }
        if (tags.parts.length > 0) expect(Buffer.byteLength(tags.header.value)).toBe(limit)
        const map = new Map([...tags.parts, tags.header].map(t => [t.key, t.value]))
        // The adapter never writes more than MAX_RECORD_TAGS tags a record, and a reader takes no more.
        expect(readRecordTags(keys, 'id', map)).toEqual(
          tags.parts.length < MAX_RECORD_TAGS
            ? { ok: true, record }
            : {
                ok: false,
                damaged: expect.objectContaining({
                  problem: expect.stringContaining('more than ModelGate ever writes')
                })
              }
        )
      }
    }
  })
})

describe('a record too large to keep fails the write before anything is written', () => {
  it.each([
    ['Unity Catalog', true, 300],
    ['OSS', false, 1_600]
  ])(
    '%s: more than 20 tags is refused, naming the size and what to do',
    async (_label, uc, files) => {
      const model = uc ? ucModel() : seedModel(stand)
      const registry = registryOn(stand, { unityCatalog: uc })
      written(await registry.assign(model, '1', 'production', alice))
      const record = realisticRecord(files)
      const limit = uc ? UC_TAG_VALUE_LIMIT : OSS_TAG_VALUE_LIMIT
      expect(tagCount(record, limit)).toBeGreaterThan(MAX_RECORD_TAGS)
      const before = stand.snapshot(model)
      stand.resetLog()
      const error = await rejection(
        registry.assign(model, '2', 'production', { ...alice, record }, { archiveReplaced: true })
      )
      expect(error.name).toBe('InvalidInputError')
      expect(error.exitCode).toBe(ExitCode.Blocked)
      expect(error.message).toContain(`${model} version 2: the audit record of this write is`)
      expect(error.message).toMatch(/\d+\.\d KB of JSON \(\d+\.\d KB as gzip\+base64\)/)
      expect(error.message).toContain(`more than the ${MAX_RECORD_TAGS} ModelGate gives one record`)
      expect(error.message).toContain(
        `(${files} files): put fewer files in the candidate directory`
      )
      expect(error.message).toContain('Nothing was written')
      expect(stand.writes()).toEqual([])
      expect(stand.snapshot(model)).toEqual(before)
      // A dry run says so too.
      await expect(
        registry.assign(model, '2', 'production', { ...alice, record }, { dryRun: true })
      ).rejects.toThrow('put fewer files')
      expect(stand.writes()).toEqual([])
      // An unassignment (the 3 a.m. path) is never refused for it: it keeps a summary instead.
      const result = written(
        await registry.unassign(model, '1', 'production', { ...alice, record })
      )
      expect(result.events[0]?.audit).toMatchObject({
        record,
        recordTruncated: true,
        recordTruncatedReason: expect.stringContaining(`more than the ${MAX_RECORD_TAGS}`)
      })
      const [event] = (await registry.history(model)).filter(e => e.kind === 'unassignment')
      expect(event?.audit?.record).toMatchObject({
        recordTruncated: true,
        bytes: Buffer.byteLength(JSON.stringify(record)),
        sha256: sha256Hex(JSON.stringify(record)),
        keys: expect.arrayContaining(['schema', 'artifact'])
      })
    }
  )

  it(`Unity Catalog: a write that would take a version past ${UC_MAX_TAGS_PER_VERSION} tags is refused up front`, async () => {
    const model = ucModel()
    const registry = registryOn(stand, { unityCatalog: true })
    written(await registry.assign(model, '1', 'production', alice))
    const record = auditLikeRecord(20_000)
    expect(tagCount(record, UC_TAG_VALUE_LIMIT)).toBe(10)
    const tags = versionTags(stand, model, '2')
    for (let i = tags.size; i < UC_MAX_TAGS_PER_VERSION - 10; i++) tags.set(`team_tag_${i}`, 'x')
    // 40 tags, the record's 10 and the audit tag: one too many.
    const before = stand.snapshot(model)
    stand.resetLog()
    const error = await rejection(registry.assign(model, '2', 'production', { ...alice, record }))
    expect(error.exitCode).toBe(ExitCode.Blocked)
    expect(error.message).toContain(
      `${model} version 2 has 40 tags and this write would add 11 (10 for its audit record, 19.5 KB of JSON), more than the 50 Unity Catalog allows on a model version. Nothing was written.`
    )
    expect(error.message).toContain(
      'Delete tags the version no longer needs (not modelgate_audit_*: they are its audit trail), or put fewer files in the candidate directory (150 now) to shrink the record.'
    )
    expect(stand.writes()).toEqual([])
    expect(stand.snapshot(model)).toEqual(before)
    // One tag fewer, and it fits exactly.
    tags.delete('team_tag_39')
    written(await registry.assign(model, '2', 'production', { ...alice, record }))
    expect(versionTags(stand, model, '2').size).toBe(UC_MAX_TAGS_PER_VERSION)
    expect((await registry.getStage(model, 'production'))?.audit?.record).toEqual(record)
  })
})

describe('every entry keeps its own record', () => {
  it('a version promoted, rolled back out and back in: each event has the record written with it', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    const records = [0, 1, 2, 3].map(seed => auditLikeRecord(6_000, seed))
    written(await registry.assign(model, '1', 'staging', { ...alice, record: records[0] }))
    written(await registry.assign(model, '1', 'production', { ...alice, record: records[1] }))
    written(await registry.assign(model, '2', 'production', { ...alice, record: records[2] }))
    written(await registry.rollback(model, 'production', undefined, { ...bob, record: records[3] }))
    const events = (await registry.history(model)).filter(e => e.kind === 'assignment')
    expect(events.map(e => [e.stage, e.version, e.audit?.record])).toEqual(
      expect.arrayContaining([
        ['staging', '1', records[0]],
        ['production', '1', records[1]],
        ['production', '2', records[2]],
        ['production', '1', records[3]]
      ])
    )
    expect((await registry.getStage(model, 'production'))?.audit?.record).toEqual(records[3])
    expect((await registry.getStage(model, 'staging'))?.audit?.record).toEqual(records[0])
  })

  it('an unassignment keeps its record on the version it took out', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    const gone = auditRecord({ kind: 'rollback', decision: 'rolled-back', reason: 'gone' })
    written(await registry.assign(model, '1', 'production', alice))
    written(await registry.unassign(model, '1', 'production', { ...bob, record: gone }))
    const [event] = (await registry.history(model)).filter(e => e.kind === 'unassignment')
    expect(event?.audit?.record).toEqual(gone)
  })

  it('entries written without a record have none, and cost no extra reads', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand, { unityCatalog: false })
    written(await registry.assign(model, '1', 'production', alice))
    stand.resetLog()
    const [event] = (await registry.history(model)).filter(e => e.kind === 'assignment')
    expect(event?.audit).not.toHaveProperty('record')
    expect(stand.count()).toBe(2)
  })
})

describe('REST calls', () => {
  it.each(
    backends.flatMap(backend => [
      { ...backend, files: 5, parts: backend.uc ? 1 : 0 },
      { ...backend, files: 200, parts: backend.uc ? 14 : 2 }
    ])
  )(
    '$label, a $files-file record: a promotion adds the header and $parts part(s); reads stay as they were',
    async ({ uc, limit, model: seed, registry: open, files, parts }) => {
      const record = realisticRecord(files)
      expect(recordTags(tagKeys(uc), 'x', record, limit).parts.length).toBe(parts)
      const model = seed()
      const registry = open()
      written(await registry.assign(model, '1', 'production', alice))

      // The bench's promotion (replacing a champion, archiving it), without and with a record.
      stand.resetLog()
      written(await registry.assign(model, '2', 'production', alice, { archiveReplaced: true }))
      expect(stand.count()).toBe(8)
      stand.resetLog()
      written(
        await registry.assign(
          model,
          '3',
          'production',
          { ...alice, record },
          { archiveReplaced: true }
        )
      )
      expect(stand.count()).toBe(8 + 1 + parts)

      // What `check` reads of the champion: two calls, the record included.
      stand.resetLog()
      const holder = await registry.getStage(model, 'production')
      expect(holder?.audit?.record).toEqual(record)
      // The model too: its history says whether the audit tag is still current (issue 11, item 5).
      expect(stand.count()).toBe(2)

      // History: the model, the version search, and (UC, whose search has no tags) one read per version with records.
      stand.resetLog()
      const events = await registry.history(model)
      expect(events.find(e => e.version === '3' && e.kind === 'assignment')?.audit?.record).toEqual(
        record
      )
      expect(stand.count()).toBe(uc ? 3 : 2)
    }
  )

  it('a small record on OSS: 9 calls, one more than without', async () => {
    const model = seedModel(stand)
    const registry = registryOn(stand)
    written(await registry.assign(model, '1', 'production', alice))
    stand.resetLog()
    written(
      await registry.assign(
        model,
        '2',
        'production',
        { ...alice, record: realisticRecord(5) },
        { archiveReplaced: true }
      )
    )
    expect(stand.count()).toBe(9)
  })

  it('history reads each version once, however many of its entries carry records', async () => {
    const model = ucModel()
    const registry = registryOn(stand, { unityCatalog: true })
    for (const version of ['1', '2', '1', '2', '1']) {
      written(
        await registry.assign(model, version, 'production', {
          ...alice,
          record: auditRecord({ version })
        })
      )
    }
    written(
      await registry.assign(model, '3', 'staging', {
        ...alice,
        record: auditRecord({ to: 'staging' })
      })
    )
    stand.resetLog()
    const events = (await registry.history(model)).filter(e => e.kind === 'assignment')
    expect(events.map(e => e.audit?.record)).toEqual([
      auditRecord({ to: 'staging' }),
      auditRecord({ version: '1' }),
      auditRecord({ version: '2' }),
      auditRecord({ version: '1' }),
      auditRecord({ version: '2' }),
      auditRecord({ version: '1' })
    ])
    const gets = stand.count(r => r.path.endsWith('/model-versions/get'))
    expect(gets).toBe(3)
    expect(stand.count()).toBe(2 + 3)
  })
})

describe('readRecordTags', () => {
  const keys = tagKeys(false)
  const record = auditLikeRecord(3_000)
  const encoded = () => {
    const tags = recordTags(keys, 'id-1', record, 1000)
    return new Map([...tags.parts, tags.header].map(t => [t.key, t.value]))
  }
  const header = (map: Map<string, string>) =>
    JSON.parse(map.get(keys.auditHeader('id-1')) ?? '{}') as Record<string, unknown>
  const problem = (map: Map<string, string>) => {
    const stored = readRecordTags(keys, 'id-1', map)
    return stored && !stored.ok ? stored.damaged.problem : `read: ${JSON.stringify(stored)}`
  }

  it('reads back only what the header vouches for', () => {
    const map = encoded()
    expect(readRecordTags(keys, 'id-1', map)).toEqual({ ok: true, record })
    expect(readRecordTags(keys, 'id-2', map)).toBeUndefined()
    map.set(keys.auditHeader('id-1'), '{"parts":"many"}')
    expect(readRecordTags(keys, 'id-1', map)).toMatchObject({
      ok: false,
      damaged: { damaged: true, problem: expect.stringContaining('not a valid header') }
    })
  })

  it('reads the old format: a header without encoding, the JSON itself in parts', () => {
    const legacy = legacyTags(keys, 'id-1', record, 700)
    expect(legacy.size).toBeGreaterThan(3)
    expect(readRecordTags(keys, 'id-1', legacy)).toEqual({ ok: true, record })
    const key = keys.auditPart('id-1', 2)
    legacy.set(key, (legacy.get(key) ?? '').replace(/.$/u, '#'))
    expect(problem(legacy)).toContain("the parts do not match the header's sha256")
  })

  it('says what is wrong with a damaged header or data', () => {
    const cases: Array<[string, (h: Record<string, unknown>) => Record<string, unknown>]> = [
      ['names an unknown encoding "zstd+base64"', h => ({ ...h, encoding: 'zstd+base64' })],
      ['is not a valid header', h => ({ ...h, data: undefined })],
      ['is not a valid header', h => ({ ...h, parts: -1 })],
      [
        'is not a valid header',
        h => ({ encoding: undefined, parts: 0, bytes: h.bytes, sha256: h.sha256 })
      ],
      ['the data is not base64', h => ({ ...h, data: `${String(h.data)} ` })],
      ['does not decompress to the 10 bytes', h => ({ ...h, bytes: 10 })],
      [
        "the decoded data does not match the header's sha256",
        h => ({ ...h, sha256: 'f'.repeat(64) })
      ]
    ]
    for (const [expected, change] of cases) {
      const map = encoded()
      map.set(keys.auditHeader('id-1'), JSON.stringify(change(header(map))))
      expect(problem(map)).toContain(expected)
    }
    const map = encoded()
    map.set(keys.auditHeader('id-1'), JSON.stringify({ ...header(map), data: 'H4sI' }))
    expect(problem(map)).toContain('does not decompress')
  })

  it(`refuses a header claiming more than the writer ever writes: ${MAX_RECORD_TAGS - 1} parts, ${MAX_RECORD_BYTES} bytes`, () => {
    const claim = (change: Record<string, unknown>) => {
      const map = encoded()
      map.set(keys.auditHeader('id-1'), JSON.stringify({ ...header(map), ...change }))
      return problem(map)
    }
    expect(claim({ bytes: 64 * 1024 * 1024 })).toBe(
      `the header tag ${keys.auditHeader('id-1')} claims a record of 67108864 bytes, more than ModelGate ever writes (${MAX_RECORD_BYTES})`
    )
    expect(claim({ parts: MAX_RECORD_TAGS })).toContain(
      `claims ${MAX_RECORD_TAGS} parts, more than ModelGate ever writes (${MAX_RECORD_TAGS - 1})`
    )
    expect(claim({ parts: 1e9 })).toContain('more than ModelGate ever writes')
    // The old format: as many parts as a 1 MiB record needs at 5,000 bytes a part, no more.
    expect(claim({ encoding: undefined, data: undefined, parts: 100_000 })).toContain(
      'claims 100000 parts'
    )
    // Just within the bound: read as far as the tags go (parts missing), nothing allocated for the claim.
    expect(claim({ parts: MAX_RECORD_TAGS - 1 })).toContain(`parts missing`)
  })

  it('a gzip bomb stops at the byte length its header gives (at most 1 MiB), and is damaged', () => {
    // 64 MiB of zeros: 64 KB of gzip, 87 KB of base64 — the size of 18 OSS tags.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString('base64')
    expect(bomb.length).toBeLessThan(MAX_RECORD_TAGS * OSS_TAG_VALUE_LIMIT)
    for (const bytes of [1_000, MAX_RECORD_BYTES]) {
      const map = new Map([
        [
          keys.auditHeader('id-1'),
          JSON.stringify({
            encoding: 'gzip+base64',
            parts: 0,
            bytes,
            sha256: sha256Hex('anything'),
            data: bomb
          })
        ]
      ])
      const before = process.memoryUsage().arrayBuffers
      expect(problem(map)).toContain(
        `the data does not decompress to the ${bytes} bytes the header describes`
      )
      // Nothing near 64 MiB was held at once (gunzip's maxOutputLength).
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024)
    }
  })

  it('reads a summary kept in place of a record', () => {
    const summary = recordSummaryTag(keys, 'id-1', record, 'no room', 1000)
    expect(Buffer.byteLength(summary.value)).toBeLessThanOrEqual(1000)
    const map = new Map([[summary.key, summary.value]])
    expect(readRecordTags(keys, 'id-1', map)).toEqual({
      ok: true,
      record: {
        recordTruncated: true,
        why: 'no room',
        bytes: Buffer.byteLength(JSON.stringify(record)),
        sha256: sha256Hex(JSON.stringify(record)),
        keys: Object.keys(record)
      }
    })
    map.set(summary.key, JSON.stringify({ recordTruncated: true, why: 7 }))
    expect(problem(map)).toContain('is not a valid header')
  })
})
