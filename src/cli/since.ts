/**
 * A point in time typed on the command line (`history --since`), read as ModelGate prints times:
 * in UTC. A zone-less date-time is UTC, never the machine's zone, so a value pasted from the
 * "When (UTC)" column means on every machine what it says in the table; a bare date is UTC
 * midnight (as JavaScript already reads it); an explicit `Z`, `UTC` or offset is kept.
 * Only ISO 8601 shapes are accepted: `Date`'s lenient forms (`11/20/2026`) are local times.
 */

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?)?$/i

/** The instant `text` names, or undefined when it is not one of the accepted shapes. */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text.trim())
  if (!match) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[]
  const offset = offsetMinutes(zone)
  if (offset === undefined || hour! > 23 || minute! > 59 || second! > 59) return undefined
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(year!, month! - 1, day)
  // A day past the month's end (2026-02-30) would roll over into the next month: refused.
  if (date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day) return undefined
  date.setUTCHours(hour!, minute!, second!, Number(fraction.slice(0, 3).padEnd(3, '0')))
  return new Date(date.getTime() - offset * 60_000)
}

/** `Z`, `UTC`, `+09:00`, `-0500`, `+09` as minutes east of UTC; undefined when out of range. */
function offsetMinutes(zone: string): number | undefined {
  if (/^(z|utc)$/i.test(zone)) return 0
  const [, sign, hours, minutes = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) ?? []
  if (Number(hours) > 23 || Number(minutes) > 59) return undefined
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes))
}
