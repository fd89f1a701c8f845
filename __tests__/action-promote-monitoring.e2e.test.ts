// `monitoring: required` (issue 16) through the bundled action (dist/index.js): a
// `workflow_dispatch` promotion probes the stage's monitor source, a real Prometheus loaded with
// dated series, for the version holding the stage; main.ts chooses the probe's adapters. The
// action runs with its clock shifted to the data's dates (helpers/shifted-clock.mjs).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  HERMETIC_GIT,
  eventRunner,
  modelWorkspace,
  type EventRunner,
  type ModelWorkspace
} from './helpers/action-workspace.js'
import { workflowDispatchEvent } from './helpers/events.js'
import { start, type StandIn } from './helpers/github-stand-in/index.js'
import {
  BASE_SECONDS,
  samplesEvery,
  startPrometheus,
  type PrometheusServer
} from './helpers/prometheus.js'
import { runAction } from './helpers/run-action.js'

const CLOCK = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers/shifted-clock.mjs')
const MINUTE = 60
const T1 = BASE_SECONDS + 60 * MINUTE
const REPO = { owner: 'acme', name: 'models' }

const policy = (url: string) => `model: fraud
path: model
metrics:
  auc: { goal: maximize }
stages:
  dev:
    from: [candidate]
    thresholds:
      auc: { min: 0.7 }
    monitoring: required
    monitor:
      source:
        prometheus: { url: "${url}", timeout: 1s }
      watch_for: 2h
      triggers:
        - name: error rate
          query: 'max(error_ratio{model="$model", version="$version"})'
          max: 0.05
`

describe('command: promote with monitoring: required (bundled action, real Prometheus)', () => {
  let prometheus: PrometheusServer
  let workspace: ModelWorkspace
  let gh: StandIn
  let runner: EventRunner
  const clock = (seconds: number) => ({
    NODE_OPTIONS: `--import=${CLOCK}`,
    SHIFTED_CLOCK_START_MS: String(seconds * 1000)
  })
  const promote = (version: string, seconds: number) =>
    runner.run(
      workflowDispatchEvent({ repo: REPO, sha: workspace.commits[2] as string, sender: 'ada' }),
      { command: 'promote', policy: 'policy.yml', stage: 'dev', version },
      clock(seconds)
    )
  const monitoringGate = (json: string | undefined) =>
    (
      JSON.parse(json ?? '{}') as { gates?: { gate: string; status: string; summary: string }[] }
    ).gates?.find(g => g.gate === 'monitoring')

  beforeAll(async () => {
    // v1.0.0 serves from 10 minutes before BASE for 5 hours; v1.1.0 sends nothing.
    prometheus = await startPrometheus([
      {
        name: 'error_ratio',
        labels: { model: 'fraud', version: 'v1.0.0', stage: 'dev' },
        samples: samplesEvery(BASE_SECONDS - 10 * MINUTE, MINUTE, 300, () => 0.01)
      }
    ])
    const text = policy(prometheus.url)
    workspace = await modelWorkspace({ policy: text, aucs: [0.75, 0.8, 0.85] })
    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({ ada: 'admin' })
    gh.state.repo('acme/models').putFiles('main', { 'policy.yml': text })
    runner = eventRunner({ workspace: workspace.clone.dir, gh })
    for (const [i, version] of ['v1.0.0', 'v1.1.0', 'v1.2.0'].entries()) {
      const registered = await runAction(
        { command: 'register', policy: 'policy.yml', version },
        {
          ...HERMETIC_GIT,
          ...clock(BASE_SECONDS - 30 * MINUTE),
          GITHUB_SHA: workspace.commits[i] as string,
          GITHUB_ACTOR: 'ada',
          GITHUB_EVENT_NAME: 'workflow_dispatch'
        },
        workspace.clone.dir
      )
      expect(registered.exitCode).toBe(0)
    }
  }, 120_000)
  afterAll(async () => {
    await runner?.cleanup()
    await gh?.close()
    await prometheus?.stop()
    await workspace?.cleanup()
  })

  it("promotes with no holder (nothing to probe), then on the holder's series; blocks on none", async () => {
    const first = await promote('v1.0.0', BASE_SECONDS)
    expect(first.exitCode).toBe(0)
    expect(monitoringGate(first.outputs['report-json'])?.summary).toBe(
      'dev is monitored (1 trigger); no version holds it yet, so there is nothing to probe'
    )

    const second = await promote('v1.1.0', T1)
    expect(second.exitCode).toBe(0)
    expect(monitoringGate(second.outputs['report-json'])).toMatchObject({
      status: 'pass',
      summary: `prometheus ${prometheus.url} receives data for v1.0.0 on 1 trigger`
    })

    const third = await promote('v1.2.0', T1 + 5 * MINUTE)
    expect(third.exitCode).toBe(2)
    expect(third.outputs.decision).toBe('blocked')
    expect(monitoringGate(third.outputs['report-json'])).toMatchObject({
      status: 'fail',
      summary: `prometheus ${prometheus.url} has no data for v1.1.0 on 1 trigger: error rate`
    })
    gh.assertNoViolations()
  })
})
