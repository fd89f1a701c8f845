import { rolledBackGate } from '../src/gates/rolled-back.js'

describe('rolled_back gate', () => {
  it('says nothing for a version the registry does not show as taken out of the stage', () => {
    expect(
      rolledBackGate({ version: 'v2', stage: 'production', removal: undefined })
    ).toBeUndefined()
  })

  it('fails for a version taken out of the stage, naming when, who, why and the event', () => {
    const gate = rolledBackGate({
      version: 'v2',
      stage: 'production',
      removal: {
        at: new Date('2026-11-02T03:00:00Z'),
        by: 'mona',
        reason: 'drift',
        eventId: 'churn#production!#7'
      }
    })
    expect(gate).toEqual({
      gate: 'rolled_back',
      status: 'fail',
      summary:
        'v2 was taken out of production at 2026-11-02 03:00 UTC by mona (drift): it returns only by a forced promotion',
      details: ['registry event: churn#production!#7']
    })
  })

  it('leaves out the reason when the registry recorded none', () => {
    const gate = rolledBackGate({
      version: 'v2',
      stage: 'production',
      removal: { at: new Date('2026-11-02T03:00:00Z'), by: 'mona', eventId: 'e1' }
    })
    expect(gate?.summary).toBe(
      'v2 was taken out of production at 2026-11-02 03:00 UTC by mona: it returns only by a forced promotion'
    )
  })
})
