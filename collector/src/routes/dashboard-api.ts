/**
 * The dashboard's own JSON endpoints (session cookie + CSRF token on every mutation). They reuse
 * the query code of the public API (stats, commissions, affiliates), scoped by `?program&mode`.
 */
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { affiliates } from '../db/schema'
import { hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { affiliateInput } from '../lib/schemas'
import { requireCsrf, requireSession, type SessionEnv } from '../lib/session'
import { queryStats } from '../lib/stats-query'
import { parseBody } from '../lib/validate'
import type { Mode } from '../shared'
import { affiliateJson, insertAffiliate } from './affiliates'
import { changeCommissionStatus, listCommissions } from './commissions'

export const dashboardApi = new Hono<SessionEnv>()

dashboardApi.use('/dashboard/api/*', requireSession('api'), requireCsrf)

async function scope(c: Context<SessionEnv>): Promise<{ programId: string; mode: Mode }> {
  const programId = c.req.query('program') ?? ''
  const mode = c.req.query('mode') ?? 'live'
  if (mode !== 'live' && mode !== 'test')
    throw new ApiError('invalid_request', 'mode must be live or test', 'mode')
  const exists = await c.env.DB.prepare('SELECT 1 FROM programs WHERE id = ?').bind(programId).first()
  if (!exists) throw new ApiError('not_found', 'Unknown program', 'program')
  return { programId, mode }
}

/** Last activity per affiliate, to the hour, from the rollups (never from raw events). */
async function lastActivity(db: D1Database, programId: string, mode: Mode): Promise<Record<string, string>> {
  const { results } = await db
    .prepare(
      "SELECT affiliate_id, MAX(hour) AS hour FROM rollups WHERE program_id = ? AND mode = ? AND affiliate_id != '' GROUP BY affiliate_id",
    )
    .bind(programId, mode)
    .all<{ affiliate_id: string; hour: string }>()
  return Object.fromEntries(results.map((r) => [r.affiliate_id, `${r.hour}:00:00.000Z`]))
}

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
  const [stats, activity, last, rows] = await Promise.all([
    queryStats(db, programId, mode, filter),
    hubFor(c.env, programId).activity(mode),
    lastActivity(db, programId, mode),
    drizzle(db).select().from(affiliates).where(eq(affiliates.programId, programId)),
  ])
  const links = Object.fromEntries(
    rows.map((r) => [r.id, { link: affiliateJson(c, r).link, status: r.status }]),
  )
  return c.json({ stats, activity, last_activity: last, links })
})

dashboardApi.get('/dashboard/api/commissions', async (c) => {
  const { programId, mode } = await scope(c)
  const q = c.req.query()
  const commissions = await listCommissions(c.env.DB, programId, mode, {
    status: q.status || undefined,
    affiliate: q.affiliate || undefined,
    limit: '100',
  })
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
  const row = await insertAffiliate(c.env, programId, mode, { ...body, code: body.code || undefined })
  return c.json({ affiliate: affiliateJson(c, row) }, 201)
})
