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

import { and, eq, isNotNull, isNull, or } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { affiliates, programs } from '../db/schema'
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

/** Hashes the legacy plaintext token of this affiliate, if it still has that one. */
function hashLegacyToken(db: D1Database, id: string, token: string, hash: string) {
  return drizzle(db)
    .update(affiliates)
    .set({ portalTokenHash: hash, portalToken: null })
    .where(and(eq(affiliates.id, id), eq(affiliates.portalToken, token)))
}

/** The affiliate row whose portal token this is: by its hash, or a legacy plaintext token. */
function tokenMatches(token: string, hash: string) {
  return or(
    eq(affiliates.portalTokenHash, hash),
    and(eq(affiliates.portalToken, token), isNull(affiliates.portalTokenHash)),
  )
}

/** An active affiliate by portal token: the program, its mode and id; null when unknown or disabled. */
export async function affiliateByPortalToken(db: D1Database, token: string): Promise<PortalAffiliate | null> {
  if (!PORTAL_TOKEN.test(token)) return null
  const hash = await portalTokenHash(token)
  const found = await drizzle(db)
    .select({
      id: affiliates.id,
      programId: affiliates.programId,
      mode: affiliates.mode,
      status: affiliates.status,
      portalTokenHash: affiliates.portalTokenHash,
    })
    .from(affiliates)
    .where(tokenMatches(token, hash))
    .get()
  if (!found) return null
  if (found.portalTokenHash === null) await hashLegacyToken(db, found.id, token, hash)
  if (found.status !== 'active') return null
  return { id: found.id, program_id: found.programId, mode: found.mode }
}

/**
 * The portal pages' lookup: an active affiliate's whole row and its program's, by portal token, in
 * one D1 query (the token and then the affiliate with its program were two round trips in a row on
 * every portal load). Null when the token is unknown or the affiliate disabled.
 */
export async function portalAffiliateWithProgram(
  db: D1Database,
  token: string,
): Promise<{ affiliate: typeof affiliates.$inferSelect; program: typeof programs.$inferSelect } | null> {
  if (!PORTAL_TOKEN.test(token)) return null
  const hash = await portalTokenHash(token)
  const found = await drizzle(db)
    .select({ affiliate: affiliates, program: programs })
    .from(affiliates)
    .innerJoin(programs, eq(programs.id, affiliates.programId))
    .where(tokenMatches(token, hash))
    .get()
  if (!found) return null
  if (found.affiliate.portalTokenHash === null) {
    await hashLegacyToken(db, found.affiliate.id, token, hash)
    found.affiliate = { ...found.affiliate, portalTokenHash: hash, portalToken: null }
  }
  if (found.affiliate.status !== 'active') return null
  return found
}

/** Hashes every remaining plaintext portal token (affiliates created before tokens were hashed). */
export async function hashLegacyPortalTokens(db: D1Database, limit = 500): Promise<number> {
  const orm = drizzle(db)
  const rows = await orm
    .select({ id: affiliates.id, portalToken: affiliates.portalToken })
    .from(affiliates)
    .where(isNotNull(affiliates.portalToken))
    .limit(limit)
  const hashes = await Promise.all(rows.map((r) => portalTokenHash(r.portalToken ?? '')))
  // Built after the hashes: a drizzle query awaited (as Promise.all would) runs at once.
  const [first, ...rest] = rows.map((r, i) => hashLegacyToken(db, r.id, r.portalToken ?? '', hashes[i] ?? ''))
  if (!first) return 0
  await orm.batch([first, ...rest])
  return rows.length
}
