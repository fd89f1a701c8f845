import type { AuditLog } from '../audit/log.js'
import type { AuditRecord } from '../audit/record.js'
import type { RecordedStep, RolloutHandoff } from '../commands/rollout-step.js'
import { PermissionError, errorMessage } from '../errors.js'
import { DEPLOYMENTS_PERMISSION, type DeploymentSink } from '../github/deployments.js'
import { DISPATCH_PERMISSION, type RepositoryDispatch } from '../github/repository-dispatch.js'
import type { HandOffSettings } from '../inputs.js'
import type { Logger } from '../log.js'
import {
  deploymentCreatedLine,
  deploymentDescription,
  dispatchSentLine,
  handOffFailed,
  handOffFailureMessage,
  replacedDescription,
  type HandOffOutcomeText,
  type HandOffPartOutcome,
  type StageChangeText
} from '../report/hand-off.js'

/**
 * A change of what a stage serves, written in the registry: a promotion, a rollback or a
 * rollout step. The hand-off tells serving about it; ModelGate never routes traffic.
 */
export interface StageChange extends StageChangeText {
  /** `promoted`, `rolled-back` or `rollout-step`. */
  kind: 'promoted' | 'rolled-back' | 'rollout-step'
  model: string
  stage: string
  /** The version the change is about: promoted, restored, or in the rollout. */
  version: string
  /** The share of the stage's traffic `version` should get: 100 for a promotion or rollback. */
  trafficPercent: number
  /** `start`, `advance`, `hold`, `abort` or `complete` for a rollout step; null otherwise. */
  rolloutStep: string | null
  /**
   * The other version of the split: the one serving the remaining 100 − trafficPercent %. At
   * 100% (a promotion, a rollback, a completed rollout) the version just replaced, now at 0%.
   * Null when there is none.
   */
  championVersion: string | null
  /** The version that left the stage (replaced or rolled back): its deployment goes `inactive`. */
  previousVersion?: string | null
}

/** What the hand-off writes through, chosen by main.ts (from the run's GitHub ports). */
export interface HandOffPorts {
  deployments: DeploymentSink
  dispatch: RepositoryDispatch
}

/** The facts of the run a deployment names: the ref deployed and the run's page. */
export interface HandOffFacts {
  /** `GITHUB_SHA`, else `GITHUB_REF`: the ref of the deployment. */
  ref?: string
  runUrl?: string
  logger?: Logger
}

export interface HandOffResult {
  deploymentId?: number
  dispatched: boolean
  /** Nothing was sent: the hand-off is off, or this change was handed off already in this run. */
  skipped?: 'off' | 'already'
}

/**
 * The hand-off of one run. `announceStageChange` is what a command calls after its registry
 * write (the rollout command does; promotions and rollbacks are announced by main.ts from their
 * audit records, through {@link announceWritten}). It never throws: a failure is kept and
 * `failure()` gives the step's error once the command's report is out.
 */
export interface HandOff {
  readonly enabled: boolean
  announceStageChange(change: StageChange): Promise<HandOffResult>
  /** Promotions and rollbacks written in this run, unless their model and stage were announced. */
  announceWritten(records: readonly AuditRecord[]): Promise<void>
  /** The step's failure, if any part failed: its message and exit code (4: a permission). */
  failure(): { message: string; permission: boolean } | undefined
}

/** Names and versions a deploy workflow may put in a shell command: nothing else is sent. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/+@-]{0,199}$/
const SAFE_STEP = /^[a-z-]{1,20}$/
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.:/_~%-]{1,400}$/
const PLAIN = 'is not a plain name (letters, digits, . _ : / + @ -, at most 200 characters)'

/** A name the hand-off refuses to send: which payload field, and why. */
export class RefusedName extends Error {
  constructor(
    readonly field: string,
    readonly why: string
  ) {
    super(`the payload field ${field} ${why}, so it is not handed to a deploy workflow`)
    this.name = 'RefusedName'
  }
}

/**
 * The payload serving reads (the deployment's `payload` and the dispatch's `client_payload`):
 * at most 10 top-level properties (GitHub's dispatch limit), short names, no free text (no
 * reason, no actor), no secrets. Throws when a name is not safe to hand to a shell.
 */
