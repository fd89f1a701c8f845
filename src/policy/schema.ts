import { z } from 'zod'
import { Monitor } from './monitor.js'
import { ProvenanceRules } from './provenance.js'
import { Rollout, rolloutProblems } from './rollout.js'

/**
 * The promotion policy. This zod schema is the single source of truth: the
 * TypeScript types, the committed JSON Schema (`npm run schema`) and docs/policy.md's
 * policy reference all derive from it. Every object is strict: unknown keys are errors.
 *
 * Rules about one object (a threshold needs a bound) are refinements on that object;
 * rules that cross-reference the policy (a stage's `from`, a regression's metric
 * direction) are one refinement on the whole policy, `crossReferenceProblems`.
 * Refinements run only on data of the right shape, and the JSON Schema leaves them out.
 */

/** GTO's NAME rule, shared by model (artifact) and stage names so every tag we write parses. */
export const NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9\-/_]*[a-zA-Z0-9])?$/
/** Unity Catalog three-level names and monorepo `dir/sub:model` names are also model names. */
export const MODEL_NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9\-/_.:]*[a-zA-Z0-9])?$/
export const MODEL_NAME_MAX = 200
/**
 * The one model-name rule of every command, the policy and the action's input. ModelGate's own
 * limit, stricter than MLflow (which accepts any non-empty name, spaces and quotes too): a name
 * goes into GTO tags, registry tag keys, file names and reports.
 */
export const MODEL_NAME_RULE = `letters, digits, - _ / . or :, starting and ending with a letter or digit, at most ${MODEL_NAME_MAX} characters (ModelGate's own limit: names go into git tags, registry tag keys and reports; MLflow itself accepts more)`

/** Why `name` is not a model name ModelGate accepts; undefined when it is one. */
export function modelNameProblem(name: string): string | undefined {
  if (name.length <= MODEL_NAME_MAX && MODEL_NAME_PATTERN.test(name)) return undefined
  return `model name ${JSON.stringify(name.slice(0, MODEL_NAME_MAX))}${name.length > MODEL_NAME_MAX ? '…' : ''} must be ${MODEL_NAME_RULE}`
}
/** The pseudo-stage every newly registered version starts in. */
export const CANDIDATE_STAGE = 'candidate'

const STAGE_NAME_RULE =
  'must be letters, digits, - _ or /, starting and ending with a letter or digit'
const stageName = z.string().regex(NAME_PATTERN, STAGE_NAME_RULE)
const metricName = z.string().min(1)
const teamSlug = z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be org/team-slug')
const login = z.string().min(1)
// zod 4 numbers are finite already: NaN and infinities are rejected.
const nonNegative = z.number().min(0)

export const MetricDirection = z
  .strictObject({
    goal: z.enum(['maximize', 'minimize']).describe('Whether a higher or a lower value is better.')
  })
  .describe('The direction of one metric.')

export const Threshold = z
  .strictObject({
    min: z.number().optional().describe('The candidate must be at least this (inclusive).'),
    max: z.number().optional().describe('The candidate must be at most this (inclusive).')
  })
  .superRefine((t, ctx) => {
    if (t.min === undefined && t.max === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs min, max or both' })
    } else if (t.min !== undefined && t.max !== undefined && t.min > t.max) {
      const message = `${t.min} is above max ${t.max}, so no value can pass`
      ctx.addIssue({ code: 'custom', path: ['min'], message })
    }
  })
  .describe('Absolute bounds on one metric of the candidate.')

export const Regression = z
  .strictObject({
    max_drop: nonNegative
      .optional()
      .describe(
        "Largest allowed worsening vs the champion, in the metric's own units (a drop for maximize, a rise for minimize)."
      ),
    max_relative_drop: nonNegative
      .optional()
      .describe('Largest allowed worsening vs the champion as a fraction of its value (0.01 = 1%).')
  })
  .refine(r => r.max_drop !== undefined || r.max_relative_drop !== undefined, {
    message: 'needs max_drop, max_relative_drop or both'
  })
  .describe('How much worse than the current champion the candidate may be on one metric.')

export const ArtifactRules = z
  .strictObject({
    max_size_mb: nonNegative
      .optional()
      .describe('Largest total size of the candidate files, in MiB (1,048,576 bytes).'),
    require: z
      .array(z.string().min(1))
      .optional()
      .describe('Paths, relative to the candidate directory, that must exist.'),
    checksums: z
      .enum(['required', 'optional'])
      .default('optional')
      .describe(
        '`required`: a sha256sum-format checksums file must exist and list every file. `optional`: verified when present.'
      )
  })
  .describe('Integrity rules for the candidate files.')

export const SchemaRules = z
  .strictObject({
    compatibility: z
      .enum(['exact', 'backward'])
      .describe(
        "`exact`: same inputs and outputs as the champion. `backward`: every input the candidate requires is one the champion accepted, with the same type, and the champion's outputs remain."
      )
  })
  .describe('Signature compatibility with the champion.')

/** `module.name` or `module.*`, as the model-file scan matches imports. */
const IMPORT_PATTERN = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\.\*)?$/

