// The CLI's commands: one table of option sets, usages and runs, so that --help, parsing and
// each command's wiring are read in one place (rollout's lives in cli/rollout.ts); what every
// command shares (reading values, printing, errors) is in cli/args.ts.
import { assertCandidateLocation, candidateDigest } from '../candidate/digest.js'
import { walkAndHash } from '../candidate/load.js'
import { check } from '../commands/check.js'
import { monitor } from '../commands/monitor.js'
import { promote } from '../commands/promote.js'
import { register, registerMlflow } from '../commands/register.js'
import { rollback } from '../commands/rollback.js'
import { history, status } from '../commands/status.js'
import { ExitCode, InvalidInputError } from '../errors.js'
import type { Policy } from '../policy/schema.js'
import { monitoringProber } from '../monitor/probe.js'
import { policyFileName } from '../policy/directory.js'
import { webhookRoutesFromEnv } from '../notify/route.js'
import { sendNotifications } from '../notify/send.js'
import { openOnFirstUse, resolveCommit } from '../registry/open.js'
import { renderDigest } from '../report/digest.js'
import { cliUnknownCommandText, cliWarningText } from '../report/cli.js'
import { forTerminal } from '../report/log.js'
import { VERSION } from '../version.js'
import {
  FORMAT_OPTION,
  FORMAT_USAGE,
  JSON_OPTION,
  NO_PUSH_OPTION,
  NO_PUSH_USAGE,
  REPO_OPTION,
  UsageError,
  optional,
  optionalDate,
  parseCommandArgs,
  print,
  pushOf,
  reasonOf,
  repoOf,
  reportError,
  required,
  requiredModel,
  tableFormat,
  type CliIO,
  type Command
} from './args.js'
import { metricSourcesIn, openCliRegistry } from './context.js'
import { ROLLOUT_OPTIONS, ROLLOUT_USAGE, runRolloutCommand } from './rollout.js'
import { REPORT_OPTIONS, REPORT_USAGE, runReportCommand } from './report.js'

export type { CliIO } from './args.js'

const USAGE = `Usage: modelgate <command> [options]

Commands:
  check      Evaluate a candidate model directory against a stage of a policy.
  register   Record a version of a model on a commit (git), or from a run (MLflow).
  promote    Evaluate a version against a stage's gates and, if they pass, assign the stage.
  rollback   Put a stage back on its previous holder (or a named version).
  rollout    Record a step of a stage's rollout (start, advance, hold, abort, complete).
  monitor    Judge watched stages on live metrics; roll back (or alert) on a breach.
  digest     Print the content digest of a candidate directory (what promotions compare).
  status     Show which version holds each stage.
  history    Show every registry event, newest first.
  report     A compliance report of a time window; exit 1 on stage changes not made by ModelGate.

Run "modelgate <command> --help" for a command's options, "modelgate --version" for the version.

Exit codes (the same in the action; a --dry-run exits with the code the real run would):
  0  pass: every gate passed
  1  pass with warnings (a gate skipped, a bad metric the policy does not use), or a forced
     promotion that happened (--force --reason, past failing or pending gates);
     monitor: inconclusive
  2  blocked (a gate failed or is pending), invalid input, or an unexpected error
  3  not found: a policy, candidate, stage, model or version
  4  permission or authentication error
  5  monitor: rolled back automatically
  6  monitor: a breach a person must act on`

const CHECK_USAGE = `Usage: modelgate check --policy FILE --candidate DIR --stage NAME [--champion DIR] [--json]

  --policy FILE     the promotion policy (YAML)
  --candidate DIR   the candidate model directory (metrics.json, MLmodel, files), or a
                    registered version: mlflow:NAME/VERSION or mlflow:NAME@ALIAS
  --stage NAME      the target stage, as named in the policy
  --champion DIR    the current holder of the stage, to compare against (optional; a
                    directory or mlflow:NAME/VERSION, mlflow:NAME@ALIAS)
  --json            print the evaluation as JSON instead of markdown`

