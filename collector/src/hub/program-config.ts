/**
 * The program's settings and affiliates as the hub needs them, loaded from D1 once and kept in
 * memory until a route that changes them calls `ProgramHub.invalidate()`.
 */
import { activePromotion, type CommissionPlan, chooseRule } from '../domain/commissions'
import { fraudThresholds } from '../domain/fraud'
import type {
  AffiliateStatus,
  CommissionRule,
  FraudSettings,
  Mode,
  ProgramSettings,
  SignupReward,
} from '../shared'

export interface HubAffiliate {
  id: string
  code: string
  mode: Mode
  status: AffiliateStatus
  emailHash: string
  commission: CommissionRule | null
  /** The affiliate's own signup reward (amount 0: none); null = the program's. */
  signupReward: SignupReward | null
}

export interface HubProgram {
  id: string
  settings: ProgramSettings
  byCode: Map<string, HubAffiliate>
  byId: Map<string, HubAffiliate>
  /** Affiliates' promotion codes, lower-cased (matched case-insensitively, as Stripe does). */
  byPromoCode: Map<string, HubAffiliate>
}

interface ProgramRow {
  id: string
  name: string
  currency: string
  cookie_days: number
  attribution: 'last_click' | 'first_click'
  commission: string
  recurring_months: number | null
  hold_days: number
  bonus: string | null
  landing_url: string | null
  allowed_origins: string
  min_payout?: string
  slug?: string | null
  join_enabled?: number
  join_auto_approve?: number
  join_terms_url?: string | null
  paid_traffic?: 'allowed' | 'forbidden'
  fraud?: string
  signup_reward?: string | null
  promotions?: string
  click_retention_days?: number | null
}

/** Stored thresholds over the defaults, so a threshold added later has a value in old programs. */
function fraudSettings(json: string | undefined): FraudSettings {
  return fraudThresholds(JSON.parse(json ?? '{}'))
}

export function programSettings(row: ProgramRow): ProgramSettings {
  return {
    name: row.name,
    currency: row.currency,
    cookie_days: row.cookie_days,
    attribution: row.attribution,
    commission: JSON.parse(row.commission) as CommissionRule,
    recurring_months: row.recurring_months,
    hold_days: row.hold_days,
    bonus: row.bonus ? (JSON.parse(row.bonus) as ProgramSettings['bonus']) : null,
    landing_url: row.landing_url,
    allowed_origins: JSON.parse(row.allowed_origins) as string[],
    min_payout: JSON.parse(row.min_payout ?? '{}') as ProgramSettings['min_payout'],
    slug: row.slug ?? null,
    join: {
      enabled: !!row.join_enabled,
      auto_approve: !!row.join_auto_approve,
      terms_url: row.join_terms_url ?? null,
    },
    paid_traffic: row.paid_traffic ?? 'allowed',
    fraud: fraudSettings(row.fraud),
    signup_reward: row.signup_reward
      ? (JSON.parse(row.signup_reward) as ProgramSettings['signup_reward'])
      : null,
    promotions: JSON.parse(row.promotions ?? '[]') as ProgramSettings['promotions'],
    click_retention_days: row.click_retention_days ?? null,
  }
}

export async function loadProgram(db: D1Database, programId: string): Promise<HubProgram | null> {
  const [programs, affiliates, promos] = await db.batch([
    db.prepare('SELECT * FROM programs WHERE id = ?').bind(programId),
    db
      .prepare(
        'SELECT id, code, mode, status, email_hash, commission, signup_reward FROM affiliates WHERE program_id = ?',
      )
      .bind(programId),
    db.prepare('SELECT code, affiliate_id FROM promo_codes WHERE program_id = ?').bind(programId),
  ])
  const row = programs?.results[0] as ProgramRow | undefined
  if (!row) return null
  const byCode = new Map<string, HubAffiliate>()
  const byId = new Map<string, HubAffiliate>()
  for (const a of (affiliates?.results ?? []) as Array<Record<string, string | null>>) {
    const aff: HubAffiliate = {
      id: String(a.id),
      code: String(a.code),
      mode: a.mode as Mode,
      status: a.status as HubAffiliate['status'],
      emailHash: String(a.email_hash),
      commission: a.commission ? (JSON.parse(a.commission) as CommissionRule) : null,
      signupReward: a.signup_reward ? (JSON.parse(a.signup_reward) as SignupReward) : null,
    }
    byCode.set(aff.code, aff)
    byId.set(aff.id, aff)
  }
  const byPromoCode = new Map<string, HubAffiliate>()
  for (const p of (promos?.results ?? []) as Array<{ code: string; affiliate_id: string }>) {
    const aff = byId.get(p.affiliate_id)
    if (aff) byPromoCode.set(p.code, aff)
  }
  return { id: row.id, settings: programSettings(row), byCode, byId, byPromoCode }
}

/** An affiliate may earn in this mode: live events only credit live affiliates, test events any. */
function mayEarn(aff: HubAffiliate | undefined, mode: Mode): aff is HubAffiliate {
  if (aff?.status !== 'active') return false
  return !(mode === 'live' && aff.mode !== 'live')
}

/** The affiliate whose promotion code this is (any case), if it may earn in this mode. */
export function affiliateForPromoCode(
  program: HubProgram,
  promoCode: string | undefined | null,
  mode: Mode,
): HubAffiliate | null {
  if (!promoCode) return null
  const aff = program.byPromoCode.get(promoCode.trim().toLowerCase())
  return mayEarn(aff, mode) ? aff : null
}

/**
 * The affiliate a ref code names, if it may earn in this mode: live events only credit live
 * affiliates; test events may credit any (so the demo affiliates work with test keys).
 */
export function affiliateForRef(
  program: HubProgram,
  ref: string | undefined | null,
  mode: Mode,
): HubAffiliate | null {
  if (!ref) return null
  const aff = program.byCode.get(ref.trim().toLowerCase())
  return mayEarn(aff, mode) ? aff : null
}

/** The signup reward an affiliate earns: their own (amount 0 = none) over the program's. */
export function signupRewardFor(
  program: HubProgram,
  affiliate: HubAffiliate,
): { reward: SignupReward | null; override: boolean } {
  if (affiliate.signupReward)
    return { reward: affiliate.signupReward.amount > 0 ? affiliate.signupReward : null, override: true }
  return { reward: program.settings.signup_reward, override: false }
}

/** The plan for an affiliate's conversion at `at`: the promotion active then may change the rule. */
export function commissionPlan(program: HubProgram, affiliate: HubAffiliate, at: number): CommissionPlan {
  const s = program.settings
  const promotion = activePromotion(s.promotions, affiliate.id, at)
  const { rule, source } = chooseRule(s.commission, affiliate.commission, promotion)
  return {
    rule,
    source,
    promotion,
    recurringMonths: s.recurring_months,
    holdDays: s.hold_days,
    bonus: s.bonus
      ? { amount: s.bonus.amount, currency: s.bonus.currency, withinHours: s.bonus.within_hours }
      : null,
  }
}
