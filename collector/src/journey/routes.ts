/**
 * `GET /v1/customers/:id/journey` (secret key): one customer's story in the key's mode — clicks,
 * the attribution decision and why, signup, conversions, refunds, commissions with their status
 * history — answering "why did or didn't this affiliate get paid?". The dashboard's journey view
 * renders the same answer.
 */
import { Hono } from 'hono'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'
import type { Mode } from '../shared'
import { loadJourney } from './data'
import { type Journey, journeyJson } from './journey'

export const journeyRoutes = new Hono<AppEnv>()

journeyRoutes.use('/v1/customers/:id/journey', requireSecretKey)

/** Customer ids are the founder's own (`cus_…`, a user id): any text up to 255 characters. */
export function customerIdParam(raw: string): string {
  const id = raw.trim()
  if (!id || id.length > 255) throw new ApiError('invalid_request', 'id must be 1 to 255 characters', 'id')
  return id
}

/**
 * The journey reads clicks from D1, and the hub sends its buffered clicks there in batches: it
 * is asked to send them first, so a click seconds old is listed. When the hub cannot flush (D1
 * unreachable), the journey is still answered from what D1 has.
 */
export async function customerJourney(
  env: Env,
  programId: string,
  mode: Mode,
  customerId: string,
): Promise<Journey> {
  await hubFor(env, programId)
    .flush()
    .catch((err: unknown) => console.error('journey: the hub could not flush its clicks', err))
  const rows = await loadJourney(env.DB, programId, mode, customerId)
  if (!rows) throw new ApiError('not_found', `No customer ${customerId} in ${mode} mode`, 'id')
  return journeyJson(customerId, mode, rows)
}

journeyRoutes.get('/v1/customers/:id/journey', async (c) => {
  const { programId, mode } = c.get('auth')
  assertKnownQuery(c.req.query(), [])
  const id = customerIdParam(c.req.param('id'))
  return c.json({ journey: await customerJourney(c.env, programId, mode, id) })
})