/** Exported for the test that every command's --help names each of its options. */
export const COMMANDS: Record<string, Command> = {
  check: {
    usage: CHECK_USAGE,
    options: {
      policy: { type: 'string' },
      candidate: { type: 'string' },
      stage: { type: 'string' },
      champion: { type: 'string' },
      json: { type: 'boolean' }
    },
    async run(values, io) {
      const outcome = await check(
        {
          policyFile: required(values, 'policy'),
          candidateDir: required(values, 'candidate'),
          stage: required(values, 'stage'),
          championDir: optional(values, 'champion')
        },
        openOnFirstUse('.', { env: process.env })
      )
      return print(io, values, outcome)
    }
  },
  register: {
    usage: `Usage: modelgate register MODEL --version vX.Y.Z [--ref REF] [--dry-run] [--no-push] [--repo DIR] [--json]
       modelgate register MODEL --run RUN_ID [--artifact-path PATH] [--candidate DIR] [--policy FILE] [--dry-run]
       modelgate register MODEL --version N [--run RUN_ID] [--policy FILE]

  --version vX.Y.Z  the version (git: a full semver with a leading v; MLflow: the number
                    MLflow gave it, confirmed as it is)
  --ref REF         git: the commit it is made of (default HEAD)
  --run RUN_ID      MLflow: create a version from the run's logged model (runs:/RUN_ID/PATH);
                    MLflow numbers it, and the number is printed
  --artifact-path PATH  MLflow: the model's path inside the run (default model)
  --candidate DIR   MLflow: the files the run logged, whose digest is kept with the version
                    (version tag modelgate.candidate_digest)
  --policy FILE     the policy that names the registry (default policies/MODEL.yml)
  --dry-run         print what would be written; write nothing
${NO_PUSH_USAGE}`,
    options: {
      version: { type: 'string' },
      ref: { type: 'string' },
      run: { type: 'string' },
      'artifact-path': { type: 'string' },
      candidate: { type: 'string' },
      policy: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...NO_PUSH_OPTION,
      ...REPO_OPTION,
      ...JSON_OPTION
    },
    positionals: 1,
    async run(values, io, [model]) {
      const cli = await openCliRegistry({
        repo: repoOf(values),
        model: requiredModel(model),
        policyFile: optional(values, 'policy'),
        ...pushOf(values),
        writes: true
      })
      if (cli.fromRuns) {
        if (optional(values, 'ref') !== undefined) {
          throw new InvalidInputError(
            '--ref names a git commit; an MLflow version is made from a run: use --run RUN_ID (or --version N to confirm an existing one)'
          )
        }
        const dir = optional(values, 'candidate')
        return print(
          io,
          values,
          await registerMlflow(cli.context, cli.fromRuns, {
            model: requiredModel(model),
            version: optional(values, 'version'),
            runId: optional(values, 'run'),
            artifactPath: optional(values, 'artifact-path'),
            ...(dir ? { candidateDigest: candidateDigest((await walkAndHash(dir)).files) } : {}),
            dryRun: values['dry-run'] === true
          })
        )
      }
      const commit = await resolveCommit(cli.git, optional(values, 'ref') ?? 'HEAD')
      return print(
        io,
        values,
        await register(cli.context, {
          model: requiredModel(model),
          version: required(values, 'version'),
          commit,
          dryRun: values['dry-run'] === true
        })
      )
    }
  },
  promote: {
    usage: `Usage: modelgate promote MODEL --to STAGE [--version vX.Y.Z] [--candidate DIR] [--policy FILE]
                         [--dry-run] [--force --reason TEXT] [--no-push] [--repo DIR] [--json]

  --to STAGE        the target stage
  --version vX.Y.Z  the registered version to promote (default: the candidate's model.yaml version)
  --candidate DIR   the candidate's files (default: the version's files at its commit); used
                    only when its content digest (modelgate digest) is the version's, and never
                    when it is a symlink or resolves outside the repository
  --policy FILE     default policies/MODEL.yml
  --dry-run         evaluate and print what would be written; write nothing
  --force           promote although gates fail (needs --reason; recorded)
  --reason TEXT     why, for a forced promotion
${NO_PUSH_USAGE}`,
    options: {
      to: { type: 'string' },
      version: { type: 'string' },
      candidate: { type: 'string' },
      policy: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      reason: { type: 'string' },
      ...NO_PUSH_OPTION,
      ...REPO_OPTION,
      ...JSON_OPTION
    },
    positionals: 1,
    async run(values, io, [model]) {
      const cli = await openCliRegistry({
        repo: repoOf(values),
        model: requiredModel(model),
        policyFile: optional(values, 'policy'),
        requirePolicy: true,
        ...pushOf(values),
        writes: true
      })
      return print(
        io,
        values,
        await promote(cli.context, {
          policy: cli.policy as Policy,
          stage: required(values, 'to'),
          version: optional(values, 'version'),
          candidateDir: optional(values, 'candidate'),
          dryRun: values['dry-run'] === true,
          force: values.force === true,
          reason: reasonOf(optional(values, 'reason')),
          // `monitoring: required` probes the holder's series on the stage's monitor source.
          monitoringProbe: monitoringProber(metricSourcesIn(cli.root))
        })
      )
    }
  },
  rollback: {
    usage: `Usage: modelgate rollback MODEL --stage STAGE --reason TEXT [--restore vX.Y.Z] [--from vX.Y.Z]
                          [--dry-run] [--no-push] [--repo DIR] [--json]

  --stage STAGE     the stage to roll back
  --restore vX.Y.Z  the version to restore (default: the stage's previous holder)
  --from vX.Y.Z     the holder to take out: when the stage no longer holds it, nothing is
                    written (safe to re-run). Without --from or --restore, the same rollback
                    (same person and reason) within 15 minutes is taken for a re-run and writes
                    nothing
  --reason TEXT     why (required; recorded)
  --policy FILE     default policies/MODEL.yml at the repository root
  --dry-run         print what would be written; write nothing
${NO_PUSH_USAGE}`,
    options: {
      stage: { type: 'string' },
      restore: { type: 'string' },
      from: { type: 'string' },
      reason: { type: 'string' },
      policy: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...NO_PUSH_OPTION,
      ...REPO_OPTION,
      ...JSON_OPTION
    },
    positionals: 1,
    retired: {
      // `--to` is a stage wherever it appears (promote); here it once named a version.
      to: value =>
        `rollback names the version to restore with --restore (--to is a stage, as in promote): use --restore ${value || 'vX.Y.Z'}`
    },
    async run(values, io, [model]) {
      const cli = await openCliRegistry({
        repo: repoOf(values),
        model: requiredModel(model),
        policyFile: optional(values, 'policy'),
        ...pushOf(values),
        writes: true
      })
      await cli.assertStage(required(values, 'stage'))
      return print(
        io,
        values,
        await rollback(cli.context, {
          model: requiredModel(model),
          stage: required(values, 'stage'),
          toVersion: optional(values, 'restore'),
          fromVersion: optional(values, 'from'),
          reason: reasonOf(required(values, 'reason')),
          dryRun: values['dry-run'] === true,
          ...(cli.policy ? { policy: cli.policy } : {})
        })
      )
    }
  },
  rollout: {
    usage: ROLLOUT_USAGE,
    options: ROLLOUT_OPTIONS,
    positionals: 1,
    run: (values, io, [model]) => runRolloutCommand(values, io, model)
  },
  report: {
    usage: REPORT_USAGE,
    options: REPORT_OPTIONS,
    positionals: 1,
    run: (v, io, [m]) => runReportCommand(v, io, m)
  },
  monitor: {
    usage: `Usage: modelgate monitor [MODEL] [--stage STAGE] [--at TIME] [--dry-run] [--policy FILE]
                        [--no-push] [--repo DIR] [--json]

  Judges each stage with a monitor: block on live metrics, from its holder's promotion (or
  an automatic rollback) to now; a breach rolls the stage back (kind automatic-rollback)
  or alerts, as the policy says. No data, NaN, infinities and source failures are
  inconclusive: never a pass, never a rollback. Details: docs/monitor.md.

  MODEL             default: the policy's model (--policy)
  --stage STAGE     only this stage (it must have a monitor: block)
  --at TIME         evaluate as of this time, in UTC unless it names its zone (default now)
  --policy FILE     default policies/MODEL.yml at the repository root
  --dry-run         evaluate and print what would be written; write nothing
${NO_PUSH_USAGE}

  Notifications (severity critical, warning, info; docs/notifications.md) are POSTed to
  $MODELGATE_NOTIFY_WEBHOOK, or per severity to $MODELGATE_NOTIFY_WEBHOOK_CRITICAL, _WARNING,
  _INFO (a URL, or none); a failing webhook is a warning. A dry run sends none.

  Exit codes: 0 healthy, recovered or nothing to watch; 1 inconclusive (nothing written);
  5 rolled back automatically (or would be, on a dry run); 6 a breach a person must act on
  (alert-only, cap reached, no earlier holder, recovery failed); 2, 3, 4 as every command.`,
    options: {
      stage: { type: 'string' },
      at: { type: 'string' },
      policy: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...NO_PUSH_OPTION,
      ...REPO_OPTION,
      ...JSON_OPTION
    },
    positionals: 1,
    async run(values, io, [named]) {
      const model = named === undefined ? undefined : requiredModel(named)
      const policyFile = optional(values, 'policy')
      if (model === undefined && policyFile === undefined) {
        throw new UsageError('name the model (the first argument) or its policy (--policy)')
      }
      // Checked before anything is read or written: a bad variable is exit 2, nothing done.
      const webhooks = webhookRoutesFromEnv(process.env)
      if (webhooks.problems.length > 0) throw new InvalidInputError(webhooks.problems.join('\n'))
      const cli = await openCliRegistry({
        repo: repoOf(values),
        model,
        policyFile,
        requirePolicy: true,
        ...pushOf(values),
        writes: true
      })
      const policy = cli.policy as Policy
      const outcome = await monitor(cli.context, {
        policy,
        model: policy.model,
        stage: optional(values, 'stage'),
        at: optionalDate(values, 'at'),
        dryRun: values['dry-run'] === true,
        policyFile: policyFile ?? policyFileName(policy.model),
        sourceFor: metricSourcesIn(cli.root)
      })
      const code = print(io, values, outcome)
      await sendNotifications(outcome.notifications ?? [], webhooks.routes, {
        logger: {
          debug: () => {},
          info: () => {},
          warning: message => io.stderr(cliWarningText(message))
        }
      })
      return code
    }
  },
  digest: {
    usage: `Usage: modelgate digest DIR [--json]

  Prints the content digest of a candidate directory: sha256 over the sorted list of its
  files' sha256 and paths (as sha256sum prints them). A candidate directory is promoted as a
  version only when its digest equals the version's (git: recorded at registration; MLflow:
  the version tag modelgate.candidate_digest, which a training job can set to this value).`,
    options: { ...JSON_OPTION },
    positionals: 1,
    async run(values, io, [dir]) {
      if (!dir) throw new UsageError('name the candidate directory: the first argument')
      // The same refusal as promote's: a digest of a directory promote would not read misleads.
      await assertCandidateLocation(dir, process.cwd())
      const { files } = await walkAndHash(dir)
      const digest = candidateDigest(files)
      const report = renderDigest({ dir, digest, files: files.length })
      return print(io, values, { ...report, exitCode: ExitCode.Pass })
    }
  },
  status: {
    usage: `Usage: modelgate status [MODEL] [--policy FILE] [--repo DIR] [--format md|table] [--json]

  Every stage a model's policy defines is listed in the policy's order, "-" where no version
  holds it: with MODEL, its policy (--policy FILE, default policies/MODEL.yml at the repository
  root); without, each model's policies/MODEL.yml. A model without a policy shows the stages
  held. --json prints the registry's holders only, the same for each model either way.
${FORMAT_USAGE}`,
    options: { policy: { type: 'string' }, ...REPO_OPTION, ...FORMAT_OPTION, ...JSON_OPTION },
    positionals: 1,
    async run(values, io, [named]) {
      const model = named === undefined ? undefined : requiredModel(named)
      const cli = await openCliRegistry({
        repo: repoOf(values),
        model,
        policyFile: optional(values, 'policy')
      })
      const format = tableFormat(values, io)
      const outcome = await status(cli.context, model, models => cli.policiesOf(models))
      return print(io, values, outcome, format)
    }
  },
  history: {
    usage: `Usage: modelgate history [MODEL] [--since DATE] [--stage STAGE] [--policy FILE] [--repo DIR]
                        [--format md|table] [--json]

  --since DATE      only events at or after this time, in UTC unless it names its zone
                    (2026-11-01, 2026-11-01 14:03, 2026-11-01T14:03:00+01:00)
  --stage STAGE     only events of this stage; one no policy defines is refused (exit 3):
                    MODEL's policy, or without MODEL every policies/*.yml (a model without a
                    policy, or no readable policy at all: the name is taken as given)
${FORMAT_USAGE}`,
    options: {
      since: { type: 'string' },
      stage: { type: 'string' },
      policy: { type: 'string' },
      ...REPO_OPTION,
      ...FORMAT_OPTION,
      ...JSON_OPTION
    },
    positionals: 1,
    async run(values, io, [named]) {
      const model = named === undefined ? undefined : requiredModel(named)
      const cli = await openCliRegistry({
        repo: repoOf(values),
        model,
        policyFile: optional(values, 'policy')
      })
      const stage = optional(values, 'stage')
      if (stage !== undefined) await cli.assertStage(stage)
      const format = tableFormat(values, io)
      const outcome = await history(cli.context, model, {
        since: optionalDate(values, 'since'),
        stage
      })
      return print(io, values, outcome, format)
    }
  }
}

