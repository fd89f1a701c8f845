/**
 * Tag messages: a readable first line, a blank line, then the audit facts as
 * JSON. GTO never parses messages, so anything here is GTO-safe; JSON escapes
 * every control character, so the message stays one paragraph of text for git.
 */

/** Marks a message body as ModelGate's audit record (and its format version). */
export const AUDIT_MARKER = 'modelgate'
const AUDIT_FORMAT = 1

export function formatMessage(summary: string, audit: Record<string, unknown>): string {
  const firstLine = summary.replace(/\s+/g, ' ').trim()
  return `${firstLine}\n\n${JSON.stringify({ [AUDIT_MARKER]: AUDIT_FORMAT, ...audit }, null, 2)}\n`
}

/**
 * The first line of an assignment tag: a forced one says so there, the only line `git tag -n`
 * and GTO's readers show, and the tag's name stays GTO's `NAME#STAGE#N`.
 */
export function promoteSummary(
  model: string,
  version: string,
  stage: string,
  forcedPast: string | undefined
): string {
  return `Promote ${model} ${version} to ${stage}${forcedPast ? `, ${forcedPast}` : ''}`
}

export interface ParsedMessage {
  summary: string
  audit?: Record<string, unknown>
}

/** Splits a tag message; `audit` only when the body is ModelGate's JSON record. */
export function parseMessage(message: string): ParsedMessage {
  const text = message.replace(/\r\n/g, '\n').trim()
  const newline = text.indexOf('\n')
  const summary = (newline < 0 ? text : text.slice(0, newline)).trim()
  if (newline < 0) return { summary }
  const body = text.slice(newline + 1).trim()
  if (!body.startsWith('{') || !body.includes(`"${AUDIT_MARKER}"`)) return { summary }
  try {
    const parsed: unknown = JSON.parse(body)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && AUDIT_MARKER in parsed) {
      return { summary, audit: parsed as Record<string, unknown> }
    }
  } catch {
    // Not ours, or damaged: keep the summary, drop the record.
  }
  return { summary }
}
