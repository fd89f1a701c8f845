// `monitoring: required` (issue 16) through the bundled action (dist/index.js): a
// `workflow_dispatch` promotion probes the stage's monitor source, a real Prometheus loaded with
// dated series, for the version holding the stage; main.ts chooses the probe's adapters. The
// action runs with its clock shifted to the data's dates (helpers/shifted-clock.mjs).
import {
  eventRunner,
  modelWorkspace,
  registerVersions,
  type EventRunner,
  type ModelWorkspace
} from './helpers/action-workspace.js'
import { workflowDispatchEvent } from './helpers/events.js'
import { start, type StandIn } from './helpers/github-stand-in/index.js'
import {
  MINUTE,
  T1,
  clockAt,
  gauge,
  maxTrigger,
  monitoredPolicy,
  monitoringGateOf
} from './helpers/monitored-registry.js'
import { BASE_SECONDS, startPrometheus, type PrometheusServer } from './helpers/prometheus.js'

const REPO = { owner: 'acme', name: 'models' }

const policy = (url: string) =>
  monitoredPolicy({
    model: 'fraud',
    path: 'model',
    metric: 'auc',
    min: 0.7,
    stage: 'dev',
    required: true,
    url,
    timeout: '1s',
    triggers: maxTrigger('error rate', 'error_ratio', 0.05)
  })

describe('command: promote with monitoring: required (bundled action, real Prometheus)', () => {
  let prometheus: PrometheusServer
  let workspace: ModelWorkspace
  let gh: StandIn
  let runner: EventRunner
  const promote = (version: string, seconds: number) =>
    runner.run(
      workflowDispatchEvent({ repo: REPO, sha: workspace.commits[2] as string, sender: 'ada' }),
      { command: 'promote', policy: 'policy.yml', stage: 'dev', version },
      clockAt(seconds)
    )

  beforeAll(async () => {
    // v1.0.0 serves from 10 minutes before BASE for 5 hours; v1.1.0 sends nothing.
    prometheus = await startPrometheus([
      gauge(
        'error_ratio',
        { model: 'fraud', version: 'v1.0.0', stage: 'dev' },
        BASE_SECONDS - 10 * MINUTE,
        300,
        () => 0.01
      )
    ])
    const text = policy(prometheus.url)
    workspace = await modelWorkspace({ policy: text, aucs: [0.75, 0.8, 0.85] })
    gh = await start()
    gh.state.addRepo(REPO).addCollaborators({ ada: 'admin' })
    gh.state.repo('acme/models').putFiles('main', { 'policy.yml': text })
    runner = eventRunner({ workspace: workspace.clone.dir, gh })
    await registerVersions(workspace.clone, {
      actor: 'ada',
      versions: {
        'v1.0.0': workspace.commits[0] as string,
        'v1.1.0': workspace.commits[1] as string,
        'v1.2.0': workspace.commits[2] as string
      },
      env: clockAt(BASE_SECONDS - 30 * MINUTE)
    })
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
    expect(monitoringGateOf(first.outputs['report-json'])?.summary).toBe(
      'dev is monitored (1 trigger); no version holds it yet, so there is nothing to probe'
    )

    const second = await promote('v1.1.0', T1)
    expect(second.exitCode).toBe(0)
    expect(monitoringGateOf(second.outputs['report-json'])).toMatchObject({
      status: 'pass',
      summary: `prometheus ${prometheus.url} receives data for v1.0.0 on 1 trigger`
    })

    const third = await promote('v1.2.0', T1 + 5 * MINUTE)
    expect(third.exitCode).toBe(2)
    expect(third.outputs.decision).toBe('blocked')
    expect(monitoringGateOf(third.outputs['report-json'])).toMatchObject({
      status: 'fail',
      summary: `prometheus ${prometheus.url} has no data for v1.1.0 on 1 trigger: error rate`
    })
    gh.assertNoViolations()
  })
})
