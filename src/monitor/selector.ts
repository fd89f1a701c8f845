import { MetricSourceError } from './types.js'

/**
 * A series selector (`error_rate{model="clf", version=~"1\\.0|1\\.1"}`), the query of a file
 * source: PromQL's selector syntax without functions, ranges or offsets, so a trigger reads
 * the same whatever the source. Pure.
 */

export interface Matcher {
  label: string
  op: '=' | '!=' | '=~' | '!~'
  value: string
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*/
const LABEL = /^[A-Za-z_][A-Za-z0-9_]*/

/** The matchers of `text`; a metric name before the braces is a `__name__` matcher. */
export function parseSelector(text: string): Matcher[] {
  const bad = (why: string) =>
    new MetricSourceError(`the selector ${JSON.stringify(text)} is not valid: ${why}`)
  const matchers: Matcher[] = []
  let rest = text.trim()
  const name = NAME.exec(rest)
  if (name) {
    matchers.push({ label: '__name__', op: '=', value: name[0] })
    rest = rest.slice(name[0].length).trimStart()
  }
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trimStart()
    while (!rest.startsWith('}')) {
      const label = LABEL.exec(rest)
      if (!label) throw bad('expected a label name')
      rest = rest.slice(label[0].length).trimStart()
      const op = /^(=~|!~|!=|=)/.exec(rest)
      if (!op) throw bad(`expected =, !=, =~ or !~ after ${label[0]}`)
      rest = rest.slice(op[0].length).trimStart()
      const quoted = readString(rest, bad)
      matchers.push({ label: label[0], op: op[0] as Matcher['op'], value: quoted.value })
      rest = rest.slice(quoted.length).trimStart()
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart()
      else if (!rest.startsWith('}')) throw bad('expected , or } after a matcher')
    }
    rest = rest.slice(1).trimStart()
  }
  if (rest !== '') throw bad(`unexpected ${JSON.stringify(rest.slice(0, 20))}`)
  if (matchers.length === 0) throw bad('it selects nothing: give a metric name or matchers')
  return matchers
}

/** A double- or single-quoted string with Go's escapes, at the start of `text`. */
function readString(text: string, bad: (why: string) => Error): { value: string; length: number } {
  const quote = text[0]
  if (quote !== '"' && quote !== "'") throw bad('expected a quoted label value')
  let value = ''
  let i = 1
  while (i < text.length) {
    const char = text[i] as string
    if (char === quote) return { value, length: i + 1 }
    if (char === '\n') break
    if (char !== '\\') {
      value += char
      i++
      continue
    }
    const next = text[i + 1] ?? ''
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
      '"': '"',
      "'": "'"
    }
    if (next in simple) {
      value += simple[next]
      i += 2
      continue
    }
    const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0
    const hex = text.slice(i + 2, i + 2 + hexLength)
    if (hexLength > 0 && hex.length === hexLength && /^[0-9a-fA-F]+$/.test(hex)) {
      const code = parseInt(hex, 16)
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw bad('invalid escape')
      value += String.fromCodePoint(code)
      i += 2 + hexLength
      continue
    }
    throw bad(`unknown escape \\${next}`)
  }
  throw bad('a label value is not closed')
}

/** Whether a series' labels (its name as `__name__`) match every matcher; regexes are anchored. */
export function matches(labels: Record<string, string>, matchers: Matcher[]): boolean {
  return matchers.every(({ label, op, value }) => {
    // An absent label matches as the empty string, as in Prometheus.
    const actual = Object.hasOwn(labels, label) ? (labels[label] as string) : ''
    switch (op) {
      case '=':
        return actual === value
      case '!=':
        return actual !== value
      case '=~':
        return anchored(value).test(actual)
      case '!~':
        return !anchored(value).test(actual)
    }
  })
}

function anchored(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'su')
  } catch (error) {
    throw new MetricSourceError(`the regular expression ${JSON.stringify(pattern)} is not valid`, {
      cause: error
    })
  }
}
