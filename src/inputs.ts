import { reasonProblem } from './audit/reason.js'
import * as core from '@actions/core'
import { z } from 'zod'
import { InvalidInputError } from './errors.js'
import { NO_WEBHOOK, type WebhookRoutes } from './notify/route.js'
import { MODEL_NAME_PATTERN, NAME_PATTERN } from './policy/schema.js'

export const COMMANDS = [
  'check',
  'register',
  'promote',
  'rollback',
  'status',
  'history',
  'monitor',
  'rollout'
] as const
export type CommandName = (typeof COMMANDS)[number]

/** Every input of action.yml, read once and validated together: one variant per command. */
export type Settings =
  | CheckSettings
  | RegisterSettings
  | PromoteSettings
  | RollbackSettings
  | MonitorSettings
  | RolloutSettings
  | (CommonSettings & { command: 'status' | 'history' })

/** `check`: the candidate is `candidate`, or the downloaded `candidate-artifact`. */
export type CheckSettings = CommonSettings & { command: 'check'; policy: string; stage: string }
/** `register`: the model is `model`, else the policy's (one of the two is given). */
export type RegisterSettings = CommonSettings & { command: 'register'; version: string }
export type PromoteSettings = CommonSettings & { command: 'promote'; policy: string; stage: string }
/** `rollback`: the model is `model`, else the policy's (one of the two is given). */
export type RollbackSettings = CommonSettings & {
  command: 'rollback'
  stage: string
  reason: string
}

/** `rollout`: one step of `stage`'s rollout, by dispatch (as `modelgate rollout`). */
export type RolloutSettings = CommonSettings & {
  command: 'rollout'
  stage: string
  step: RolloutStepInput
}
export const ROLLOUT_STEPS = ['start', 'advance', 'hold', 'abort', 'complete'] as const
export type RolloutStepInput = (typeof ROLLOUT_STEPS)[number]

/** `monitor`: every stage of the policy with a `monitor:` block, or only `stage`. */
export type MonitorSettings = CommonSettings & { command: 'monitor'; policy: string }

/** The action inputs of the hand-off to serving (docs/rollout.md): both parts are opt-in. */
export interface HandOffSettings {
  /** `deployments: true`: a GitHub Deployment per stage change (needs `deployments: write`). */
  deployments: boolean
  /** `dispatch-event-type`: a repository_dispatch event of this type (needs `contents: write`). */
  dispatchEventType?: string
}

/** The inputs every command reads; a variant of {@link Settings} makes some of them required. */
export interface CommonSettings {
  policy?: string
  candidate?: string
  stage?: string
  champion?: string
  model?: string
  version?: string
  reason?: string
  /** `rollout`: the step to record. */
  step?: RolloutStepInput
  dryRun: boolean
  force: boolean
  failOnBlocked: boolean
  /** The token for the GitHub API (reviews, comments, statuses, permissions); masked. */
  githubToken?: string
  /** When a pull request's promotion is written: on merge (default) or once every gate passes. */
  promoteOn: 'merge' | 'approval'
  /** An Actions artifact holding the candidate directory, instead of `candidate`. */
  candidateArtifact?: string
  /** The workflow run that uploaded it (default: this run). */
  candidateRunId?: number
  /** The repository of that run, `owner/name` (default: this repository). */
  candidateRepository?: string
  /**
   * Where to POST notifications, by severity (`notify-webhook` and its per-severity overrides);
   * secrets (masked).
   */
  notifyWebhooks: WebhookRoutes
  /** A Sigstore trusted root file to verify attestations against, instead of the pinned one. */
  sigstoreTrustedRoot?: string
  /** The hand-off to serving (`deployments`, `dispatch-event-type`): both opt-in; absent: off. */
  handOff?: HandOffSettings
}

/**
 * A name that reaches the registry, audit records, the log and the summary: checked here, before
 * any record is built, so nothing downstream ever holds markup or a workflow command in one.
 * The message never repeats the value (it may be hostile).
 */
const name = (input: string, pattern: RegExp, rule: string, max: number) =>
  z.string().refine(value => value === '' || (value.length <= max && pattern.test(value)), {
    message: `input "${input}" must be ${rule}, at most ${max} characters`
  })
/** GTO's `v` + semver (`v1.2.0-rc.1+build.5`) and MLflow's version numbers (`12`). */
const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+-]*$/

