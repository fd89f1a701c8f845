/**
 * Where `$model`, `$version`, `$stage` (and, in a rollout's triggers, `$champion`) may stand in a trigger's PromQL: only inside the
 * double-quoted value of a label matcher. Pure; the policy checks a query with
 * `placeholderProblems` when it is loaded, and monitor/promql.ts substitutes values into the
 * same spans.
 */

/** A placeholder, not followed by more name characters (`$models` is not `$model`). */
export const PLACEHOLDER = /\$(model|version|stage|champion)(?![A-Za-z0-9_])/g

/** Where a placeholder may go: the span of one double-quoted matcher value, and its operator. */
export interface ValueSpan {
  /** Index of the opening quote. */
  start: number
  /** Index of the closing quote. */
  end: number
  regex: boolean
}

/**
 * The double-quoted label-matcher values of `query`, found by a small lexer that knows
 * PromQL's strings (`"…"` and `'…'` with backslash escapes, raw `` `…` ``), `#` comments and
 * `{…}` matcher lists. It does not check the rest of the syntax: Prometheus does that.
 */
export function matcherValueSpans(query: string): ValueSpan[] {
  const spans: ValueSpan[] = []
  let depth = 0
  // The last two tokens inside braces: a label name then a matcher operator precede a value.
  let previous: string[] = []
  let i = 0
  while (i < query.length) {
    const char = query[i] as string
    if (char === '#') {
      const newline = query.indexOf('\n', i)
      i = newline === -1 ? query.length : newline + 1
      continue
    }
    if (char === '"' || char === "'" || char === '`') {
      const end = stringEnd(query, i)
      const operator = previous[previous.length - 1]
      const label = previous[previous.length - 2]
      if (
        char === '"' &&
        depth > 0 &&
        operator !== undefined &&
        ['=', '!=', '=~', '!~'].includes(operator) &&
        label !== undefined &&
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(label)
      ) {
        spans.push({ start: i, end, regex: operator.endsWith('~') })
      }
      previous = [...previous, 'string'].slice(-2)
      i = end + 1
      continue
    }
    if (char === '{') depth++
    else if (char === '}') depth = Math.max(0, depth - 1)
    if (/\s/.test(char)) {
      i++
      continue
    }
    const operator = /^(!=|=~|!~|=)/.exec(query.slice(i, i + 2))
    const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(query.slice(i))
    const token = operator?.[0] ?? name?.[0] ?? char
    previous = [...previous, token].slice(-2)
    i += token.length
  }
  return spans
}

/** Index of the quote that closes the string opening at `start` (the end of text if none). */
function stringEnd(query: string, start: number): number {
  const quote = query[start]
  let i = start + 1
  while (i < query.length) {
    if (query[i] === '\\' && quote !== '`') i += 2
    else if (query[i] === quote) return i
    else i++
  }
  return query.length
}

/** Why each placeholder of `query` is refused; empty when every one is a matcher value. */
export function placeholderProblems(query: string): string[] {
  const spans = matcherValueSpans(query)
  const problems: string[] = []
  for (const match of query.matchAll(PLACEHOLDER)) {
    const at = match.index
    const inside = spans.some(span => at > span.start && at < span.end)
    if (!inside) {
      problems.push(
        `${match[0]} at character ${at + 1} is not inside the double-quoted value of a label matcher; placeholders may only be label values, such as {${match[1]}="${match[0]}"}`
      )
    }
  }
  return problems
}
