import { isAlias, isCollection, isMap, isScalar, isSeq } from 'yaml'
import type { Document, Node, Pair, YAMLMap } from 'yaml'

/** A key path as zod and the policy checks give it: keys and list indexes. */
export type KeyPath = readonly (string | number)[]

/**
 * What to point at: the `value` at a path (a block mapping or an empty value is
 * pointed at by its key, the line a reader looks for), or the `key` itself (an
 * unknown key, a bad name). A path that does not exist, a missing key, points at
 * its deepest existing parent.
 */
export type Target = 'value' | 'key'

/**
 * The source offset of the node at `path`, following aliases and merge keys, so
 * a problem inside an aliased mapping points at the mapping it came from.
 */
export function offsetOf(doc: Document, path: KeyPath, target: Target): number {
  let node: unknown = doc.contents
  let key: Node | undefined
  for (const segment of path) {
    const next = child(doc, node, segment)
    if (!next) return start(key) ?? start(node) ?? 0
    node = next.value
    key = next.key
  }
  if (target === 'key' || pointsByKey(node)) return start(key) ?? start(node) ?? 0
  return start(node) ?? start(key) ?? 0
}

/**
 * The key path of the node that holds `offset`, as far as it goes: where a YAML
 * syntax error sits. A node's end counts as inside it, since the yaml library
 * reports an unclosed quote or bracket where the node stops.
 */
export function pathAt(doc: Document, offset: number): (string | number)[] {
  const path: (string | number)[] = []
  let node: unknown = doc.contents
  for (;;) {
    if (isMap(node)) {
      // The whole entry, so that a tag or anchor between key and value belongs to the key.
      const pair = node.items.find(p =>
        within(offset, start(p.key) ?? start(p.value), end(p.value) ?? end(p.key))
      )
      if (!pair) return path
      path.push(keyName(pair.key))
      if (!contains(pair.value, offset)) return path
      node = pair.value
    } else if (isSeq(node)) {
      const index = node.items.findIndex(item => contains(item, offset))
      if (index < 0) return path
      path.push(index)
      node = node.items[index]
    } else {
      return path
    }
  }
}

/** Keys longer than this are cut when quoted back (a garbage file can hold a 7,000-byte key). */
const KEY_MAX = 60

/** A key as quoted back in a message: cut after 40 characters when longer than 60. */
export function cutKey(key: string): string {
  return key.length > KEY_MAX ? `${key.slice(0, 40)}…` : key
}

/** ` (5000 characters)` after a key `cutKey` cut, else nothing. */
export function cutKeyLength(key: string): string {
  return key.length > KEY_MAX ? ` (${key.length} characters)` : ''
}

/**
 * `stages.production.from[0]`; keys that are not plain words are quoted: `thresholds["eval.auc"]`;
 * a long key is cut: `["kkkk…" (5000 characters)]`.
 */
export function formatKeyPath(path: KeyPath): string {
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`
      if (segment.length <= KEY_MAX && /^[A-Za-z0-9_$-]+$/.test(segment)) {
        return i === 0 ? segment : `.${segment}`
      }
      // Cut as shown: escapes (`\u0007`) make a short key of control characters long.
      const quoted = JSON.stringify(segment).slice(1, -1)
      if (quoted.length <= KEY_MAX) return `["${quoted}"]`
      const cut = quoted.slice(0, 40).replace(/\\(u[0-9a-fA-F]{0,3})?$/, '')
      return `["${cut}…" (${segment.length} characters)]`
    })
    .join('')
}

/** The text a key reads as once the document becomes plain data (`1:` is the key "1"). */
export function keyName(key: unknown): string {
  if (!isScalar(key)) return String(key)
  // A merge key's value is a symbol whose description is `<<`.
  return typeof key.value === 'symbol' ? (key.value.description ?? '') : String(key.value)
}

function child(
  doc: Document,
  node: unknown,
  segment: string | number
): { key?: Node; value: unknown } | undefined {
  const target = isAlias(node) ? node.resolve(doc) : node
  if (isMap(target)) {
    const pair = findPair(doc, target, String(segment))
    return pair && { key: pair.key as Node, value: pair.value }
  }
  if (isSeq(target) && typeof segment === 'number') {
    const item = target.items[segment]
    return item === undefined ? undefined : { value: item }
  }
  return undefined
}

/** The entry for `name` in a mapping: its own keys first, then those it merges in with `<<`. */
function findPair(doc: Document, map: YAMLMap, name: string): Pair | undefined {
  const own = map.items.find(p => !isMergeKey(p.key) && keyName(p.key) === name)
  if (own) return own
  for (const pair of map.items.filter(p => isMergeKey(p.key))) {
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value]
    for (const source of sources) {
      const resolved = isAlias(source) ? source.resolve(doc) : source
      const found = isMap(resolved) ? findPair(doc, resolved, name) : undefined
      if (found) return found
    }
  }
  return undefined
}

/**
 * A plain `<<` key, which merges the mapping(s) it names into the mapping that holds
 * it; the yaml library gives it a symbol value (a quoted "<<" is an ordinary key).
 */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol'
}

/** A value whose own position says little: a block collection starts on the next line, an empty value nowhere. */
function pointsByKey(node: unknown): boolean {
  if (isCollection(node)) return !node.flow
  if (isScalar(node)) return node.value === null && node.range?.[0] === node.range?.[1]
  return node === null || node === undefined
}

export function start(node: unknown): number | undefined {
  return (node as Node | undefined | null)?.range?.[0]
}

function end(node: unknown): number | undefined {
  return (node as Node | undefined | null)?.range?.[2]
}

function contains(node: unknown, offset: number): boolean {
  return within(offset, start(node), end(node))
}

function within(offset: number, from: number | undefined, to: number | undefined): boolean {
  return from !== undefined && to !== undefined && offset >= from && offset <= to
}
