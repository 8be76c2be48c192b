/**
 * Commission rules: how much an affiliate earns on a conversion or a signup, which promotion
 * applies, and how a refund changes it. Pure functions; amounts are integers in minor units.
 */
import type {
  CommissionRule,
  CommissionRuleSource,
  CommissionStatus,
  Promotion,
  SignupReward,
} from '../shared'
import { applyBasisPoints, percentToBps, proRata } from './money'

export interface CommissionPlan {
  rule: CommissionRule
  /** 0 = first conversion only, null = forever, N = conversions within N months of the first. */
  recurringMonths: number | null
  holdDays: number
  bonus: { amount: number; currency: string; withinHours: number } | null
  /** Where `rule` comes from (default `program`). */
  source?: 'program' | 'affiliate' | 'promotion'
  /** The promotion active for this affiliate at the conversion's time, if any. */
  promotion?: Promotion | null
}

export interface CommissionInput {
  plan: CommissionPlan
  amount: number
  currency: string
  /** When the conversion happened (ms). */
  at: number
  /** The customer's first conversion (ms), or null when this is the first. */
  firstConversionAt: number | null
  /** The click that brought the customer (ms), for the time-limited bonus. */
  clickAt: number | null
  /** A fraud rule fired: the commission waits for a person. */
  flagged: boolean
}

export interface CommissionDecision {
  amount: number
  currency: string
  bonus: number
  status: CommissionStatus
  dueAt: number
  rule: CommissionRuleSource
}

const DAY = 86_400_000

/** Adds calendar months in UTC, clamping to the last day of the month (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(at: number, months: number): number {
  const d = new Date(at)
  const day = d.getUTCDate()
  d.setUTCDate(1)
  d.setUTCMonth(d.getUTCMonth() + months)
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
  d.setUTCDate(Math.min(day, last))
  return d.getTime()
}

/** Whole calendar months from `from` to `at` (the largest m with addMonths(from, m) ≤ at). */
export function wholeMonths(from: number, at: number): number {
  if (at < from) return 0
  const a = new Date(from)
  const b = new Date(at)
  let m = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth())
  while (m > 0 && addMonths(from, m) > at) m--
  return m
}

/**
 * The promotion that applies to an affiliate's conversion at `at`: its window holds `at`
 * (`starts_at` inclusive, `ends_at` exclusive) and it lists the affiliate or lists none. When
 * several do, the latest-starting one wins; on a tie, the one listed last.
 */
export function activePromotion(
  promotions: readonly Promotion[],
  affiliateId: string,
  at: number,
): Promotion | null {
  let best: Promotion | null = null
  let bestStart = Number.NEGATIVE_INFINITY
  for (const p of promotions) {
    const start = Date.parse(p.starts_at)
    if (!(start <= at && at < Date.parse(p.ends_at))) continue
    if (p.affiliates && !p.affiliates.includes(affiliateId)) continue
    if (start >= bestStart) {
      best = p
      bestStart = start
    }
  }
  return best
}

/** The usual rule (the affiliate's own, else the program's) unless a promotion replaces it. */
export function chooseRule(
  programRule: CommissionRule,
  affiliateRule: CommissionRule | null,
  promotion: Promotion | null,
): { rule: CommissionRule; source: 'program' | 'affiliate' | 'promotion' } {
  if (promotion?.commission) return { rule: promotion.commission, source: 'promotion' }
  if (affiliateRule) return { rule: affiliateRule, source: 'affiliate' }
  return { rule: programRule, source: 'program' }
}

export interface SignupRewardInput {
  reward: SignupReward | null
  /** The reward is the affiliate's own, not the program's (recorded in the rule). */
  affiliateOverride?: boolean
  holdDays: number
  /** When the signup happened (ms). */
  at: number
  /** The click that brought the customer (ms), or null (a bare ref or promotion code). */
  clickAt: number | null
  flagged: boolean
}

/**
 * The flat reward a signup earns, or null. With `within_hours`, only a signup at most that many
 * hours after its click earns (the edge itself included); without a click time it cannot be
 * shown to be within the window, so it earns nothing.
 */