export const ModelScanRules = z
  .strictObject({
    allow: z
      .array(
        z
          .string()
          .regex(IMPORT_PATTERN, 'must be module.name or module.* (e.g. xgboost.core.Booster)')
      )
      .optional()
      .describe(
        'Imports a pickle in the candidate may make beyond the defaults (numpy, scikit-learn, PyTorch tensor rebuilds, collections): `module.name` exactly, or `module.*` for any name in the module and its submodules. Dangerous imports (os, subprocess, builtins.eval, ...) cannot be allowed.'
      ),
    required: z
      .boolean()
      .default(true)
      .describe(
        "Fail when the candidate's files could not be scanned (a registry version whose files were not read); `false` skips the gate with a warning instead."
      )
  })
  .describe(
    'Scan the model files that can hold code (pickle, joblib, PyTorch zip, NumPy object arrays) by opcode, never loading them: every import must be allowed, none dangerous, every stream readable to its end.'
  )

export const DataQualityRules = z
  .strictObject({
    checks: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Only these checks must be in the report and pass (Great Expectations: `expectation_type(column)`); default: every check, and the report as a whole.'
      )
  })
  .describe(
    "The training data passed its quality checks: the candidate's `data_quality.json` (a Great Expectations checkpoint result or ModelGate's own format) must exist, be for the `training_data_snapshot` that model.yaml names, and pass."
  )

export const ApprovalGroup = z
  .strictObject({
    name: z.string().min(1).describe('Shown in the report.'),
    teams: z.array(teamSlug).optional().describe('Teams as `org/team-slug`.'),
    users: z.array(login).optional().describe('GitHub logins.'),
    min: z.number().int().min(1).default(1).describe('Approvals needed from this group.')
  })
  .superRefine((g, ctx) => {
    const users = g.users?.length ?? 0
    if (users === 0 && !g.teams?.length) {
      ctx.addIssue({
        code: 'custom',
        message: 'lists no users and no teams, so nobody can approve'
      })
    } else if (!g.teams?.length && users < g.min) {
      const message = `needs ${g.min} approvals but lists only ${users} user${users === 1 ? '' : 's'}`
      ctx.addIssue({ code: 'custom', path: ['min'], message })
    }
  })
  .describe('A group of reviewers of which at least `min` must approve.')

export const Approvals = z
  .strictObject({
    required: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Approvals needed in all, from anyone with write access.'),
    exclude_author: z
      .boolean()
      .default(true)
      .refine(v => v, { message: "cannot be turned off: the PR author's own review never counts" })
      .describe("The PR author's own review never counts (kept on: it cannot be turned off)."),
    stale_after_push: z
      .boolean()
      .default(true)
      .describe('Approvals given before the latest push do not count.'),
    groups: z.array(ApprovalGroup).optional().describe('Groups that must each approve.')
  })
  .describe('Pull-request review approvals required to promote.')

export const Stage = z
  .strictObject({
    from: z
      .array(stageName)
      .min(1)
      .describe(
        `Stages a version may be promoted from; \`${CANDIDATE_STAGE}\` means any registered version.`
      ),
    thresholds: z.record(metricName, Threshold).optional().describe('Absolute bounds by metric.'),
    regression: z
      .record(metricName, Regression)
      .optional()
      .describe('Limits vs the champion by metric; each metric needs a direction under `metrics`.'),
    schema: SchemaRules.optional(),
    artifact: ArtifactRules.optional(),
    min_days_in_source_stage: nonNegative
      .optional()
      .describe('Days the version must have spent in its source stage.'),
    checks: z
      .array(z.string().min(1))
      .optional()
      .describe('Check runs that must have concluded successfully on the head commit.'),
    approvals: Approvals.optional(),
    monitor: Monitor.optional(),
    model_scan: ModelScanRules.optional(),
    data_quality: DataQualityRules.optional(),
    provenance: ProvenanceRules.optional(),
    monitoring: z
      .literal('required')
      .optional()
      .describe(
        '`required`: block a promotion when this stage has no `monitor:` block, or when a probe of its source finds no series for the version holding the stage (monitoring that receives nothing is not monitoring).'
      ),
    rollout: Rollout.optional()
  })
  .describe('The gates for promoting into one stage.')

export const RegistryConfig = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('git') }).describe('The repository itself, as GTO tags.'),
    z
      .strictObject({
        type: z.literal('mlflow'),
        uri: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
          .optional()
          .describe('Tracking URI; else the `MLFLOW_TRACKING_URI` environment variable.'),
        legacy_stages: z
          .boolean()
          .default(false)
          .describe(
            'Use the deprecated model-version stages (`transition-stage`) instead of aliases, for servers that still rely on them; policy stages must then be `Staging` or `Production`.'
          )
      })
      .describe('An MLflow Model Registry (OSS or Databricks Unity Catalog).')
  ])
  .describe('Where stages are recorded.')

