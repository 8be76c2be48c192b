/**
 * Planner of `DELETE /v1/test-data`: every test-mode record of a program, in D1 and in the hub,
 * goes in one hub operation. D1's rows are deleted in one batch (one transaction) and the hub
 * forgets its test counters, customers, idempotency records, clicks and queued test clicks when
 * that batch has landed (`local.purgeMode`), so the two stay equal and the same test event ids
 * can be sent again. Live rows are never touched: every statement is bound to mode `test`.
 */
import { and, count, eq, inArray, ne, or, type SQL } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { qb, toStmt } from '../db/builder'
import {
  affiliates,
  churns,
  clicks,
  commissionEvents,
  commissions,
  conversions,
  customers,
  events,
  payoutItems,
  payouts,
  promoCodes,
  refunds,
  rollups,
  signups,
  stripeDeferredInvoices,
  stripeDisputes,
  stripeEvents,
  stripeInvoicePayments,
  stripeRefundSteps,
  webhookDeliveries,
} from '../db/schema'
import type { EventContext, EventPlan, Stmt } from './types'

/** What the purge removed, per kind of record (the answer's `deleted`). */
export interface PurgeCounts {
  clicks: number
  customers: number
  signups: number
  conversions: number
  refunds: number
  commissions: number
  commission_events: number
  payouts: number
  affiliates: number
  webhook_deliveries: number
  events: number
  rollups: number
  stripe_records: number
}

export interface PurgeBody {
  deleted: PurgeCounts
}

interface ModeTable {
  table: SQLiteTable
  programId: SQLiteColumn
  mode: SQLiteColumn
}

/** Tables whose rows carry `program_id` and `mode`, keyed by the count they add to. */
const SIMPLE: Array<[keyof PurgeCounts, ModeTable]> = [
  ['clicks', { table: clicks, programId: clicks.programId, mode: clicks.mode }],
  ['customers', { table: customers, programId: customers.programId, mode: customers.mode }],
  ['signups', { table: signups, programId: signups.programId, mode: signups.mode }],
  ['conversions', { table: conversions, programId: conversions.programId, mode: conversions.mode }],
  ['refunds', { table: refunds, programId: refunds.programId, mode: refunds.mode }],
  ['commissions', { table: commissions, programId: commissions.programId, mode: commissions.mode }],
  [
    'commission_events',
    { table: commissionEvents, programId: commissionEvents.programId, mode: commissionEvents.mode },
  ],
  ['payouts', { table: payouts, programId: payouts.programId, mode: payouts.mode }],
  [
    'webhook_deliveries',
    { table: webhookDeliveries, programId: webhookDeliveries.programId, mode: webhookDeliveries.mode },
  ],
  ['rollups', { table: rollups, programId: rollups.programId, mode: rollups.mode }],
  ['stripe_records', { table: stripeEvents, programId: stripeEvents.programId, mode: stripeEvents.mode }],
  [
    'stripe_records',
    {
      table: stripeInvoicePayments,
      programId: stripeInvoicePayments.programId,
      mode: stripeInvoicePayments.mode,
    },
  ],
  [
    'stripe_records',
    { table: stripeRefundSteps, programId: stripeRefundSteps.programId, mode: stripeRefundSteps.mode },
  ],
  [
    'stripe_records',
    { table: stripeDisputes, programId: stripeDisputes.programId, mode: stripeDisputes.mode },
  ],
  [
    'stripe_records',
    {
      table: stripeDeferredInvoices,
      programId: stripeDeferredInvoices.programId,
      mode: stripeDeferredInvoices.mode,
    },
  ],
  ['stripe_records', { table: churns, programId: churns.programId, mode: churns.mode }],
]

function testRows(t: ModeTable, programId: string): SQL {
  return and(eq(t.programId, programId), eq(t.mode, 'test')) as SQL
}

/**
 * Counts and deletes. The purge's own idempotency row (`opId`, written first in the same batch)
 * is kept: it is the batch's commit marker, which crash recovery looks for.
 */
export async function planPurgeTestData(
  db: D1Database,
  ctx: EventContext,
  opId: string,
): Promise<EventPlan<PurgeBody>> {
  const orm = drizzle(db)
  const { programId } = ctx
  const deleted: PurgeCounts = {
    clicks: 0,
    customers: 0,
    signups: 0,
    conversions: 0,
    refunds: 0,
    commissions: 0,
    commission_events: 0,
    payouts: 0,
    affiliates: 0,
    webhook_deliveries: 0,
    events: 0,
    rollups: 0,
    stripe_records: 0,
  }
  const statements: Stmt[] = []

  const testPayoutIds = qb
    .select({ id: payouts.id })
    .from(payouts)
    .where(and(eq(payouts.programId, programId), eq(payouts.mode, 'test')))
  const testAffiliateIds = qb
    .select({ id: affiliates.id })
    .from(affiliates)
    .where(and(eq(affiliates.programId, programId), eq(affiliates.mode, 'test')))
  // Children first: payout lines and promotion codes are found through their test parents.
  statements.push(toStmt(qb.delete(payoutItems).where(inArray(payoutItems.payoutId, testPayoutIds))))
  statements.push(
    toStmt(
      qb
        .delete(promoCodes)
        .where(and(eq(promoCodes.programId, programId), inArray(promoCodes.affiliateId, testAffiliateIds))),
    ),
  )

  for (const [key, t] of SIMPLE) {
    const [row] = await orm.select({ n: count() }).from(t.table).where(testRows(t, programId)).all()
    deleted[key] += row?.n ?? 0
    statements.push(toStmt(qb.delete(t.table).where(testRows(t, programId))))
  }

  const eventsWhere = and(
    eq(events.programId, programId),
    eq(events.mode, 'test'),
    or(ne(events.kind, 'commission'), ne(events.eventId, opId)),
  )
  const [ev] = await orm.select({ n: count() }).from(events).where(eventsWhere).all()
  deleted.events = ev?.n ?? 0
  statements.push(toStmt(qb.delete(events).where(eventsWhere)))

  const affWhere = and(eq(affiliates.programId, programId), eq(affiliates.mode, 'test'))
  const [aff] = await orm.select({ n: count() }).from(affiliates).where(affWhere).all()
  deleted.affiliates = aff?.n ?? 0
  statements.push(toStmt(qb.delete(affiliates).where(affWhere)))

  return { statements, body: { deleted }, local: { purgeMode: 'test' }, events: [] }
}
