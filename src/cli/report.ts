/**
 * `modelgate report`: the CLI's compliance report (its options, usage and wiring). run.ts lists
 * it with the other commands; commands/report.ts reads the registry, report/compliance.ts words it.
 */
import { complianceReport } from '../commands/report.js'
import { InvalidInputError } from '../errors.js'
import { modelNameProblem } from '../policy/schema.js'
import { renderReport } from '../report/command.js'
import type { TableFormat } from '../report/terminal-table.js'
import { openCliRegistry } from './context.js'
import type { CliIO } from './run.js'
import { parseInstant } from './since.js'

export const REPORT_USAGE = `Usage: modelgate report [MODEL] --since DATE [--until DATE] [--policy FILE] [--repo DIR]
                       [--format md|table] [--json]

  A compliance report of a time window, from the registry alone: promotions (forced ones
  marked, with their approvers), rollbacks (automatic by monitor, or by hand), how long each
  version held each stage within the window, and the stage changes ModelGate did not make (a
  stage tag or alias with no ModelGate record of its own). Details: docs/audit-trail.md.

  MODEL             only this model (default: every model in the registry)
  --since DATE      the window's start (included), in UTC unless it names its zone
                    (2026-11-01, 2026-11-01 14:03, 2026-11-01T14:03:00+01:00)
  --until DATE      the window's end (excluded; default now): --until 2026-12-01 ends
                    with November
  --policy FILE     the policy that names the registry (default policies/MODEL.yml)
  --format FORMAT   md (markdown) or table (columns aligned for a terminal); default:
                    table on a terminal, md when piped or redirected
  --json            print JSON

  Exit codes: 0 every stage change in the window was made by ModelGate; 1 one or more were
  not (listed first); 2, 3, 4 as every command.`

export const REPORT_OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  policy: { type: 'string' },
  repo: { type: 'string', default: '.' },
  format: { type: 'string' },
  json: { type: 'boolean' }
} as const

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>

const text = (values: Values, name: string): string | undefined => {
  const value = values[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** `--since`/`--until` read as `history --since` reads its value (cli/since.ts). */
function dateOf(values: Values, name: string): Date | undefined {
  const value = values[name]
  if (typeof value !== 'string') return undefined
  const date = parseInstant(value)
  if (!date) {
    throw new InvalidInputError(
      `--${name} must be a date (2026-11-01), a date-time in UTC (2026-11-01 14:03, 2026-11-01T14:03:00) or one with its zone (2026-11-01T14:03:00+01:00), got "${value}"`
    )
  }
  return date
}

function formatOf(values: Values, io: CliIO): TableFormat {
  const format = text(values, 'format')
  if (format === undefined) return io.stdoutIsTTY ? 'table' : 'md'
  if (format === 'md' || format === 'table') return format
  throw new InvalidInputError(`--format must be md or table, got "${format}"`)
}

export async function runReportCommand(
  values: Values,
  io: CliIO,
  model: string | undefined
): Promise<number> {
  const problem = model === undefined ? undefined : modelNameProblem(model)
  if (problem) throw new InvalidInputError(problem)
  const since = dateOf(values, 'since')
  if (!since) throw new InvalidInputError('--since is required: the start of the report')
  const format = formatOf(values, io)
  const cli = await openCliRegistry({
    repo: text(values, 'repo') ?? '.',
    ...(model === undefined ? {} : { model }),
    policyFile: text(values, 'policy')
  })
  const now = cli.context.now()
  const outcome = await complianceReport(cli.context, {
    ...(model === undefined ? {} : { model }),
    since,
    until: dateOf(values, 'until') ?? now
  })
  const { markdown, json } = renderReport(outcome.report, format)
  io.stdout(values.json ? json + '\n' : markdown)
  return outcome.exitCode
}
