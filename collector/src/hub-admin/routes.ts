/**
 * Operator tools for a program's hub, behind the deployment's admin token:
 * `GET /v1/admin/programs/:id/audit` compares every hub counter with D1's rollups (after
 * flushing buffered clicks) and lists the differences — `[]` when they agree exactly;
 * `POST /v1/admin/programs/:id/rebuild` rebuilds the hub's counters, customers, idempotency
 * records and recent clicks from D1; `GET /v1/admin/programs/:id/health` reports the click
 * outbox, rows set aside and money events awaiting completion.
 */
import { Hono } from 'hono'
import { requireAdmin } from '../lib/auth'
import { type AppEnv, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'

export const hubAdminRoutes = new Hono<AppEnv>()

hubAdminRoutes.use('/v1/admin/*', requireAdmin)

async function programExists(db: D1Database, id: string): Promise<string> {
  const row = await db.prepare('SELECT id FROM programs WHERE id = ?').bind(id).first<{ id: string }>()
  if (!row) throw new ApiError('not_found', 'No program with that id', 'id')
  return row.id
}

hubAdminRoutes.get('/v1/admin/programs/:id/audit', async (c) => {
  assertKnownQuery(c.req.query(), [])
  const id = await programExists(c.env.DB, c.req.param('id'))
  const differences = await hubFor(c.env, id).audit()
  return c.json({ program_id: id, equal: differences.length === 0, differences })
})

hubAdminRoutes.post('/v1/admin/programs/:id/rebuild', async (c) => {
  const id = await programExists(c.env.DB, c.req.param('id'))
  const rebuilt = await hubFor(c.env, id).rebuild(id)
  return c.json({ program_id: id, rebuilt })
})

hubAdminRoutes.get('/v1/admin/programs/:id/health', async (c) => {
  assertKnownQuery(c.req.query(), [])
  const id = await programExists(c.env.DB, c.req.param('id'))
  return c.json({ program_id: id, hub: await hubFor(c.env, id).health() })
})
