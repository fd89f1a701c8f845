// Bench probe: the bundled action (dist/index.js, a child process as on a runner) evaluating a
// pull request that has 300 reviews by 100 reviewers, against the GitHub API stand-in on
// 127.0.0.1 and a git registry in a temp sandbox. Prints one JSON line:
//
// - `requests`: API requests of an evaluation that creates the sticky comment (the first on a
//   pull request; every timed run, which must all make as many), by operation in `byOperation`.
//   `rerunRequests`: one re-run with the comment in place (edited only when its text changed).
// - `floor`: the review pages (300 reviews at GitHub's cap of 100 a page) plus one permission
//   look-up per distinct reviewer whose standing review is a fresh approval, plus 4 others.
// - `prEvalSeconds` / `checkSeconds`: medians of interleaved runs of that evaluation and of the
//   engine-only `command: check` on the same candidate and champion directories.
//
// Every run is verified: exit 0, the expected decision, one sticky comment, the commit status,
// and no request the stand-in (GitHub's OpenAPI description) would refuse.
//
// Usage: node .build/bench/pr-eval/index.js <repository root> [timed runs]
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gitOk } from '../../src/registry/git/runner.js'
import { pullRequestEvent, writeEvent, type BuiltEvent } from '../../__tests__/helpers/events.js'
import { makeSandbox, type Clone } from '../../__tests__/helpers/git-sandbox.js'
import {
  start,
  type RepositoryRole,
  type ReviewStateName,
  type StandIn
} from '../../__tests__/helpers/github-stand-in/index.js'
import { parseOutputFile } from '../../__tests__/helpers/run-action.js'

const REPO = { owner: 'acme', name: 'models' }
const PR = 7
const AUTHOR = 'alice'
const REVIEWERS = 100
const REVIEWS = 300
/** GitHub's largest page of reviews (per_page is capped at 100). */
const PAGE_MAX = 100
/** Besides review pages and permission look-ups: comment list, comment write, commit status, + 1. */
const OTHERS = 4

const POLICY = `model: clinical-classifier
path: model
metrics:
  accuracy: { goal: maximize }
  roc_auc: { goal: maximize }
  latency_p95_ms: { goal: minimize }
stages:
  production:
    from: [candidate]
    thresholds:
      accuracy: { min: 0.85 }
      roc_auc: { min: 0.80 }
      latency_p95_ms: { max: 100 }
    regression:
      accuracy: { max_drop: 0 }
      roc_auc: { max_drop: 0.005 }
      latency_p95_ms: { max_relative_drop: 0.10 }
    schema: { compatibility: exact }
    artifact:
      max_size_mb: 100
      require: [MLmodel]
      checksums: required
    approvals:
      required: 2
      exclude_author: true
      stale_after_push: true
      groups:
        - { name: leads, users: [rev-002, rev-003, rev-005], min: 1 }
`

const HERMETIC = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }

interface Run {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  seconds: number
}

interface SeedReview {
  user: string
  state: ReviewStateName
}

const login = (i: number) => `rev-${String(i).padStart(3, '0')}`

/**
 * 300 reviews, three rounds of one review per reviewer (so every page mixes reviewers): a
 * quarter only comment; the rest end on an approval, some after a change request first.
 */
function seedReviews(): SeedReview[] {
  const rounds: ReviewStateName[][] = [
    ['COMMENTED', 'COMMENTED', 'COMMENTED'],
    ['COMMENTED', 'APPROVED', 'COMMENTED'],
    ['CHANGES_REQUESTED', 'COMMENTED', 'APPROVED'],
    ['APPROVED', 'APPROVED', 'COMMENTED']
  ]
  const reviews: SeedReview[] = []
  for (let round = 0; round < REVIEWS / REVIEWERS; round++) {
    for (let i = 1; i <= REVIEWERS; i++) {
      reviews.push({ user: login(i), state: rounds[i % 4]![round]! })
    }
  }
  return reviews
}

/** Write access for all but five: read, triage, read, and two who are no collaborator at all. */
function seedRoles(): Record<string, RepositoryRole> {
  const roles: Record<string, RepositoryRole> = { [AUTHOR]: 'write', mona: 'maintain' }
  for (let i = 1; i <= REVIEWERS; i++) roles[login(i)] = 'write'
  roles[login(96)] = 'read'
  roles[login(97)] = 'triage'
  roles[login(99)] = 'read'
  delete roles[login(98)]
  delete roles[login(100)]
  return roles
}

/** Reviewers whose standing review (the last approval or change request) is an approval. */
function approvingReviewers(reviews: SeedReview[]): string[] {
  const standing = new Map<string, ReviewStateName>()
  for (const review of reviews) {
    if (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED') {
      standing.set(review.user, review.state)
    }
  }
  return [...standing].filter(([, state]) => state === 'APPROVED').map(([user]) => user)
}

