import * as core from '@actions/core'
import { z } from 'zod'
import { InvalidInputError } from './errors.js'

/** Every input of action.yml, read once and validated together. */
export interface Settings {
  policy: string
  candidate: string
  stage: string
  champion?: string
  failOnBlocked: boolean
}

const Inputs = z.object({
  policy: z.string().min(1, 'is required: the path of the promotion policy'),
  candidate: z.string().min(1, 'is required: the candidate model directory'),
  stage: z.string().min(1, 'is required: the target stage'),
  champion: z.string(),
  'fail-on-blocked': z.enum(['true', 'false'], { message: 'must be true or false' })
})

/** Reads and validates the inputs; one error lists every problem. The only caller of core.getInput. */
export function getInputs(): Settings {
  const raw = Object.fromEntries(
    Object.keys(Inputs.shape).map(name => [name, core.getInput(name).trim()])
  )
  if (raw['fail-on-blocked'] === '') raw['fail-on-blocked'] = 'true'
  const parsed = Inputs.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      issue => `input "${issue.path.join('.')}" ${issue.message}`
    )
    throw new InvalidInputError(problems.join('\n'))
  }
  const inputs = parsed.data
  return {
    policy: inputs.policy,
    candidate: inputs.candidate,
    stage: inputs.stage,
    champion: inputs.champion || undefined,
    failOnBlocked: inputs['fail-on-blocked'] === 'true'
  }
}
