// `--since` values read as the tables print times: in UTC unless they name a zone (issue 12, item 3).
import { parseInstant } from '../src/cli/since.js'

const iso = (text: string) => parseInstant(text)?.toISOString()

describe('parseInstant', () => {
  it('reads a bare date and a zone-less date-time as UTC', () => {
    expect(iso('2026-11-20')).toBe('2026-11-20T00:00:00.000Z')
    expect(iso('2026-11-20 14:03')).toBe('2026-11-20T14:03:00.000Z')
    expect(iso('2026-11-20T14:03:07')).toBe('2026-11-20T14:03:07.000Z')
    expect(iso('2026-11-20t14:03:07.25')).toBe('2026-11-20T14:03:07.250Z')
    expect(iso(' 2026-11-20 14:03 UTC ')).toBe('2026-11-20T14:03:00.000Z')
  })

  it('keeps an explicit zone or offset', () => {
    expect(iso('2026-11-20T14:03:00Z')).toBe('2026-11-20T14:03:00.000Z')
    expect(iso('2026-11-20T23:03:00+09:00')).toBe('2026-11-20T14:03:00.000Z')
    expect(iso('2026-11-20T09:03-0500')).toBe('2026-11-20T14:03:00.000Z')
    expect(iso('2026-11-20 15:03+01')).toBe('2026-11-20T14:03:00.000Z')
  })

  it('refuses what is not an ISO 8601 date or date-time, or not a real one', () => {
    for (const text of [
      '',
      'yesterday',
      '11/20/2026',
      'Nov 20 2026',
      '2026-11-20Z',
      '2026-02-30',
      '2026-13-01',
      '2026-11-20 24:00',
      '2026-11-20 14:60',
      '2026-11-20T14:03+24:00',
      '1700000000'
    ]) {
      expect([text, parseInstant(text)]).toEqual([text, undefined])
    }
    expect(iso('2024-02-29')).toBe('2024-02-29T00:00:00.000Z')
  })
})
