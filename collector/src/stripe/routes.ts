/**
 * Stripe with no code. `PUT/GET/DELETE /v1/integrations/stripe` (live secret key) store the
 * endpoint's signing secrets (and the restricted read-only keys reconciliation uses) and show the
 * endpoint's state; `POST /v1/integrations/stripe/:program_id` is the URL pasted into Stripe: it
 * verifies the signature with the official `stripe` package, then maps the event (map-event.ts)
 * and records it (apply.ts), once per Stripe event id.
 */
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { EventContext } from '../hub/types'
import { requireSecretKey } from '../lib/auth'
import { type AppEnv, type Env, hubFor, publicOrigin } from '../lib/env'
import { ApiError } from '../lib/errors'
import { assertKnownQuery } from '../lib/query'
import { parseBody } from '../lib/validate'
import { dropReconciliationPanels } from '../reconciliation/panel-data'
import { applyStripeAction, flushDeferredInvoices } from './apply'
import {
  deleteIntegration,
  getIntegration,
  processedEvent,
  putIntegration,
  recordDelivery,
  type StripeIntegration,
  saveProcessedEvent,
} from './data'
import {
  eventMode,
  mapStripeEvent,
  plausibleSeconds,
  STRIPE_EVENT_TYPES,
  type StripeEventLike,
} from './map-event'

export const stripeRoutes = new Hono<AppEnv>()

/** Stripe's own tolerance: a signature older than this is refused (replayed capture). */
export const SIGNATURE_TOLERANCE_S = 300
/** Stripe events are larger than API bodies (a session with its details), but bounded. */
export const MAX_STRIPE_BODY_BYTES = 256 * 1024

const webhookSecret = z
  .string({ error: 'must be the endpoint signing secret, whsec_…' })
  .regex(/^whsec_[A-Za-z0-9+/=_-]{8,256}$/, 'must be the endpoint signing secret, whsec_…')

/** A restricted API key of one mode: read access for reconciliation (docs/reconciliation.md). */
function restrictedKey(prefix: 'rk_live_' | 'rk_test_') {
  const message = `must be a restricted key of Stripe, ${prefix}…`
  return z
    .string({ error: message })
    .regex(new RegExp(`^${prefix}[A-Za-z0-9]{8,240}$`), message)
    .nullable()
    .optional()
}

/**
 * `restricted_key` and `test_restricted_key` left out keep what is stored (the settings page sends
 * only the signing secrets); null removes them.
 */
export const stripeIntegrationInput = z.strictObject({
  webhook_secret: webhookSecret,
  test_webhook_secret: webhookSecret.nullable().optional(),
  restricted_key: restrictedKey('rk_live_'),
  test_restricted_key: restrictedKey('rk_test_'),
})

/** What is shown of a stored restricted key: that there is one, and its last four characters. */
export interface StoredKeyView {
  set: true
  last4: string
}

function storedKey(key: string | null | undefined): StoredKeyView | null {
  return key ? { set: true, last4: key.slice(-4) } : null
}

/** What the settings page shows: never a secret. */
export interface StripeIntegrationView {
  connected: boolean
  webhook_url: string
  last_event_at: string | null
  /** The last delivery (processed or refused) and why it was refused, if it was. */
  last_delivery_at: string | null
  last_delivery_error: string | null
  test_mode_secret: boolean
  /** The restricted read-only keys for reconciliation, live and test: never the key itself. */
  restricted_key: StoredKeyView | null
  test_restricted_key: StoredKeyView | null
  /** The events to select when adding the endpoint in Stripe. */
  events: readonly string[]
}

export function webhookUrl(env: Env, requestUrl: string, programId: string): string {
  return `${publicOrigin(env, requestUrl)}/v1/integrations/stripe/${programId}`
}

export function integrationView(
  env: Env,
  requestUrl: string,
  programId: string,
  row: StripeIntegration | null,
): StripeIntegrationView {
  return {
    connected: !!row,
    webhook_url: webhookUrl(env, requestUrl, programId),
    last_event_at: row?.lastEventAt ?? null,
    last_delivery_at: row?.lastDeliveryAt ?? null,
    last_delivery_error: row?.lastDeliveryError ?? null,
    test_mode_secret: !!row?.testWebhookSecret,
    restricted_key: storedKey(row?.restrictedKey),
    test_restricted_key: storedKey(row?.testRestrictedKey),
    events: STRIPE_EVENT_TYPES,
  }
}

/** The settings page's data for a program (the dashboard calls this with the founder's program). */
export async function stripeSettings(env: Env, requestUrl: string, programId: string) {
  return integrationView(env, requestUrl, programId, await getIntegration(env.DB, programId))
}

stripeRoutes.use('/v1/integrations/stripe', requireSecretKey)

function liveProgram(c: Context<AppEnv>): string {
  const auth = c.get('auth')
  if (auth.mode !== 'live') {
    throw new ApiError('forbidden', 'The Stripe integration is a program setting: use a live secret key')
  }
  return auth.programId
}

stripeRoutes.put('/v1/integrations/stripe', async (c) => {
  const programId = liveProgram(c)
  const body = await parseBody(c, stripeIntegrationInput)
  const row = await putIntegration(c.env.DB, programId, body)
  dropReconciliationPanels(programId)
  return c.json({ stripe: integrationView(c.env, c.req.url, programId, row) })
})

