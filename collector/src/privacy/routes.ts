/**
 * `DELETE /v1/customers/:id` (secret key, the key's mode): erases the customer's personal data
 * and keeps its money records under a tombstone id, through the program's hub (see
 * hub/erase-customer.ts). Answers `{erased: {customer_id, tombstone_id}}`; an unknown (or
 * already erased) customer is a 404.
 */
import { Hono } from 'hono'
import { customerIdParam } from '../journey/routes'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'

export const privacyRoutes = new Hono<AppEnv>()

privacyRoutes.use('/v1/customers/:id', requireSecretKey)

privacyRoutes.delete('/v1/customers/:id', async (c) => {
  const { programId, mode } = c.get('auth')
  const unknown = Object.keys(c.req.query())[0]
  if (unknown) throw new ApiError('invalid_request', `Unknown query parameter ${unknown}`, unknown)
  const id = customerIdParam(c.req.param('id'))
  const result = await hubFor(c.env, programId).eraseCustomer({ programId, mode, now: Date.now() }, id)
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  return c.json(result.body, 200)
})
