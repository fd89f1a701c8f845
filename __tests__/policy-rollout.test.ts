import { parsePolicy } from '../src/policy/load.js'
import { nextStep } from '../src/policy/rollout.js'
import { policyProblems } from './helpers/policy-problems.js'

const TRIGGERS = `      source: { prometheus: { url: "http://127.0.0.1:9090" } }
      triggers:
        - name: error rate
          query: sum(rate(errors_total{version="$version"}[5m]))
          max: 0.05
`

/** A policy whose canary stage has the given rollout block (indented by the caller). */
const policy = (rollout: string, extra = '') => `model: clf
${extra}stages:
  production:
    from: [canary]
  shadow:
    from: [candidate]
    rollout: { type: shadow, shadows: production }
  canary:
    from: [shadow]
    rollout:
${rollout}`

const CANARY = `      type: canary
      steps: [5, 10, 25, 50]
      min_step_duration: 1h
${TRIGGERS}`

describe('a stage rollout block', () => {
  it('reads a shadow and a canary, trigger defaults filled in', () => {
    const parsed = parsePolicy(policy(CANARY), 'p.yml')
    expect(parsed.stages.shadow?.rollout).toEqual({ type: 'shadow', shadows: 'production' })
    expect(parsed.stages.canary?.rollout).toEqual({
      type: 'canary',
      steps: [5, 10, 25, 50],
      min_step_duration: '1h',
      source: { prometheus: { url: 'http://127.0.0.1:9090', timeout: '30s' } },
      triggers: [
        {
          name: 'error rate',
          query: 'sum(rate(errors_total{version="$version"}[5m]))',
          max: 0.05,
          failure_limit: 3,
          min_samples: 5,
          step: '1m',
          no_data: 'inconclusive',
          action: 'rollback'
        }
      ]
    })
  })

  it('refuses steps that are not whole percents from 1 to 99, strictly increasing', () => {
    const rollout = (steps: string) => policy(CANARY.replace('[5, 10, 25, 50]', steps))
    expect(policyProblems(rollout('[5, 5, 25]'))).toEqual([
      '12:18 stages.canary.rollout.steps[1]: 5 does not exceed the step before it (5): steps must be strictly increasing'
    ])
    expect(policyProblems(rollout('[10, 5]'))).toEqual([
      '12:19 stages.canary.rollout.steps[1]: 5 does not exceed the step before it (10): steps must be strictly increasing'
    ])
    expect(policyProblems(rollout('[0, 100]'))).toEqual([
      '12:15 stages.canary.rollout.steps[0]: must be at least 1 (percent of the traffic)',
      '12:18 stages.canary.rollout.steps[1]: must be at most 99: the full share is the next stage, an ordinary promotion'
    ])
    expect(policyProblems(rollout('[2.5]'))).toEqual([
      '12:15 stages.canary.rollout.steps[0]: must be a whole percent'
    ])
    expect(policyProblems(rollout('[]'))).toEqual([
      '12:14 stages.canary.rollout.steps: needs at least one step'
    ])
  })

  it('names an unknown key, a bad duration, a missing trigger list and an unknown type', () => {
    expect(policyProblems(policy(`${CANARY}      step_time: 1h\n`))).toEqual([
      '19:7 stages.canary.rollout.step_time: unknown key "step_time" (allowed here: type, steps, min_step_duration, source, triggers)'
    ])
    expect(policyProblems(policy(CANARY.replace('1h', 'an hour')))).toEqual([
      '13:26 stages.canary.rollout.min_step_duration: must be a duration such as 30s, 5m, 1h30m or 1d (units ms, s, m, h, d, w, y)'
    ])
    expect(
      policyProblems(
        policy(`      type: canary\n      steps: [5]\n      min_step_duration: 1h\n`)
      ).map(p => p.replace(/^\d+:\d+ /, ''))
    ).toEqual([
      expect.stringMatching(/^stages\.canary\.rollout\.source: /),
      expect.stringMatching(/^stages\.canary\.rollout\.triggers: /)
    ])
    expect(policyProblems(policy(`      type: linear\n`))).toEqual([
      expect.stringMatching(/^11:13 stages\.canary\.rollout\.type: /)
    ])
  })

  it('checks triggers as the monitor does: unique names, placeholders in label matchers', () => {
    const twice = `${CANARY}        - name: error rate
          query: up{version=$version}
          max: 1
`
    expect(policyProblems(policy(twice)).map(p => p.replace(/^\d+:\d+ /, ''))).toEqual([
      'stages.canary.rollout.triggers[1].name: "error rate" names another trigger of this rollout already',
      expect.stringMatching(/^stages\.canary\.rollout\.triggers\[1\]\.query: /)
    ])
  })

  it('refuses a monitor: block on a rollout stage: its triggers watch it, and steps move it', () => {
    const watched = policy(CANARY).replace(
      '  canary:\n    from: [shadow]\n',
      `  canary:
    from: [shadow]
    monitor:
      watch_for: 1h
${TRIGGERS.replace(/^ {6}/gm, '      ')}`
    )
    expect(policyProblems(watched)).toEqual([
      expect.stringMatching(
        /^\d+:\d+ stages\.canary\.monitor: a rollout stage is watched by its rollout's triggers, and its versions leave it by steps \(abort\), never by a monitor's rollback: move these triggers to stages\.canary\.rollout\.triggers$/
      )
    ])
  })

  it('a shadow names another stage of the policy that takes the full traffic', () => {
    const shadowing = (target: string) =>
      policy(CANARY).replace('shadows: production', `shadows: ${target}`)
    expect(policyProblems(shadowing('prod'))).toEqual([
      '7:39 stages.shadow.rollout.shadows: names the stage "prod", which this policy does not define (known: production, canary)'
    ])
    expect(policyProblems(shadowing('shadow'))).toEqual([
      '7:39 stages.shadow.rollout.shadows: a stage cannot shadow itself'
    ])
    expect(policyProblems(shadowing('canary'))).toEqual([
      '7:39 stages.shadow.rollout.shadows: names "canary", itself a rollout stage: a shadow runs beside a stage that takes the full traffic'
    ])
  })

  it('refuses a rollout on the deprecated MLflow stages', () => {
    const legacy = 'registry: { type: mlflow, uri: "http://127.0.0.1:5000", legacy_stages: true }\n'
    const problems = policyProblems(
      policy(CANARY, legacy)
        .replace(/production/g, 'Production')
        .replace(/canary:|\[canary\]/g, m => m.replace('canary', 'Staging'))
    )
    expect(problems.map(p => p.replace(/^\d+:\d+ /, ''))).toEqual([
      'stages.shadow.rollout: needs aliases: with registry.legacy_stages the deprecated MLflow stages hold no rollout',
      'stages.Staging.rollout: needs aliases: with registry.legacy_stages the deprecated MLflow stages hold no rollout'
    ])
  })

  it('nextStep: the first step above the current share, none after the last', () => {
    const parsed = parsePolicy(policy(CANARY), 'p.yml')
    const canary = parsed.stages.canary?.rollout
    if (canary?.type !== 'canary') throw new Error('expected a canary')
    expect(nextStep(canary, 0)).toBe(5)
    expect(nextStep(canary, 10)).toBe(25)
    expect(nextStep(canary, 50)).toBeUndefined()
  })
})
