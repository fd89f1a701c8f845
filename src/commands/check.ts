import { loadCandidate } from '../candidate/load.js'
import { evaluateStage } from '../gates/evaluate.js'
import type { Evaluation } from '../gates/types.js'
import { loadPolicy } from '../policy/load.js'
import { renderMarkdown } from '../report/markdown.js'
import { toJson } from '../report/json.js'
import type { CommandOutcome } from './registry-context.js'
import { exitCodeFor } from './exit-code.js'

export interface CheckOptions {
  policyFile: string
  candidateDir: string
  stage: string
  /** A directory holding the champion's artifact; without it there is no champion (first promotion). */
  championDir?: string
  now?: Date
}

export interface CheckOutcome extends CommandOutcome {
  evaluation: Evaluation
  decision: Evaluation['decision']
}

/** What a check needs that it cannot see: it runs outside any pull request or registry. */
const CHECK_LACKS = ['approvals', 'checks', 'source-stage-dates'] as const

/**
 * `modelgate check`: evaluate a candidate directory against one stage of a policy,
 * optionally against a champion directory. Reads only; never writes anywhere.
 */
export async function check(options: CheckOptions): Promise<CheckOutcome> {
  const policy = await loadPolicy(options.policyFile)
  const candidate = await loadCandidate(options.candidateDir)
  const champion = options.championDir ? await loadCandidate(options.championDir) : undefined
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
    markdown: renderMarkdown(evaluation),
    json: toJson(evaluation),
    exitCode: exitCodeFor(evaluation.decision),
    decision: evaluation.decision
  }
}
