/**
 * The GTO tag-name codec (iterative/gto 1.x, `gto/constants.py` and `gto/tag.py`).
 *
 *   NAME@vX.Y.Z[#N]     register          NAME@vX.Y.Z![#N]  deregister
 *   NAME#STAGE[#N]      assign            NAME#STAGE![#N]   unassign
 *   NAME@deprecated[#N] deprecate         NAME@created[#N]  create
 *
 * A monorepo model `dir/sub:model` is written `dir/sub=model` in a tag.
 *
 * Reading uses GTO's `tag_re`, translated from Python's `re` one to one
 * (`(?P<x>` → `(?<x>`), except that `\d` is `[0-9]`: Python's `\d` also matches
 * non-ASCII decimal digits, which no sane tag carries; such tags are ignored here.
 *
 * A stage ending in `-<digits>` (`m#prod-3`, `m#eu-1`) is an ordinary stage
 * name, as GTO 1.10 reads it (`gto check-ref m#prod-3` says stage `prod-3`) and
 * writes it (`gto assign --stage eu-1 --simple true`). GTO ≤ 0.1.3 once wrote
 * `NAME#STAGE-N` for "stage STAGE, counter N"; no GTO since reads it that way,
 * so neither does ModelGate.
 */
import { InvalidInputError } from '../../errors.js'
import { SEMVER_PATTERN, isGtoVersion } from './semver.js'

/** GTO's `name`: an artifact's base name and a stage. */
export const NAME_PATTERN = '[a-zA-Z0-9](?:[a-zA-Z0-9/_-]*[a-zA-Z0-9])?'
/** GTO's `dirname`: the folder part of a monorepo model name. */
export const DIRNAME_PATTERN = '[a-zA-Z0-9_./-]+'
/** Between folder and model in a model name (`dir/sub:model`) ... */
export const SEPARATOR_IN_NAME = ':'
/** ... and in a tag (`dir/sub=model@v1.0.0`). */
export const SEPARATOR_IN_TAG = '='

