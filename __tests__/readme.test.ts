// action.yml is the contract; the README's inputs and outputs are generated from it.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import {
  ACTION_END,
  ACTION_START,
  actionReferenceMarkdown,
  replaceSection
} from '../src/docs/action-reference.js'

const actionText = readFileSync('action.yml', 'utf8')
const action = parse(actionText) as {
  inputs: Record<string, { description?: string }>
  runs: { using: string; main: string }
}
const readme = readFileSync('README.md', 'utf8')

describe('README and action.yml agree', () => {
  it('the inputs and outputs tables are what action.yml generates', () => {
    const generated = replaceSection(
      readme,
      ACTION_START,
      ACTION_END,
      actionReferenceMarkdown(actionText)
    )
    if (generated !== readme) {
      throw new Error('The action reference in README.md is stale: run `npm run schema` and commit')
    }
  })

  it('every input is documented', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect([name, (input.description ?? '').length > 10]).toEqual([name, true])
      expect(readme).toContain(`| \`${name}\` |`)
    }
  })

  it('runs on node24 from the committed bundle', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})
