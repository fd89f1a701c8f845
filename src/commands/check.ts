import { loadCandidate } from '../candidate/load.js'
import type { Candidate } from '../candidate/types.js'
import { InvalidInputError, NotFoundError } from '../errors.js'
import type { Policy } from '../policy/schema.js'
import type { ModelSource } from '../registry/model-source.js'
import { isMlflowReference, parseMlflowReference } from '../registry/mlflow/reference.js'
import type { Registry } from '../registry/port.js'
import { evaluateStage } from '../gates/evaluate.js'
import type { Evaluation } from '../gates/types.js'
import { loadPolicy } from '../policy/load.js'
import type { CommandResult } from './registry-context.js'
import { exitCodeFor } from './exit-code.js'

export interface CheckOptions {
  policyFile: string
  /** The policy already read from `policyFile` elsewhere (a pull request's base); else read here. */
  policy?: Policy
  candidateDir: string
  stage: string
  /** A directory holding the champion's artifact; without it there is no champion (first promotion). */
  championDir?: string
  now?: Date
  /**
   * Where the directories are named: one that is a symlink or resolves outside it is refused.
   * Default: the working directory.
   */
  within?: string
}

export interface CheckOutcome extends CommandResult {
  evaluation: Evaluation
  decision: Evaluation['decision']
}

/** What a check needs that it cannot see: it runs outside any pull request or registry. */
const CHECK_LACKS = [
  'approvals',
  'checks',
  'source-stage-dates',
  'monitoring-probe',
  'attestations'
] as const

/**
 * `modelgate check`: evaluate a candidate directory against one stage of a policy,
 * optionally against a champion directory. Reads only; never writes anywhere.
 */
export async function check(
  options: CheckOptions,
  openRegistry: OpenRegistry = noRegistry
): Promise<CheckOutcome> {
  const policy = options.policy ?? (await loadPolicy(options.policyFile))
  const within = options.within ?? process.cwd()
  const load = (where: string, role: 'candidate' | 'champion') =>
    loadModel(where, policy, openRegistry, within, role)
  const candidate = await load(options.candidateDir, 'candidate')
  const champion = options.championDir ? await load(options.championDir, 'champion') : undefined
  const evaluation = evaluateStage({
    policy,
    stage: options.stage,
    candidate: { ...candidate, label: candidate.info?.version ?? options.candidateDir },
    champion: champion && {
      label: champion.info?.version ?? options.championDir ?? 'champion',
      version: champion.info?.version,
      metrics: champion.metrics,
      invalidMetrics: champion.invalidMetrics,
      signature: champion.signature
    },
    now: options.now ?? new Date(),
    unavailable: [...CHECK_LACKS],
    evaluator: 'check'
  })
  return {
    evaluation,
    report: { command: 'check', evaluation },
    exitCode: exitCodeFor(evaluation.decision),
    decision: evaluation.decision
  }
}

async function loadModel(
  where: string,
  policy: Policy,
  openRegistry: OpenRegistry,
  within: string,
  role: 'candidate' | 'champion'
): Promise<Candidate> {
  // `mlflow:NAME/VERSION` or `mlflow:NAME@ALIAS` names a registered version; anything else is a directory.
  if (!isMlflowReference(where)) return loadCandidate(where, { within, role })
  const reference = parseMlflowReference(where)
  const match = {
    name: reference.name,
    version: 'version' in reference ? reference.version : undefined,
    alias: 'alias' in reference ? reference.alias : undefined
  }
  if (policy.registry.type !== 'mlflow') {
    throw new InvalidInputError(
      `"${where}" names an MLflow version, but the policy's registry is ${policy.registry.type}`
    )
  }
  const { registry, models } = await openRegistry(policy)
  let version = match.version
  if (match.alias) {
    const holder = await registry.getStage(match.name, match.alias)
    if (!holder) throw new NotFoundError(`${match.name} has no version under alias ${match.alias}`)
    version = holder.version
  }
  const candidate = await models.loadVersion(match.name, version as string)
  return { ...candidate, info: { ...candidate.info, version: candidate.info?.version ?? version } }
}

/** Opens the policy's registry, for candidates and champions named as registered versions. */
export type OpenRegistry = (policy: Policy) => Promise<{ registry: Registry; models: ModelSource }>

async function noRegistry(): Promise<never> {
  throw new InvalidInputError('This command cannot read registered versions here')
}