/** An http(s) URL; a per-severity one may also be `none` (nothing of that severity is sent). */
const webhook = (input: string, orNone = false) =>
  z
    .string()
    .refine(
      value =>
        value === '' || /^https?:\/\/[^\s]+$/i.test(value) || (orNone && value === NO_WEBHOOK),
      { message: `input "${input}" must be an http(s) URL${orNone ? ` or ${NO_WEBHOOK}` : ''}` }
    )

const bool = (name: string) =>
  z.enum(['true', 'false', ''], { message: `input "${name}" must be true or false` })

const Inputs = z.object({
  command: z.enum([...COMMANDS, ''], {
    message: `input "command" must be one of ${COMMANDS.join(', ')}`
  }),
  policy: z.string(),
  candidate: z.string(),
  stage: name(
    'stage',
    NAME_PATTERN,
    'a stage name: letters, digits, - _ or /, starting and ending with a letter or digit',
    100
  ),
  champion: z.string(),
  model: name(
    'model',
    MODEL_NAME_PATTERN,
    'a model name: letters, digits, - _ / . or :, starting and ending with a letter or digit',
    200
  ),
  version: name(
    'version',
    VERSION_PATTERN,
    'a version: letters, digits, . + or -, starting with a letter or digit (v1.2.0, or an MLflow version number)',
    128
  ),
  reason: z.string().refine(reason => reasonProblem(reason, 'input "reason"') === undefined, {
    error: issue => reasonProblem(String(issue.input), 'input "reason"')
  }),
  step: z.enum(['', ...ROLLOUT_STEPS], {
    message: `input "step" must be one of ${['start', 'advance', 'hold', 'abort', 'complete'].join(', ')}`
  }),
  'dry-run': bool('dry-run'),
  force: bool('force'),
  'fail-on-blocked': bool('fail-on-blocked'),
  'github-token': z.string(),
  'promote-on': z.enum(['merge', 'approval', ''], {
    message: 'input "promote-on" must be merge or approval'
  }),
  'candidate-artifact': z.string(),
  'candidate-run-id': z.string().regex(/^([1-9]\d*)?$/, {
    message: 'input "candidate-run-id" must be a workflow run id (a positive number)'
  }),
  'candidate-repository': z.string().regex(/^([\w.-]+\/[\w.-]+)?$/, {
    message: 'input "candidate-repository" must be owner/name'
  }),
  'sigstore-trusted-root': z.string(),
  'notify-webhook': webhook('notify-webhook'),
  'notify-webhook-critical': webhook('notify-webhook-critical', true),
  'notify-webhook-warning': webhook('notify-webhook-warning', true),
  'notify-webhook-info': webhook('notify-webhook-info', true),
  deployments: bool('deployments'),
  'dispatch-event-type': z.string().regex(/^([A-Za-z0-9][A-Za-z0-9._:/-]{0,99})?$/, {
    message:
      'input "dispatch-event-type" must be an event type: letters, digits, . _ : / or -, at most 100 characters'
  })
})

/** Which inputs each command cannot do without. */
const REQUIRED: Record<CommandName, ReadonlyArray<keyof CommonSettings>> = {
  check: ['policy', 'candidate', 'stage'],
  register: ['version'],
  promote: ['policy', 'stage'],
  rollback: ['stage', 'reason'],
  status: [],
  history: [],
  monitor: ['policy'],
  rollout: ['stage', 'step']
}

/** Inputs that are secrets: handed to `onSecret` before anything is validated. */
const SECRET_INPUTS = [
  'github-token',
  'notify-webhook',
  'notify-webhook-critical',
  'notify-webhook-warning',
  'notify-webhook-info'
] as const

/**
 * Reads and validates the inputs; one error lists every problem. The only caller of
 * core.getInput. `onSecret` (the action masks) sees every secret input first, so a run whose
 * other inputs are refused still never shows them.
 */
