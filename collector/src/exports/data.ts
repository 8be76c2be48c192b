/**
 * The exports' data module: affiliates, conversions and commissions read page by page with keyset
 * pagination (`(created_at, id)` or `(occurred_at, id)` strictly after the last row seen), so an
 * export of any size holds one page in memory and no query grows with the offset. Rows are typed
 * from the drizzle schema; every read is scoped to one program and one mode (a test key exports
 * test data only, a live export never includes it).
 */
import { and, asc, desc, eq, gt, gte, inArray, lte, or, type SQL } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { affiliates, commissions, conversions } from '../db/schema'
import type { CommissionStatus, Mode } from '../shared'

/** Rows per D1 query: small enough for Worker memory, large enough that a 100k export is 200 queries. */
export const EXPORT_PAGE = 500

export type AffiliateRow = typeof affiliates.$inferSelect
export type ConversionRow = typeof conversions.$inferSelect
export type CommissionRow = typeof commissions.$inferSelect

export interface ConversionWithAffiliate extends ConversionRow {
  affiliateCode: string | null
}
export interface CommissionWithAffiliate extends CommissionRow {
  affiliateCode: string
  affiliateName: string
  sub: string | null
}

export interface ConversionFilter {
  /** Occurred at or after / at or before (ms). */
  from: number | null
  to: number | null
  /** A resolved affiliate id. */
  affiliateId?: string | undefined
  customerId?: string | undefined
}

export interface CommissionExportFilter {
  statuses?: CommissionStatus[] | undefined
  affiliateId?: string | undefined
  from: number | null
  to: number | null
}

/** Strictly after `(key, id)` in ascending order. */
function after(keyCol: SQLiteColumn, idCol: SQLiteColumn, key: string, id: string): SQL | undefined {
  return or(gt(keyCol, key), and(eq(keyCol, key), gt(idCol, id)))
}

/** Every affiliate of the program created in `mode` (with `status`, only those), oldest first, one page at a time. */
export async function* affiliatePages(
  db: D1Database,
  programId: string,
  mode: Mode,
  status?: AffiliateRow['status'],
): AsyncGenerator<AffiliateRow[]> {
  let last: { key: string; id: string } | null = null
  for (;;) {
    const page: AffiliateRow[] = await drizzle(db)
      .select()
      .from(affiliates)
      .where(
        and(
          eq(affiliates.programId, programId),
          eq(affiliates.mode, mode),
          status ? eq(affiliates.status, status) : undefined,
          last ? after(affiliates.createdAt, affiliates.id, last.key, last.id) : undefined,
        ),
      )
      .orderBy(asc(affiliates.createdAt), asc(affiliates.id))
      .limit(EXPORT_PAGE)
    if (page.length) yield page
    if (page.length < EXPORT_PAGE) return
    const tail = page[page.length - 1] as AffiliateRow
    last = { key: tail.createdAt, id: tail.id }
  }
}

function conversionWhere(programId: string, mode: Mode, f: ConversionFilter) {
  return [
    eq(conversions.programId, programId),
    eq(conversions.mode, mode),
    f.from != null ? gte(conversions.occurredAt, new Date(f.from).toISOString()) : undefined,
    f.to != null ? lte(conversions.occurredAt, new Date(f.to).toISOString()) : undefined,
    f.affiliateId ? eq(conversions.affiliateId, f.affiliateId) : undefined,
    f.customerId ? eq(conversions.customerId, f.customerId) : undefined,
  ]
}

function conversionQuery(db: D1Database) {
  return drizzle(db)
    .select({ conversion: conversions, affiliateCode: affiliates.code })
    .from(conversions)
    .leftJoin(affiliates, eq(affiliates.id, conversions.affiliateId))
}

/** The newest `limit` conversions that match, for the JSON list. */
export async function latestConversions(
  db: D1Database,
  programId: string,
  mode: Mode,
  f: ConversionFilter,
  limit: number,
): Promise<ConversionWithAffiliate[]> {
  const rows = await conversionQuery(db)
    .where(and(...conversionWhere(programId, mode, f)))
    .orderBy(desc(conversions.occurredAt), desc(conversions.id))
    .limit(limit)
  return rows.map((r) => ({ ...r.conversion, affiliateCode: r.affiliateCode }))
}

/** Every matching conversion, oldest first, one page at a time. */
export async function* conversionPages(
  db: D1Database,
  programId: string,
  mode: Mode,
  f: ConversionFilter,
): AsyncGenerator<ConversionWithAffiliate[]> {
  let last: { key: string; id: string } | null = null
  for (;;) {
    const rows = await conversionQuery(db)
      .where(
        and(
          ...conversionWhere(programId, mode, f),
          last ? after(conversions.occurredAt, conversions.id, last.key, last.id) : undefined,
        ),
      )
      .orderBy(asc(conversions.occurredAt), asc(conversions.id))
      .limit(EXPORT_PAGE)
    const page = rows.map((r) => ({ ...r.conversion, affiliateCode: r.affiliateCode }))
    if (page.length) yield page
    if (page.length < EXPORT_PAGE) return
    const tail = page[page.length - 1] as ConversionWithAffiliate
    last = { key: tail.occurredAt, id: tail.id }
  }
}

/** Every matching commission, oldest first, one page at a time. */
export async function* commissionPages(
  db: D1Database,
  programId: string,
  mode: Mode,
  f: CommissionExportFilter,
): AsyncGenerator<CommissionWithAffiliate[]> {
  let last: { key: string; id: string } | null = null
  for (;;) {
    const rows = await drizzle(db)
      .select({
        commission: commissions,
        affiliateCode: affiliates.code,
        affiliateName: affiliates.name,
        sub: conversions.sub,
      })
      .from(commissions)
      .innerJoin(affiliates, eq(affiliates.id, commissions.affiliateId))
      .leftJoin(conversions, eq(conversions.id, commissions.conversionId))
      .where(
        and(
          eq(commissions.programId, programId),
          eq(commissions.mode, mode),
          f.statuses?.length ? inArray(commissions.status, f.statuses) : undefined,
          f.affiliateId ? eq(commissions.affiliateId, f.affiliateId) : undefined,
          f.from != null ? gte(commissions.createdAt, new Date(f.from).toISOString()) : undefined,
          f.to != null ? lte(commissions.createdAt, new Date(f.to).toISOString()) : undefined,
          last ? after(commissions.createdAt, commissions.id, last.key, last.id) : undefined,
        ),
      )
      .orderBy(asc(commissions.createdAt), asc(commissions.id))
      .limit(EXPORT_PAGE)
    const page = rows.map((r) => ({
      ...r.commission,
      affiliateCode: r.affiliateCode,
      affiliateName: r.affiliateName,
      sub: r.sub,
    }))
    if (page.length) yield page
    if (page.length < EXPORT_PAGE) return
    const tail = page[page.length - 1] as CommissionWithAffiliate
    last = { key: tail.createdAt, id: tail.id }
  }
}
