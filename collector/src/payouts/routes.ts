/**
 * Payouts (secret key; a test key sees and makes test payouts only, of test commissions):
 * `POST /v1/payouts {period_end?}`, `GET /v1/payouts`, `GET /v1/payouts/:id`,
 * `POST /v1/payouts/:id/paid`, and the files `GET /v1/payouts/:id/paypal.csv?currency=` and
 * `GET /v1/payouts/:id/export.csv`. See docs/payouts.md.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { csvHeaders } from '../domain/csv'
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { assertKnownQuery } from '../lib/query'
import { parseWith } from '../lib/validate'
import { payoutDashboardRoutes } from './dashboard-routes'
import {
  createPayout,
  exportFile,
  getPayout,
  markPayoutPaid,
  optionalJson,
  payoutList,
  paypalFile,
} from './service'

export const payoutRoutes = new Hono<AppEnv>()

payoutRoutes.use('/v1/payouts', requireSecretKey)
payoutRoutes.use('/v1/payouts/*', requireSecretKey)

const noFields = z.strictObject({})

// The dashboard's payouts page and its endpoints ride along with the API's mount.
payoutRoutes.route('/', payoutDashboardRoutes)

payoutRoutes.post('/v1/payouts', async (c) => {
  const { programId, mode } = c.get('auth')
  const { status, payout } = await createPayout(c.env, programId, mode, await optionalJson(c))
  return c.json({ payout }, status)
})

payoutRoutes.get('/v1/payouts', async (c) => {
  const { programId, mode } = c.get('auth')
  assertKnownQuery(c.req.query(), ['limit'])
  return c.json({ payouts: await payoutList(c.env.DB, programId, mode, c.req.query('limit')) })
})

payoutRoutes.get('/v1/payouts/:id', async (c) => {
  const { programId, mode } = c.get('auth')
  assertKnownQuery(c.req.query(), [])
  return c.json({ payout: await getPayout(c.env.DB, programId, mode, c.req.param('id')) })
})

payoutRoutes.post('/v1/payouts/:id/paid', async (c) => {
  const { programId, mode } = c.get('auth')
  parseWith(noFields, await optionalJson(c))
  return c.json({ payout: await markPayoutPaid(c.env, programId, mode, c.req.param('id')) })
})

payoutRoutes.get('/v1/payouts/:id/paypal.csv', async (c) => {
  const { programId, mode } = c.get('auth')
  assertKnownQuery(c.req.query(), ['currency'])
  const payout = await getPayout(c.env.DB, programId, mode, c.req.param('id'))
  const file = paypalFile(payout, c.req.query('currency'))
  return c.body(file.body, 200, csvHeaders(file.name))
})

payoutRoutes.get('/v1/payouts/:id/export.csv', async (c) => {
  const { programId, mode } = c.get('auth')
  assertKnownQuery(c.req.query(), [])
  const file = exportFile(await getPayout(c.env.DB, programId, mode, c.req.param('id')))
  return c.body(file.body, 200, csvHeaders(file.name))
})
