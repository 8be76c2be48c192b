/**
 * API key and admin-token authentication. Keys are stored as sha256 hashes; the plaintext is
 * shown once when a program is created. Publishable keys (pk_) are only valid for clicks.
 */
import { createMiddleware } from 'hono/factory'
import type { Mode } from '../shared'
import { sha256Hex, timingSafeEqual } from './crypto'
import type { AppEnv, AuthContext, Env } from './env'
import { ApiError } from './errors'

const KEY_PATTERN = /^(pk|sk)_(live|test)_[A-Za-z0-9]{16,64}$/

export interface ResolvedKey extends AuthContext {
  kind: 'publishable' | 'secret'
}

/**
 * Publishable keys are public (they ship in every page), so a short per-isolate cache of their
 * lookup is safe and keeps the click path at zero D1 reads. Secret keys are looked up every time
 * so a revoked secret key stops working at once.
 */
const publishableCache = new Map<string, { value: ResolvedKey | null; expires: number }>()
const PUBLISHABLE_TTL_MS = 60_000

export async function resolveKey(env: Env, key: string): Promise<ResolvedKey | null> {
  const match = KEY_PATTERN.exec(key)
  if (!match) return null
  const kind = match[1] === 'pk' ? 'publishable' : 'secret'
  const now = Date.now()
  if (kind === 'publishable') {
    const hit = publishableCache.get(key)
    if (hit && hit.expires > now) return hit.value
  }
  const hash = await sha256Hex(key)
  const row = await env.DB.prepare(
    'SELECT id, program_id, kind, mode FROM api_keys WHERE hash = ? AND revoked_at IS NULL',
  )
    .bind(hash)
    .first<{ id: string; program_id: string; kind: 'publishable' | 'secret'; mode: Mode }>()
  const value = row ? { keyId: row.id, programId: row.program_id, mode: row.mode, kind: row.kind } : null
  if (kind === 'publishable') publishableCache.set(key, { value, expires: now + PUBLISHABLE_TTL_MS })
  return value
}

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
  if (resolved?.kind !== 'secret') throw new ApiError('unauthorized', 'Invalid or revoked secret key')
  c.set('auth', { programId: resolved.programId, mode: resolved.mode, keyId: resolved.keyId })
  await next()
})

/**
 * The admin token is the one password of a deployment and sign-in has no attempt counter, so a
 * token short enough to guess is refused outright rather than accepted.
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
  if (!isAdminToken(c.env, bearer(c.req.header('authorization')))) {
    throw new ApiError('unauthorized', 'Invalid admin token')
  }
  await next()
})
