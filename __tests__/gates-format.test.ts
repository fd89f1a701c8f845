import {
  MIB,
  formatApart,
  formatBytes,
  formatInteger,
  formatNumber,
  formatSigned,
  formatSize,
  plural
} from '../src/gates/format.js'

// The common cases are pinned with the report's (report-markdown.test.ts); these are the edges.
describe('gate number formats at their boundaries', () => {
  it('prints non-finite values as JavaScript does, unsigned', () => {
    expect(formatNumber(Number.NaN)).toBe('NaN')
    expect(formatNumber(Infinity)).toBe('Infinity')
    expect(formatNumber(-Infinity)).toBe('-Infinity')
    expect(formatSigned(Infinity)).toBe('Infinity')
    expect(formatSigned(Number.NaN)).toBe('NaN')
    expect(formatSigned(-Infinity)).toBe('-Infinity')
  })

  it('switches to exponent form below 1e-6, not at it', () => {
    expect(formatNumber(1e-6)).toBe('0.000001')
    expect(formatNumber(9.99e-7)).toBe('9.99e-7')
    expect(formatNumber(-9.99e-7)).toBe('-9.99e-7')
    expect(formatNumber(1.2e-7)).toBe('1.2e-7')
  })

  it('keeps 4 decimals from 1 up, and 4 significant digits below', () => {
    expect(formatNumber(1.23456)).toBe('1.2346')
    expect(formatNumber(0.123456)).toBe('0.1235')
    expect(formatNumber(-0.0123456)).toBe('-0.01235')
    expect(formatNumber(999_999_999_999_999_900_000)).toBe('999999999999999868928')
  })

  it('prints 1e21 and above in exponent form, keeping the exponent whole', () => {
    expect(formatNumber(1.5e30)).toBe('1.5e+30')
    expect(formatNumber(-2.5e40)).toBe('-2.5e+40')
  })

  it('trims trailing zeros of decimals only', () => {
    expect(formatNumber(100)).toBe('100')
    expect(formatNumber(1.5)).toBe('1.5')
    expect(formatNumber(10.0001)).toBe('10.0001')
  })

  it('formats two equal numbers as formatNumber does', () => {
    expect(formatApart(12345.678912, 12345.678912)).toEqual(['12345.6789', '12345.6789'])
  })

  it('goes up to 17 significant digits to keep two numbers apart', () => {
    expect(formatApart(0.1 + 0.2, 0.3)).toEqual(['0.30000000000000004', '0.3'])
    expect(formatApart(1.00001, 1.00002)).toEqual(['1.00001', '1.00002'])
  })

  it('formats integers with separators, a sign only below 0, truncating', () => {
    expect(formatInteger(0)).toBe('0')
    expect(formatInteger(-1_234_567)).toBe('-1,234,567')
    expect(formatInteger(1234.9)).toBe('1,234')
    expect(formatInteger(100_000)).toBe('100,000')
  })

  it('changes unit exactly at 1 KiB, 1 MiB and 1 GiB', () => {
    expect(formatBytes(0)).toBe('0 bytes')
    expect(formatBytes(1024)).toBe('1.0 KiB')
    expect(formatBytes(MIB - 1)).toBe('1024.0 KiB')
    expect(formatBytes(MIB)).toBe('1.0 MiB')
    expect(formatBytes(1024 * MIB - 1)).toBe('1024.0 MiB')
    expect(formatBytes(1024 * MIB)).toBe('1.00 GiB')
  })

  it('adds the exact byte count from 1 KiB up', () => {
    expect(formatSize(1023)).toBe('1,023 bytes')
    expect(formatSize(1024)).toBe('1.0 KiB (1,024 bytes)')
  })

  it('says one thing, several things, and takes an irregular plural', () => {
    expect(plural(1, 'file')).toBe('1 file')
    expect(plural(0, 'file')).toBe('0 files')
    expect(plural(2, 'file')).toBe('2 files')
    expect(plural(2, 'child', 'children')).toBe('2 children')
    expect(plural(1, 'child', 'children')).toBe('1 child')
  })
})
