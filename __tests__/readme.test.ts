// action.yml is the contract; the README's tables must list exactly its inputs and outputs.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string }
}
const readme = readFileSync('README.md', 'utf8')

/** The body rows of the markdown table under a `### heading`, as trimmed cells. */
function tableRows(heading: string): string[][] {
  const section = readme.split(`### ${heading}\n`)[1]?.split(/\n#/)[0] ?? ''
  return section
    .split('\n')
    .filter(line => line.startsWith('| `'))
    .map(line =>
      line
        .split('|')
        .slice(1, -1)
        .map(cell => cell.trim())
    )
}

const tableNames = (heading: string) => tableRows(heading).map(([name]) => name)

describe('README and action.yml agree', () => {
  it('lists every input, and only those', () => {
    expect(tableNames('Inputs')).toEqual(Object.keys(action.inputs).map(name => `\`${name}\``))
  })

  it('gives each input its required flag and default', () => {
    const rows = tableRows('Inputs')
    for (const [name, input] of Object.entries(action.inputs)) {
      const [, required, defaultValue] = rows.find(([cell]) => cell === `\`${name}\``) ?? []
      expect([name, required]).toEqual([name, input.required ? 'yes' : 'no'])
      const expectedDefault = input.default === undefined ? '' : `\`${input.default || "''"}\``
      expect([name, defaultValue]).toEqual([name, expectedDefault])
    }
  })

  it('lists every output, and only those', () => {
    expect(tableNames('Outputs')).toEqual(Object.keys(action.outputs).map(name => `\`${name}\``))
  })

  it('runs on node24 from the committed bundle', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})
