/**
 * Real git repositories for registry tests: a bare `origin` and clones of it
 * in a temp folder, hermetic (no global or system git config).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createGitRunner, gitOk } from '../../src/registry/git/runner.js'
import type { GitRunner } from '../../src/registry/git/runner.js'

const HERMETIC_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  LC_ALL: 'C'
}

export function hermeticGit(dir: string): GitRunner {
  return createGitRunner(dir, { env: HERMETIC_ENV })
}

export interface Clone {
  dir: string
  git: GitRunner
}

export interface Sandbox {
  root: string
  origin: string
  /** A new clone of origin, with user.name/email set. */
  clone(name: string): Promise<Clone>
  /** A repository without any remote. */
  standalone(name: string): Promise<Clone>
  cleanup(): Promise<void>
}

export async function makeSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(path.join(tmpdir(), 'modelgate-registry-'))
  const origin = path.join(root, 'origin.git')
  await gitOk(hermeticGit(root), ['init', '--quiet', '--bare', '-b', 'main', origin])

  const configure = async (git: GitRunner) => {
    await gitOk(git, ['config', 'user.name', 'Test User'])
    await gitOk(git, ['config', 'user.email', 'test@example.com'])
  }
  const seed = path.join(root, 'seed')
  await gitOk(hermeticGit(root), ['init', '--quiet', '-b', 'main', seed])
  const seedGit = hermeticGit(seed)
  await configure(seedGit)
  await commit(seedGit, 'initial')
  await gitOk(seedGit, ['remote', 'add', 'origin', origin])
  await gitOk(seedGit, ['push', '--quiet', 'origin', 'main'])

  return {
    root,
    origin,
    async clone(name) {
      const dir = path.join(root, name)
      await gitOk(hermeticGit(root), ['clone', '--quiet', origin, dir])
      const git = hermeticGit(dir)
      await configure(git)
      return { dir, git }
    },
    async standalone(name) {
      const dir = path.join(root, name)
      await gitOk(hermeticGit(root), ['init', '--quiet', '-b', 'main', dir])
      const git = hermeticGit(dir)
      await configure(git)
      await commit(git, 'initial')
      return { dir, git }
    },
    cleanup: () => rm(root, { recursive: true, force: true })
  }
}

/** An empty commit on the current branch; returns its id. */
export async function commit(git: GitRunner, message: string): Promise<string> {
  await gitOk(git, ['commit', '--quiet', '--allow-empty', '-m', message])
  return (await gitOk(git, ['rev-parse', 'HEAD'])).trim()
}

/** Tag names in the repository (lightweight included), sorted. */
export async function tagNames(git: GitRunner): Promise<string[]> {
  const out = await gitOk(git, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags'])
  return out.split('\n').filter(Boolean).sort()
}

/** A clock for the same-second rule: `sleep` advances it instead of waiting. */
export function fakeClock(startSeconds: number) {
  let ms = startSeconds * 1000
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => ms,
    sleep: async (wait: number) => {
      sleeps.push(wait)
      ms += Math.max(wait, 1)
      await new Promise(resolve => setImmediate(resolve))
    },
    set: (seconds: number) => {
      ms = seconds * 1000
    },
    advance: (seconds: number) => {
      ms += seconds * 1000
    }
  }
}
