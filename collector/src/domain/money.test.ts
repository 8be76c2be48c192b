import { describe, expect, it } from 'vitest'
import { applyBasisPoints, normalizeCurrency, percentToBps, proRata } from './money'

describe('money', () => {
  it('takes 30 % of 4900 as exactly 1470', () => {
    expect(applyBasisPoints(4900, percentToBps(30))).toBe(1470)
  })

  it('rounds percent commissions half up to the minor unit', () => {
    expect(applyBasisPoints(1005, 1000)).toBe(101) // 100.5 → 101
    expect(applyBasisPoints(1004, 1000)).toBe(100) // 100.4 → 100
    expect(applyBasisPoints(333, percentToBps(12.5))).toBe(42) // 41.625 → 42
  })

  it('turns percents with two decimals into basis points without float drift', () => {
    expect(percentToBps(12.34)).toBe(1234)
    expect(percentToBps(0.1)).toBe(10)
    expect(percentToBps(29.99)).toBe(2999)
  })

  it('stays exact for the largest accepted amount', () => {
    expect(applyBasisPoints(100_000_000_000, 9999)).toBe(99_990_000_000)
  })

  it('computes pro-rata shares half up', () => {
    expect(proRata(1470, 2450, 4900)).toBe(735)
    expect(proRata(1000, 1, 3)).toBe(333)
    expect(proRata(1000, 2, 3)).toBe(667)
    expect(proRata(1470, 0, 4900)).toBe(0)
  })

  it('accepts ISO 4217 codes in any case and rejects the rest', () => {
    expect(normalizeCurrency('usd')).toBe('USD')
    expect(normalizeCurrency('EUR')).toBe('EUR')
    expect(normalizeCurrency('XYZ')).toBeNull()
    expect(normalizeCurrency('us')).toBeNull()
  })
})
