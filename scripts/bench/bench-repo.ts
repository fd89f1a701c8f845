/**
 * Dev helper for benchmarks (not used by the product): fills an empty
 * directory with a git repository holding `versions` registered versions and
 * `tags` annotated GTO tags in total, with ModelGate-style messages, in one
 * `git fast-import` stream (seconds, not 10,000 `git tag` processes). Refs
 * are packed afterwards, as in a real clone.
 */
import { formatMessage } from '../../src/registry/git/message.js'
import type { GitRunner } from '../../src/registry/git/runner.js'
import { gitOk } from '../../src/registry/git/runner.js'
import { formatTagName } from '../../src/registry/git/tag-name.js'

export interface BenchRepoOptions {
  model?: string
  versions?: number
  /** Every tag: registrations plus stage events. */
  tags?: number
  stages?: readonly string[]
  /** Tagger time of the first tag, unix seconds. */
  startTime?: number
}

export interface BenchRepo {
  model: string
  versions: number
  tags: number
  stages: readonly string[]
}

const WHO = 'Bench Bot <bench@example.com>'

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`
}

/**
 * Versions are registered one per commit (v1.0.0, v1.1.0, ...), then the
 * stage events cycle: every version assigned to the first stage, then the
 * next stage, ..., then unassigned pass by pass, each event one second later
 * than the one before, counters 1, 2, 3, ...
 */
export function benchRepoStream(options: BenchRepoOptions = {}): {
  stream: string
  repo: BenchRepo
} {
  const model = options.model ?? 'churn-model'
  const versions = options.versions ?? 1000
  const tags = options.tags ?? 10000
  const stages = options.stages ?? ['dev', 'staging', 'prod']
  const start = options.startTime ?? 1_600_000_000
  if (tags < versions) throw new Error('tags must be at least versions')
  const parts: string[] = []
  const version = (i: number) => `v1.${i}.0`
  for (let i = 0; i < versions; i++) {
    parts.push(
      `commit refs/heads/main\nmark :${i + 1}\ncommitter ${WHO} ${start + i} +0000\n`,
      data(`model ${version(i)}`),
      `M 644 inline model.txt\n`,
      data(`weights of ${version(i)}`),
      '\n'
    )
  }
  let time = start
  const tag = (name: string, mark: number, message: string) => {
    time += 1
    parts.push(`tag ${name}\nfrom :${mark}\ntagger ${WHO} ${time} +0000\n`, data(message))
  }
  const actor = { actor: 'bench-bot', actorEmail: 'bench@example.com' }
  for (let i = 0; i < versions; i++) {
    const at = new Date((time + 1) * 1000).toISOString()
    tag(
      formatTagName({ action: 'register', model, version: version(i) }),
      i + 1,
      formatMessage(`Register ${model} ${version(i)}`, {
        action: 'register',
        model,
        version: version(i),
        ...actor,
        at
      })
    )
  }
  for (let j = 0; j < tags - versions; j++) {
    const i = j % versions
    const pass = Math.floor(j / versions)
    const stage = stages[pass % stages.length] ?? 'dev'
    const action = Math.floor(pass / stages.length) % 2 === 0 ? 'assign' : 'unassign'
    const at = new Date((time + 1) * 1000).toISOString()
    const summary =
      action === 'assign'
        ? `Promote ${model} ${version(i)} to ${stage}`
        : `Remove ${model} ${version(i)} from ${stage}`
    tag(
      formatTagName({ action, model, stage, counter: j + 1 }),
      i + 1,
      formatMessage(summary, {
        action,
        model,
        version: version(i),
        stage,
        ...actor,
        at,
        record: { gates: { thresholds: 'pass', regression: 'pass' }, metrics: { accuracy: 0.9 } }
      })
    )
  }
  return { stream: parts.join(''), repo: { model, versions, tags, stages } }
}

/** Initialises the repository `git` runs in and fills it (see benchRepoStream). */
export async function generateBenchRepo(
  git: GitRunner,
  options: BenchRepoOptions = {}
): Promise<BenchRepo> {
  const { stream, repo } = benchRepoStream(options)
  await gitOk(git, ['init', '--quiet'])
  await gitOk(git, ['fast-import', '--quiet', '--done'], { input: `${stream}done\n` })
  await gitOk(git, ['pack-refs', '--all'])
  return repo
}
