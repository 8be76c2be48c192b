/**
 * The payouts data module: every D1 read of payouts, their lines and the commissions they
 * gather, with rows typed from the drizzle schema. Writes are statements as data (`Stmt`) for
 * the hub's batches: money state reaches D1 only through the hub.
 */
import { and, desc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { qb, toStmt } from '../db/builder'
import { affiliates, commissions, payoutItems, payouts } from '../db/schema'
import type { Stmt } from '../hub/types'
import type { Mode, PayoutItem, PayoutRecord } from '../shared'
import { type PayoutBalance, payoutTotals } from './select'

export type PayoutRow = typeof payouts.$inferSelect
export type PayoutItemRow = typeof payoutItems.$inferSelect

/** The commissions a new payout may gather for one program and mode, as a drizzle condition. */
function gatherable(programId: string, mode: Mode, periodEndIso: string) {
  return and(
    eq(commissions.programId, programId),
    eq(commissions.mode, mode),
    eq(commissions.status, 'approved'),
    isNull(commissions.payoutId),
    // Clawbacks are owed back whenever they were raised; earnings count up to the period end.
    or(eq(commissions.kind, 'clawback'), lte(commissions.createdAt, periodEndIso)),
  )
}

/** Balances per affiliate and currency of what a payout up to `periodEndIso` would gather. */
export function payoutBalances(
  db: D1Database,
  programId: string,
  mode: Mode,
  periodEndIso: string,
): Promise<PayoutBalance[]> {
  return drizzle(db)
    .select({
      affiliateId: commissions.affiliateId,
      currency: commissions.currency,
      amount: sql<number>`sum(${commissions.amount})`.mapWith(Number),
      count: sql<number>`count(*)`.mapWith(Number),
    })
    .from(commissions)
    .where(gatherable(programId, mode, periodEndIso))
    .groupBy(commissions.affiliateId, commissions.currency)
    .all()
}

/** Rows per multi-row INSERT: D1 binds at most 100 parameters per statement. */
const ITEM_ROWS_PER_INSERT = 16

export function insertPayoutStmts(payout: PayoutRow, items: PayoutItemRow[]): Stmt[] {
  const out: Stmt[] = [toStmt(qb.insert(payouts).values(payout))]
  for (let i = 0; i < items.length; i += ITEM_ROWS_PER_INSERT) {
    out.push(toStmt(qb.insert(payoutItems).values(items.slice(i, i + ITEM_ROWS_PER_INSERT))))
  }
  return out
}

/**
 * Assigns one line's commissions to the payout. The same condition as `payoutBalances`, run in
 * the same hub turn, so exactly the commissions that were summed are assigned (a commission
 * already in a payout can never be taken again: `payout_id IS NULL`).
 */
export function assignStmt(payout: PayoutRow, affiliateId: string, currency: string, nowIso: string): Stmt {
  return toStmt(
    qb
      .update(commissions)
      .set({ payoutId: payout.id, updatedAt: nowIso })
      .where(
        and(
          gatherable(payout.programId, payout.mode, payout.periodEnd),
          eq(commissions.affiliateId, affiliateId),
          eq(commissions.currency, currency),
        ),
      ),
  )
}

/** Marks a pending payout and its commissions paid. */
export function markPaidStmts(payoutId: string, nowIso: string): Stmt[] {
  return [
    toStmt(
      qb
        .update(payouts)
        .set({ status: 'paid', paidAt: nowIso })
        .where(and(eq(payouts.id, payoutId), eq(payouts.status, 'pending'))),
    ),
    toStmt(
      qb
        .update(commissions)
        .set({ status: 'paid', updatedAt: nowIso })
        .where(and(eq(commissions.payoutId, payoutId), eq(commissions.status, 'approved'))),
    ),
  ]
}

/** Builds the API shape of payouts from their rows, lines and commissions. */
async function assemble(db: D1Database, mode: Mode, rows: PayoutRow[]): Promise<PayoutRecord[]> {
  if (!rows.length) return []
  const ids = rows.map((r) => r.id)
  const d = drizzle(db)
  const [lines, members] = await Promise.all([
    d
      .select({
        payoutId: payoutItems.payoutId,
        affiliateId: payoutItems.affiliateId,
        currency: payoutItems.currency,
        amount: payoutItems.amount,
        code: affiliates.code,
        name: affiliates.name,
        email: affiliates.email,
        affiliateMode: affiliates.mode,
      })
      .from(payoutItems)
      .innerJoin(affiliates, eq(affiliates.id, payoutItems.affiliateId))
      .where(inArray(payoutItems.payoutId, ids))
      .orderBy(payoutItems.currency, affiliates.code)
      .all(),
    d
      .select({
        id: commissions.id,
        payoutId: commissions.payoutId,
        affiliateId: commissions.affiliateId,
        currency: commissions.currency,
      })
      .from(commissions)
      .where(inArray(commissions.payoutId, ids))
      .orderBy(commissions.createdAt, commissions.id)
      .all(),
  ])
  const commissionIds = new Map<string, string[]>()
  for (const m of members) {
    const key = `${m.payoutId}|${m.affiliateId}|${m.currency}`
    const list = commissionIds.get(key) ?? []
    list.push(m.id)
    commissionIds.set(key, list)
  }
  return rows.map((r) => {
    const items: PayoutItem[] = lines
      .filter((l) => l.payoutId === r.id)
      .map((l) => ({
        affiliate: {
          id: l.affiliateId,
          code: l.code,
          name: l.name,
          // A test key never sees a live affiliate's email.
          email: mode === 'test' && l.affiliateMode === 'live' ? null : l.email,
        },
        currency: l.currency,
        amount: l.amount,
        commission_ids: commissionIds.get(`${r.id}|${l.affiliateId}|${l.currency}`) ?? [],
      }))
    return {
      id: r.id,
      status: r.status,
      period_end: r.periodEnd,
      created_at: r.createdAt,
      paid_at: r.paidAt,
      items,
      totals: payoutTotals(items),
    }
  })
}

export async function findPayout(
  db: D1Database,
  programId: string,
  mode: Mode,
  id: string,
): Promise<PayoutRecord | null> {
  const row = await drizzle(db)
    .select()
    .from(payouts)
    .where(and(eq(payouts.id, id), eq(payouts.programId, programId), eq(payouts.mode, mode)))
    .get()
  if (!row) return null
  return (await assemble(db, mode, [row]))[0] ?? null
}

export async function listPayouts(
  db: D1Database,
  programId: string,
  mode: Mode,
  limit: number,
): Promise<PayoutRecord[]> {
  const rows = await drizzle(db)
    .select()
    .from(payouts)
    .where(and(eq(payouts.programId, programId), eq(payouts.mode, mode)))
    .orderBy(desc(payouts.createdAt), desc(payouts.id))
    .limit(limit)
    .all()
  return assemble(db, mode, rows)
}
