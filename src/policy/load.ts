import { readFile, stat } from 'node:fs/promises'
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml'
import type { Document, YAMLError } from 'yaml'
import type { z } from 'zod'
import { InvalidInputError, NotFoundError } from '../errors.js'
import type { SourceLocation } from '../errors.js'
import {
  cutKey,
  cutKeyLength,
  formatKeyPath,
  isMergeKey,
  keyName,
  offsetOf,
  pathAt,
  start
} from './locate.js'
import type { KeyPath, Target } from './locate.js'
import { plainMessage } from './messages.js'
import { Policy } from './schema.js'

/**
 * One problem in a policy file: where (file, 1-based line and column, key path) and
 * what is wrong (`problem`, words that complete the key path: `must be a number, …`).
 */
export interface PolicyProblemLocation extends SourceLocation {
  line: number
  column: number
  problem: string
}

/** Read and validate a policy file. Missing: `NotFoundError` (exit 3); anything else wrong: `InvalidInputError` (exit 2). */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string
  try {
    const stats = await stat(file)
    if (stats.isFile() && stats.size > POLICY_MAX_BYTES) {
      throw new InvalidInputError(
        `Policy file ${file} is ${stats.size} bytes; a policy may be at most ${POLICY_MAX_BYTES} bytes`,
        { locations: [{ file }] }
      )
    }
    if (!stats.isFile() && !stats.isDirectory()) {
      throw new InvalidInputError(`Policy file ${file} is not a regular file`, {
        locations: [{ file }]
      })
    }
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (error instanceof InvalidInputError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const locations = [{ file }]
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotFoundError(`Policy file not found: ${file}`, { locations, cause: error })
    }
    if (code === 'EISDIR') {
      throw new InvalidInputError(`Policy file ${file} is a directory, not a YAML file`, {
        locations,
        cause: error
      })
    }
    throw new InvalidInputError(`Cannot read policy file ${file}: ${(error as Error).message}`, {
      locations,
      cause: error
    })
  }
  try {
    return parsePolicy(text, file)
  } catch (error) {
    // The yaml library and zod recurse: a policy nested thousands deep exhausts the stack.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new InvalidInputError(`Policy ${file} has a problem: ${TOO_DEEP}`, {
        locations: [{ file }],
        cause: error
      })
    }
    throw error
  }
}

const TOO_DEEP = 'it is nested too deeply to read: a policy is a few levels of mappings'

/** A policy is a few KiB; a larger file (or a device such as /dev/zero) is refused unread. */
const POLICY_MAX_BYTES = 1024 * 1024

/** At most this much of the file is quoted back in a message. */
const EXCERPT_MAX = 200