stripeRoutes.get('/v1/integrations/stripe', async (c) => {
  const programId = liveProgram(c)
  assertKnownQuery(c.req.query(), [])
  return c.json({ stripe: await stripeSettings(c.env, c.req.url, programId) })
})

stripeRoutes.delete('/v1/integrations/stripe', async (c) => {
  const programId = liveProgram(c)
  await deleteIntegration(c.env.DB, programId)
  dropReconciliationPanels(programId)
  return c.json({ stripe: integrationView(c.env, c.req.url, programId, null) })
})

async function readRawBody(c: Context<AppEnv>): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0')
  if (declared > MAX_STRIPE_BODY_BYTES) throw new ApiError('payload_too_large', 'Body exceeds 256 KB')
  const buf = await c.req.arrayBuffer()
  if (buf.byteLength > MAX_STRIPE_BODY_BYTES) throw new ApiError('payload_too_large', 'Body exceeds 256 KB')
  // Verified byte for byte: decoding must not repair anything, or the signature would not match.
  return new TextDecoder('utf-8').decode(buf)
}

/** Which secret checks an event: test-mode events use the test secret when one is set. */
function claimsLivemode(raw: string): boolean {
  try {
    return (JSON.parse(raw) as { livemode?: unknown }).livemode === true
  } catch {
    return true
  }
}

/**
 * The envelope fields every step relies on. A signed event is Stripe's, but bodies are still
 * checked: a malformed one is a 400 naming the field, never a 500 or a half-recorded event.
 */
function envelopeProblem(event: StripeEventLike, live: boolean): string | null {
  if (typeof event.id !== 'string' || !event.id || event.id.length > 255) return 'id'
  if (typeof event.type !== 'string' || !event.type || event.type.length > 100) return 'type'
  if (event.livemode !== live) return 'livemode'
  if (!plausibleSeconds(event.created) || event.created > Date.now() / 1000 + 86_400) return 'created'
  const object = event.data?.object
  if (!object || typeof object !== 'object' || Array.isArray(object)) return 'data.object'
  return null
}

stripeRoutes.post('/v1/integrations/stripe/:program_id', async (c) => {
  const programId = c.req.param('program_id')
  const raw = await readRawBody(c)
  const signature = c.req.header('stripe-signature')
  if (!signature) throw new ApiError('invalid_request', 'Missing Stripe-Signature header', 'stripe-signature')
  const integration = programId.length <= 64 ? await getIntegration(c.env.DB, programId) : null
  if (!integration) {
    throw new ApiError('invalid_request', 'No Stripe integration for this program', 'program_id')
  }
  const live = claimsLivemode(raw)
  const secret = live
    ? integration.webhookSecret
    : (integration.testWebhookSecret ?? integration.webhookSecret)
  const now = Date.now()
  let event: StripeEventLike
  // Loaded on first use: the package is large, and only this route needs it.
  const { default: Stripe } = await import('stripe')
  try {
    event = (await Stripe.webhooks.constructEventAsync(
      raw,
      signature,
      secret,
      SIGNATURE_TOLERANCE_S,
      Stripe.createSubtleCryptoProvider(),
    )) as unknown as StripeEventLike
  } catch (err) {
    const message = `Stripe signature check failed: ${err instanceof Error ? err.message : String(err)}`
    // Anyone can post here: the same refusal is written at most once a minute, so a flood of
    // forged deliveries costs no more than a read each.
    const last = integration.lastDeliveryAt ? Date.parse(integration.lastDeliveryAt) : 0
    if (integration.lastDeliveryError !== message.slice(0, 500) || now - last > 60_000) {
      await recordDelivery(c.env.DB, programId, { at: new Date(now).toISOString(), error: message })
      // The founder is told at once (a `stripe_signature` alert, at most one an hour per mode).
      await hubFor(c.env, programId).noteStripeSignatureFailure(programId, live ? 'live' : 'test', message)
    }
    throw new ApiError('invalid_request', message.slice(0, 300), 'stripe-signature')
  }
  const bad = envelopeProblem(event, live)
  if (bad) throw new ApiError('invalid_request', `Not a Stripe event: ${bad} is missing or malformed`, bad)

  const mode = eventMode(event)
  const ctx: EventContext = { programId, mode, now }
  const seen = await processedEvent(c.env.DB, programId, mode, event.id)
  if (seen) {
    c.header('Idempotent-Replayed', 'true')
    return c.json(seen as object, 200)
  }
  const action = mapStripeEvent(event)
  const outcome = STRIPE_EVENT_TYPES.includes(event.type as (typeof STRIPE_EVENT_TYPES)[number])
    ? await applyStripeAction(c.env, ctx, event, action)
    : { ignored: true }
  await saveProcessedEvent(c.env.DB, {
    programId,
    mode,
    eventId: event.id,
    type: event.type,
    response: outcome,
    at: new Date(now).toISOString(),
  })
  // First invoices that waited in vain for their checkout session (bounded; one cheap read when none).
  await flushDeferredInvoices(c.env, programId, now)
  return c.json(outcome, 200)
})