export function handOffPayload(
  change: StageChange,
  runUrl?: string
): Record<string, string | number | null> {
  for (const [key, value] of [
    ['model', change.model],
    ['stage', change.stage],
    ['version', change.version],
    ['champion_version', change.championVersion]
  ] as const) {
    if (value !== null && !SAFE_NAME.test(value)) throw new RefusedName(key, PLAIN)
  }
  if (change.rolloutStep !== null && !SAFE_STEP.test(change.rolloutStep)) {
    throw new RefusedName('rollout_step', 'is not a plain step name (a-z and -)')
  }
  const traffic = change.trafficPercent
  if (!Number.isFinite(traffic) || traffic < 0 || traffic > 100) {
    throw new RefusedName('traffic_percent', `(${traffic}) is not a share of 0 to 100`)
  }
  return {
    model: change.model,
    stage: change.stage,
    version: change.version,
    traffic_percent: traffic,
    rollout_step: change.rolloutStep,
    champion_version: change.championVersion,
    change: change.kind,
    ...(runUrl && SAFE_URL.test(runUrl) ? { run_url: runUrl } : {})
  }
}

/** The environment of a model and stage: `<model>/<stage>`. */
export function environmentOf(change: Pick<StageChange, 'model' | 'stage'>): string {
  return `${change.model}/${change.stage}`
}

/** The stage changes of this run's written promotions and rollbacks, from their audit records. */
export function stageChangesOf(records: readonly AuditRecord[]): StageChange[] {
  return records.flatMap((record): StageChange[] => {
    if (!record.written || !record.version) return []
    switch (record.kind) {
      case 'promotion':
      case 'forced-promotion':
        return [
          {
            kind: 'promoted',
            model: record.model,
            stage: record.to,
            version: record.version,
            trafficPercent: 100,
            rolloutStep: null,
            championVersion: record.previous,
            previousVersion: record.previous
          }
        ]
      case 'rollback':
      case 'automatic-rollback':
        return [
          {
            kind: 'rolled-back',
            model: record.model,
            stage: record.to,
            version: record.version,
            trafficPercent: 100,
            rolloutStep: null,
            championVersion: record.previous,
            previousVersion: record.previous
          }
        ]
      default:
        return []
    }
  })
}

/**
 * A rollout step the registry wrote, as a stage change: the version at the step's share, the
 * champion serving the rest. At complete the champion is the version itself (it holds the full
 * stage): no other version of the split, so none is named.
 */
export function rolloutStepChange(recorded: RecordedStep): StageChange {
  const { step } = recorded
  const champion = recorded.champion !== step.version ? recorded.champion : undefined
  return {
    kind: 'rollout-step',
    model: recorded.model,
    stage: recorded.stage,
    version: step.version,
    trafficPercent: step.percent,
    rolloutStep: step.kind,
    championVersion: champion ?? null
  }
}

/**
 * The action's `RegistryContext.rolloutHandoff`: every rollout step written (by `command: rollout`
 * or a monitor run) is announced to serving. It never throws: a failure is kept by the hand-off,
 * and main.ts fails the step after the report.
 */
export function rolloutHandoffTo(handOff: HandOff): RolloutHandoff {
  return async recorded => {
    await handOff.announceStageChange(rolloutStepChange(recorded))
  }
}

/** An AuditLog that passes every record on and keeps a copy, for {@link HandOff.announceWritten}. */
export function keepingCopies(log: AuditLog): { log: AuditLog; records: () => AuditRecord[] } {
  const kept: AuditRecord[] = []
  return {
    log: {
      add: record => {
        kept.push(record)
        log.add(record)
      }
    },
    records: () => [...kept]
  }
}

/**
 * The hand-off to serving of one run: for each stage change, a GitHub Deployment to the
 * environment `<model>/<stage>` with a status (`success`; `failure` for an aborted rollout),
 * the earlier deployment of the version that left the stage marked `inactive`, and a
 * repository_dispatch event; each part only when its input asks for it. `ports` is called on
 * the first change that needs it (so a run with the hand-off off needs no token for it).
 */
