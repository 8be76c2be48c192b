/**
 * The dashboard's own JSON endpoints (session cookie + CSRF token on every mutation). They reuse
 * the query code of the public API (stats, commissions, affiliates), scoped by `?program&mode`.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { affiliateJson, affiliateLink } from '../affiliates/json'
import { insertAffiliate } from '../affiliates/service'
import { changeCommissionStatus, listCommissions } from '../commissions/service'
import { hubFor, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { affiliateInput } from '../lib/schemas'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { parseStatsQuery, queryStats } from '../lib/stats-query'
import { parseBody } from '../lib/validate'
import { programCurrency, programExists } from '../program/data'
import type { Mode } from '../shared'
import { affiliateActivity } from '../stats/data'

export const dashboardApi = new Hono<SessionEnv>()

dashboardApi.use('/dashboard/api/*', requireSession('api'), requireCsrf)

async function scope(c: Context<SessionEnv>): Promise<{ programId: string; mode: Mode }> {
  const programId = c.req.query('program') ?? ''
  const mode = c.req.query('mode') ?? 'live'
  if (mode !== 'live' && mode !== 'test')
    throw new ApiError('invalid_request', 'mode must be live or test', 'mode')
  if (!(await programExists(c.env.DB, programId)))
    throw new ApiError('not_found', 'Unknown program', 'program')
  return { programId, mode }
}

/**
 * Everything the dashboard shows that follows the filters (totals, day series, affiliate table,
 * last activity), plus the program's currency; with `live=1` also the whole program's live
 * totals and the last hour and feed (of the filtered affiliate, when there is one) from the hub.
 */
dashboardApi.get('/dashboard/api/overview', async (c) => {
  const { programId, mode } = await scope(c)
  const q = c.req.query()
  const db = c.env.DB
  const filter = {
    interval: 'day',
    tz: q.tz || 'UTC',
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.affiliate ? { affiliate: q.affiliate } : {}),
    ...(q.sub ? { sub: q.sub } : {}),
  }
  const hub = hubFor(c.env, programId)
  // Only the live part of a filtered view needs the stats' answer (the affiliate they resolved),
  // so everything else is read beside them: one D1 round trip less per load. The range is parsed
  // as the stats parse it (and refused the same way); `to` may differ from theirs by the
  // milliseconds between the two reads of the clock.
  const range = parseStatsQuery(filter)
  const statsRead = queryStats(c.env, programId, mode, filter)
  const [stats, rows, currency, live] = await Promise.all([
    statsRead,
    affiliateActivity(db, programId, mode, {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      sub: q.sub || undefined,
    }),
    programCurrency(db, programId),
    q.live === '1'
      ? // queryStats resolves the affiliate (id or code) and refuses an unknown one.
        (q.affiliate ? statsRead.then((s) => s.affiliates[0]?.id) : Promise.resolve(undefined))
          .then((affiliateId) => Promise.all([hub.totals(mode), hub.activity(mode, affiliateId)]))
          .then(([totals, a]) => ({ totals, minutes: a.minutes, feed: a.feed }))
      : undefined,
  ])
  const origin = publicOrigin(c.env, c.req.url)
  const links = Object.fromEntries(
    rows.map((r) => [r.id, { link: affiliateLink(origin, r.code), status: r.status }]),
  )
  return c.json({
    currency: currency ?? 'USD',
    stats,
    last_activity: Object.fromEntries(rows.flatMap((r) => (r.last ? [[r.id, r.last]] : []))),
    links,
    ...(live ? { live } : {}),
  })
})

dashboardApi.get('/dashboard/api/commissions', async (c) => {
  const { programId, mode } = await scope(c)
  const q = c.req.query()
  const commissions = await listCommissions(
    c.env.DB,
    programId,
    mode,
    { status: q.status || undefined, affiliate: q.affiliate || undefined, limit: '100' },
    {}, // the session sees every affiliate
  )
  return c.json({ commissions })
})

dashboardApi.post('/dashboard/api/commissions/:id/:action{approve|reject}', async (c) => {
  const { programId, mode } = await scope(c)
  const action = c.req.param('action') === 'approve' ? 'approve' : 'reject'
  return c.json(await changeCommissionStatus(c.env, programId, mode, c.req.param('id'), action))
})

const dashboardAffiliateInput = affiliateInput.extend({ code: affiliateInput.shape.code.or(z.literal('')) })

dashboardApi.post('/dashboard/api/affiliates', async (c) => {
  const { programId, mode } = await scope(c)
  const body = await parseBody(c, dashboardAffiliateInput)
  const row = await insertAffiliate(c, programId, mode, { ...body, code: body.code || undefined })
  return c.json({ affiliate: affiliateJson(c, row) }, 201)
})
