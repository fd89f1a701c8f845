import { minDaysGate, utc } from '../src/gates/min-days.js'

const now = new Date('2026-11-23T09:00:00Z')

describe('min_days_in_source_stage gate', () => {
  it('passes after enough days', () => {
    const result = minDaysGate({
      minDays: 7,
      sourceStage: 'staging',
      enteredAt: new Date('2026-11-10T12:00:00Z'),
      now
    })
    expect(result).toEqual({
      gate: 'min_days_in_source_stage',
      status: 'pass',
      summary: '12.8 days in staging, at least 7 days required',
      details: ['entered staging at 2026-11-10 12:00 UTC']
    })
  })

  it('passes at exactly the minimum', () => {
    const result = minDaysGate({ minDays: 7, enteredAt: new Date('2026-11-16T09:00:00Z'), now })
    expect(result.status).toBe('pass')
    expect(result.summary).toBe('7 days in its source stage, at least 7 days required')
  })

  it('is pending before, with the moment it becomes eligible, never rounding up the days', () => {
    const result = minDaysGate({
      minDays: 7,
      sourceStage: 'staging',
      enteredAt: new Date('2026-11-16T09:00:30Z'),
      now
    })
    expect(result.status).toBe('pending')
    expect(result.summary).toBe(
      '6.9 days in staging of the 7 days required; eligible from 2026-11-23 09:01 UTC'
    )
  })

  it('is pending one millisecond short of the minimum, eligible from the next whole minute', () => {
    const enteredAt = new Date(now.getTime() - 7 * 86_400_000 + 1)
    const result = minDaysGate({ minDays: 7, enteredAt, now })
    expect(result.status).toBe('pending')
    expect(result.summary).toBe(
      '6.9 days in its source stage of the 7 days required; eligible from 2026-11-23 09:01 UTC'
    )
  })

  it('says 1 day, not 1 days', () => {
    const result = minDaysGate({ minDays: 1, enteredAt: new Date('2026-11-22T09:00:00Z'), now })
    expect(result.summary).toBe('1 day in its source stage, at least 1 day required')
  })

  describe('fails closed', () => {
    it('fails with no record of the entry', () => {
      const result = minDaysGate({ minDays: 7, sourceStage: 'staging', now })
      expect(result.status).toBe('fail')
      expect(result.summary).toBe(
        'needs 7 days in staging, but there is no record of when the version entered it'
      )
    })

    it('fails on an invalid date', () => {
      expect(minDaysGate({ minDays: 7, enteredAt: new Date('not a date'), now }).status).toBe(
        'fail'
      )
      expect(minDaysGate({ minDays: 7, enteredAt: now, now: new Date(Number.NaN) })).toEqual({
        gate: 'min_days_in_source_stage',
        status: 'fail',
        summary: 'the current time is not a valid date'
      })
    })

    it('fails an entry one millisecond after now; an entry at now is 0 days, pending', () => {
      const after = minDaysGate({ minDays: 7, enteredAt: new Date(now.getTime() + 1), now })
      expect(after.status).toBe('fail')
      const atNow = minDaysGate({ minDays: 7, sourceStage: 'staging', enteredAt: now, now })
      expect(atNow).toEqual({
        gate: 'min_days_in_source_stage',
        status: 'pending',
        summary: '0 days in staging of the 7 days required; eligible from 2026-11-30 09:00 UTC',
        details: ['entered staging at 2026-11-23 09:00 UTC']
      })
    })

    it('fails on an entry after now', () => {
      const result = minDaysGate({
        minDays: 7,
        sourceStage: 'staging',
        enteredAt: new Date('2026-11-24T09:00:00Z'),
        now
      })
      expect(result.status).toBe('fail')
      expect(result.summary).toBe(
        'the recorded entry into staging (2026-11-24 09:00 UTC) is after now (2026-11-23 09:00 UTC)'
      )
    })
  })

  it('formats times in UTC to the minute', () => {
    expect(utc(new Date('2026-01-02T03:04:59.999Z'))).toBe('2026-01-02 03:04 UTC')
  })
})
