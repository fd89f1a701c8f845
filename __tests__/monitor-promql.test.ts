import { placeholderProblems } from '../src/policy/promql-placeholders.js'
import {
  escapeStringContent,
  PromqlPlaceholderError,
  quoteRegex,
  substitutePlaceholders
} from '../src/monitor/promql.js'

const VALUES = { model: 'clf', version: 'v1.0', stage: 'prod' }

describe('substitutePlaceholders', () => {
  it('replaces each placeholder in a matcher value, for every matcher operator', () => {
    expect(
      substitutePlaceholders(
        'sum(rate(errors_total{model="$model", version!="$version", stage=~"$stage|shadow", x!~"$version"}[5m]))',
        VALUES
      )
    ).toBe(
      'sum(rate(errors_total{model="clf", version!="v1.0", stage=~"prod|shadow", x!~"v1\\\\.0"}[5m]))'
    )
  })

  it('keeps the rest of a value and several placeholders in one value', () => {
    expect(substitutePlaceholders('m{id="$model/$version:x"}', VALUES)).toBe('m{id="clf/v1.0:x"}')
  })

  it('escapes a hostile value so it stays one label value', () => {
    const hostile = { ...VALUES, version: '"} or vector(1) #\n\\' }
    expect(substitutePlaceholders('m{version="$version"}', hostile)).toBe(
      'm{version="\\"} or vector(1) #\\n\\\\"}'
    )
  })

  it('quotes a value as a regular expression in =~ and !~ matchers', () => {
    expect(substitutePlaceholders('m{version=~"$version"}', { ...VALUES, version: 'a.*(b)' })).toBe(
      'm{version=~"a\\\\.\\\\*\\\\(b\\\\)"}'
    )
  })

  it('leaves $1 of label_replace and names that only start like a placeholder alone', () => {
    const query = 'label_replace(m{model="$model"}, "dst", "$1", "src", "(.*)") + $models'
    expect(placeholderProblems(query)).toEqual([])
    expect(substitutePlaceholders(query, VALUES)).toBe(
      'label_replace(m{model="clf"}, "dst", "$1", "src", "(.*)") + $models'
    )
  })

  it('does not count an escaped quote as the end of a value', () => {
    expect(substitutePlaceholders('m{a="x\\"$model"}', VALUES)).toBe('m{a="x\\"clf"}')
  })

  it.each([
    ['a metric name', '$model{a="b"}', 1],
    ['a bare selector value', 'm{model=$model}', 9],
    ['a range', 'rate(m[$stage])', 8],
    ['a function argument string', 'label_replace(m, "dst", "$model", "src", ".*")', 26],
    ['a single-quoted value', "m{model='$model'}", 10],
    ['a raw string value', 'm{model=`$model`}', 10],
    ['a comment', 'm # $model', 5],
    ['a string after a closed selector', 'm{a="b"} + "$model"', 13],
    ['a label name', 'm{$model="x"}', 3],
    ['an unterminated value', 'm{model="x', -1]
  ])('refuses a placeholder in %s', (_, query, at) => {
    if (at === -1) {
      expect(placeholderProblems(query)).toEqual([])
      return
    }
    const name = /\$(model|version|stage)/.exec(query)?.[0]
    expect(placeholderProblems(query)).toEqual([
      `${name} at character ${at} is not inside the double-quoted value of a label matcher; placeholders may only be label values, such as {${name?.slice(1)}="${name}"}`
    ])
    expect(() => substitutePlaceholders(query, VALUES)).toThrow(PromqlPlaceholderError)
  })

  it('lists every misplaced placeholder and substitutes none', () => {
    let error: unknown
    try {
      substitutePlaceholders('$model{a="$stage"} + rate(m[$version])', VALUES)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(PromqlPlaceholderError)
    expect((error as PromqlPlaceholderError).problems).toHaveLength(2)
    expect((error as PromqlPlaceholderError).message).toContain('$model at character 1')
    expect((error as PromqlPlaceholderError).message).toContain('$version at character 29')
  })

  it('counts a value inside a nested selector after a comment line', () => {
    expect(
      substitutePlaceholders(
        '# errors of "$x"\nsum(m{model="$model"}) / sum(n{model="$model"})',
        VALUES
      )
    ).toBe('# errors of "$x"\nsum(m{model="clf"}) / sum(n{model="clf"})')
  })
})

describe('escapeStringContent and quoteRegex', () => {
  it('escapes backslash, double quote, newline and other control characters', () => {
    expect(escapeStringContent('a\\b"c\nd\re\tf\u0001g\u007f')).toBe(
      'a\\\\b\\"c\\nd\\re\\tf\\x01g\\x7f'
    )
    expect(escapeStringContent("plain 'single' é")).toBe("plain 'single' é")
  })

  it('quotes every RE2 metacharacter', () => {
    expect(quoteRegex('\\.+*?()|[]{}^$a-b')).toBe('\\\\\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$a-b')
  })
})
