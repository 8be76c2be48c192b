/**
 * D1 reads and writes of the Stripe integration: the endpoint's secrets and last delivery, the
 * processed-event log, and what Stripe teaches us along the way (which payment paid which
 * invoice, promotion code ids, refund steps, churn). Money itself goes through the hub.
 */
import { and, eq, inArray, lte, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import {
  churns,
  conversions,
  promoCodes,
  signups,
  stripeDeferredInvoices,
  stripeEvents,
  stripeIntegrations,
  stripeInvoicePayments,
  stripeRefundSteps,
} from '../db/schema'
import type { Mode } from '../shared'
import type { ConversionInput } from './map-event'

export type StripeIntegration = typeof stripeIntegrations.$inferSelect

export async function getIntegration(db: D1Database, programId: string): Promise<StripeIntegration | null> {
  const row = await drizzle(db)
    .select()
    .from(stripeIntegrations)
    .where(eq(stripeIntegrations.programId, programId))
    .get()
  return row ?? null
}

export async function putIntegration(
  db: D1Database,
  programId: string,
  secrets: {
    webhook_secret: string
    test_webhook_secret?: string | null | undefined
    /** Left out (undefined): the stored restricted key stays; null removes it. */
    restricted_key?: string | null | undefined
    test_restricted_key?: string | null | undefined
  },
): Promise<StripeIntegration> {
  const now = new Date().toISOString()
  const values = {
    programId,
    webhookSecret: secrets.webhook_secret,
    testWebhookSecret: secrets.test_webhook_secret ?? null,
    restrictedKey: secrets.restricted_key ?? null,
    testRestrictedKey: secrets.test_restricted_key ?? null,
    connectedAt: now,
    updatedAt: now,
  }
  const row = await drizzle(db)
    .insert(stripeIntegrations)
    .values(values)
    .onConflictDoUpdate({
      target: stripeIntegrations.programId,
      set: {
        webhookSecret: values.webhookSecret,
        testWebhookSecret: values.testWebhookSecret,
        ...(secrets.restricted_key === undefined ? {} : { restrictedKey: values.restrictedKey }),
        ...(secrets.test_restricted_key === undefined ? {} : { testRestrictedKey: values.testRestrictedKey }),
        updatedAt: now,
        // A new secret starts a fresh delivery history: an old error no longer applies.
        lastDeliveryError: null,
      },
    })
    .returning()
    .get()
  return row
}

export async function deleteIntegration(db: D1Database, programId: string): Promise<void> {
  await drizzle(db).delete(stripeIntegrations).where(eq(stripeIntegrations.programId, programId))
}

/** The outcome of the last delivery, for the settings page: `error` null when it was processed. */
export async function recordDelivery(
  db: D1Database,
  programId: string,
  outcome: { at: string; error: string | null },
): Promise<void> {
  await drizzle(db)
    .update(stripeIntegrations)
    .set({
      lastDeliveryAt: outcome.at,
      lastDeliveryError: outcome.error ? outcome.error.slice(0, 500) : null,
      ...(outcome.error ? {} : { lastEventAt: outcome.at }),
    })
    .where(eq(stripeIntegrations.programId, programId))
}

export async function processedEvent(
  db: D1Database,
  programId: string,
  mode: Mode,
  eventId: string,
): Promise<unknown | null> {
  const row = await drizzle(db)
    .select({ response: stripeEvents.response })
    .from(stripeEvents)
    .where(
      and(
        eq(stripeEvents.programId, programId),
        eq(stripeEvents.mode, mode),
        eq(stripeEvents.eventId, eventId),
      ),
    )
    .get()
  return row ? (JSON.parse(row.response) as unknown) : null
}

/**
 * Records a processed event with its answer and the delivery's success, in one batch: a
 * redelivery then finds the answer, and the settings page the time.
 */
export async function saveProcessedEvent(
  db: D1Database,
  e: { programId: string; mode: Mode; eventId: string; type: string; response: unknown; at: string },
): Promise<void> {
  const orm = drizzle(db)
  await orm.batch([
    orm
      .insert(stripeEvents)
      .values({
        programId: e.programId,
        mode: e.mode,
        eventId: e.eventId,
        type: e.type.slice(0, 100),
        response: JSON.stringify(e.response),
        createdAt: e.at,
      })
      .onConflictDoNothing(),
    orm
      .update(stripeIntegrations)
      .set({ lastDeliveryAt: e.at, lastDeliveryError: null, lastEventAt: e.at })
      .where(eq(stripeIntegrations.programId, e.programId)),
  ])
}

/** The affiliate's code (lower case) a Stripe promotion code id was learned for, in this mode. */
export async function promoCodeForStripeIds(
  db: D1Database,
  programId: string,
  mode: Mode,
  stripeIds: string[],
): Promise<string | null> {
  if (!stripeIds.length) return null
  const column = mode === 'live' ? promoCodes.stripeId : promoCodes.testStripeId
  const row = await drizzle(db)
    .select({ code: promoCodes.code })
    .from(promoCodes)
    .where(and(eq(promoCodes.programId, programId), inArray(column, stripeIds)))
    .get()
  return row?.code ?? null
}

/** Remembers the Stripe id of a code that is one of an affiliate's; false when no affiliate has it. */
export async function learnPromotionCode(
  db: D1Database,
  programId: string,
  mode: Mode,
  code: string,
  stripeId: string,
): Promise<boolean> {
  const set = mode === 'live' ? { stripeId } : { testStripeId: stripeId }
  const rows = await drizzle(db)
    .update(promoCodes)
    .set(set)
    .where(and(eq(promoCodes.programId, programId), eq(promoCodes.code, code.toLowerCase())))
    .returning({ code: promoCodes.code })
  return rows.length > 0
}

export async function linkInvoicePayment(
  db: D1Database,
  programId: string,
  mode: Mode,
  paymentIntentId: string,
  invoiceId: string,
): Promise<void> {
  await drizzle(db)
    .insert(stripeInvoicePayments)
    .values({ programId, mode, paymentIntentId, invoiceId, createdAt: new Date().toISOString() })
    .onConflictDoNothing()
}

export async function invoiceOfPaymentIntent(
  db: D1Database,
  programId: string,
  mode: Mode,
  paymentIntentId: string,
): Promise<string | null> {
  const row = await drizzle(db)
    .select({ invoiceId: stripeInvoicePayments.invoiceId })
    .from(stripeInvoicePayments)
    .where(
      and(
        eq(stripeInvoicePayments.programId, programId),
        eq(stripeInvoicePayments.mode, mode),
        eq(stripeInvoicePayments.paymentIntentId, paymentIntentId),
      ),
    )
    .get()
  return row?.invoiceId ?? null
}

/** The first of `eventIds` that is a recorded conversion of the program in this mode. */
export async function firstRecordedConversion(
  db: D1Database,
  programId: string,
  mode: Mode,
  eventIds: string[],
): Promise<string | null> {
  if (!eventIds.length) return null
  const rows = await drizzle(db)
    .select({ eventId: conversions.eventId })
    .from(conversions)
    .where(
      and(
        eq(conversions.programId, programId),
        eq(conversions.mode, mode),
        inArray(conversions.eventId, eventIds),
      ),
    )
    .all()
  const found = new Set(rows.map((r) => r.eventId))
  return eventIds.find((id) => found.has(id)) ?? null
}

/**
 * The refund a charge's cumulative `amount_refunded` stands for: its growth over the highest
 * cumulative already seen for that charge. One INSERT … SELECT (D1 runs one statement at a time)
 * so two deliveries racing each other cannot both count the same growth; a cumulative at or
 * below one already seen (an older event arriving late) adds nothing and returns null.
 */
export async function refundStep(
  db: D1Database,
  s: { programId: string; mode: Mode; chargeId: string; cumulative: number; conversionEventId: string },
): Promise<{ amount: number; conversionEventId: string } | null> {
  await db
    .prepare(
      `INSERT OR IGNORE INTO stripe_refund_steps (program_id, mode, charge_id, cumulative, amount, conversion_event_id, created_at)
       SELECT ?1, ?2, ?3, ?4, ?4 - COALESCE(MAX(cumulative), 0), ?5, ?6
       FROM stripe_refund_steps WHERE program_id = ?1 AND mode = ?2 AND charge_id = ?3
       HAVING ?4 > COALESCE(MAX(cumulative), 0)`,
    )
    .bind(s.programId, s.mode, s.chargeId, s.cumulative, s.conversionEventId, new Date().toISOString())
    .run()
  const row = await drizzle(db)
    .select({ amount: stripeRefundSteps.amount, conversionEventId: stripeRefundSteps.conversionEventId })
    .from(stripeRefundSteps)
    .where(
      and(
        eq(stripeRefundSteps.programId, s.programId),
        eq(stripeRefundSteps.mode, s.mode),
        eq(stripeRefundSteps.chargeId, s.chargeId),
        eq(stripeRefundSteps.cumulative, s.cumulative),
      ),
    )
    .get()
  return row ?? null
}

export async function recordChurn(
  db: D1Database,
  c: { programId: string; mode: Mode; customerId: string; subscriptionId: string; churnedAt: string },
): Promise<void> {
  await drizzle(db)
    .insert(churns)
    .values({ ...c, createdAt: new Date().toISOString() })
    .onConflictDoNothing()
}

/** True once the customer has signed up in this mode (a checkout session arrived for it). */
export async function customerSignedUp(
  db: D1Database,
  programId: string,
  mode: Mode,
  customerId: string,
): Promise<boolean> {
  const row = await drizzle(db)
    .select({ one: sql<number>`1` })
    .from(signups)
    .where(and(eq(signups.programId, programId), eq(signups.mode, mode), eq(signups.customerId, customerId)))
    .get()
  return !!row
}

export async function deferInvoice(
  db: D1Database,
  d: { programId: string; mode: Mode; conversion: ConversionInput; dueAt: number },
): Promise<void> {
  await drizzle(db)
    .insert(stripeDeferredInvoices)
    .values({
      programId: d.programId,
      mode: d.mode,
      invoiceId: d.conversion.event_id,
      conversion: JSON.stringify(d.conversion),
      dueAt: new Date(d.dueAt).toISOString(),
      createdAt: new Date().toISOString(),
    })
    .onConflictDoNothing()
}

export async function dropDeferredInvoice(
  db: D1Database,
  programId: string,
  mode: Mode,
  invoiceId: string,
): Promise<void> {
  await drizzle(db)
    .delete(stripeDeferredInvoices)
    .where(
      and(
        eq(stripeDeferredInvoices.programId, programId),
        eq(stripeDeferredInvoices.mode, mode),
        eq(stripeDeferredInvoices.invoiceId, invoiceId),
      ),
    )
}

/** Deferred invoices whose wait is over, oldest first; `programId` null = every program (the cron). */
export async function dueDeferredInvoices(
  db: D1Database,
  programId: string | null,
  now: number,
  limit: number,
): Promise<Array<{ programId: string; mode: Mode; conversion: ConversionInput }>> {
  const due = lte(stripeDeferredInvoices.dueAt, new Date(now).toISOString())
  const rows = await drizzle(db)
    .select()
    .from(stripeDeferredInvoices)
    .where(programId ? and(eq(stripeDeferredInvoices.programId, programId), due) : due)
    .orderBy(stripeDeferredInvoices.dueAt)
    .limit(limit)
    .all()
  return rows.map((r) => ({
    programId: r.programId,
    mode: r.mode,
    conversion: JSON.parse(r.conversion) as ConversionInput,
  }))
}
