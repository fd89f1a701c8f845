/**
 * The policies of the rollout end-to-end tests (issue 15) and the metrics a file source reads:
 * the fraud model's policy around its stages, a canary stage, its common triggers, and the error
 * ratios by segment a `source: { file: metrics.csv }` reads.
 */
import { fraudPolicy } from './fraud-policy.js'
import { MINUTE } from './monitored-registry.js'
import { BASE_SECONDS } from './prometheus.js'

/**
 * The fraud model's policy (`model/`, auc maximized) with `staging` open to candidates, then
 * `stages` (YAML indented as a stage, as `canaryStage` writes it), rollbacks for maintainers.
 */
export function fraudRolloutPolicy(stages: string): string {
  return fraudPolicy(`  staging:\n    from: [candidate]\n${stages}`, { rollback: true })
}

/**
 * A `canary` stage from `from` (e.g. `staging, shadow`) rolled out in `steps` (default
 * 5, 10, 25, 50) of `minStep` at least (default 30m), judged on `source` by `triggers` (YAML, as under `triggers:`);
 * `gates` (YAML, indented as the stage's keys) come before the rollout.
 */
export function canaryStage(options: {
  from: string
  source: string
  triggers: string
  steps?: string
  minStep?: string
  gates?: string
}): string {
  return `  canary:
    from: [${options.from}]
${options.gates ?? ''}    rollout:
      type: canary
      steps: [${options.steps ?? '5, 10, 25, 50'}]
      min_step_duration: ${options.minStep ?? '30m'}
      source: ${options.source}
      triggers:
${options.triggers}`
}

/**
 * A canary stage from `from` judged on the clone's metrics.csv (see `errorsBySegmentCsv`) by
 * each segment's error ratio against the champion's (`ERRORS_BY_SEGMENT`).
 */
export function canaryOnErrorsBySegment(from: string): string {
  return canaryStage({ from, source: METRICS_FILE, triggers: ERRORS_BY_SEGMENT })
}

/** The source of the metrics `errorsBySegmentCsv` writes, in the clone's metrics.csv. */
export const METRICS_FILE = '{ file: metrics.csv }'

/** A trigger on each segment's error ratio, up to 50% above the champion's, under `triggers:`. */
export const ERRORS_BY_SEGMENT = `        - name: error rate by segment
          query: 'error_ratio{model="$model", version="$version"}'
          by: segment
          relative: { baseline: champion, max_increase_pct: 50 }
`

/**
 * A trigger on the error ratio's maximum, up to twice the champion's, breached after two failed
 * checks, under `triggers:`.
 */
export const ERRORS_AGAINST_CHAMPION = `        - name: error rate
          query: 'max(error_ratio{model="$model", version="$version"})'
          relative: { baseline: champion, max_increase_pct: 100 }
          failure_limit: 2
`

/**
 * `error_ratio` of fraud by segment (eu, us), one sample a minute from BASE − 60m for 4 hours, as
 * CSV: v1.0.0 at 0.01, v1.1.0 the same but its eu segment at 0.2 from BASE + 50m.
 */
export function errorsBySegmentCsv(): string {
  const lines = ['time,metric,value,model,version,segment']
  for (let m = -60; m < 180; m++) {
    const time = BASE_SECONDS + m * MINUTE
    for (const segment of ['eu', 'us']) {
      lines.push(`${time},error_ratio,0.01,fraud,v1.0.0,${segment}`)
      const bad = segment === 'eu' && m >= 50
      lines.push(`${time},error_ratio,${bad ? 0.2 : 0.01},fraud,v1.1.0,${segment}`)
    }
  }
  return `${lines.join('\n')}\n`
}
