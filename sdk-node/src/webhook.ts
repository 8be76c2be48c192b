/**
 * Verifying Refline's outgoing webhooks. They follow the Standard Webhooks specification
 * (https://www.standardwebhooks.com): three headers,
 *
 *   webhook-id: evt_…                  the event id, equal to the body's `id`, the same on every retry
 *   webhook-timestamp: 1777000000      the attempt's time in Unix seconds
 *   webhook-signature: v1,<base64>     HMAC-SHA256 of `${id}.${timestamp}.${raw body}`
 *
 * keyed with the base64-decoded part of the endpoint's `whsec_…` secret. The signature header may
 * carry several space-separated signatures (secret rotation); one match is enough. WebCrypto
 * only, so it runs on Node, Workers, Bun and Deno.
 */
import type { WebhookEvent } from '@refline/collector/shared'
import { ReflineSignatureError } from './errors.js'

export type { WebhookEvent, WebhookEventType } from '@refline/collector/shared'

export const WEBHOOK_ID_HEADER = 'webhook-id'
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp'
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature'
/** How far `webhook-timestamp` may be from the receiver's clock before a delivery is refused as a replay. */
export const DEFAULT_TOLERANCE_SECONDS = 300

/** The raw request body, exactly as received. */
export type WebhookPayload = string | ArrayBuffer | Uint8Array

/**
 * The request's headers: a Fetch `Headers` (Workers, Hono's `c.req.raw.headers`, Next.js), or a
 * plain object such as Node's `req.headers` (keys in any case).
 */
export type WebhookHeaders = Headers | Record<string, string | string[] | null | undefined>

/** The three Standard Webhooks headers of one delivery attempt (a plain object, usable as `HeadersInit`). */
export type SignedWebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>

export interface VerifyWebhookOptions {
  /** Maximum age (and clock skew) in seconds. Default 300. */
  toleranceSeconds?: number
  /** The receiver's clock in Unix seconds; for tests. Default now. */
  now?: number
}

// Header values an outsider controls are bounded before any work is done on them.
const MAX_ID_LENGTH = 255
const MAX_SIGNATURE_HEADER_LENGTH = 4096

const encoder = new TextEncoder()

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue
    if (Array.isArray(value)) return value.join(' ')
    return value ?? undefined
  }
  return undefined
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0))
  } catch {
    return undefined
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function keyBytes(secret: string): Uint8Array<ArrayBuffer> {
  const bytes = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret)
  if (!bytes || bytes.length === 0) {
    throw new ReflineSignatureError('The webhook secret is not a whsec_… secret', {
      code: 'invalid_signature',
    })
  }
  return bytes
}

async function hmac(
  secret: string,
  id: string,
  timestamp: string,
  payload: WebhookPayload,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    keyBytes(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const prefix = encoder.encode(`${id}.${timestamp}.`)
  const body = typeof payload === 'string' ? encoder.encode(payload) : new Uint8Array(payload)
  const message = new Uint8Array(prefix.length + body.length)
  message.set(prefix)
  message.set(body, prefix.length)
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, message))
}

/** Compares without an early exit; lengths are not secret (always 32 bytes for SHA-256). */
function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

function signatureError(message: string): ReflineSignatureError {
  return new ReflineSignatureError(message, { code: 'invalid_signature' })
}

/**
 * Checks a webhook delivery from Refline and returns its parsed JSON body. Pass the raw body
 * exactly as received: re-serialised JSON differs byte for byte and never verifies. Rejects with
 * `ReflineSignatureError` when a header is missing or malformed, no signature matches, or the
 * timestamp is more than `toleranceSeconds` (300) away from now. Deduplicate on `event.id`
 * (the `webhook-id`): a retried delivery carries the same id.
 *
 * @example
 * ```ts
 * // Workers, Hono, Next.js route handlers
 * const event = await verifyWebhook(await request.text(), request.headers, env.REFLINE_WEBHOOK_SECRET)
 * if (event.type === 'conversion.created') await grantReward(event.data)
 *
 * // Express: express.raw() keeps req.body a Buffer
 * app.post('/webhooks/refline', express.raw({ type: 'application/json' }), async (req, res) => {
 *   try {
 *     const event = await verifyWebhook(req.body, req.headers, process.env.REFLINE_WEBHOOK_SECRET!)
 *     res.sendStatus(200)
 *   } catch {
 *     res.sendStatus(400)
 *   }
 * })
 * ```
 */
export async function verifyWebhook<T = WebhookEvent>(
  payload: WebhookPayload,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<T> {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const id = header(headers, WEBHOOK_ID_HEADER)
  const timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER)
  const signatures = header(headers, WEBHOOK_SIGNATURE_HEADER)
  if (!id || id.length > MAX_ID_LENGTH)
    throw signatureError(`Missing or malformed ${WEBHOOK_ID_HEADER} header`)
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    throw signatureError(`Missing or malformed ${WEBHOOK_TIMESTAMP_HEADER} header`)
  }
  if (!signatures || signatures.length > MAX_SIGNATURE_HEADER_LENGTH) {
    throw signatureError(`Missing or malformed ${WEBHOOK_SIGNATURE_HEADER} header`)
  }
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw signatureError(`Webhook timestamp is more than ${tolerance} s away from now`)
  }
  const expected = await hmac(secret, id, timestamp, payload)
  // Every v1 candidate is compared in full, so timing reveals neither which one nor how much matched.
  let matched = false
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',')
    if (comma === -1 || entry.slice(0, comma) !== 'v1') continue
    const candidate = fromBase64(entry.slice(comma + 1))
    if (candidate && timingSafeEqual(expected, candidate)) matched = true
  }
  if (!matched) throw signatureError('No webhook signature matches the payload')
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload)
  try {
    return JSON.parse(text) as T
  } catch (cause) {
    throw new ReflineSignatureError('Webhook body is signed but is not JSON', {
      code: 'invalid_signature',
      cause,
    })
  }
}

/**
 * Makes the Standard Webhooks headers for a payload, exactly as the collector sends them: for
 * testing your own webhook handler with a delivery you make up.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ id: 'evt_test_1', type: 'signup.created', created_at: new Date().toISOString(), data: {} })
 * const headers = await signWebhook(body, process.env.REFLINE_WEBHOOK_SECRET!, { id: 'evt_test_1' })
 * await fetch('http://localhost:3000/webhooks/refline', { method: 'POST', body, headers })
 * ```
 */
export async function signWebhook(
  payload: WebhookPayload,
  secret: string,
  options: { id: string; timestamp?: number },
): Promise<SignedWebhookHeaders> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
  return {
    'webhook-id': options.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${toBase64(await hmac(secret, options.id, timestamp, payload))}`,
  }
}
