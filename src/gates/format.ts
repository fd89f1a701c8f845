/**
 * Number and size formatting shared by the gates (in their messages) and the report
 * (in its table), so a number reads the same everywhere. Locale-independent on purpose:
 * the report must be byte-for-byte stable on any machine.
 */

/**
 * A metric value for people: at most 4 decimals for values of 1 or more (`118`, `64.5`,
 * `0.8949`), at least 4 significant digits below 1 (`0.0051`, `0.00001234`), trailing zeros
 * trimmed, never `-0`. Below 1e-6 it switches to exponent form (`1.5e-9`).
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return '0'
  const magnitude = Math.abs(value)
  let text: string
  if (magnitude < 1e-6) {
    text = value.toPrecision(4).replace(/\.?0+e/, 'e')
  } else if (magnitude >= 1e21) {
    text = String(value)
  } else {
    const decimals = magnitude >= 1 ? 4 : Math.max(4, 3 - Math.floor(Math.log10(magnitude)))
    text = trimZeros(value.toFixed(decimals))
  }
  // A guard: with at least 4 significant digits no branch above rounds a non-zero value to -0.
  // Stryker disable next-line StringLiteral: unreachable, see above
  return text === '-0' ? '0' : text
}

/**
 * Two numbers formatted so that they read differently whenever they differ: `0.84999` vs
 * `0.85`, where {@link formatNumber} alone would print `0.85` twice. Used in messages that
 * compare a value with a bound.
 */
export function formatApart(a: number, b: number): [string, string] {
  let left = formatNumber(a)
  let right = formatNumber(b)
  for (let precision = 5; left === right && a !== b && precision <= 17; precision++) {
    left = String(Number(a.toPrecision(precision)))
    right = String(Number(b.toPrecision(precision)))
  }
  return [left, right]
}

/** A difference with its sign always shown: `+0.007`, `-0.013`, `0`. */
export function formatSigned(value: number): string {
  const text = formatNumber(value)
  return text === '0' || text.startsWith('-') || !Number.isFinite(value) ? text : `+${text}`
}

/** A fraction as a percentage: 0.01 → `1%`, 0.005 → `0.5%`. */
export function formatPercent(fraction: number): string {
  return `${formatNumber(fraction * 100)}%`
}

/** An integer with thousands separators, locale-independent: `124,151,398`. */
export function formatInteger(value: number): string {
  const sign = value < 0 ? '-' : ''
  return (
    sign +
    Math.trunc(Math.abs(value))
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  )
}

export const MIB = 1_048_576

/** A size for people, binary units: `512 bytes`, `1.4 KiB`, `118.4 MiB`, `2.00 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatInteger(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`
  return `${(bytes / (1024 * MIB)).toFixed(2)} GiB`
}

/** A size with its exact byte count when the unit rounds: `46.1 MiB (48,318,221 bytes)`, `512 bytes`. */
export function formatSize(bytes: number): string {
  return bytes < 1024 ? formatBytes(bytes) : `${formatBytes(bytes)} (${formatInteger(bytes)} bytes)`
}

/** `1 file`, `3 files`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}

/** Trailing zeros of a `toFixed` with decimals, and the point if nothing follows it. */
function trimZeros(text: string): string {
  return text.replace(/\.?0+$/, '')
}
