/**
 * `$model`, `$version` and `$stage` in a trigger's PromQL, substituted safely. Pure.
 *
 * A placeholder may only stand inside the double-quoted value of a label matcher
 * (`{model="$model"}`, `{version!="$version"}`, `{stage=~"$stage|shadow"}`); anywhere else
 * (a metric name, a range, a function argument, a comment, a single-quoted or raw string) the
 * query is refused, so a value can never become PromQL syntax. The value is escaped as a PromQL
 * double-quoted string (Go's escapes); in a regex matcher (`=~`, `!~`) it is first quoted as a
 * regular expression, so `1.0` matches only `1.0`.
 */
import {
  PLACEHOLDER,
  matcherValueSpans,
  placeholderProblems
} from '../policy/promql-placeholders.js'

export type PlaceholderName = 'model' | 'version' | 'stage' | 'champion'
/** `$champion` is only a rollout's: the holder of the stage it serves or shadows, when there is one. */
export type PlaceholderValues = Record<Exclude<PlaceholderName, 'champion'>, string> & {
  champion?: string
}

export class PromqlPlaceholderError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '))
    this.name = 'PromqlPlaceholderError'
  }
}

/** `value` as the inside of a PromQL double-quoted string (Go escapes). */
export function escapeStringContent(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return value.replace(/[\\"\u0000-\u001f\u007f]/g, char => {
    switch (char) {
      case '\\':
        return '\\\\'
      case '"':
        return '\\"'
      case '\n':
        return '\\n'
      case '\r':
        return '\\r'
      case '\t':
        return '\\t'
      default:
        return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`
    }
  })
}

/** `value` as an RE2 pattern that matches exactly `value`. */
export function quoteRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

/**
 * `query` with each placeholder replaced by its escaped value. Throws PromqlPlaceholderError,
 * listing every misplaced placeholder, rather than substitute any of them.
 */
export function substitutePlaceholders(query: string, values: PlaceholderValues): string {
  const problems = placeholderProblems(query)
  if (problems.length > 0) throw new PromqlPlaceholderError(problems)
  const spans = matcherValueSpans(query)
  return query.replace(PLACEHOLDER, (_, name: PlaceholderName, at: number) => {
    const span = spans.find(s => at > s.start && at < s.end)
    const value = values[name]
    // Callers check first (evaluate.ts): a query naming the champion is not sent without one.
    if (value === undefined) throw new PromqlPlaceholderError([`$${name} has no value`])
    return escapeStringContent(span?.regex ? quoteRegex(value) : value)
  })
}