export const RollbackRules = z
  .strictObject({
    allowed: z
      .strictObject({
        permission: z
          .enum(['write', 'maintain', 'admin'])
          .default('maintain')
          .describe('Lowest repository permission allowed to roll back.'),
        teams: z.array(teamSlug).optional().describe('Teams as `org/team-slug`.'),
        users: z.array(login).optional().describe('GitHub logins.')
      })
      .describe('Who may roll back: the permission, or any listed user or team member.')
  })
  .describe('Rollback rules.')

const PolicyShape = z.strictObject({
  $schema: z.string().optional().describe('Editor hint; ignored.'),
  model: z
    .string()
    .max(MODEL_NAME_MAX, `must be ${MODEL_NAME_RULE}`)
    .regex(MODEL_NAME_PATTERN, `must be ${MODEL_NAME_RULE}`)
    .describe('The registered model name.'),
  registry: RegistryConfig.default({ type: 'git' }),
  path: z
    .string()
    .min(1)
    .refine(p => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: 'must be a path inside the repository'
    })
    .optional()
    .describe(
      "Directory of the model's files in the repository (metrics.json, MLmodel, ...), used to read a version's files at its commit. Default: `path` of the model under `artifacts:` in dvc.yaml."
    ),
  metrics: z
    .record(metricName, MetricDirection)
    .default({})
    .describe('Direction of each metric the policy compares.'),
  stages: z
    .record(stageName, Stage)
    .refine(stages => Object.keys(stages).length > 0, { message: 'must define at least one stage' })
    .describe('Target stages and their gates.'),
  rollback: RollbackRules.optional()
})

/** A problem found by `crossReferenceProblems`: where (a key path) and what. */
export interface PolicyProblem {
  path: (string | number)[]
  message: string
}

/**
 * The rules that need the whole policy: every `from` names a stage of the policy (or
 * `candidate`), every stage is reachable from `candidate`, and every regression metric
 * has a direction. Pure; the empty list means the policy is consistent.
 */
export function crossReferenceProblems(policy: z.infer<typeof PolicyShape>): PolicyProblem[] {
  const problems: PolicyProblem[] = []
  const stageNames = Object.keys(policy.stages)
  // Own keys only: `from: [constructor]` must not find Object.prototype.
  const isKnown = (source: string) =>
    source === CANDIDATE_STAGE || Object.hasOwn(policy.stages, source)
  const badSources = new Set<string>()

  for (const [name, stage] of Object.entries(policy.stages)) {
    if (name === CANDIDATE_STAGE) {
      problems.push({
        path: ['stages', name],
        message: `"${CANDIDATE_STAGE}" is where every new version starts; it cannot be a target stage`
      })
    }
    stage.from.forEach((source, i) => {
      if (source === name) {
        badSources.add(name)
        problems.push({
          path: ['stages', name, 'from', i],
          message: 'a stage cannot be promoted from itself'
        })
      } else if (!isKnown(source)) {
        const known = [...new Set([CANDIDATE_STAGE, ...stageNames])]
          .filter(s => s !== name)
          .join(', ')
        badSources.add(name)
        problems.push({
          path: ['stages', name, 'from', i],
          message: `names the stage "${source}", which this policy does not define (known: ${known})`
        })
      }
    })
    for (const metric of Object.keys(stage.regression ?? {})) {
      if (!Object.hasOwn(policy.metrics, metric)) {
        problems.push({
          path: ['stages', name, 'regression', metric],
          message: `metric "${metric}" has no direction: give it a goal (maximize or minimize) under metrics`
        })
      }
    }
  }

  problems.push(...rolloutProblems(policy))

  const reachable = reachableStages(policy.stages)
  for (const name of stageNames) {
    if (!reachable.has(name) && !badSources.has(name) && name !== CANDIDATE_STAGE) {
      problems.push({
        path: ['stages', name],
        message: `cannot be reached: no chain of "from" stages leads to it from ${CANDIDATE_STAGE}`
      })
    }
  }
  return problems
}

/** Stages a version can reach from `candidate` by following `from` edges forwards. */
function reachableStages(stages: Record<string, { from: string[] }>): Set<string> {
  const reached = new Set<string>([CANDIDATE_STAGE])
  let grew = true
  while (grew) {
    grew = false
    for (const [name, stage] of Object.entries(stages)) {
      if (!reached.has(name) && stage.from.some(source => reached.has(source))) {
        reached.add(name)
        grew = true
      }
    }
  }
  reached.delete(CANDIDATE_STAGE)
  return reached
}

export const Policy = PolicyShape.superRefine((policy, ctx) => {
  for (const problem of crossReferenceProblems(policy)) {
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message })
  }
}).describe('A ModelGate promotion policy.')

export type Policy = z.infer<typeof Policy>
export type StagePolicy = z.infer<typeof Stage>
export type ThresholdRule = z.infer<typeof Threshold>
export type RegressionRule = z.infer<typeof Regression>
export type ArtifactRulesPolicy = z.infer<typeof ArtifactRules>
export type ApprovalsPolicy = z.infer<typeof Approvals>
export type ModelScanPolicy = z.infer<typeof ModelScanRules>
export type DataQualityPolicy = z.infer<typeof DataQualityRules>
export type MetricGoal = z.infer<typeof MetricDirection>['goal']