export function computeSignupReward(input: SignupRewardInput): CommissionDecision | null {
  const r = input.reward
  if (!r) return null
  if (r.within_hours !== undefined) {
    if (input.clickAt === null) return null
    const elapsed = input.at - input.clickAt
    if (elapsed < 0 || elapsed > r.within_hours * 3_600_000) return null
  }
  return {
    amount: r.amount,
    currency: r.currency,
    bonus: 0,
    status: input.flagged ? 'on_hold' : 'pending',
    dueAt: input.at + input.holdDays * DAY,
    rule: input.affiliateOverride
      ? { source: 'signup_reward', affiliate_override: true }
      : { source: 'signup_reward' },
  }
}

/** True when a conversion at `at` still earns under the recurring rule. */
export function isRecurringEligible(
  recurringMonths: number | null,
  firstConversionAt: number | null,
  at: number,
): boolean {
  if (firstConversionAt === null) return true
  if (recurringMonths === null) return true
  if (recurringMonths === 0) return false
  return at < addMonths(firstConversionAt, recurringMonths)
}

/** The commission a conversion earns, or null when the recurring rule says it earns nothing. */
export function computeCommission(input: CommissionInput): CommissionDecision | null {
  const { plan } = input
  if (!isRecurringEligible(plan.recurringMonths, input.firstConversionAt, input.at)) return null
  let amount: number
  let currency: string
  if (plan.rule.type === 'percent') {
    amount = applyBasisPoints(input.amount, percentToBps(plan.rule.percent))
    currency = input.currency
  } else {
    amount = plan.rule.amount
    currency = plan.rule.currency
  }
  let bonus = 0
  const b = plan.bonus
  if (
    b &&
    b.currency === currency &&
    input.clickAt !== null &&
    input.at - input.clickAt <= b.withinHours * 3_600_000 &&
    input.firstConversionAt === null
  ) {
    bonus = b.amount
  }
  const promo = plan.promotion ?? null
  // A promotion's bonus goes on every conversion in its window, in the commission's currency only.
  if (promo?.bonus && promo.bonus.currency === currency) bonus += promo.bonus.amount
  const rule: CommissionRuleSource = { source: plan.source ?? 'program' }
  if (promo) rule.promotion = promo.name
  if (input.firstConversionAt !== null) rule.recurring_month = wholeMonths(input.firstConversionAt, input.at)
  if (bonus > 0) rule.bonus = bonus
  return {
    amount: amount + bonus,
    currency,
    bonus,
    status: input.flagged ? 'on_hold' : 'pending',
    dueAt: input.at + plan.holdDays * DAY,
    rule,
  }
}

export interface RefundInput {
  conversionAmount: number
  alreadyRefunded: number
  refundAmount: number
  commission: { amount: number; originalAmount: number; status: CommissionStatus } | null
}

export interface RefundDecision {
  /** The commission's new amount and status (unchanged amount when it was already paid). */
  commission: { amount: number; status: CommissionStatus } | null
  /** A negative commission to claw back money already paid, or 0. */
  clawback: number
  /** Change of the program's commission total caused by this refund (≤ 0). */
  delta: number
}

/**
 * A full refund reverses the commission; a partial one reduces it pro rata to what is left of the
 * conversion. When the commission was already paid, it stays paid and a negative clawback
 * commission carries the difference.
 */
export function applyRefund(input: RefundInput): RefundDecision {
  const c = input.commission
  if (!c) return { commission: null, clawback: 0, delta: 0 }
  const remaining = input.conversionAmount - input.alreadyRefunded - input.refundAmount
  const target = proRata(c.originalAmount, Math.max(remaining, 0), input.conversionAmount)
  if (c.status === 'reversed' || c.status === 'rejected') {
    return { commission: { amount: c.amount, status: c.status }, clawback: 0, delta: 0 }
  }
  if (c.status === 'paid') {
    const clawback = target - c.amount
    return { commission: { amount: c.amount, status: 'paid' }, clawback, delta: clawback }
  }
  const status: CommissionStatus = remaining <= 0 ? 'reversed' : c.status
  const amount = remaining <= 0 ? 0 : target
  return { commission: { amount, status }, clawback: 0, delta: amount - c.amount }
}
