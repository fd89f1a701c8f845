import { z } from 'zod'
import { placeholderProblems } from './promql-placeholders.js'
import {
  DURATION_PATTERN,
  MonitorSource,
  Trigger,
  durationMs,
  type TriggerPolicy
} from './monitor.js'

/**
 * A stage's `rollout:` block (schema.ts): the stage is a progressive-delivery step rather than a
 * plain promotion target. `shadow` runs the version beside the holder of another stage with no
 * traffic; `canary` gives it a growing share of the traffic, step by step (docs/rollout.md).
 * Strict like the rest of the policy; docs/policy.md's reference is generated from the
 * descriptions here.
 */

const DURATION_RULE = 'must be a duration such as 30s, 5m, 1h30m or 1d (units ms, s, m, h, d, w, y)'
const duration = z
  .string()
  .min(1, DURATION_RULE)
  .regex(DURATION_PATTERN, DURATION_RULE)
  .refine(text => (durationMs(text) ?? 1) > 0, { message: 'must be longer than 0' })

const stageRef = z
  .string()
  .regex(
    /^[a-zA-Z0-9]([a-zA-Z0-9\-/_]*[a-zA-Z0-9])?$/,
    'must be letters, digits, - _ or /, starting and ending with a letter or digit'
  )

/** A rollout's triggers: unique names, placeholders only as label values. */
function triggerProblems(triggers: readonly TriggerPolicy[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>()
  triggers.forEach((trigger, i) => {
    if (seen.has(trigger.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['triggers', i, 'name'],
        message: `"${trigger.name}" names another trigger of this rollout already`
      })
    }
    seen.add(trigger.name)
    for (const message of placeholderProblems(trigger.query)) {
      ctx.addIssue({ code: 'custom', path: ['triggers', i, 'query'], message })
    }
  })
}

export const ShadowRollout = z
  .strictObject({
    type: z.literal('shadow'),
    shadows: stageRef.describe(
      'The stage whose holder the shadow runs beside: mirrored inputs, answers compared and discarded.'
    ),
    min_step_duration: duration
      .optional()
      .describe(
        'How long the shadow must run, with its triggers healthy, before `monitor` reports it ready for promotion to the next stage (default: at once).'
      ),
    source: MonitorSource.optional(),
    triggers: z
      .array(Trigger)
      .min(1)
      .optional()
      .describe(
        "The monitor's triggers judged by `monitor` over the shadow's run, such as a minimum agreement with the champion; a breach aborts the shadow. Needs `source`."
      )
  })
  .superRefine((shadow, ctx) => {
    if ((shadow.source === undefined) !== (shadow.triggers === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [shadow.source === undefined ? 'triggers' : 'source'],
        message: 'source and triggers go together: give both, or neither'
      })
    }
    triggerProblems(shadow.triggers ?? [], ctx)
  })
  .describe(
    'The version runs in shadow: no traffic of its own, compared with the holder of `shadows`.'
  )

export const CanaryRollout = z
  .strictObject({
    type: z.literal('canary'),
    steps: z
      .array(
        z
          .number()
          .int('must be a whole percent')
          .min(1, 'must be at least 1 (percent of the traffic)')
          .max(99, 'must be at most 99: the full share is the next stage, an ordinary promotion')
      )
      .min(1, 'needs at least one step')
      .describe(
        'The traffic shares, in percent, the canary takes one after another (such as [5, 10, 25, 50]): whole numbers from 1 to 99, strictly increasing.'
      ),
    min_step_duration: duration.describe(
      'How long the canary must stay at a step before it may advance to the next, such as 1h.'
    ),
    source: MonitorSource,
    triggers: z
      .array(Trigger)
      .min(1)
      .describe(
        "The monitor's triggers (same fields as `monitor.triggers`) that must be healthy for the canary to advance."
      )
  })
  .superRefine((canary, ctx) => {
    canary.steps.forEach((percent, i) => {
      const before = i > 0 ? canary.steps[i - 1] : undefined
      if (before !== undefined && percent <= before) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i],
          message: `${percent} does not exceed the step before it (${before}): steps must be strictly increasing`
        })
      }
    })
    triggerProblems(canary.triggers, ctx)
  })
  .describe(
    'The version takes a growing share of the traffic, one step at a time; each step is recorded in the registry.'
  )

export const Rollout = z
  .discriminatedUnion('type', [ShadowRollout, CanaryRollout])
  .describe(
    'Progressive delivery into this stage: `shadow` or `canary` (docs/rollout.md). The move to full traffic is the next stage, an ordinary promotion with its gates.'
  )

export type RolloutPolicy = z.infer<typeof Rollout>
export type CanaryPolicy = z.infer<typeof CanaryRollout>

interface StagesShape {
  registry: { type: string; legacy_stages?: boolean }
  stages: Record<string, { rollout?: RolloutPolicy | undefined; monitor?: unknown }>
}

/**
 * The rollout rules that need the whole policy: a shadow names another stage of the policy, the
 * deprecated MLflow stages (only Staging and Production) cannot hold a rollout, and a rollout stage
 * has no `monitor:` block (its versions leave it by an abort; a monitor's rollback would put a
 * version back with no step, walking around the start's gates). Pure.
 */
export function rolloutProblems(
  policy: StagesShape
): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = []
  for (const [name, stage] of Object.entries(policy.stages)) {
    const rollout = stage.rollout
    if (!rollout) continue
    if (stage.monitor !== undefined) {
      problems.push({
        path: ['stages', name, 'monitor'],
        message: `a rollout stage is watched by its rollout's triggers, and its versions leave it by steps (abort), never by a monitor's rollback: move these triggers to stages.${name}.rollout.triggers`
      })
    }
    if (rollout.type === 'shadow') {
      if (rollout.shadows === name) {
        problems.push({
          path: ['stages', name, 'rollout', 'shadows'],
          message: 'a stage cannot shadow itself'
        })
      } else if (!Object.hasOwn(policy.stages, rollout.shadows)) {
        const known = Object.keys(policy.stages).filter(s => s !== name)
        problems.push({
          path: ['stages', name, 'rollout', 'shadows'],
          message: `names the stage "${rollout.shadows}", which this policy does not define (known: ${known.join(', ')})`
        })
      } else if (policy.stages[rollout.shadows]?.rollout) {
        problems.push({
          path: ['stages', name, 'rollout', 'shadows'],
          message: `names "${rollout.shadows}", itself a rollout stage: a shadow runs beside a stage that takes the full traffic`
        })
      }
    }
    if (policy.registry.type === 'mlflow' && policy.registry.legacy_stages) {
      problems.push({
        path: ['stages', name, 'rollout'],
        message:
          'needs aliases: with registry.legacy_stages the deprecated MLflow stages hold no rollout'
      })
    }
  }
  return problems
}

/** The step after `percent` in the canary's steps; undefined at the last one. */
export function nextStep(canary: CanaryPolicy, percent: number): number | undefined {
  return canary.steps.find(step => step > percent)
}
