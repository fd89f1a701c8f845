/**
 * `modelgate report`: the CLI's compliance report (its options, usage and wiring). run.ts lists
 * it with the other commands; commands/report.ts reads the registry, report/compliance.ts words it.
 */
import { complianceReport } from '../commands/report.js'
import {
  FORMAT_OPTION,
  FORMAT_USAGE,
  JSON_OPTION,
  REPO_OPTION,
  UsageError,
  optional,
  optionalDate,
  print,
  repoOf,
  requiredModel,
  tableFormat,
  type CliIO,
  type OptionValues
} from './args.js'
import { openCliRegistry } from './context.js'

export const REPORT_USAGE = `Usage: modelgate report [MODEL] --since DATE [--until DATE] [--policy FILE] [--repo DIR]
                       [--format md|table] [--json]

  A compliance report of a time window, from the registry alone: promotions (forced ones
  marked, with their approvers), rollbacks (automatic by monitor, or by hand), rollout steps,
  how long each version held each stage within the window, and the changes ModelGate did not
  make (a stage tag or alias with no ModelGate record of its own, a deregistration or
  deprecation; a current holder of that kind whatever the window), and dates out of step (in
  the future, or before an earlier-counted tag). Details: docs/audit-trail.md.

  MODEL             only this model (default: every model in the registry)
  --since DATE      the window's start (included), in UTC unless it names its zone
                    (2026-11-01, 2026-11-01 14:03, 2026-11-01T14:03:00+01:00)
  --until DATE      the window's end (excluded; default now): --until 2026-12-01 ends
                    with November
  --policy FILE     the policy that names the registry (default policies/MODEL.yml)
${FORMAT_USAGE}

  Exit codes: 0 every change in the window was made by ModelGate; 1 one or more were not, a
  holder was not, or a date is out of step (listed first); 2, 3, 4 as every command.`

export const REPORT_OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  policy: { type: 'string' },
  ...REPO_OPTION,
  ...FORMAT_OPTION,
  ...JSON_OPTION
} as const

export async function runReportCommand(
  values: OptionValues,
  io: CliIO,
  named: string | undefined
): Promise<number> {
  const model = named === undefined ? undefined : requiredModel(named)
  const since = optionalDate(values, 'since')
  if (!since) throw new UsageError('--since is required: the start of the report')
  const until = optionalDate(values, 'until')
  const format = tableFormat(values, io)
  const cli = await openCliRegistry({
    repo: repoOf(values),
    ...(model === undefined ? {} : { model }),
    policyFile: optional(values, 'policy')
  })
  const outcome = await complianceReport(cli.context, {
    ...(model === undefined ? {} : { model }),
    since,
    until: until ?? cli.context.now()
  })
  return print(io, values, outcome, format)
}