/** Runs one CLI invocation and returns its exit code. Never throws. */
export async function runCli(argv: string[], given: CliIO): Promise<number> {
  // Everything printed passes through one filter: registry text, file names and messages can
  // hold workflow commands or terminal control sequences.
  const io: CliIO = {
    stdout: text => given.stdout(forTerminal(text)),
    stderr: text => given.stderr(forTerminal(text)),
    stdoutIsTTY: given.stdoutIsTTY === true
  }
  const [name, ...rest] = argv
  if (name === '--version' || name === '-V') {
    io.stdout(`${VERSION}\n`)
    return ExitCode.Pass
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE + '\n')
    return name === undefined ? ExitCode.Blocked : ExitCode.Pass
  }
  const command = COMMANDS[name]
  if (!command) {
    io.stderr(cliUnknownCommandText(name, USAGE))
    return ExitCode.Blocked
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage + '\n')
    return ExitCode.Pass
  }
  try {
    const { values, positionals } = parseCommandArgs(name, command, rest)
    for (const [option, instead] of Object.entries(command.retired ?? {})) {
      const value = values[option]
      if (value !== undefined) throw new InvalidInputError(instead(String(value)))
    }
    if (positionals.length > (command.positionals ?? 0)) {
      throw new UsageError(`unexpected argument "${positionals[command.positionals ?? 0]}"`)
    }
    return await command.run(values, io, positionals)
  } catch (error) {
    return reportError(error, io, command.usage)
  }
}
