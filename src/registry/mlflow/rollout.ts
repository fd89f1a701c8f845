/**
 * Rollout steps in an MLflow registry (docs/rollout.md): the stage's alias says which version is
 * in the rollout's stage (set by the start, removed by an abort or complete, through the
 * adapter's own assign and unassign, journal and audit included), and one registered-model tag
 * per stage (`modelgate.rollout.<alias>`, Unity Catalog `modelgate_rollout_<alias>`) keeps the
 * steps: a compact JSON list, newest first, earlier rollouts dropped first to fit the backend's
 * tag-value limit.
 *
 * Write, per attempt (write-protocol.ts): read the tag afresh → `decideStep` → nothing to do →
 * dry run → write the list with the new step first → read it back: another writer's list in
 * its place is a lost race (retried). Then the alias follows (assign or unassign, which write
 * nothing when it is there already), so a run stopped between the two is finished by its re-run.
 */
import { InvalidInputError } from '../../errors.js'
import { actorName } from '../actor.js'
import { RegistryConflictError } from '../errors.js'
import type {
  AuditFacts,
  RegistryEvent,
  RolloutStep,
  RolloutStepKind,
  RolloutStepRequest,
  WriteOptions,
  WriteResult
} from '../port.js'
import { runWrite } from '../write-protocol.js'
import {
  STEP_KINDS,
  decideStep,
  isActive,
  isRunId,
  rolloutFacts,
  rolloutState,
  type RolloutState
} from '../../rollout/steps.js'
// The one wording of a step, git's tag summary (`Advance rollout of m v2 in canary from 5% to 10%`).
import { stepSummary } from '../../rollout/step-summary.js'
import { byteLength } from './names.js'
import type { MlflowRest } from './rest.js'

/** One stored step: short keys, so a rollout fits Unity Catalog's 1,000-character tag values. */
interface Stored {
  i: string
  k: RolloutStepKind
  v: string
  p: number
  f?: number
  /** Seconds since the epoch. */
  t: number
  b: string
  r?: string
  /** The workflow run that took the step (GITHUB_RUN_ID), so its re-run writes nothing twice. */
  u?: string
}

const MAX_REASON = 120
const MAX_ACTOR = 60

export interface MlflowRolloutDeps {
  rest: MlflowRest
  /** The stage's tag key. */
  key: string
  tagLimit: number
  now: () => number
  random: () => number
  maxAttempts: number
  /** The adapter's own alias moves. */
  assign(model: string, version: string, stage: string, audit: AuditFacts): Promise<WriteResult>
  unassign(model: string, version: string, stage: string, audit: AuditFacts): Promise<WriteResult>
}

const isPercent = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100

/** The stored list (newest first); entries that are not steps are left out. */
function decode(value: string | undefined): Stored[] {
  if (!value) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return []
  }
  if (!Array.isArray(parsed)) return []
  return parsed.filter((entry): entry is Stored => {
    if (!entry || typeof entry !== 'object') return false
    const e = entry as Record<string, unknown>
    return (
      typeof e.i === 'string' &&
      STEP_KINDS.includes(e.k as RolloutStepKind) &&
      typeof e.v === 'string' &&
      isPercent(e.p) &&
      (e.f === undefined || isPercent(e.f)) &&
      typeof e.t === 'number' &&
      Number.isFinite(e.t) &&
      typeof e.b === 'string' &&
      (e.r === undefined || typeof e.r === 'string')
    )
  })
}

function toStep(model: string, stage: string, s: Stored): RolloutStep {
  return {
    model,
    stage,
    version: s.v,
    kind: s.k,
    percent: s.p,
    ...(s.f === undefined ? {} : { from: s.f }),
    at: new Date(s.t * 1000),
    by: s.b,
    ...(s.r === undefined ? {} : { reason: s.r }),
    // A run that is no run id is left out: the step stays, as one no run took.
    ...(isRunId(s.u) ? { run: s.u } : {}),
    id: s.i
  }
}

/** The steps a stage's tag value keeps, oldest first. */
export function storedSteps(
  value: string | undefined,
  model: string,
  stage: string
): RolloutStep[] {
  return decode(value)
    .reverse()
    .map(s => toStep(model, stage, s))
}

/** The stage's steps, oldest first. */
export async function readRolloutSteps(
  rest: MlflowRest,
  model: string,
  stage: string,
  key: string
): Promise<RolloutStep[]> {
  const rm = await rest.readModelIfAny(model)
  return storedSteps(rm?.tags.get(key), model, stage)
}

/**
 * The list with `entry` first, fitted to the tag: earlier rollouts are dropped first, then the
 * runs of the current rollout's older steps (oldest first: a re-run comes soon after its run);
 * a current rollout that still does not fit is refused.
 */
