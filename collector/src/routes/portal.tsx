/**
 * The affiliate portal, `/portal/:token`: the portal token is the credential, stored hashed (a
 * disabled, rotated or unknown one is a plain 404, telling nothing). Everything shown is scoped to that affiliate and
 * its mode; live updates come from `/v1/live?token=<the same token>`.
 */
import { type Context, Hono } from 'hono'
import { type Env, hubFor, publicOrigin } from '../lib/env'
import { hashIp } from '../lib/ip-hash'
import { affiliateByPortalToken } from '../lib/portal-token'
import { AUTH_FAILURE, clientIp, rateLimited, withinLimit } from '../lib/rate-limit'
import { queryStats } from '../lib/stats-query'
import { pageHeaders } from '../pages/layout'
import { PortalPage } from '../pages/portal'
import { commissionNote, type PortalLink, portalTerms } from '../pages/portal-terms'
import { affiliateBalance, affiliatePayouts, nextApproval, nextPayoutNote } from '../payouts/portal-data'
import type { CommissionRule, CommissionStatus, Mode, Promotion, SignupReward } from '../shared'
import { promoCodesByAffiliate } from '../stripe/promo-codes'

export const portalRoutes = new Hono<{ Bindings: Env }>()

interface PortalAffiliate {
  id: string
  code: string
  name: string
  mode: Mode
  program_id: string
  program_name: string
  landing_url: string | null
  min_payout: string
  commission: string | null
  program_commission: string
  currency: string
  recurring_months: number | null
  hold_days: number
  cookie_days: number
  attribution: 'last_click' | 'first_click'
  bonus: string | null
  signup_reward: string | null
  /** The affiliate's own signup reward, over the program's (amount 0: none). */
  affiliate_signup_reward: string | null
  promotions: string
}

async function findAffiliate(c: Context<{ Bindings: Env }>): Promise<PortalAffiliate | null> {
  const found = await affiliateByPortalToken(c.env.DB, c.req.param('token') ?? '')
  if (!found) return null
  return c.env.DB.prepare(
    `SELECT a.id, a.code, a.name, a.mode, a.program_id, a.commission, a.signup_reward AS affiliate_signup_reward,
       p.name AS program_name, p.landing_url,
       p.min_payout, p.commission AS program_commission, p.currency, p.recurring_months, p.hold_days,
       p.cookie_days, p.attribution, p.bonus, p.signup_reward, p.promotions
     FROM affiliates a JOIN programs p ON p.id = a.program_id WHERE a.id = ?`,
  )
    .bind(found.id)
    .first<PortalAffiliate>()
}

/** An unknown token is a guess at a credential: counted per IP like a failed key. */
async function notFound(c: Context<{ Bindings: Env }>): Promise<Response> {
  if (!(await withinLimit(c.env, AUTH_FAILURE, `ip:${clientIp(c)}`)))
    throw rateLimited(AUTH_FAILURE, 'Too many unknown portal links from this address; retry later')
  c.header('Cache-Control', 'no-store')
  return c.text('Not found', 404)
}

portalRoutes.get('/portal/:token', async (c) => {
  const aff = await findAffiliate(c)
  if (!aff) return notFound(c)
  pageHeaders(c)
  const origin = publicOrigin(c.env, c.req.url)
  const links: PortalLink[] = [
    {
      label: 'Tracked link',
      url: `${origin}/go/${aff.code}`,
      use: 'Use it anywhere you post a link (social posts, videos, newsletters); add ?sub=<campaign> to tell your campaigns apart.',
    },
  ]
  if (aff.landing_url) {
    const url = new URL(aff.landing_url)
    url.searchParams.set('ref', aff.code)
    links.push({
      label: 'Landing page',
      url: url.toString(),
      use: 'Use it on your own site or blog, where a direct link to the product reads better; it is tracked the same way.',
    })
  }
  // The portal's browser, hashed like a click's visitor: a signup through a click from it is a self-referral.
  const now = Date.now()
  const ip = c.req.header('cf-connecting-ip') ?? c.req.header('x-real-ip') ?? '0.0.0.0'
  const visitor = await hashIp(c.env, aff.program_id, ip, c.req.header('user-agent') ?? '', now)
  const [totals, , codes] = await Promise.all([
    hubFor(c.env, aff.program_id).totals(aff.mode, aff.id),
    hubFor(c.env, aff.program_id).notePortalVisit(aff.id, visitor, now),
    promoCodesByAffiliate(c.env.DB, aff.program_id, [aff.id]),
  ])
  return c.html(
    <PortalPage
      token={c.req.param('token')}
      affiliateName={aff.name}
      programName={aff.program_name}
      links={links}
      totals={totals}
      test={aff.mode === 'test'}
      terms={termsOf(aff)}
      promoCodes={codes.get(aff.id) ?? []}
    />,
  )
})

