// Issue 12, item 9: the README says Node 20. Every package the lockfile installs says (in its
// `engines`) that it runs there: the runtime dependencies, which the bundles carry, on any Node 20
// (package.json's `engines`); the development tools on Node 20.19, the oldest the README names for
// `npm ci && npm test`. A package that asks for more makes `npm ci` warn EBADENGINE.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { REPO_ROOT } from './helpers/run-action.js'

// npm's own range semantics; installed with the toolchain (no types shipped).
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean
}

interface LockedPackage {
  version?: string
  dev?: boolean
  engines?: { node?: string } | string[]
}

const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>
}
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string }
}

/** Locked packages whose `engines.node` does not admit `version`, as `name@version range`. */
function refusing(version: string, which: (pkg: LockedPackage) => boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([where, pkg]) => where !== '' && which(pkg))
    .flatMap(([where, pkg]) => {
      const range = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node
      const name = where.replace(/^.*node_modules\//, '')
      return range && !semver.satisfies(version, range) ? [`${name}@${pkg.version} ${range}`] : []
    })
}

describe('Node 20', () => {
  it('package.json promises Node 20 or later', () => {
    expect(manifest.engines.node).toBe('>=20')
  })

  it('every runtime dependency runs on any Node 20', () => {
    expect(refusing('20.0.0', pkg => pkg.dev !== true)).toEqual([])
  })

  it('every development tool runs on Node 20.19', () => {
    expect(refusing('20.19.0', () => true)).toEqual([])
  })
})

describe('content-type, held at 2.1.0 by an override for Node 20', () => {
  // Resolved from where @octokit/request (its only user) finds it.
  const { parse } = createRequire(
    path.join(REPO_ROOT, 'node_modules/@octokit/request/package.json')
  )('content-type') as {
    parse(header: string): { type: string; parameters: Record<string, string> }
  }

  // What content-type 3.1.1 (the version @octokit/request asks for) answered for each header.
  it.each([
    ['application/json; charset=utf-8', 'application/json', { charset: 'utf-8' }],
    ['Application/JSON; Charset=UTF-8', 'application/json', { charset: 'UTF-8' }],
    ['text/html;charset="UTF-8"', 'text/html', { charset: 'UTF-8' }],
    ['application/octet-stream; charset=utf-8', 'application/octet-stream', { charset: 'utf-8' }],
    ['application/vnd.github+json', 'application/vnd.github+json', {}],
    ['text/plain; charset', 'text/plain', {}],
    ['application/json;', 'application/json', {}],
    ['application/json; charset="utf-8', 'application/json', {}],
    ['weird', 'weird', {}],
    ['', '', {}],
    ['  text/plain  ;  charset = utf-8 ', 'text/plain', { charset: 'utf-8' }],
    ['text/plain; a=1; a=2', 'text/plain', { a: '1' }]
  ])('reads %j as 3.1.1 did, never throwing', (header, type, parameters) => {
    const parsed = parse(header)
    expect({ type: parsed.type, parameters: { ...parsed.parameters } }).toEqual({
      type,
      parameters
    })
  })
})
