// Comparisons with the champion and per-segment rules in the policy (issue 15): `$champion`,
// `relative: { baseline: champion }` and `by:` in a rollout's triggers, a shadow's triggers;
// strict, each problem named with its line, column and key path (exit 2).
import { InvalidInputError, ModelGateError } from '../src/errors.js'
import { parsePolicy } from '../src/policy/load.js'

function problemsOf(text: string): string[] {
  try {
    parsePolicy(text, 'p.yml')
  } catch (error) {
    if (!(error instanceof ModelGateError)) throw error
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(error.exitCode).toBe(2)
    return error.locations.map(({ line, column, keyPath, problem }) => {
      return `${line}:${column} ${keyPath}: ${problem}`
    })
  }
  throw new Error('expected an error, but the policy was accepted')
}

const SOURCE = 'source: { prometheus: { url: "http://127.0.0.1:9090" } }'

/** A canary with `canaryTrigger`, a shadow with `shadowTrigger`, production with `monitorTrigger`. */
const policy = (canaryTrigger: string, shadowTrigger = '', monitorTrigger = '') => `model: clf
stages:
  production:
    from: [canary]
${monitorTrigger}  canary:
    from: [shadow]
    rollout:
      type: canary
      steps: [5, 50]
      min_step_duration: 1h
      ${SOURCE}
      triggers:
${canaryTrigger}  shadow:
    from: [candidate]
    rollout:
      type: shadow
      shadows: production
${shadowTrigger}`

const SEGMENTED = `        - name: error rate
          query: 'max by (segment) (error_ratio{version="$version"})'
          by: segment
          relative: { baseline: champion, max_increase_pct: 20 }
`
const AGREEMENT = `      min_step_duration: 2h
      ${SOURCE}
      triggers:
        - name: agreement
          query: 'min(agreement{version="$version", champion="$champion"})'
          min: 0.95
`

describe('rollout triggers comparing with the champion', () => {
  it('accepts baseline: champion, by: <label>, $champion, and a shadow with triggers', () => {
    const parsed = parsePolicy(policy(SEGMENTED, AGREEMENT), 'p.yml')
    const canary = parsed.stages.canary?.rollout
    expect(canary?.triggers?.[0]).toMatchObject({
      by: 'segment',
      relative: { baseline: 'champion', max_increase_pct: 20 }
    })
    expect(parsed.stages.shadow?.rollout).toMatchObject({
      type: 'shadow',
      min_step_duration: '2h',
      triggers: [{ name: 'agreement', min: 0.95 }]
    })
  })

  it('refuses a segment label that is no label name, and a metric beside baseline: champion', () => {
    const bad = SEGMENTED.replace('by: segment', 'by: "seg-ment"').replace(
      'baseline: champion,',
      'baseline: champion, metric: accuracy,'
    )
    expect(problemsOf(policy(bad))).toEqual([
      '15:15 stages.canary.rollout.triggers[0].by: must be a label name (letters, digits and _, not starting with a digit)',
      '16:51 stages.canary.rollout.triggers[0].relative.metric: is only for baseline: audit; champion and previous_holder run the same query'
    ])
  })

  it('refuses the champion outside a rollout: a monitor block watches one version', () => {
    const monitor = `    monitor:
      ${SOURCE}
      watch_for: 1d
      triggers:
        - name: agreement
          query: 'min(agreement{version="$version", champion="$champion"})'
          min: 0.9
        - name: errors
          query: 'max(error_ratio{version="$version"})'
          relative: { baseline: champion, max_increase_pct: 10 }
`
    expect(problemsOf(policy(SEGMENTED, '', monitor))).toEqual([
      '10:18 stages.production.monitor.triggers[0].query: $champion is only for rollout triggers (stages.<stage>.rollout.triggers): a monitor: block watches one version, with no champion',
      '14:33 stages.production.monitor.triggers[1].relative.baseline: champion is only for rollout triggers (stages.<stage>.rollout.triggers); a monitor: block compares with audit or previous_holder'
    ])
  })

  it('refuses a shadow with triggers but no source, and $champion outside a label value', () => {
    const noSource = AGREEMENT.replace(`      ${SOURCE}\n`, '')
    expect(problemsOf(policy(SEGMENTED, noSource))).toEqual([
      '23:7 stages.shadow.rollout.triggers: source and triggers go together: give both, or neither'
    ])
    const misplaced = SEGMENTED.replace(
      `'max by (segment) (error_ratio{version="$version"})'`,
      `'max by (segment) (error_ratio{version="$version"}) - $champion'`
    )
    expect(problemsOf(policy(misplaced))[0]).toContain(
      'stages.canary.rollout.triggers[0].query: $champion at character'
    )
  })
})