function signupRewardTerms(aff: PortalAffiliate): SignupReward | null {
  const own = aff.affiliate_signup_reward ? (JSON.parse(aff.affiliate_signup_reward) as SignupReward) : null
  if (own) return own.amount > 0 ? own : null
  return aff.signup_reward ? (JSON.parse(aff.signup_reward) as SignupReward) : null
}

function termsOf(aff: PortalAffiliate) {
  return portalTerms({
    currency: aff.currency,
    commission: JSON.parse(aff.program_commission) as CommissionRule,
    override: aff.commission ? (JSON.parse(aff.commission) as CommissionRule) : null,
    recurringMonths: aff.recurring_months,
    holdDays: aff.hold_days,
    cookieDays: aff.cookie_days,
    attribution: aff.attribution,
    bonus: aff.bonus ? JSON.parse(aff.bonus) : null,
    signupReward: signupRewardTerms(aff),
    promotions: JSON.parse(aff.promotions || '[]') as Promotion[],
    minPayout: JSON.parse(aff.min_payout || '{}') as Record<string, number>,
    affiliateId: aff.id,
    now: Date.now(),
  })
}

const RECENT = 20

portalRoutes.get('/portal/:token/data.json', async (c) => {
  const aff = await findAffiliate(c)
  if (!aff) return notFound(c)
  c.header('Cache-Control', 'no-store')
  c.header('Referrer-Policy', 'no-referrer')
  const db = c.env.DB
  const scope = [aff.program_id, aff.mode, aff.id] as const
  const self = { programId: aff.program_id, mode: aff.mode, affiliateId: aff.id }
  const [activity, stats, lists, balance, payouts, nextApprovalAt] = await Promise.all([
    hubFor(c.env, aff.program_id).activity(aff.mode, aff.id),
    queryStats(db, aff.program_id, aff.mode, {
      affiliate: aff.id,
      interval: 'day',
      tz: c.req.query('tz') || 'UTC',
    }),
    db.batch([
      db
        .prepare(
          `SELECT occurred_at AS at FROM signups WHERE program_id = ? AND mode = ? AND affiliate_id = ?
           ORDER BY occurred_at DESC LIMIT ${RECENT}`,
        )
        .bind(...scope),
      db
        .prepare(
          `SELECT occurred_at AS at, amount, currency, refunded_amount FROM conversions
           WHERE program_id = ? AND mode = ? AND affiliate_id = ? ORDER BY occurred_at DESC LIMIT ${RECENT}`,
        )
        .bind(...scope),
      db
        .prepare(
          `SELECT created_at AS at, amount, original_amount, currency, status, reason, due_at FROM commissions
           WHERE program_id = ? AND mode = ? AND affiliate_id = ? ORDER BY created_at DESC LIMIT ${RECENT}`,
        )
        .bind(...scope),
    ]),
    affiliateBalance(db, self),
    affiliatePayouts(db, self),
    nextApproval(db, self),
  ])
  return c.json({
    totals: activity.totals,
    minutes: activity.minutes,
    series: stats.series,
    signups: lists[0]?.results ?? [],
    conversions: lists[1]?.results ?? [],
    // The raw reason stays on the server (it may name a fraud rule): the affiliate reads a note.
    commissions: (
      (lists[2]?.results ?? []) as Array<{ status: CommissionStatus; reason: string | null }>
    ).map(({ reason, ...row }) => ({ ...row, note: commissionNote(row.status, reason) })),
    balance,
    payouts,
    next_payout: nextPayoutNote({
      balance,
      minPayout: JSON.parse(aff.min_payout || '{}'),
      nextApprovalAt,
    }),
  })
})
