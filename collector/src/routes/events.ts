/**
 * `POST /v1/signups`, `/v1/conversions`, `/v1/refunds`: the money events. Each is validated here,
 * then decided and written by the program's hub; a replay answers 200 with
 * `Idempotent-Replayed: true`, a reused event id with another body 409.
 */
import { type Context, Hono } from 'hono'
import { isDisposableEmail } from '../domain/fraud'
import type { EventContext, HubResult } from '../hub/types'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, hubFor } from '../lib/env'
import { ApiError } from '../lib/errors'
import { hashEmail } from '../lib/ip-hash'
import { conversionInput, refundInput, signupInput } from '../lib/schemas'
import { parseBody } from '../lib/validate'

export const eventRoutes = new Hono<AppEnv>()

eventRoutes.use('/v1/signups', requireSecretKey)
eventRoutes.use('/v1/conversions', requireSecretKey)
eventRoutes.use('/v1/refunds', requireSecretKey)

function eventContext(c: Context<AppEnv>): EventContext {
  const auth = c.get('auth')
  return { programId: auth.programId, mode: auth.mode, now: Date.now() }
}

function answer(c: Context<AppEnv>, result: HubResult): Response {
  if (!result.ok) throw new ApiError(result.code, result.message, result.field)
  if (result.replayed) c.header('Idempotent-Replayed', 'true')
  return c.json(result.body as object, result.status)
}

eventRoutes.post('/v1/signups', async (c) => {
  const body = await parseBody(c, signupInput)
  const ctx = eventContext(c)
  const { email, ...rest } = body
  const input = {
    ...rest,
    event_id: body.event_id ?? `signup:${body.customer_id}`,
    // The email itself is never stored or passed on; only its program-scoped hash.
    email_hash: email ? await hashEmail(ctx.programId, email) : null,
    // Checked here, before hashing, because only the domain says it (docs/fraud.md).
    ...(email && (await isDisposableEmail(email)) ? { email_disposable: true } : {}),
  }
  return answer(c, await hubFor(c.env, ctx.programId).recordSignup(ctx, input))
})

eventRoutes.post('/v1/conversions', async (c) => {
  const body = await parseBody(c, conversionInput)
  const ctx = eventContext(c)
  return answer(c, await hubFor(c.env, ctx.programId).recordConversion(ctx, body))
})

eventRoutes.post('/v1/refunds', async (c) => {
  const body = await parseBody(c, refundInput)
  const ctx = eventContext(c)
  return answer(c, await hubFor(c.env, ctx.programId).recordRefund(ctx, body))
})
