/**
 * The README's inputs and outputs tables, generated from action.yml (the
 * contract) by `npm run schema`; a test fails while the README is stale.
 */

/** The page that holds the action reference, relative to the repository root. */
export const ACTION_REFERENCE_FILE = 'README.md'
import { parse } from 'yaml'

export const ACTION_START = '<!-- action-reference:start -->'
export const ACTION_END = '<!-- action-reference:end -->'

interface ActionYml {
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>
  outputs?: Record<string, { description?: string }>
}

const cell = (text: string) =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim()

export function actionReferenceMarkdown(actionYml: string): string {
  const action = parse(actionYml) as ActionYml
  const inputs = Object.entries(action.inputs ?? {}).map(
    ([name, input]) =>
      `| \`${name}\` | ${input.required ? 'yes' : 'no'} | ${input.default === undefined ? '' : `\`${input.default || "''"}\``} | ${cell(input.description ?? '')} |`
  )
  const outputs = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`
  )
  return [
    '<!-- Generated from action.yml by `npm run schema`: edit action.yml, not this section. -->',
    '',
    '### Inputs',
    '',
    '<!-- prettier-ignore-start -->',
    '| Input | Required | Default | Description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '<!-- prettier-ignore-end -->',
    '',
    '### Outputs',
    '',
    '<!-- prettier-ignore-start -->',
    '| Output | Description |',
    '| --- | --- |',
    ...outputs,
    '<!-- prettier-ignore-end -->'
  ].join('\n')
}

/** `text` (of `file`) with the part between `start` and `end` replaced by `section`. */
export function replaceSection(
  text: string,
  start: string,
  end: string,
  section: string,
  file = ACTION_REFERENCE_FILE
): string {
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`${file} must hold ${start} followed by ${end}`)
  return `${text.slice(0, from + start.length)}\n\n${section}\n\n${text.slice(to)}`
}
