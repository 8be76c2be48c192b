/**
 * Statement builders for the hub's D1 batches. A D1 batch is one transaction: either every
 * statement of an event lands or none does, so no half-written record is ever visible.
 * Statements are built with drizzle (typed against the schema) and kept as data (`Stmt`); the
 * ones every event writes are built once and filled per event (`prepared`).
 */
import { sql } from 'drizzle-orm'
import { prepared, qb } from '../db/builder'
import { customers, events, rollups } from '../db/schema'
import type { Mode } from '../shared'
import type { TotalsDelta } from './local-store'
import type { Stmt } from './types'

export interface RollupDelta extends TotalsDelta {
  bot_clicks?: number
}

/** 'YYYY-MM-DDTHH' in UTC: the rollup bucket of a moment. */
export function hourBucket(at: number): string {
  return new Date(at).toISOString().slice(0, 13)
}

const ROLLUP_KEY = [
  rollups.programId,
  rollups.mode,
  rollups.affiliateId,
  rollups.sub,
  rollups.hour,
  rollups.currency,
]

const p = sql.placeholder

const rollupUpsert = prepared(() =>
  qb
    .insert(rollups)
    .values({
      programId: p('programId'),
      mode: p('mode'),
      affiliateId: p('affiliateId'),
      sub: p('sub'),
      hour: p('hour'),
      currency: p('currency'),
      clicks: p('clicks'),
      uniqueClicks: p('uniqueClicks'),
      botClicks: p('botClicks'),
      signups: p('signups'),
      conversions: p('conversions'),
      refunds: p('refunds'),
      revenue: p('revenue'),
      commission: p('commission'),
    })
    .onConflictDoUpdate({
      target: ROLLUP_KEY,
      set: {
        clicks: sql`${rollups.clicks} + excluded.clicks`,
        uniqueClicks: sql`${rollups.uniqueClicks} + excluded.unique_clicks`,
        botClicks: sql`${rollups.botClicks} + excluded.bot_clicks`,
        signups: sql`${rollups.signups} + excluded.signups`,
        conversions: sql`${rollups.conversions} + excluded.conversions`,
        refunds: sql`${rollups.refunds} + excluded.refunds`,
        revenue: sql`${rollups.revenue} + excluded.revenue`,
        commission: sql`${rollups.commission} + excluded.commission`,
      },
    }),
)

/** Adds to one hourly rollup row, creating it on first use. */
export function rollupStatement(
  key: {
    programId: string
    mode: Mode
    affiliateId: string | null
    sub: string | null
    at: number
    currency: string
  },
  d: RollupDelta,
): Stmt {
  return rollupUpsert({
    programId: key.programId,
    mode: key.mode,
    affiliateId: key.affiliateId ?? '',
    sub: key.sub ?? '',
    hour: hourBucket(key.at),
    currency: key.currency,
    clicks: d.clicks ?? 0,
    uniqueClicks: d.unique_clicks ?? 0,
    botClicks: d.bot_clicks ?? 0,
    signups: d.signups ?? 0,
    conversions: d.conversions ?? 0,
    refunds: d.refunds ?? 0,
    revenue: d.revenue ?? 0,
    commission: d.commission ?? 0,
  })
}

const customerUpsert = prepared(() =>
  qb
    .insert(customers)
    .values({
      programId: p('programId'),
      mode: p('mode'),
      customerId: p('customerId'),
      affiliateId: p('affiliateId'),
      clickId: p('clickId'),
      sub: p('sub'),
      emailHash: p('emailHash'),
      signedUpAt: p('signedUpAt'),
      firstConversionAt: p('firstConversionAt'),
      createdAt: p('createdAt'),
    })
    .onConflictDoUpdate({
      target: [customers.programId, customers.mode, customers.customerId],
      set: {
        affiliateId: sql`COALESCE(${customers.affiliateId}, excluded.affiliate_id)`,
        clickId: sql`COALESCE(${customers.clickId}, excluded.click_id)`,
        sub: sql`COALESCE(${customers.sub}, excluded.sub)`,
        emailHash: sql`COALESCE(excluded.email_hash, ${customers.emailHash})`,
        signedUpAt: sql`COALESCE(${customers.signedUpAt}, excluded.signed_up_at)`,
        firstConversionAt: sql`COALESCE(${customers.firstConversionAt}, excluded.first_conversion_at)`,
      },
    }),
)

/**
 * Creates or completes a customer. What attributed the customer first stays (affiliate, click,
 * sub, first conversion, signup time); a newer email hash replaces an older one.
 */
export function customerStatement(c: {
  programId: string
  mode: Mode
  customerId: string
  affiliateId: string | null
  clickId: string | null
  sub: string | null
  emailHash?: string | null
  signedUpAt?: string | null
  firstConversionAt?: string | null
  at: string
}): Stmt {
  return customerUpsert({
    programId: c.programId,
    mode: c.mode,
    customerId: c.customerId,
    affiliateId: c.affiliateId,
    clickId: c.clickId,
    sub: c.sub,
    emailHash: c.emailHash ?? null,
    signedUpAt: c.signedUpAt ?? null,
    firstConversionAt: c.firstConversionAt ?? null,
    createdAt: c.at,
  })
}

export type EventKind = (typeof events.$inferInsert)['kind']

const eventInsert = prepared(() =>
  qb.insert(events).values({
    programId: p('programId'),
    mode: p('mode'),
    kind: p('kind'),
    eventId: p('eventId'),
    bodyHash: p('bodyHash'),
    status: p('status'),
    response: p('response'),
    createdAt: p('createdAt'),
  }),
)

/**
 * The idempotency record and the batch's commit marker: a plain INSERT, so resending a batch
 * that already landed (a second writer, or a retry after a crash) fails whole and rolls back.
 */
export function eventStatement(e: {
  programId: string
  mode: Mode
  kind: EventKind
  eventId: string
  bodyHash: string
  status: number
  response: string
  at: string
}): Stmt {
  return eventInsert({
    programId: e.programId,
    mode: e.mode,
    kind: e.kind,
    eventId: e.eventId,
    bodyHash: e.bodyHash,
    status: e.status,
    response: e.response,
    createdAt: e.at,
  })
}

/** D1 refuses a statement with more bound parameters than this; local D1 does not, so we check. */
export const D1_MAX_PARAMS = 100

/** Sends statements to D1 as one batch, which D1 runs as one transaction. */
export function runBatch(db: D1Database, statements: Stmt[]): Promise<D1Result[]> {
  for (const s of statements) {
    if (s.params.length > D1_MAX_PARAMS) {
      throw new Error(`A statement binds ${s.params.length} parameters; D1 allows ${D1_MAX_PARAMS}`)
    }
  }
  return db.batch(statements.map((s) => db.prepare(s.sql).bind(...s.params)))
}

/** True when a D1 error (possibly wrapped, as drizzle does) is a unique violation on `table`. */
export function isUniqueViolation(err: unknown, table: string): boolean {
  for (let e: unknown = err; e; e = e instanceof Error ? e.cause : undefined) {
    const message = e instanceof Error ? e.message : String(e)
    if (message.includes('UNIQUE constraint failed') && message.includes(`${table}.`)) return true
  }
  return false
}
