import { describe, expect, it } from 'vitest'
import type { Promotion } from '../shared'
import {
  activePromotion,
  addMonths,
  applyRefund,
  type CommissionPlan,
  chooseRule,
  computeCommission,
  computeSignupReward,
  isRecurringEligible,
  wholeMonths,
} from './commissions'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 31, 12)
const percent = (p: number, extra: Partial<CommissionPlan> = {}): CommissionPlan => ({
  rule: { type: 'percent', percent: p },
  recurringMonths: null,
  holdDays: 30,
  bonus: null,
  ...extra,
})
const base = { amount: 4900, currency: 'USD', at: T0, firstConversionAt: null, clickAt: null, flagged: false }

describe('computeCommission', () => {
  it('pays 30 % of 4900 USD as 1470 USD, pending until the hold period ends', () => {
    expect(computeCommission({ ...base, plan: percent(30) })).toEqual({
      amount: 1470,
      currency: 'USD',
      bonus: 0,
      status: 'pending',
      dueAt: T0 + 30 * DAY,
      rule: { source: 'program' },
    })
  })

  it('pays a flat amount in its own currency whatever the conversion amount', () => {
    const c = computeCommission({
      ...base,
      currency: 'EUR',
      plan: percent(0, { rule: { type: 'flat', amount: 2500, currency: 'USD' } }),
    })
    expect(c).toMatchObject({ amount: 2500, currency: 'USD' })
  })

  it('keeps the conversion currency for percent commissions', () => {
    expect(computeCommission({ ...base, currency: 'JPY', amount: 1000, plan: percent(10) })).toMatchObject({
      amount: 100,
      currency: 'JPY',
    })
  })

  it('puts a flagged commission on hold', () => {
    expect(computeCommission({ ...base, flagged: true, plan: percent(30) })?.status).toBe('on_hold')
  })

  it('pays only the first conversion when recurring is 0', () => {
    const plan = percent(30, { recurringMonths: 0 })
    expect(computeCommission({ ...base, plan })).not.toBeNull()
    expect(computeCommission({ ...base, plan, firstConversionAt: T0 - DAY })).toBeNull()
  })

  it('adds the bonus when the first conversion lands within the bonus window of the click', () => {
    const plan = percent(30, { bonus: { amount: 5000, currency: 'USD', withinHours: 24 } })
    expect(computeCommission({ ...base, plan, clickAt: T0 - 23 * 3_600_000 })).toMatchObject({
      amount: 6470,
      bonus: 5000,
    })
    expect(computeCommission({ ...base, plan, clickAt: T0 - 25 * 3_600_000 })).toMatchObject({
      amount: 1470,
      bonus: 0,
    })
  })
})

describe('recurring boundary', () => {
  it('adds calendar months and clamps to the end of shorter months', () => {
    expect(new Date(addMonths(T0, 1)).toISOString()).toBe('2026-02-28T12:00:00.000Z')
    expect(new Date(addMonths(T0, 12)).toISOString()).toBe('2027-01-31T12:00:00.000Z')
  })

  it('pays conversions before the N-month anniversary and not at or after it', () => {
    const end = addMonths(T0, 3)
    expect(isRecurringEligible(3, T0, end - 1)).toBe(true)
    expect(isRecurringEligible(3, T0, end)).toBe(false)
  })

  it('pays forever when recurring is null', () => {
    expect(isRecurringEligible(null, T0, T0 + 5000 * DAY)).toBe(true)
  })
})

describe('applyRefund', () => {
  const commission = { amount: 1470, originalAmount: 1470, status: 'pending' as const }

  it('reverses the commission on a full refund', () => {
    expect(
      applyRefund({ conversionAmount: 4900, alreadyRefunded: 0, refundAmount: 4900, commission }),
    ).toEqual({
      commission: { amount: 0, status: 'reversed' },
      clawback: 0,
      delta: -1470,
    })
  })

  it('reduces the commission pro rata on a partial refund', () => {
    expect(
      applyRefund({ conversionAmount: 4900, alreadyRefunded: 0, refundAmount: 2450, commission }),
    ).toEqual({
      commission: { amount: 735, status: 'pending' },
      clawback: 0,
      delta: -735,
    })
  })

  it('reverses after two partial refunds that add up to the whole amount', () => {
    const first = applyRefund({ conversionAmount: 4900, alreadyRefunded: 0, refundAmount: 1000, commission })
    const second = applyRefund({
      conversionAmount: 4900,
      alreadyRefunded: 1000,
      refundAmount: 3900,
      commission: { amount: first.commission?.amount ?? 0, originalAmount: 1470, status: 'pending' },
    })
    expect(second.commission).toEqual({ amount: 0, status: 'reversed' })
    expect(first.delta + second.delta).toBe(-1470)
  })

  it('claws back a paid commission with a negative commission instead of touching it', () => {
    const r = applyRefund({
      conversionAmount: 4900,
      alreadyRefunded: 0,
      refundAmount: 4900,
      commission: { amount: 1470, originalAmount: 1470, status: 'paid' },
    })
    expect(r).toEqual({ commission: { amount: 1470, status: 'paid' }, clawback: -1470, delta: -1470 })
  })

  it('claws back only the new difference after an earlier clawback', () => {
    const r = applyRefund({
      conversionAmount: 4900,
      alreadyRefunded: 2450,
      refundAmount: 2450,
      commission: { amount: 735, originalAmount: 1470, status: 'paid' },
    })
    expect(r.clawback).toBe(-735)
  })

  it('leaves a rejected commission alone', () => {
    const r = applyRefund({
      conversionAmount: 4900,
      alreadyRefunded: 0,
      refundAmount: 4900,
      commission: { amount: 1470, originalAmount: 1470, status: 'rejected' },
    })
    expect(r.delta).toBe(0)
  })
})