function encode(entry: Stored, list: Stored[], limit: number): string {
  const all = [entry, ...list]
  const currentStart = all.findIndex(s => s.k === 'start')
  let kept = all
  const fits = () => byteLength(JSON.stringify(kept)) <= limit
  while (!fits() && currentStart >= 0 && kept.length > currentStart + 1) kept = kept.slice(0, -1)
  for (let i = kept.length - 1; i > 0 && !fits(); i--) {
    const older = { ...(kept[i] as Stored) }
    delete older.u
    kept = [...kept.slice(0, i), older, ...kept.slice(i + 1)]
  }
  if (!fits()) {
    throw new InvalidInputError(
      `The rollout's steps no longer fit in one registry tag (${limit} characters): start a new rollout.`
    )
  }
  return JSON.stringify(kept)
}

function eventOf(
  model: string,
  stage: string,
  s: Stored,
  facts: Record<string, unknown>
): RegistryEvent {
  const ending = s.k === 'abort' || s.k === 'complete'
  return {
    kind: ending ? 'unassignment' : 'assignment',
    model,
    version: s.v,
    stage,
    at: new Date(s.t * 1000),
    by: s.b,
    id: s.i,
    summary: stepSummary(model, stage, toStep(model, stage, s), s.r),
    audit: { rollout: facts, actor: s.b, ...(s.r ? { reason: s.r } : {}) }
  }
}

interface View {
  list: Stored[]
  raw: string | undefined
}

/** Whether the rollout stands at `step`: its start while it runs, its abort or completion after. */
function standsAt(state: RolloutState | undefined, step: RolloutStepRequest): boolean {
  if (!state || state.version !== step.version) return false
  if (step.kind === 'start') return isActive(state)
  return state.phase === (step.kind === 'abort' ? 'aborted' : 'complete')
}

export async function recordMlflowRolloutStep(
  deps: MlflowRolloutDeps,
  model: string,
  stage: string,
  step: RolloutStepRequest,
  audit: AuditFacts,
  options: WriteOptions
): Promise<WriteResult> {
  const entryOf = (facts: AuditFacts): Stored => ({
    i: `${Math.floor(deps.now())}-${Math.floor(deps.random() * 1e9).toString(36)}`,
    k: step.kind,
    v: step.version,
    p: step.percent,
    ...(step.from === undefined ? {} : { f: step.from }),
    t: Math.floor(deps.now() / 1000),
    b: actorName(facts).slice(0, MAX_ACTOR),
    ...(facts.reason ? { r: facts.reason.slice(0, MAX_REASON) } : {}),
    ...(step.run === undefined ? {} : { u: step.run })
  })
  const read = async (): Promise<View> => {
    const rm = await deps.rest.fetchModel(model)
    const raw = rm.tags.get(deps.key)
    return { list: decode(raw), raw }
  }
  // The steps the last attempt judged against: a step recorded already is finished only when it
  // is where the rollout stands (a run's re-run after a new rollout began moves no alias).
  let judged: RolloutStep[] = []
  const result = await runWrite<View, { view: View; entry: Stored }, View>(
    {
      model,
      stage,
      maxAttempts: deps.maxAttempts,
      read: async (_attempt, lost) => lost ?? read(),
      decide: view => {
        const steps = [...view.list].reverse().map(s => toStep(model, stage, s))
        judged = steps
        const decided = decideStep(steps, step, { model, stage })
        if (decided !== 'write') return decided
        return {
          holder: () => undefined,
          plan: facts => ({ plan: { view, entry: entryOf(facts) } })
        }
      },
      preview: ({ entry }) => [eventOf(model, stage, entry, rolloutFacts(step))],
      write: async ({ view, entry }, _facts, attempt) => {
        const value = encode(entry, view.list, deps.tagLimit)
        const now = await read()
        if (now.raw !== view.raw) return { lost: now }
        await deps.rest.setModelTag(model, deps.key, value)
        const after = await read()
        if (after.list[0]?.i !== entry.i) return { lost: after }
        const events = [eventOf(model, stage, entry, rolloutFacts(step))]
        return { written: { written: true, events, attempts: attempt } }
      },
      gaveUp: attempts =>
        new RegistryConflictError(
          `Recording the rollout step of ${model} ${stage}: gave up after ${attempts} attempts, other writers kept changing its steps. Re-run to judge against the new state.`
        )
    },
    audit,
    options
  )
  if (options.dryRun || (!result.written && result.reason !== 'step already recorded')) {
    return result
  }
  if (!result.written && !standsAt(rolloutState(judged), step)) return result
  // The alias follows the step; a re-run finishes what a stopped run left.
  const moved =
    step.kind === 'start'
      ? await deps.assign(model, step.version, stage, audit)
      : step.kind === 'abort' || step.kind === 'complete'
        ? await deps.unassign(model, step.version, stage, audit)
        : undefined
  if (result.written) {
    return moved?.written ? { ...result, events: [...result.events, ...moved.events] } : result
  }
  return moved?.written ? moved : result
}
