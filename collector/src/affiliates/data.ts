/**
 * The affiliates data module: rows typed from the drizzle schema, the one lookup by id or code,
 * the lists, and the row writes. D1 only: reloading the hub, webhooks and sockets are the
 * caller's (affiliates/service.ts for the API's own changes).
 *
 * Modes: an affiliate belongs to one mode, but test events may be credited to live affiliates,
 * so a test key may see every affiliate while a live key sees live ones only (`visibleTo`).
 */
import { and, asc, desc, eq, or, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { affiliates, commissions, conversions, type programs, signups } from '../db/schema'
import { isUniqueViolation } from '../hub/d1-writes'
import type { AffiliateStatus, Mode } from '../shared'

export type AffiliateRow = typeof affiliates.$inferSelect
/** What lists of affiliates (stats, filters) show of each. */
export type AffiliateRef = Pick<AffiliateRow, 'id' | 'code' | 'name'>
export type ProgramRow = typeof programs.$inferSelect

export interface FindAffiliateOptions {
  /** The mode of the key asking: `live` sees live affiliates only, `test` every one; absent: every one. */
  visibleTo?: Mode | undefined
}

/** Live keys see live affiliates only; test keys (and callers without a key) see every one. */
function visibleTo(mode: Mode | undefined) {
  return mode === 'live' ? eq(affiliates.mode, 'live') : undefined
}

/**
 * The program's affiliate with this id, or with this code in any case (codes are stored
 * lower-case); an id wins over another affiliate's code. Undefined when the program has none
 * that the asker may see.
 *
 * @example
 * const row = await findAffiliate(env.DB, programId, 'Jane', { visibleTo: 'live' })
 */
export async function findAffiliate(
  db: D1Database,
  programId: string,
  idOrCode: string,
  options: FindAffiliateOptions = {},
): Promise<AffiliateRow | undefined> {
  return drizzle(db)
    .select()
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        or(eq(affiliates.id, idOrCode), eq(affiliates.code, idOrCode.toLowerCase())),
        visibleTo(options.visibleTo),
      ),
    )
    .orderBy(desc(eq(affiliates.id, idOrCode)))
    .get()
}

export interface ListAffiliatesOptions extends FindAffiliateOptions {
  status?: AffiliateStatus | undefined
}

/** The program's affiliates the asker may see (with `status`, only those), oldest first. */
export function listAffiliates(
  db: D1Database,
  programId: string,
  options: ListAffiliatesOptions = {},
): Promise<AffiliateRow[]> {
  return drizzle(db)
    .select()
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        visibleTo(options.visibleTo),
        options.status ? eq(affiliates.status, options.status) : undefined,
      ),
    )
    .orderBy(asc(affiliates.createdAt))
}

/**
 * The affiliates a stats answer lists, oldest first: live stats list live affiliates only, test
 * stats every affiliate (test events may credit any); with `affiliateId`, that one only.
 */
export function statsAffiliates(db: D1Database, programId: string, mode: Mode, affiliateId?: string | null) {
  return drizzle(db)
    .select({ id: affiliates.id, code: affiliates.code, name: affiliates.name })
    .from(affiliates)
    .where(
      and(
        eq(affiliates.programId, programId),
        visibleTo(mode),
        affiliateId ? eq(affiliates.id, affiliateId) : undefined,
      ),
    )
    .orderBy(asc(affiliates.createdAt))
}

/** Every affiliate of the program, by name in any case, for the dashboard's filters. */
export function affiliatesByName(db: D1Database, programId: string): Promise<AffiliateRef[]> {
  return drizzle(db)
    .select({ id: affiliates.id, code: affiliates.code, name: affiliates.name })
    .from(affiliates)
    .where(eq(affiliates.programId, programId))
    .orderBy(sql`${affiliates.name} COLLATE NOCASE`)
}

/** Whether the program has this affiliate and it is `active` (the only status that earns and follows live). */
export async function isActiveAffiliate(
  db: D1Database,
  programId: string,
  affiliateId: string,
): Promise<boolean> {
  const row = await drizzle(db)
    .select({ id: affiliates.id })
    .from(affiliates)
    .where(
      and(
        eq(affiliates.id, affiliateId),
        eq(affiliates.programId, programId),
        eq(affiliates.status, 'active'),
      ),
    )
    .get()
  return row !== undefined
}

/** Inserts the row; false when its code (or another unique column) is already taken. */
export async function insertAffiliateRow(db: D1Database, row: AffiliateRow): Promise<boolean> {
  try {
    await drizzle(db).insert(affiliates).values(row)
    return true
  } catch (err) {
    if (isUniqueViolation(err, 'affiliates')) return false
    throw err
  }
}

/** Writes every column of the row over the stored one with its id. */
export async function updateAffiliateRow(db: D1Database, row: AffiliateRow): Promise<void> {
  await drizzle(db).update(affiliates).set(row).where(eq(affiliates.id, row.id))
}

/** Replaces the affiliate's portal token by this hash (a legacy plaintext token is dropped). */
export async function setPortalTokenHash(db: D1Database, affiliateId: string, hash: string): Promise<void> {
  await drizzle(db)
    .update(affiliates)
    .set({ portalToken: null, portalTokenHash: hash, updatedAt: new Date().toISOString() })
    .where(eq(affiliates.id, affiliateId))
}

/** One affiliate of one program and mode: what the portal shows is scoped to it. */
export interface AffiliateScope {
  programId: string
  mode: Mode
  affiliateId: string
}

/** The affiliate's latest signups, conversions and commissions (newest first), as the portal lists them. */
export async function recentActivity(db: D1Database, self: AffiliateScope, limit: number) {
  const orm = drizzle(db)
  const [signupRows, conversionRows, commissionRows] = await orm.batch([
    orm
      .select({ at: signups.occurredAt })
      .from(signups)
      .where(
        and(
          eq(signups.programId, self.programId),
          eq(signups.mode, self.mode),
          eq(signups.affiliateId, self.affiliateId),
        ),
      )
      .orderBy(desc(signups.occurredAt))
      .limit(limit),
    orm
      .select({
        at: conversions.occurredAt,
        amount: conversions.amount,
        currency: conversions.currency,
        refunded_amount: conversions.refundedAmount,
      })
      .from(conversions)
      .where(
        and(
          eq(conversions.programId, self.programId),
          eq(conversions.mode, self.mode),
          eq(conversions.affiliateId, self.affiliateId),
        ),
      )
      .orderBy(desc(conversions.occurredAt))
      .limit(limit),
    orm
      .select({
        at: commissions.createdAt,
        amount: commissions.amount,
        original_amount: commissions.originalAmount,
        currency: commissions.currency,
        status: commissions.status,
        reason: commissions.reason,
        due_at: commissions.dueAt,
      })
      .from(commissions)
      .where(
        and(
          eq(commissions.programId, self.programId),
          eq(commissions.mode, self.mode),
          eq(commissions.affiliateId, self.affiliateId),
        ),
      )
      .orderBy(desc(commissions.createdAt))
      .limit(limit),
  ])
  return { signups: signupRows, conversions: conversionRows, commissions: commissionRows }
}