function runNode(
  entry: string,
  cwd: string,
  env: Record<string, string>
): Promise<Omit<Run, 'outputs'>> {
  return new Promise(resolve => {
    const started = process.hrtime.bigint()
    execFile(
      process.execPath,
      [entry],
      { cwd, env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ exitCode, stdout, stderr, seconds })
      }
    )
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

async function main(root: string, runs: number): Promise<void> {
  const entry = path.join(root, 'dist', 'index.js')
  const scratch = await mkdtemp(path.join(tmpdir(), 'modelgate-bench-pr-'))
  const sandbox = await makeSandbox()
  let gh: StandIn | undefined
  try {
    const token = `ghs_bench${Date.now().toString(36)}`
    // GITHUB_TOKEN-like, with room for every run in one hour's budget.
    gh = await start({ tokens: { [token]: { kind: 'github-token', rateLimit: 100_000 } } })
    const repo = gh.state.addRepo(REPO)
    repo.addCollaborators(seedRoles())

    // The checkout: v1.3.0 (the example champion), then v1.4.0 (the example candidate).
    const clone: Clone = await sandbox.clone('workspace')
    const examples = path.join(root, 'examples', 'clinical-classifier')
    await writeFile(path.join(clone.dir, 'policy.yml'), POLICY)
    const commits: string[] = []
    for (const dir of ['champion', 'candidate']) {
      await rm(path.join(clone.dir, 'model'), { recursive: true, force: true })
      await cp(path.join(examples, dir), path.join(clone.dir, 'model'), { recursive: true })
      await gitOk(clone.git, ['add', '-A'])
      await gitOk(clone.git, ['commit', '--quiet', '-m', dir])
      commits.push((await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim())
    }
    await gitOk(clone.git, ['push', '--quiet', 'origin', 'main'])
    const base = commits[1]!

    const action = async (inputs: Record<string, string>, env: Record<string, string>) => {
      const dir = await mkdtemp(path.join(scratch, 'run-'))
      const outputFile = path.join(dir, 'output')
      await writeFile(outputFile, '')
      await writeFile(path.join(dir, 'summary'), '')
      const result = await runNode(entry, clone.dir, {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: clone.dir,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
        RUNNER_TEMP: dir,
        ...HERMETIC,
        ...Object.fromEntries(
          Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])
        ),
        ...env
      })
      const outputs = parseOutputFile(await readFile(outputFile, 'utf8'))
      await rm(dir, { recursive: true, force: true })
      return { ...result, outputs }
    }
    const verify = (what: string, run: Run, ok: boolean, detail = '') => {
      if (ok) return
      throw new Error(
        `${what} did not run as it should${detail ? ` (${detail})` : ''}: exit ${run.exitCode}, ` +
          `decision ${run.outputs.decision ?? 'none'}\n${run.stdout}\n${run.stderr}`
      )
    }

    for (const [i, version] of ['v1.3.0', 'v1.4.0'].entries()) {
      const registered = await action(
        { command: 'register', policy: 'policy.yml', version },
        { GITHUB_SHA: commits[i]!, GITHUB_ACTOR: 'mona', GITHUB_EVENT_NAME: 'workflow_dispatch' }
      )
      verify(`register ${version}`, registered, registered.exitCode === 0)
    }

    const prEvent = async (number: number, headSha: string, ref: string) => {
      const event: BuiltEvent = pullRequestEvent({
        repo: REPO,
        number,
        author: AUTHOR,
        head: { ref, sha: headSha },
        base: { ref: 'main', sha: base }
      })
      const written = await writeEvent(event, await mkdtemp(path.join(scratch, 'event-')))
      return { ...written.env, GITHUB_API_URL: gh!.url }
    }
    const head = async (message: string) => {
      await gitOk(clone.git, ['commit', '--quiet', '--allow-empty', '-m', message])
      return (await gitOk(clone.git, ['rev-parse', 'HEAD'])).trim()
    }

    // The champion: v1.3.0 promoted to production from an approved pull request.
    const championHead = await head('promote v1.3.0')
    repo.addPull({ number: 6, author: AUTHOR, head: { ref: 'promote-v1.3.0', sha: championHead } })
    repo.addReview(6, { user: login(2), state: 'APPROVED' })
    repo.addReview(6, { user: login(3), state: 'APPROVED' })
    const promoted = await action(
      {
        'github-token': token,
        command: 'promote',
        policy: 'policy.yml',
        stage: 'production',
        version: 'v1.3.0',
        'promote-on': 'approval'
      },
      await prEvent(6, championHead, 'promote-v1.3.0')
    )
    verify(
      'promoting the champion',
      promoted,
      promoted.exitCode === 0 && promoted.stdout.includes('Promoted v1.3.0 to production'),
      'expected the first promotion to be written'
    )

    // The pull request under test: v1.4.0, 300 reviews by 100 reviewers.
    const headSha = await head('promote v1.4.0')
    repo.addPull({ number: PR, author: AUTHOR, head: { ref: 'promote-v1.4.0', sha: headSha } })
    const reviews = seedReviews()
    for (const review of reviews) repo.addReview(PR, review)
    const approving = approvingReviewers(reviews)
    const floor = Math.ceil(REVIEWS / PAGE_MAX) + approving.length + OTHERS
    const prEnv = await prEvent(PR, headSha, 'promote-v1.4.0')
    const prInputs = {
      'github-token': token,
      command: 'promote',
      policy: 'policy.yml',
      stage: 'production',
      version: 'v1.4.0',
      'fail-on-blocked': 'false'
    }

    // The engine-only baseline: the same candidate and champion, as directories.
    const candidateDir = path.join(scratch, 'candidate')
    const championDir = path.join(scratch, 'champion')
    await cp(path.join(examples, 'candidate'), candidateDir, { recursive: true })
    await cp(path.join(examples, 'champion'), championDir, { recursive: true })
    const checkInputs = {
      command: 'check',
      policy: 'policy.yml',
      candidate: candidateDir,
      champion: championDir,
      stage: 'production',
      'fail-on-blocked': 'false'
    }

    /**
     * One evaluation; `fresh` takes the sticky comment away first, so the run lists the
     * comments and creates it, as the first evaluation of a pull request does.
     */
    const evaluate = async (fresh: boolean) => {
      if (fresh) {
        for (const comment of repo.commentsOn(PR))
          repo.comments.splice(repo.comments.indexOf(comment), 1)
      }
      const before = gh!.state.requests.length
      const run = await action(prInputs, prEnv)
      const requests = gh!.state.requests.slice(before)
      verify('the pull-request evaluation', run, run.exitCode === 0)
      verify('the pull-request evaluation', run, run.outputs.decision === 'pass', 'expected pass')
      const comments = repo.commentsOn(PR)
      verify('the pull-request evaluation', run, comments.length === 1, 'one sticky comment')
      verify(
        'the pull-request evaluation',
        run,
        comments[0]!.body.includes('<!-- modelgate:clinical-classifier:production -->'),
        'the sticky comment marker'
      )
      const status = repo.status(headSha, 'modelgate/clinical-classifier/production')
      verify('the pull-request evaluation', run, status?.state === 'success', 'commit status')
      gh!.assertNoViolations()
      const failed = requests.filter(r => r.status >= 400)
      if (failed.length > 0) {
        throw new Error(
          `requests failed: ${failed.map(r => `${r.method} ${r.path} ${r.status}`).join(', ')}`
        )
      }
      return { seconds: run.seconds, requests }
    }
    const checkOnly = async () => {
      const run = await action(checkInputs, {})
      verify(
        'the engine-only check',
        run,
        run.exitCode === 0 && /^pass/.test(run.outputs.decision ?? ''),
        'expected pass or pass-with-warnings'
      )
      return run.seconds
    }

    const first = await evaluate(true) // also the warm-up
    await checkOnly()
    const prTimes: number[] = []
    const checkTimes: number[] = []
    for (let i = 0; i < runs; i++) {
      const run = await evaluate(true)
      if (run.requests.length !== first.requests.length) {
        throw new Error(
          `an evaluation made ${run.requests.length} requests, the first ${first.requests.length}`
        )
      }
      prTimes.push(run.seconds)
      checkTimes.push(await checkOnly())
    }
    // A re-run with the sticky comment in place: edited only when its text changed.
    const rerun = await evaluate(false)

    const byOperation: Record<string, number> = {}
    for (const r of first.requests) {
      const key = r.operationId ?? `${r.method} ${r.path}`
      byOperation[key] = (byOperation[key] ?? 0) + 1
    }
    const looked = first.requests
      .filter(r => r.operationId === 'repos/get-collaborator-permission-level')
      .map(r => r.path.split('/')[5] ?? '')
    const wanted = new Set(approving)

    process.stdout.write(
      JSON.stringify({
        requests: first.requests.length,
        floor,
        reviewPages: Math.ceil(REVIEWS / PAGE_MAX),
        approvingReviewers: approving.length,
        others: OTHERS,
        byOperation,
        permissionLookups: looked.length,
        lookedUpBeyondApprovers: looked.filter(l => !wanted.has(l)),
        approversNotLookedUp: approving.filter(l => !looked.includes(l)),
        rerunRequests: rerun.requests.length,
        prEvalSeconds: median(prTimes),
        checkSeconds: median(checkTimes),
        runs
      }) + '\n'
    )
  } finally {
    await gh?.close()
    await sandbox.cleanup()
    await rm(scratch, { recursive: true, force: true })
  }
}

const [root, runs] = process.argv.slice(2)
if (!root) {
  process.stderr.write('usage: pr-eval <repository root> [timed runs]\n')
  process.exit(2)
}
main(path.resolve(root), Number(runs ?? 7)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`)
  process.exit(1)
})
