/**
 * `GET /v1/reconciliation?from&to` (secret key): Refline's records against Stripe's, for the
 * key's mode, read with that mode's stored restricted key (`PUT /v1/integrations/stripe`). See
 * docs/reconciliation.md.
 */
import { Hono } from 'hono'
import { requireSecretKey } from '../lib/auth'
import type { AppEnv } from '../lib/env'
import { errorBody } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'
import { reconciliationRange, runReconciliation } from './service'
import { StripeUnavailableError } from './stripe-api'

export const reconciliationRoutes = new Hono<AppEnv>()

reconciliationRoutes.use('/v1/reconciliation', requireSecretKey)

reconciliationRoutes.get('/v1/reconciliation', async (c) => {
  const { programId, mode } = c.get('auth')
  const q = c.req.query()
  assertKnownQuery(q, ['from', 'to'])
  const range = reconciliationRange({ from: q.from, to: q.to }, Date.now())
  try {
    return c.json({ reconciliation: await runReconciliation(c.env, programId, mode, range) })
  } catch (err) {
    // Stripe down or unreachable: a gateway error, with the one error shape.
    if (err instanceof StripeUnavailableError) return c.json(errorBody('internal', err.message), 502)
    throw err
  }
})
