/**
 * `/dashboard/affiliates/:id?program&mode`: the founder's page for one affiliate (pages/affiliate.tsx)
 * and its form posts (`action` = portal-link, promo-codes, commission, signup-reward, disable,
 * enable). A refused
 * change re-renders the page with the field named, 400; nothing is half-written.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { listCommissions } from '../commissions/service'
import { latestConversions } from '../exports/data'
import { conversionJson } from '../exports/service'
import { publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { affiliateSignupReward, commissionRule } from '../lib/schemas'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { queryStats } from '../lib/stats-query'
import { parseWith } from '../lib/validate'
import { AffiliatePage, type AffiliatePageProps } from '../pages/affiliate'
import { formatMoney } from '../pages/format'
import { pageHeaders } from '../pages/layout'
import { affiliatePayouts } from '../payouts/portal-data'
import type { CommissionRule, Mode, SignupReward } from '../shared'
import { promoCodesByAffiliate, promoCodesInput } from '../stripe/promo-codes'
import { type AffiliateRow, changeAffiliate, findProgramAffiliate } from './dashboard-data'
import { replacePortalLink } from './service'

export const affiliateDashboardRoutes = new Hono<SessionEnv>()

const PATH = '/dashboard/affiliates/:id'
affiliateDashboardRoutes.use(PATH, async (c, next) => {
  pageHeaders(c)
  await next()
})

const DATE = /^\d{4}-\d{2}-\d{2}$/

async function load(c: Context<SessionEnv>) {
  const programId = c.req.query('program') ?? ''
  const mode: Mode = c.req.query('mode') === 'test' ? 'test' : 'live'
  const program = await c.env.DB.prepare(
    'SELECT id, name, currency, commission, landing_url, signup_reward FROM programs WHERE id = ?',
  )
    .bind(programId)
    .first<{
      id: string
      name: string
      currency: string
      commission: string
      landing_url: string | null
      signup_reward: string | null
    }>()
  if (!program) throw new ApiError('not_found', 'Unknown program', 'program')
  const row = await findProgramAffiliate(c.env.DB, programId, c.req.param('id') ?? '')
  if (!row) throw new ApiError('not_found', 'No affiliate with that id in this program', 'id')
  return { program, mode, row }
}

function rewardText(reward: SignupReward | null): string {
  if (!reward || reward.amount === 0) return 'none'
  const within = reward.within_hours ? ` within ${reward.within_hours} h of the click` : ''
  return `${formatMoney(reward.amount, reward.currency)} per signup${within}`
}

function ruleText(rule: CommissionRule): string {
  return rule.type === 'percent' ? `${rule.percent}%` : `${formatMoney(rule.amount, rule.currency)} flat`
}

async function render(
  c: Context<SessionEnv>,
  extra: Pick<AffiliatePageProps, 'newPortalUrl' | 'error' | 'notice'> = {},
  status: 200 | 201 | 400 | 409 = 200,
) {
  const { program, mode, row } = await load(c)
  const q = c.req.query()
  const today = new Date().toISOString().slice(0, 10)
  const monthAgo = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10)
  const range = {
    from: DATE.test(q.from ?? '') ? (q.from as string) : monthAgo,
    to: DATE.test(q.to ?? '') ? (q.to as string) : today,
  }
  if (range.from > range.to) range.from = range.to
  const db = c.env.DB
  const scope = { programId: program.id, mode, affiliateId: row.id }
  const [stats, conversions, commissions, payouts, codes] = await Promise.all([
    queryStats(c.env, program.id, mode, {
      affiliate: row.id,
      from: range.from,
      to: range.to,
      interval: 'day',
      tz: 'UTC',
    }),
    latestConversions(
      db,
      program.id,
      mode,
      { affiliateId: row.id, from: Date.parse(range.from), to: Date.parse(`${range.to}T23:59:59.999Z`) },
      50,
    ),
    listCommissions(db, program.id, mode, { affiliate: row.id, limit: '50' }, {}),
    affiliatePayouts(db, scope),
    promoCodesByAffiliate(db, program.id, [row.id]),
  ])
  const origin = publicOrigin(c.env, c.req.url)
  const sub = (q.sub ?? '').slice(0, 128)
  const to = (q.page ?? '').slice(0, 512)
  const redirect = `${origin}/go/${row.code}`
  const built = sub || to ? builtLink(redirect, sub, to) : null
  let referral: string | null = null
  if (program.landing_url) {
    const url = new URL(program.landing_url)
    url.searchParams.set('ref', row.code)
    referral = url.toString()
  }
  return c.html(
    <AffiliatePage
      csrf={c.get('csrf')}
      programId={program.id}
      programName={program.name}
      mode={mode}
      affiliate={pageAffiliate(row, codes.get(row.id) ?? [])}
      programRule={ruleText(JSON.parse(program.commission) as CommissionRule)}
      programSignupReward={rewardText(
        program.signup_reward ? (JSON.parse(program.signup_reward) as SignupReward) : null,
      )}
      links={{ redirect, referral, built, sub, to }}
      range={range}
      stats={stats}
      conversions={conversions.map(conversionJson)}
      commissions={commissions}
      payouts={payouts}
      {...extra}
    />,
    status,
  )
}

function builtLink(redirect: string, sub: string, to: string): string {
  const url = new URL(redirect)
  if (to) url.searchParams.set('to', to)
  if (sub) url.searchParams.set('sub', sub)
  return url.toString()
}

function pageAffiliate(row: AffiliateRow, promoCodes: string[]): AffiliatePageProps['affiliate'] {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    email: row.email,
    status: row.status,
    commission: row.commission,
    signupReward: row.signupReward ? (JSON.parse(row.signupReward) as SignupReward) : null,
    promoCodes,
  }
}

affiliateDashboardRoutes.get(PATH, requireSession('page'), (c) => render(c))

const codesField = z.string().max(500)
/** The API's field, so a refused value names `signup_reward.amount` as `PATCH /v1/affiliates/:id` does. */
const signupRewardField = z
  .strictObject({ signup_reward: affiliateSignupReward })
  .transform((b) => b.signup_reward)

