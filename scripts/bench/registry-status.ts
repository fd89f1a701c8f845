// Bench probe: generates a repository of 1,000 versions / 10,000 annotated GTO tags in the
// (empty) directory given, then times in this process, median of `runs` interleaved rounds:
// a bare `git for-each-ref refs/tags` spawned the way the registry's runner spawns git, and
// the real adapter's status (warm tag cache, cold tag cache, no cache) and history (warm).
// Prints one JSON line (seconds).
import { statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { isDeepStrictEqual } from 'node:util'
import { createGitRegistry } from '../../src/registry/git/adapter.js'
import { generateBenchRepo } from './bench-repo.js'
import type { GitRunner } from '../../src/registry/git/runner.js'
import { createGitRunner, gitOk } from '../../src/registry/git/runner.js'
import { tagCachePath, withTagCache } from '../../src/registry/git/tag-cache.js'

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e9
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function main(dir: string, runs: number): Promise<void> {
  const plain = createGitRunner(dir)
  const repo = await generateBenchRepo(plain, { versions: 1000, tags: 10000 })
  const cacheFile = tagCachePath({ cwd: dir })
  if (cacheFile === undefined) throw new Error(`No git directory found from ${dir}`)

  let calls: string[] = []
  const counted: GitRunner = (args, options) => {
    calls.push(args[0] ?? '')
    return plain(args, options)
  }
  const cached = createGitRegistry({ git: withTagCache(counted, { cwd: dir }) })
  const uncached = createGitRegistry({ git: plain })
  const model = repo.model

  // Warm-up, and the answers must agree with and without the cache.
  const reference = await uncached.status(model)
  await rm(cacheFile, { force: true })
  const cold = await cached.status(model)
  const coldCalls = [...calls]
  calls = []
  const warm = await cached.status(model)
  const warmCalls = [...calls]
  if (!isDeepStrictEqual(cold, reference) || !isDeepStrictEqual(warm, reference)) {
    throw new Error('status with the tag cache differs from status without it')
  }
  if (!isDeepStrictEqual(await cached.history(model), await uncached.history(model))) {
    throw new Error('history with the tag cache differs from history without it')
  }

  const t = {
    forEachRef: [] as number[],
    statusWarm: [] as number[],
    statusCold: [] as number[],
    historyWarm: [] as number[],
    statusUncached: [] as number[]
  }
  for (let i = 0; i < runs; i++) {
    t.forEachRef.push(await seconds(() => gitOk(plain, ['for-each-ref', 'refs/tags'])))
    t.statusWarm.push(await seconds(() => cached.status(model)))
    await rm(cacheFile, { force: true })
    t.statusCold.push(await seconds(() => cached.status(model)))
    t.historyWarm.push(await seconds(() => cached.history(model)))
    t.statusUncached.push(await seconds(() => uncached.status(model)))
  }
  process.stdout.write(
    JSON.stringify({
      versions: repo.versions,
      tags: repo.tags,
      runs,
      forEachRef: median(t.forEachRef),
      statusWarm: median(t.statusWarm),
      statusCold: median(t.statusCold),
      historyWarm: median(t.historyWarm),
      statusUncached: median(t.statusUncached),
      warmGitProcesses: warmCalls,
      coldGitProcesses: coldCalls,
      cacheBytes: statSync(cacheFile).size
    }) + '\n'
  )
}

main(process.argv[2] ?? '', Number(process.argv[3] ?? 31)).catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`
  )
  process.exitCode = 1
})
