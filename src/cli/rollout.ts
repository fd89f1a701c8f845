/**
 * `modelgate rollout`: the CLI's rollout command (its options, usage and how they become a
 * RolloutAction). run.ts lists it with the other commands.
 */
import { rollout } from '../commands/rollout.js'
import { InvalidInputError, NotFoundError } from '../errors.js'
import { modelNameProblem } from '../policy/schema.js'
import type { RolloutAction } from '../rollout/plan.js'
import { monitoringProber } from '../monitor/probe.js'
import { metricSourcesIn, openCliRegistry } from './context.js'
import type { CliIO } from './run.js'
import { renderReport } from '../report/command.js'

export const ROLLOUT_USAGE = `Usage: modelgate rollout MODEL --stage STAGE
                          [--start --version vX.Y.Z | --advance [--to PERCENT] | --hold
                           | --abort --reason TEXT | --complete]
                          [--reason TEXT] [--force --reason TEXT] [--dry-run] [--no-push]
                          [--policy FILE] [--repo DIR] [--json]

  Records one step of the stage's rollout (the policy's stages.STAGE.rollout) in the registry,
  by hand; with no step, shows where the rollout stands and its steps. Details: docs/rollout.md.

  --stage STAGE      the rollout's stage, as named in the policy
  --start            start a rollout of --version at the first step (a shadow: 0%), once the
                     stage's gates pass as for promote --to STAGE (stage order, rolled back or
                     aborted from the stage, thresholds, regression, approvals, …) and, for a
                     canary after a shadow with triggers, the shadow is judged ready now
  --version vX.Y.Z   the version to start
  --advance          to the next step, once min_step_duration has passed at the current one;
                     the same person's --advance again before then is a re-run: nothing written
  --to PERCENT       with --advance: the step to go to; run again, it writes nothing
  --hold             keep the share where it is (recorded, with --reason when given)
  --abort            traffic to 0% and the version out of the stage; needs --reason
  --complete         end the rollout after the version was promoted to the full stage
  --reason TEXT      why (required with --abort and --force; recorded)
  --force            with --start: start although gates fail (needs --reason; recorded)
  --policy FILE      default policies/MODEL.yml at the repository root
  --dry-run          print what would be written; write nothing
  --no-push          git: keep the tags in this clone (origin is not written)
  --json             print JSON
  The same step again writes nothing (exit 0).`

export const ROLLOUT_OPTIONS = {
  stage: { type: 'string' },
  start: { type: 'boolean' },
  version: { type: 'string' },
  advance: { type: 'boolean' },
  to: { type: 'string' },
  hold: { type: 'boolean' },
  abort: { type: 'boolean' },
  complete: { type: 'boolean' },
  reason: { type: 'string' },
  force: { type: 'boolean' },
  policy: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-push': { type: 'boolean' },
  repo: { type: 'string', default: '.' },
  json: { type: 'boolean' }
} as const

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>

const text = (values: Values, name: string): string | undefined => {
  const value = values[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The step the flags ask for; undefined: none (show the rollout). */
export function actionOf(values: Values): RolloutAction | undefined {
  const given = (['start', 'advance', 'hold', 'abort', 'complete'] as const).filter(
    flag => values[flag] === true
  )
  if (given.length > 1) {
    throw new InvalidInputError(
      `give one step at a time, not ${given.map(flag => `--${flag}`).join(' and ')}`
    )
  }
  const [kind] = given
  const version = text(values, 'version')
  const to = text(values, 'to')
  if (version !== undefined && kind !== 'start') {
    throw new InvalidInputError(
      '--version names the version to --start; other steps act on the running rollout'
    )
  }
  if (to !== undefined && kind !== 'advance')
    throw new InvalidInputError('--to goes with --advance')
  switch (kind) {
    case undefined:
      return undefined
    case 'start':
      if (!version) throw new InvalidInputError('--start needs --version: the version to roll out')
      return { kind, version }
    case 'advance': {
      if (to === undefined) return { kind }
      if (!/^[0-9]{1,2}$/.test(to)) {
        throw new InvalidInputError(`--to must be a percent from 1 to 99, got "${to}"`)
      }
      return { kind, to: Number(to) }
    }
    default:
      return { kind }
  }
}

export async function runRolloutCommand(
  values: Values,
  io: CliIO,
  model: string | undefined
): Promise<number> {
  if (!model) throw new InvalidInputError('name the model: the first argument')
  const problem = modelNameProblem(model)
  if (problem) throw new InvalidInputError(problem)
  const stage = text(values, 'stage')
  if (!stage) throw new InvalidInputError('--stage is required')
  const action = actionOf(values)
  const cli = await openCliRegistry({
    repo: text(values, 'repo') ?? '.',
    model,
    policyFile: text(values, 'policy'),
    requirePolicy: true,
    ...(values['no-push'] === true ? { push: false as const } : {})
  })
  const policy = cli.policy
  if (!policy) throw new NotFoundError(`No policy for ${model}: pass --policy FILE`)
  const reason = text(values, 'reason')
  const outcome = await rollout(cli.context, policy, {
    model,
    stage,
    ...(action ? { action } : {}),
    ...(reason ? { reason } : {}),
    dryRun: values['dry-run'] === true,
    force: values.force === true,
    // A start is judged as promote's: `monitoring: required` probes the stage's monitor source,
    // and a canary's shadow is judged on its own source, as `monitor` reads them.
    monitoringProbe: monitoringProber(metricSourcesIn(cli.root)),
    shadowSources: metricSourcesIn(cli.root)
  })
  const { markdown, json } = renderReport(outcome.report)
  io.stdout(values.json ? json + '\n' : markdown)
  return outcome.exitCode
}
