// The audit record: built from a real evaluation, valid against the zod schema and the committed
// JSON Schema, shown in the job summary, and driving notifications only for what was written.
import { readFileSync } from 'node:fs'
import { afterRun } from '../src/action/after-run.js'
import { uploadAuditRecords } from '../src/audit/publish.js'
import { auditSummaryMarkdown } from '../src/report/audit-summary.js'
import {
  AuditRecord,
  auditArtifactName,
  auditRecordOf,
  auditSchemaFileText,
  promotionAudit,
  rollbackAudit,
  signatureDigest
} from '../src/audit/record.js'
import type { Candidate } from '../src/candidate/types.js'
import { evaluateStage } from '../src/gates/evaluate.js'
import { Policy } from '../src/policy/schema.js'
import { SchemaValidator } from './helpers/github-stand-in/schema.js'

const policy = Policy.parse({
  model: 'churn',
  metrics: { auc: { goal: 'maximize' } },
  stages: {
    production: {
      from: ['candidate'],
      thresholds: { auc: { min: 0.8 } },
      regression: { auc: { max_drop: 0.01 } },
      approvals: { required: 1 }
    }
  }
})

const candidate: Candidate = {
  dir: '/tmp/candidate',
  metrics: { auc: 0.91 },
  invalidMetrics: {},
  signature: {
    source: 'MLmodel',
    inputs: [{ name: 'tenure', type: 'long', required: true }],
    outputs: [{ name: '#0', type: 'double', required: true }]
  },
  info: {
    version: 'v2.0.0',
    training_data_snapshot: 's3://data/2026-11-01',
    feature_view_version: 'fv-12'
  },
  files: [
    { path: 'MLmodel', size: 120, sha256: 'a'.repeat(64) },
    { path: 'metrics.json', size: 14, sha256: 'b'.repeat(64) }
  ],
  totalBytes: 134
}

const HEAD = 'c0ffee1234567890c0ffee1234567890c0ffee12'
const evaluation = evaluateStage({
  policy,
  stage: 'production',
  candidate: { ...candidate, label: 'v2.0.0', version: 'v2.0.0' },
  champion: { label: 'v1.0.0', version: 'v1.0.0', metrics: { auc: 0.9 }, invalidMetrics: {} },
  now: new Date('2026-11-23T10:00:00Z'),
  evaluator: 'promote',
  reviews: {
    author: 'alice',
    headSha: HEAD,
    reviews: [{ user: 'bob', state: 'APPROVED', commitId: HEAD }],
    permissions: new Map([['bob', 'write']]),
    teams: new Map()
  }
})

const run = {
  event: 'push',
  sha: 'f'.repeat(40),
  runUrl: 'https://github.com/acme/models/actions/runs/42',
  pullRequest: { number: 7, url: 'https://github.com/acme/models/pull/7' }
}

function promotion(written = true) {
  return promotionAudit({
    evaluation,
    candidate,
    version: 'v2.0.0',
    from: 'candidate',
    written,
    forced: false,
    actor: 'mona',
    run,
    at: new Date('2026-11-23T10:00:05Z')
  })
}

const rollback = rollbackAudit({
  model: 'churn',
  stage: 'production',
  restored: 'v1.0.0',
  rolledBack: 'v2.0.0',
  written: true,
  gates: [{ gate: 'permission', status: 'pass', summary: 'mona has maintain permission' }],
  actor: 'mona',
  reason: 'latency ``` regression',
  run: { event: 'workflow_dispatch', sha: 'e'.repeat(40) },
  at: new Date('2026-11-23T11:00:00Z')
})

