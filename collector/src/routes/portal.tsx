/**
 * The affiliate portal, `/portal/:token`: the portal token is the credential, stored hashed (a
 * disabled, rotated or unknown one is a plain 404, telling nothing). Everything shown is scoped to that affiliate and
 * its mode; live updates come from `/v1/live?token=<the same token>`.
 */
import { type Context, Hono } from 'hono'
import { recentActivity } from '../affiliates/data'
import { type Env, hubFor, publicOrigin } from '../lib/env'
import { hashIp } from '../lib/ip-hash'
import { portalAffiliateWithProgram } from '../lib/portal-token'
import { AUTH_FAILURE, clientIp, rateLimited, withinLimit } from '../lib/rate-limit'
import { queryAffiliateStats } from '../lib/stats-query'
import { pageHeaders } from '../pages/layout'
import { PortalPage } from '../pages/portal'
import { commissionNote, type PortalLink, portalTerms } from '../pages/portal-terms'
import { affiliateMoney, nextPayoutNote } from '../payouts/portal-data'
import type { CommissionRule, Promotion, SignupReward } from '../shared'
import { promoCodesByAffiliate } from '../stripe/promo-codes'

export const portalRoutes = new Hono<{ Bindings: Env }>()

type PortalAffiliate = NonNullable<Awaited<ReturnType<typeof portalAffiliateWithProgram>>>

function findAffiliate(c: Context<{ Bindings: Env }>): Promise<PortalAffiliate | null> {
  return portalAffiliateWithProgram(c.env.DB, c.req.param('token') ?? '')
}

/** An unknown token is a guess at a credential: counted per IP like a failed key. */
async function notFound(c: Context<{ Bindings: Env }>): Promise<Response> {
  if (!(await withinLimit(c.env, AUTH_FAILURE, `ip:${clientIp(c)}`)))
    throw rateLimited(AUTH_FAILURE, 'Too many unknown portal links from this address; retry later')
  c.header('Cache-Control', 'no-store')
  return c.text('Not found', 404)
}

portalRoutes.get('/portal/:token', async (c) => {
  const found = await findAffiliate(c)
  if (!found) return notFound(c)
  const { affiliate: aff, program } = found
  pageHeaders(c)
  const origin = publicOrigin(c.env, c.req.url)
  const links: PortalLink[] = [
    {
      label: 'Tracked link',
      url: `${origin}/go/${aff.code}`,
      use: 'Use it anywhere you post a link (social posts, videos, newsletters); add ?sub=<campaign> to tell your campaigns apart.',
    },
  ]
  if (program.landingUrl) {
    const url = new URL(program.landingUrl)
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
  const visitor = await hashIp(c.env, aff.programId, ip, c.req.header('user-agent') ?? '', now)
  const [totals, , codes] = await Promise.all([
    hubFor(c.env, aff.programId).totals(aff.mode, aff.id),
    hubFor(c.env, aff.programId).notePortalVisit(aff.id, visitor, now),
    promoCodesByAffiliate(c.env.DB, aff.programId, [aff.id]),
  ])
  return c.html(
    <PortalPage
      token={c.req.param('token')}
      affiliateName={aff.name}
      programName={program.name}
      links={links}
      totals={totals}
      test={aff.mode === 'test'}
      terms={termsOf(found)}
      promoCodes={codes.get(aff.id) ?? []}
    />,
  )
})

function signupRewardTerms({ affiliate, program }: PortalAffiliate): SignupReward | null {
  const own = affiliate.signupReward ? (JSON.parse(affiliate.signupReward) as SignupReward) : null
  if (own) return own.amount > 0 ? own : null
  return program.signupReward ? (JSON.parse(program.signupReward) as SignupReward) : null
}

function termsOf(found: PortalAffiliate) {
  const { affiliate, program } = found
  return portalTerms({
    currency: program.currency,
    commission: JSON.parse(program.commission) as CommissionRule,
    override: affiliate.commission ? (JSON.parse(affiliate.commission) as CommissionRule) : null,
    recurringMonths: program.recurringMonths,
    holdDays: program.holdDays,
    cookieDays: program.cookieDays,
    attribution: program.attribution,
    bonus: program.bonus ? JSON.parse(program.bonus) : null,
    signupReward: signupRewardTerms(found),
    promotions: JSON.parse(program.promotions || '[]') as Promotion[],
    minPayout: JSON.parse(program.minPayout || '{}') as Record<string, number>,
    affiliateId: affiliate.id,
    now: Date.now(),
  })
}

const RECENT = 20

portalRoutes.get('/portal/:token/data.json', async (c) => {
  const found = await findAffiliate(c)
  if (!found) return notFound(c)
  const { affiliate: aff, program } = found
  c.header('Cache-Control', 'no-store')
  c.header('Referrer-Policy', 'no-referrer')
  const db = c.env.DB
  const self = { programId: aff.programId, mode: aff.mode, affiliateId: aff.id }
  const [activity, stats, recent, { balance, payouts, nextApprovalAt }] = await Promise.all([
    hubFor(c.env, aff.programId).activity(aff.mode, aff.id),
    queryAffiliateStats(c.env, aff.programId, aff.mode, aff.id, {
      interval: 'day',
      tz: c.req.query('tz') || 'UTC',
    }),
    recentActivity(db, self, RECENT),
    affiliateMoney(db, self),
  ])
  return c.json({
    totals: activity.totals,
    minutes: activity.minutes,
    series: stats.series,
    signups: recent.signups,
    conversions: recent.conversions,
    // The raw reason stays on the server (it may name a fraud rule): the affiliate reads a note.
    commissions: recent.commissions.map(({ reason, ...row }) => ({
      ...row,
      note: commissionNote(row.status, reason),
    })),
    balance,
    payouts,
    next_payout: nextPayoutNote({
      balance,
      minPayout: JSON.parse(program.minPayout || '{}'),
      nextApprovalAt,
    }),
  })
})
