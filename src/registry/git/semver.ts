/** The SemVer 2.0.0 grammar as GTO writes it (`gto/constants.py`), ASCII digits only. */
export const SEMVER_PATTERN =
  '(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)' +
  '(?:-(?:(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?' +
  '(?:\\+(?:[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?'

const VERSION_RE = new RegExp(`^v${SEMVER_PATTERN}$`)

/** `v` + a full semver: `v1.2.0`, `v1.2.0-rc.1`. Not `1.2.0`, not `v1.2`. */
export function isGtoVersion(value: string): boolean {
  return VERSION_RE.test(value)
}

interface Parsed {
  core: [bigint, bigint, bigint]
  pre: string[]
}

function parse(version: string): Parsed | undefined {
  if (!isGtoVersion(version)) return undefined
  const body = version.slice(1).split('+')[0] ?? ''
  const dash = body.indexOf('-')
  const core = (dash < 0 ? body : body.slice(0, dash)).split('.').map(part => BigInt(part))
  const pre = dash < 0 ? [] : body.slice(dash + 1).split('.')
  return { core: [core[0] ?? 0n, core[1] ?? 0n, core[2] ?? 0n], pre }
}

function compareIdentifiers(a: string, b: string): number {
  const aNum = /^[0-9]+$/.test(a)
  const bNum = /^[0-9]+$/.test(b)
  if (aNum && bNum) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0
  if (aNum) return -1
  if (bNum) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * SemVer precedence of two GTO versions (`v` prefix); build metadata ignored.
 * Returns undefined when either is not a semver (GTO's commit-hash "versions").
 */
export function compareVersions(a: string, b: string): number | undefined {
  const pa = parse(a)
  const pb = parse(b)
  if (!pa || !pb) return undefined
  for (let i = 0; i < 3; i++) {
    const x = pa.core[i] ?? 0n
    const y = pb.core[i] ?? 0n
    if (x !== y) return x < y ? -1 : 1
  }
  if (pa.pre.length === 0 || pb.pre.length === 0) {
    return pa.pre.length === pb.pre.length ? 0 : pa.pre.length === 0 ? 1 : -1
  }
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i]
    const y = pb.pre[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const c = compareIdentifiers(x, y)
    if (c !== 0) return c
  }
  return 0
}
