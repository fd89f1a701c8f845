import type { Evaluation, GateResult, MetricCheck, ModelSide } from '../gates/types.js'

/**
 * The evaluation as stable JSON: the same model the markdown renders, pretty-printed with two
 * spaces, keys in a fixed order (the order of the types in `gates/types.ts`, the decision
 * first after model and stage), metric maps sorted by name, absent fields omitted. No trailing
 * newline, like `JSON.stringify`.
 */
export function toJson(evaluation: Evaluation): string {
  return JSON.stringify(evaluationJson(evaluation), null, 2)
}

/** The object `toJson` prints, for a command's JSON that adds its own fields after it. */
export function evaluationJson(evaluation: Evaluation): Record<string, unknown> {
  const { candidate } = evaluation
  return compact({
    model: evaluation.model,
    stage: evaluation.stage,
    decision: evaluation.decision,
    evaluatedAt: evaluation.evaluatedAt,
    candidate: compact({
      ...side(candidate),
      invalidMetrics: sortKeys(candidate.invalidMetrics),
      totalBytes: candidate.totalBytes,
      fileCount: candidate.fileCount
    }),
    champion: evaluation.champion && compact(side(evaluation.champion)),
    championStage: evaluation.championStage,
    gates: evaluation.gates.map(gate),
    warnings: [...evaluation.warnings]
  })
}

function side(model: ModelSide): Record<string, unknown> {
  return {
    label: model.label,
    version: model.version,
    metrics: sortKeys(model.metrics),
    invalidMetrics: model.invalidMetrics && sortKeys(model.invalidMetrics)
  }
}

function gate(result: GateResult): Record<string, unknown> {
  return compact({
    gate: result.gate,
    status: result.status,
    summary: result.summary,
    checks: result.checks?.map(check),
    details: result.details && [...result.details],
    findings: result.findings?.map(finding => compact({ ...finding })),
    provenance: result.provenance && { ...result.provenance }
  })
}

function check(row: MetricCheck): Record<string, unknown> {
  return compact({
    metric: row.metric,
    candidate: row.candidate,
    champion: row.champion,
    rule: row.rule,
    status: row.status,
    problem: row.problem
  })
}

/** A copy with keys in code-point order (not locale order: stable everywhere). */
function sortKeys<V>(record: Record<string, V>): Record<string, V> {
  // fromEntries defines own properties, so even a metric named `__proto__` stays a plain key.
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .flatMap(key => (record[key] === undefined ? [] : [[key, record[key]] as const]))
  ) as Record<string, V>
}

/** Drops undefined fields, keeping the insertion order of the rest. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined))
}