function excerpt(text: string): string {
  return text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX)}… (cut)` : text
}

/**
 * Validate policy YAML. Throws one `InvalidInputError` listing every problem found,
 * each as `file:line:col key.path: what is wrong`. YAML syntax problems are reported
 * alone, since the structure around them cannot be trusted; the schema's cross-stage
 * rules run once every stage has the right shape.
 */
export function parsePolicy(text: string, file: string): Policy {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    // `1:` and `"1":` become the same key once parsed: they are duplicates too.
    uniqueKeys: (a, b) => a === b || (isScalar(a) && isScalar(b) && keyName(a) === keyName(b))
  })
  const locate = (offset: number, path: KeyPath, problem: string): PolicyProblemLocation => {
    const { line, col } = lineCounter.linePos(offset)
    const keyPath = path.length > 0 ? formatKeyPath(path) : undefined
    return { file, line, column: col, ...(keyPath && { keyPath }), problem }
  }

  if ([...doc.errors, ...doc.warnings].some(e => /call stack/i.test(e.message))) {
    throw policyError(file, [locate(0, [], TOO_DEEP)])
  }
  const yamlProblems = [...doc.errors, ...doc.warnings].map(e =>
    locate(e.pos[0], e.code === 'MULTIPLE_DOCS' ? [] : pathAt(doc, e.pos[0]), yamlMessage(e))
  )
  if (yamlProblems.length > 0) throw policyError(file, yamlProblems)
  const aliasProblems = badAliases(doc).map(p => locate(p.offset, pathAt(doc, p.offset), p.message))
  if (aliasProblems.length > 0) throw policyError(file, aliasProblems)

  const root = doc.contents
  if (root === null || (isScalar(root) && root.value === null)) {
    throw policyError(file, [locate(0, [], EMPTY)])
  }
  if (!isMap(root)) {
    const got = isSeq(root) ? 'a list' : `the value ${excerpt(JSON.stringify(root.toJSON()))}`
    throw policyError(file, [locate(root.range?.[0] ?? 0, [], `${MAPPING}, got ${got}`)])
  }

  let data: unknown
  try {
    data = doc.toJS() // expands aliases, up to the yaml library's limit on their count
  } catch (error) {
    const message = `the policy cannot be read as data: ${(error as Error).message}`
    throw policyError(file, [locate(0, [], message)], error)
  }
  const result = Policy.safeParse(data, { error: plainMessage })
  if (result.success) return result.data
  const problems = result.error.issues.flatMap(issue =>
    zodProblems(issue).map(p => locate(offsetOf(doc, p.path, p.target), p.path, p.message))
  )
  throw policyError(file, problems)
}

const MAPPING = 'a policy must be a mapping with at least `model` and `stages`'
const EMPTY = `the policy is empty: ${MAPPING}`

/**
 * Aliases the yaml library only rejects when it builds the data, with no position:
 * an alias with no anchor before it, a merge key (`<<`) that does not name a mapping.
 */
function badAliases(doc: Document): { offset: number; message: string }[] {
  const problems: { offset: number; message: string }[] = []
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined) {
        const message = `the alias *${alias.source} has no anchor &${alias.source} before it`
        problems.push({ offset: start(alias) ?? 0, message })
      }
    },
    Pair(_, pair, path) {
      if (!isMergeKey(pair.key)) return
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value]
      const resolved = sources.map(s => (isAlias(s) ? s.resolve(doc) : s))
      if (resolved.some(s => s !== undefined && !isMap(s))) {
        const message = 'a merge key (<<) must name a mapping or a list of mappings'
        problems.push({ offset: start(pair.value) ?? start(pair.key) ?? 0, message })
        return
      }
      // YAML lets a key written beside `<<` override the merged one, silently: a policy that
      // loosens a shared bound that way must say so in full, so both are refused.
      const merged = new Set(
        resolved.flatMap(s => (isMap(s) ? s.items.map(i => keyName(i.key)) : []))
      )
      const parent = path[path.length - 1]
      for (const item of isMap(parent) ? parent.items : []) {
        if (isMergeKey(item.key) || !merged.has(keyName(item.key))) continue
        const message = `"${keyName(item.key)}" is set here and by the merge key (<<) of this mapping, which YAML would let this one override silently: write the key once`
        problems.push({ offset: start(item.key) ?? 0, message })
      }
    }
  })
  return problems
}

/** One zod issue as the problems to report: an issue about several unknown keys is one problem per key. */
function zodProblems(
  issue: z.core.$ZodIssue
): { path: KeyPath; target: Target; message: string }[] {
  const path = issue.path.map(segment => (typeof segment === 'number' ? segment : String(segment)))
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(key => ({
      path: [...path, key],
      target: 'key',
      // zod's message may quote the unknown keys: a long one is cut there too.
      message: `unknown key "${cutKey(key)}"${cutKeyLength(key)} (${issue.keys.reduce((text, k) => text.split(k).join(cutKey(k)), issue.message)})`
    }))
  }
  return [{ path, target: issue.code === 'invalid_key' ? 'key' : 'value', message: issue.message }]
}

function yamlMessage(error: YAMLError): string {
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return 'duplicate key: each key may appear only once in a mapping'
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation: YAML indents with spaces only'
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (---): a policy is one document'
    default: {
      const message = excerpt(error.message.replace(/\s+/g, ' ').trim())
      return `invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`
    }
  }
}

/** At most this many problems are listed in one message. */
const PROBLEMS_SHOWN = 10

/** A key path longer than this is shown by its end (where the problem is). */
const PATH_MAX = 200

function cutPath(keyPath: string): string {
  return keyPath.length > PATH_MAX ? `…${keyPath.slice(-PATH_MAX)}` : keyPath
}

function policyError(
  file: string,
  problems: PolicyProblemLocation[],
  cause?: unknown
): InvalidInputError {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column)
  const lines = [
    ...new Set(
      sorted.map(p => {
        const where = `${p.file}:${p.line}:${p.column}`
        return p.keyPath ? `${where} ${cutPath(p.keyPath)}: ${p.problem}` : `${where}: ${p.problem}`
      })
    )
  ]
  // A garbage file makes hundreds: the first ones are where to start.
  const shown = lines.slice(0, PROBLEMS_SHOWN)
  const more = lines.length - shown.length
  const count =
    lines.length === 1
      ? 'a problem'
      : `${lines.length} problems${more > 0 ? ` (the first ${shown.length} listed)` : ''}`
  const rest = more > 0 ? [`… and ${more} more in ${file}.`] : []
  return new InvalidInputError(`Policy ${file} has ${count}:\n${[...shown, ...rest].join('\n')}`, {
    locations: sorted,
    cause
  })
}
