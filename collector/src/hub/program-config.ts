/**
 * The program's settings and affiliates as the hub needs them, loaded from D1 once and kept in
 * memory until a route that changes them calls `ProgramHub.invalidate()`.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { affiliates, programs, promoCodes } from '../db/schema'
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

type ProgramRow = typeof programs.$inferSelect

/** Stored thresholds over the defaults, so a threshold added later has a value in old programs. */
function fraudSettings(json: string): FraudSettings {
  return fraudThresholds(JSON.parse(json))
}

/** A program's settings in their API form, from its drizzle row. */
export function programSettings(row: ProgramRow): ProgramSettings {
  return {
    name: row.name,
    currency: row.currency,
    cookie_days: row.cookieDays,
    attribution: row.attribution,
    commission: JSON.parse(row.commission) as CommissionRule,
    recurring_months: row.recurringMonths,
    hold_days: row.holdDays,
    bonus: row.bonus ? (JSON.parse(row.bonus) as ProgramSettings['bonus']) : null,
    landing_url: row.landingUrl,
    allowed_origins: JSON.parse(row.allowedOrigins) as string[],
    min_payout: JSON.parse(row.minPayout ?? '{}') as ProgramSettings['min_payout'],
    slug: row.slug ?? null,
    join: {
      enabled: !!row.joinEnabled,
      auto_approve: !!row.joinAutoApprove,
      terms_url: row.joinTermsUrl ?? null,
    },
    paid_traffic: row.paidTraffic ?? 'allowed',
    fraud: fraudSettings(row.fraud ?? '{}'),
    signup_reward: row.signupReward
      ? (JSON.parse(row.signupReward) as ProgramSettings['signup_reward'])
      : null,
    promotions: JSON.parse(row.promotions ?? '[]') as ProgramSettings['promotions'],
    click_retention_days: row.clickRetentionDays ?? null,
  }
}

export async function loadProgram(db: D1Database, programId: string): Promise<HubProgram | null> {
  const orm = drizzle(db)
  const [programRows, affiliateRows, promos] = await orm.batch([
    orm.select().from(programs).where(eq(programs.id, programId)),
    orm
      .select({
        id: affiliates.id,
        code: affiliates.code,
        mode: affiliates.mode,
        status: affiliates.status,
        emailHash: affiliates.emailHash,
        commission: affiliates.commission,
        signupReward: affiliates.signupReward,
      })
      .from(affiliates)
      .where(eq(affiliates.programId, programId)),
    orm
      .select({ code: promoCodes.code, affiliateId: promoCodes.affiliateId })
      .from(promoCodes)
      .where(eq(promoCodes.programId, programId)),
  ])
  const row = programRows[0]
  if (!row) return null
  const byCode = new Map<string, HubAffiliate>()
  const byId = new Map<string, HubAffiliate>()
  for (const a of affiliateRows) {
    const aff: HubAffiliate = {
      ...a,
      commission: a.commission ? (JSON.parse(a.commission) as CommissionRule) : null,
      signupReward: a.signupReward ? (JSON.parse(a.signupReward) as SignupReward) : null,
    }
    byCode.set(aff.code, aff)
    byId.set(aff.id, aff)
  }
  const byPromoCode = new Map<string, HubAffiliate>()
  for (const p of promos) {
    const aff = byId.get(p.affiliateId)
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