affiliateDashboardRoutes.post(PATH, requireSession('page'), requireCsrf, async (c) => {
  const { row } = await load(c)
  const form = await c.req.parseBody()
  const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '')
  try {
    switch (text('action')) {
      case 'portal-link': {
        if (row.status !== 'active')
          throw new ApiError('conflict', 'Only an active affiliate has a portal', 'status')
        const url = await replacePortalLink(c, row)
        return render(c, { newPortalUrl: url }, 201)
      }
      case 'promo-codes': {
        const raw = parseWith(codesField, text('promo_codes'))
        const codes = parseWith(promoCodesInput, raw.split(/[\s,]+/).filter(Boolean))
        await changeAffiliate(c.env, row, { promoCodes: codes })
        return render(c, { notice: 'Promotion codes saved.' })
      }
      case 'commission': {
        const type = text('type')
        const value = text('value') === '' ? Number.NaN : Number(text('value'))
        const { program } = await load(c)
        const rule =
          type === ''
            ? null
            : parseWith(
                commissionRule,
                type === 'percent'
                  ? { type, percent: value }
                  : { type, amount: value, currency: program.currency },
              )
        await changeAffiliate(c.env, row, { commission: rule })
        return render(c, { notice: rule ? 'Commission override saved.' : 'The program rule applies again.' })
      }
      case 'signup-reward': {
        const choice = text('reward')
        const { program } = await load(c)
        const number = (k: string) => (text(k) === '' ? undefined : Number(text(k)))
        const reward =
          choice === ''
            ? null
            : parseWith(
                signupRewardField,
                choice === 'none'
                  ? { signup_reward: { amount: 0, currency: program.currency } }
                  : {
                      signup_reward: {
                        amount: number('amount') ?? Number.NaN,
                        currency: program.currency,
                        ...(text('within_hours') ? { within_hours: number('within_hours') } : {}),
                      },
                    },
              )
        await changeAffiliate(c.env, row, { signupReward: reward })
        return render(c, {
          notice: !reward
            ? "The program's signup reward applies again."
            : reward.amount === 0
              ? 'No signup reward for this affiliate.'
              : 'Signup reward saved.',
        })
      }
      case 'disable':
      case 'enable': {
        if (row.status !== 'active' && row.status !== 'disabled')
          throw new ApiError('conflict', 'Decide the application first', 'status')
        await changeAffiliate(c.env, row, { status: text('action') === 'disable' ? 'disabled' : 'active' })
        return c.redirect(
          `/dashboard/affiliates/${encodeURIComponent(row.id)}?${new URL(c.req.url).searchParams}`,
          303,
        )
      }
      default:
        throw new ApiError('invalid_request', 'Unknown action', 'action')
    }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    const field = err.field
    const error = field && !err.message.startsWith(field) ? `${field}: ${err.message}` : err.message
    return render(c, { error }, err.status === 409 ? 409 : 400)
  }
})
