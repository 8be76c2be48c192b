/**
 * API key and admin-token authentication. Keys are stored as sha256 hashes; the plaintext is
 * shown once when a program is created. Publishable keys (pk_) are only valid for clicks.
 */
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Mode } from '../shared'
import { BoundedCache } from './bounded-cache'
import { sha256Hex, timingSafeEqual } from './crypto'
import type { AppEnv, AuthContext, Env } from './env'
import { ApiError } from './errors'
import { AUTH_FAILURE, clientIp, rateLimited, withinLimit } from './rate-limit'

const KEY_PATTERN = /^(pk|sk)_(live|test)_[A-Za-z0-9]{16,64}$/

export interface ResolvedKey extends AuthContext {
  kind: 'publishable' | 'secret'
}

/**
 * Publishable keys are public (they ship in every page), so a short per-isolate cache of their
 * lookup is safe and keeps the click path at zero D1 reads. Secret keys are looked up every time
 * so a revoked secret key stops working at once.
 *
 * Both caches are bounded and least-recently-used first out. Unknown keys (anyone can send any
 * string) are kept apart, in a small map with a short life, so a flood of made-up keys can
 * neither grow memory nor push the real keys out; their D1 reads are bounded by the failed-auth
 * rate limit per IP.
 */
const KEY_CACHE_MAX = 1_000
const MISS_CACHE_MAX = 200
const PUBLISHABLE_TTL_MS = 60_000
const MISS_TTL_MS = 10_000
/** Most publishable-key lookups kept per isolate, misses included. */
export const PUBLISHABLE_CACHE_MAX = KEY_CACHE_MAX + MISS_CACHE_MAX

const publishableKeys = new BoundedCache<ResolvedKey>({ maxEntries: KEY_CACHE_MAX })
const unknownPublishableKeys = new BoundedCache<null>({ maxEntries: MISS_CACHE_MAX })

/** Entries in this isolate's publishable-key caches (for tests and debugging). */
export function publishableCacheSize(): number {
  return publishableKeys.size + unknownPublishableKeys.size
}

export async function resolveKey(env: Env, key: string): Promise<ResolvedKey | null> {
  const match = KEY_PATTERN.exec(key)
  if (!match) return null
  const kind = match[1] === 'pk' ? 'publishable' : 'secret'
  const now = Date.now()
  if (kind === 'publishable') {
    const hit = publishableKeys.get(key, now)
    if (hit) return hit
    if (unknownPublishableKeys.get(key, now) === null) return null
  }
  const hash = await sha256Hex(key)
  const row = await env.DB.prepare(
    'SELECT id, program_id, kind, mode FROM api_keys WHERE hash = ? AND revoked_at IS NULL',
  )
    .bind(hash)
    .first<{ id: string; program_id: string; kind: 'publishable' | 'secret'; mode: Mode }>()
  const value = row ? { keyId: row.id, programId: row.program_id, mode: row.mode, kind: row.kind } : null
  if (kind === 'publishable') {
    if (value) publishableKeys.set(key, value, now + PUBLISHABLE_TTL_MS)
    else unknownPublishableKeys.set(key, null, now + MISS_TTL_MS)
  }
  return value
}

/**
 * A failed key authentication: counted per client IP, and `429 rate_limited` once the IP is
 * over the limit, else the given 401. Only failures count, so a busy backend is never limited.
 */
export async function authFailure(c: Context, error: ApiError): Promise<never> {
  const ip = clientIp(c)
  if (!(await withinLimit(c.env as Env, AUTH_FAILURE, `ip:${ip}`))) {
    refusedIps.set(ip, true, Date.now() + AUTH_FAILURE.period * 1000)
    throw rateLimited(AUTH_FAILURE, 'Too many failed authentications from this address; retry later')
  }
  throw error
}

/**
 * Addresses this isolate refused for failed authentication, until the limit's period ends. The
 * admin token may be a human-chosen password, so from such an address it is not even compared:
 * a right guess would otherwise still get through between the 429s. (Secret keys carry ~143
 * random bits; there only failures count, so a busy backend sharing the address keeps working.)
 */
const refusedIps = new BoundedCache<true>({ maxEntries: 1_000 })

function bearer(header: string | undefined): string | null {
  if (!header) return null
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim())
  return m?.[1] ?? null
}

/** `Authorization: Bearer sk_live_…|sk_test_…` on every secret-key endpoint. */
export const requireSecretKey = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearer(c.req.header('authorization'))
  if (!token) throw new ApiError('unauthorized', 'Missing Authorization: Bearer <secret key>')
  if (token.startsWith('pk_')) {
    throw new ApiError('forbidden', 'A publishable key can only send clicks; use a secret key (sk_…)')
  }
  const resolved = await resolveKey(c.env, token)
  if (resolved?.kind !== 'secret')
    return authFailure(c, new ApiError('unauthorized', 'Invalid or revoked secret key'))
  c.set('auth', { programId: resolved.programId, mode: resolved.mode, keyId: resolved.keyId })
  await next()
})

/**
 * The admin token is the one password of a deployment: besides the sign-in attempt limit, a token
 * short enough to guess is refused outright rather than accepted.
 */
export const MIN_ADMIN_TOKEN_LENGTH = 16

function adminTokenUsable(env: Env): env is Env & { ADMIN_TOKEN: string } {
  return !!env.ADMIN_TOKEN && env.ADMIN_TOKEN.length >= MIN_ADMIN_TOKEN_LENGTH
}

export function isAdminToken(env: Env, token: string | null | undefined): boolean {
  return adminTokenUsable(env) && !!token && timingSafeEqual(token, env.ADMIN_TOKEN)
}

/** The deployment's ADMIN_TOKEN secret: creates programs and manages keys. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!adminTokenUsable(c.env)) {
    throw new ApiError(
      'unauthorized',
      `ADMIN_TOKEN is not configured on this deployment or is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters`,
    )
  }
  if (refusedIps.get(clientIp(c), Date.now())) {
    throw rateLimited(AUTH_FAILURE, 'Too many failed authentications from this address; retry later')
  }
  if (!isAdminToken(c.env, bearer(c.req.header('authorization')))) {
    return authFailure(c, new ApiError('unauthorized', 'Invalid admin token'))
  }
  await next()
})
