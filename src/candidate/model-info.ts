import { isMap, isScalar, type Node } from 'yaml'
import { z } from 'zod'
import type { SourceLocation } from '../errors.js'
import { invalid } from './problems.js'
import type { ModelInfo } from './types.js'
import { locate, parseYamlSource } from './yaml-source.js'

const text = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .refine(value => value.trim() === value, { error: 'must not start or end with spaces' })

/** `model.yaml`: every key optional, no other key allowed. */
export const ModelInfoSchema = z.strictObject({
  version: text.optional().describe('The version this artifact becomes in the registry.'),
  run_id: text.optional().describe('The training run that produced it.'),
  training_data_snapshot: text.optional().describe('Which snapshot of the training data it saw.'),
  feature_view_version: text.optional().describe('The feature-view version it was trained on.'),
  owner: text.optional().describe('Who answers for it: a person or a team.')
})

const ALLOWED = Object.keys(ModelInfoSchema.shape).join(', ')

/**
 * Parse `model.yaml`. A plain scalar that YAML would read as a number keeps the
 * text as written, so `version: 1.10` is "1.10" and `run_id: 0123` is "0123";
 * booleans and nulls are errors. Unknown keys, duplicate keys and YAML syntax
 * errors name file, line and column and the key; an empty file is an error too.
 */
export function parseModelInfo(source: string, file: string): ModelInfo {
  const yaml = parseYamlSource(source, file)
  const root = yaml.doc.contents
  if (!isMap(root)) {
    throw invalid(`Invalid ${file}`, [
      locate(
        yaml,
        root,
        undefined,
        root
          ? `the top level must be a mapping of ${ALLOWED}`
          : `the file is empty; give at least one of ${ALLOWED}, or delete it`
      )
    ])
  }

  const plain: Record<string, unknown> = {}
  const keyNodes = new Map<string, Node>()
  const valueNodes = new Map<string, Node>()
  const locations: SourceLocation[] = []
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      locations.push(locate(yaml, keyNode, undefined, 'keys must be plain strings'))
      continue
    }
    const key = keyNode.value
    const value = pair.value as Node | null
    keyNodes.set(key, keyNode)
    if (value) valueNodes.set(key, value)
    Object.defineProperty(plain, key, {
      value: scalarText(value),
      enumerable: true,
      writable: true,
      configurable: true
    })
  }

  const result = ModelInfoSchema.safeParse(plain)
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          locations.push(locate(yaml, keyNodes.get(key), key, `unknown key (allowed: ${ALLOWED})`))
        }
        continue
      }
      const key = String(issue.path[0] ?? '')
      locations.push(
        locate(
          yaml,
          valueNodes.get(key) ?? keyNodes.get(key) ?? root,
          key || undefined,
          issue.message
        )
      )
    }
  }
  if (locations.length > 0 || !result.success) throw invalid(`Invalid ${file}`, locations)
  return result.data
}

/** The JS value of a node, except that a plain scalar read as a number keeps its source text. */
function scalarText(node: Node | null): unknown {
  if (node === null) return null
  if (isScalar(node) && typeof node.value === 'number' && node.type === 'PLAIN' && node.source) {
    return node.source
  }
  return node.toJSON()
}
