/**
 * Portal tokens, the credential in an affiliate's portal link (`/portal/<token>`): 32 random
 * base62 characters (~190 bits), stored only as a sha256, like API keys. The link is shown in the
 * answer that creates the affiliate and in `POST /v1/affiliates/:id/portal-link`, which replaces
 * it; the old one stops working at once.
 *
 * Affiliates created before tokens were hashed still have the plaintext in `portal_token` (SQL
 * has no sha256, so the migration could not hash them). Such a token is hashed the first time it
 * is used, and `hashLegacyPortalTokens` (hourly maintenance) hashes the rest.
 */

import type { Mode } from '../shared'
import { randomToken, sha256Hex } from './crypto'

const PORTAL_TOKEN = /^[A-Za-z0-9]{16,64}$/

export function newPortalToken(): string {
  return randomToken(32)
}

export function portalTokenHash(token: string): Promise<string> {
  return sha256Hex(`portal:${token}`)
}

export interface PortalAffiliate {
  id: string
  program_id: string
  mode: Mode
}

/** An active affiliate by portal token: the program, its mode and id; null when unknown or disabled. */
export async function affiliateByPortalToken(db: D1Database, token: string): Promise<PortalAffiliate | null> {
  if (!PORTAL_TOKEN.test(token)) return null
  const hash = await portalTokenHash(token)
  const found = await db
    .prepare(
      `SELECT id, program_id, mode, status, portal_token_hash FROM affiliates
        WHERE portal_token_hash = ?1 OR (portal_token = ?2 AND portal_token_hash IS NULL)`,
    )
    .bind(hash, token)
    .first<PortalAffiliate & { status: string; portal_token_hash: string | null }>()
  if (!found) return null
  if (found.portal_token_hash === null) {
    await db
      .prepare(
        'UPDATE affiliates SET portal_token_hash = ?, portal_token = NULL WHERE id = ? AND portal_token = ?',
      )
      .bind(hash, found.id, token)
      .run()
  }
  if (found.status !== 'active') return null
  return { id: found.id, program_id: found.program_id, mode: found.mode }
}

/** Hashes every remaining plaintext portal token (affiliates created before tokens were hashed). */
export async function hashLegacyPortalTokens(db: D1Database, limit = 500): Promise<number> {
  const { results } = await db
    .prepare('SELECT id, portal_token FROM affiliates WHERE portal_token IS NOT NULL LIMIT ?')
    .bind(limit)
    .all<{ id: string; portal_token: string }>()
  if (!results.length) return 0
  const statements = await Promise.all(
    results.map(async (r) =>
      db
        .prepare(
          'UPDATE affiliates SET portal_token_hash = ?, portal_token = NULL WHERE id = ? AND portal_token = ?',
        )
        .bind(await portalTokenHash(r.portal_token), r.id, r.portal_token),
    ),
  )
  await db.batch(statements)
  return results.length
}
