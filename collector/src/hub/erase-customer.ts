/**
 * Planner of `DELETE /v1/customers/:id`: erases a customer's personal data and keeps the money
 * records, anonymised. The email hash, the IP hashes of the customer's clicks and conversion
 * metadata are cleared; the customer id is replaced by a tombstone id everywhere it is stored
 * (customers, signups, conversions, churns, the idempotency records' answers, queued webhook
 * payloads), in D1 in one batch and in the hub once that batch has landed (`local.eraseCustomer`).
 * Amounts, commissions and rollups are untouched, so totals and payouts do not move.
 */
import { and, eq, gt, inArray, or, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { qb, toStmt } from '../db/builder'
import { churns, clicks, conversions, customers, events, signups, webhookDeliveries } from '../db/schema'
import { newId } from '../lib/crypto'
import type { EventContext, EventPlan, HubResult } from './types'
import { hubError } from './types'

/** The IP hash written over an erased customer's clicks (no real hash is 6 characters long). */
export const ERASED_HASH = 'erased'

export interface EraseBody {
  erased: { customer_id: string; tombstone_id: string }
}

export async function planEraseCustomer(
  db: D1Database,
  ctx: EventContext,
  customerId: string,
): Promise<EventPlan<EraseBody> | HubResult<never>> {
  const { programId, mode } = ctx
  const known = await drizzle(db)
    .select({ id: customers.customerId })
    .from(customers)
    .where(
      and(eq(customers.programId, programId), eq(customers.mode, mode), eq(customers.customerId, customerId)),
    )
    .get()
  if (!known) return hubError('not_found', `No customer ${customerId} in ${mode} mode`, 'id')
  const tombstone = newId('erased')
  const quoted = JSON.stringify(customerId)
  const quotedTombstone = JSON.stringify(tombstone)
  const ofCustomer = <T extends typeof signups | typeof conversions>(t: T) =>
    and(eq(t.programId, programId), eq(t.mode, mode), eq(t.customerId, customerId))

  const clickIds = or(
    inArray(clicks.clickId, qb.select({ id: signups.clickId }).from(signups).where(ofCustomer(signups))),
    inArray(
      clicks.clickId,
      qb.select({ id: conversions.clickId }).from(conversions).where(ofCustomer(conversions)),
    ),
    inArray(
      clicks.clickId,
      qb
        .select({ id: customers.clickId })
        .from(customers)
        .where(
          and(
            eq(customers.programId, programId),
            eq(customers.mode, mode),
            eq(customers.customerId, customerId),
          ),
        ),
    ),
  )
  const statements = [
    // First, while the customer id still finds them: the IP hashes of the customer's clicks.
    toStmt(
      qb
        .update(clicks)
        .set({ ipHash: ERASED_HASH })
        .where(and(eq(clicks.programId, programId), eq(clicks.mode, mode), clickIds)),
    ),
    toStmt(
      qb
        .update(events)
        .set({ response: sql`replace(${events.response}, ${quoted}, ${quotedTombstone})` })
        .where(
          and(
            eq(events.programId, programId),
            eq(events.mode, mode),
            gt(sql`instr(${events.response}, ${quoted})`, 0),
          ),
        ),
    ),
    toStmt(
      qb
        .update(events)
        .set({ eventId: `signup:${tombstone}` })
        .where(
          and(
            eq(events.programId, programId),
            eq(events.mode, mode),
            eq(events.kind, 'signup'),
            eq(events.eventId, `signup:${customerId}`),
          ),
        ),
    ),
    toStmt(
      qb
        .update(webhookDeliveries)
        .set({ payload: sql`replace(${webhookDeliveries.payload}, ${quoted}, ${quotedTombstone})` })
        .where(
          and(
            eq(webhookDeliveries.programId, programId),
            eq(webhookDeliveries.mode, mode),
            gt(sql`instr(${webhookDeliveries.payload}, ${quoted})`, 0),
          ),
        ),
    ),
    toStmt(
      qb
        .update(signups)
        .set({ eventId: `signup:${tombstone}` })
        .where(and(ofCustomer(signups), eq(signups.eventId, `signup:${customerId}`))),
    ),
    toStmt(qb.update(signups).set({ customerId: tombstone }).where(ofCustomer(signups))),
    toStmt(
      qb.update(conversions).set({ customerId: tombstone, metadata: null }).where(ofCustomer(conversions)),
    ),
    toStmt(
      qb
        .update(churns)
        .set({ customerId: tombstone })
        .where(
          and(eq(churns.programId, programId), eq(churns.mode, mode), eq(churns.customerId, customerId)),
        ),
    ),
    toStmt(
      qb
        .update(customers)
        .set({ customerId: tombstone, emailHash: null })
        .where(
          and(
            eq(customers.programId, programId),
            eq(customers.mode, mode),
            eq(customers.customerId, customerId),
          ),
        ),
    ),
  ]
  return {
    statements,
    body: { erased: { customer_id: customerId, tombstone_id: tombstone } },
    local: { eraseCustomer: { mode, customerId, tombstone } },
    events: [],
  }
}
