import { parsePolicy } from '../src/policy/load.js'
import { durationMs } from '../src/policy/monitor.js'
import { policyProblems } from './helpers/policy-problems.js'

const HEAD = `model: clf
stages:
  production:
    from: [candidate]
    monitor:
`

/** A policy whose production stage has the given monitor block (indented by the caller). */
const policy = (monitor: string) => `${HEAD}${monitor}`

const GOOD = `      source: { prometheus: { url: "http://127.0.0.1:9090" } }
      watch_for: 14d
      triggers:
        - name: error rate
          query: sum(rate(errors_total{version="$version"}[5m])) / sum(rate(requests_total{version="$version"}[5m]))
          max: 0.05
        - name: accuracy
          query: avg(accuracy{model="$model", stage="$stage"})
          relative: { baseline: audit, metric: accuracy, max_decrease_pct: 10 }
          failure_limit: 2
          min_samples: 10
          step: 5m
          no_data: breach
          action: alert
`

describe('a stage monitor block', () => {
  it('reads a valid block with defaults filled in', () => {
    const parsed = parsePolicy(policy(GOOD), 'p.yml')
    expect(parsed.stages.production?.monitor).toEqual({
      source: { prometheus: { url: 'http://127.0.0.1:9090', timeout: '30s' } },
      watch_for: '14d',
      triggers: [
        {
          name: 'error rate',
          query:
            'sum(rate(errors_total{version="$version"}[5m])) / sum(rate(requests_total{version="$version"}[5m]))',
          max: 0.05,
          failure_limit: 3,
          min_samples: 5,
          step: '1m',
          no_data: 'inconclusive',
          action: 'rollback'
        },
        {
          name: 'accuracy',
          query: 'avg(accuracy{model="$model", stage="$stage"})',
          relative: { baseline: 'audit', metric: 'accuracy', max_decrease_pct: 10 },
          failure_limit: 2,
          min_samples: 10,
          step: '5m',
          no_data: 'breach',
          action: 'alert'
        }
      ],
      max_automatic_rollbacks: 1,
      warn_inconclusive_after: '1h',
      runs_every: '1h'
    })
  })

  it('accepts a file source and a previous-holder baseline', () => {
    const text = policy(`      source: { file: metrics/live.csv }
      watch_for: 7d
      triggers:
        - { name: latency, query: 'p95{version="$version"}', relative: { baseline: previous_holder, max_increase_pct: 20 } }
`)
    expect(parsePolicy(text, 'p.yml').stages.production?.monitor?.source).toEqual({
      file: 'metrics/live.csv'
    })
  })

  it('takes an http(s) URL or a path inside the repository as a file source', () => {
    const withFile = (file: string) =>
      policy(`      source: { file: "${file}" }
      watch_for: 7d
      triggers: [{ name: t, query: m, max: 1 }]
`)
    for (const good of [
      'metrics/live.csv',
      'https://metrics.example/live.json',
      'http://127.0.0.1:8080/x'
    ]) {
      expect(parsePolicy(withFile(good), 'p.yml').stages.production?.monitor?.source.file).toBe(
        good
      )
    }
    for (const bad of [
      '../live.csv',
      '/etc/live.csv',
      'a/../../x',
      'ftp://host/x',
      'file:///x',
      'https://'
    ]) {
      expect(policyProblems(withFile(bad))).toEqual([
        '6:23 stages.production.monitor.source.file: must be an http(s) URL or a path inside the repository'
      ])
    }
  })

  it('names file line and key of each problem of the source and the watch', () => {
    expect(
      policyProblems(
        policy(`      source: { prometheus: { url: "ftp://x" }, file: a.csv }
      watch_for: 2 weeks
      triggers: []
      extra: 1
`)
      )
    ).toEqual([
      '6:15 stages.production.monitor.source: gives both prometheus and file: choose one',
      '6:36 stages.production.monitor.source.prometheus.url: must be an http(s) URL',
      '7:18 stages.production.monitor.watch_for: must be a duration such as 30s, 5m, 1h30m or 14d (units ms, s, m, h, d, w, y)',
      '8:17 stages.production.monitor.triggers: must list at least 1 item, got a list',
      '9:7 stages.production.monitor.extra: unknown key "extra" (allowed here: source, watch_for, triggers, max_automatic_rollbacks, warn_inconclusive_after, runs_every)'
    ])
    expect(policyProblems(policy('      source: {}\n      watch_for: 0s\n'))).toEqual([
      '5:5 stages.production.monitor.triggers: is required',
      '6:15 stages.production.monitor.source: needs prometheus or file',
      '7:18 stages.production.monitor.watch_for: must be longer than 0'
    ])
  })

  it('names each problem of a trigger', () => {
    const text = policy(`      source: { file: a.json }
      watch_for: 1h
      triggers:
        - name: both
          query: m{version="$version"}
          max: 1
          relative: { baseline: previous_holder, max_increase_pct: 5 }
        - name: none
          query: $model{a="b"} + rate(m[$stage])
        - name: upside down
          query: m
          min: 2
          max: 1
          failure_limit: 0
          min_samples: 1.5
          step: 2h
          no_data: healthy
          action: page
        - name: both
          query: m
          relative: { baseline: audit, max_increase_pct: -1 }
        - name: vague
          query: m
          relative: { baseline: previous_holder, metric: accuracy }
`)
    expect(policyProblems(text)).toEqual([
      '12:21 stages.production.monitor.triggers[0].relative: a trigger has either absolute bounds (max, min) or a relative one, not both',
      '13:11 stages.production.monitor.triggers[1]: needs a bound: max, min, or relative',
      '19:26 stages.production.monitor.triggers[2].failure_limit: must be at least 1, got the number 0',
      '20:24 stages.production.monitor.triggers[2].min_samples: must be a whole number, got the number 1.5',
      '22:20 stages.production.monitor.triggers[2].no_data: must be one of "inconclusive", "breach", got the string "healthy"',
      '23:19 stages.production.monitor.triggers[2].action: must be one of "rollback", "alert", got the string "page"',
      '26:33 stages.production.monitor.triggers[3].relative.baseline: audit needs `metric`: which metric of the audit record is the baseline',
      '26:58 stages.production.monitor.triggers[3].relative.max_increase_pct: must be at least 0, got the number -1',
      '29:21 stages.production.monitor.triggers[4].relative: needs max_increase_pct, max_decrease_pct or both',
      '29:58 stages.production.monitor.triggers[4].relative.metric: is only for baseline: audit; previous_holder runs the same query'
    ])
    // The refinements that need a well-shaped trigger run once the shape problems are gone.
    const shaped = text
      .replace(/ {10}failure_limit: 0\n {10}min_samples: 1\.5\n/, '')
      .replace(/no_data: healthy/, 'no_data: breach')
      .replace(/action: page/, 'action: alert')
      .replace('max_increase_pct: -1', 'max_increase_pct: 1')
    expect(policyProblems(shaped)).toEqual([
      '12:21 stages.production.monitor.triggers[0].relative: a trigger has either absolute bounds (max, min) or a relative one, not both',
      '13:11 stages.production.monitor.triggers[1]: needs a bound: max, min, or relative',
      '14:18 stages.production.monitor.triggers[1].query: $model at character 1 is not inside the double-quoted value of a label matcher; placeholders may only be label values, such as {model="$model"}',
      '14:18 stages.production.monitor.triggers[1].query: $stage at character 24 is not inside the double-quoted value of a label matcher; placeholders may only be label values, such as {stage="$stage"}',
      '17:16 stages.production.monitor.triggers[2].min: 2 is above max 1, so every sample breaches',
      '19:17 stages.production.monitor.triggers[2].step: is longer than watch_for (1h), so no sample would fall in the watch',
      '22:17 stages.production.monitor.triggers[3].name: "both" names another trigger of this stage already',
      '24:33 stages.production.monitor.triggers[3].relative.baseline: audit needs `metric`: which metric of the audit record is the baseline',
      '27:21 stages.production.monitor.triggers[4].relative: needs max_increase_pct, max_decrease_pct or both',
      '27:58 stages.production.monitor.triggers[4].relative.metric: is only for baseline: audit; previous_holder runs the same query'
    ])
  })
})

describe('durationMs', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['14d', 14 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['1m500ms', 60_500],
    ['250ms', 250],
    ['0s', 0]
  ])('reads %s', (text, ms) => {
    expect(durationMs(text)).toBe(ms)
  })

  it.each(['', '5', 'm', '1.5h', '30m1h', ' 5m', '5m ', '-5m', '5M'])('refuses %j', text => {
    expect(durationMs(text)).toBeUndefined()
  })
})
