/**
 * Signed tokens (session cookies, short-lived live tokens, CSRF tokens): HMAC-SHA256 over a
 * JSON payload, keyed from the ADMIN_TOKEN secret with WebCrypto. Nothing is stored server-side,
 * so rotating ADMIN_TOKEN invalidates every session and live token at once (everyone signs out).
 */
import type { Env } from './env'

const encoder = new TextEncoder()
const keyCache = new Map<string, Promise<CryptoKey>>()

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64url(s: string): Uint8Array | null {
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0))
  } catch {
    return null
  }
}

/** The signing key: derived from ADMIN_TOKEN with a fixed label so it is never the token itself. */
function signingKey(env: Env): Promise<CryptoKey> | null {
  const secret = env.ADMIN_TOKEN
  if (!secret) return null
  let key = keyCache.get(secret)
  if (!key) {
    key = crypto.subtle
      .importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then((base) => crypto.subtle.sign('HMAC', base, encoder.encode('refline/signing-key/v1')))
      .then((raw) =>
        crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
      )
    keyCache.clear()
    keyCache.set(secret, key)
  }
  return key
}

/** HMAC of a string, base64url; used for CSRF tokens bound to a session. */
export async function mac(env: Env, message: string): Promise<string> {
  const key = signingKey(env)
  if (!key) throw new Error('ADMIN_TOKEN is not configured')
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, encoder.encode(message))))
}

/** `base64url(payload).base64url(hmac)`; the payload carries its own kind and expiry. */
export async function signToken<T extends { kind: string; exp: number }>(
  env: Env,
  payload: T,
): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(payload)))
  return `${body}.${await mac(env, body)}`
}

/** The payload of a valid, unexpired token of the given kind, or null. */
export async function verifyToken<T extends { kind: string; exp: number }>(
  env: Env,
  token: string | null | undefined,
  kind: T['kind'],
  now = Date.now(),
): Promise<T | null> {
  if (!token || token.length > 2048) return null
  const key = signingKey(env)
  if (!key) return null
  const [body, sig, extra] = token.split('.')
  if (!body || !sig || extra !== undefined) return null
  const sigBytes = fromBase64url(sig)
  if (!sigBytes) return null
  const ok = await crypto.subtle.verify('HMAC', await key, sigBytes, encoder.encode(body))
  if (!ok) return null
  const bytes = fromBase64url(body)
  if (!bytes) return null
  let payload: T
  try {
    payload = JSON.parse(new TextDecoder().decode(bytes)) as T
  } catch {
    return null
  }
  if (payload.kind !== kind || typeof payload.exp !== 'number' || payload.exp <= now) return null
  return payload
}
