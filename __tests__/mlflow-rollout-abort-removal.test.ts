/**
 * Issue 15's finding on a rollout's start: a version the monitor (or a person) aborted from a
 * rollout stage must not start there again unless forced. On MLflow (the stand-in), the abort
 * takes the alias off through the adapter's own unassign, so `takenOutOf` reads its removal mark
 * with the abort's reason, which the rolled-back gate names; a start puts it back and clears it.
 * (A complete leaves the same mark: commands/rollout-start.ts reads the steps and does not count
 * it, the version moved on.)
 */
import type { MlflowStandIn } from './helpers/mlflow-stand-in/index.js'
import { alice, registryOn, seedModel, useMlflowStandIn } from './helpers/mlflow-fixtures.js'
import type { RolloutStepRequest } from '../src/registry/port.js'

let stand: MlflowStandIn
useMlflowStandIn(s => (stand = s))

const start: RolloutStepRequest = { kind: 'start', version: '2', percent: 5 }
const abort: RolloutStepRequest = { kind: 'abort', version: '2', percent: 0 }

it('an abort counts as a removal from the stage, with its reason; a new start clears it', async () => {
  const model = seedModel(stand, 2)
  const registry = registryOn(stand)
  await registry.recordRolloutStep(model, 'canary', start, alice)
  expect(await registry.takenOutOf(model, '2', 'canary')).toBeUndefined()
  await registry.recordRolloutStep(model, 'canary', abort, {
    actor: 'modelgate-monitor',
    reason: 'error rate breached in canary'
  })
  expect(await registry.takenOutOf(model, '2', 'canary')).toMatchObject({
    by: 'modelgate-monitor',
    reason: 'error rate breached in canary'
  })
  await registry.recordRolloutStep(model, 'canary', start, alice)
  expect(await registry.takenOutOf(model, '2', 'canary')).toBeUndefined()
})
