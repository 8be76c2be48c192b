/**
 * Signature of Refline's outgoing webhooks: `Refline-Signature: t=<unix seconds>,v1=<hex>`, where
 * `v1` is HMAC-SHA256(secret, `${t}.${raw body}`). Several `v1=` entries may appear while a secret
 * is being rotated; one match is enough. WebCrypto only, so it runs on Node, Workers, Bun and Deno.
 */
import { ReflineSignatureError } from './errors.js'

/** Name of the HTTP header carrying the signature. */
export const SIGNATURE_HEADER = 'Refline-Signature'
/** How far `t` may be from the receiver's clock before a delivery is refused as a replay. */
export const DEFAULT_TOLERANCE_SECONDS = 300

export type WebhookPayload = string | ArrayBuffer | Uint8Array

export interface VerifyWebhookOptions {
  /** Maximum age (and clock skew) in seconds. Default 300. */
  toleranceSeconds?: number
  /** The receiver's clock in unix seconds; for tests. Default now. */
  now?: number
}

/**
 * Checks a webhook delivery from Refline and returns its parsed JSON body. Pass the raw body
 * exactly as received: re-serialised JSON differs byte for byte and never verifies.
 * Rejects with `ReflineSignatureError` when the header is missing or malformed, no signature
 * matches, or the timestamp is outside the tolerance.
 *
 * @example
 * ```ts
 * app.post('/webhooks/refline', express.raw({ type: 'application/json' }), async (req, res) => {
 *   try {
 *     const event = await verifyWebhook(req.body, req.get('refline-signature'), process.env.REFLINE_WEBHOOK_SECRET!)
 *     res.sendStatus(200)
 *   } catch {
 *     res.sendStatus(400)
 *   }
 * })
 * ```
 */
export async function verifyWebhook<T = unknown>(
  payload: WebhookPayload,
  header: string | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<T> {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  const now = options.now ?? Math.floor(Date.now() / 1000)
  const parsed = parseSignatureHeader(header)
  if (!parsed) throw signatureError(`Missing or malformed ${SIGNATURE_HEADER} header`)
  if (Math.abs(now - parsed.timestamp) > tolerance) {
    throw signatureError(`Webhook timestamp is more than ${tolerance} s away from now`)
  }
  const expected = await hmac(secret, parsed.timestamp, payload)
  // Every candidate is compared in full, so timing reveals neither which one nor how much matched.
  let matched = false
  for (const candidate of parsed.signatures) {
    if (timingSafeEqual(expected, candidate)) matched = true
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
 * Produces the `Refline-Signature` header for a payload: what the collector sends, and what your
 * tests need to fake a delivery to your own webhook handler.
 *
 * @example
 * ```ts
 * const body = JSON.stringify({ type: 'commission.approved', id: 'com_123' })
 * const header = await signWebhook(body, 'whsec_test')
 * await fetch('http://localhost:3000/webhooks/refline', { method: 'POST', body, headers: { 'refline-signature': header } })
 * ```
 */
export async function signWebhook(
  payload: WebhookPayload,
  secret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  return `t=${timestamp},v1=${toHex(await hmac(secret, timestamp, payload))}`
}

function parseSignatureHeader(
  header: string | null | undefined,
): { timestamp: number; signatures: Uint8Array[] } | undefined {
  if (!header) return undefined
  let timestamp: number | undefined
  const signatures: Uint8Array[] = []
  for (const part of header.split(',')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    if (key === 'v1') {
      const bytes = fromHex(value)
      if (bytes) signatures.push(bytes)
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined
  return { timestamp, signatures }
}

async function hmac(secret: string, timestamp: number, payload: WebhookPayload): Promise<Uint8Array> {
  const encoder = new TextEncoder()
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const prefix = encoder.encode(`${timestamp}.`)
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
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

function signatureError(message: string): ReflineSignatureError {
  return new ReflineSignatureError(message, { code: 'invalid_signature' })
}
