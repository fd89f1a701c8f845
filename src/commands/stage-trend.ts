/**
 * The metric history of a stage for the sticky comment (report/stage-trend.ts draws it): the
 * last promotions to the stage and the metrics their audit records hold, read from the registry
 * alone. Only events with a ModelGate record of their own count (a hand-made tag has none, and
 * one copying another event's record is not believed: registry/git/tag-audit.ts); the numbers
 * are the record's, never re-read from files.
 */
import { auditRecordOf } from '../audit/record.js'
import type { Policy } from '../policy/schema.js'
import type { Registry } from '../registry/port.js'
import { TREND_HOLDERS, type StageTrend, type TrendHolder } from '../report/stage-trend.js'

export async function stageTrend(
  registry: Pick<Registry, 'history'>,
  policy: Pick<Policy, 'model' | 'metrics'>,
  stage: string
): Promise<StageTrend> {
  const metrics = Object.keys(policy.metrics ?? {})
  const holders: TrendHolder[] = []
  // Newest first: the first TREND_HOLDERS promotions are the last ones.
  for (const event of await registry.history(policy.model)) {
    if (holders.length >= TREND_HOLDERS) break
    if (event.kind !== 'assignment' || event.stage !== stage) continue
    const record = auditRecordOf(event.audit)
    if (!record?.written || record.to !== stage) continue
    if (record.kind !== 'promotion' && record.kind !== 'forced-promotion') continue
    const kept = Object.entries(record.metrics.candidate).filter(([name]) => metrics.includes(name))
    holders.push({
      version: record.version ?? event.version ?? '',
      at: event.at,
      forced: record.kind === 'forced-promotion',
      metrics: Object.fromEntries(kept)
    })
  }
  return { stage, metrics, holders: holders.reverse() }
}
