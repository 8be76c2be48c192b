/**
 * `GET /v1/stats`: totals, a series and a per-affiliate table, read from the hourly rollups only
 * (never from raw events), for the key's mode.
 */
import { Hono } from 'hono'
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { assertKnownQuery } from '../lib/query'
import { queryStats, STATS_QUERY } from '../lib/stats-query'

export const statsRoutes = new Hono<AppEnv>()

statsRoutes.use('/v1/stats', requireSecretKey)

statsRoutes.get('/v1/stats', async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  assertKnownQuery(q, STATS_QUERY)
  return c.json(await queryStats(c.env, programId, mode, q))
})
