/**
 * Affiliates' promotion codes (`promo_codes: ["JANE20", …]` on create and patch). Unique per
 * program and matched case-insensitively, as Stripe matches them: stored lower-cased, shown as
 * written. A checkout that used one (and `promo_code` on signups and conversions) attributes to
 * its affiliate when there is no click; Stripe's id for each code is learned from
 * `promotion_code.*` events, since a checkout session names only the id.
 */
import { and, eq, inArray, ne } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { z } from 'zod'
import { promoCodes } from '../db/schema'
import { ApiError } from '../lib/errors'

export const MAX_PROMO_CODES = 20

export const promoCodeString = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, "-" or "_"')

/** `promo_codes` on `POST/PATCH /v1/affiliates`: distinct codes, whatever their case. */
export const promoCodesInput = z
  .array(promoCodeString, { error: 'must be an array of promotion codes' })
  .max(MAX_PROMO_CODES, `at most ${MAX_PROMO_CODES} codes`)
  .refine(
    (codes) => new Set(codes.map((c) => c.toLowerCase())).size === codes.length,
    'lists the same code twice (codes are matched case-insensitively)',
  )

/** Refuses (409) codes that another affiliate of the program already has. */
export async function assertPromoCodesFree(
  db: D1Database,
  programId: string,
  codes: string[],
  affiliateId: string | null,
): Promise<void> {
  if (!codes.length) return
  const lower = codes.map((c) => c.toLowerCase())
  const taken = await drizzle(db)
    .select({ code: promoCodes.display })
    .from(promoCodes)
    .where(
      and(
        eq(promoCodes.programId, programId),
        inArray(promoCodes.code, lower),
        ...(affiliateId ? [ne(promoCodes.affiliateId, affiliateId)] : []),
      ),
    )
    .get()
  if (taken) {
    throw new ApiError(
      'conflict',
      `The promotion code "${taken.code}" belongs to another affiliate`,
      'promo_codes',
    )
  }
}

/**
 * Makes `codes` the affiliate's promotion codes, in one batch. A code it keeps keeps its learned
 * Stripe ids; a code taken meanwhile by another affiliate is not moved (the guard on the upsert).
 */
export async function replacePromoCodes(
  db: D1Database,
  programId: string,
  affiliateId: string,
  codes: string[],
): Promise<void> {
  const now = new Date().toISOString()
  const lower = codes.map((c) => c.toLowerCase())
  const statements = [
    lower.length
      ? db
          .prepare(
            `DELETE FROM promo_codes WHERE program_id = ? AND affiliate_id = ? AND code NOT IN (${lower.map(() => '?').join(', ')})`,
          )
          .bind(programId, affiliateId, ...lower)
      : db
          .prepare('DELETE FROM promo_codes WHERE program_id = ? AND affiliate_id = ?')
          .bind(programId, affiliateId),
    ...codes.map((display) =>
      db
        .prepare(
          `INSERT INTO promo_codes (program_id, code, display, affiliate_id, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (program_id, code) DO UPDATE SET display = excluded.display
           WHERE promo_codes.affiliate_id = excluded.affiliate_id`,
        )
        .bind(programId, display.toLowerCase(), display, affiliateId, now),
    ),
  ]
  await db.batch(statements)
}

/** Each affiliate's promotion codes as written, for the affiliate answers. */
export async function promoCodesByAffiliate(
  db: D1Database,
  programId: string,
  affiliateIds?: string[],
): Promise<Map<string, string[]>> {
  const rows = await drizzle(db)
    .select({ affiliateId: promoCodes.affiliateId, display: promoCodes.display })
    .from(promoCodes)
    .where(
      affiliateIds
        ? and(eq(promoCodes.programId, programId), inArray(promoCodes.affiliateId, affiliateIds))
        : eq(promoCodes.programId, programId),
    )
    .orderBy(promoCodes.createdAt, promoCodes.code)
    .all()
  const out = new Map<string, string[]>()
  for (const r of rows) out.set(r.affiliateId, [...(out.get(r.affiliateId) ?? []), r.display])
  return out
}
