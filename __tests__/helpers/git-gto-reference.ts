/**
 * An independent, minimal re-implementation of GTO's two read paths, written
 * from GTO's source, used to check that every GTO reader agrees with what the
 * adapter writes. Deliberately shares no code with src/registry.
 */
import { gitOk } from '../../src/registry/git/runner.js'
import type { GitRunner } from '../../src/registry/git/runner.js'

/** GTO 1.x `gto/constants.py`, as Python source. */
const PY = {
  name: String.raw`[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?`,
  dirname: String.raw`[a-zA-Z0-9-_./]+`,
  semver: String.raw`(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)(?:-(?P<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+(?P<buildmetadata>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?`,
  counter: '?P<counter>[0-9]+'
}
const pyFullname = `(?P<dirname>${PY.dirname}:)?(?P<name>${PY.name})`
const pyFullnameInTag = pyFullname.replaceAll(':', '=')
const pyTagRe = `^(?P<artifact>${pyFullnameInTag})(((#(?P<stage>${PY.name})|@(?P<version>v${PY.semver}))(?P<cancel>!?))|@((?P<deprecated>deprecated)|(?P<created>created)))(#(${PY.counter}))?$`

/** GTO's tag_re, translated mechanically: (?P< → (?<, \d → [0-9]. */
export const GTO_TAG_RE = new RegExp(
  pyTagRe.replaceAll('(?P<', '(?<').replaceAll(String.raw`\d`, '[0-9]')
)

export interface GtoReaders {
  /** `gto show`: per stage, the active version with the latest assignment. */
  show: Record<string, string>
  /** `find_versions_in_stage`: per stage, the highest semver among active versions. */
  semver: Record<string, string>
}

function semverKey(v: string): number[] {
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(v)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [-1, -1, -1]
}

function semverGreater(a: string, b: string): boolean {
  const x = semverKey(a)
  const y = semverKey(b)
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  return false
}

/** Both GTO readers for one artifact. */
export async function gtoReaders(git: GitRunner, artifact: string): Promise<GtoReaders> {
  const out = await gitOk(git, [
    'for-each-ref',
    '--format=%(refname:strip=2)%00%(objecttype)%00%(taggerdate:unix)%00%(*objectname)',
    'refs/tags'
  ])
  const tags = out
    .split('\n')
    .filter(Boolean)
    .map(line => {
      const [name = '', type = '', time = '', commit = ''] = line.split('\0')
      return { name, type, time: Number(time), commit, g: GTO_TAG_RE.exec(name)?.groups }
    })
    .filter(t => t.type === 'tag' && t.g && t.g.artifact === artifact)
    .sort((a, b) => a.time - b.time)

  const byCommit = new Map<string, string>()
  const versionActive = new Map<string, boolean>()
  for (const t of tags) {
    if (!t.g?.version) continue
    if (!byCommit.has(t.commit)) byCommit.set(t.commit, t.g.version)
    versionActive.set(t.g.version, t.g.cancel !== '!')
  }
  const latest = new Map<string, { assign: boolean; time: number }>()
  for (const t of tags) {
    if (!t.g?.stage) continue
    const version = byCommit.get(t.commit) ?? t.commit
    latest.set(`${t.g.stage}\0${version}`, { assign: t.g.cancel !== '!', time: t.time })
  }
  const show: Record<string, string> = {}
  const showTime: Record<string, number> = {}
  const semver: Record<string, string> = {}
  for (const [key, event] of latest) {
    const [stage = '', version = ''] = key.split('\0')
    if (!event.assign || versionActive.get(version) === false) continue
    if (showTime[stage] === undefined || event.time >= (showTime[stage] ?? 0)) {
      show[stage] = version
      showTime[stage] = event.time
    }
    const best = semver[stage]
    if (best === undefined || semverGreater(version, best)) semver[stage] = version
  }
  return { show, semver }
}

/**
 * Both GTO readers for one artifact, after checking that GTO's tag_re parses every tag name in
 * the repository (its other artifacts' included).
 */
export async function checkedGtoReaders(git: GitRunner, artifact: string): Promise<GtoReaders> {
  const names = (await gitOk(git, ['tag', '--list'])).trim().split('\n')
  for (const name of names) expect(name).toMatch(GTO_TAG_RE)
  return gtoReaders(git, artifact)
}