export function handOffToServing(
  settings: HandOffSettings,
  ports: () => HandOffPorts,
  facts: HandOffFacts
): HandOff {
  const enabled = settings.deployments || settings.dispatchEventType !== undefined
  const outcomes: HandOffOutcomeText[] = []
  const announced = new Set<string>()
  const announcedStages = new Set<string>()

  async function announceStageChange(change: StageChange): Promise<HandOffResult> {
    if (!enabled) return { dispatched: false, skipped: 'off' }
    const key = JSON.stringify([
      change.model,
      change.stage,
      change.version,
      change.trafficPercent,
      change.rolloutStep,
      change.kind
    ])
    if (announced.has(key)) return { dispatched: false, skipped: 'already' }
    announced.add(key)
    announcedStages.add(environmentOf(change))
    const eventType = settings.dispatchEventType
    let payload: Record<string, string | number | null>
    try {
      payload = handOffPayload(change, facts.runUrl)
    } catch (caught) {
      const error =
        caught instanceof RefusedName ? caught : new RefusedName('payload', errorMessage(caught))
      outcomes.push({
        change: plainOnly(change),
        deployment: settings.deployments ? { state: 'refused' } : { state: 'off' },
        dispatch: eventType !== undefined ? { state: 'refused' } : { state: 'off' },
        refused: { field: error.field, why: error.why }
      })
      return { dispatched: false }
    }
    const result: HandOffResult = { dispatched: false }
    let deployment: HandOffPartOutcome = { state: 'off' }
    let dispatch: HandOffPartOutcome = { state: 'off' }
    if (settings.deployments) {
      try {
        result.deploymentId = await deploy(ports().deployments, change, payload)
        deployment = { state: 'created', id: result.deploymentId }
      } catch (error) {
        deployment = failedPart(error, DEPLOYMENTS_PERMISSION)
      }
    }
    if (eventType !== undefined) {
      try {
        await ports().dispatch.send(eventType, payload)
        result.dispatched = true
        dispatch = { state: 'sent', eventType }
        facts.logger?.info(dispatchSentLine(eventType, change))
      } catch (error) {
        dispatch = failedPart(error, DISPATCH_PERMISSION)
      }
    }
    outcomes.push({
      change,
      deployment,
      dispatch,
      payload,
      ...(eventType !== undefined ? { eventType } : {})
    })
    return result
  }

  async function deploy(
    sink: DeploymentSink,
    change: StageChange,
    payload: Record<string, string | number | null>
  ): Promise<number> {
    const environment = environmentOf(change)
    if (!facts.ref) throw new Error('the run names no commit (GITHUB_SHA) to deploy')
    const production = change.stage === 'production'
    // GitHub marks earlier successful deployments of the environment inactive by itself
    // (auto_inactive), except in a production environment: there the version that left the
    // stage is marked here, its newest deployment found before ours is created.
    const left =
      production && change.previousVersion && change.previousVersion !== change.version
        ? change.previousVersion
        : undefined
    const earlier = left
      ? (await sink.recent(environment)).find(deployment => deployment.version === left)
      : undefined
    const { id } = await sink.create({
      ref: facts.ref,
      environment,
      payload,
      description: deploymentDescription(change),
      production
    })
    const aborted = change.kind === 'rollout-step' && change.rolloutStep === 'abort'
    await sink.setStatus(id, {
      state: aborted ? 'failure' : 'success',
      description: deploymentDescription(change),
      ...(facts.runUrl ? { logUrl: facts.runUrl } : {})
    })
    if (earlier && left) {
      await sink.setStatus(earlier.id, {
        state: 'inactive',
        description: replacedDescription(change, left),
        ...(facts.runUrl ? { logUrl: facts.runUrl } : {})
      })
    }
    facts.logger?.info(deploymentCreatedLine(id, environment, change))
    return id
  }

  return {
    enabled,
    announceStageChange,
    async announceWritten(records) {
      if (!enabled) return
      for (const change of stageChangesOf(records)) {
        // A command that announced its own change (a rollout step) is not announced twice.
        if (announcedStages.has(environmentOf(change))) continue
        await announceStageChange(change)
      }
    },
    failure() {
      const failed = outcomes.filter(handOffFailed)
      if (failed.length === 0) return undefined
      const parts = failed.flatMap(outcome => [outcome.deployment, outcome.dispatch])
      return {
        message: handOffFailureMessage(failed, repositoryOf(facts.runUrl)),
        permission:
          failed.every(outcome => outcome.refused === undefined) &&
          parts.every(part => part.state !== 'failed' || part.permission)
      }
    }
  }
}

function failedPart(error: unknown, needs: string): HandOffPartOutcome {
  return {
    state: 'failed',
    message: errorMessage(error),
    permission: error instanceof PermissionError,
    needs
  }
}

/** The change with every name that is not plain replaced, so the failure text never carries it. */
function plainOnly(change: StageChange): StageChangeText {
  const plain = (value: string) => (SAFE_NAME.test(value) ? value : '(refused)')
  return {
    ...change,
    model: plain(change.model),
    stage: plain(change.stage),
    version: plain(change.version),
    previousVersion: null
  }
}

/** `owner/name` from the run's URL (`https://github.com/owner/name/actions/runs/1`). */
function repositoryOf(runUrl: string | undefined): string | undefined {
  const match = runUrl?.match(
    /^https?:\/\/[^/]+\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/actions\/runs\//
  )
  return match?.[1]
}
