import { JsonSyntaxError, nodeAt, parseJson, toPlain } from '../src/candidate/json.js'

function syntaxError(text: string, allowNonFinite = false): JsonSyntaxError {
  try {
    parseJson(text, { allowNonFinite })
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error
    throw error
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`)
}

describe('parseJson', () => {
  it('reads what JSON.parse reads, values and escapes alike', () => {
    const samples = [
      '{"a": [1, -2.5e3, 0, true, false, null, "x\\"y\\\\z\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"], "b": {}}',
      '[]',
      '"just a string"',
      '-0.0',
      '  \n\t{ "nested" : { "deeper" : [ [ ] , { } ] } }  \r\n'
    ]
    for (const text of samples) expect(toPlain(parseJson(text))).toEqual(JSON.parse(text))
  })

  it('gives 1-based line and column for every value and key', () => {
    const root = parseJson('{\n  "a": {\n    "b": [10,\n      20]\n  }\n}')
    expect(nodeAt(root, ['a'])?.pos).toEqual({ offset: 9, line: 2, column: 8 })
    expect(nodeAt(root, ['a', 'b', 1])?.pos).toMatchObject({ line: 4, column: 7 })
    expect(root.kind === 'object' && root.entries[0]?.keyPos).toMatchObject({ line: 2, column: 3 })
  })

  it('reads NaN, Infinity and -Infinity only when asked', () => {
    const text = '[NaN, Infinity, -Infinity]'
    expect(toPlain(parseJson(text, { allowNonFinite: true }))).toEqual([NaN, Infinity, -Infinity])
    expect(syntaxError(text).message).toBe("unexpected 'NaN' (expected a value)")
    expect(syntaxError(text).position).toMatchObject({ line: 1, column: 2 })
  })

  it.each([
    ['{"a": 1,}', 1, 9, /expected a string key/],
    ['{"a" 1}', 1, 6, /expected ':'/],
    ['[1 2]', 1, 4, /expected ',' or ']'/],
    ['{"a": 1} x', 1, 10, /after the end of the JSON value/],
    ['', 1, 1, /the file is empty/],
    ['{"a": "tab\there"}', 1, 11, /control character U\+0009 must be escaped/],
    ['{"a": "\\x"}', 1, 8, /invalid escape/],
    ['{"a": "open', 1, 7, /unterminated string/],
    ['{"a": 01}', 1, 7, /invalid number/],
    ['{"a": 1.}', 1, 7, /invalid number/],
    ['{"a": -}', 1, 7, /invalid number/],
    ['{"a": .5}', 1, 7, /expected a value/],
    ['{"a": NaNa}', 1, 7, /unexpected 'NaNa'/],
    ["{'a': 1}", 1, 2, /expected a string key/],
    ['{"a": tru}', 1, 7, /unexpected 'tru'/],
    ['[1,\n\n  ]', 3, 3, /unexpected ']'/]
  ])('refuses %j at line %i, column %i', (text, line, column, message) => {
    const error = syntaxError(text, true)
    expect(error.position).toMatchObject({ line, column })
    expect(error.message).toMatch(message)
  })

  it('refuses a duplicate key, pointing at the second one', () => {
    const error = syntaxError('{"a": 1,\n  "a": 2}')
    expect(error.position).toMatchObject({ line: 2, column: 3 })
    expect(error.message).toBe('duplicate key "a" (first given at line 1, column 2)')
  })

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(syntaxError('['.repeat(100_000)).message).toMatch(/nested more than 256 levels/)
  })

  it('ignores a leading byte-order mark', () => {
    expect(toPlain(parseJson('\ufeff{"a": 1}'))).toEqual({ a: 1 })
  })

  it('keeps a __proto__ key as data', () => {
    const value = toPlain(parseJson('{"__proto__": {"polluted": true}}')) as Record<string, unknown>
    expect(Object.keys(value)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})
