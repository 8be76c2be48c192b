/**
 * Statement builders for the hub's D1 batches. A D1 batch is one transaction: either every
 * statement of an event lands or none does, so no half-written record is ever visible.
 */
import type { Mode } from '../shared'
import type { TotalsDelta } from './local-store'

export interface RollupDelta extends TotalsDelta {
  bot_clicks?: number
}

/** 'YYYY-MM-DDTHH' in UTC: the rollup bucket of a moment. */
export function hourBucket(at: number): string {
  return new Date(at).toISOString().slice(0, 13)
}

export function rollupStatement(
  db: D1Database,
  key: {
    programId: string
    mode: Mode
    affiliateId: string | null
    sub: string | null
    at: number
    currency: string
  },
  d: RollupDelta,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO rollups (program_id, mode, affiliate_id, sub, hour, currency, clicks, unique_clicks, bot_clicks, signups, conversions, refunds, revenue, commission)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (program_id, mode, affiliate_id, sub, hour, currency) DO UPDATE SET
         clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks,
         bot_clicks = bot_clicks + excluded.bot_clicks, signups = signups + excluded.signups,
         conversions = conversions + excluded.conversions, refunds = refunds + excluded.refunds,
         revenue = revenue + excluded.revenue, commission = commission + excluded.commission`,
    )
    .bind(
      key.programId,
      key.mode,
      key.affiliateId ?? '',
      key.sub ?? '',
      hourBucket(key.at),
      key.currency,
      d.clicks ?? 0,
      d.unique_clicks ?? 0,
      d.bot_clicks ?? 0,
      d.signups ?? 0,
      d.conversions ?? 0,
      d.refunds ?? 0,
      d.revenue ?? 0,
      d.commission ?? 0,
    )
}

/**
 * Creates or completes a customer. What attributed the customer first stays (affiliate, click,
 * sub, first conversion, signup time); a newer email hash replaces an older one.
 */
export function customerStatement(
  db: D1Database,
  c: {
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
  },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO customers (program_id, mode, customer_id, affiliate_id, click_id, sub, email_hash, signed_up_at, first_conversion_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (program_id, mode, customer_id) DO UPDATE SET
         affiliate_id = COALESCE(customers.affiliate_id, excluded.affiliate_id),
         click_id = COALESCE(customers.click_id, excluded.click_id),
         sub = COALESCE(customers.sub, excluded.sub),
         email_hash = COALESCE(excluded.email_hash, customers.email_hash),
         signed_up_at = COALESCE(customers.signed_up_at, excluded.signed_up_at),
         first_conversion_at = COALESCE(customers.first_conversion_at, excluded.first_conversion_at)`,
    )
    .bind(
      c.programId,
      c.mode,
      c.customerId,
      c.affiliateId,
      c.clickId,
      c.sub,
      c.emailHash ?? null,
      c.signedUpAt ?? null,
      c.firstConversionAt ?? null,
      c.at,
    )
}

/** The idempotency record; a plain INSERT, so a second writer's whole batch fails and rolls back. */
export function eventStatement(
  db: D1Database,
  e: {
    programId: string
    mode: Mode
    kind: string
    eventId: string
    bodyHash: string
    status: number
    response: string
    at: string
  },
): D1PreparedStatement {
  return db
    .prepare(
      'INSERT INTO events (program_id, mode, kind, event_id, body_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(e.programId, e.mode, e.kind, e.eventId, e.bodyHash, e.status, e.response, e.at)
}

/** True when a D1 error (possibly wrapped, as drizzle does) is a unique violation on `table`. */
export function isUniqueViolation(err: unknown, table: string): boolean {
  for (let e: unknown = err; e; e = e instanceof Error ? e.cause : undefined) {
    const message = e instanceof Error ? e.message : String(e)
    if (message.includes('UNIQUE constraint failed') && message.includes(`${table}.`)) return true
  }
  return false
}
