/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): endpoint secrets are
 * `whsec_<base64 of 32 random bytes>`, and a delivery carries
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the decoded bytes.
 * WebCrypto only.
 */

const SECRET_PREFIX = 'whsec_'
const encoder = new TextEncoder()

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

/** A new endpoint secret: 256 random bits, base64, with the `whsec_` prefix. */
export function newEndpointSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`
}

/** The HMAC key bytes of a `whsec_…` secret. */
export function secretKeyBytes(secret: string): Uint8Array {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
}

/** `v1,<signature>` for one attempt of a delivery (the timestamp is the attempt's, in Unix seconds). */
export async function signDelivery(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    secretKeyBytes(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${body}`))
  return `v1,${toBase64(new Uint8Array(mac))}`
}

/** The three Standard Webhooks headers of one attempt. */
export async function deliveryHeaders(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': await signDelivery(secret, id, timestamp, body),
  }
}