describe('the audit record', () => {
  it('holds every fact of a promotion: gates with numbers, metrics, files, signature, data, approvers', () => {
    const record = promotion()
    expect(evaluation.decision).toBe('pass')
    expect(record).toMatchObject({
      schema: 'modelgate.audit/v1',
      kind: 'promotion',
      written: true,
      model: 'churn',
      version: 'v2.0.0',
      from: 'candidate',
      to: 'production',
      previous: 'v1.0.0',
      decision: 'pass',
      metrics: { candidate: { auc: 0.91 }, champion: { auc: 0.9 } },
      artifact: { totalBytes: 134 },
      signature: { source: 'MLmodel', sha256: signatureDigest(candidate.signature!) },
      trainingData: 's3://data/2026-11-01',
      featureView: 'fv-12',
      pullRequest: { number: 7, approvers: [{ login: 'bob', commit: HEAD }] },
      actor: 'mona',
      event: 'push',
      commitSha: 'f'.repeat(40),
      runUrl: run.runUrl,
      timestamp: '2026-11-23T10:00:05.000Z',
      reason: null
    })
    expect(record.artifact?.files.map(file => file.path)).toEqual(['MLmodel', 'metrics.json'])
    const regression = record.gates.find(gate => gate.gate === 'regression')
    expect(regression?.checks?.[0]).toMatchObject({ metric: 'auc', candidate: 0.91, champion: 0.9 })
    expect(promotion(false)).toMatchObject({ kind: 'refused', written: false })
  })

  it('keeps only the metrics the gates used, and counts the rest', () => {
    const many: Record<string, number> = { auc: 0.91, __proto__unused: 1 }
    for (let i = 0; i < 1000; i++) many[`unused_${i}`] = i
    const record = promotionAudit({
      evaluation: {
        ...evaluation,
        candidate: { ...evaluation.candidate, metrics: many },
        champion: evaluation.champion && {
          ...evaluation.champion,
          metrics: { auc: 0.9, other: 1, more: 2 }
        }
      },
      candidate,
      version: 'v2.0.0',
      from: 'candidate',
      written: true,
      forced: false,
      actor: 'mona',
      run,
      at: new Date('2026-11-23T10:00:05Z')
    })
    expect(record.metrics).toEqual({
      candidate: { auc: 0.91 },
      champion: { auc: 0.9 },
      unused: { candidate: 1001, champion: 2 }
    })
  })

  it('validates against the committed JSON Schema, which is what the zod schema generates', () => {
    const committed = readFileSync('schemas/audit-record.schema.json', 'utf8')
    expect(committed).toBe(auditSchemaFileText())
    const schema = JSON.parse(committed) as Record<string, unknown>
    const validator = new SchemaValidator(ref => {
      throw new Error(`unexpected $ref ${ref}`)
    })
    for (const record of [promotion(), promotion(false), rollback]) {
      expect(validator.validate(schema, JSON.parse(JSON.stringify(record)), 'record')).toEqual([])
    }
    const broken = { ...promotion(), decision: 'maybe', extra: 1 }
    expect(validator.validate(schema, broken, 'record').length).toBeGreaterThan(0)
    expect(AuditRecord.safeParse(broken).success).toBe(false)
  })

  it('the signature digest depends on the columns, not on the file they came from', () => {
    const signature = candidate.signature!
    expect(signatureDigest({ ...signature, source: 'schema.json' })).toBe(
      signatureDigest(signature)
    )
    expect(
      signatureDigest({
        ...signature,
        inputs: [{ name: 'tenure', type: 'double', required: true }]
      })
    ).not.toBe(signatureDigest(signature))
  })

  it('reads a record back from a registry event, and ignores records of an older format', () => {
    const record = promotion()
    expect(
      auditRecordOf({ modelgate: 1, actor: 'mona', record: JSON.parse(JSON.stringify(record)) })
    ).toEqual(record)
    expect(
      auditRecordOf({ modelgate: 1, record: { event: 'cli', decision: 'pass' } })
    ).toBeUndefined()
    expect(auditRecordOf(undefined)).toBeUndefined()
  })

  it('names the artifact after model, version and run, safely', () => {
    expect(auditArtifactName(promotion(), '42')).toBe('modelgate-audit-churn-v2.0.0-42')
    expect(auditArtifactName({ ...promotion(), model: 'team/churn:x' }, '42')).toBe(
      'modelgate-audit-team_churn_x-v2.0.0-42'
    )
  })
})

describe('publishing the audit trail', () => {
  it('uploads each record as audit.json, naming repeats apart; a failed upload is a problem, not a throw', async () => {
    const uploads: { name: string; files: string[]; content: string }[] = []
    const published = await uploadAuditRecords([promotion(false), promotion()], '42', {
      async upload(name, files) {
        const { readFile } = await import('node:fs/promises')
        uploads.push({ name, files, content: await readFile(files[0] as string, 'utf8') })
      }
    })
    expect(uploads.map(u => u.name)).toEqual([
      'modelgate-audit-churn-v2.0.0-42',
      'modelgate-audit-churn-v2.0.0-42-2'
    ])
    expect(uploads[0]?.files[0]).toMatch(/audit\.json$/)
    expect(JSON.parse(uploads[1]?.content ?? '')).toEqual(promotion())
    expect(published.map(p => p.artifact)).toEqual(uploads.map(u => u.name))

    const failed = await uploadAuditRecords([rollback], '42', {
      upload: () => Promise.reject(new Error('artifact service answered 500'))
    })
    expect(failed).toEqual([{ record: rollback, problem: 'artifact service answered 500' }])
  })

  it('shows each record whole in the job summary, fenced past any backticks in a reason', () => {
    const markdown = auditSummaryMarkdown([
      { record: rollback, artifact: 'modelgate-audit-churn-v1.0.0-42' }
    ])
    expect(markdown).toContain('### Audit')
    expect(markdown).toContain('Audit record: rollback of churn v1.0.0 to production (rolled-back)')
    expect(markdown).toContain('uploaded as artifact `modelgate-audit-churn-v1.0.0-42`')
    const json = markdown.slice(markdown.indexOf('````json') + 8, markdown.lastIndexOf('````'))
    expect(JSON.parse(json)).toEqual(rollback)
  })

  it('notifies for promotions and rollbacks written, never for refusals; warns when the upload fails', async () => {
    const posted: unknown[] = []
    const warnings: string[] = []
    let summary = ''
    await afterRun([promotion(), promotion(false), rollback], {
      runId: '42',
      repository: 'acme/models',
      uploader: { upload: () => Promise.reject(new Error('no service')) },
      webhooks: { default: 'http://127.0.0.1:9/hook' },
      fetch: async (_url, init) => {
        posted.push(JSON.parse(init.body))
        return { status: 200, headers: { get: () => null }, text: async () => 'ok' }
      },
      summary: async markdown => {
        summary += markdown
      },
      logger: { debug: () => {}, info: () => {}, warning: message => warnings.push(message) }
    })
    expect(posted).toHaveLength(2)
    expect(posted).toEqual([
      expect.objectContaining({
        modelgate: expect.objectContaining({
          action: 'promoted',
          version: 'v2.0.0',
          stage: 'production',
          previous: 'v1.0.0',
          pullRequest: run.pullRequest
        })
      }),
      expect.objectContaining({
        modelgate: expect.objectContaining({
          action: 'rolled-back',
          version: 'v1.0.0',
          previous: 'v2.0.0',
          reason: 'latency ``` regression'
        })
      })
    ])
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toContain('was not uploaded as an artifact: no service')
    expect(summary.match(/Audit record:/g)).toHaveLength(3)
  })
})
