/**
 * The policy the bundled action's end-to-end tests give the `fraud` model (its `metrics.json` in
 * `model/`, as `modelWorkspace` commits it), built from the stages each test needs.
 */

/** A stage's keys: from candidate, `auc` at least 0.7, then `extra` (YAML at the same indent). */
export function fraudStage(extra = ''): string {
  return `    from: [candidate]
    thresholds:
      auc: { min: 0.7 }
${extra}`
}

/**
 * The `fraud` policy with `stages` (name → its keys, as `fraudStage` writes them, in order; or
 * the YAML under `stages:` as it is), and rollback allowed to maintainers when `rollback` is set.
 */
export function fraudPolicy(
  stages: Record<string, string> | string,
  options: { rollback?: boolean } = {}
): string {
  const stageText =
    typeof stages === 'string'
      ? stages
      : Object.entries(stages)
          .map(([name, keys]) => `  ${name}:\n${keys}`)
          .join('')
  const rollback = options.rollback ? 'rollback:\n  allowed: { permission: maintain }\n' : ''
  return `model: fraud
path: model
metrics:
  auc: { goal: maximize }
stages:
${stageText}${rollback}`
}
