/**
 * A registered MLflow version named on the command line: `mlflow:NAME/VERSION` or
 * `mlflow:NAME@ALIAS`. NAME follows the one model-name rule (policy/schema.ts) and may hold `/`
 * (`mlflow:team/churn/3`): the version is what follows the last `/`, the alias what follows the
 * last `@` (a model name holds neither `@` nor a bare number segment that could be mistaken for
 * it, since the version is always the last segment). A `/` may also be written `%2F`
 * (`mlflow:team%2Fchurn/3`), the escape for a tool that splits on `/`. Pure.
 */
import { InvalidInputError } from '../../errors.js'
import { modelNameProblem } from '../../policy/schema.js'

export type MlflowReference = { name: string; version: string } | { name: string; alias: string }

const VERSION_RE = /^[1-9]\d{0,18}$/
const ALIAS_RE = /^[\w-]{1,255}$/

export const MLFLOW_REFERENCE_FORMS =
  'mlflow:NAME/VERSION or mlflow:NAME@ALIAS (a / in NAME may be written %2F)'

export function isMlflowReference(where: string): boolean {
  return where.startsWith('mlflow:')
}

export function parseMlflowReference(where: string): MlflowReference {
  const body = where.slice('mlflow:'.length)
  const fail = (why: string): never => {
    throw new InvalidInputError(`"${where}" must be ${MLFLOW_REFERENCE_FORMS}: ${why}`)
  }
  const at = body.lastIndexOf('@')
  const slash = body.lastIndexOf('/')
  const cut = at >= 0 ? at : slash
  if (cut <= 0) return fail('it names no version or alias')
  const rawName = body.slice(0, cut)
  const label = body.slice(cut + 1)
  let name = rawName
  try {
    name = decodeURIComponent(rawName)
  } catch {
    fail(`the name ${JSON.stringify(rawName)} has a broken %-escape`)
  }
  const problem = modelNameProblem(name)
  if (problem) fail(problem)
  if (at >= 0) {
    if (!ALIAS_RE.test(label)) fail(`the alias ${JSON.stringify(label)} is not an MLflow alias`)
    return { name, alias: label }
  }
  if (!VERSION_RE.test(label)) fail(`the version ${JSON.stringify(label)} is not a number`)
  return { name, version: label }
}
