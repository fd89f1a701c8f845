import type { Signature, SignatureField } from '../candidate/types.js'
import { plural } from './format.js'
import type { GateResult } from './types.js'

export type Compatibility = 'exact' | 'backward'

export interface SchemaContext {
  compatibility: Compatibility
  candidate?: Signature
  /** Present when a version holds the target stage; its signature may still be absent. */
  champion?: { label: string; signature?: Signature }
  /** The target stage, for messages. */
  stage: string
}

/**
 * Signature compatibility with the champion. Fields are matched by name, order-insensitive;
 * types are compared as written (`double` ≠ `float`).
 *
 * - `exact`: the same inputs and outputs, with the same types and the same `required` flags.
 * - `backward`: every request the champion accepted is still accepted, and every output a
 *   consumer read is still produced. So an input the candidate requires must have been
 *   required by the champion too, with the same type (an input that was optional may be
 *   omitted by callers); an input both know keeps its type; new optional inputs and dropped
 *   inputs are allowed (callers' extra columns are ignored); every champion output remains,
 *   with its type, and stays required if it was. Allowed changes are listed too.
 *
 * No champion → `skipped`. Either side without a signature → `fail`: compatibility cannot be
 * verified. A field listed twice on one side is ambiguous and fails.
 */
export function schemaGate(context: SchemaContext): GateResult {
  const { compatibility, candidate, champion, stage } = context
  if (!champion) {
    const result: GateResult = {
      gate: 'schema',
      status: 'skipped',
      summary: `no champion in ${stage} yet (first promotion), no signature to compare with`
    }
    if (!candidate) {
      result.details = [
        `the candidate has no signature (MLmodel signature or schema.json); the next promotion into ${stage} cannot be verified against it`
      ]
    }
    return result
  }
  if (!candidate || !champion.signature) {
    const lacking = [
      ...(candidate ? [] : ['the candidate']),
      ...(champion.signature ? [] : [`champion ${champion.label}`])
    ]
    return {
      gate: 'schema',
      status: 'fail',
      summary: `cannot verify ${compatibility} compatibility: ${lacking.join(' and ')} ${lacking.length === 1 ? 'has' : 'have'} no signature`,
      details: lacking.map(side => `${side}: no MLmodel signature or schema.json`)
    }
  }

  const { breaking, allowed } = compare(compatibility, candidate, champion.signature)
  const details = [...breaking, ...allowed.map(change => `allowed: ${change}`)]
  const shape = `${plural(candidate.inputs.length, 'input')}, ${plural(candidate.outputs.length, 'output')}`
  let summary: string
  if (breaking.length > 0) {
    summary = `${plural(breaking.length, 'incompatible change')} vs champion ${champion.label} (${compatibility})`
  } else if (allowed.length > 0) {
    summary = `backward compatible with champion ${champion.label}: ${plural(allowed.length, 'allowed change')} (${shape})`
  } else {
    summary = `same signature as champion ${champion.label} (${shape})`
  }
  const result: GateResult = {
    gate: 'schema',
    status: breaking.length > 0 ? 'fail' : 'pass',
    summary
  }
  if (details.length > 0) result.details = details
  return result
}

interface Changes {
  breaking: string[]
  allowed: string[]
}

function compare(compatibility: Compatibility, candidate: Signature, champion: Signature): Changes {
  const changes: Changes = { breaking: [], allowed: [] }
  const candidateInputs = index('input', candidate.inputs, 'the candidate', changes)
  const championInputs = index('input', champion.inputs, 'the champion', changes)
  const candidateOutputs = index('output', candidate.outputs, 'the candidate', changes)
  const championOutputs = index('output', champion.outputs, 'the champion', changes)
  if (compatibility === 'exact') {
    compareExact('input', candidateInputs, championInputs, changes)
    compareExact('output', candidateOutputs, championOutputs, changes)
  } else {
    compareBackwardInputs(candidateInputs, championInputs, changes)
    compareBackwardOutputs(candidateOutputs, championOutputs, changes)
  }
  return changes
}

type Kind = 'input' | 'output'

/** Fields by name, in their listed order; a repeated name is recorded as breaking. */
function index(
  kind: Kind,
  fields: SignatureField[],
  side: string,
  changes: Changes
): Map<string, SignatureField> {
  const byName = new Map<string, SignatureField>()
  for (const field of fields) {
    if (byName.has(field.name)) changes.breaking.push(`${side} lists ${kind} ${field.name} twice`)
    else byName.set(field.name, field)
  }
  return byName
}

function describe(field: SignatureField): string {
  return `${field.type}, ${field.required ? 'required' : 'optional'}`
}

function compareExact(
  kind: Kind,
  candidate: Map<string, SignatureField>,
  champion: Map<string, SignatureField>,
  changes: Changes
): void {
  for (const [name, old] of champion) {
    const now = candidate.get(name)
    if (!now) {
      changes.breaking.push(`${kind} ${name} removed (was ${describe(old)})`)
      continue
    }
    if (now.type !== old.type) {
      changes.breaking.push(`${kind} ${name} type changed: ${old.type} → ${now.type}`)
    }
    if (now.required !== old.required) {
      changes.breaking.push(
        `${kind} ${name} is now ${now.required ? 'required' : 'optional'} (was ${old.required ? 'required' : 'optional'})`
      )
    }
  }
  for (const [name, added] of candidate) {
    if (!champion.has(name)) changes.breaking.push(`${kind} ${name} added (${describe(added)})`)
  }
}

function compareBackwardInputs(
  candidate: Map<string, SignatureField>,
  champion: Map<string, SignatureField>,
  changes: Changes
): void {
  for (const [name, now] of candidate) {
    const old = champion.get(name)
    if (!old) {
      if (now.required) {
        changes.breaking.push(
          `input ${name} added as required (${now.type}); callers of the champion do not send it`
        )
      } else {
        changes.allowed.push(`input ${name} added (${describe(now)})`)
      }
      continue
    }
    if (now.type !== old.type) {
      changes.breaking.push(`input ${name} type changed: ${old.type} → ${now.type}`)
    }
    if (now.required && !old.required) {
      changes.breaking.push(`input ${name} is now required (was optional); callers may omit it`)
    } else if (!now.required && old.required) {
      changes.allowed.push(`input ${name} is now optional (was required)`)
    }
  }
  for (const [name, old] of champion) {
    if (!candidate.has(name)) {
      changes.allowed.push(
        `input ${name} dropped (was ${old.type}); callers' extra columns are ignored`
      )
    }
  }
}

function compareBackwardOutputs(
  candidate: Map<string, SignatureField>,
  champion: Map<string, SignatureField>,
  changes: Changes
): void {
  for (const [name, old] of champion) {
    const now = candidate.get(name)
    if (!now) {
      changes.breaking.push(`output ${name} removed (was ${old.type})`)
      continue
    }
    if (now.type !== old.type) {
      changes.breaking.push(`output ${name} type changed: ${old.type} → ${now.type}`)
    }
    if (old.required && !now.required) {
      changes.breaking.push(`output ${name} is now optional (was required)`)
    }
  }
  for (const [name, added] of candidate) {
    if (!champion.has(name)) changes.allowed.push(`output ${name} added (${added.type})`)
  }
}
