import { readFile } from 'node:fs/promises'
import { promotedCanaryChart } from '../commands/rollout-chart.js'
import type { Evaluation } from '../gates/types.js'
import { metricSourceFor } from '../monitor/open-source.js'
import type { Policy } from '../policy/schema.js'
import type { Registry } from '../registry/port.js'
import { rolloutChartUnreadable, type RolloutChart } from '../report/rollout-chart.js'
import type { EventContext } from './github-context.js'

/**
 * The sticky comment's chart of the canary a promotion follows (commands/rollout-chart.ts),
 * read with the canary's own metric source as `monitor` reads it. Only a picture: a registry or
 * source that cannot be read leaves it out with a warning, never fails the gate or the comment.
 */
export async function canaryChartForComment(
  registry: Registry,
  policy: Policy,
  stage: string,
  evaluation: Evaluation | undefined,
  context: EventContext,
  at: Date
): Promise<RolloutChart | undefined> {
  const version = evaluation?.candidate.version
  if (version === undefined) return undefined
  const champion = evaluation?.champion?.version
  return promotedCanaryChart(registry, policy, {
    stage,
    version,
    // After the merge's promotion the champion is the holder it replaced, as before it.
    ...(champion !== undefined && champion !== version ? { champion } : {}),
    at,
    sourceFor: block =>
      metricSourceFor(block, {
        root: context.workspace,
        readFile: file => readFile(file, 'utf8'),
        fetch
      })
  }).catch((error: unknown) => {
    context.logger?.warning(rolloutChartUnreadable(error))
    return undefined
  })
}