/** GTO's `tag_re`, group for group. */
export const TAG_RE = new RegExp(
  `^(?<artifact>(?<dirname>${DIRNAME_PATTERN}${SEPARATOR_IN_TAG})?(?<name>${NAME_PATTERN}))` +
    `(((#(?<stage>${NAME_PATTERN})|@(?<version>v${SEMVER_PATTERN}))(?<cancel>!?))` +
    `|@((?<deprecated>deprecated)|(?<created>created)))` +
    `(#((?<counter>[0-9]+)))?$`
)

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`)
const FULLNAME_RE = new RegExp(`^(?:${DIRNAME_PATTERN}${SEPARATOR_IN_NAME})?${NAME_PATTERN}$`)

export type GtoTag =
  | { action: 'register' | 'deregister'; model: string; version: string; counter?: number }
  | { action: 'assign' | 'unassign'; model: string; stage: string; counter?: number }
  | { action: 'deprecate' | 'create'; model: string; counter?: number }

export type GtoAction = GtoTag['action']

/** `dir/sub:model` → `dir/sub=model`. */
export function modelToTagPart(model: string): string {
  return model.replace(SEPARATOR_IN_NAME, SEPARATOR_IN_TAG)
}

/** `dir/sub=model` → `dir/sub:model`. */
export function tagPartToModel(part: string): string {
  return part.replace(SEPARATOR_IN_TAG, SEPARATOR_IN_NAME)
}

/** Parses a tag name the way GTO does; undefined for a tag GTO ignores. */
export function parseTagName(tag: string): GtoTag | undefined {
  const g = TAG_RE.exec(tag)?.groups
  if (!g || g.artifact === undefined) return undefined
  const model = g.dirname === undefined ? g.artifact : tagPartToModel(g.artifact)
  let counter: number | undefined
  if (g.counter !== undefined) {
    counter = Number(g.counter)
    if (!Number.isSafeInteger(counter)) return undefined
  }
  const cancelled = g.cancel === '!'
  let parsed: GtoTag
  if (g.version !== undefined) {
    parsed = { action: cancelled ? 'deregister' : 'register', model, version: g.version }
  } else if (g.stage !== undefined) {
    parsed = { action: cancelled ? 'unassign' : 'assign', model, stage: g.stage }
  } else {
    parsed = { action: g.deprecated !== undefined ? 'deprecate' : 'create', model }
  }
  if (counter !== undefined) parsed.counter = counter
  return parsed
}

const NAME_RULE = "letters, digits, '-', '_' and '/', starting and ending with a letter or digit"

/** Throws InvalidInputError unless `model` is a name GTO can carry in a tag. */
export function assertModelName(model: string): void {
  if (!FULLNAME_RE.test(model)) {
    throw new InvalidInputError(
      `Invalid model name "${model}": GTO allows ${NAME_RULE}, optionally after a folder and ':' (dir/sub:model).`
    )
  }
  const tagPart = modelToTagPart(model)
  const problem = refProblem(tagPart)
  if (problem) throw new InvalidInputError(`Invalid model name "${model}": ${problem}.`)
}

/** Throws InvalidInputError unless `stage` is a stage name GTO can carry in a tag. */
export function assertStageName(stage: string): void {
  if (!NAME_RE.test(stage)) {
    throw new InvalidInputError(`Invalid stage name "${stage}": GTO allows ${NAME_RULE}.`)
  }
}

/** Throws InvalidInputError unless `version` is `v` + a full semver. */
export function assertVersion(version: string): void {
  if (!isGtoVersion(version)) {
    throw new InvalidInputError(
      `Invalid version "${version}": GTO needs 'v' followed by a full semver, e.g. v1.2.0 or v1.2.0-rc.1.`
    )
  }
}

/**
 * Why git would refuse `refs/tags/<tag>` (git-check-ref-format, restricted to
 * what GTO's character set allows), or undefined when it is fine.
 */
function refProblem(tag: string): string | undefined {
  if (tag.startsWith('-')) return "a tag cannot start with '-'"
  if (tag.startsWith('/') || tag.includes('//'))
    return "it would contain an empty path component ('//')"
  if (tag.includes('..')) return "git refs cannot contain '..'"
  for (const component of tag.split('/')) {
    if (component.startsWith('.')) return "a path component cannot start with '.'"
    if (component.endsWith('.lock')) return "a path component cannot end with '.lock'"
  }
  return undefined
}

/**
 * The tag name for an event. Validates every part first and throws
 * InvalidInputError rather than produce a tag GTO cannot parse back.
 */
export function formatTagName(tag: GtoTag): string {
  assertModelName(tag.model)
  const artifact = modelToTagPart(tag.model)
  if (tag.counter !== undefined && !(Number.isSafeInteger(tag.counter) && tag.counter >= 0)) {
    throw new InvalidInputError(
      `Invalid tag counter ${tag.counter}: a non-negative integer is needed.`
    )
  }
  const suffix = tag.counter === undefined ? '' : `#${tag.counter}`
  let name: string
  switch (tag.action) {
    case 'register':
    case 'deregister':
      assertVersion(tag.version)
      name = `${artifact}@${tag.version}${tag.action === 'deregister' ? '!' : ''}${suffix}`
      break
    case 'assign':
    case 'unassign':
      assertStageName(tag.stage)
      name = `${artifact}#${tag.stage}${tag.action === 'unassign' ? '!' : ''}${suffix}`
      break
    case 'deprecate':
    case 'create':
      name = `${artifact}@${tag.action === 'deprecate' ? 'deprecated' : 'created'}${suffix}`
      break
  }
  const problem = refProblem(name)
  const back = parseTagName(name)
  if (problem || !back || !sameTag(back, tag)) {
    throw new InvalidInputError(
      `Refusing to write tag "${name}": ${problem ?? 'GTO would not read it back as written'}.`
    )
  }
  return name
}

function sameTag(a: GtoTag, b: GtoTag): boolean {
  const norm = (t: GtoTag) =>
    JSON.stringify({
      action: t.action,
      model: t.model,
      version: 'version' in t ? t.version : undefined,
      stage: 'stage' in t ? t.stage : undefined,
      counter: t.counter
    })
  return norm(a) === norm(b)
}
