/**
 * A model in a git checkout, as the CLI tests set it up: the policy at policies/MODEL.yml (where
 * the CLI looks by default), the model's files under models/MODEL committed and pushed to the
 * sandbox's bare origin, and origin's tags read back.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gitOk } from '../../src/registry/git/runner.js'
import { hermeticGit, type Clone, type Sandbox } from './git-sandbox.js'

/** A policy of model `demo` at models/demo, accuracy maximised, with `stages` (YAML, indented). */
export function demoModelPolicy(stages: string): string {
  return `model: demo
path: models/demo
metrics:
  accuracy: { goal: maximize }
stages:
${stages}`
}

/**
 * The policy most CLI tests use: model `demo` at models/demo, accuracy maximised, dev open to
 * any registered version at accuracy ≥ 0.8, and (with `staging`) staging after dev, the same.
 */
export function demoPolicy(options: { staging?: boolean } = {}): string {
  const staging = options.staging
    ? `  staging:
    from: [dev]
    thresholds:
      accuracy: { min: 0.8 }
`
    : ''
  return demoModelPolicy(`  dev:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.8 }
${staging}`)
}

/** Writes `text` as policies/MODEL.yml in the clone (not committed). */
export async function writePolicy(clone: Clone, text: string, model = 'demo'): Promise<void> {
  await mkdir(path.join(clone.dir, 'policies'), { recursive: true })
  await writeFile(path.join(clone.dir, `policies/${model}.yml`), text)
}

/**
 * Writes models/MODEL/metrics.json (an object is written as JSON, a string as it is), commits
 * everything in the clone, and pushes it to origin unless `push: false`. Returns the commit.
 */
export async function commitModel(
  clone: Clone,
  metrics: Record<string, unknown> | string,
  options: { model?: string; message?: string; push?: boolean } = {}
): Promise<string> {
  const dir = path.join(clone.dir, 'models', options.model ?? 'demo')
  await mkdir(dir, { recursive: true })
  const text = typeof metrics === 'string' ? metrics : JSON.stringify(metrics)
  await writeFile(path.join(dir, 'metrics.json'), text)
  await gitOk(clone.git, ['add', '-A'])
  await gitOk(clone.git, ['commit', '--quiet', '-m', options.message ?? `model: ${text}`])
  if (options.push ?? true) await gitOk(clone.git, ['push', '--quiet', 'origin', 'HEAD'])
  return (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
}

/** The tag names origin holds, sorted (`git ls-remote --tags`, peeled entries left out). */
export async function originTags(sandbox: Sandbox): Promise<string[]> {
  const out = await gitOk(hermeticGit(sandbox.root), ['ls-remote', '--tags', sandbox.origin])
  return out
    .split('\n')
    .filter(line => line && !line.endsWith('^{}'))
    .map(line => line.split('refs/tags/')[1] ?? '')
    .sort()
}
