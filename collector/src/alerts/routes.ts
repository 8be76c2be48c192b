/**
 * `GET /v1/alerts` (the program's alerts in the key's mode, newest first) and `GET /v1/health`
 * (tracking health: when the last click came and from which origins, the attributed share of
 * conversions, the bot share of clicks, webhook and Stripe delivery state, the hub's outbox).
 * Secret key; founders only — no affiliate-facing route reads these.
 */
import { inArray } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { Hono } from 'hono'
import { z } from 'zod'
import { affiliates } from '../db/schema'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor } from '../lib/env'
import { assertKnownQuery } from '../lib/query'
import { parseWith } from '../lib/validate'
import type { Mode } from '../shared'
import { ALERTS_PAGE_MAX, alertJson, healthFigures, listAlerts } from './data'
import { ALERT_TYPES, type Alert } from './types'

export const alertRoutes = new Hono<AppEnv>()

alertRoutes.use('/v1/alerts', requireSecretKey)
alertRoutes.use('/v1/health', requireSecretKey)

const alertsQuery = z.strictObject({
  limit: z.coerce.number({ error: 'must be a whole number' }).int().min(1).max(ALERTS_PAGE_MAX).optional(),
  before: z.iso.datetime({ error: 'must be an ISO 8601 date-time (an alert’s created_at)' }).optional(),
  type: z.enum(ALERT_TYPES, { error: `must be one of ${ALERT_TYPES.join(', ')}` }).optional(),
})

alertRoutes.get('/v1/alerts', async (c) => {
  assertKnownQuery(c.req.query(), Object.keys(alertsQuery.shape))
  const q = parseWith(alertsQuery, c.req.query())
  const { programId, mode } = c.get('auth')
  return c.json({ alerts: await alertList(c.env, programId, mode, q) })
})

/** The program's alerts in one mode, newest first, with each affiliate's code (API and dashboard). */
export async function alertList(
  env: Pick<Env, 'DB'>,
  programId: string,
  mode: Mode,
  q: { limit?: number | undefined; before?: string | undefined; type?: string | undefined },
): Promise<Alert[]> {
  const rows = await listAlerts(env.DB, programId, mode, {
    limit: q.limit ?? 50,
    before: q.before,
    type: q.type,
  })
  const ids = [...new Set(rows.flatMap((r) => (r.affiliateId ? [r.affiliateId] : [])))]
  const codes = new Map<string, string>()
  if (ids.length) {
    const found = await drizzle(env.DB)
      .select({ id: affiliates.id, code: affiliates.code })
      .from(affiliates)
      .where(inArray(affiliates.id, ids))
    for (const a of found) codes.set(a.id, a.code)
  }
  return rows.map((r) => alertJson(r, r.affiliateId ? (codes.get(r.affiliateId) ?? null) : null))
}

/** Shares are over the last 30 days; `null` when there is nothing to divide. */
const HEALTH_DAYS = 30

function share(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null
}

alertRoutes.get('/v1/health', async (c) => {
  assertKnownQuery(c.req.query(), [])
  const { programId, mode } = c.get('auth')
  return c.json({ health: await trackingHealthView(c.env, programId, mode) })
})

/** Tracking health of the program in one mode: the hub's memory and D1's figures (API and dashboard). */
export async function trackingHealthView(env: Env, programId: string, mode: Mode, now = Date.now()) {
  const [hub, d1] = await Promise.all([
    hubFor(env, programId).trackingHealth(mode),
    healthFigures(env.DB, programId, mode, new Date(now - HEALTH_DAYS * 86_400_000)),
  ])
  const seen = d1.clicks.counted + d1.clicks.not_counted
  return {
    mode,
    window_days: HEALTH_DAYS,
    last_click_at: hub.last_click_at,
    origins: hub.origins,
    clicks: { ...d1.clicks, blocked: hub.blocked_clicks },
    bot_share: share(d1.clicks.not_counted, seen),
    conversions: d1.conversions,
    attributed_share: share(d1.conversions.attributed, d1.conversions.total),
    webhooks: d1.webhooks,
    stripe: d1.stripe,
    hub: { outbox: hub.outbox, dead_letters: hub.dead_letters, pending_events: hub.pending_events },
  }
}

export type TrackingHealthView = Awaited<ReturnType<typeof trackingHealthView>>