describe('activePromotion', () => {
  const S = Date.UTC(2026, 5, 6)
  const E = S + 2 * DAY
  const weekend: Promotion = {
    name: 'weekend',
    starts_at: new Date(S).toISOString(),
    ends_at: new Date(E).toISOString(),
    bonus: { amount: 100, currency: 'USD' },
  }

  it('holds from starts_at inclusive to ends_at exclusive', () => {
    expect(activePromotion([weekend], 'aff_1', S - 1)).toBeNull()
    expect(activePromotion([weekend], 'aff_1', S)?.name).toBe('weekend')
    expect(activePromotion([weekend], 'aff_1', E - 1)?.name).toBe('weekend')
    expect(activePromotion([weekend], 'aff_1', E)).toBeNull()
  })

  it('applies to the listed affiliates only, and the latest-starting active one wins', () => {
    const month: Promotion = { ...weekend, name: 'month', starts_at: new Date(S - 20 * DAY).toISOString() }
    const jane: Promotion = {
      ...weekend,
      name: 'jane',
      starts_at: new Date(S + DAY).toISOString(),
      affiliates: ['aff_jane'],
    }
    const list = [jane, weekend, month]
    expect(activePromotion(list, 'aff_omar', S + DAY + 1)?.name).toBe('weekend')
    expect(activePromotion(list, 'aff_jane', S + DAY + 1)?.name).toBe('jane')
    expect(activePromotion(list, 'aff_jane', S - DAY)?.name).toBe('month')
  })

  it('lets a promotion rule replace an affiliate override, and the override the program rule', () => {
    const program = { type: 'percent', percent: 20 } as const
    const own = { type: 'percent', percent: 25 } as const
    const promo = { ...weekend, commission: { type: 'percent', percent: 50 } as const }
    expect(chooseRule(program, own, promo)).toEqual({ rule: promo.commission, source: 'promotion' })
    expect(chooseRule(program, own, weekend)).toEqual({ rule: own, source: 'affiliate' })
    expect(chooseRule(program, null, null)).toEqual({ rule: program, source: 'program' })
  })

  it('adds the promotion bonus to every conversion in its window and records it in the rule', () => {
    const first = computeCommission({ ...base, plan: percent(30, { promotion: weekend }) })
    expect(first).toMatchObject({
      amount: 1470 + 100,
      bonus: 100,
      rule: { source: 'program', promotion: 'weekend', bonus: 100 },
    })
    const later = computeCommission({
      ...base,
      firstConversionAt: T0 - 40 * DAY,
      plan: percent(30, { promotion: weekend }),
    })
    expect(later?.rule).toEqual({ source: 'program', promotion: 'weekend', recurring_month: 1, bonus: 100 })
    const eur = computeCommission({ ...base, currency: 'EUR', plan: percent(30, { promotion: weekend }) })
    expect(eur).toMatchObject({ amount: 1470, bonus: 0 })
  })
})

describe('computeSignupReward', () => {
  const reward = { amount: 5000, currency: 'USD', within_hours: 24 }
  const input = { reward, holdDays: 30, at: T0, clickAt: T0 - 24 * 3_600_000, flagged: false }

  it('pays at the edge of the window and not a millisecond after', () => {
    expect(computeSignupReward(input)).toEqual({
      amount: 5000,
      currency: 'USD',
      bonus: 0,
      status: 'pending',
      dueAt: T0 + 30 * DAY,
      rule: { source: 'signup_reward' },
    })
    expect(computeSignupReward({ ...input, clickAt: input.clickAt - 1 })).toBeNull()
  })

  it('pays nothing without a click time when a window is set, and any signup without one', () => {
    expect(computeSignupReward({ ...input, clickAt: null })).toBeNull()
    expect(
      computeSignupReward({ ...input, clickAt: null, reward: { amount: 5000, currency: 'USD' } }),
    ).toMatchObject({ amount: 5000 })
    expect(computeSignupReward({ ...input, reward: null })).toBeNull()
    expect(computeSignupReward({ ...input, flagged: true })?.status).toBe('on_hold')
  })
})

describe('wholeMonths', () => {
  it('counts calendar months, clamped like addMonths', () => {
    const jan31 = Date.UTC(2026, 0, 31)
    expect(wholeMonths(jan31, Date.UTC(2026, 1, 27))).toBe(0)
    expect(wholeMonths(jan31, Date.UTC(2026, 1, 28))).toBe(1)
    expect(wholeMonths(jan31, Date.UTC(2027, 0, 31))).toBe(12)
    expect(wholeMonths(jan31, jan31 - 1)).toBe(0)
  })
})
