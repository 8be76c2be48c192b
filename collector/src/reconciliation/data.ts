/**
 * The D1 reads of reconciliation: which of Stripe's customers were referred, which invoices were
 * recorded as conversions, the invoice conversions of a range, and the refunds of a range that
 * raised a clawback. Lists of ids travel as one JSON parameter (`json_each`), not one bound
 * parameter each: D1 takes at most 100 per statement, and a range holds up to 2,000 invoices.
 */
import { and, desc, eq, gte, lte, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { alias } from 'drizzle-orm/sqlite-core'
import {
  affiliates,
  commissionEvents,
  commissions,
  conversions,
  customers,
  refunds,
  stripeDeferredInvoices,
} from '../db/schema'
import type { AffiliateRef, Mode } from '../shared'
import type { RecordedConversion, RecordedRefundAfterPayout } from './compare'

/** Rows read per list: one more than the bound tells the caller the range held more. */
export const MAX_ROWS = 2_000

interface Scope {
  programId: string
  mode: Mode
}

const inJson = (column: unknown, ids: string[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`

/** Customers among `customerIds` that an affiliate referred, with that affiliate. */
export async function referredCustomers(
  db: D1Database,
  s: Scope,
  customerIds: string[],
): Promise<Map<string, AffiliateRef>> {
  if (!customerIds.length) return new Map()
  const rows = await drizzle(db)
    .select({ customerId: customers.customerId, id: affiliates.id, code: affiliates.code })
    .from(customers)
    .innerJoin(affiliates, eq(affiliates.id, customers.affiliateId))
    .where(
      and(
        eq(customers.programId, s.programId),
        eq(customers.mode, s.mode),
        inJson(customers.customerId, customerIds),
      ),
    )
    .all()
  return new Map(rows.map((r) => [r.customerId, { id: r.id, code: r.code }]))
}

/** The event ids among `eventIds` that are recorded conversions (any date). */
export async function recordedConversionIds(
  db: D1Database,
  s: Scope,
  eventIds: string[],
): Promise<Set<string>> {
  if (!eventIds.length) return new Set()
  const rows = await drizzle(db)
    .select({ eventId: conversions.eventId })
    .from(conversions)
    .where(
      and(
        eq(conversions.programId, s.programId),
        eq(conversions.mode, s.mode),
        inJson(conversions.eventId, eventIds),
      ),
    )
    .all()
  return new Set(rows.map((r) => r.eventId))
}

/** Invoices among `invoiceIds` held for their checkout session: they are on their way. */
export async function heldInvoiceIds(db: D1Database, s: Scope, invoiceIds: string[]): Promise<Set<string>> {
  if (!invoiceIds.length) return new Set()
  const rows = await drizzle(db)
    .select({ invoiceId: stripeDeferredInvoices.invoiceId })
    .from(stripeDeferredInvoices)
    .where(
      and(
        eq(stripeDeferredInvoices.programId, s.programId),
        eq(stripeDeferredInvoices.mode, s.mode),
        inJson(stripeDeferredInvoices.invoiceId, invoiceIds),
      ),
    )
    .all()
  return new Set(rows.map((r) => r.invoiceId))
}

/** Conversions that occurred in [from, to] under a Stripe invoice id, newest first, at most MAX_ROWS + 1. */
export async function invoiceConversions(
  db: D1Database,
  s: Scope,
  range: { from: string; to: string },
): Promise<RecordedConversion[]> {
  const rows = await drizzle(db)
    .select({
      id: conversions.id,
      event_id: conversions.eventId,
      customer_id: conversions.customerId,
      amount: conversions.amount,
      currency: conversions.currency,
      occurred_at: conversions.occurredAt,
      affiliate_id: affiliates.id,
      affiliate_code: affiliates.code,
    })
    .from(conversions)
    .leftJoin(affiliates, eq(affiliates.id, conversions.affiliateId))
    .where(
      and(
        eq(conversions.programId, s.programId),
        eq(conversions.mode, s.mode),
        // GLOB, not LIKE: `_` is a literal there, and the comparison is case-sensitive like ids.
        sql`${conversions.eventId} GLOB 'in_*'`,
        gte(conversions.occurredAt, range.from),
        lte(conversions.occurredAt, range.to),
      ),
    )
    .orderBy(desc(conversions.occurredAt))
    .limit(MAX_ROWS + 1)
    .all()
  return rows.map(({ affiliate_id, affiliate_code, ...r }) => ({
    ...r,
    affiliate: affiliate_id && affiliate_code ? { id: affiliate_id, code: affiliate_code } : null,
  }))
}

/**
 * Refunds recorded in [from, to] that clawed back a commission already paid out (or in a
 * payout): hub/refund.ts raises a `clawback` commission on the refunded conversion, and its
 * `created` history row names the refund. Newest first, at most MAX_ROWS + 1.
 */
export async function refundsAfterPayout(
  db: D1Database,
  s: Scope,
  range: { from: string; to: string },
): Promise<RecordedRefundAfterPayout[]> {
  const clawback = alias(commissions, 'clawback')
  const original = alias(commissions, 'original')
  const rows = await drizzle(db)
    .select({
      id: refunds.id,
      event_id: refunds.eventId,
      amount: refunds.amount,
      currency: conversions.currency,
      created_at: refunds.createdAt,
      conversion_event_id: conversions.eventId,
      customer_id: conversions.customerId,
      affiliate_id: affiliates.id,
      affiliate_code: affiliates.code,
      clawback_amount: sql<number>`SUM(${clawback.amount})`,
      clawback_currency: clawback.currency,
      commission_id: original.id,
      commission_status: original.status,
      payout_id: original.payoutId,
    })
    .from(refunds)
    .innerJoin(conversions, eq(conversions.id, refunds.conversionId))
    .innerJoin(clawback, and(eq(clawback.conversionId, refunds.conversionId), eq(clawback.kind, 'clawback')))
    .innerJoin(
      commissionEvents,
      and(
        eq(commissionEvents.commissionId, clawback.id),
        eq(commissionEvents.type, 'created'),
        eq(commissionEvents.refId, refunds.id),
      ),
    )
    .leftJoin(original, and(eq(original.conversionId, refunds.conversionId), eq(original.kind, 'conversion')))
    .leftJoin(affiliates, eq(affiliates.id, conversions.affiliateId))
    .where(
      and(
        eq(refunds.programId, s.programId),
        eq(refunds.mode, s.mode),
        gte(refunds.createdAt, range.from),
        lte(refunds.createdAt, range.to),
      ),
    )
    .groupBy(refunds.id)
    .orderBy(desc(refunds.createdAt))
    .limit(MAX_ROWS + 1)
    .all()
  return rows.map((r) => ({
    id: r.id,
    event_id: r.event_id,
    amount: r.amount,
    currency: r.currency,
    created_at: r.created_at,
    conversion_event_id: r.conversion_event_id,
    customer_id: r.customer_id,
    affiliate: r.affiliate_id && r.affiliate_code ? { id: r.affiliate_id, code: r.affiliate_code } : null,
    clawback_amount: Number(r.clawback_amount),
    clawback_currency: r.clawback_currency,
    commission: r.commission_id
      ? { id: r.commission_id, status: r.commission_status ?? 'unknown', payout_id: r.payout_id }
      : null,
  }))
}
