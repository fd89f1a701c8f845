import { z } from 'zod'

/**
 * The promotion policy. This zod schema is the single source of truth: the
 * TypeScript types, the committed JSON Schema (`npm run schema`) and the README's
 * policy reference all derive from it. Every object is strict: unknown keys are errors.
 */

/** GTO's NAME rule, shared by model (artifact) and stage names so every tag we write parses. */
export const NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9\-/_]*[a-zA-Z0-9])?$/
/** Unity Catalog three-level names and monorepo `dir/sub:model` names are also model names. */
export const MODEL_NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9\-/_.:]*[a-zA-Z0-9])?$/
/** The pseudo-stage every newly registered version starts in. */
export const CANDIDATE_STAGE = 'candidate'

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' })
const nonNegative = finite.refine(n => n >= 0, { message: 'must be zero or more' })

export const MetricDirection = z
  .strictObject({
    goal: z.enum(['maximize', 'minimize']).describe('Whether a higher or a lower value is better.')
  })
  .describe('The direction of one metric.')

export const Threshold = z
  .strictObject({
    min: finite.optional().describe('The candidate must be at least this (inclusive).'),
    max: finite.optional().describe('The candidate must be at most this (inclusive).')
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

export const ApprovalGroup = z
  .strictObject({
    name: z.string().min(1).describe('Shown in the report.'),
    teams: z
      .array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be org/team-slug'))
      .optional()
      .describe('Teams as `org/team-slug`.'),
    users: z.array(z.string().min(1)).optional().describe('GitHub logins.'),
    min: z.number().int().min(1).default(1).describe('Approvals needed from this group.')
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
      .array(z.string().regex(NAME_PATTERN, 'must be a stage name'))
      .min(1)
      .describe(`Stages a version may be promoted from; \`${CANDIDATE_STAGE}\` means any registered version.`),
    thresholds: z.record(z.string().min(1), Threshold).optional().describe('Absolute bounds by metric.'),
    regression: z
      .record(z.string().min(1), Regression)
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
    approvals: Approvals.optional()
  })
  .describe('The gates for promoting into one stage.')

export const RegistryConfig = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('git') }).describe('The repository itself, as GTO tags.'),
    z
      .strictObject({
        type: z.literal('mlflow'),
        uri: z.string().url().optional().describe('Tracking URI; else the `registry-uri` input.')
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
        teams: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be org/team-slug')).optional(),
        users: z.array(z.string().min(1)).optional()
      })
      .describe('Who may roll back: the permission, or any listed user or team member.')
  })
  .describe('Rollback rules.')

export const Policy = z
  .strictObject({
    $schema: z.string().optional().describe('Editor hint; ignored.'),
    model: z
      .string()
      .regex(MODEL_NAME_PATTERN, 'must be a registry name (letters, digits, - _ / . :)')
      .describe('The registered model name.'),
    registry: RegistryConfig.default({ type: 'git' }),
    metrics: z
      .record(z.string().min(1), MetricDirection)
      .default({})
      .describe('Direction of each metric the policy compares.'),
    stages: z
      .record(z.string().regex(NAME_PATTERN, 'must be a stage name'), Stage)
      .refine(stages => Object.keys(stages).length > 0, { message: 'must define at least one stage' })
      .describe('Target stages and their gates.'),
    rollback: RollbackRules.optional()
  })
  .describe('A ModelGate promotion policy.')

export type Policy = z.infer<typeof Policy>
export type StagePolicy = z.infer<typeof Stage>
export type ThresholdRule = z.infer<typeof Threshold>
export type RegressionRule = z.infer<typeof Regression>
export type ArtifactRulesPolicy = z.infer<typeof ArtifactRules>
export type ApprovalsPolicy = z.infer<typeof Approvals>
export type MetricGoal = z.infer<typeof MetricDirection>['goal']
