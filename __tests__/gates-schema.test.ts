import type { Signature, SignatureField } from '../src/candidate/types.js'
import { schemaGate, type Compatibility } from '../src/gates/schema.js'

function field(name: string, type: string, required = true): SignatureField {
  return { name, type, required }
}

function signature(
  inputs: SignatureField[],
  outputs: SignatureField[] = [field('risk', 'double')]
): Signature {
  return { source: 'MLmodel', inputs, outputs }
}

const championSignature = signature([
  field('age', 'double'),
  field('bmi', 'double'),
  field('systolic_bp', 'long'),
  field('smoker', 'string')
])

function run(
  compatibility: Compatibility,
  candidate: Signature | undefined,
  champion: Signature | undefined = championSignature
) {
  return schemaGate({
    compatibility,
    candidate,
    champion: { label: 'v1.3.0', signature: champion },
    stage: 'production'
  })
}

describe('schema gate', () => {
  describe('exact', () => {
    it('passes the same fields in another order', () => {
      const shuffled = signature([
        field('smoker', 'string'),
        field('systolic_bp', 'long'),
        field('age', 'double'),
        field('bmi', 'double')
      ])
      const result = run('exact', shuffled)
      expect(result.status).toBe('pass')
      expect(result.summary).toBe('same signature as champion v1.3.0 (4 inputs, 1 output)')
      expect(result.details).toBeUndefined()
    })

    it('lists every difference: removed, added, type and required changes, outputs', () => {
      const candidate = signature(
        [
          field('age', 'float'),
          field('bmi', 'double', false),
          field('systolic_bp', 'long'),
          field('zip', 'string', false)
        ],
        [field('risk', 'float'), field('band', 'string')]
      )
      const result = run('exact', candidate)
      expect(result.status).toBe('fail')
      expect(result.summary).toBe('6 incompatible changes vs champion v1.3.0 (exact)')
      expect(result.details).toEqual([
        'input age type changed: double → float',
        'input bmi is now optional (was required)',
        'input smoker removed (was string, required)',
        'input zip added (string, optional)',
        'output risk type changed: double → float',
        'output band added (string, required)'
      ])
    })

    it('does not allow even a new optional input', () => {
      const candidate = signature([...championSignature.inputs, field('zip', 'string', false)])
      expect(run('exact', candidate).status).toBe('fail')
    })
  })

  describe('backward', () => {
    it('allows new optional inputs, dropped inputs, relaxed inputs and new outputs, listing them', () => {
      const candidate = signature(
        [
          field('age', 'double'),
          field('bmi', 'double', false),
          field('systolic_bp', 'long'),
          field('zip', 'string', false)
        ],
        [field('risk', 'double'), field('band', 'string')]
      )
      const result = run('backward', candidate)
      expect(result.status).toBe('pass')
      expect(result.summary).toBe(
        'backward compatible with champion v1.3.0: 4 allowed changes (4 inputs, 2 outputs)'
      )
      expect(result.details).toEqual([
        'allowed: input bmi is now optional (was required)',
        'allowed: input zip added (string, optional)',
        "allowed: input smoker dropped (was string); callers' extra columns are ignored",
        'allowed: output band added (string)'
      ])
    })

    it('fails a new required input, a type change and an input that became required', () => {
      const champion = signature([field('age', 'double'), field('bmi', 'double', false)])
      const candidate = signature([
        field('age', 'float'),
        field('bmi', 'double'),
        field('hba1c', 'double')
      ])
      const result = run('backward', candidate, champion)
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        'input age type changed: double → float',
        'input bmi is now required (was optional); callers may omit it',
        'input hba1c added as required (double); callers of the champion do not send it'
      ])
    })

    it('fails a type change on an optional input both know', () => {
      const champion = signature([field('age', 'double', false)])
      const candidate = signature([field('age', 'long', false)])
      expect(run('backward', candidate, champion).status).toBe('fail')
    })

    it('fails a removed output, a changed output type and an output that became optional', () => {
      const champion = signature(
        [field('age', 'double')],
        [field('risk', 'double'), field('band', 'string'), field('score', 'double')]
      )
      const candidate = signature(
        [field('age', 'double')],
        [field('risk', 'float'), field('score', 'double', false)]
      )
      const result = run('backward', candidate, champion)
      expect(result.status).toBe('fail')
      expect(result.details).toEqual([
        'output risk type changed: double → float',
        'output band removed (was string)',
        'output score is now optional (was required)'
      ])
    })
  })

  describe('fails closed', () => {
    it('fails when the candidate has no signature', () => {
      const result = run('backward', undefined)
      expect(result.status).toBe('fail')
      expect(result.summary).toBe(
        'cannot verify backward compatibility: the candidate has no signature'
      )
    })

    it('fails when the champion has no signature, naming it', () => {
      const result = schemaGate({
        compatibility: 'exact',
        candidate: championSignature,
        champion: { label: 'v1.3.0' },
        stage: 'production'
      })
      expect(result.status).toBe('fail')
      expect(result.summary).toBe(
        'cannot verify exact compatibility: champion v1.3.0 has no signature'
      )
      expect(result.details).toEqual(['champion v1.3.0: no MLmodel signature or schema.json'])
    })

    it('names both sides when neither has a signature', () => {
      const result = schemaGate({
        compatibility: 'exact',
        champion: { label: 'v1.3.0' },
        stage: 'production'
      })
      expect(result.summary).toBe(
        'cannot verify exact compatibility: the candidate and champion v1.3.0 have no signature'
      )
    })

    it('fails a field listed twice', () => {
      const candidate = signature([...championSignature.inputs, field('age', 'double')])
      const result = run('exact', candidate)
      expect(result.status).toBe('fail')
      expect(result.details).toEqual(['the candidate lists input age twice'])
    })
  })

  it('names the side and kind of each field listed twice', () => {
    const twiceOut = signature(championSignature.inputs, [
      field('risk', 'double'),
      field('risk', 'double')
    ])
    const twiceIn = signature([field('age', 'double'), field('age', 'double')])
    expect(run('exact', championSignature, twiceOut).details?.[0]).toBe(
      'the champion lists output risk twice'
    )
    expect(run('exact', twiceOut).details?.[0]).toBe('the candidate lists output risk twice')
    expect(run('backward', championSignature, twiceIn).details?.[0]).toBe(
      'the champion lists input age twice'
    )
  })

  it('exact: says which way a required flag changed', () => {
    const relaxed = signature(championSignature.inputs, [field('risk', 'double', false)])
    expect(run('exact', relaxed).details).toEqual(['output risk is now optional (was required)'])
    expect(run('exact', championSignature, relaxed).details).toEqual([
      'output risk is now required (was optional)'
    ])
  })

  it('is the schema gate in every outcome', () => {
    expect(run('exact', championSignature).gate).toBe('schema')
    expect(run('exact', undefined).gate).toBe('schema')
    expect(
      schemaGate({ compatibility: 'exact', candidate: championSignature, stage: 'production' }).gate
    ).toBe('schema')
  })

  describe('no champion', () => {
    it('is skipped and says there is no champion yet', () => {
      const result = schemaGate({
        compatibility: 'exact',
        candidate: championSignature,
        stage: 'production'
      })
      expect(result.status).toBe('skipped')
      expect(result.summary).toBe(
        'no champion in production yet (first promotion), no signature to compare with'
      )
      expect(result.details).toBeUndefined()
    })

    it('warns in its details when the candidate has no signature either', () => {
      const result = schemaGate({ compatibility: 'exact', stage: 'production' })
      expect(result.status).toBe('skipped')
      expect(result.details).toEqual([
        'the candidate has no signature (MLmodel signature or schema.json); the next promotion into production cannot be verified against it'
      ])
    })
  })
})
