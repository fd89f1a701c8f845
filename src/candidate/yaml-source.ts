import { LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { SourceLocation } from '../errors.js'
import { invalid } from './problems.js'

/** A parsed YAML file and what is needed to turn node offsets into lines and columns. */
export interface YamlSource {
  file: string
  doc: Document.Parsed
  lineCounter: LineCounter
}

/**
 * Parse YAML text, throwing InvalidInputError naming file:line:column for every
 * syntax error (tabs as indentation, duplicate keys, bad indentation...).
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const locations = doc.errors.map(error => {
      const { line, col } = lineCounter.linePos(error.pos[0])
      return { file, line, column: col, problem: error.message }
    })
    throw invalid(`${file} is not valid YAML`, locations)
  }
  return { file, doc, lineCounter }
}

/** The location of a node (or of the whole file when there is none). */
export function locate(
  source: YamlSource,
  node: Node | null | undefined,
  keyPath?: string,
  problem?: string
): SourceLocation {
  const location: SourceLocation = { file: source.file }
  const offset = node?.range?.[0]
  if (offset !== undefined) {
    const { line, col } = source.lineCounter.linePos(offset)
    location.line = line
    location.column = col
  }
  if (keyPath !== undefined) location.keyPath = keyPath
  if (problem !== undefined) location.problem = problem
  return location
}