export function getInputs(options: { onSecret?: (secret: string) => void } = {}): Settings {
  const raw: Record<string, string> = Object.fromEntries(
    Object.keys(Inputs.shape).map(name => [name, core.getInput(name).trim()])
  )
  for (const secret of SECRET_INPUTS) {
    const value = raw[secret]
    if (value && value !== NO_WEBHOOK) options.onSecret?.(value)
  }
  const parsed = Inputs.safeParse(raw)
  if (!parsed.success) {
    throw new InvalidInputError(parsed.error.issues.map(issue => issue.message).join('\n'))
  }
  const inputs = parsed.data
  const text = (value: string) => value || undefined
  const command: CommandName = inputs.command || 'check'
  const settings: CommonSettings & { command: CommandName } = {
    command,
    policy: text(inputs.policy),
    candidate: text(inputs.candidate),
    stage: text(inputs.stage),
    champion: text(inputs.champion),
    model: text(inputs.model),
    version: text(inputs.version),
    reason: text(inputs.reason),
    ...(inputs.step ? { step: inputs.step } : {}),
    dryRun: inputs['dry-run'] === 'true',
    force: inputs.force === 'true',
    failOnBlocked: inputs['fail-on-blocked'] !== 'false',
    githubToken: text(inputs['github-token']),
    promoteOn: inputs['promote-on'] || 'merge',
    candidateArtifact: text(inputs['candidate-artifact']),
    candidateRunId: inputs['candidate-run-id'] ? Number(inputs['candidate-run-id']) : undefined,
    candidateRepository: text(inputs['candidate-repository']),
    notifyWebhooks: {
      ...(inputs['notify-webhook'] ? { default: inputs['notify-webhook'] } : {}),
      ...(inputs['notify-webhook-critical'] ? { critical: inputs['notify-webhook-critical'] } : {}),
      ...(inputs['notify-webhook-warning'] ? { warning: inputs['notify-webhook-warning'] } : {}),
      ...(inputs['notify-webhook-info'] ? { info: inputs['notify-webhook-info'] } : {})
    },
    sigstoreTrustedRoot: text(inputs['sigstore-trusted-root']),
    handOff: {
      deployments: inputs.deployments === 'true',
      ...(inputs['dispatch-event-type'] ? { dispatchEventType: inputs['dispatch-event-type'] } : {})
    }
  }
  if (
    settings.candidateArtifact &&
    settings.command !== 'check' &&
    settings.command !== 'promote'
  ) {
    throw new InvalidInputError(
      `input "candidate-artifact" is for commands check and promote, not ${settings.command}`
    )
  }
  if (settings.candidateArtifact && settings.candidate) {
    throw new InvalidInputError(
      'inputs "candidate" and "candidate-artifact" both name the candidate: give one'
    )
  }
  if (!settings.candidateArtifact && (settings.candidateRunId || settings.candidateRepository)) {
    throw new InvalidInputError(
      'inputs "candidate-run-id" and "candidate-repository" need "candidate-artifact"'
    )
  }
  const missing = REQUIRED[settings.command].filter(
    // The artifact becomes the candidate directory once downloaded.
    key => settings[key] === undefined && !(key === 'candidate' && settings.candidateArtifact)
  )
  if (settings.command === 'register' && !settings.model && !settings.policy) missing.push('model')
  if (settings.command === 'rollback' && !settings.model && !settings.policy) missing.push('model')
  if (settings.command === 'rollout' && !settings.model && !settings.policy) missing.push('model')
  if (settings.step === 'start' && !settings.version) missing.push('version')
  if (settings.step === 'abort' && !settings.reason) missing.push('reason')
  if (settings.force && !settings.reason) missing.push('reason')
  if (missing.length > 0) {
    throw new InvalidInputError(
      missing.map(key => `input "${key}" is required for command "${settings.command}"`).join('\n')
    )
  }
  return variant(settings, command)
}

/** The variant of the command, once every input it requires is known to be given. */
function variant(settings: CommonSettings, command: CommandName): Settings {
  const given = (key: 'policy' | 'stage' | 'version' | 'reason'): string => {
    const value = settings[key]
    // getInputs refused a missing required input above; this keeps the type honest.
    if (value === undefined) {
      throw new InvalidInputError(`input "${key}" is required for command "${command}"`)
    }
    return value
  }
  switch (command) {
    case 'check':
      return { ...settings, command, policy: given('policy'), stage: given('stage') }
    case 'register':
      return { ...settings, command, version: given('version') }
    case 'promote':
      return { ...settings, command, policy: given('policy'), stage: given('stage') }
    case 'rollback':
      return { ...settings, command, stage: given('stage'), reason: given('reason') }
    case 'monitor':
      return { ...settings, command, policy: given('policy') }
    case 'rollout':
      return { ...settings, command, stage: given('stage'), step: settings.step ?? 'advance' }
    case 'status':
    case 'history':
      return { ...settings, command }
  }
}
